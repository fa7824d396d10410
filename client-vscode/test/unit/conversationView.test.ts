import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import type { HostMessage } from '../../src/common/conversation';
import { activateExtension, waitFor } from './activation';
import type { LogOutputChannel } from 'vscode';
import { Diagnostic, FakeHost, FakeLanguageClient, FakeWebviewPanel, loadExtension, Range, Uri, type FakeDocument } from './fakeVscode';
import { conversationPage } from './fixtures';
import { WebviewUnderTest } from './webview';

const TRANSCRIPT = Uri.file('/home/ada/.claude/projects/-home-ada-app/5f0c.jsonl');

let deactivate: (() => Promise<void>) | undefined;
afterEach(async () => {
  await deactivate?.();
  deactivate = undefined;
});

interface Opened {
  host: FakeHost;
  panel: FakeWebviewPanel;
}

/** Activates the extension and opens the conversation view of TRANSCRIPT in a fake webview. */
function openView(host = new FakeHost()): Opened {
  deactivate = activateExtension(host);
  FakeLanguageClient.responses['sessionLsp.conversation'] = conversationPage(TRANSCRIPT.fsPath);
  const provider = host.customEditors.get('sessionLsp.conversation');
  assert.ok(provider, 'the custom editor is registered');
  const panel = new FakeWebviewPanel();
  provider.resolveCustomEditor({ uri: TRANSCRIPT }, panel);
  return { host, panel };
}

function conversationRequests(): unknown[][] {
  return FakeLanguageClient.created.flatMap((client) => client.requests.filter((request) => request.command === 'sessionLsp.conversation').map((request) => request.arguments));
}

function sent(panel: FakeWebviewPanel): HostMessage[] {
  return panel.sent as HostMessage[];
}

async function ready(opened: Opened): Promise<Extract<HostMessage, { type: 'reset' }>> {
  opened.panel.received.fire({ type: 'ready' });
  await waitFor(() => sent(opened.panel).some((message) => message.type === 'reset'), 'the reset');
  return sent(opened.panel).find((message) => message.type === 'reset') as Extract<HostMessage, { type: 'reset' }>;
}

test('the webview gets a strict Content-Security-Policy with a nonce and no inline script', () => {
  const { panel } = openView();
  const html = panel.webview.html;
  const policy = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1] ?? '';
  assert.match(policy, /^default-src 'none';/);
  const nonce = /script-src 'nonce-([^']+)'/.exec(policy)?.[1];
  assert.ok(nonce !== undefined && nonce.length >= 16, 'a script nonce');
  assert.doesNotMatch(policy, /unsafe-inline|unsafe-eval/);
  const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
  assert.equal(scripts.length, 1);
  // The nonce is base64: compared as text, since its `+` and `/` would be read as a pattern.
  const script = /nonce="([^"]+)" src="[^"]+\/dist\/webview\/conversation\.js"/.exec(scripts[0][1]);
  assert.equal(script?.[1], nonce, 'the script carries the nonce');
  assert.equal(scripts[0][2], '', 'no inline script body');
  assert.deepEqual(panel.webview.options, {
    enableScripts: true,
    enableCommandUris: false,
    localResourceRoots: [Uri.file(`${(panel.webview.options as { localResourceRoots: Uri[] }).localResourceRoots[0].fsPath}`), (panel.webview.options as { localResourceRoots: Uri[] }).localResourceRoots[1]],
  });
});

test('a transcript file name with markup reaches the page title escaped, never as HTML', () => {
  const host = new FakeHost();
  deactivate = activateExtension(host);
  const provider = host.customEditors.get('sessionLsp.conversation');
  assert.ok(provider, 'the custom editor is registered');
  const panel = new FakeWebviewPanel();
  provider.resolveCustomEditor({ uri: Uri.file('/tmp/a<img src=x onerror=alert(1)>"\'&.jsonl') }, panel);
  const html = panel.webview.html;
  assert.equal(/<title>([^<]*)<\/title>/.exec(html)?.[1], 'a&#60;img src=x onerror=alert(1)&#62;&#34;&#39;&#38;.jsonl');
  assert.doesNotMatch(html, /<img/);
});

test('ready: the first page is fetched from disk for a file the server does not have open, and sent', async () => {
  const opened = openView();
  const reset = await ready(opened);
  assert.deepEqual(conversationRequests(), [[TRANSCRIPT.fsPath, { offset: 0, limit: 200 }]]);
  assert.equal(reset.generation, 1);
  assert.equal(reset.focus, null);
  assert.equal(reset.page.total, 2);
  assert.equal(reset.page.items[1].tool?.status, 'unpaired');
});

