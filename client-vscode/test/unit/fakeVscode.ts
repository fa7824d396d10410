/**
 * A small stand-in for the `vscode` module and `vscode-languageclient/node`, enough to run the
 * extension's activation and commands under `node --test` (the real module exists only inside
 * the editor, so a hook on `Module._load` hands this one out). Each test builds a fresh {@link FakeHost} and loads the extension anew.
 */
import Module from 'node:module';

type Listener<T> = (value: T) => unknown;

export class EventEmitter<T> {
  private listeners: Listener<T>[] = [];
  readonly event = (listener: Listener<T>): { dispose(): void } => {
    this.listeners.push(listener);
    return { dispose: () => (this.listeners = this.listeners.filter((item) => item !== listener)) };
  };
  fire(value: T): void {
    [...this.listeners].forEach((listener) => listener(value));
  }
  dispose(): void {
    this.listeners = [];
  }
}

export class Uri {
  private constructor(
    readonly scheme: string,
    readonly fsPath: string,
  ) {}
  static file(path: string): Uri {
    return new Uri('file', path);
  }
  /** Enough of `Uri.parse` for an http(s) address: the scheme, and the rest as the path. */
  static parse(value: string): Uri {
    const colon = value.indexOf(':');
    return new Uri(value.slice(0, colon), value.slice(colon + 3));
  }
  static joinPath(base: Uri, ...parts: string[]): Uri {
    return new Uri(base.scheme, [base.fsPath, ...parts].join('/'));
  }
  toString(): string {
    return `${this.scheme}://${this.fsPath}`;
  }
}

export class Disposable {
  constructor(private readonly onDispose: () => void) {}
  static from(...items: { dispose(): unknown }[]): Disposable {
    return new Disposable(() => items.forEach((item) => item.dispose()));
  }
  dispose(): void {
    this.onDispose();
  }
}

export class TabInputText {
  constructor(readonly uri: Uri) {}
}

export class TabInputCustom {
  constructor(
    readonly uri: Uri,
    readonly viewType: string,
  ) {}
}

export class ThemeColor {
  constructor(readonly id: string) {}
}

export class ThemeIcon {
  constructor(
    readonly id: string,
    readonly color?: ThemeColor,
  ) {}
}

export const TreeItemCollapsibleState = { None: 0, Collapsed: 1, Expanded: 2 } as const;

export class TreeItem {
  id: string | undefined;
  description: string | undefined;
  tooltip: string | undefined;
  iconPath: ThemeIcon | undefined;
  contextValue: string | undefined;
  resourceUri: Uri | undefined;
  command: { command: string; arguments?: unknown[] } | undefined;
  accessibilityInformation: { label: string } | undefined;
  constructor(
    readonly label: string,
    readonly collapsibleState: number,
  ) {}
}

export class RelativePattern {
  constructor(
    readonly base: Uri,
    readonly pattern: string,
  ) {}
}

export class Position {
  constructor(
    readonly line: number,
    readonly character: number,
  ) {}
}

/** A file watcher the extension created; tests fire its events. */
export class FakeFileSystemWatcher {
  readonly created = new EventEmitter<Uri>();
  readonly changed = new EventEmitter<Uri>();
  readonly deleted = new EventEmitter<Uri>();
  readonly onDidCreate = this.created.event;
  readonly onDidChange = this.changed.event;
  readonly onDidDelete = this.deleted.event;
  disposed = false;
  constructor(readonly pattern: RelativePattern) {}
  dispose(): void {
    this.disposed = true;
  }
}

/** A webview panel handed to a custom editor; tests read what it was sent and send it messages. */
export class FakeWebviewPanel {
  readonly sent: unknown[] = [];
  readonly received = new EventEmitter<unknown>();
  readonly disposedEmitter = new EventEmitter<void>();
  revealed = 0;
  readonly webview = {
    options: {} as unknown,
    html: '',
    cspSource: 'vscode-webview://fake',
    asWebviewUri: (uri: Uri) => uri,
    postMessage: async (message: unknown) => {
      this.sent.push(message);
      return true;
    },
    onDidReceiveMessage: this.received.event,
  };
  readonly onDidDispose = this.disposedEmitter.event;
  reveal(): void {
    this.revealed++;
  }
}

