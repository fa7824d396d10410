/**
 * The sessions explorer's model: the summaries `sessionLsp.listSessions` returns (docs/contract.md),
 * checked on arrival, grouped by project and ordered for the tree. No `vscode` import, so the
 * grouping, order, filter, icons and wording are unit-tested directly.
 */
import { titleLabel } from './conversation';
import { plural } from './results';

export const SESSION_HEALTHS = ['ok', 'broken', 'live', 'unreadable'] as const;
export type SessionHealth = (typeof SESSION_HEALTHS)[number];

/** The program that writes a session (its format's name), so the one that resumes it. */
export const SESSION_AGENTS = ['claude-code', 'codex'] as const;
export type SessionAgent = (typeof SESSION_AGENTS)[number];

/** How the tree names each agent. */
export const AGENT_NAMES: Readonly<Record<SessionAgent, string>> = { 'claude-code': 'Claude Code', codex: 'Codex' };

export interface SessionSummary {
  readonly sessionId: string;
  readonly path: string;
  readonly project: string | null;
  readonly title: string | null;
  readonly firstActivity: string | null;
  readonly lastActivity: string | null;
  readonly sizeBytes: number;
  readonly version: string | null;
  readonly health: SessionHealth;
  readonly errors: number;
  readonly warnings: number;
  readonly subagents: readonly string[];
  readonly agent: SessionAgent;
}

export class UnexpectedSessionListError extends Error {
  constructor(detail: string) {
    super(`The server answered sessionLsp.listSessions with an unexpected result: ${detail}`);
    this.name = 'UnexpectedSessionListError';
  }
}

const isTranscriptPath = (value: string): boolean => /^(\/|[A-Za-z]:[\\/])/.test(value) && value.endsWith('.jsonl');

const isStringOrNull = (value: unknown): value is string | null => value === null || typeof value === 'string';

/** Checks one summary from the server; the message names the first field that does not fit. */
function asSessionSummary(value: unknown, position: number): SessionSummary {
  if (typeof value !== 'object' || value === null) {
    throw new UnexpectedSessionListError(`item ${position} is not an object`);
  }
  const record = value as Record<string, unknown>;
  const wrong = (field: string): never => {
    throw new UnexpectedSessionListError(`item ${position} has a bad "${field}": ${JSON.stringify(record[field])?.slice(0, 80)}`);
  };
  for (const field of ['sessionId', 'path'] as const) {
    if (typeof record[field] !== 'string') wrong(field);
  }
  // The tree opens, fixes and saves the file at `path`: only an absolute transcript path will do.
  if (!isTranscriptPath(record.path as string)) wrong('path');
  for (const field of ['project', 'title', 'firstActivity', 'lastActivity', 'version'] as const) {
    if (!isStringOrNull(record[field])) wrong(field);
  }
  for (const field of ['sizeBytes', 'errors', 'warnings'] as const) {
    if (typeof record[field] !== 'number') wrong(field);
  }
  if (!(SESSION_HEALTHS as readonly unknown[]).includes(record.health)) wrong('health');
  const subagents = record.subagents ?? [];
  if (!Array.isArray(subagents) || !subagents.every((item) => typeof item === 'string')) wrong('subagents');
  // A server older than the field lists Claude Code's sessions only.
  const agent = record.agent ?? 'claude-code';
  if (!(SESSION_AGENTS as readonly unknown[]).includes(agent)) wrong('agent');
  return { ...(record as unknown as SessionSummary), subagents: subagents as string[], agent: agent as SessionAgent };
}

export function asSessionSummaries(value: unknown): SessionSummary[] {
  if (!Array.isArray(value)) {
    throw new UnexpectedSessionListError(`not an array: ${JSON.stringify(value)?.slice(0, 120)}`);
  }
  const summaries = value.map(asSessionSummary);
  // The tree's item ids are the paths; VS Code refuses to draw a tree with a repeated id.
  const firstAt = new Map<string, number>();
  summaries.forEach((summary, position) => {
    const earlier = firstAt.get(summary.path);
    if (earlier !== undefined) {
      throw new UnexpectedSessionListError(`item ${position} repeats the path of item ${earlier}: ${summary.path}`);
    }
    firstAt.set(summary.path, position);
  });
  return summaries;
}

export interface ProjectGroup {
  /** The project's folder (the `cwd` of its lines), or undefined when no line names one. */
  readonly project: string | undefined;
  /** Newest first. */
  readonly sessions: readonly SessionSummary[];
  readonly broken: number;
}

