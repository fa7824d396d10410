/**
 * Entry point. Activation (on `onLanguage:jsonl`) only wires up listeners; the Python server is
 * started when a document matching the transcript globs is open, so other JSON Lines files cost
 * no process.
 */
import * as os from 'node:os';
import * as vscode from 'vscode';
import { CLIENT_ID, CLIENT_NAME } from './common/constants';
import { debounce } from './common/debounce';
import { readSettings, SETTINGS_NEEDING_RESTART, type ExtensionSettings } from './common/settings';
import { registerCommands } from './vscode/commands';
import { ConversationEditors } from './vscode/conversationView';
import { watchLargeTranscripts } from './vscode/largeFiles';
import { PythonExtensionInterpreter } from './vscode/pythonExtension';
import { SessionServer } from './vscode/server';
import { registerSessionsView } from './vscode/sessionsView';
import { createStatusBar } from './vscode/statusBar';
import { SettingDrivenTraceChannel } from './vscode/traceChannel';
import { isTranscriptDocument } from './vscode/transcriptsInEditor';

/** Settings edits arrive key by key; one restart after they settle is enough. */
const RESTART_DEBOUNCE_MILLISECONDS = 1_000;

let server: SessionServer | undefined;

function currentSettings(): ExtensionSettings {
  const workspaceFolder = vscode.workspace.workspaceFolders?.[0];
  const configuration = vscode.workspace.getConfiguration(CLIENT_ID, workspaceFolder?.uri);
  return readSettings((key) => configuration.get(key), {
    homeDirectory: os.homedir(),
    workspaceFolder: workspaceFolder?.uri.fsPath,
  });
}

export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel(CLIENT_NAME, { log: true });
  const traceChannel = new SettingDrivenTraceChannel(log, () => currentSettings().trace);
  const transcriptGlobs = (): readonly string[] => currentSettings().transcriptGlobs;
  const diskDiagnostics = vscode.languages.createDiagnosticCollection('session-lsp-disk');

  const restartSoon = debounce(() => {
    if (sessionServer.hasClient || vscode.workspace.textDocuments.some((document) => isTranscriptDocument(document, transcriptGlobs()))) {
      log.info('Restarting the server after a settings or interpreter change.');
      void sessionServer.restart();
    }
  }, RESTART_DEBOUNCE_MILLISECONDS);
  const pythonExtension = new PythonExtensionInterpreter(restartSoon, log);
  const sessionServer = new SessionServer(context.extensionPath, log, traceChannel, currentSettings, pythonExtension);
  server = sessionServer;

  const executeServerCommand = (command: string, args: readonly unknown[]): Promise<unknown> => sessionServer.executeServerCommand(command, args);

  const startIfTranscript = (document: vscode.TextDocument): void => {
    // The server now reports this file itself; drop findings from an earlier on-disk check.
    if (diskDiagnostics.has(document.uri)) {
      diskDiagnostics.delete(document.uri);
    }
    if (isTranscriptDocument(document, transcriptGlobs()) && sessionServer.state !== 'running' && sessionServer.state !== 'starting') {
      void sessionServer.ensureStarted();
    }
  };

  context.subscriptions.push(
    log,
    traceChannel,
    diskDiagnostics,
    pythonExtension,
    sessionServer,
    { dispose: () => restartSoon.cancel() },
    ...registerCommands({ server: sessionServer, log, settings: currentSettings, diskDiagnostics }),
    createStatusBar(sessionServer, transcriptGlobs),
    ...new ConversationEditors(context.extensionUri, { log, transcriptGlobs, executeServerCommand }).register(),
    ...registerSessionsView({ log, settings: currentSettings, executeServerCommand }),
    watchLargeTranscripts(transcriptGlobs, log),
    vscode.workspace.onDidOpenTextDocument(startIfTranscript),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration(`${CLIENT_ID}.trace.server`)) {
        traceChannel.refresh();
      }
      if (SETTINGS_NEEDING_RESTART.some((key) => event.affectsConfiguration(key))) {
        restartSoon();
      }
    }),
    // Workspace values of sessionLsp.server.path / interpreter apply only once the workspace is trusted.
    vscode.workspace.onDidGrantWorkspaceTrust(() => restartSoon()),
  );
  vscode.workspace.textDocuments.forEach(startIfTranscript);
  log.info(`Session LSP ${context.extension.packageJSON.version as string} activated.`);
}

export async function deactivate(): Promise<void> {
  await server?.stop();
  server = undefined;
}
