/**
 * The conversation view's script (src/webview/conversation.ts) in a fake DOM: what it draws from
 * the extension's messages, and what it asks the extension for.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { asConversationPage, type ConversationPage, type SearchHit } from '../../src/common/conversation';
import { conversationPage } from './fixtures';
import { WebviewUnderTest } from './webview';

const PATH = '/home/ada/.claude/projects/-home-ada-app/5f0c.jsonl';

function page(overrides: Record<string, unknown> = {}): ConversationPage {
  return asConversationPage(conversationPage(PATH, overrides));
}

/** A call at item `index` (Bash `ls`, answered), with the given tool fields and item fields changed. */
function call(index: number, tool: Record<string, unknown> = {}, item: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    index,
    kind: 'tool',
    lines: [index * 2, index * 2 + 1],
    timestamp: null,
    text: null,
    truncated: false,
    findings: [],
    tool: { id: `toolu_${index}`, name: 'Bash', input: '{"command": "ls"}', result: 'ok', isError: false, status: 'answered', callLine: index * 2, resultLine: index * 2 + 1, agentFile: null, ...tool },
    ...item,
  };
}

/** A page of healthy items: a prompt, then `items`. */
function healthy(items: Record<string, unknown>[], overrides: Record<string, unknown> = {}): ConversationPage {
  const prompt = { index: 0, kind: 'prompt', lines: [0, 0], timestamp: null, text: 'fix it', truncated: false, tool: null, findings: [] };
  return page({ items: [prompt, ...items], total: items.length + 1, errors: 0, firstProblem: null, ...overrides });
}

/** Two segments: the history before a compaction (`earlier` items), then the conversation. */
function compacted(earlier: number, overrides: Record<string, unknown> = {}): ConversationPage {
  return healthy([call(1)], {
    segment: 1,
    segments: [
      { index: 0, firstLine: 0, lastLine: 40, items: earlier, summary: 'Earlier work' },
      { index: 1, firstLine: 41, lastLine: 60, items: 2, summary: null },
    ],
    ...overrides,
  });
}

function hit(segment: number, index: number, field: SearchHit['field'] = 'result'): SearchHit {
  return { segment, index, line: index * 2 + 1, field, snippet: '…the needle here…' };
}

function marks(view: WebviewUnderTest): string[] {
  return ['items', 'history'].flatMap((id) => view.element(id).querySelectorAll('mark.search-match')).map((mark) => mark.textContent);
}

test('an orphan result shows its content in a card named for the id it answers', () => {
  const view = new WebviewUnderTest();
  const orphan = call(1, { id: 'toolu_lost', name: '', input: null, result: 'the lost output', status: 'orphan', callLine: null });
  view.reset(healthy([{ ...orphan, kind: 'orphan-result' }]));
  const card = view.item(1).querySelector('details.tool-card');
  assert.ok(card !== null, 'a card');
  assert.equal(card.querySelector('summary .tool-name')?.textContent, 'result for toolu_lost');
  assert.equal(card.querySelector('pre.io.result')?.textContent, 'the lost output');
  assert.equal(card.querySelector('pre.io.input'), null, 'no call, so no input');
  assert.match(view.item(1).getAttribute('aria-label') ?? '', /^Orphan result, result for toolu_lost, orphan/);
});

test('a search cut at 200 hits says there are more and that only the first 200 are listed', () => {
  const view = new WebviewUnderTest();
  view.reset(healthy([call(1)]));
  const hits = Array.from({ length: 200 }, (_, index) => hit(0, index));
  view.search('needle');
  view.receive({ type: 'searchResults', generation: 1, query: 'needle', hits, more: true });
  assert.equal(
    view.element('search-results').querySelector('.search-head')?.childNodes[0].textContent,
    'More than 200 results for “needle” in the whole session: only the first 200 are listed (refine the query to see the others)',
  );
  assert.equal(view.element('search-results').querySelectorAll('.search-hit').length, 200);
  view.search('needle');
  view.receive({ type: 'searchResults', generation: 1, query: 'needle', hits: hits.slice(0, 3), more: false });
  assert.match(view.element('search-results').textContent, /^3 results for “needle” in the whole session/);
});