test('an open transcript is read from the editor (its URI), so unsaved edits show', async () => {
  const host = new FakeHost();
  host.openDocument({ uri: TRANSCRIPT, languageId: 'jsonl', isDirty: true });
  const opened = openView(host);
  await ready(opened);
  assert.deepEqual(conversationRequests().at(-1), [TRANSCRIPT.toString(), { offset: 0, limit: 200 }]);
});

test('opened at the first problem (the status bar), the reset asks the webview to focus it', async () => {
  const host = new FakeHost();
  deactivate = activateExtension(host);
  FakeLanguageClient.responses['sessionLsp.conversation'] = conversationPage(TRANSCRIPT.fsPath);
  await host.commands.get('sessionLsp.client.openConversation')?.(TRANSCRIPT, 'firstProblem');
  const openWith = host.executedCommands.find(({ command }) => command === 'vscode.openWith');
  assert.deepEqual(openWith?.args.slice(0, 2), [TRANSCRIPT, 'sessionLsp.conversation']);
  const panel = new FakeWebviewPanel();
  host.customEditors.get('sessionLsp.conversation')?.resolveCustomEditor({ uri: TRANSCRIPT }, panel);
  const reset = await ready({ host, panel });
  assert.equal(reset.focus, 1);
  // Asked again while open: the panel is revealed and told to focus, no second editor.
  await host.commands.get('sessionLsp.client.openConversation')?.(TRANSCRIPT, 'firstProblem');
  assert.equal(panel.revealed, 1);
  assert.deepEqual(sent(panel).at(-1), { type: 'focus', index: 1 });
});

test('loadPage answers with that page; a request from an older generation is dropped', async () => {
  const opened = openView();
  await ready(opened);
  opened.panel.received.fire({ type: 'loadPage', generation: 1, offset: 200 });
  await waitFor(() => sent(opened.panel).some((message) => message.type === 'page'), 'the page');
  assert.deepEqual(conversationRequests().at(-1), [TRANSCRIPT.fsPath, { offset: 200, limit: 200 }]);
  const before = conversationRequests().length;
  opened.panel.received.fire({ type: 'loadPage', generation: 0, offset: 400 });
  opened.panel.received.fire({ type: 'loadPage', generation: 1, offset: -5 });
  opened.panel.received.fire({ type: 'evil', script: 'alert(1)' });
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(conversationRequests().length, before, 'stale, malformed and unknown messages do nothing');
});

test('a change of the raw document re-fetches and resets the view', async () => {
  const host = new FakeHost();
  const document: FakeDocument = { uri: TRANSCRIPT, languageId: 'jsonl', isDirty: true };
  host.openDocument(document);
  const opened = openView(host);
  await ready(opened);
  FakeLanguageClient.responses['sessionLsp.conversation'] = conversationPage(TRANSCRIPT.fsPath, { errors: 0, firstProblem: null });
  host.didChangeTextDocument.fire({ document, contentChanges: [{}] });
  host.didChangeTextDocument.fire({ document, contentChanges: [{}] });
  await waitFor(() => sent(opened.panel).filter((message) => message.type === 'reset').length === 2, 'the second reset');
  const resets = sent(opened.panel).filter((message): message is Extract<HostMessage, { type: 'reset' }> => message.type === 'reset');
  assert.deepEqual([resets[1].generation, resets[1].page.errors], [2, 0]);
  // And a change on disk (the file watcher of this one file).
  const watcher = host.watchers.find((candidate) => candidate.pattern.pattern === '5f0c.jsonl');
  watcher?.changed.fire(TRANSCRIPT as never);
  await waitFor(() => sent(opened.panel).filter((message) => message.type === 'reset').length === 3, 'the third reset');
});

