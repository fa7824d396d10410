/**
 * Reading and validating the `sessionLsp.*` settings. The VS Code side passes a reader over
 * `workspace.getConfiguration('sessionLsp')`, so everything here is testable without VS Code.
 */
import { DEFAULT_TRANSCRIPT_GLOB } from './constants';

export const FIX_STRATEGIES = ['stub', 'purge', 'truncate'] as const;
export type FixStrategy = (typeof FIX_STRATEGIES)[number];
export const DEFAULT_FIX_STRATEGY: FixStrategy = 'stub';

/** One line per strategy for pickers; the same wording as the setting's enumDescriptions. */
export const FIX_STRATEGY_DETAILS: Readonly<Record<FixStrategy, string>> = {
  stub: 'Insert a stub tool_result for each tool_use that has none (keeps the whole conversation).',
  purge: 'Remove the broken records and re-link the chain around them.',
  truncate: 'Cut the session just before the first broken record.',
};

export const TRACE_LEVELS = ['off', 'messages', 'verbose'] as const;
export type TraceLevel = (typeof TRACE_LEVELS)[number];

export interface ExtensionSettings {
  /** `sessionLsp.server.path`: a `session-lsp` command line; `serve` is appended. Empty = unset. */
  readonly serverPath: readonly string[];
  /** `sessionLsp.interpreter`: a Python command line that runs the bundled server. Empty = unset. */
  readonly interpreter: readonly string[];
  /** All transcript globs: the built-in one followed by `sessionLsp.documentSelector`. */
  readonly transcriptGlobs: readonly string[];
  readonly fixStrategy: FixStrategy;
  readonly trace: TraceLevel;
  /** `sessionLsp.projectsRoot`: the folder the Sessions view lists. Undefined = the server's default. */
  readonly projectsRoot: string | undefined;
}

/** Returns the value of a setting below `sessionLsp.`, e.g. `read('server.path')`. */
export type SettingReader = (key: string) => unknown;

/** Values substituted in path-like settings, as ruff-vscode does for `ruff.path`. */
export interface PathVariables {
  readonly homeDirectory: string;
  readonly workspaceFolder: string | undefined;
}

/** Changing any of these needs a new server process (trace level is applied live by the client). */
export const SETTINGS_NEEDING_RESTART: readonly string[] = [
  'sessionLsp.server.path',
  'sessionLsp.interpreter',
  'sessionLsp.documentSelector',
  'sessionLsp.fix.strategy',
  'sessionLsp.projectsRoot',
];

export function readSettings(read: SettingReader, variables: PathVariables): ExtensionSettings {
  const projectsRoot = expandCommandLine(stringList([read('projectsRoot')]), variables)[0]?.replace(/(.)\/+$/, '$1');
  // The .jsonl files under a configured projects root are transcripts wherever that root is.
  const rootGlobs = projectsRoot === undefined ? [] : [`${projectsRoot}/**/*.jsonl`];
  const extraGlobs = [...stringList(read('documentSelector')), ...rootGlobs];
  return {
    serverPath: expandCommandLine(stringList(read('server.path')), variables),
    interpreter: expandCommandLine(stringList(read('interpreter')), variables),
    transcriptGlobs: [DEFAULT_TRANSCRIPT_GLOB, ...new Set(extraGlobs.filter((glob) => glob !== DEFAULT_TRANSCRIPT_GLOB))],
    fixStrategy: isFixStrategy(read('fix.strategy')) ? (read('fix.strategy') as FixStrategy) : DEFAULT_FIX_STRATEGY,
    trace: oneOf(read('trace.server'), TRACE_LEVELS, 'off'),
    projectsRoot,
  };
}

export function isFixStrategy(value: unknown): value is FixStrategy {
  return typeof value === 'string' && (FIX_STRATEGIES as readonly string[]).includes(value);
}

/** Keeps the non-blank strings of a list setting; anything else (a user typo) counts as unset. */
function stringList(value: unknown): string[] {
  if (!Array.isArray(value)) {
    return [];
  }
  return value.filter((item): item is string => typeof item === 'string').map((item) => item.trim()).filter((item) => item.length > 0);
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], fallback: T): T {
  return typeof value === 'string' && (allowed as readonly string[]).includes(value) ? (value as T) : fallback;
}

/** Expands a leading `~` and `${workspaceFolder}` / `${userHome}` in each element. */
export function expandCommandLine(commandLine: readonly string[], variables: PathVariables): string[] {
  return commandLine.map((part) => {
    let expanded = part.replace(/\$\{userHome\}/g, variables.homeDirectory);
    if (variables.workspaceFolder !== undefined) {
      expanded = expanded.replace(/\$\{workspaceFolder\}/g, variables.workspaceFolder);
    }
    if (expanded === '~' || expanded.startsWith('~/')) {
      expanded = variables.homeDirectory + expanded.slice(1);
    }
    return expanded;
  });
}
