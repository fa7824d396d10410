import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { asInitialFocus } from '../../src/common/conversation';
import { asSessionMatches, pickText, searchPickEntries, UnexpectedSearchAnswerError } from '../../src/common/sessionsSearch';

type Definition = { required?: string[] };
const DEFINITIONS = (JSON.parse(readFileSync(resolve(__dirname, '..', '..', '..', 'src', 'common', 'commands.schema.json'), 'utf8')) as { $defs: Record<string, Definition> }).$defs;

function matches(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    path: '/p/-work/s.jsonl',
    sessionId: 's',
    title: 'Fix the parser',
    project: '/work',
    modified: '2026-05-11T12:00:00+02:00',
    sizeBytes: 1200,
    agent: 'claude-code',
    segments: 2,
    hits: [
      { segment: 1, index: 11, line: 40, field: 'result', snippet: 'torn line at 40' },
      { segment: 0, index: 2, line: 3, field: 'text', snippet: 'before the compaction' },
    ],
    ...overrides,
  };
}

test("a search answer is read with the fields the server's contract sends", () => {
  assert.deepEqual(Object.keys(matches()).sort(), [...(DEFINITIONS.SessionMatches.required ?? [])].sort());
  const [read] = asSessionMatches([matches()]);
  assert.equal(read.path, '/p/-work/s.jsonl');
  assert.equal(read.segments, 2);
  assert.equal(read.hits.length, 2);
  assert.equal(asSessionMatches([matches({ agent: 'codex' })])[0].agent, 'codex');
  assert.throws(() => asSessionMatches({}), UnexpectedSearchAnswerError);
  assert.throws(() => asSessionMatches([matches({ path: 3 })]), /searchSessions\[0\]: path/);
});

test('each match says where it is, counted from 1 as the view counts, and in which session', () => {
  const entries = searchPickEntries(asSessionMatches([matches()]), 'torn', (iso) => `at ${iso.slice(0, 10)}`);
  assert.deepEqual(entries, [
    { label: 'torn line at 40', detail: 'item 12 · result — Fix the parser · Claude Code · at 2026-05-11', target: { path: '/p/-work/s.jsonl', segment: 1, index: 11 } },
    {
      label: 'before the compaction',
      detail: 'part 1 · item 3 · text — Fix the parser · Claude Code · at 2026-05-11',
      target: { path: '/p/-work/s.jsonl', segment: 0, index: 2 },
    },
  ]);
  const [untitled] = searchPickEntries(asSessionMatches([matches({ title: null, agent: 'codex' })]), 'torn', (iso) => iso);
  assert.match(untitled.detail, / — s · Codex · 2026-05-11T12:00:00\+02:00$/);
});

test('a match in an abandoned branch says which branch; an older server, which sends no count, has none', () => {
  const branched = matches({
    segments: 4,
    branches: 2,
    hits: [
      { segment: 0, index: 2, line: 3, field: 'text', snippet: 'before the compaction' },
      { segment: 2, index: 0, line: 30, field: 'text', snippet: 'the rewound try' },
    ],
  });
  const entries = searchPickEntries(asSessionMatches([branched]), 'try', () => 'now');
  assert.deepEqual(entries.map((entry) => entry.detail.split(' — ')[0]), ['part 1 · item 3 · text', 'branch 2 · item 1 · text']);
  assert.deepEqual(entries[1].target, { path: '/p/-work/s.jsonl', segment: 2, index: 0 });
  assert.equal(asSessionMatches([matches()])[0].branches, 0);
  assert.equal(asSessionMatches([matches({ branches: 9 })])[0].branches, 1, 'never more than the segments before the last');
});

