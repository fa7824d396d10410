import assert from 'node:assert/strict';
import { test } from 'node:test';
import { diffCounts, diffLines, firstLine, formatDuration, formatTokens, toolHeadline } from '../../src/common/toolView';

test('a tool card leads with what a person reads: the command, the path, the query', () => {
  assert.deepEqual(toolHeadline(JSON.stringify({ command: 'npm test', description: 'Run tests' })), { role: 'command', text: 'npm test' });
  assert.deepEqual(toolHeadline(JSON.stringify({ command: ['bash', '-lc', 'ls'] })), { role: 'command', text: 'bash -lc ls' });
  assert.deepEqual(toolHeadline(JSON.stringify({ file_path: '/src/a.ts', old_string: 'a', new_string: 'b' })), { role: 'path', text: '/src/a.ts' });
  assert.deepEqual(toolHeadline(JSON.stringify({ pattern: 'retry', path: 'src' })), { role: 'query', text: 'retry  in src' });
  assert.deepEqual(toolHeadline(JSON.stringify({ pattern: '**/*.ts' })), { role: 'query', text: '**/*.ts' });
  assert.deepEqual(toolHeadline(JSON.stringify({ query: 'vscode webview csp' })), { role: 'query', text: 'vscode webview csp' });
  assert.deepEqual(toolHeadline(JSON.stringify({ description: 'Explore the parser', prompt: 'A long brief…' })), { role: 'query', text: 'Explore the parser' });
  assert.equal(toolHeadline(JSON.stringify({ todos: [] })), null, 'nothing to lead with: the JSON is the fallback');
  assert.deepEqual(toolHeadline('not json'), { role: 'text', text: 'not json' });
  assert.equal(toolHeadline(''), null);
});

test('a diff\'s lines are told apart for their colours, and counted', () => {
  const diff = '--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n keep\n-old\n+new\n+more\n';
  assert.deepEqual(
    diffLines(diff).map((line) => line.kind),
    ['file', 'file', 'hunk', 'context', 'removed', 'added', 'added'],
  );
  assert.deepEqual(diffCounts(diff), { added: 2, removed: 1 });
});

test('first lines, durations and token counts read short', () => {
  assert.equal(firstLine('\n  Let me think.\nMore.'), 'Let me think.');
  assert.equal(firstLine('x'.repeat(300), 10), `${'x'.repeat(9)}…`);
  assert.equal(formatDuration(850), '850 ms');
  assert.equal(formatDuration(12_400), '12 s');
  assert.equal(formatDuration(185_000), '3 min 5 s');
  assert.equal(formatTokens(812), '812');
  assert.equal(formatTokens(12_345), '12k');
  assert.equal(formatTokens(1_234), '1.2k');
  assert.equal(formatTokens(2_500_000), '2.5M');
});
