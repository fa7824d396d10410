/**
 * Types of the server commands' results and how the extension presents them. Results come from
 * another process, so each is checked before use rather than trusted. The server's contract is
 * `commands.schema.json` (exported from `session_lsp/lsp/api.py`); the unit tests check every
 * shape below against it. A command that fails answers with a JSON-RPC error, which
 * `sendRequest` throws, so these results always describe work that was done.
 */
import { ServerCommands } from './constants';

export type FindingSeverity = 'error' | 'warning' | 'information' | 'hint';

/** One problem found by `sessionLsp.checkFile`; lines and columns are 1-based (like the CLI). */
export interface DiskFinding {
  readonly path: string;
  readonly line: number;
  readonly column: number;
  readonly endLine: number;
  readonly endColumn: number;
  readonly severity: FindingSeverity;
  readonly code: string;
  readonly message: string;
  readonly toolUseId?: string;
}

export interface CheckFileResult {
  readonly path: string;
  readonly findings: readonly DiskFinding[];
  readonly errors: number;
}

export interface FixFileResult {
  readonly path: string;
  readonly changed: boolean;
  readonly backup: string | null;
  readonly remainingErrors: number;
  readonly message: string;
}

export interface RestoreBackupResult {
  /** The backup the file was restored from. */
  readonly restored: string;
  readonly message: string;
}

export interface ForkSessionResult {
  readonly path: string;
  readonly sessionId: string;
  readonly resumeCommand: string;
}

export interface FixAllResult {
  /** False when there was nothing to repair or the edit was refused. */
  readonly applied: boolean;
  readonly message: string;
}

export class UnexpectedResultError extends Error {
  constructor(command: string, result: unknown) {
    super(`The server answered ${command} with an unexpected result: ${JSON.stringify(result)?.slice(0, 300)}`);
    this.name = 'UnexpectedResultError';
  }
}

export type FieldKind = 'string' | 'number' | 'boolean' | 'string|null' | 'array' | 'string?';
export type Shape = Readonly<Record<string, FieldKind>>;

function hasShape(value: unknown, shape: Shape): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) {
    return false;
  }
  const record = value as Record<string, unknown>;
  return Object.entries(shape).every(([key, kind]) => {
    const field = record[key];
    switch (kind) {
      case 'array':
        return Array.isArray(field);
      case 'string|null':
        return field === null || typeof field === 'string';
      case 'string?':
        return field === undefined || typeof field === 'string';
      default:
        return typeof field === kind;
    }
  });
}

export const FINDING_SHAPE: Shape = {
  path: 'string',
  line: 'number',
  column: 'number',
  endLine: 'number',
  endColumn: 'number',
  severity: 'string',
  code: 'string',
  message: 'string',
  toolUseId: 'string?',
};

/** What the extension checks in each command's result (the schema's `result`). */
export const RESULT_SHAPES = {
  [ServerCommands.checkFile]: { path: 'string', findings: 'array', errors: 'number' },
  [ServerCommands.fixFile]: { path: 'string', changed: 'boolean', backup: 'string|null', remainingErrors: 'number', message: 'string' },
  [ServerCommands.restoreBackup]: { restored: 'string', message: 'string' },
  [ServerCommands.forkSession]: { path: 'string', sessionId: 'string', resumeCommand: 'string' },
  [ServerCommands.fixAll]: { applied: 'boolean', message: 'string' },
} as const satisfies Readonly<Record<string, Shape>>;

function checked(command: string, value: unknown, shape: Shape): Record<string, unknown> {
  if (!hasShape(value, shape)) {
    throw new UnexpectedResultError(command, value);
  }
  return value;
}

export function asCheckFileResult(command: string, value: unknown): CheckFileResult {
  const result = checked(command, value, RESULT_SHAPES[ServerCommands.checkFile]);
  const findings = result.findings as unknown[];
  if (!findings.every((finding) => hasShape(finding, FINDING_SHAPE))) {
    throw new UnexpectedResultError(command, value);
  }
  return result as unknown as CheckFileResult;
}

export function asFixFileResult(command: string, value: unknown): FixFileResult {
  return checked(command, value, RESULT_SHAPES[ServerCommands.fixFile]) as unknown as FixFileResult;
}

export function asRestoreBackupResult(command: string, value: unknown): RestoreBackupResult {
  return checked(command, value, RESULT_SHAPES[ServerCommands.restoreBackup]) as unknown as RestoreBackupResult;
}

export function asForkSessionResult(command: string, value: unknown): ForkSessionResult {
  return checked(command, value, RESULT_SHAPES[ServerCommands.forkSession]) as unknown as ForkSessionResult;
}

export function asFixAllResult(command: string, value: unknown): FixAllResult {
  return checked(command, value, RESULT_SHAPES[ServerCommands.fixAll]) as unknown as FixAllResult;
}

/** A 0-based range, as VS Code and LSP count. */
export interface ZeroBasedRange {
  readonly startLine: number;
  readonly startCharacter: number;
  readonly endLine: number;
  readonly endCharacter: number;
}

/** Where a finding lies as the server reports it (a check or a conversation page): 1-based. */
export interface OneBasedSpan {
  readonly line: number;
  readonly column: number;
  readonly endLine: number;
  readonly endColumn: number;
}

/** Converts a finding's 1-based line/column span to a 0-based range. */
export function findingRange(finding: OneBasedSpan): ZeroBasedRange {
  return {
    startLine: Math.max(0, finding.line - 1),
    startCharacter: Math.max(0, finding.column - 1),
    endLine: Math.max(0, finding.endLine - 1),
    endCharacter: Math.max(0, finding.endColumn - 1),
  };
}

/** `1 error`, `2 errors`. */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

export function summarizeCheck(fileName: string, result: CheckFileResult): string {
  if (result.findings.length === 0) {
    return `${fileName}: no problems found.`;
  }
  const others = result.findings.length - result.errors;
  const parts = [plural(result.errors, 'error')];
  if (others > 0) {
    parts.push(plural(others, 'other finding'));
  }
  return `${fileName}: ${parts.join(' and ')} (listed in the Problems panel).`;
}

export function summarizeFix(fileName: string, result: FixFileResult): string {
  if (!result.changed) {
    return `${fileName} was not changed: ${result.message}`;
  }
  const backup = result.backup === null ? '' : ` Backup: ${result.backup}.`;
  const remaining = result.remainingErrors === 0 ? ' It now checks clean.' : ` ${plural(result.remainingErrors, 'error')} remain.`;
  return `Fixed ${fileName}.${remaining}${backup}`;
}