test('a reload while a part of the history or a search is loading asks again: nothing stays on Loading… or Searching…', () => {
  const view = new WebviewUnderTest();
  view.reset(compacted(3));
  const part = view.element('history').querySelector('details[data-segment="0"]');
  assert.ok(part !== null);
  part.open = true;
  view.search('needle');
  assert.deepEqual([view.postedOf('loadSegment').length, view.postedOf('search').length], [1, 1]);
  // The file changes (a live session): the answers to generation 1 are dropped.
  view.reset(compacted(3), 2);
  assert.deepEqual(view.postedOf('loadSegment').at(-1), { type: 'loadSegment', generation: 2, segment: 0, offset: 0 });
  assert.deepEqual(view.postedOf('search').at(-1), { type: 'search', generation: 2, query: 'needle' });
  view.receive({ type: 'segmentPage', generation: 2, page: healthy([call(1), call(2)], { segment: 0 }) });
  view.receive({ type: 'searchResults', generation: 2, query: 'needle', hits: [hit(1, 1)], more: false });
  assert.equal(part.querySelectorAll('.entry').length, 3);
  assert.equal(part.querySelector('.segment-more'), null, 'no Loading… left');
  assert.match(view.element('search-results').textContent, /^1 result for “needle”/);
  // Answered: a later reload asks no page again, but searches the listed query again (its hits
  // may now be other items).
  view.reset(compacted(3), 3);
  assert.deepEqual(view.postedOf('loadSegment').length, 2);
  assert.deepEqual(view.postedOf('search').at(-1), { type: 'search', generation: 3, query: 'needle' });
  assert.match(view.element('search-results').textContent, /^1 result for “needle”/, 'listed until the new answer');
  view.receive({ type: 'searchResults', generation: 3, query: 'needle', hits: [hit(1, 1), hit(0, 2)], more: false });
  assert.match(view.element('search-results').textContent, /^2 results for “needle”/);
  // Closed: nothing is searched again.
  view.click(view.element('search-results').querySelector('button.search-close'));
  view.reset(compacted(3), 4);
  assert.equal(view.postedOf('search').length, 3);
});

test('a compaction after a hit was opened keeps its mark and its open card on that item, now in the history, not on the new part\'s item of that number', () => {
  const view = new WebviewUnderTest();
  view.reset(healthy([call(1, { result: 'the needle' }), call(2, { result: 'the needle again' })]));
  view.search('needle');
  view.receive({ type: 'searchResults', generation: 1, query: 'needle', hits: [hit(0, 1)], more: false });
  view.click(view.element('search-results').querySelector('button.search-hit-button'));
  assert.deepEqual(marks(view), ['needle']);
  // Claude Code compacts: the conversation so far is part 1 of the history, the live list new.
  const after = healthy([call(1, { result: 'a needle in the new part' }, { lines: [50, 51] })], {
    segment: 1,
    segments: [
      { index: 0, firstLine: 0, lastLine: 40, items: 3, summary: 'Earlier work' },
      { index: 1, firstLine: 41, lastLine: 60, items: 2, summary: null },
    ],
  });
  view.reset(after, 2);
  assert.equal(view.item(1).querySelector('mark.search-match'), null, 'the new part\'s item 1 is another item');
  assert.equal(view.item(1).querySelector('details.tool-card')?.open, false, 'the card opened was the old item 1\'s');
  view.receive({ type: 'searchResults', generation: 2, query: 'needle', hits: [hit(0, 1)], more: false });
  assert.equal(view.element('search-results').querySelector('.search-where')?.textContent, 'part 1, item 2 · result');
  view.element('history').querySelector('details[data-segment="0"]')!.open = true;
  view.receive({ type: 'segmentPage', generation: 2, page: healthy([call(1, { result: 'the needle' }), call(2)], { segment: 0 }) });
  const entry = view.element('history').querySelector('[data-segment-index="1"]');
  assert.ok(entry?.querySelector('mark.search-match') !== null, 'still marked where it went');
});

