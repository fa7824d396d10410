import assert from 'node:assert/strict';
import { test } from 'node:test';
import { asConversationPage, asSearchHits, asViewMessage, asWholeItem, pageOffset, type ConversationFinding } from '../../src/common/conversation';
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

test('the view fields are kept: segments and the assistant label; a segment that does not fit is dropped', () => {
  const page = asConversationPage(
    conversationPage('/p/s.jsonl', {
      assistantLabel: 'Codex',
      segment: 1,
      segments: [{ index: 0, firstLine: 0, lastLine: 9, items: 4, summary: 'Earlier work' }, { index: 1, firstLine: 10, lastLine: 24, items: 2, summary: null }, { index: 'x' }],
    }),
  );
  assert.equal(page.assistantLabel, 'Codex');
  assert.equal(page.segment, 1);
  assert.deepEqual(page.segments.map((segment) => [segment.index, segment.items, segment.summary]), [[0, 4, 'Earlier work'], [1, 2, null]]);
  assert.equal(asConversationPage(conversationPage('/p', { assistantLabel: undefined })).assistantLabel, 'Assistant');
});

test('a segment\'s kind and fork line are read; an older server\'s segments, with neither, read as compacted history', () => {
  const page = asConversationPage(
    conversationPage('/p/s.jsonl', {
      segment: 2,
      segments: [
        { index: 0, firstLine: 0, lastLine: 9, items: 4, summary: 'Earlier work' },
        { index: 1, firstLine: 12, lastLine: 14, items: 2, summary: 'again', kind: 'abandoned', forkLine: 11 },
        { index: 2, firstLine: 10, lastLine: 24, items: 2, summary: null, kind: 'current', forkLine: null },
        { index: 3, firstLine: 30, lastLine: 31, items: 1, summary: null, kind: 'hologram', forkLine: 'x' },
      ],
    }),
  );
  assert.deepEqual(page.segments.map((segment) => [segment.kind, segment.forkLine]), [['compacted', null], ['abandoned', 11], ['current', null], ['compacted', null]]);
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

test('the reader fields are read: diff, plan, sub-agent, duration, model and usage; an unknown todo status counts as not done', () => {
  const usage = { input: 3, output: 13, outputPartial: false, cacheRead: 11515, cacheCreation: 13835 };
  const todos = [
    { content: 'write tests', status: 'completed' },
    { content: 'ship it', status: 'blocked' },
  ];
  const tool = {
    id: 't',
    name: 'Task',
    input: '{}',
    result: 'done',
    isError: false,
    status: 'answered',
    callLine: 4,
    resultLine: 9,
    agentFile: null,
    durationMs: 2500,
    diff: '--- /dev/null\n+++ /p/a\n@@ -0,0 +1 @@\n+a\n',
    todos,
    agent: { file: '/p/s/subagents/agent-a1.jsonl', title: 'Draft beads', items: 19, errors: 0, usage },
  };
  const page = asConversationPage(
    conversationPage('/p/s.jsonl', {
      items: [{ index: 0, kind: 'tool', lines: [4, 9], timestamp: null, text: null, truncated: false, tool, findings: [], model: 'claude-opus-4-6', usage }],
      lastTodos: { index: 0, todos },
      usage,
      contextTokens: 25353,
    }),
  );
  const read = page.items[0];
  assert.deepEqual(read.usage, usage);
  assert.equal(read.model, 'claude-opus-4-6');
  assert.equal(read.tool?.durationMs, 2500);
  assert.match(read.tool?.diff ?? '', /^--- \/dev\/null/);
  assert.deepEqual(read.tool?.agent, { file: '/p/s/subagents/agent-a1.jsonl', title: 'Draft beads', items: 19, errors: 0, usage });
  assert.deepEqual(
    read.tool?.todos?.map((todo) => todo.status),
    ['completed', 'pending'],
  );
  assert.equal(page.lastTodos?.index, 0);
  assert.equal(page.lastTodos?.segment, null, 'a server that does not say: the last segment');
  const planned = asConversationPage(conversationPage('/p/s.jsonl', { lastTodos: { index: 3, todos, segment: 0 } }));
  assert.equal(planned.lastTodos?.segment, 0, 'a plan written before a compaction names its segment');
  assert.deepEqual(page.usage, usage);
  assert.equal(page.contextTokens, 25353);
  const older = asConversationPage(conversationPage('/p/s.jsonl'));
  assert.equal(older.lastTodos, null);
  assert.equal(older.items[1].tool?.diff, null);
  assert.equal(older.items[1].usage, null);
  const badUsage = conversationPage('/p', { usage: { input: 'many' } });
  assert.throws(() => asConversationPage(badUsage), /usage\.input is not an integer/);
  const badTodos = conversationPage('/p', { lastTodos: { index: 0, todos: [{ status: 'pending' }] } });
  assert.throws(() => asConversationPage(badTodos), /lastTodos\.todos\[0\]\.content/);
});

test("a page carries its session's sub-agent files and their tokens; an older server none, a bad one is refused", () => {
  const usage = { input: 1238, output: 30557, outputPartial: true, cacheRead: 1727035, cacheCreation: 296384 };
  const page = asConversationPage(conversationPage('/p/s.jsonl', { subAgents: { files: 6, unreadable: 1, uncounted: 2, usage } }));
  assert.deepEqual(page.subAgents, { files: 6, unreadable: 1, uncounted: 2, usage });
  const { outputPartial: _unsaid, ...olderUsage } = usage;
  const unsaid = asConversationPage(conversationPage('/p/s.jsonl', { subAgents: { files: 6, unreadable: 1, uncounted: 2, usage: olderUsage } }));
  assert.equal(unsaid.subAgents?.usage?.outputPartial, false, 'a server that does not say: a whole count');
  assert.throws(() => asConversationPage(conversationPage('/p', { usage: { ...usage, outputPartial: 'yes' } })), /usage\.outputPartial is not a boolean/);
  const older = asConversationPage(conversationPage('/p/s.jsonl', { subAgents: { files: 6, unreadable: 0, usage } }));
  assert.equal(older.subAgents?.uncounted, 0, 'a server that does not say counted every file');
  const uncounted = asConversationPage(conversationPage('/p/s.jsonl', { subAgents: { files: 2, unreadable: 0, usage: null } }));
  assert.equal(uncounted.subAgents?.usage, null);
  assert.equal(asConversationPage(conversationPage('/p/s.jsonl')).subAgents, null);
  assert.throws(() => asConversationPage(conversationPage('/p', { subAgents: { files: 'six', unreadable: 0, usage: null } })), /subAgents\.files/);
  assert.throws(() => asConversationPage(conversationPage('/p', { subAgents: { files: 1, unreadable: 0, usage: { input: 1 } } })), /subAgents\.usage\.output/);
});

test('an item of sessionLsp.item is read like an item of a page', () => {
  const item = asWholeItem({ index: 7, kind: 'assistant', lines: [3, 3], timestamp: null, text: 'x'.repeat(9000), truncated: false, tool: null, findings: [], model: null, usage: null });
  assert.equal(item.text.length, 9000);
  assert.throws(() => asWholeItem({ index: 'seven' }), /index is not an integer/);
});

test('"Show all" asks for one item of the conversation (segment null) or of an earlier segment', () => {
  assert.deepEqual(asViewMessage({ type: 'loadItem', generation: 1, index: 4, segment: null }), { type: 'loadItem', generation: 1, index: 4, segment: null });
  assert.deepEqual(asViewMessage({ type: 'loadItem', generation: 1, index: 0, segment: 2, file: '/etc/passwd' }), { type: 'loadItem', generation: 1, index: 0, segment: 2 });
  assert.deepEqual(asViewMessage({ type: 'loadAgentItem', generation: 1, segment: null, index: 4, entry: 0, file: '/x' }), { type: 'loadAgentItem', generation: 1, segment: null, index: 4, entry: 0 });
  assert.equal(asViewMessage({ type: 'loadAgentItem', generation: 1, segment: null, index: 4 }), undefined);
  for (const bad of [{ type: 'loadItem', generation: 1, index: -1, segment: null }, { type: 'loadItem', generation: 1, index: 2 }, { type: 'loadItem', generation: 1, index: 2, segment: '0' }]) {
    assert.equal(asViewMessage(bad), undefined, JSON.stringify(bad));
  }
});

test('a call writing to a running command carries it; one that does not fit is refused with the place named', () => {
  const process = { command: "sed -n '1,220p' SKILL.md", typed: '\u0003', index: 8, segment: 0 };
  const tool = { id: 'c', name: 'write_stdin', input: '{"session_id":20936}', result: 'x', isError: true, status: 'error', callLine: 34, resultLine: 36, agentFile: null, process };
  const item = { index: 11, kind: 'tool', lines: [34, 36], timestamp: null, text: null, truncated: false, tool, findings: [] };
  const page = asConversationPage(conversationPage('/p/r.jsonl', { items: [item] }));
  assert.deepEqual(page.items[0].tool?.process, process);
  assert.equal(asConversationPage(conversationPage('/p')).items[1].tool?.process, null, 'an older server: none');
  const bad = conversationPage('/p', { items: [{ ...item, tool: { ...tool, process: { ...process, index: -1 } } }] });
  assert.throws(() => asConversationPage(bad), /items\[0\]\.tool\.process\.index is not an index/);
  const noCommand = conversationPage('/p', { items: [{ ...item, tool: { ...tool, process: { typed: '', index: 0, segment: 0 } } }] });
  assert.throws(() => asConversationPage(noCommand), /process\.command is not a string/);
});

test('a call acting on spawned sub-agents carries them; an agent that does not fit is refused with the place named', () => {
  const actsOn = { verb: 'closes', agents: [{ name: 'Curie', index: 0, segment: 0 }] };
  const tool = { id: 'c', name: 'close_agent', input: '{"id":"x"}', result: '{}', isError: false, status: 'answered', callLine: 3, resultLine: 4, agentFile: null, actsOn };
  const item = { index: 2, kind: 'tool', lines: [3, 4], timestamp: null, text: null, truncated: false, tool, findings: [] };
  assert.deepEqual(asConversationPage(conversationPage('/p/r.jsonl', { items: [item] })).items[0].tool?.actsOn, actsOn);
  assert.equal(asConversationPage(conversationPage('/p')).items[1].tool?.actsOn, null, 'an older server: none');
  const bad = conversationPage('/p', { items: [{ ...item, tool: { ...tool, actsOn: { verb: 'closes', agents: [{ name: 'Curie', index: 0 }] } } }] });
  assert.throws(() => asConversationPage(bad), /items\[0\]\.tool\.actsOn\.agents\[0\]\.index or segment is not an index/);
});

test('a rejected call carries what the user said; an older server sends none, a value that is no text is refused', () => {
  const tool = { id: 'c', name: 'Bash', input: '{"command":"npm install"}', result: 'The user doesn\'t want to proceed…', isError: true, status: 'rejected', callLine: 3, resultLine: 4, agentFile: null, rejection: 'use pnpm' };
  const item = { index: 2, kind: 'tool', lines: [3, 4], timestamp: null, text: null, truncated: false, tool, findings: [] };
  const read = asConversationPage(conversationPage('/p/s.jsonl', { items: [item] })).items[0].tool;
  assert.equal(read?.status, 'rejected');
  assert.equal(read?.rejection, 'use pnpm');
  assert.equal(asConversationPage(conversationPage('/p')).items[1].tool?.rejection, null, 'an older server: none');
  const bad = conversationPage('/p', { items: [{ ...item, tool: { ...tool, rejection: 7 } }] });
  assert.throws(() => asConversationPage(bad), /items\[0\]\.tool\.rejection is not a string or null/);
});

test("a plan's explanation is read with its checklist; an older server sends none, a value that is no text is refused", () => {
  const tool = { id: 'c', name: 'update_plan', input: '{"explanation":"tests first"}', result: 'Plan updated', isError: false, status: 'answered', callLine: 3, resultLine: 4, agentFile: null, todos: [{ content: 'write tests', status: 'pending' }], explanation: 'tests first' };
  const item = { index: 2, kind: 'tool', lines: [3, 4], timestamp: null, text: null, truncated: false, tool, findings: [] };
  assert.equal(asConversationPage(conversationPage('/p/r.jsonl', { items: [item] })).items[0].tool?.explanation, 'tests first');
  assert.equal(asConversationPage(conversationPage('/p')).items[1].tool?.explanation, null, 'an older server: none');
  const bad = conversationPage('/p', { items: [{ ...item, tool: { ...tool, explanation: ['x'] } }] });
  assert.throws(() => asConversationPage(bad), /items\[0\]\.tool\.explanation is not a string or null/);
});

test("a sub-agent's call is named by its segment too: an earlier one's, or (null) the conversation's", () => {
  assert.deepEqual(asViewMessage({ type: 'loadAgent', generation: 2, segment: 0, index: 5, offset: 0 }), { type: 'loadAgent', generation: 2, segment: 0, index: 5, offset: 0 });
  assert.deepEqual(asViewMessage({ type: 'loadAgentItem', generation: 2, segment: 1, index: 5, entry: 3 }), { type: 'loadAgentItem', generation: 2, segment: 1, index: 5, entry: 3 });
  for (const bad of [{ type: 'loadAgent', generation: 2, index: 5, offset: 0 }, { type: 'loadAgent', generation: 2, segment: -1, index: 5, offset: 0 }, { type: 'loadAgentItem', generation: 2, segment: '0', index: 5, entry: 3 }]) {
    assert.equal(asViewMessage(bad), undefined, JSON.stringify(bad));
  }
});

test("a sub-agent item names its call; a hit's field is text, input or result (another is read as text)", () => {
  const page = asConversationPage(conversationPage('/p', { items: [{ index: 0, kind: 'sub-agent', lines: [3, 3], text: 'hi', findings: [], parentTool: 'toolu_9' }, { index: 1, kind: 'prompt', lines: [4, 4], text: 'go', findings: [] }] }));
  assert.deepEqual(page.items.map((item) => item.parentTool), ['toolu_9', null]);
  const hits = asSearchHits([{ segment: 0, index: 1, line: 4, field: 'input', snippet: 'a' }, { segment: 0, index: 2, line: 5, field: 'title', snippet: 'b' }]);
  assert.deepEqual(hits.map((hit) => hit.field), ['input', 'text']);
});

test('a tool says whether its change was made; an older server that does not is read from the status', () => {
  const diff = '--- a\n+++ b\n@@ -1 +1 @@\n-x\n+y';
  const read = (tool: Record<string, unknown>) =>
    asConversationPage(conversationPage('/p', { items: [{ index: 0, kind: 'tool', lines: [0, 1], timestamp: null, text: null, truncated: false, findings: [], tool: { id: 'c', name: 'Edit', input: '{}', result: null, isError: false, callLine: 0, resultLine: null, agentFile: null, diff, ...tool } }] })).items[0].tool?.applied;
  assert.equal(read({ status: 'rejected', applied: false }), false);
  assert.equal(read({ status: 'unpaired', applied: null }), null);
  assert.equal(read({ status: 'answered' }), true, 'an older server: answered means made');
  assert.equal(read({ status: 'error' }), false);
  assert.throws(() => read({ status: 'answered', applied: 'yes' }), /applied is not a boolean or null/);
});
