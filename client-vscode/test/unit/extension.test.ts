import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, mock, test } from 'node:test';
import { extensionFolder, settle, waitFor } from './activation';
import { FakeHost, FakeLanguageClient, loadExtension, TabInputText, Uri, type FakeDocument } from './fakeVscode';

const TRANSCRIPT = Uri.file('/home/ada/.claude/projects/-home-ada-app/5f0c.jsonl');
const OTHER_JSONL = Uri.file('/home/ada/data/events.jsonl');
function document(uri: Uri, isDirty = false): FakeDocument {
  return { uri, languageId: 'jsonl', isDirty };
}

let deactivate: (() => Promise<void>) | undefined;

async function activate(host: FakeHost): Promise<{ extensionPath: string }> {
  const extension = loadExtension(host);
  const extensionPath = extensionFolder();
  extension.activate({ subscriptions: [], extensionPath, extension: { packageJSON: { version: '0.0.0-test' } } });
  deactivate = extension.deactivate;
  return { extensionPath };
}

afterEach(async () => {
  await deactivate?.();
  deactivate = undefined;
});

test('no server starts for a JSON Lines file that is not a transcript', async () => {
  const host = new FakeHost();
  await activate(host);
  host.openDocument(document(OTHER_JSONL));
  await settle(300);
  assert.equal(FakeLanguageClient.created.length, 0);
});

test('opening a transcript starts the bundled server on python3 from PATH', async () => {
  const host = new FakeHost();
  const { extensionPath } = await activate(host);
  host.openDocument(document(TRANSCRIPT));
  await waitFor(() => FakeLanguageClient.created.length === 1, 'the client');
  const [client] = FakeLanguageClient.created;
  assert.equal(client.id, 'sessionLsp');
  assert.equal(client.serverOptions.command, 'python3');
  assert.deepEqual(client.serverOptions.args, ['-I', join(extensionPath, 'bundled', 'tool', 'launch.py')]);
  assert.deepEqual(client.clientOptions.initializationOptions, { fixStrategy: 'stub' });
  assert.deepEqual(
    client.clientOptions.documentSelector.map((selector) => selector.pattern),
    ['**/.claude/projects/**/*.jsonl'],
  );
});

test('sessionLsp.server.path runs that executable with `serve`', async () => {
  const host = new FakeHost();
  host.settings['server.path'] = ['/opt/bin/session-lsp'];
  host.settings.documentSelector = ['**/runs/*.jsonl'];
  await activate(host);
  host.openDocument(document(TRANSCRIPT));
  await waitFor(() => FakeLanguageClient.created.length === 1, 'the client');
  const [client] = FakeLanguageClient.created;
  assert.equal(client.serverOptions.command, '/opt/bin/session-lsp');
  assert.deepEqual(client.serverOptions.args, ['serve']);
  assert.deepEqual(
    client.clientOptions.documentSelector.map((selector) => selector.pattern),
    ['**/.claude/projects/**/*.jsonl', '**/runs/*.jsonl'],
  );
});

test('an unusable interpreter gives an error notification with Show Logs, and no client', async () => {
  const host = new FakeHost();
  host.settings.interpreter = ['/nonexistent/python3.12'];
  await activate(host);
  host.openDocument(document(TRANSCRIPT));
  await waitFor(() => host.messages.some((message) => message.level === 'error'), 'the error notification');
  const [error] = host.messages.filter((message) => message.level === 'error');
  assert.match(error.text, /sessionLsp\.interpreter \(\/nonexistent\/python3\.12\)/);
  assert.deepEqual(error.buttons, ['Show Logs', 'Open Settings']);
  assert.equal(FakeLanguageClient.created.length, 0);
});

test('without any usable Python on PATH the error says how to fix it', async (t) => {
  const emptyBin = mkdtempSync(join(tmpdir(), 'empty-bin-'));
  const savedPath = process.env.PATH;
  process.env.PATH = emptyBin;
  t.after(() => {
    process.env.PATH = savedPath;
  });
  const host = new FakeHost();
  await activate(host);
  host.openDocument(document(TRANSCRIPT));
  await waitFor(() => host.messages.some((message) => message.level === 'error'), 'the error notification');
  assert.match(host.messages[0].text, /runs its bundled server on CPython 3\.1\d.*, and found none .*Install Python 3\.1\d: /);
  assert.equal(FakeLanguageClient.created.length, 0);
});

test('changing the fix strategy restarts the server once, with the new initializationOptions', async () => {
  const host = new FakeHost();
  await activate(host);
  host.openDocument(document(TRANSCRIPT));
  await waitFor(() => FakeLanguageClient.created.length === 1, 'the first client');
  host.changeSettings({ 'fix.strategy': 'purge' });
  host.changeSettings({ 'fix.strategy': 'truncate' });
  await waitFor(() => FakeLanguageClient.created.length === 2, 'the restarted client');
  await settle(1_300);
  assert.equal(FakeLanguageClient.created.length, 2, 'two quick changes make one restart');
  assert.equal(FakeLanguageClient.created[0].disposed, true);
  assert.deepEqual(FakeLanguageClient.created[1].clientOptions.initializationOptions, { fixStrategy: 'truncate' });
});