test('a repair that moves the opened hit\'s lines leaves no mark on the item now at its number', () => {
  const view = new WebviewUnderTest();
  view.reset(healthy([call(1, { result: 'the needle' }), call(2, { result: 'the needle again' })]));
  view.search('needle');
  view.receive({ type: 'searchResults', generation: 1, query: 'needle', hits: [hit(0, 2)], more: false });
  view.click(view.element('search-results').querySelector('button.search-hit-button'));
  assert.deepEqual(marks(view), ['needle']);
  // Item 1 is purged: the item numbered 2 now reads lines the hit did not come from.
  view.reset(healthy([call(1, {}, {}), call(2, { result: 'another needle', resultLine: 9 }, { lines: [8, 9] })]), 2);
  assert.deepEqual(marks(view), [], 'the item numbered 2 is not the one found');
  view.reset(healthy([call(1), call(2, { result: 'the needle again' })]), 3);
  assert.deepEqual(marks(view), [], 'a target dropped stays dropped');
});

test('a reload keeps an opened sub-agent conversation and a "Show all" item while the item is the same', () => {
  const view = new WebviewUnderTest();
  const agentFile = '/home/ada/agent-1.jsonl';
  const task = call(1, { name: 'Task', input: '{}', agentFile, agent: { file: agentFile, title: 'Explore', items: 1, errors: 0 } });
  const long = { index: 2, kind: 'assistant', lines: [5, 5], timestamp: null, text: 'x'.repeat(4000), truncated: true, tool: null, findings: [] };
  view.reset(healthy([task, long]));
  view.click(view.item(1).querySelector('button.agent-open'));
  assert.deepEqual(view.postedOf('loadAgent').at(-1), { type: 'loadAgent', generation: 1, segment: null, index: 1, offset: 0 });
  view.receive({ type: 'agentPage', generation: 1, segment: null, index: 1, page: healthy([], { path: agentFile }) });
  view.click(view.item(2).querySelector('button.show-all'));
  view.receive({ type: 'wholeItem', generation: 1, segment: null, item: { ...asConversationPage(conversationPage(PATH, { items: [long] })).items[0], text: 'x'.repeat(9000), truncated: false } });
  assert.equal(view.item(1).querySelectorAll('.agent-items .entry').length, 1);

  view.reset(healthy([task, long]), 2);
  assert.equal(view.item(1).querySelectorAll('.agent-items .entry').length, 1, 'the sub-agent is still open');
  assert.deepEqual(view.postedOf('loadItem').at(-1), { type: 'loadItem', generation: 2, index: 2, segment: null }, 'the item is asked whole again');

  view.reset(healthy([call(1, { id: 'toolu_other' }), { ...long, lines: [6, 6] }]), 3);
  assert.equal(view.item(1).querySelector('.agent-items'), null, 'another call: closed');
  assert.equal(view.postedOf('loadItem').length, 2, 'another item: not asked whole');
});

test('a sub-agent run before a compaction opens from the history, under its call', () => {
  const view = new WebviewUnderTest();
  const agentFile = '/home/ada/agent-1.jsonl';
  view.reset(compacted(2));
  view.element('history').querySelector('details[data-segment="0"]')!.open = true;
  const task = call(1, { name: 'Task', input: '{}', agentFile, agent: { file: agentFile, title: 'Explore', items: 1, errors: 0 } });
  view.receive({ type: 'segmentPage', generation: 1, page: healthy([task], { segment: 0 }) });
  const entry = (): ReturnType<WebviewUnderTest['element']> => view.element('history').querySelector('[data-segment-index="1"]')!;
  view.click(entry().querySelector('button.agent-open'));
  assert.deepEqual(view.postedOf('loadAgent').at(-1), { type: 'loadAgent', generation: 1, segment: 0, index: 1, offset: 0 });
  view.receive({ type: 'agentPage', generation: 1, segment: 0, index: 1, page: healthy([], { path: agentFile }) });
  assert.equal(entry().querySelectorAll('.agent-items .entry').length, 1);
  assert.equal(entry().querySelector('details.tool-card')?.open, true, 'its card stays open to show it');
});