export class Range {
  constructor(
    readonly startLine: number,
    readonly startCharacter: number,
    readonly endLine: number,
    readonly endCharacter: number,
  ) {}
}

export class Diagnostic {
  source: string | undefined;
  code: string | undefined;
  constructor(
    readonly range: Range,
    readonly message: string,
    readonly severity: number,
  ) {}
}

export interface FakeDocument {
  readonly uri: Uri;
  readonly languageId: string;
  readonly isDirty: boolean;
  save?(): Promise<boolean>;
}

export interface FakeTab {
  readonly input: unknown;
  readonly isActive: boolean;
}

export interface ShownMessage {
  readonly level: 'error' | 'warning' | 'information';
  readonly text: string;
  readonly buttons: string[];
}

export interface ExecutedRequest {
  readonly command: string;
  readonly arguments: unknown[];
}

/** Records one LanguageClient the extension created, and answers its requests. */
export class FakeLanguageClient {
  static created: FakeLanguageClient[] = [];
  static responses: Record<string, unknown> = {};
  readonly requests: ExecutedRequest[] = [];
  state = 1; // State.Stopped
  disposed = false;
  private readonly stateChanged = new EventEmitter<{ oldState: number; newState: number }>();
  readonly onDidChangeState = this.stateChanged.event;

  constructor(
    readonly id: string,
    readonly name: string,
    readonly serverOptions: { command: string; args: string[] },
    readonly clientOptions: {
      documentSelector: { pattern: string }[];
      initializationOptions: unknown;
      middleware: { executeCommand(command: string, args: unknown[], next: (command: string, args: unknown[]) => unknown): unknown };
    },
  ) {
    FakeLanguageClient.created.push(this);
  }
  async start(): Promise<void> {
    this.state = 2;
    this.stateChanged.fire({ oldState: 1, newState: 2 });
  }
  async dispose(): Promise<void> {
    this.disposed = true;
    this.state = 1;
    this.stateChanged.fire({ oldState: 2, newState: 1 });
  }
  async sendRequest(_type: unknown, params: ExecutedRequest): Promise<unknown> {
    this.requests.push(params);
    return FakeLanguageClient.responses[params.command];
  }
}

/** The fake VS Code host: its state is what tests arrange and inspect. */
export class FakeHost {
  readonly settings: Record<string, unknown> = {};
  readonly messages: ShownMessage[] = [];
  /** Answers for notifications, by the message's first matching words. */
  readonly messageAnswers: { match: RegExp; answer: string }[] = [];
  quickPickAnswer: ((items: { label: string }[]) => unknown) | undefined;
  readonly commands = new Map<string, (...args: unknown[]) => unknown>();
  readonly executedCommands: { command: string; args: unknown[] }[] = [];
  readonly diagnostics = new Map<string, Diagnostic[]>();
  readonly textDocuments: FakeDocument[] = [];
  readonly tabs: FakeTab[] = [];
  readonly fileSizes = new Map<string, number>();
  activeDocument: FakeDocument | undefined;
  isTrusted = true;
  readonly didOpenTextDocument = new EventEmitter<FakeDocument>();
  readonly didChangeConfiguration = new EventEmitter<{ affectsConfiguration(key: string): boolean }>();
  readonly didChangeTabs = new EventEmitter<{ opened: FakeTab[]; changed: FakeTab[]; closed: FakeTab[] }>();
  readonly didChangeTextDocument = new EventEmitter<{ document: FakeDocument; contentChanges: unknown[] }>();
  readonly didSaveTextDocument = new EventEmitter<FakeDocument>();
  readonly didChangeDiagnostics = new EventEmitter<{ uris: Uri[] }>();
  readonly watchers: FakeFileSystemWatcher[] = [];
  readonly treeViews: { id: string; provider: unknown; view: { selection: unknown[]; message: string | undefined } }[] = [];
  readonly customEditors = new Map<string, { resolveCustomEditor(document: { uri: Uri }, panel: unknown): void }>();
  readonly contextKeys = new Map<string, unknown>();
  readonly shownDocuments: { uri: Uri; options: unknown }[] = [];
  readonly appliedEdits: unknown[] = [];
  clipboard = '';
  /** What `vscode.env.openExternal` was asked to open (VS Code would ask the user first). */
  readonly openedExternally: string[] = [];
  readonly statusBarItems: { visible: boolean; command?: unknown; text?: string }[] = [];