test('Fix All Problems sends sessionLsp.fixAll with the document URI and the picked strategy', async () => {
  const host = new FakeHost();
  await activate(host);
  host.openDocument(document(TRANSCRIPT));
  await waitFor(() => FakeLanguageClient.created.length === 1, 'the client');
  FakeLanguageClient.responses['sessionLsp.fixAll'] = { applied: true };
  let offered: string[] = [];
  host.quickPickAnswer = (items) => {
    offered = items.map((item) => item.label);
    return items.find((item) => item.label === 'purge');
  };
  await host.commands.get('sessionLsp.client.fixAll')?.();
  assert.deepEqual(offered, ['stub', 'purge', 'truncate'], 'the configured strategy comes first');
  assert.deepEqual(FakeLanguageClient.created[0].requests, [{ command: 'sessionLsp.fixAll', arguments: [TRANSCRIPT.toString(), 'purge'] }]);
});

test('untrusted workspace: Fork Session is refused and file-writing server commands are blocked', async () => {
  const host = new FakeHost();
  host.isTrusted = false;
  await activate(host);
  host.openDocument(document(TRANSCRIPT));
  await waitFor(() => FakeLanguageClient.created.length === 1, 'the client');
  const [client] = FakeLanguageClient.created;
  await host.commands.get('sessionLsp.client.forkSession')?.();
  assert.equal(client.requests.length, 0);
  assert.match(host.messages[0].text, /untrusted workspace/);

  const forwarded: string[] = [];
  const next = (command: string): string => {
    forwarded.push(command);
    return 'done';
  };
  assert.equal(await client.clientOptions.middleware.executeCommand('sessionLsp.fixFile', ['/x.jsonl', 'stub'], next), undefined);
  assert.equal(await client.clientOptions.middleware.executeCommand('sessionLsp.checkFile', ['/x.jsonl'], next), 'done');
  assert.deepEqual(forwarded, ['sessionLsp.checkFile']);
});

test('checking an unsynced file on disk lists its findings, and Fix on Disk sends fixFile', async () => {
  const host = new FakeHost();
  await activate(host);
  const bigTranscript = Uri.file('/home/ada/.claude/projects/p/huge.jsonl');
  FakeLanguageClient.responses['sessionLsp.checkFile'] = {
    path: bigTranscript.fsPath,
    findings: [
      { path: bigTranscript.fsPath, line: 25, column: 429, endLine: 25, endColumn: 464, severity: 'error', code: 'unpaired-tool-use', message: 'Bash call has no tool_result' },
    ],
    errors: 1,
  };
  FakeLanguageClient.responses['sessionLsp.fixFile'] = { path: bigTranscript.fsPath, changed: true, backup: '/b/huge.jsonl.bak', remainingErrors: 0, message: 'fixed' };
  host.messageAnswers.push({ match: /huge\.jsonl: 1 error/, answer: 'Fix on Disk (stub)' });

  await host.commands.get('sessionLsp.client.checkFileOnDisk')?.(bigTranscript);

  const [diagnostic] = host.diagnostics.get(bigTranscript.toString()) ?? [];
  assert.deepEqual(
    { line: diagnostic.range.startLine, character: diagnostic.range.startCharacter, source: diagnostic.source, code: diagnostic.code },
    { line: 24, character: 428, source: 'session-lsp', code: 'unpaired-tool-use' },
  );
  const requests = FakeLanguageClient.created[0].requests.map((request) => [request.command, ...request.arguments]);
  assert.deepEqual(requests, [
    ['sessionLsp.checkFile', bigTranscript.fsPath],
    ['sessionLsp.fixFile', bigTranscript.fsPath, 'stub'],
    ['sessionLsp.checkFile', bigTranscript.fsPath],
  ]);
  assert.ok(host.messages.some((message) => /Fixed huge\.jsonl\. It now checks clean\. Backup: \/b\/huge\.jsonl\.bak/.test(message.text)));
});

test('a transcript over 50 MB that VS Code did not sync gets the on-disk offer; a smaller one does not', async () => {
  mock.timers.enable({ apis: ['setTimeout'] });
  try {
    const host = new FakeHost();
    await activate(host);
    const huge = Uri.file('/home/ada/.claude/projects/p/huge.jsonl');
    const large = Uri.file('/home/ada/.claude/projects/p/large.jsonl');
    host.fileSizes.set(huge.fsPath, 60 * 1024 * 1024);
    host.fileSizes.set(large.fsPath, 45 * 1024 * 1024);
    const hugeTab = { input: new TabInputText(huge), isActive: true };
    const largeTab = { input: new TabInputText(large), isActive: false };
    host.tabs.push(hugeTab, largeTab);
    host.didChangeTabs.fire({ opened: [hugeTab, largeTab], changed: [], closed: [] });
    assert.equal(host.messages.length, 0, 'nothing before the sync grace period');
    mock.timers.tick(1_500);
    for (let turn = 0; turn < 10; turn++) {
      await Promise.resolve();
    }
    assert.equal(host.messages.length, 1);
    assert.match(host.messages[0].text, /huge\.jsonl is 60\.0 MB/);
    assert.deepEqual(host.messages[0].buttons, ['Check on Disk']);
  } finally {
    mock.timers.reset();
  }
});
