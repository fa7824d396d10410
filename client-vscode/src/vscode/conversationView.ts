/**
 * The conversation view: a read-only custom editor (a webview) over a transcript file. It asks
 * the server for pages of the conversation (`sessionLsp.conversation`), re-fetches when the raw
 * document or the file changes, and repairs a finding with the very code actions VS Code offers
 * at its range in the raw document, so every repair is a quick fix, undoable there.
 */
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import {
  asConversationPage,
  asInitialFocus,
  asSearchHits,
  asViewMessage,
  asWholeItem,
  PAGE_SIZE,
  pageOffset,
  type ConversationItem,
  type ConversationPage,
  type HostMessage,
  type InitialFocus,
  type ItemFocus,
  type RepairOption,
  type ViewMessage,
} from '../common/conversation';
import { findingRange } from '../common/results';
import { debounce } from '../common/debounce';
import { DIAGNOSTIC_SOURCE, ServerCommands } from '../common/constants';
import { CONVERSATION_VIEW_TYPE, ViewCommands } from '../common/views';
import { isTranscriptDocument, syncedDocument } from './transcriptsInEditor';

/** Edits arrive keystroke by keystroke; one re-fetch after they settle. */
const RELOAD_DEBOUNCE_MILLISECONDS = 250;
/** Why the view offers no repair in an untrusted workspace (a repair saves the transcript). */
export const UNTRUSTED_REPAIRS = 'Repairs save the transcript, so they are disabled in an untrusted workspace. Trust the workspace to repair here.';
/** How long a repair waits for the server's diagnostics on a document it has just opened. */
const DIAGNOSTICS_WAIT_MILLISECONDS = 10_000;


export interface ConversationDependencies {
  readonly log: vscode.LogOutputChannel;
  readonly transcriptGlobs: () => readonly string[];
  /** Sends a server command (starting the server if needed). */
  readonly executeServerCommand: (command: string, args: readonly unknown[]) => Promise<unknown>;
}

/**
 * What the server should read: the open document's URI when the server has it (its current,
 * possibly unsaved text), else the path on disk (e.g. files VS Code does not sync).
 */
export function conversationSource(uri: vscode.Uri, globs: readonly string[]): string {
  const document = syncedDocument(uri);
  return document !== undefined && isTranscriptDocument(document, globs) ? uri.toString() : uri.fsPath;
}

/** A page of the conversation; `segment` undefined: the last (what a resume sends). */
export async function fetchConversationPage(deps: ConversationDependencies, uri: vscode.Uri, offset: number, segment?: number): Promise<ConversationPage> {
  const page = segment === undefined ? { offset, limit: PAGE_SIZE } : { offset, limit: PAGE_SIZE, segment };
  const result = await deps.executeServerCommand(ServerCommands.conversation, [conversationSource(uri, deps.transcriptGlobs()), page]);
  return asConversationPage(result);
}

/** Matches in every segment's texts, inputs and results, uncut, found by the server: the first this many are listed. */
const SEARCH_LIMIT = 200;

function isCodeAction(action: vscode.CodeAction | vscode.Command): action is vscode.CodeAction {
  return typeof (action as vscode.Command).command !== 'string';
}

function isQuickFix(action: vscode.CodeAction): boolean {
  const kind = action.kind?.value ?? '';
  return kind === 'quickfix' || kind.startsWith('quickfix.');
}

/** Resolves once the server has published its diagnostics for `uri` (or after a timeout). */
function diagnosticsPublished(uri: vscode.Uri): Promise<void> {
  const ours = (): boolean => vscode.languages.getDiagnostics(uri).some((diagnostic) => diagnostic.source === DIAGNOSTIC_SOURCE);
  if (ours()) {
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const timer = setTimeout(done, DIAGNOSTICS_WAIT_MILLISECONDS);
    const subscription = vscode.languages.onDidChangeDiagnostics((event) => {
      if (event.uris.some((changed) => changed.toString() === uri.toString()) && ours()) {
        done();
      }
    });
    function done(): void {
      clearTimeout(timer);
      subscription.dispose();
      resolve();
    }
  });
}

/**
 * The quick fixes VS Code offers at a finding's range in the raw document, opening it (and so
 * handing it to the server) first if needed. Edits are resolved up front (the resolve count).
 */
