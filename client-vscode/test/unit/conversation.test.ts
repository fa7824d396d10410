import assert from 'node:assert/strict';
import { test } from 'node:test';
import { asConversationPage, asViewMessage, pageOffset, type ConversationFinding } from '../../src/common/conversation';
import { findingRange } from '../../src/common/results';
import { conversationPage } from './fixtures';

test('a page of the contract is accepted; null text and a null callLine are kept as empty and null', () => {
  const page = asConversationPage(
    conversationPage('/p/s.jsonl', {
      items: [{ index: 0, kind: 'orphan-result', lines: [3, 3], timestamp: null, text: null, truncated: false, tool: { id: 't', name: '', input: null, result: 'x', isError: false, status: 'orphan', callLine: null, resultLine: 3, agentFile: null }, findings: [] }],
    }),
  );
  assert.equal(page.items[0].text, '');
  assert.equal(page.items[0].tool?.callLine, null);
  assert.equal(page.items[0].tool?.input, '');
  assert.equal(page.firstProblem, 1);
});

test('the reader fields are kept: a diff, a plan, use and time, the assistant label; odd ones are dropped, not refused', () => {
  const page = asConversationPage(
    conversationPage('/p/s.jsonl', {
      assistantLabel: 'Codex',
      usage: { input: 10, output: 5, cacheRead: 100, cacheCreation: -3 },
      lastTodos: { index: 0, todos: [{ content: 'Ship it', status: 'in_progress' }, 'junk'] },
      items: [
        {
          index: 0, kind: 'tool', lines: [1, 2], timestamp: null, text: '', truncated: false, findings: [], model: 'gpt-5', usage: 'lots',
          tool: { id: 't', name: 'Edit', input: '{}', result: 'ok', isError: false, status: 'answered', callLine: 1, resultLine: 2, agentFile: null, diff: '+a\n', todos: [{ content: 'Ship it', status: 'pending' }], durationMs: 1500 },
        },
      ],
    }),
  );
  assert.equal(page.assistantLabel, 'Codex');
  assert.deepEqual(page.usage, { input: 10, output: 5, cacheRead: 100, cacheCreation: 0 });
  assert.deepEqual(page.lastTodos, { index: 0, todos: [{ content: 'Ship it', status: 'in_progress' }] });
  const [item] = page.items;
  assert.equal(item.model, 'gpt-5');
  assert.equal(item.usage, null);
  assert.deepEqual([item.tool?.diff, item.tool?.durationMs, item.tool?.todos?.length], ['+a\n', 1500, 1]);
  assert.equal(asConversationPage(conversationPage('/p', { assistantLabel: undefined })).assistantLabel, 'Assistant');
});

test('a page that does not fit is refused with the place named; an unknown item kind from a newer server is shown as text', () => {
  assert.throws(() => asConversationPage([]), /not an object/);
  assert.throws(() => asConversationPage(conversationPage('/p', { total: '2' })), /total or offset/);
  const badTool = conversationPage('/p', { items: [{ index: 0, kind: 'tool', lines: [1, 1], tool: { id: 1 }, findings: [] }] });
  assert.throws(() => asConversationPage(badTool), /items\[0\]\.tool\.id is not a string/);
  const badLines = conversationPage('/p', { items: [{ index: 0, kind: 'prompt', lines: [1], findings: [] }] });
  assert.throws(() => asConversationPage(badLines), /items\[0\]\.lines/);
  const future = asConversationPage(conversationPage('/p', { items: [{ index: 0, kind: 'hologram', lines: [1, 1], text: 'hi', findings: [] }] }));
  assert.equal(future.items[0].kind, 'assistant');
});

test('only well-formed messages from the webview are accepted', () => {
  assert.deepEqual(asViewMessage({ type: 'reveal', line: 3 }), { type: 'reveal', line: 3 });
  assert.deepEqual(asViewMessage({ type: 'applyRepair', generation: 2, index: 5, finding: 0, title: 'Stub', extra: 1 }), {
    type: 'applyRepair',
    generation: 2,
    index: 5,
    finding: 0,
    title: 'Stub',
  });
  assert.deepEqual(asViewMessage({ type: 'openLink', href: 'https://example.com/a?b=c' }), { type: 'openLink', href: 'https://example.com/a?b=c' });
  for (const bad of [{ type: 'openLink', href: 'command:workbench.action.closeWindow' }, { type: 'openLink', href: 'file:///etc/passwd' }, { type: 'openLink', href: 'javascript:alert(1)' }, { type: 'openLink' }]) {
    assert.equal(asViewMessage(bad), undefined, JSON.stringify(bad));
  }
  for (const bad of [null, 'ready', { type: 'reveal', line: -1 }, { type: 'reveal', line: 1.5 }, { type: 'loadPage', offset: 0 }, { type: 'applyRepair', generation: 1, index: 1, finding: 0 }, { type: 'runCommand', command: 'x' }]) {
    assert.equal(asViewMessage(bad), undefined, JSON.stringify(bad));
  }
});

test('a finding span becomes a 0-based range; items map to the page that holds them', () => {
  const finding: ConversationFinding = { line: 25, column: 3, endLine: 25, endColumn: 40, severity: 'error', code: 'c', message: 'm' };
  assert.deepEqual(findingRange(finding), {
    startLine: 24,
    startCharacter: 2,
    endLine: 24,
    endCharacter: 39,
  });
  assert.deepEqual([pageOffset(0), pageOffset(199), pageOffset(200), pageOffset(1234)], [0, 0, 200, 1200]);
});
