/**
 * Owns the language client: resolves the server command, starts, stops and restarts it (one
 * operation at a time), reports its state, and sends the server's commands.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  ExecuteCommandRequest,
  LanguageClient,
  State,
  type DocumentSelector,
  type Executable,
  type LanguageClientOptions,
} from 'vscode-languageclient/node';
import { CLIENT_ID, CLIENT_NAME, ClientCommands, FILE_WRITING_SERVER_COMMANDS, JSONL_LANGUAGE_ID } from '../common/constants';
import { describeBundleTag, execFileRunner, listBundledTags, probePython, readBundledTarget } from '../common/python';
import { resolveServerCommand, type ServerCommand } from '../common/serverCommand';
import type { ExtensionSettings } from '../common/settings';
import type { ServerState } from '../common/status';
import type { PythonExtensionInterpreter } from './pythonExtension';
import type { SettingDrivenTraceChannel } from './traceChannel';

/** How long a Python gets to print its version; a cold start on a slow disk can take a while. */
const PROBE_TIMEOUT_MILLISECONDS = 15_000;

export function transcriptDocumentSelector(globs: readonly string[]): DocumentSelector {
  return globs.map((pattern) => ({ scheme: 'file', language: JSONL_LANGUAGE_ID, pattern }));
}

export class SessionServer implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private server: ServerCommand | undefined;
  private currentState: ServerState = 'idle';
  private readonly stateChanged = new vscode.EventEmitter<ServerState>();
  readonly onDidChangeState = this.stateChanged.event;
  /** Serializes start/stop/restart so that a burst of requests never runs two servers. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly extensionPath: string,
    private readonly log: vscode.LogOutputChannel,
    private readonly traceChannel: SettingDrivenTraceChannel,
    private readonly settings: () => ExtensionSettings,
    private readonly pythonExtension: PythonExtensionInterpreter,
  ) {}

  get state(): ServerState {
    return this.currentState;
  }

  /** What runs the server, for the status bar tooltip; undefined before the first start. */
  get description(): string | undefined {
    return this.server?.description;
  }

  /** Starts the server unless it runs; resolves to the running client, or undefined if it cannot run. */
  ensureStarted(): Promise<LanguageClient | undefined> {
    return this.enqueue(async () => (this.client?.state === State.Running ? this.client : this.startNow()));
  }

  restart(): Promise<LanguageClient | undefined> {
    return this.enqueue(async () => {
      await this.stopNow();
      return this.startNow();
    });
  }

  stop(): Promise<void> {
    return this.enqueue(() => this.stopNow());
  }

  /** Whether a client exists (running, starting or crashed), i.e. a restart makes sense. */
  get hasClient(): boolean {
    return this.client !== undefined;
  }

  /** Sends `workspace/executeCommand` to the server, starting it if needed. */
  async executeServerCommand(command: string, args: readonly unknown[]): Promise<unknown> {
    const client = await this.ensureStarted();
    if (client === undefined) {
      throw new Error('The Session LSP server is not running; see Session LSP: Show Logs.');
    }
    return client.sendRequest(ExecuteCommandRequest.type, { command, arguments: [...args] });
  }

  private enqueue<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.queue.then(operation, operation);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private setState(state: ServerState): void {
    if (state !== this.currentState) {
      this.currentState = state;
      this.stateChanged.fire(state);
    }
  }

  private async startNow(): Promise<LanguageClient | undefined> {
    this.setState('starting');
    const settings = this.settings();
    const bundledLibs = path.join(this.extensionPath, 'bundled', 'libs');
    const bundledTags = listBundledTags(bundledLibs);
    const run = execFileRunner(PROBE_TIMEOUT_MILLISECONDS);
    const launcherPath = path.join(this.extensionPath, 'bundled', 'tool', 'launch.py');
    const bundle = { launcherPath, target: readBundledTarget(path.join(this.extensionPath, 'bundled', 'tool', 'target.txt')) };
    const resource = vscode.workspace.workspaceFolders?.[0]?.uri;
    const resolution = await resolveServerCommand({
      settings,
      launcherPath,
      pythonExtensionInterpreter: () => this.pythonExtension.commandLine(resource),
      probe: (commandLine) => probePython(commandLine, bundledTags, run, bundle),
      bundledVersions: bundledTags.map(describeBundleTag),
      platform: process.platform,
    });
    resolution.notes.forEach((note) => this.log.info(note));
    if (!resolution.ok) {
      this.server = undefined;
      this.log.error(resolution.message);
      this.setState('failed');
      void this.showStartError(resolution.message);
      return undefined;
    }
    this.server = resolution.server;
    this.log.info(`Starting ${resolution.server.description}: ${[resolution.server.command, ...resolution.server.args].join(' ')}`);

    const serverOptions: Executable = { command: resolution.server.command, args: [...resolution.server.args] };
    const clientOptions: LanguageClientOptions = {
      documentSelector: transcriptDocumentSelector(settings.transcriptGlobs),
      diagnosticCollectionName: 'session-lsp',
      outputChannel: this.log,
      traceOutputChannel: this.traceChannel,
      initializationOptions: { fixStrategy: settings.fixStrategy },
      middleware: {
        // Server commands reached through VS Code (code action commands, other extensions) are
        // refused here when they would write files in an untrusted workspace.
        executeCommand: async (command, args, next) => {
          if (FILE_WRITING_SERVER_COMMANDS.has(command) && !vscode.workspace.isTrusted) {
            void vscode.window.showWarningMessage('Session LSP writes files only in a trusted workspace.');
            return undefined;
          }
          return next(command, args);
        },
      },
    };
    const client = new LanguageClient(CLIENT_ID, CLIENT_NAME, serverOptions, clientOptions);
    client.onDidChangeState((change) => {
      if (client !== this.client) {
        return;
      }
      if (change.newState === State.Running) {
        this.setState('running');
      } else if (change.newState === State.Stopped && this.currentState !== 'failed') {
        this.setState('stopped');
      }
    });
    this.client = client;
    try {
      await client.start();
      this.log.info('Server started.');
      return client;
    } catch (error) {
      // vscode-languageclient has already shown its own notification with a button to this log.
      this.log.error(`The server failed to start: ${error instanceof Error ? error.message : String(error)}`);
      this.setState('failed');
      return undefined;
    }
  }

  private async stopNow(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client === undefined) {
      return;
    }
    try {
      // dispose() stops a running server (shutdown + exit) and releases the client's resources.
      await client.dispose();
    } catch (error) {
      this.log.warn(`Stopping the server: ${error instanceof Error ? error.message : String(error)}`);
    }
    this.setState('stopped');
  }

  private async showStartError(message: string): Promise<void> {
    const showLogs = 'Show Logs';
    const openSettings = 'Open Settings';
    const choice = await vscode.window.showErrorMessage(message, showLogs, openSettings);
    if (choice === showLogs) {
      await vscode.commands.executeCommand(ClientCommands.showLogs);
    } else if (choice === openSettings) {
      await vscode.commands.executeCommand('workbench.action.openSettings', 'sessionLsp');
    }
  }

  dispose(): void {
    this.stateChanged.dispose();
  }
}
