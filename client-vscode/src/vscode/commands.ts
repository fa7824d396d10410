/** The extension's commands (palette, explorer menu, notification buttons). */
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { ClientCommands, DIAGNOSTIC_SOURCE, ServerCommands } from '../common/constants';
import {
  asCheckFileResult,
  asFixAllResult,
  asFixFileResult,
  asForkSessionResult,
  asRestoreBackupResult,
  findingRange,
  summarizeCheck,
  summarizeFix,
  type CheckFileResult,
  type FindingSeverity,
} from '../common/results';
import { FIX_STRATEGIES, FIX_STRATEGY_DETAILS, isFixStrategy, type ExtensionSettings, type FixStrategy } from '../common/settings';
import { resumeCommand } from '../common/sessions';
import type { SessionServer } from './server';
import { activeTranscriptFile, isTranscriptDocument, syncedDocument } from './transcriptsInEditor';

export interface CommandDependencies {
  readonly server: SessionServer;
  readonly log: vscode.LogOutputChannel;
  readonly settings: () => ExtensionSettings;
  /** Findings of on-disk checks, for files the language server does not see. */
  readonly diskDiagnostics: vscode.DiagnosticCollection;
}

const SEVERITIES: Readonly<Record<FindingSeverity, vscode.DiagnosticSeverity>> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  information: vscode.DiagnosticSeverity.Information,
  hint: vscode.DiagnosticSeverity.Hint,
};

export function registerCommands(deps: CommandDependencies): vscode.Disposable[] {
  const guarded =
    (name: string, action: (...args: unknown[]) => Promise<void>) =>
    async (...args: unknown[]): Promise<void> => {
      try {
        await action(...args);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        deps.log.error(`${name}: ${message}`);
        const choice = await vscode.window.showErrorMessage(`Session LSP: ${name} failed: ${message}`, 'Show Logs');
        if (choice === 'Show Logs') {
          deps.log.show();
        }
      }
    };
  return [
    vscode.commands.registerCommand(ClientCommands.restart, guarded('Restart Server', async () => {
      await deps.server.restart();
    })),
    vscode.commands.registerCommand(ClientCommands.showLogs, () => deps.log.show()),
    vscode.commands.registerCommand(ClientCommands.fixAll, guarded('Fix All Problems', (uri, strategy) => fixAll(deps, uri, strategy))),
    vscode.commands.registerCommand(ClientCommands.forkSession, guarded('Fork Session', (uri) => forkSession(deps, uri))),
    vscode.commands.registerCommand(ClientCommands.checkFileOnDisk, guarded('Check a Session File on Disk', (uri) => checkFileOnDisk(deps, uri))),
    vscode.commands.registerCommand(ClientCommands.restoreBackup, guarded('Restore Backup', (uri) => restoreBackup(deps, uri))),
  ];
}

/** False (after telling the user) in an untrusted workspace, where nothing is written to disk. */
function requireTrust(action: string): boolean {
  if (vscode.workspace.isTrusted) {
    return true;
  }
  void vscode.window.showWarningMessage(`Session LSP does not ${action} in an untrusted workspace. Trust the workspace to allow it.`);
  return false;
}

/** The synced transcript document a buffer command acts on: the argument, else the active editor's. */
function transcriptDocumentFor(deps: CommandDependencies, uri: unknown): vscode.TextDocument | undefined {
  const globs = deps.settings().transcriptGlobs;
  const document = uri instanceof vscode.Uri ? syncedDocument(uri) : vscode.window.activeTextEditor?.document;
  if (document !== undefined && isTranscriptDocument(document, globs)) {
    return document;
  }
  const unsynced = uri instanceof vscode.Uri ? uri : activeTranscriptFile(globs);
  if (unsynced !== undefined) {
    void offerDiskCheck(unsynced, `${path.basename(unsynced.fsPath)} is not open in the language server (VS Code does not hand it over).`);
  } else {
    void vscode.window.showInformationMessage('Open a session transcript (a .jsonl file under .claude/projects) first.');
  }
  return undefined;
}

