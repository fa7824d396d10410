import assert from 'node:assert/strict';
import { test } from 'node:test';
import { markedPieces } from '../../src/common/searchMarks';

function shown(snippet: string, query: string): string {
  return markedPieces(snippet, query).map((piece) => (piece.marked ? `[${piece.text}]` : piece.text)).join('');
}

test('every place the snippet shows the query is marked, whatever its case', () => {
  assert.equal(shown('…Retry the upload, then RETRY it', 'retry'), '…[Retry] the upload, then [RETRY] it');
  assert.equal(shown('retry', 'Retry '), '[retry]');
  assert.equal(shown('no such word', 'retry'), 'no such word');
});

test('a character whose lower case is longer keeps every later mark in its place', () => {
  assert.equal(shown('İstanbul retry', 'retry'), 'İstanbul [retry]');
  assert.equal(shown('😀 RETRY', 'retry'), '😀 [RETRY]');
});

test('an empty query marks nothing and the pieces always give back the snippet', () => {
  assert.deepEqual(markedPieces('text', '  '), [{ text: 'text', marked: false }]);
  assert.deepEqual(markedPieces('', 'x'), [{ text: '', marked: false }]);
  const snippet = 'aXa xa';
  assert.equal(markedPieces(snippet, 'xa').map((piece) => piece.text).join(''), snippet);
});
