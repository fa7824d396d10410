/**
 * Types of the server commands' results and how the extension presents them. Results come from
 * another process, so each is checked before use rather than trusted.
 */

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
  readonly restored: string | null;
  readonly message: string;
}

export interface ForkSessionResult {
  readonly path: string;
  readonly sessionId: string;
  readonly resumeCommand: string;
}

export interface FixAllResult {
  readonly applied: boolean;
}

export class UnexpectedResultError extends Error {
  constructor(command: string, result: unknown) {
    super(`The server answered ${command} with an unexpected result: ${JSON.stringify(result)?.slice(0, 300)}`);
    this.name = 'UnexpectedResultError';
  }
}

type Shape = Record<string, 'string' | 'number' | 'boolean' | 'string|null' | 'array' | 'string?'>;

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

const FINDING_SHAPE: Shape = {
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

export function asCheckFileResult(command: string, value: unknown): CheckFileResult {
  if (!hasShape(value, { path: 'string', findings: 'array', errors: 'number' })) {
    throw new UnexpectedResultError(command, value);
  }
  const findings = value.findings as unknown[];
  if (!findings.every((finding) => hasShape(finding, FINDING_SHAPE))) {
    throw new UnexpectedResultError(command, value);
  }
  return value as unknown as CheckFileResult;
}

export function asFixFileResult(command: string, value: unknown): FixFileResult {
  if (!hasShape(value, { path: 'string', changed: 'boolean', backup: 'string|null', remainingErrors: 'number', message: 'string' })) {
    throw new UnexpectedResultError(command, value);
  }
  return value as unknown as FixFileResult;
}

export function asRestoreBackupResult(command: string, value: unknown): RestoreBackupResult {
  if (!hasShape(value, { restored: 'string|null', message: 'string' })) {
    throw new UnexpectedResultError(command, value);
  }
  return value as unknown as RestoreBackupResult;
}

export function asForkSessionResult(command: string, value: unknown): ForkSessionResult {
  if (!hasShape(value, { path: 'string', sessionId: 'string', resumeCommand: 'string' })) {
    throw new UnexpectedResultError(command, value);
  }
  return value as unknown as ForkSessionResult;
}

export function asFixAllResult(command: string, value: unknown): FixAllResult {
  if (!hasShape(value, { applied: 'boolean' })) {
    throw new UnexpectedResultError(command, value);
  }
  return value as unknown as FixAllResult;
}

/** A 0-based range, as VS Code and LSP count. */
export interface ZeroBasedRange {
  readonly startLine: number;
  readonly startCharacter: number;
  readonly endLine: number;
  readonly endCharacter: number;
}

/** Converts a finding's 1-based line/column span to a 0-based range. */
export function findingRange(finding: DiskFinding): ZeroBasedRange {
  return {
    startLine: Math.max(0, finding.line - 1),
    startCharacter: Math.max(0, finding.column - 1),
    endLine: Math.max(0, finding.endLine - 1),
    endCharacter: Math.max(0, finding.endColumn - 1),
  };
}

function plural(count: number, noun: string): string {
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