export async function quickFixesAt(uri: vscode.Uri, item: ConversationItem, findingIndex: number): Promise<vscode.CodeAction[]> {
  const finding = item.findings[findingIndex];
  if (finding === undefined) {
    return [];
  }
  await vscode.workspace.openTextDocument(uri);
  await diagnosticsPublished(uri);
  const span = findingRange(finding);
  const range = new vscode.Range(span.startLine, span.startCharacter, span.endLine, span.endCharacter);
  const actions =
    (await vscode.commands.executeCommand<(vscode.CodeAction | vscode.Command)[] | undefined>(
      'vscode.executeCodeActionProvider',
      uri,
      range,
      vscode.CodeActionKind.QuickFix.value,
      100,
    )) ?? [];
  return actions.filter(isCodeAction).filter(isQuickFix);
}

/** Applies a code action the way the lightbulb does (its edit, then its command), then saves. */
export async function applyCodeAction(uri: vscode.Uri, action: vscode.CodeAction): Promise<boolean> {
  if (action.edit === undefined && action.command === undefined) {
    return false;
  }
  if (action.edit !== undefined && !(await vscode.workspace.applyEdit(action.edit))) {
    return false;
  }
  if (action.command !== undefined) {
    await vscode.commands.executeCommand(action.command.command, ...(action.command.arguments ?? []));
  }
  const document = syncedDocument(uri) ?? (await vscode.workspace.openTextDocument(uri));
  return document.isDirty ? document.save() : true;
}

function nonce(): string {
  return randomBytes(18).toString('base64');
}