/** The server's diagnostic on the unpaired call, and the code actions VS Code would offer there. */
function arrangeQuickFixes(host: FakeHost): { queries: unknown[][]; stubEdit: object } {
  const diagnostic = new Diagnostic(new Range(24, 2, 24, 39), 'Bash call toolu_1 has no tool_result', 0);
  diagnostic.source = 'session-lsp';
  host.diagnostics.set(TRANSCRIPT.toString(), [diagnostic]);
  const stubEdit = { edits: 'insert the stub' };
  const queries: unknown[][] = [];
  host.commands.set('vscode.executeCodeActionProvider', (...args: unknown[]) => {
    queries.push(args);
    return [
      { title: 'Insert a stub tool_result', kind: { value: 'quickfix' }, isPreferred: true, edit: stubEdit },
      { title: 'Remove the broken records', kind: { value: 'quickfix' }, edit: { edits: 'purge' } },
      { title: 'Fix everything on save', kind: { value: 'source.fixAll.sessionLsp' }, edit: {} },
      { title: 'Fork the session', command: 'sessionLsp.forkSession', arguments: [] },
    ];
  });
  return { queries, stubEdit };
}

/** The server has the transcript open (its diagnostics are there). */
function hostWithTranscriptOpen(): FakeHost {
  const host = new FakeHost();
  host.openDocument({ uri: TRANSCRIPT, languageId: 'jsonl', isDirty: false });
  return host;
}

test('listRepairs offers exactly the quick fixes VS Code has at the finding range (edits resolved)', async () => {
  const opened = openView(hostWithTranscriptOpen());
  const { queries } = arrangeQuickFixes(opened.host);
  await ready(opened);
  opened.panel.received.fire({ type: 'listRepairs', generation: 1, index: 1, finding: 0 });
  await waitFor(() => sent(opened.panel).some((message) => message.type === 'repairs'), 'the repairs');
  assert.deepEqual(sent(opened.panel).find((message) => message.type === 'repairs'), {
    type: 'repairs',
    generation: 1,
    index: 1,
    finding: 0,
    options: [
      { title: 'Insert a stub tool_result', preferred: true },
      { title: 'Remove the broken records', preferred: false },
    ],
  });
  const [uri, range, kind, resolveCount] = queries[0] as [Uri, Range, string, number];
  assert.equal(uri, TRANSCRIPT);
  assert.deepEqual(range, new Range(24, 2, 24, 39), 'the 1-based finding span as a 0-based range');
  assert.equal(kind, 'quickfix');
  assert.ok(resolveCount > 0, 'edits are resolved up front');
});

test('a repair on a transcript not open yet opens the raw document first', async () => {
  const opened = openView();
  await ready(opened);
  assert.equal(opened.host.textDocuments.length, 0);
  let queried = false;
  opened.host.commands.set('vscode.executeCodeActionProvider', () => ((queried = true), []));
  opened.panel.received.fire({ type: 'listRepairs', generation: 1, index: 1, finding: 0 });
  await waitFor(() => opened.host.textDocuments.some((document) => document.uri === TRANSCRIPT), 'the raw document');
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(queried, false, 'no query before the server has published its diagnostics');
  const diagnostic = new Diagnostic(new Range(24, 2, 24, 39), 'no tool_result', 0);
  diagnostic.source = 'session-lsp';
  opened.host.diagnostics.set(TRANSCRIPT.toString(), [diagnostic]);
  opened.host.didChangeDiagnostics.fire({ uris: [TRANSCRIPT] });
  await waitFor(() => queried, 'the code action query');
  await waitFor(() => sent(opened.panel).some((message) => message.type === 'repairs'), 'the (empty) repairs');
});

test('applyRepair applies the chosen action edit to the raw document and saves it', async () => {
  const host = new FakeHost();
  let saves = 0;
  const document = {
    uri: TRANSCRIPT,
    languageId: 'jsonl',
    get isDirty() {
      return host.appliedEdits.length > saves;
    },
    save: async () => {
      saves++;
      return true;
    },
  };
  host.openDocument(document);
  const opened = openView(host);
  const { stubEdit } = arrangeQuickFixes(host);
  await ready(opened);
  opened.panel.received.fire({ type: 'applyRepair', generation: 1, index: 1, finding: 0, title: 'Insert a stub tool_result' });
  await waitFor(() => sent(opened.panel).some((message) => message.type === 'status'), 'the status');
  assert.deepEqual(host.appliedEdits, [stubEdit], 'exactly the chosen quick fix edit');
  assert.equal(saves, 1, 'the raw document is saved');
  assert.deepEqual(sent(opened.panel).find((message) => message.type === 'status'), {
    type: 'status',
    text: 'Applied: Insert a stub tool_result. Undo it in the raw file.',
    isError: false,
  });
});

