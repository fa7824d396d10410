/**
 * "Search Sessions": text asked for, every Claude Code session and Codex rollout searched by the
 * server (`sessionLsp.searchSessions`, what `session-lsp search --all` runs), the matches in a
 * quick pick under their session, newest first; the one picked opens the conversation view there.
 */
import * as vscode from 'vscode';
import { ServerCommands } from '../common/constants';
import { withoutLinks } from '../common/notificationText';
import { asSessionMatches, searchPickEntries, type MatchTarget } from '../common/sessionsSearch';
import type { ExtensionSettings } from '../common/settings';
import { ViewCommands } from '../common/views';

export interface SessionsSearchDependencies {
  readonly log: vscode.LogOutputChannel;
  readonly settings: () => ExtensionSettings;
  readonly executeServerCommand: (command: string, args: readonly unknown[]) => Promise<unknown>;
}

interface MatchItem extends vscode.QuickPickItem {
  readonly target?: MatchTarget;
}

export async function searchSessions(deps: SessionsSearchDependencies): Promise<void> {
  const query = await vscode.window.showInputBox({
    title: 'Search Sessions',
    prompt: 'Text to find in every Claude Code session and Codex rollout (any case; every part of each history)',
    placeHolder: 'a word, a file name, an error message…',
    ignoreFocusOut: true,
  });
  if (query === undefined || query.trim() === '') {
    return;
  }
  const root = deps.settings().projectsRoot;
  let sessions;
  try {
    sessions = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Searching sessions…' }, async () =>
      asSessionMatches(await deps.executeServerCommand(ServerCommands.searchSessions, root === undefined ? [{ query }] : [{ query }, root])),
    );
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    deps.log.error(`Searching sessions: ${text}`);
    void vscode.window.showErrorMessage(withoutLinks(`Could not search the sessions: ${text}`));
    return;
  }
  if (sessions.length === 0) {
    void vscode.window.showInformationMessage(withoutLinks(`No session mentions ${JSON.stringify(query)}.`));
    return;
  }
  const items: MatchItem[] = searchPickEntries(sessions, query, localTime);
  const matches = items.length;
  const picked = await vscode.window.showQuickPick(items, {
    title: `${matches} match${matches === 1 ? '' : 'es'} in ${sessions.length} session${sessions.length === 1 ? '' : 's'}, newest first`,
    placeHolder: 'Pick a match to open its conversation there',
    matchOnDetail: true,
  });
  if (picked?.target === undefined) {
    return;
  }
  const { path, segment, index } = picked.target;
  await vscode.commands.executeCommand(ViewCommands.openConversation, vscode.Uri.file(path), { segment, index });
}

function localTime(iso: string): string {
  const moment = new Date(iso);
  return Number.isNaN(moment.getTime()) ? iso : moment.toLocaleString();
}