test('transcript text in a quick pick is one line and never draws an icon', () => {
  assert.equal(pickText('run $(terminal) now\nand\u001b[31m red'), 'run \\$(terminal) now and [31m red');
  const [hit] = searchPickEntries(asSessionMatches([matches({ title: '$(alert) Title\r\n', hits: [{ segment: 1, index: 0, line: 0, field: 'text', snippet: 'x'.repeat(500) }] })]), 'y', (iso) => iso);
  assert.equal(hit.label.length, 160);
  assert.ok(hit.detail.includes(' — \\$(alert) Title · Claude Code'), hit.detail);
});

test('a long snippet starts a little before the match, so the line shows it', () => {
  const snippet = `…${'a'.repeat(70)} Main.Py.OldScratch ${'b'.repeat(70)}…`;
  const [hit] = searchPickEntries(asSessionMatches([matches({ hits: [{ segment: 1, index: 0, line: 0, field: 'input', snippet }] })]), 'main.py.oldscratch', (iso) => iso);
  assert.equal(hit.label, `…${'a'.repeat(29)} Main.Py.OldScratch ${'b'.repeat(70)}…`.slice(0, 160));
  const [short] = searchPickEntries(asSessionMatches([matches({ hits: [{ segment: 1, index: 0, line: 0, field: 'input', snippet: 'see main.py.oldscratch here' }] })]), 'main.py.oldscratch', (iso) => iso);
  assert.equal(short.label, 'see main.py.oldscratch here');
});

test('the conversation view opens at an item a command names, else at the top or the first problem', () => {
  assert.deepEqual(asInitialFocus({ segment: 0, index: 3 }), { segment: 0, index: 3 });
  assert.equal(asInitialFocus('firstProblem'), 'firstProblem');
  for (const other of [undefined, 'top', { segment: -1, index: 0 }, { segment: 0 }, { segment: 0.5, index: 1 }, 7]) {
    assert.equal(asInitialFocus(other), 'top', JSON.stringify(other));
  }
});

test('the pick starts a little before the match, wherever a character whose lower case grows comes before it', () => {
  const snippet = `${'İ'.repeat(40)} retry the upload`;
  const [entry] = searchPickEntries([asSessionMatches([matches({ hits: [{ segment: 1, index: 0, line: 0, field: 'text', snippet }] })])[0]], 'Retry', () => 'now');
  assert.ok(entry.label.startsWith('…') && entry.label.includes('retry the upload'), entry.label);
});

test('a session with matches past the limit ends in an entry that says so and opens it at the last match shown', () => {
  const entries = searchPickEntries(asSessionMatches([matches({ more: true })]), 'torn', (iso) => iso.slice(0, 10));
  assert.equal(entries.length, 3);
  assert.deepEqual(entries[2], {
    label: '… more matches in this session',
    detail: 'search it in its view — Fix the parser · Claude Code · 2026-05-11',
    target: { path: '/p/-work/s.jsonl', segment: 0, index: 2 },
  });
  assert.equal(searchPickEntries(asSessionMatches([matches()]), 'torn', (iso) => iso).length, 2, 'an older server says nothing of more');
});

test("a sub-agent's matches open its own transcript and say whose sub-agent it is", () => {
  const agent = matches({ path: '/p/-work/s/subagents/agent-a1.jsonl', title: 'Round 2: alice', segments: 1, hits: [{ segment: 0, index: 7, line: 12, field: 'input', snippet: 'multi-agent orchestration' }] });
  const [parent] = asSessionMatches([matches({ hits: [], agents: [agent] })]);
  assert.equal(parent.agents.length, 1);
  assert.deepEqual(searchPickEntries([parent], 'orchestration', (iso) => iso.slice(0, 10)), [
    {
      label: 'multi-agent orchestration',
      detail: 'sub-agent Round 2: alice · item 8 · input — Fix the parser · Claude Code · 2026-05-11',
      target: { path: '/p/-work/s/subagents/agent-a1.jsonl', segment: 0, index: 7 },
    },
  ]);
  assert.throws(() => asSessionMatches([matches({ agents: [{ path: 1 }] })]), /searchSessions\[0\]\.agents\[0\]: path/);
});
