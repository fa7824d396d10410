/**
 * The Sessions view: every session under the projects root and every Codex rollout, grouped by
 * project, newest first, with its health. Data from the server (`sessionLsp.listSessions`);
 * refreshed when a transcript under either folder changes, and while a session is live (it stops
 * being live without a file event).
 */
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { ClientCommands, ServerCommands } from '../common/constants';
import { debounce } from '../common/debounce';
import { withoutLinks } from '../common/notificationText';
import {
  asSessionSummaries,
  codexSessionsRoot,
  defaultProjectsRoot,
  groupByProject,
  HEALTH_ICONS,
  resumeCommand,
  sessionDescription,
  sessionLabel,
  sessionTooltip,
  tildePath,
  type ProjectGroup,
  type SessionSummary,
} from '../common/sessions';
import { FIX_STRATEGIES, FIX_STRATEGY_DETAILS, type ExtensionSettings, type FixStrategy } from '../common/settings';
import { BROKEN_ONLY_CONTEXT, SESSIONS_VIEW_ID, ViewCommands } from '../common/views';
import { searchSessions } from './sessionsSearch';
import { syncedDocument } from './transcriptsInEditor';

/** File events come in bursts (a session appends line by line); one listing after they settle. */
export const REFRESH_DEBOUNCE_MILLISECONDS = 750;
/** While a session is live, list again this often so it turns ok (or broken) once it goes quiet. */
export const LIVE_RECHECK_MILLISECONDS = 20_000;

export type SessionsNode = { readonly kind: 'project'; readonly group: ProjectGroup } | { readonly kind: 'session'; readonly session: SessionSummary };

export interface SessionsDependencies {
  readonly log: vscode.LogOutputChannel;
  readonly settings: () => ExtensionSettings;
  readonly executeServerCommand: (command: string, args: readonly unknown[]) => Promise<unknown>;
  /** Milliseconds since the epoch; a parameter so tests can fix "now". */
  readonly now?: () => number;
}

/** The folder listed and watched: `sessionLsp.projectsRoot`, else where the server looks by default. */
export function projectsRoot(settings: ExtensionSettings): string {
  return settings.projectsRoot ?? defaultProjectsRoot(process.env, os.homedir());
}

export class SessionsTreeProvider implements vscode.TreeDataProvider<SessionsNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<SessionsNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private sessions: SessionSummary[] | undefined;
  private loading: Promise<void> | undefined;
  private queued: Promise<void> | undefined;
  private brokenOnly = false;
  private liveTimer: ReturnType<typeof setTimeout> | undefined;
  /** Why the last listing failed, shown in the view instead of a tree. */
  private failure: string | undefined;
  private readonly messageChanged = new vscode.EventEmitter<string | undefined>();
  readonly onDidChangeMessage = this.messageChanged.event;

  constructor(private readonly deps: SessionsDependencies) {}

  async setBrokenOnly(value: boolean): Promise<void> {
    this.brokenOnly = value;
    await vscode.commands.executeCommand('setContext', BROKEN_ONLY_CONTEXT, value);
    this.updateMessage();
    this.changed.fire(undefined);
  }

  /**
   * Lists the sessions again and redraws the tree. A call while a listing runs gets one more
   * listing after it, so a change that came in meanwhile is never missed.
   */
  refresh(): Promise<void> {
    if (this.loading !== undefined) {
      this.queued ??= this.loading.then(() => {
        this.queued = undefined;
        return this.refresh();
      });
      return this.queued;
    }
    this.loading = this.load().finally(() => (this.loading = undefined));
    return this.loading;
  }

  private async load(): Promise<void> {
    const root = this.deps.settings().projectsRoot;
    try {
      this.sessions = asSessionSummaries(await this.deps.executeServerCommand(ServerCommands.listSessions, root === undefined ? [] : [root]));
      this.failure = undefined;
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error);
      this.deps.log.error(`Listing sessions: ${text}`);
      this.sessions = [];
      this.failure = `Could not list the sessions: ${text}`;
    }
    this.scheduleLiveRecheck();
    this.updateMessage();
    this.changed.fire(undefined);
  }

  private updateMessage(): void {
    let message = this.failure;
    if (message === undefined && this.sessions !== undefined) {
      if (this.sessions.length === 0) {
        message = `No sessions in ${projectsRoot(this.deps.settings())} or ${codexSessionsRoot(process.env, os.homedir())}.`;
      } else if (this.brokenOnly && groupByProject(this.sessions, true).length === 0) {
        message = 'No broken sessions.';
      }
    }
    this.messageChanged.fire(message);
  }

  private scheduleLiveRecheck(): void {
    if (this.liveTimer !== undefined) {
      clearTimeout(this.liveTimer);
      this.liveTimer = undefined;
    }
    if (this.sessions?.some((session) => session.health === 'live') === true) {
      this.liveTimer = setTimeout(() => void this.refresh(), LIVE_RECHECK_MILLISECONDS);
    }
  }

  async getChildren(element?: SessionsNode): Promise<SessionsNode[]> {
    if (element === undefined) {
      if (this.sessions === undefined) {
        await this.refresh();
      }
      return groupByProject(this.sessions ?? [], this.brokenOnly).map((group) => ({ kind: 'project', group }));
    }
    if (element.kind === 'project') {
      return element.group.sessions.map((session) => ({ kind: 'session', session }));
    }
    return [];
  }

  getTreeItem(element: SessionsNode): vscode.TreeItem {
    return element.kind === 'project' ? projectItem(element.group) : sessionItem(element.session, this.deps.now?.() ?? Date.now());
  }

  dispose(): void {
    if (this.liveTimer !== undefined) {
      clearTimeout(this.liveTimer);
    }
    this.changed.dispose();
    this.messageChanged.dispose();
  }
}