test('a repair no longer offered, or asked for in an older generation, is refused with a message', async () => {
  const opened = openView(hostWithTranscriptOpen());
  arrangeQuickFixes(opened.host);
  await ready(opened);
  opened.panel.received.fire({ type: 'applyRepair', generation: 1, index: 1, finding: 0, title: 'Delete everything' });
  opened.panel.received.fire({ type: 'applyRepair', generation: 7, index: 1, finding: 0, title: 'Insert a stub tool_result' });
  await waitFor(() => sent(opened.panel).filter((message) => message.type === 'status').length === 2, 'two statuses');
  const statuses = sent(opened.panel).filter((message): message is Extract<HostMessage, { type: 'status' }> => message.type === 'status');
  assert.deepEqual(statuses.map((status) => status.isError), [true, true]);
  assert.deepEqual(opened.host.appliedEdits, []);
});

test('reveal shows the raw line in a text editor with the cursor on it', async () => {
  const opened = openView();
  await ready(opened);
  opened.panel.received.fire({ type: 'reveal', line: 24 });
  await waitFor(() => opened.host.shownDocuments.length === 1, 'the raw editor');
  const [{ uri, options }] = opened.host.shownDocuments;
  assert.equal(uri, TRANSCRIPT);
  const selection = (options as { selection: Range }).selection as unknown as { startLine: { line: number } };
  assert.equal(selection.startLine.line, 24);
});

/** A Task call at item 1 whose sub-agent file the server named. */
function taskCallWithItsAgentFile(): { agentFile: string; call: object } {
  const agentFile = '/home/ada/.claude/projects/-home-ada-app/agent-1.jsonl';
  const call = {
    index: 1, kind: 'tool', lines: [4, 5], timestamp: null, text: null, truncated: false, findings: [],
    tool: { id: 'toolu_t', name: 'Task', input: '{}', result: 'done', isError: false, status: 'answered', callLine: 4, resultLine: 5, agentFile, agent: { file: agentFile, title: 'Explore', items: 3, errors: 0 } },
  };
  return { agentFile, call };
}

function requestsOf(command: string): unknown[][] {
  return FakeLanguageClient.created.flatMap((client) => client.requests.filter((request) => request.command === command).map((request) => request.arguments));
}

test('a sub-agent is paged from the file the server named for the call, never from a path the webview sends', async () => {
  const host = new FakeHost();
  deactivate = activateExtension(host);
  const { agentFile, call } = taskCallWithItsAgentFile();
  FakeLanguageClient.responses['sessionLsp.conversation'] = conversationPage(TRANSCRIPT.fsPath, { items: [call], total: 2, errors: 0, firstProblem: null });
  const panel = new FakeWebviewPanel();
  host.customEditors.get('sessionLsp.conversation')!.resolveCustomEditor({ uri: TRANSCRIPT }, panel);
  const opened = { host, panel };
  await ready(opened);
  panel.received.fire({ type: 'loadAgent', generation: 1, segment: null, index: 1, offset: 0, file: '/etc/passwd' });
  await waitFor(() => sent(panel).some((message) => message.type === 'agentPage'), 'the agent page');
  assert.deepEqual(conversationRequests().at(-1), [agentFile, { offset: 0, limit: 200 }]);
  const before = conversationRequests().length;
  panel.received.fire({ type: 'loadAgent', generation: 1, segment: null, index: 0, offset: 0 });
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(conversationRequests().length, before, 'an item without a sub-agent file asks for nothing');
});

test('an earlier segment is paged by its number; a search asks the server over the whole session', async () => {
  const opened = openView();
  await ready(opened);
  opened.panel.received.fire({ type: 'loadSegment', generation: 1, segment: 0, offset: 200 });
  await waitFor(() => sent(opened.panel).some((message) => message.type === 'segmentPage'), 'the segment page');
  assert.deepEqual(conversationRequests().at(-1), [TRANSCRIPT.fsPath, { offset: 200, limit: 200, segment: 0 }]);
  FakeLanguageClient.responses['sessionLsp.search'] = [{ segment: 0, index: 3, line: 7, field: 'result', snippet: '…needle…' }, { bad: true }];
  opened.panel.received.fire({ type: 'search', generation: 1, query: 'needle' });
  await waitFor(() => sent(opened.panel).some((message) => message.type === 'searchResults'), 'the results');
  assert.deepEqual(requestsOf('sessionLsp.search').at(-1), [TRANSCRIPT.fsPath, { query: 'needle', limit: 201 }]);
  const results = sent(opened.panel).find((message) => message.type === 'searchResults') as Extract<HostMessage, { type: 'searchResults' }>;
  assert.deepEqual(results.hits, [{ segment: 0, index: 3, line: 7, field: 'result', snippet: '…needle…' }]);
});