  openDocument(document: FakeDocument): void {
    this.textDocuments.push(document);
    this.activeDocument = document;
    this.tabs.splice(0, this.tabs.length, { input: new TabInputText(document.uri), isActive: true });
    this.didOpenTextDocument.fire(document);
  }

  changeSettings(values: Record<string, unknown>): void {
    Object.assign(this.settings, values);
    this.didChangeConfiguration.fire({ affectsConfiguration: (key) => Object.keys(values).some((changed) => `sessionLsp.${changed}`.startsWith(key)) });
  }

  private show(level: ShownMessage['level']) {
    return async (text: string, ...buttons: unknown[]): Promise<string | undefined> => {
      const labels = buttons.filter((button): button is string => typeof button === 'string');
      this.messages.push({ level, text, buttons: labels });
      return this.messageAnswers.find(({ match }) => match.test(text))?.answer;
    };
  }

  /** The object the extension gets for `require('vscode')`. */
  vscodeModule(): Record<string, unknown> {
    const host = this;
    const channel = { name: 'Session LSP', logLevel: 2, lines: [] as string[] };
    const log = (line: string): void => void channel.lines.push(line);
    return {
      EventEmitter,
      Uri,
      Disposable,
      TabInputText,
      TabInputCustom,
      ThemeColor,
      ThemeIcon,
      TreeItem,
      TreeItemCollapsibleState,
      RelativePattern,
      Position,
      ViewColumn: { Active: -1, Beside: -2, One: 1 },
      CodeActionKind: { QuickFix: { value: 'quickfix' } },
      Range,
      Diagnostic,
      LogLevel: { Off: 0, Trace: 1, Debug: 2, Info: 3, Warning: 4, Error: 5 },
      DiagnosticSeverity: { Error: 0, Warning: 1, Information: 2, Hint: 3 },
      StatusBarAlignment: { Left: 1, Right: 2 },
      ProgressLocation: { Notification: 15 },
      window: {
        createOutputChannel: () => ({
          ...channel,
          onDidChangeLogLevel: new EventEmitter<number>().event,
          trace: log,
          debug: log,
          info: log,
          warn: log,
          error: log,
          append: log,
          appendLine: log,
          replace: log,
          clear: () => undefined,
          show: () => undefined,
          hide: () => undefined,
          dispose: () => undefined,
        }),
        showErrorMessage: this.show('error'),
        showWarningMessage: this.show('warning'),
        showInformationMessage: this.show('information'),
        showQuickPick: async (items: { label: string }[]) => host.quickPickAnswer?.(items),
        showOpenDialog: async () => undefined,
        withProgress: async (_options: unknown, task: () => Promise<unknown>) => task(),
        createStatusBarItem: () => {
          const item = { visible: false, show: () => void (item.visible = true), hide: () => void (item.visible = false), dispose: () => undefined };
          host.statusBarItems.push(item);
          return item;
        },
        createTreeView: (id: string, options: { treeDataProvider: unknown }) => {
          const view = { selection: [] as unknown[], message: undefined as string | undefined, dispose: () => undefined };
          host.treeViews.push({ id, provider: options.treeDataProvider, view });
          return view;
        },
        registerCustomEditorProvider: (viewType: string, provider: { resolveCustomEditor(document: { uri: Uri }, panel: unknown): void }) => {
          host.customEditors.set(viewType, provider);
          return { dispose: () => host.customEditors.delete(viewType) };
        },
        showTextDocument: async (uri: Uri, options: unknown) => {
          host.shownDocuments.push({ uri, options });
          const document = host.textDocuments.find((candidate) => candidate.uri.toString() === uri.toString()) ?? { uri, languageId: 'jsonl', isDirty: false };
          return { document };
        },
        get visibleTextEditors() {
          return [];
        },
        get activeTextEditor() {
          return host.activeDocument === undefined ? undefined : { document: host.activeDocument };
        },
        tabGroups: {
          get all() {
            return [{ tabs: host.tabs }];
          },
          get activeTabGroup() {
            return { activeTab: host.tabs.find((tab) => tab.isActive) };
          },
          onDidChangeTabs: this.didChangeTabs.event,
          onDidChangeTabGroups: new EventEmitter<unknown>().event,
        },
      },
      workspace: {
        getConfiguration: () => ({ get: (key: string) => host.settings[key] }),
        workspaceFolders: undefined,
        get textDocuments() {
          return host.textDocuments;
        },
        get isTrusted() {
          return host.isTrusted;
        },
        onDidOpenTextDocument: this.didOpenTextDocument.event,
        onDidChangeTextDocument: this.didChangeTextDocument.event,
        onDidSaveTextDocument: this.didSaveTextDocument.event,
        createFileSystemWatcher: (pattern: RelativePattern) => {
          const watcher = new FakeFileSystemWatcher(pattern);
          host.watchers.push(watcher);
          return watcher;
        },
        openTextDocument: async (uri: Uri) => {
          const open = host.textDocuments.find((candidate) => candidate.uri.toString() === uri.toString());
          if (open !== undefined) {
            return open;
          }
          const document = { uri, languageId: 'jsonl', isDirty: false };
          host.openDocument(document);
          return document;
        },
        applyEdit: async (edit: unknown) => {
          host.appliedEdits.push(edit);
          return true;
        },
        onDidChangeConfiguration: this.didChangeConfiguration.event,
        onDidGrantWorkspaceTrust: new EventEmitter<void>().event,
        fs: {
          stat: async (uri: Uri) => {
            const size = host.fileSizes.get(uri.fsPath);
            if (size === undefined) {
              throw new Error(`ENOENT ${uri.fsPath}`);
            }
            return { size };
          },
        },
      },
      languages: {
        createDiagnosticCollection: () => ({
          set: (uri: Uri, items: Diagnostic[]) => host.diagnostics.set(uri.toString(), items),
          delete: (uri: Uri) => host.diagnostics.delete(uri.toString()),
          has: (uri: Uri) => host.diagnostics.has(uri.toString()),
          dispose: () => undefined,
        }),
        getDiagnostics: (uri: Uri) => host.diagnostics.get(uri.toString()) ?? [],
        onDidChangeDiagnostics: this.didChangeDiagnostics.event,
      },
      commands: {
        registerCommand: (command: string, handler: (...args: unknown[]) => unknown) => {
          host.commands.set(command, handler);
          return { dispose: () => host.commands.delete(command) };
        },
        executeCommand: async (command: string, ...args: unknown[]) => {
          host.executedCommands.push({ command, args });
          if (command === 'setContext') {
            host.contextKeys.set(args[0] as string, args[1]);
          }
          return host.commands.get(command)?.(...args);
        },
      },
      extensions: { getExtension: () => undefined },
      env: {
        openExternal: async (uri: Uri) => {
          host.openedExternally.push(uri.toString());
          return true;
        },
        clipboard: {
          writeText: async (text: string) => {
            host.clipboard = text;
          },
        },
      },
    };
  }
}