function projectItem(group: ProjectGroup): vscode.TreeItem {
  const label = group.project === undefined ? 'Unknown project' : path.basename(group.project) || group.project;
  const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.Expanded);
  item.id = `project:${group.project ?? ''}`;
  item.description = group.project === undefined ? undefined : tildePath(path.dirname(group.project), os.homedir());
  const broken = group.broken === 0 ? '' : `, ${group.broken} need attention`;
  item.tooltip = `${group.project ?? 'Sessions whose lines name no working directory'}\n${group.sessions.length} session${group.sessions.length === 1 ? '' : 's'}${broken}`;
  item.iconPath = group.broken > 0 ? new vscode.ThemeIcon('folder', new vscode.ThemeColor('list.errorForeground')) : new vscode.ThemeIcon('folder');
  item.contextValue = 'project';
  return item;
}

export function sessionItem(session: SessionSummary, now: number): vscode.TreeItem {
  const item = new vscode.TreeItem(sessionLabel(session), vscode.TreeItemCollapsibleState.None);
  const icon = HEALTH_ICONS[session.health];
  item.id = `session:${session.path}`;
  item.description = sessionDescription(session, now);
  item.tooltip = sessionTooltip(session);
  item.iconPath = new vscode.ThemeIcon(icon.codicon, new vscode.ThemeColor(icon.color));
  item.resourceUri = vscode.Uri.file(session.path);
  // Codex sessions get their own value: they cannot be forked (their id is in their file name).
  item.contextValue = session.agent === 'codex' ? `session.${session.health}.codex` : `session.${session.health}`;
  item.accessibilityInformation = { label: `${sessionLabel(session)}, ${icon.label}, ${item.description}`, role: 'treeitem' };
  item.command = { command: ViewCommands.openConversation, title: 'Open Conversation', arguments: [vscode.Uri.file(session.path)] };
  return item;
}

/** The session a command was invoked on: a tree node, else the selected one. */
function sessionOf(node: unknown, view: vscode.TreeView<SessionsNode>): SessionSummary | undefined {
  if (typeof node === 'object' && node !== null && (node as SessionsNode).kind === 'session') {
    return (node as Extract<SessionsNode, { kind: 'session' }>).session;
  }
  const selected = view.selection.find((candidate): candidate is Extract<SessionsNode, { kind: 'session' }> => candidate.kind === 'session');
  return selected?.session;
}

async function pickStrategy(settings: ExtensionSettings, fileName: string): Promise<FixStrategy | undefined> {
  const ordered = [settings.fixStrategy, ...FIX_STRATEGIES.filter((strategy) => strategy !== settings.fixStrategy)];
  const picked = await vscode.window.showQuickPick(
    ordered.map((strategy) => ({ label: strategy, detail: FIX_STRATEGY_DETAILS[strategy], description: strategy === settings.fixStrategy ? 'default' : undefined, strategy })),
    { title: `Fix ${fileName}`, placeHolder: 'How should the session be repaired?' },
  );
  return picked?.strategy;
}

/**
 * Fixes a session through the open document (Fix All Problems with the picked strategy), then
 * saves it: the repair stays undoable in that editor.
 */