test('a link clicked in a reply is opened through VS Code (which asks); any other address is ignored', async () => {
  const opened = openView();
  await ready(opened);
  opened.panel.received.fire({ type: 'openLink', href: 'command:workbench.action.closeWindow' });
  opened.panel.received.fire({ type: 'openLink', href: 'javascript:alert(1)' });
  opened.panel.received.fire({ type: 'openLink', href: 'https://example.com/docs' });
  await waitFor(() => opened.host.openedExternally.length === 1, 'the https link opened');
  assert.deepEqual(opened.host.openedExternally, ['https://example.com/docs']);
});

test('the status bar item of a transcript with problems opens its conversation view at the first problem', async () => {
  const host = new FakeHost();
  deactivate = activateExtension(host);
  const diagnostic = new Diagnostic(new Range(24, 2, 24, 39), 'no tool_result', 0);
  diagnostic.source = 'session-lsp';
  host.openDocument({ uri: TRANSCRIPT, languageId: 'jsonl', isDirty: false });
  host.diagnostics.set(TRANSCRIPT.toString(), [diagnostic]);
  const [item] = host.statusBarItems;
  await waitFor(() => item.text === '$(warning) Session: 1 problem', 'the problem count');
  assert.deepEqual(item.command, {
    command: 'sessionLsp.client.openConversation',
    title: 'Open Conversation at the First Problem',
    arguments: [TRANSCRIPT, 'firstProblem'],
  });
});

test('in an untrusted workspace the view offers no repair, says why, and refuses one asked for', async () => {
  const host = hostWithTranscriptOpen();
  host.isTrusted = false;
  const opened = openView(host);
  const { queries } = arrangeQuickFixes(opened.host);
  await ready(opened);
  opened.panel.received.fire({ type: 'listRepairs', generation: 1, index: 1, finding: 0 });
  opened.panel.received.fire({ type: 'applyRepair', generation: 1, index: 1, finding: 0, title: 'Insert a stub tool_result' });
  await waitFor(() => sent(opened.panel).some((message) => message.type === 'status'), 'the refusal');
  await waitFor(() => sent(opened.panel).some((message) => message.type === 'repairs'), 'the (withheld) repairs');
  const repairs = sent(opened.panel).find((message) => message.type === 'repairs') as Extract<HostMessage, { type: 'repairs' }>;
  assert.deepEqual(repairs.options, []);
  assert.match(repairs.blocked ?? '', /untrusted workspace/);
  const status = sent(opened.panel).find((message) => message.type === 'status') as Extract<HostMessage, { type: 'status' }>;
  assert.equal(status.isError, true);
  assert.match(status.text, /untrusted workspace/);
  assert.deepEqual(opened.host.appliedEdits, [], 'nothing applied, nothing saved');
  assert.equal(queries.length, 0, 'not even asked for');
});

test('"Show all" fetches the item whole from the server, of its segment, and sends it to the webview', async () => {
  const opened = openView();
  await ready(opened);
  const whole = { index: 0, kind: 'assistant', lines: [2, 2], timestamp: null, text: 'x'.repeat(9000), truncated: false, tool: null, findings: [], model: null, usage: null };
  FakeLanguageClient.responses['sessionLsp.item'] = whole;
  opened.panel.received.fire({ type: 'loadItem', generation: 1, index: 0, segment: null });
  await waitFor(() => sent(opened.panel).some((message) => message.type === 'wholeItem'), 'the whole item');
  assert.deepEqual(requestsOf('sessionLsp.item').at(-1), [TRANSCRIPT.fsPath, { index: 0 }]);
  const answer = sent(opened.panel).find((message) => message.type === 'wholeItem') as Extract<HostMessage, { type: 'wholeItem' }>;
  assert.equal(answer.segment, null);
  assert.equal(answer.item.text?.length, 9000);
  opened.panel.received.fire({ type: 'loadItem', generation: 1, index: 3, segment: 0 });
  await waitFor(() => requestsOf('sessionLsp.item').length === 2, 'the history item');
  assert.deepEqual(requestsOf('sessionLsp.item').at(-1), [TRANSCRIPT.fsPath, { index: 3, segment: 0 }]);
});