const languageClientModule = {
  LanguageClient: FakeLanguageClient,
  State: { Stopped: 1, Running: 2, Starting: 3 },
  ExecuteCommandRequest: { type: { method: 'workspace/executeCommand' } },
};

let currentHost: FakeHost | undefined;
const loader = Module as unknown as { _load(request: string, parent: unknown, isMain: boolean): unknown };
const originalLoad = loader._load;
loader._load = function load(request: string, parent: unknown, isMain: boolean): unknown {
  if (request === 'vscode') {
    if (currentHost === undefined) {
      throw new Error('no FakeHost installed');
    }
    return currentHost.vscodeModule();
  }
  if (request === 'vscode-languageclient/node') {
    return languageClientModule;
  }
  return originalLoad.call(this, request, parent, isMain);
};

/** Installs a fresh host and returns the extension module loaded against it. */
export function loadExtension(host: FakeHost): { activate(context: unknown): void; deactivate(): Promise<void> } {
  currentHost = host;
  FakeLanguageClient.created = [];
  FakeLanguageClient.responses = {};
  const sourceRoot = require.resolve('../../src/extension').replace(/extension\.js$/, '');
  for (const key of Object.keys(require.cache)) {
    if (key.startsWith(sourceRoot)) {
      delete require.cache[key];
    }
  }
  return require('../../src/extension') as { activate(context: unknown): void; deactivate(): Promise<void> };
}