function activityTime(session: SessionSummary): number {
  const time = session.lastActivity === null ? Number.NaN : Date.parse(session.lastActivity);
  return Number.isNaN(time) ? Number.NEGATIVE_INFINITY : time;
}

/** Newest last activity first; sessions without one last; ties by path so the order is stable. */
export function newestFirst(left: SessionSummary, right: SessionSummary): number {
  const difference = activityTime(right) - activityTime(left);
  if (difference !== 0 && !Number.isNaN(difference)) {
    return difference;
  }
  return left.path < right.path ? -1 : left.path > right.path ? 1 : 0;
}

/** What counts for the "broken only" filter: sessions that will not resume or cannot be read. */
export function needsAttention(session: SessionSummary): boolean {
  return session.health === 'broken' || session.health === 'unreadable';
}

/**
 * Groups by project, each group newest first, groups ordered by their newest session, the
 * sessions without a project in one group at the end. With `brokenOnly`, only sessions that need
 * attention are kept, and groups left empty are dropped.
 */
export function groupByProject(sessions: readonly SessionSummary[], brokenOnly: boolean): ProjectGroup[] {
  const groups = new Map<string | undefined, SessionSummary[]>();
  for (const session of sessions) {
    if (brokenOnly && !needsAttention(session)) {
      continue;
    }
    const key = session.project ?? undefined;
    const members = groups.get(key) ?? [];
    members.push(session);
    groups.set(key, members);
  }
  const result = [...groups.entries()].map(([project, members]) => ({
    project,
    sessions: members.sort(newestFirst),
    broken: members.filter(needsAttention).length,
  }));
  return result.sort((left, right) => {
    if ((left.project === undefined) !== (right.project === undefined)) {
      return left.project === undefined ? 1 : -1;
    }
    return newestFirst(left.sessions[0], right.sessions[0]);
  });
}

/** A codicon and the theme colour it is drawn in, per health. */
export interface HealthIcon {
  readonly codicon: string;
  readonly color: string;
  readonly label: string;
}

export const HEALTH_ICONS: Readonly<Record<SessionHealth, HealthIcon>> = {
  ok: { codicon: 'pass', color: 'testing.iconPassed', label: 'resumes cleanly' },
  broken: { codicon: 'error', color: 'testing.iconFailed', label: 'broken: will fail to resume' },
  live: { codicon: 'pulse', color: 'charts.blue', label: 'live: being written now' },
  unreadable: { codicon: 'warning', color: 'list.warningForeground', label: 'unreadable' },
};

/** `1.2 MB`, `340 KB`, `12 B`. */
export function formatSize(sizeBytes: number): string {
  if (sizeBytes < 1024) {
    return `${sizeBytes} B`;
  }
  if (sizeBytes < 1024 * 1024) {
    return `${Math.round(sizeBytes / 1024)} KB`;
  }
  const megabytes = sizeBytes / (1024 * 1024);
  return `${megabytes < 10 ? megabytes.toFixed(1) : Math.round(megabytes)} MB`;
}

const UNITS: readonly [number, string][] = [
  [365 * 24 * 3600, 'year'],
  [30 * 24 * 3600, 'month'],
  [7 * 24 * 3600, 'week'],
  [24 * 3600, 'day'],
  [3600, 'hour'],
  [60, 'minute'],
];

/** `just now`, `5 minutes ago`, `3 days ago`; undefined when the time is unknown. */
export function formatRelativeTime(isoTime: string | null, now: number): string | undefined {
  const time = isoTime === null ? Number.NaN : Date.parse(isoTime);
  if (Number.isNaN(time)) {
    return undefined;
  }
  const seconds = Math.max(0, Math.round((now - time) / 1000));
  for (const [size, unit] of UNITS) {
    if (seconds >= size) {
      const count = Math.floor(seconds / size);
      return `${count} ${unit}${count === 1 ? '' : 's'} ago`;
    }
  }
  return 'just now';
}

/** The tree row's label: the title (one line), else the session id. */
export function sessionLabel(session: SessionSummary): string {
  return titleLabel(session.title, session.sessionId);
}

/** The grey text after the label: size and age, after the agent's name for a Codex session. */
export function sessionDescription(session: SessionSummary, now: number): string {
  const age = formatRelativeTime(session.lastActivity, now);
  const parts = [formatSize(session.sizeBytes), ...(age === undefined ? [] : [age])];
  return (session.agent === 'codex' ? [AGENT_NAMES.codex, ...parts] : parts).join(' · ');
}