test('"Show all" on a sub-agent\'s item reads it from the file the server named for the call', async () => {
  const host = new FakeHost();
  deactivate = activateExtension(host);
  const { agentFile, call } = taskCallWithItsAgentFile();
  FakeLanguageClient.responses['sessionLsp.conversation'] = conversationPage(TRANSCRIPT.fsPath, { items: [call], total: 2, errors: 0, firstProblem: null });
  FakeLanguageClient.responses['sessionLsp.item'] = { index: 2, kind: 'assistant', lines: [9, 9], timestamp: null, text: 'y'.repeat(5000), truncated: false, tool: null, findings: [], model: null, usage: null };
  const panel = new FakeWebviewPanel();
  host.customEditors.get('sessionLsp.conversation')!.resolveCustomEditor({ uri: TRANSCRIPT }, panel);
  await ready({ host, panel });
  panel.received.fire({ type: 'loadAgentItem', generation: 1, segment: null, index: 1, entry: 2, file: '/etc/passwd' });
  await waitFor(() => sent(panel).some((message) => message.type === 'agentItem'), 'the sub-agent item');
  assert.deepEqual(requestsOf('sessionLsp.item').at(-1), [agentFile, { index: 2 }]);
  const answer = sent(panel).find((message) => message.type === 'agentItem') as Extract<HostMessage, { type: 'agentItem' }>;
  assert.equal(answer.index, 1);
  assert.equal(answer.item.text?.length, 5000);
  const before = requestsOf('sessionLsp.item').length;
  panel.received.fire({ type: 'loadAgentItem', generation: 1, segment: null, index: 0, entry: 2 });
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(requestsOf('sessionLsp.item').length, before, 'a call without a sub-agent file asks for nothing');
});

test('a search asks one hit more than it lists: the view is told the first 200 and that there are more', async () => {
  const opened = openView();
  await ready(opened);
  FakeLanguageClient.responses['sessionLsp.search'] = Array.from({ length: 201 }, (_, index) => ({ segment: 0, index, line: index, field: 'text', snippet: 'needle' }));
  opened.panel.received.fire({ type: 'search', generation: 1, query: 'needle' });
  await waitFor(() => sent(opened.panel).some((message) => message.type === 'searchResults'), 'the results');
  assert.deepEqual(requestsOf('sessionLsp.search').at(-1), [TRANSCRIPT.fsPath, { query: 'needle', limit: 201 }]);
  const results = sent(opened.panel).find((message) => message.type === 'searchResults') as Extract<HostMessage, { type: 'searchResults' }>;
  assert.deepEqual([results.hits.length, results.hits.at(-1)?.index, results.more], [200, 199, true]);
  FakeLanguageClient.responses['sessionLsp.search'] = Array.from({ length: 200 }, (_, index) => ({ segment: 0, index, line: index, field: 'text', snippet: 'needle' }));
  opened.panel.received.fire({ type: 'search', generation: 1, query: 'needle' });
  await waitFor(() => sent(opened.panel).filter((message) => message.type === 'searchResults').length === 2, 'the second results');
  const exact = sent(opened.panel).filter((message) => message.type === 'searchResults').at(-1) as Extract<HostMessage, { type: 'searchResults' }>;
  assert.deepEqual([exact.hits.length, exact.more], [200, false]);
});

/** A server for a ConversationPanel of TRANSCRIPT: `answer` per command and arguments, each answered after `delay` ms. */
function panelWithServer(answer: (command: string, args: readonly unknown[]) => unknown, delay: (command: string, args: readonly unknown[]) => number = () => 0) {
  const host = new FakeHost();
  loadExtension(host);
  const { ConversationPanel } = require('../../src/vscode/conversationView') as typeof import('../../src/vscode/conversationView');
  const asked: { command: string; args: readonly unknown[] }[] = [];
  const deps = {
    log: { warn: () => undefined, error: () => undefined, info: () => undefined } as unknown as LogOutputChannel,
    transcriptGlobs: () => ['**/*.jsonl'],
    executeServerCommand: async (command: string, args: readonly unknown[]) => {
      asked.push({ command, args });
      await new Promise((resolve) => setTimeout(resolve, delay(command, args)));
      return answer(command, args);
    },
  };
  const webview = new FakeWebviewPanel();
  const panel = new ConversationPanel(TRANSCRIPT as unknown as import('vscode').Uri, webview.webview, deps, 'top');
  return { panel, webview, asked };
}

