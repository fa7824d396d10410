/** The status bar item: server state and, for the active transcript, its problem count. */
import * as vscode from 'vscode';
import { ClientCommands, DIAGNOSTIC_SOURCE } from '../common/constants';
import { describeStatus } from '../common/status';
import { ViewCommands } from '../common/views';
import type { SessionServer } from './server';
import { activeTabFile, activeTranscriptFile } from './transcriptsInEditor';

export function createStatusBar(server: SessionServer, globs: () => readonly string[]): vscode.Disposable {
  const item = vscode.window.createStatusBarItem('sessionLsp.status', vscode.StatusBarAlignment.Right, 100);
  item.name = 'Session LSP';

  const update = (): void => {
    const transcript = activeTranscriptFile(globs());
    const problems =
      transcript === undefined
        ? undefined
        : vscode.languages.getDiagnostics(transcript).filter((diagnostic) => diagnostic.source === DIAGNOSTIC_SOURCE).length;
    const status = describeStatus(server.state, problems, server.description);
    item.text = status.text;
    item.tooltip = status.tooltip;
    item.command =
      status.onClick === 'conversation' && transcript !== undefined
        ? { command: ViewCommands.openConversation, title: 'Open Conversation at the First Problem', arguments: [transcript, 'firstProblem'] }
        : ClientCommands.showLogs;
    // Shown next to JSON Lines files and whenever the server has failed, hidden elsewhere.
    const showsJsonLines = transcript !== undefined || activeTabFile()?.fsPath.endsWith('.jsonl') === true;
    if (showsJsonLines || server.state === 'failed') {
      item.show();
    } else {
      item.hide();
    }
  };

  const subscriptions = [
    item,
    server.onDidChangeState(update),
    vscode.window.tabGroups.onDidChangeTabs(update),
    vscode.window.tabGroups.onDidChangeTabGroups(update),
    vscode.languages.onDidChangeDiagnostics((event) => {
      const active = activeTabFile()?.toString();
      if (active !== undefined && event.uris.some((uri) => uri.toString() === active)) {
        update();
      }
    }),
  ];
  update();
  return vscode.Disposable.from(...subscriptions);
}