test('a search hit opens its card and marks the match in it; the next hit clears the marks', () => {
  const view = new WebviewUnderTest();
  view.reset(healthy([call(1, { result: 'found the needle here' }), call(2, { result: 'another needle' })]));
  assert.equal(view.item(1).querySelector('details.tool-card')?.open, false, 'a healthy card starts closed');
  view.search('needle');
  view.search('needle');
  view.receive({ type: 'searchResults', generation: 1, query: 'needle', hits: [hit(0, 1), hit(0, 2)], more: false });
  view.click(view.element('search-results').querySelectorAll('button.search-hit-button')[0]);
  assert.equal(view.item(1).querySelector('details.tool-card')?.open, true);
  assert.deepEqual(marks(view), ['needle']);
  assert.equal(view.item(1).querySelector('mark.search-match')?.closest('pre')?.className, 'io result');
  assert.equal(view.document.activeElement, view.item(1));
  view.click(view.element('search-results').querySelectorAll('button.search-hit-button')[1]);
  assert.deepEqual(marks(view), ['needle']);
  assert.ok(view.item(2).querySelector('mark.search-match') !== null, 'the mark moved to the new hit');
});

test('a search hit on a shortened item loads it whole, then marks the match past the cut', () => {
  const view = new WebviewUnderTest();
  const cut = call(1, { result: 'y'.repeat(4000) }, { truncated: true });
  view.reset(healthy([cut]));
  view.search('needle');
  view.receive({ type: 'searchResults', generation: 1, query: 'needle', hits: [hit(0, 1)], more: false });
  view.click(view.element('search-results').querySelector('button.search-hit-button'));
  assert.deepEqual(view.postedOf('loadItem').at(-1), { type: 'loadItem', generation: 1, index: 1, segment: null });
  assert.deepEqual(marks(view), [], 'nothing to mark in the shortened copy');
  const whole = asConversationPage(conversationPage(PATH, { items: [call(1, { result: `${'y'.repeat(6000)} the needle` })] })).items[0];
  view.receive({ type: 'wholeItem', generation: 1, segment: null, item: whole });
  assert.deepEqual(marks(view), ['needle']);
  assert.equal(view.item(1).querySelector('details.tool-card')?.open, true);
  assert.equal(view.document.activeElement, view.item(1), 'scrolled to and focused');
  assert.equal(view.postedOf('loadItem').length, 1, 'asked whole once');
});

test('a search hit in the history opens its part and its card and marks the match', () => {
  const view = new WebviewUnderTest();
  view.reset(compacted(2));
  view.search('needle');
  view.receive({ type: 'searchResults', generation: 1, query: 'needle', hits: [hit(0, 1)], more: false });
  view.click(view.element('search-results').querySelector('button.search-hit-button'));
  assert.deepEqual(view.postedOf('loadSegment').at(-1), { type: 'loadSegment', generation: 1, segment: 0, offset: 0 });
  view.receive({ type: 'segmentPage', generation: 1, page: healthy([call(1, { result: 'a needle' })], { segment: 0 }) });
  const entry = view.element('history').querySelector('[data-segment-index="1"]');
  assert.equal(entry?.querySelector('details.tool-card')?.open, true);
  assert.deepEqual(marks(view), ['needle']);
  assert.ok(view.document.scrolledIntoView.includes(entry!));
});

