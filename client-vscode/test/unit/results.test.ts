import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  asCheckFileResult,
  asFixAllResult,
  asFixFileResult,
  asForkSessionResult,
  asRestoreBackupResult,
  findingRange,
  summarizeCheck,
  summarizeFix,
  UnexpectedResultError,
  type DiskFinding,
} from '../../src/common/results';

const FINDING: DiskFinding = {
  path: '/t/s.jsonl',
  line: 25,
  column: 1,
  endLine: 25,
  endColumn: 80,
  severity: 'error',
  code: 'unpaired-tool-use',
  message: 'tool_use toolu_01 (Bash) has no tool_result',
  toolUseId: 'toolu_01',
};

test('well-formed results pass validation unchanged', () => {
  const check = { path: '/t/s.jsonl', findings: [FINDING], errors: 1 };
  assert.deepEqual(asCheckFileResult('c', check), check);
  const fix = { path: '/t/s.jsonl', changed: true, backup: '/t/s.jsonl.bak', remainingErrors: 0, message: 'ok' };
  assert.deepEqual(asFixFileResult('f', fix), fix);
  const restored = { restored: '/t/s.jsonl.bak', message: 'restored from s.jsonl.bak' };
  assert.deepEqual(asRestoreBackupResult('r', restored), restored);
  assert.deepEqual(asForkSessionResult('k', { path: '/t/n.jsonl', sessionId: 'n', resumeCommand: 'claude --resume n' }).sessionId, 'n');
  assert.deepEqual(asFixAllResult('a', { applied: false, message: 'nothing to repair' }), { applied: false, message: 'nothing to repair' });
});

test('malformed results are rejected with the command name', () => {
  assert.throws(() => asCheckFileResult('sessionLsp.checkFile', null), UnexpectedResultError);
  assert.throws(() => asCheckFileResult('sessionLsp.checkFile', { path: 'p', findings: [{ line: '1' }], errors: 1 }), /sessionLsp\.checkFile/);
  assert.throws(() => asFixFileResult('f', { path: 'p', changed: 'yes', backup: null, remainingErrors: 0, message: '' }));
  assert.throws(() => asFixAllResult('a', {}));
  assert.throws(() => asRestoreBackupResult('r', { restored: null, message: 'no backup' }), UnexpectedResultError);
});

test('1-based finding positions become 0-based ranges', () => {
  assert.deepEqual(findingRange(FINDING), { startLine: 24, startCharacter: 0, endLine: 24, endCharacter: 79 });
});

test('summaries count errors and other findings', () => {
  assert.equal(summarizeCheck('s.jsonl', { path: 'p', findings: [], errors: 0 }), 's.jsonl: no problems found.');
  assert.equal(
    summarizeCheck('s.jsonl', { path: 'p', findings: [FINDING, { ...FINDING, severity: 'warning' }], errors: 1 }),
    's.jsonl: 1 error and 1 other finding (listed in the Problems panel).',
  );
  assert.equal(
    summarizeFix('s.jsonl', { path: 'p', changed: true, backup: '/b', remainingErrors: 0, message: '' }),
    'Fixed s.jsonl. It now checks clean. Backup: /b.',
  );
  assert.equal(
    summarizeFix('s.jsonl', { path: 'p', changed: false, backup: null, remainingErrors: 2, message: 'the session is live' }),
    's.jsonl was not changed: the session is live',
  );
});