async function offerDiskCheck(uri: vscode.Uri, message: string): Promise<void> {
  const check = 'Check on Disk';
  if ((await vscode.window.showWarningMessage(message, check)) === check) {
    await vscode.commands.executeCommand(ClientCommands.checkFileOnDisk, uri);
  }
}

async function pickStrategy(settings: ExtensionSettings, title: string): Promise<FixStrategy | undefined> {
  const items = [settings.fixStrategy, ...FIX_STRATEGIES.filter((strategy) => strategy !== settings.fixStrategy)].map((strategy) => ({
    label: strategy,
    description: strategy === settings.fixStrategy ? 'sessionLsp.fix.strategy' : undefined,
    detail: FIX_STRATEGY_DETAILS[strategy],
    strategy,
  }));
  const picked = await vscode.window.showQuickPick(items, { title, placeHolder: 'How should the transcript be repaired?' });
  return picked?.strategy;
}

async function fixAll(deps: CommandDependencies, uri: unknown, strategyArgument: unknown): Promise<void> {
  const document = transcriptDocumentFor(deps, uri);
  if (document === undefined) {
    return;
  }
  const strategy = isFixStrategy(strategyArgument) ? strategyArgument : await pickStrategy(deps.settings(), 'Session LSP: Fix All Problems');
  if (strategy === undefined) {
    return;
  }
  // The server answers with workspace/applyEdit on the open document; nothing is saved to disk.
  const result = asFixAllResult(
    ServerCommands.fixAll,
    await deps.server.executeServerCommand(ServerCommands.fixAll, [document.uri.toString(), strategy]),
  );
  if (!result.applied) {
    void vscode.window.showInformationMessage(`Session LSP: nothing to fix in ${path.basename(document.uri.fsPath)} with "${strategy}".`);
  }
}

async function forkSession(deps: CommandDependencies, uri: unknown): Promise<void> {
  if (!requireTrust('write a forked session')) {
    return;
  }
  const document = transcriptDocumentFor(deps, uri);
  if (document === undefined) {
    return;
  }
  const result = asForkSessionResult(
    ServerCommands.forkSession,
    await deps.server.executeServerCommand(ServerCommands.forkSession, [document.uri.toString(), deps.settings().fixStrategy]),
  );
  const open = 'Open Fork';
  const copy = 'Copy Resume Command';
  const choice = await vscode.window.showInformationMessage(
    `Forked into ${path.basename(result.path)} (session ${result.sessionId}). Resume it with: ${result.resumeCommand}`,
    open,
    copy,
  );
  if (choice === open) {
    await vscode.window.showTextDocument(vscode.Uri.file(result.path));
  } else if (choice === copy) {
    // Quoted here for this machine's shells (the server's text is POSIX-quoted).
    const command = resumeCommand({ sessionId: result.sessionId });
    if (command === undefined) {
      void vscode.window.showErrorMessage(`Session id ${JSON.stringify(result.sessionId)} cannot be written as a command that is safe to paste; nothing was copied.`);
    } else {
      await vscode.env.clipboard.writeText(command);
    }
  }
}

/** The folder the file picker opens in: the workspace, else Claude Code's transcripts folder. */
function defaultTranscriptFolder(): vscode.Uri | undefined {
  const projects = path.join(os.homedir(), '.claude', 'projects');
  return vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(projects);
}

async function pickTranscriptFile(title: string): Promise<vscode.Uri | undefined> {
  const picked = await vscode.window.showOpenDialog({
    title,
    canSelectMany: false,
    defaultUri: defaultTranscriptFolder(),
    filters: { 'Session transcripts': ['jsonl'] },
    openLabel: 'Check',
  });
  return picked?.[0];
}

/**
 * Shows on-disk findings in the Problems panel, but only for files the server does not see:
 * for a synced document the server's own diagnostics are already there.
 */
