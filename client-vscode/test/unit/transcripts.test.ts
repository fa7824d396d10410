import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_TRANSCRIPT_GLOB, EXTENSION_SYNC_LIMIT } from '../../src/common/constants';
import { formatMegabytes, isTranscriptPath, largeFileMessage, needsDiskCheck } from '../../src/common/transcripts';

const GLOBS = [DEFAULT_TRANSCRIPT_GLOB];
const TRANSCRIPT = '/home/ada/.claude/projects/-home-ada-work/0b6c7e9e-1d3c-4a43-9d8b-6a3c0f7f2a11.jsonl';

test('Claude Code transcripts match the default glob; other JSON Lines files do not', () => {
  assert.equal(isTranscriptPath(TRANSCRIPT, GLOBS), true);
  assert.equal(isTranscriptPath('/tmp/ws/.claude/projects/p/sub/agent-1.jsonl', GLOBS), true);
  assert.equal(isTranscriptPath('C:\\Users\\ada\\.claude\\projects\\p\\s.jsonl', GLOBS), true);
  assert.equal(isTranscriptPath('/home/ada/data/events.jsonl', GLOBS), false);
  assert.equal(isTranscriptPath('/home/ada/.claude/projects/p/notes.json', GLOBS), false);
  assert.equal(isTranscriptPath('/home/ada/.claude/todos/t.jsonl', GLOBS), false);
});

test('extra globs from sessionLsp.documentSelector are honoured', () => {
  assert.equal(isTranscriptPath('/data/transcripts/run-1.jsonl', [...GLOBS, '**/transcripts/*.jsonl']), true);
});

test('only an unsynced transcript over 50 MB needs the on-disk check', () => {
  const over = EXTENSION_SYNC_LIMIT + 1;
  assert.equal(needsDiskCheck({ fsPath: TRANSCRIPT, synced: false, sizeInBytes: over }, GLOBS), true);
  assert.equal(needsDiskCheck({ fsPath: TRANSCRIPT, synced: false, sizeInBytes: EXTENSION_SYNC_LIMIT }, GLOBS), false, 'at the limit it is still synced');
  assert.equal(needsDiskCheck({ fsPath: TRANSCRIPT, synced: true, sizeInBytes: over }, GLOBS), false);
  assert.equal(needsDiskCheck({ fsPath: '/data/huge.jsonl', synced: false, sizeInBytes: over }, GLOBS), false);
});

test('the large-file message gives the size and the limit', () => {
  assert.equal(formatMegabytes(93.4 * 1024 * 1024), '93.4 MB');
  const message = largeFileMessage('s.jsonl', 60 * 1024 * 1024);
  assert.match(message, /s\.jsonl is 60\.0 MB/);
  assert.match(message, /over 50\.0 MB/);
  assert.match(message, /on disk/);
});