/** Plain-text tooltip (never Markdown: the title is transcript text). */
export function sessionTooltip(session: SessionSummary): string {
  const lines = [
    sessionLabel(session),
    `Health: ${HEALTH_ICONS[session.health].label} (${plural(session.errors, 'error')}, ${plural(session.warnings, 'warning')})`,
    `Session: ${session.sessionId}`,
    `File: ${session.path}`,
    `Project: ${session.project ?? 'unknown'}`,
    `${AGENT_NAMES[session.agent]}: ${session.version ?? 'unknown version'}`,
    `First activity: ${session.firstActivity ?? 'unknown'}`,
    `Last activity: ${session.lastActivity ?? 'unknown'}`,
    `Size: ${formatSize(session.sizeBytes)}`,
  ];
  if (session.subagents.length > 0) {
    lines.push(`Sub-agents: ${session.subagents.length}`);
  }
  return lines.join('\n');
}

/** `~/code` for a folder under the home folder; any other folder as it is (`/home/adam` stays). */
export function tildePath(folder: string, homeDirectory: string): string {
  if (folder === homeDirectory) {
    return '~';
  }
  return folder.startsWith(`${homeDirectory}/`) ? `~${folder.slice(homeDirectory.length)}` : folder;
}

/**
 * The shell command that resumes a session (run in its project folder), for the user to paste
 * into a terminal; undefined when the id has no form that is safe there. The id comes from the
 * server (a file name, in the end): anything but a plain id is quoted so that it stays one
 * argument and runs nothing. POSIX shells get single quotes. On Windows the user may paste into
 * PowerShell or cmd.exe, so the id is double-quoted, which both read alike unless it holds what
 * one of them still expands there (`%`, `!`, `$`, a backquote) or cannot write at all (`"`, and
 * PowerShell's typographic double quotes); such an id has no safe form. Control characters
 * (a terminal's escape sequences) have none anywhere, and neither has an id starting with `-`,
 * which claude would take for an option (`--dangerously-skip-permissions`). A Codex session is
 * resumed by `codex resume <id>`, what `session-lsp resume` prints for it; never by claude.
 */
export function resumeCommand(
  session: Pick<SessionSummary, 'sessionId'> & Partial<Pick<SessionSummary, 'agent'>>,
  platform: NodeJS.Platform = process.platform,
): string | undefined {
  if (session.sessionId.startsWith('-')) {
    return undefined;
  }
  const word = platform === 'win32' ? windowsShellWord(session.sessionId) : posixShellWord(session.sessionId);
  const program = session.agent === 'codex' ? 'codex resume' : 'claude --resume';
  return word === undefined ? undefined : `${program} ${word}`;
}

const PLAIN_WORD = /^[A-Za-z0-9._-]+$/;
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

function posixShellWord(text: string): string | undefined {
  if (CONTROL.test(text)) {
    return undefined;
  }
  return PLAIN_WORD.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

function windowsShellWord(text: string): string | undefined {
  if (PLAIN_WORD.test(text)) {
    return text;
  }
  if (CONTROL.test(text) || /["%!$`\u201c\u201d\u201e]/.test(text)) {
    return undefined;
  }
  // A program reads backslashes before the closing quote as escaping it: double them.
  const trailing = /\\*$/.exec(text)?.[0] ?? '';
  return `"${text}${trailing}"`;
}

/**
 * The folder Claude Code keeps projects in, as the server resolves it when no root is given:
 * `$CLAUDE_CONFIG_DIR/projects`, else `~/.claude/projects`. The tree watches it for changes.
 */
export function defaultProjectsRoot(environment: NodeJS.ProcessEnv, homeDirectory: string): string {
  const configured = environment.CLAUDE_CONFIG_DIR?.trim();
  const base = configured === undefined || configured === '' ? `${homeDirectory}/.claude` : configured.replace(/\/+$/, '');
  return `${base}/projects`;
}

/**
 * The folder Codex keeps its rollouts in, which the server lists beside the projects root:
 * `$CODEX_HOME/sessions`, else `~/.codex/sessions`. The tree watches it too.
 */
export function codexSessionsRoot(environment: NodeJS.ProcessEnv, homeDirectory: string): string {
  const configured = environment.CODEX_HOME?.trim();
  const base = configured === undefined || configured === '' ? `${homeDirectory}/.codex` : configured.replace(/\/+$/, '');
  return `${base}/sessions`;
}