function publishDiskFindings(deps: CommandDependencies, uri: vscode.Uri, result: CheckFileResult): void {
  if (syncedDocument(uri) !== undefined) {
    deps.diskDiagnostics.delete(uri);
    return;
  }
  deps.diskDiagnostics.set(
    uri,
    result.findings.map((finding) => {
      const range = findingRange(finding);
      const diagnostic = new vscode.Diagnostic(
        new vscode.Range(range.startLine, range.startCharacter, range.endLine, range.endCharacter),
        finding.message,
        SEVERITIES[finding.severity] ?? vscode.DiagnosticSeverity.Error,
      );
      diagnostic.source = DIAGNOSTIC_SOURCE;
      diagnostic.code = finding.code;
      return diagnostic;
    }),
  );
}

async function checkOnDisk(deps: CommandDependencies, uri: vscode.Uri): Promise<CheckFileResult> {
  const result = asCheckFileResult(ServerCommands.checkFile, await deps.server.executeServerCommand(ServerCommands.checkFile, [uri.fsPath]));
  publishDiskFindings(deps, uri, result);
  return result;
}

async function checkFileOnDisk(deps: CommandDependencies, uriArgument: unknown): Promise<void> {
  const uri = uriArgument instanceof vscode.Uri ? uriArgument : await pickTranscriptFile('Session LSP: check a session file on disk');
  if (uri === undefined) {
    return;
  }
  const fileName = path.basename(uri.fsPath);
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Checking ${fileName}…` },
    () => checkOnDisk(deps, uri),
  );
  const strategy = deps.settings().fixStrategy;
  const fix = `Fix on Disk (${strategy})`;
  const actions = result.errors > 0 && vscode.workspace.isTrusted ? [fix] : [];
  const summary = summarizeCheck(fileName, result);
  const choice = result.errors > 0 ? await vscode.window.showWarningMessage(summary, ...actions) : await vscode.window.showInformationMessage(summary);
  if (choice === fix) {
    await fixOnDisk(deps, uri, strategy);
  }
}

async function fixOnDisk(deps: CommandDependencies, uri: vscode.Uri, strategy: FixStrategy): Promise<void> {
  if (!requireTrust('fix files on disk')) {
    return;
  }
  const fileName = path.basename(uri.fsPath);
  if (syncedDocument(uri)?.isDirty === true) {
    void vscode.window.showWarningMessage(`${fileName} has unsaved changes; save or revert them before fixing it on disk.`);
    return;
  }
  const result = asFixFileResult(
    ServerCommands.fixFile,
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Fixing ${fileName}…` }, () =>
      deps.server.executeServerCommand(ServerCommands.fixFile, [uri.fsPath, strategy]),
    ),
  );
  deps.log.info(`fixFile ${uri.fsPath}: ${JSON.stringify(result)}`);
  if (result.changed) {
    await checkOnDisk(deps, uri);
  }
  const restore = 'Restore Backup';
  const choice = await vscode.window.showInformationMessage(summarizeFix(fileName, result), ...(result.backup === null ? [] : [restore]));
  if (choice === restore) {
    await restoreBackup(deps, uri);
  }
}

async function restoreBackup(deps: CommandDependencies, uriArgument: unknown): Promise<void> {
  if (!requireTrust('restore backups')) {
    return;
  }
  const globs = deps.settings().transcriptGlobs;
  const uri =
    uriArgument instanceof vscode.Uri
      ? uriArgument
      : (activeTranscriptFile(globs) ?? (await pickTranscriptFile('Session LSP: restore the backup of a session file')));
  if (uri === undefined) {
    return;
  }
  // No backup, or one that cannot be restored: the server answers with an error, shown by `guarded`.
  const result = asRestoreBackupResult(ServerCommands.restoreBackup, await deps.server.executeServerCommand(ServerCommands.restoreBackup, [uri.fsPath]));
  if (syncedDocument(uri) === undefined) {
    await checkOnDisk(deps, uri);
  }
  void vscode.window.showInformationMessage(`Session LSP: ${result.message}`);
}
