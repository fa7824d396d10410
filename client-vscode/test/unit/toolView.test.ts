import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cardHeadline, diffCounts, diffLines, firstLine, formatDuration, formatTokens, inputObject, processHeadline, toolHeadline, typedKeys, visibleLine, visibleText } from '../../src/common/toolView';

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

test('an input a page cut short still leads with the fields written before the cut', () => {
  const write = JSON.stringify({ file_path: '/src/"big".py', content: 'line\n'.repeat(2000) }, null, 1);
  assert.deepEqual(toolHeadline(write.slice(0, 4000)), { role: 'path', text: '/src/"big".py' });
  const plan = JSON.stringify({ description: 'Explore é', prompt: 'x'.repeat(5000) });
  assert.deepEqual(toolHeadline(plan.slice(0, 100)), { role: 'query', text: 'Explore é' });
  const split = JSON.stringify({ command: 'echo é' }, null, 0).replace('é', '\\u00e9');
  assert.deepEqual(toolHeadline(split.slice(0, split.indexOf('\\u00e9') + 4)), { role: 'command', text: 'echo ' });
  assert.deepEqual(toolHeadline('{ "cut before any field'), { role: 'text', text: '{ "cut before any field' });
});

test('a removed line that looks like a file header is counted as removed', () => {
  const diff = '--- a/q.sql\n+++ b/q.sql\n@@ -1,3 +1,2 @@\n-- old comment\n--- older\n select 1;\n+++ x\n';
  assert.deepEqual(
    diffLines(diff).map((line) => line.kind),
    ['file', 'file', 'hunk', 'removed', 'removed', 'context', 'added'],
  );
  assert.deepEqual(diffCounts(diff), { added: 1, removed: 2 });
});

test("only the object's own fields are read from a cut input, not a nested object's", () => {
  const text = JSON.stringify({ edits: [{ file_path: '/nested' }], note: 'a \\" b', big: 'x'.repeat(9000) });
  assert.deepEqual(inputObject(text.slice(0, 200))?.file_path, undefined);
  assert.equal(inputObject(text.slice(0, 200))?.note, 'a \\" b');
});

test('a card leads with the files a patch changed and with how far a plan got', () => {
  const patch = '*** Begin Patch\n*** Update File: src/a.ts\n@@\n-a\n+b\n*** End Patch';
  const diff = '--- a/src/a.ts\n+++ b/src/a.ts\n@@ -1 +1 @@\n-a\n+b\n--- /dev/null\n+++ b/docs/new.md\n@@ -0,0 +1 @@\n+x\n--- a/old.txt\n+++ /dev/null\n';
  assert.deepEqual(cardHeadline(patch, diff, null), { role: 'path', text: 'src/a.ts, docs/new.md, old.txt' });
  const todos = [{ content: 'write tests', status: 'completed' }, { content: 'ship', status: 'in_progress' }];
  assert.deepEqual(cardHeadline(JSON.stringify({ plan: [] }), null, todos), { role: 'plan', text: '1 of 2 done · now: ship' });
  assert.deepEqual(cardHeadline(JSON.stringify({ todos: [] }), null, []), { role: 'plan', text: 'emptied' });
  assert.deepEqual(cardHeadline(JSON.stringify({ file_path: '/x.ts' }), diff, null), { role: 'path', text: '/x.ts' }, 'the input says it first');
});

test('a poll reads as the command it waits on, input as the keys it types, every key visible', () => {
  const sed = "sed -n '1,220p' skills/brainstorming/SKILL.md";
  const poll = JSON.stringify({ session_id: 20936, chars: '', yield_time_ms: 1000 });
  assert.deepEqual(cardHeadline(poll, null, null, { command: sed, typed: '' }), { role: 'process', text: `waits on $ ${sed}` });
  assert.deepEqual(cardHeadline(poll, null, null, { command: sed, typed: '\u0003' }), { role: 'process', text: `types ^C into $ ${sed}` });
  assert.equal(cardHeadline(poll, null, null, null), null, 'a poll of a process no call named: its arguments, as before');
  assert.equal(typedKeys('y\n'), 'y⏎');
  assert.equal(typedKeys('npm test\r\n'), '"npm test⏎"');
  assert.equal(typedKeys('\x1b[A\x7f\x00\t'), '^[[A^?^@^I');
  assert.equal(typedKeys('ok 👍'), '"ok 👍"', 'an emoji is one character, not two escaped halves');
});

test('hostile keys and a hostile command: no control character or bidi override survives in the headline', () => {
  const keys = '\x1b[2J\x1b]8;;https://e.com\x07link\u202egnp.exe\n<script>';
  const command = 'echo `x` [x](command:rm) <img src=x onerror=alert(1)>';
  const headline = processHeadline({ command, typed: keys });
  assert.equal(headline.text, `types ^[[2J^[]8;;https://e.com^Glink\\u202egnp.exe⏎<script> into $ ${command}`);
  assert.ok(![...headline.text].some((character) => character.charCodeAt(0) < 0x20 || character === '\u202e'));
});

test('a call acting on spawned sub-agents reads as what it does to them', () => {
  const wait = JSON.stringify({ ids: ['019e1700-0000-7000-8000-000000000001'], timeout_ms: 30000 });
  const actsOn = { verb: 'waits for', agents: [{ name: 'Curie' }, { name: 'Check the docs' }] };
  assert.deepEqual(cardHeadline(wait, null, null, null, actsOn), { role: 'agents', text: 'waits for Curie, Check the docs' });
  assert.equal(cardHeadline(wait, null, null, null, null), null, 'no earlier spawn named: its arguments, as before');
});

test('a bidi override or a control character is shown as its escape, as show prints it; line breaks kept in a block, one space in a line', () => {
  const command = 'echo cleanup # \u202e; / fr- mr\u202c';
  assert.equal(visibleLine(command), 'echo cleanup # \\u202e; / fr- mr\\u202c');
  assert.equal(visibleText('ok\r\n\x1b[31mred\x1b[0m\tdone\n\u2066x\u2069 \ud800 👍 e\u0301'), 'ok\n\\x1b[31mred\\x1b[0m\tdone\n\\u2066x\\u2069 \\ud800 👍 e\u0301');
  assert.equal(visibleLine('  Bash\n\tcall\u2028two  '), 'Bash call\\u2028two');
  assert.equal(visibleText('\x85\u061c\u200e\u200f\u202a'), '\\x85\\u061c\\u200e\\u200f\\u202a');
});

test('a question to the user leads its card with what it asks, as show says it, not its options', () => {
  const one = { question: 'Which rig?\nPick one.', header: 'Rig', options: [{ label: 'Rig A' }] };
  assert.deepEqual(toolHeadline(JSON.stringify({ questions: [one] })), { role: 'text', text: 'asks: Which rig?' });
  assert.deepEqual(toolHeadline(JSON.stringify({ questions: [one, { ...one, question: 'And the port?' }] })), { role: 'text', text: 'asks: Which rig?  (+1 more)' });
  assert.equal(toolHeadline(JSON.stringify({ questions: [{ header: 'x' }] })), null, 'nothing asked: no headline');
});
