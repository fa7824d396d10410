/**
 * VS Code does not sync documents over 50 MB to extensions (microsoft/vscode #111849), so the
 * language server never sees a huge transcript and shows nothing for it. This watcher notices
 * such a transcript opened in an editor tab and offers the on-disk check instead.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { ClientCommands } from '../common/constants';
import { largeFileMessage, needsDiskCheck } from '../common/transcripts';
import { syncedDocument } from './transcriptsInEditor';

/** Documents are synced shortly after their tab opens; wait this long before calling one unsynced. */
const SYNC_GRACE_MILLISECONDS = 1_500;

export function watchLargeTranscripts(globs: () => readonly string[], log: vscode.LogOutputChannel): vscode.Disposable {
  const offered = new Set<string>();
  const timers = new Set<ReturnType<typeof setTimeout>>();

  const inspect = async (uri: vscode.Uri): Promise<void> => {
    const key = uri.toString();
    if (offered.has(key) || syncedDocument(uri) !== undefined) {
      return;
    }
    let sizeInBytes: number;
    try {
      sizeInBytes = (await vscode.workspace.fs.stat(uri)).size;
    } catch {
      return; // deleted or unreadable: nothing to offer
    }
    if (!needsDiskCheck({ fsPath: uri.fsPath, synced: syncedDocument(uri) !== undefined, sizeInBytes }, globs())) {
      return;
    }
    offered.add(key);
    log.info(`${uri.fsPath} (${sizeInBytes} bytes) is open but not synced to extensions; offering the on-disk check.`);
    const check = 'Check on Disk';
    const choice = await vscode.window.showWarningMessage(largeFileMessage(path.basename(uri.fsPath), sizeInBytes), check);
    if (choice === check) {
      await vscode.commands.executeCommand(ClientCommands.checkFileOnDisk, uri);
    }
  };

  const inspectSoon = (tab: vscode.Tab): void => {
    if (!(tab.input instanceof vscode.TabInputText) || tab.input.uri.scheme !== 'file') {
      return;
    }
    const uri = tab.input.uri;
    const timer = setTimeout(() => {
      timers.delete(timer);
      void inspect(uri);
    }, SYNC_GRACE_MILLISECONDS);
    timers.add(timer);
  };

  vscode.window.tabGroups.all.forEach((group) => group.tabs.forEach(inspectSoon));
  const subscription = vscode.window.tabGroups.onDidChangeTabs((event) => {
    event.opened.forEach(inspectSoon);
    event.changed.filter((tab) => tab.isActive).forEach(inspectSoon);
  });
  return new vscode.Disposable(() => {
    subscription.dispose();
    timers.forEach(clearTimeout);
  });
}