/** The webview's page: no inline script, one nonce'd script file, `default-src 'none'`. */
export function conversationHtml(webview: vscode.Webview, extensionUri: vscode.Uri, title: string): string {
  const scriptUri = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', 'conversation.js'));
  const styleUri = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', 'conversation.css'));
  const scriptNonce = nonce();
  const policy = [
    "default-src 'none'",
    `style-src ${webview.cspSource}`,
    `font-src ${webview.cspSource}`,
    `img-src ${webview.cspSource}`,
    `script-src 'nonce-${scriptNonce}'`,
  ].join('; ');
  const escapedTitle = title.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${policy}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${styleUri.toString()}">
<title>${escapedTitle}</title>
</head>
<body>
<header id="header" role="banner">
  <h1 id="title">Conversation</h1>
  <div id="summary" aria-live="polite"></div>
  <div id="toolbar">
    <button id="first-problem" type="button" hidden>Go to first problem</button>
    <form id="search-form" role="search"><input id="search" type="search" placeholder="Search the whole session" aria-label="Search the whole session (every segment, texts, inputs and results)"></form>
  </div>
  <div id="status" role="status" aria-live="polite"></div>
  <details id="plan" open hidden aria-label="The agent's last plan"></details>
  <div id="search-results" hidden role="region" aria-label="Search results"></div>
  <div id="history" hidden role="region" aria-label="History before the last compaction"></div>
</header>
<main id="viewport" tabindex="-1" aria-label="Conversation">
  <div id="spacer-top" aria-hidden="true"></div>
  <div id="items" role="list" aria-label="Conversation items"></div>
  <div id="spacer-bottom" aria-hidden="true"></div>
</main>
<script nonce="${scriptNonce}" src="${scriptUri.toString()}"></script>
</body>
</html>`;
}

/** One conversation view of one file, and what it says to its webview. */
export class ConversationPanel implements vscode.Disposable {
  private generation = 0;
  /** The items the webview has been sent in this generation, for the repair buttons. */
  private readonly items = new Map<number, ConversationItem>();
  /** The earlier segments' items the webview has been sent in this generation, by `segment:index`, for their sub-agents. */
  private readonly segmentItems = new Map<string, ConversationItem>();
  private readonly subscriptions: vscode.Disposable[] = [];
  private pendingFocus: InitialFocus;
  private firstProblem: number | null = null;
  private readonly reloadSoon = debounce(() => void this.reload(), RELOAD_DEBOUNCE_MILLISECONDS);
  private disposed = false;

  constructor(
    readonly uri: vscode.Uri,
    private readonly webview: Pick<vscode.Webview, 'postMessage' | 'onDidReceiveMessage'>,
    private readonly deps: ConversationDependencies,
    initialFocus: InitialFocus,
  ) {
    this.pendingFocus = initialFocus;
    const key = uri.toString();
    this.subscriptions.push(
      webview.onDidReceiveMessage((message: unknown) => void this.handleMessage(message)),
      vscode.workspace.onDidChangeTextDocument((event) => {
        if (event.document.uri.toString() === key && event.contentChanges.length > 0) {
          this.reloadSoon();
        }
      }),
      vscode.workspace.onDidSaveTextDocument((document) => {
        if (document.uri.toString() === key) {
          this.reloadSoon();
        }
      }),
      // The repair buttons, withheld while the workspace was untrusted, are asked for again.
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.reloadSoon()),
    );
    const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(path.dirname(uri.fsPath)), path.basename(uri.fsPath)));
    this.subscriptions.push(watcher, watcher.onDidChange(() => this.reloadSoon()), watcher.onDidCreate(() => this.reloadSoon()));
  }

  /** Scrolls to an item of any segment (now if the view has data, else after its first page). */
  focusOn(focus: ItemFocus): void {
    if (this.generation > 0) {
      void this.post({ type: 'focus', index: focus.index, segment: focus.segment });
    } else {
      this.pendingFocus = focus;
    }
  }

  /** Scrolls to the first problem (now if the view has data, else after its first page). */
  focusFirstProblem(): void {
    if (this.generation > 0 && this.firstProblem !== null) {
      void this.post({ type: 'focus', index: this.firstProblem });
    } else {
      this.pendingFocus = 'firstProblem';
    }
  }

  async handleMessage(raw: unknown): Promise<void> {
    const message = asViewMessage(raw);
    if (message === undefined) {
      this.deps.log.warn(`Conversation view: ignored a message: ${JSON.stringify(raw)?.slice(0, 200)}`);
      return;
    }
    try {
      await this.dispatch(message);
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error);
      this.deps.log.error(`Conversation view (${message.type}): ${text}`);
      await this.post({ type: 'status', text, isError: true });
    }
  }

  private async dispatch(message: ViewMessage): Promise<void> {
    switch (message.type) {
      case 'ready':
        await this.reload();
        return;
      case 'loadPage': {
        if (message.generation !== this.generation) {
          return;
        }
        const page = await fetchConversationPage(this.deps, this.uri, message.offset);
        if (message.generation === this.generation) {
          page.items.forEach((item) => this.items.set(item.index, item));
          await this.post({ type: 'page', generation: this.generation, page });
        }
        return;
      }
      case 'reveal':
        await this.revealLine(message.line);
        return;
      case 'loadSegment': {
        const page = await fetchConversationPage(this.deps, this.uri, message.offset, message.segment);
        if (message.generation === this.generation) {
          this.rememberSegmentPage(page);
          await this.post({ type: 'segmentPage', generation: message.generation, page });
        }
        return;
      }
      case 'loadAgent': {
        // The webview names a call; the transcript paged is the one the server found for it.
        const file = (await this.sentItem(message.generation, message.segment, message.index))?.tool?.agent?.file;
        if (file === undefined || file === null) {
          return;
        }
        const result = await this.deps.executeServerCommand(ServerCommands.conversation, [file, { offset: message.offset, limit: PAGE_SIZE }]);
        if (message.generation === this.generation) {
          await this.post({ type: 'agentPage', generation: message.generation, segment: message.segment, index: message.index, page: asConversationPage(result) });
        }
        return;
      }
      case 'loadItem': {
        // The item whole: of its segment, which the server counts like the pages it sent.
        const where = message.segment === null ? { index: message.index } : { index: message.index, segment: message.segment };
        const item = asWholeItem(await this.deps.executeServerCommand(ServerCommands.item, [conversationSource(this.uri, this.deps.transcriptGlobs()), where]));
        if (message.generation === this.generation) {
          if (message.segment === null) {
            this.items.set(item.index, item);
          }
          await this.post({ type: 'wholeItem', generation: message.generation, segment: message.segment, item });
        }
        return;
      }
      case 'loadAgentItem': {
        // As for its pages: the file the server named for the call, never a path from the webview.
        const file = (await this.sentItem(message.generation, message.segment, message.index))?.tool?.agent?.file;
        if (file === undefined || file === null) {
          return;
        }
        const item = asWholeItem(await this.deps.executeServerCommand(ServerCommands.item, [file, { index: message.entry }]));
        if (message.generation === this.generation) {
          await this.post({ type: 'agentItem', generation: message.generation, segment: message.segment, index: message.index, item });
        }
        return;
      }
      case 'search': {
        let answer: HostMessage;
        try {
          // One hit more than is listed says whether there are others.
          const result = await this.deps.executeServerCommand(ServerCommands.search, [conversationSource(this.uri, this.deps.transcriptGlobs()), { query: message.query, limit: SEARCH_LIMIT + 1 }]);
          const hits = asSearchHits(result);
          answer = { type: 'searchResults', generation: message.generation, query: message.query, hits: hits.slice(0, SEARCH_LIMIT), more: hits.length > SEARCH_LIMIT };
        } catch (error) {
          answer = { type: 'searchResults', generation: message.generation, query: message.query, hits: [], more: false, error: error instanceof Error ? error.message : String(error) };
        }
        await this.post(answer);
        return;
      }
      case 'openLink':
        // VS Code's link protection asks before it opens an address outside the trusted domains.
        await vscode.env.openExternal(vscode.Uri.parse(message.href, true));
        return;
      case 'listRepairs': {
        const item = this.currentItem(message.generation, message.index);
        if (item === undefined) {
          return;
        }
        if (!vscode.workspace.isTrusted) {
          await this.post({ type: 'repairs', generation: message.generation, index: message.index, finding: message.finding, options: [], blocked: UNTRUSTED_REPAIRS });
          return;
        }
        const options: RepairOption[] = (await quickFixesAt(this.uri, item, message.finding)).map((action) => ({
          title: action.title,
          preferred: action.isPreferred === true,
        }));
        await this.post({ type: 'repairs', generation: message.generation, index: message.index, finding: message.finding, options });
        return;
      }
      case 'applyRepair': {
        // A repair saves the transcript: refused like the other writing commands (and a webview
        // message is no more trusted than the workspace).
        if (!vscode.workspace.isTrusted) {
          await this.post({ type: 'status', text: UNTRUSTED_REPAIRS, isError: true });
          return;
        }
        const item = this.currentItem(message.generation, message.index);
        if (item === undefined) {
          await this.post({ type: 'status', text: 'The transcript changed; pick the repair again.', isError: true });
          return;
        }
        const action = (await quickFixesAt(this.uri, item, message.finding)).find((candidate) => candidate.title === message.title);
        if (action === undefined) {
          await this.post({ type: 'status', text: `"${message.title}" is no longer offered here.`, isError: true });
          return;
        }
        const applied = await applyCodeAction(this.uri, action);
        await this.post({ type: 'status', text: applied ? `Applied: ${action.title}. Undo it in the raw file.` : `Could not apply: ${action.title}.`, isError: !applied });
        this.reloadSoon();
        return;
      }
    }
  }

  private currentItem(generation: number, index: number): ConversationItem | undefined {
    return generation === this.generation ? this.items.get(index) : undefined;
  }

  private rememberSegmentPage(page: ConversationPage): void {
    page.items.forEach((item) => this.segmentItems.set(`${page.segment}:${item.index}`, item));
  }

  /**
   * An item the webview was sent in this generation, of an earlier segment or (null) of the
   * conversation; one of an earlier segment it kept across a reload is read from the server again.
   */
  private async sentItem(generation: number, segment: number | null, index: number): Promise<ConversationItem | undefined> {
    if (generation !== this.generation) {
      return undefined;
    }
    if (segment === null) {
      return this.items.get(index);
    }
    const key = `${segment}:${index}`;
    if (!this.segmentItems.has(key)) {
      const page = await fetchConversationPage(this.deps, this.uri, pageOffset(index), segment);
      if (generation === this.generation && page.segment === segment) {
        this.rememberSegmentPage(page);
      }
    }
    return this.segmentItems.get(key);
  }

  /** Fetches the first page anew and resets the webview (it keeps its scroll position). */
  async reload(): Promise<void> {
    if (this.disposed) {
      return;
    }
    let page: ConversationPage;
    try {
      page = await fetchConversationPage(this.deps, this.uri, 0);
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error);
      this.deps.log.error(`Conversation view of ${this.uri.fsPath}: ${text}`);
      await this.post({ type: 'status', text, isError: true });
      return;
    }
    this.generation += 1;
    this.items.clear();
    this.segmentItems.clear();
    page.items.forEach((item) => this.items.set(item.index, item));
    this.firstProblem = page.firstProblem;
    const wanted = this.pendingFocus;
    this.pendingFocus = 'top';
    const inHistory = typeof wanted === 'object' && wanted.segment < page.segment;
    const focus = wanted === 'firstProblem' ? page.firstProblem : typeof wanted === 'object' && !inHistory ? wanted.index : null;
    await this.post({ type: 'reset', generation: this.generation, page, focus });
    if (typeof wanted === 'object' && inHistory) {
      await this.post({ type: 'focus', index: wanted.index, segment: wanted.segment });
    }
  }

  private async revealLine(line: number): Promise<void> {
    const position = new vscode.Position(line, 0);
    const key = this.uri.toString();
    const shown = vscode.window.visibleTextEditors.find((editor) => editor.document.uri.toString() === key);
    await vscode.window.showTextDocument(this.uri, {
      selection: new vscode.Range(position, position),
      viewColumn: shown?.viewColumn ?? vscode.ViewColumn.Beside,
      preview: false,
    });
  }

  private async post(message: HostMessage): Promise<void> {
    if (!this.disposed) {
      await this.webview.postMessage(message);
    }
  }

  dispose(): void {
    if (this.disposed) {
      return;
    }
    this.disposed = true;
    this.reloadSoon.cancel();
    this.subscriptions.forEach((subscription) => subscription.dispose());
  }
}

/**
 * The custom editor (viewType {@link CONVERSATION_VIEW_TYPE}, "Open With…" on any `.jsonl`) and
 * the command that opens it, optionally at the first problem.
 */
export class ConversationEditors implements vscode.CustomReadonlyEditorProvider, vscode.Disposable {
  private readonly panels = new Map<string, { panel: ConversationPanel; webviewPanel: vscode.WebviewPanel }[]>();
  /** How the next view opened on a file should start. */
  private readonly pendingFocus = new Map<string, InitialFocus>();

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly deps: ConversationDependencies,
  ) {}

  register(): vscode.Disposable[] {
    return [
      vscode.window.registerCustomEditorProvider(CONVERSATION_VIEW_TYPE, this, {
        webviewOptions: { retainContextWhenHidden: true, enableFindWidget: true },
        supportsMultipleEditorsPerDocument: false,
      }),
      vscode.commands.registerCommand(ViewCommands.openConversation, (target: unknown, focus: unknown) => this.open(target, focus)),
      this,
    ];
  }

  openCustomDocument(uri: vscode.Uri): vscode.CustomDocument {
    return { uri, dispose: () => undefined };
  }

  resolveCustomEditor(document: vscode.CustomDocument, webviewPanel: vscode.WebviewPanel): void {
    const key = document.uri.toString();
    webviewPanel.webview.options = {
      enableScripts: true,
      enableCommandUris: false,
      localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(this.extensionUri, 'media')],
    };
    webviewPanel.webview.html = conversationHtml(webviewPanel.webview, this.extensionUri, path.basename(document.uri.fsPath));
    const focus = this.pendingFocus.get(key) ?? 'top';
    this.pendingFocus.delete(key);
    const panel = new ConversationPanel(document.uri, webviewPanel.webview, this.deps, focus);
    const entry = { panel, webviewPanel };
    this.panels.set(key, [...(this.panels.get(key) ?? []), entry]);
    webviewPanel.onDidDispose(() => {
      panel.dispose();
      const rest = (this.panels.get(key) ?? []).filter((other) => other !== entry);
      if (rest.length > 0) {
        this.panels.set(key, rest);
      } else {
        this.panels.delete(key);
      }
    });
  }

  /** Opens (or reveals) the conversation view of a transcript; `focus` 'firstProblem' or an item `{segment, index}` scrolls there. */
  async open(target: unknown, focusArgument: unknown): Promise<void> {
    const uri = targetUri(target) ?? activeFile();
    if (uri === undefined) {
      void vscode.window.showInformationMessage('Open a session transcript (.jsonl) first, or pick one in the Sessions view.');
      return;
    }
    const focus = asInitialFocus(focusArgument);
    const existing = this.panels.get(uri.toString())?.[0];
    if (existing !== undefined) {
      existing.webviewPanel.reveal();
      if (focus === 'firstProblem') {
        existing.panel.focusFirstProblem();
      } else if (typeof focus === 'object') {
        existing.panel.focusOn(focus);
      }
      return;
    }
    this.pendingFocus.set(uri.toString(), focus);
    const besideRaw = vscode.window.activeTextEditor?.document.uri.toString() === uri.toString();
    await vscode.commands.executeCommand('vscode.openWith', uri, CONVERSATION_VIEW_TYPE, {
      viewColumn: besideRaw ? vscode.ViewColumn.Beside : vscode.ViewColumn.Active,
      preview: false,
    });
  }

  dispose(): void {
    [...this.panels.values()].flat().forEach(({ panel }) => panel.dispose());
    this.panels.clear();
  }
}

/** A URI from a command argument: a Uri, or a Sessions tree node carrying a session's path. */
function targetUri(target: unknown): vscode.Uri | undefined {
  if (target instanceof vscode.Uri) {
    return target;
  }
  if (typeof target === 'object' && target !== null && 'session' in target) {
    const session = (target as { session: { path?: unknown } }).session;
    return typeof session.path === 'string' ? vscode.Uri.file(session.path) : undefined;
  }
  return undefined;
}

function activeFile(): vscode.Uri | undefined {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  if (input instanceof vscode.TabInputText || input instanceof vscode.TabInputCustom) {
    return input.uri.scheme === 'file' ? input.uri : undefined;
  }
  return undefined;
}