test('a bidi override or a control character in a command, a path or a result is shown as its escape, never raw', () => {
  const view = new WebviewUnderTest();
  const command = 'echo cleanup # \u202e; / fr- mr\u202c';
  const reply = { index: 3, kind: 'assistant', lines: [7, 7], timestamp: null, text: 'Run `rm \u202eoof` then\n\n```\nls \u2066x\n```', truncated: false, tool: null, findings: [] };
  view.reset(healthy([call(1, { input: JSON.stringify({ command }), result: 'done\u2067\x1b[2J' }), call(2, { name: 'Read\u202e', input: JSON.stringify({ file_path: '/tmp/\u202etxt.sh' }) }), reply], { title: 'Fix \u202eit' }));
  const shown = [1, 2, 3].map((index) => view.item(index).textContent).concat(view.element('title').textContent).join('\n');
  assert.ok(![...shown].some((character) => /[\u202a-\u202e\u2066-\u2069\x00-\x09\x0b-\x1f]/.test(character)), JSON.stringify(shown));
  assert.equal(view.item(1).querySelector('.input-preview')?.textContent, '$ echo cleanup # \\u202e; / fr- mr\\u202c');
  assert.equal(view.item(1).querySelector('pre.io.command')?.textContent, '$ echo cleanup # \\u202e; / fr- mr\\u202c');
  assert.equal(view.item(1).querySelector('pre.io.result')?.textContent, 'done\\u2067\\x1b[2J');
  assert.equal(view.item(2).querySelector('summary .tool-name')?.textContent, 'Read\\u202e');
  assert.equal(view.item(2).querySelector('.input-preview')?.textContent, '/tmp/\\u202etxt.sh');
  assert.equal(view.element('title').textContent, 'Fix \\u202eit');
  assert.deepEqual(view.item(3).querySelectorAll('code').map((code) => code.textContent), ['rm \\u202eoof', 'ls \\u2066x\n']);
  const question = JSON.stringify({ questions: [{ question: 'Delete \u202egnp.exe?\x1b[2J', options: [] }] });
  view.reset(healthy([call(1, { name: 'AskUserQuestion', input: question })]), 2);
  assert.equal(view.item(1).querySelector('.input-preview')?.textContent, 'asks: Delete \\u202egnp.exe?\\x1b[2J');
});