/** Two segments: three items before a compaction (a Task call at item 1 whose sub-agent file the server named), then the conversation. */
function historyServer(command: string, args: readonly unknown[]): unknown {
  const { agentFile, call } = taskCallWithItsAgentFile();
  const options = (args[1] ?? {}) as { segment?: number };
  if (command === 'sessionLsp.search') {
    return [{ segment: 0, index: 1, line: 4, field: 'result', snippet: 'done' }];
  }
  const segments = [{ index: 0, firstLine: 0, lastLine: 9, items: 2, summary: 'Earlier' }, { index: 1, firstLine: 10, lastLine: 30, items: 2, summary: null }];
  if (args[0] === agentFile) {
    return conversationPage(agentFile, { errors: 0, firstProblem: null, segments: [] });
  }
  return options.segment === 0
    ? conversationPage(TRANSCRIPT.fsPath, { items: [{ index: 0, kind: 'prompt', lines: [0, 0], text: 'explore', findings: [] }, call], errors: 0, firstProblem: null, segment: 0, segments })
    : conversationPage(TRANSCRIPT.fsPath, { segment: 1, segments });
}

test("a history call's sub-agent is found in that segment's pages the view was sent, else read again from the server", async () => {
  const { agentFile } = taskCallWithItsAgentFile();
  const { panel, webview, asked } = panelWithServer(historyServer);
  await panel.handleMessage({ type: 'ready' });
  await panel.handleMessage({ type: 'loadSegment', generation: 1, segment: 0, offset: 0 });
  await panel.handleMessage({ type: 'loadAgent', generation: 1, segment: 0, index: 1, offset: 0 });
  assert.deepEqual(asked.at(-1), { command: 'sessionLsp.conversation', args: [agentFile, { offset: 0, limit: 200 }] });
  assert.deepEqual(webview.sent.at(-1), { ...(webview.sent.at(-1) as object), type: 'agentPage', generation: 1, segment: 0, index: 1 });
  // After a reload the view keeps the history it drew: the call is read from the server again.
  await panel.reload();
  const before = asked.length;
  await panel.handleMessage({ type: 'loadAgent', generation: 2, segment: 0, index: 1, offset: 3 });
  assert.deepEqual(asked.slice(before), [
    { command: 'sessionLsp.conversation', args: [TRANSCRIPT.fsPath, { offset: 0, limit: 200, segment: 0 }] },
    { command: 'sessionLsp.conversation', args: [agentFile, { offset: 3, limit: 200 }] },
  ]);
  await panel.handleMessage({ type: 'loadAgent', generation: 2, segment: 0, index: 0, offset: 0 });
  assert.equal(asked.length, before + 2, 'an item of the history without a sub-agent asks for no transcript');
  panel.dispose();
});

test('a reload during a slow history page and a slow search: the view asks again and shows both, nothing stays loading', async () => {
  const { panel, webview } = panelWithServer(historyServer, (command, args) => (command === 'sessionLsp.search' ? 60 : (args[1] as { segment?: number }).segment !== undefined ? 40 : 10));
  const view = new WebviewUnderTest();
  const pending: Promise<void>[] = [];
  view.onPost = (message) => pending.push(panel.handleMessage(message));
  webview.webview.postMessage = async (message: unknown) => {
    webview.sent.push(message);
    view.receive(message as HostMessage);
    return true;
  };
  await panel.handleMessage({ type: 'ready' });
  view.element('history').querySelector('details[data-segment="0"]')!.open = true;
  view.search('done');
  await panel.reload();
  await waitFor(() => sent(webview).some((message) => message.type === 'searchResults' && message.generation === 2), 'the search of the new generation');
  await Promise.all(pending);
  const part = view.element('history').querySelector('details[data-segment="0"]')!;
  assert.equal(part.querySelectorAll('.entry').length, 2);
  assert.equal(part.querySelector('.segment-more'), null, 'no Loading… left');
  assert.match(view.element('search-results').textContent, /^1 result for “done”/);
  // The sub-agent run before the compaction opens from the history.
  view.click(part.querySelector('[data-segment-index="1"] button.agent-open'));
  await waitFor(() => part.querySelectorAll('[data-segment-index="1"] .agent-items .entry').length === 2, "the sub-agent's conversation");
  panel.dispose();
});