async function fixSession(deps: SessionsDependencies, session: SessionSummary): Promise<void> {
  const uri = vscode.Uri.file(session.path);
  const fileName = path.basename(session.path);
  if (syncedDocument(uri)?.isDirty === true) {
    void vscode.window.showWarningMessage(withoutLinks(`${fileName} has unsaved changes; save or revert them first.`));
    return;
  }
  const strategy = await pickStrategy(deps.settings(), fileName);
  if (strategy === undefined) {
    return;
  }
  const editor = await vscode.window.showTextDocument(uri, { preview: false });
  await vscode.commands.executeCommand(ClientCommands.fixAll, uri, strategy);
  if (editor.document.isDirty) {
    await editor.document.save();
  }
}

/** Registers the tree, its file watcher and its commands. */
export function registerSessionsView(deps: SessionsDependencies): vscode.Disposable[] {
  const provider = new SessionsTreeProvider(deps);
  const view = vscode.window.createTreeView(SESSIONS_VIEW_ID, { treeDataProvider: provider, showCollapseAll: true });
  const refreshSoon = debounce(() => void provider.refresh(), REFRESH_DEBOUNCE_MILLISECONDS);
  let watchers: vscode.FileSystemWatcher[] = [];
  const watch = (): void => {
    watchers.forEach((watcher) => watcher.dispose());
    const folders: [string, string][] = [
      [projectsRoot(deps.settings()), '**/*.jsonl'],
      [codexSessionsRoot(process.env, os.homedir()), '**/rollout-*.jsonl'],
    ];
    watchers = folders.map(([folder, pattern]) => {
      const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(folder), pattern));
      watcher.onDidCreate(refreshSoon);
      watcher.onDidChange(refreshSoon);
      watcher.onDidDelete(refreshSoon);
      return watcher;
    });
  };
  watch();
  const withSession =
    (action: (session: SessionSummary) => unknown) =>
    async (node: unknown): Promise<void> => {
      const session = sessionOf(node, view);
      if (session !== undefined) {
        await action(session);
      }
    };
  void vscode.commands.executeCommand('setContext', BROKEN_ONLY_CONTEXT, false);
  return [
    provider,
    view,
    provider.onDidChangeMessage((message) => (view.message = message)),
    { dispose: () => (refreshSoon.cancel(), watchers.forEach((watcher) => watcher.dispose())) },
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration('sessionLsp.projectsRoot')) {
        watch();
        void provider.refresh();
      }
    }),
    vscode.commands.registerCommand(ViewCommands.refreshSessions, () => provider.refresh()),
    vscode.commands.registerCommand(ViewCommands.searchSessions, () => searchSessions(deps)),
    vscode.commands.registerCommand(ViewCommands.showBrokenOnly, () => provider.setBrokenOnly(true)),
    vscode.commands.registerCommand(ViewCommands.showAll, () => provider.setBrokenOnly(false)),
    vscode.commands.registerCommand(ViewCommands.openRaw, withSession((session) => vscode.window.showTextDocument(vscode.Uri.file(session.path), { preview: false }))),
    vscode.commands.registerCommand(ViewCommands.check, withSession((session) => vscode.commands.executeCommand(ClientCommands.checkFileOnDisk, vscode.Uri.file(session.path)))),
    vscode.commands.registerCommand(ViewCommands.fix, withSession((session) => fixSession(deps, session))),
    vscode.commands.registerCommand(
      ViewCommands.fork,
      withSession(async (session) => {
        if (session.agent === 'codex') {
          void vscode.window.showErrorMessage('A Codex session cannot be forked: its id is in its file name. Fix it instead.');
          return;
        }
        await vscode.window.showTextDocument(vscode.Uri.file(session.path), { preview: false });
        await vscode.commands.executeCommand(ClientCommands.forkSession, vscode.Uri.file(session.path));
      }),
    ),
    vscode.commands.registerCommand(ViewCommands.restoreBackup, withSession((session) => vscode.commands.executeCommand(ClientCommands.restoreBackup, vscode.Uri.file(session.path)))),
    vscode.commands.registerCommand(
      ViewCommands.copyResumeCommand,
      withSession(async (session) => {
        const command = resumeCommand(session);
        if (command === undefined) {
          void vscode.window.showErrorMessage(withoutLinks(`Session id ${JSON.stringify(session.sessionId)} cannot be written as a command that is safe to paste into a terminal; nothing was copied.`));
          return;
        }
        await vscode.env.clipboard.writeText(command);
        const where = session.project === null ? '' : ` (run it in ${session.project})`;
        void vscode.window.showInformationMessage(withoutLinks(`Copied "${command}"${where}.`));
      }),
    ),
  ];
}