test('a running call says running; a rejected call shows what the user said, not the stock refusal as an error', () => {
  const view = new WebviewUnderTest();
  const rejected = call(2, { status: 'rejected', isError: true, result: "The user doesn't want to proceed with this tool use.", rejection: 'use git mv instead' });
  view.reset(healthy([call(1, { status: 'live', result: null }), rejected]));
  assert.equal(view.item(1).querySelector('pre.io.result')?.textContent, 'running');
  assert.equal(view.item(1).querySelector('pre.io.result')?.classList.contains('missing'), false);
  const card = view.item(2).querySelector('details.tool-card')!;
  assert.equal(card.querySelector('div.rejection')?.textContent, 'The user said: use git mv instead');
  assert.equal(card.querySelector('pre.io.result'), null);
  assert.doesNotMatch(card.textContent, /doesn't want to proceed|\(error\)/);
});

test('an emptied plan says so; the last context size is shown beside the token totals', () => {
  const view = new WebviewUnderTest();
  view.reset(healthy([call(1)], { lastTodos: { index: 1, todos: [], segment: 0 }, usage: { input: 10, output: 500, cacheRead: 20000, cacheCreation: 100 }, contextTokens: 45210 }));
  assert.equal(view.element('plan').querySelector('summary')?.childNodes[0].textContent, 'Plan: emptied (no steps left)');
  assert.match(view.element('summary').textContent, /20k in \(20k cached\) · 500 out · last context 45k tokens/);
  view.reset(healthy([call(1)], { usage: { input: 10, output: 13, outputPartial: true, cacheRead: 0, cacheCreation: 0 } }), 3);
  assert.match(view.element('summary').textContent, /10 in · at least 13 out/, 'a count taken mid-message is a lower bound');
  view.reset(healthy([call(1)]), 2);
  assert.doesNotMatch(view.element('summary').textContent, /last context/, 'none recorded, none said');
});

test('an edit rejected or never answered says its change was not applied or not confirmed', () => {
  const view = new WebviewUnderTest();
  const diff = '--- /dev/null\n+++ /p/a.md\n@@ -0,0 +1,1 @@\n+a';
  const write = (index: number, status: string, applied: boolean | null): Record<string, unknown> =>
    call(index, { name: 'Write', input: '{"file_path": "/p/a.md", "content": "a"}', diff, status, applied });
  view.reset(healthy([write(1, 'answered', true), write(2, 'rejected', false), write(3, 'unpaired', null)]));
  const notes = [1, 2, 3].map((index) => view.item(index).querySelector('summary .diff-note')?.textContent ?? null);
  assert.deepEqual(notes, [null, 'not applied', 'not confirmed']);
  assert.equal(view.item(1).querySelector('summary .diff-count.added')?.textContent, '+1');
});

test('only the answer to the search asked last is listed; the same answer after a reload leaves the list as it was', () => {
  const view = new WebviewUnderTest();
  view.reset(healthy([call(1, { result: 'the needle' }), call(2, { result: 'a pin' })]));
  view.search('needle');
  view.search('pin');
  view.receive({ type: 'searchResults', generation: 1, query: 'needle', hits: [hit(0, 1)], more: false });
  assert.match(view.element('search-results').textContent, /^Searching the whole session for “pin”/, 'the older query\'s answer is dropped');
  view.receive({ type: 'searchResults', generation: 1, query: 'pin', hits: [hit(0, 2)], more: false });
  assert.match(view.element('search-results').textContent, /^1 result for “pin”/);
  const listed = view.element('search-results').querySelector('button.search-hit-button');
  view.reset(healthy([call(1, { result: 'the needle' }), call(2, { result: 'a pin' }), call(3)]), 2);
  view.receive({ type: 'searchResults', generation: 2, query: 'pin', hits: [hit(0, 2)], more: false });
  assert.equal(view.element('search-results').querySelector('button.search-hit-button'), listed, 'not redrawn: focus and scroll stay');
  view.reset(healthy([call(1), call(2), call(3)]), 3);
  view.click(view.element('search-results').querySelector('button.search-close'));
  view.receive({ type: 'searchResults', generation: 3, query: 'pin', hits: [hit(0, 2)], more: false });
  assert.equal(view.element('search-results').hidden, true, 'a list closed while searched again stays closed');
});

test('a compaction moves the cards opened in the live list to the history it closed, and keeps those of a part that stayed', () => {
  const view = new WebviewUnderTest();
  view.reset(compacted(2, { segments: [{ index: 0, firstLine: 0, lastLine: 40, items: 2, summary: 'Earlier work' }, { index: 1, firstLine: 41, lastLine: 60, items: 2, summary: null }] }));
  view.element('history').querySelector('details[data-segment="0"]')!.open = true;
  view.receive({ type: 'segmentPage', generation: 1, page: healthy([call(1)], { segment: 0 }) });
  view.element('history').querySelector('[data-segment-index="1"] details.tool-card')!.open = true;
  view.item(1).querySelector('details.tool-card')!.open = true;
  // Claude Code compacts again: the live list is part 2 now, a new conversation follows.
  const after = healthy([call(1, {}, { lines: [70, 71] })], {
    segment: 2,
    segments: [
      { index: 0, firstLine: 0, lastLine: 40, items: 2, summary: 'Earlier work' },
      { index: 1, firstLine: 41, lastLine: 60, items: 2, summary: 'Later work' },
      { index: 2, firstLine: 61, lastLine: 71, items: 2, summary: null },
    ],
  });
  view.reset(after, 2);
  assert.equal(view.item(1).querySelector('details.tool-card')?.open, false, 'the new conversation\'s item 1 is another call');
  for (const segment of [0, 1]) {
    view.element('history').querySelector(`details[data-segment="${segment}"]`)!.open = true;
    view.receive({ type: 'segmentPage', generation: 2, page: healthy([call(1)], { segment }) });
    const card = view.element('history').querySelector(`details[data-segment="${segment}"] [data-segment-index="1"] details.tool-card`);
    assert.equal(card?.open, true, `part ${segment + 1}'s item 2 is still open`);
  }
});

test('an abandoned branch is listed with the history, named for what it is, and a hit in it says which branch', () => {
  const view = new WebviewUnderTest();
  const branched = healthy([call(1)], {
    segment: 2,
    abandonedBranches: 1,
    segments: [
      { index: 0, firstLine: 0, lastLine: 40, items: 3, summary: 'Earlier work', kind: 'compacted', forkLine: null },
      { index: 1, firstLine: 52, lastLine: 55, items: 2, summary: 'try it the other way', kind: 'abandoned', forkLine: 50 },
      { index: 2, firstLine: 41, lastLine: 60, items: 2, summary: null, kind: 'current', forkLine: null },
    ],
  });
  view.reset(branched);
  assert.equal(view.element('history').querySelector('.history-head')?.textContent, '1 earlier part of this session, before the compaction · 1 abandoned branch (rewound or left beside the end): not sent on resume');
  const head = view.element('history').querySelector('details[data-segment="1"] summary');
  assert.match(head?.textContent ?? '', /^Abandoned branch 1 · 2 items · lines 53–56 · off line 51/);
  assert.match(head?.textContent ?? '', /try it the other way/);
  view.search('needle');
  view.receive({ type: 'searchResults', generation: 1, query: 'needle', hits: [hit(1, 1), hit(0, 2)], more: false });
  assert.deepEqual(
    view.element('search-results').querySelectorAll('.search-where').map((where) => where.textContent),
    ['branch 1, item 2 · result', 'part 1, item 3 · result'],
  );
});

test('a rewind in a live session adds a branch, not a compaction: the live list\'s open cards stay out of the history, and open no other item at their number', () => {
  const view = new WebviewUnderTest();
  view.reset(healthy([call(1), call(2)]));
  view.item(1).querySelector('details.tool-card')!.open = true;
  view.item(2).querySelector('details.tool-card')!.open = true;
  const rewound = healthy([call(1), call(2, { id: 'toolu_again' }, { lines: [6, 7] })], {
    segment: 1,
    abandonedBranches: 1,
    segments: [
      { index: 0, firstLine: 4, lastLine: 5, items: 1, summary: null, kind: 'abandoned', forkLine: 3 },
      { index: 1, firstLine: 0, lastLine: 7, items: 2, summary: null, kind: 'current', forkLine: null },
    ],
  });
  view.reset(rewound, 2);
  view.element('history').querySelector('details[data-segment="0"]')!.open = true;
  view.receive({ type: 'segmentPage', generation: 2, page: healthy([call(1)], { segment: 0 }) });
  const card = view.element('history').querySelector('[data-segment-index="1"] details.tool-card');
  assert.equal(card?.open, false, 'the branch\'s item 2 was never opened');
  assert.equal(view.item(1).querySelector('details.tool-card')?.open, true, 'the same call, still open');
  assert.equal(view.item(2).querySelector('details.tool-card')?.open, false, 'another call now has number 2');
});

test('a new branch listed before the others moves their open cards with them, none lost to another\'s number', () => {
  const view = new WebviewUnderTest();
  const branch = (index: number, firstLine: number): Record<string, unknown> => ({ index, firstLine, lastLine: firstLine + 3, items: 3, summary: `try ${firstLine}`, kind: 'abandoned', forkLine: 1 });
  const current = (index: number): Record<string, unknown> => ({ index, firstLine: 0, lastLine: 90, items: 2, summary: null, kind: 'current', forkLine: null });
  view.reset(healthy([call(1)], { segment: 2, abandonedBranches: 2, segments: [branch(0, 20), branch(1, 40), current(2)] }));
  for (const segment of [0, 1]) {
    view.element('history').querySelector(`details[data-segment="${segment}"]`)!.open = true;
    view.receive({ type: 'segmentPage', generation: 1, page: healthy([call(1), call(2)], { segment }) });
    view.element('history').querySelector(`details[data-segment="${segment}"] [data-segment-index="2"] details.tool-card`)!.open = true;
  }
  view.reset(healthy([call(1)], { segment: 3, abandonedBranches: 3, segments: [branch(0, 10), branch(1, 20), branch(2, 40), current(3)] }), 2);
  for (const segment of [1, 2]) {
    view.element('history').querySelector(`details[data-segment="${segment}"]`)!.open = true;
    view.receive({ type: 'segmentPage', generation: 2, page: healthy([call(1), call(2)], { segment }) });
    const card = view.element('history').querySelector(`details[data-segment="${segment}"] [data-segment-index="2"] details.tool-card`);
    assert.equal(card?.open, true, `the branch now numbered ${segment} kept its open card`);
  }
  view.element('history').querySelector('details[data-segment="0"]')!.open = true;
  view.receive({ type: 'segmentPage', generation: 2, page: healthy([call(1), call(2)], { segment: 0 }) });
  assert.equal(view.element('history').querySelector('details[data-segment="0"] [data-segment-index="2"] details.tool-card')?.open, false, 'the new branch opened nothing');
});

test('a call\'s duration is shown beside it and says it runs until the result, a wait for approval included', () => {
  const view = new WebviewUnderTest();
  view.reset(healthy([call(1, { durationMs: 125_000 }), call(2)]));
  const cost = view.item(1).querySelector('.cost');
  assert.equal(cost?.textContent, '2 min 5 s');
  assert.equal(cost?.title, 'From the call to its result, including any wait for your approval');
  assert.equal(view.item(2).querySelector('.cost'), null, 'no duration, no label');
});

test('a card a search hit opened on an item not arrived yet stays open once its page comes and the next hit is opened, though another item had its number before', () => {
  const view = new WebviewUnderTest();
  view.reset(healthy([call(1), call(2)]));
  view.item(2).querySelector('details.tool-card')!.open = true;
  // A rewind: another call is item 2 now, and only the first page of the reload has come.
  view.reset(healthy([call(1)], { total: 3 }), 2);
  view.search('needle');
  view.receive({ type: 'searchResults', generation: 2, query: 'needle', hits: [hit(0, 2), hit(0, 1)], more: false });
  view.click(view.element('search-results').querySelectorAll('button.search-hit-button')[0]);
  const other = call(2, { id: 'toolu_again', result: 'the needle' }, { lines: [6, 7] });
  view.receive({ type: 'page', generation: 2, page: healthy([], { items: [other], offset: 2, total: 3 }) });
  view.click(view.element('search-results').querySelectorAll('button.search-hit-button')[1]);
  assert.equal(view.item(2).querySelector('details.tool-card')?.open, true, 'the card the first hit opened stays open');
});

test('an abandoned branch\'s first prompt, written by anyone, heads it as text: markup and bidi overrides shown, never made', () => {
  const view = new WebviewUnderTest();
  const summary = '<img src=x onerror=alert(1)> run \u202egnp.exe\x1b[2J';
  view.reset(healthy([call(1)], {
    segment: 1,
    abandonedBranches: 1,
    segments: [
      { index: 0, firstLine: 4, lastLine: 5, items: 1, summary, kind: 'abandoned', forkLine: 3 },
      { index: 1, firstLine: 0, lastLine: 7, items: 2, summary: null, kind: 'current', forkLine: null },
    ],
  }));
  const head = view.element('history').querySelector('details[data-segment="0"] summary');
  assert.equal(head?.querySelector('img'), null);
  assert.equal(head?.querySelector('.first-line')?.textContent, '<img src=x onerror=alert(1)> run \\u202egnp.exe\\x1b[2J');
});

test('an item shown whole stays whole when a compaction moves it into the history: asked whole again when its part is read', () => {
  const view = new WebviewUnderTest();
  const long = { index: 2, kind: 'assistant', lines: [5, 5], timestamp: null, text: 'x'.repeat(4000), truncated: true, tool: null, findings: [] };
  view.reset(healthy([call(1), long]));
  view.click(view.item(2).querySelector('button.show-all'));
  view.receive({ type: 'wholeItem', generation: 1, segment: null, item: { ...asConversationPage(conversationPage(PATH, { items: [long] })).items[0], text: 'x'.repeat(9000), truncated: false } });
  const after = healthy([call(1, {}, { lines: [50, 51] })], {
    segment: 1,
    segments: [
      { index: 0, firstLine: 0, lastLine: 40, items: 3, summary: 'Earlier work', kind: 'compacted', forkLine: null },
      { index: 1, firstLine: 41, lastLine: 60, items: 2, summary: null, kind: 'current', forkLine: null },
    ],
  });
  view.reset(after, 2);
  view.element('history').querySelector('details[data-segment="0"]')!.open = true;
  view.receive({ type: 'segmentPage', generation: 2, page: healthy([call(1), long], { segment: 0 }) });
  assert.deepEqual(view.postedOf('loadItem').at(-1), { type: 'loadItem', generation: 2, index: 2, segment: 0 });
  view.receive({ type: 'wholeItem', generation: 2, segment: 0, item: { ...asConversationPage(conversationPage(PATH, { items: [long] })).items[0], text: 'y'.repeat(9000), truncated: false } });
  const entry = view.element('history').querySelector('[data-segment-index="2"]');
  assert.ok((entry?.textContent ?? '').includes('y'.repeat(5000)), 'drawn whole in the history');
});
