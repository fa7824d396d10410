/**
 * End to end in a real VS Code (code-server 4.139.1): the Sessions view lists a projects root
 * (set through `sessionLsp.projectsRoot`, outside the workspace) holding a damaged session and a
 * hostile one; the damaged one shows as broken; its conversation view highlights the unpaired
 * call; the stub repair applied from the view makes the view, the tree and `session-lsp check`
 * healthy. The hostile transcript's markup, links and scripts stay inert text in the webview, in
 * a tool's output and in a reply rendered as Markdown (whose one web link opens only through VS
 * Code's own confirmation). A real session of the corpus is then read: its plan, an edit's diff
 * found through the server's search, a sub-agent expanded under its call.
 * Screenshots of every step go to test-output/e2e (the `readme-*` crops are the README's images).
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import {
  bundledCli,
  closeWorkbench,
  conversationFrame,
  openWorkbench,
  QUIET_SETTINGS,
  runCommand,
  corpusFile,
  screenshot,
  skipUnlessReady,
  withFailureEvidence,
  writeOldTranscript,
  type Workbench,
} from './harness';

/** Its last line (25) is a Bash tool_use whose tool_result never came: one unpaired-tool-use. */
const DAMAGED_SESSION = corpusFile('claude-code/codemie-code/incremental-subagents-turn-1.jsonl');
/** Its title is its first prompt (its summary line names a message of another session). */
const DAMAGED_TITLE = 'analyze existing CLI command and create specification';
const HOSTILE_TITLE = 'Hostile transcript';
/** What a script in the webview would do if any of the hostile markup ran. */
const PWNED = 'pwned-by-transcript';
const HOSTILE_TEXT = [
  `<img src=x onerror="document.title='${PWNED}';window.__pwned=1">`,
  `<script>document.title='${PWNED}';window.__pwned=1</script>`,
  '[x](command:workbench.action.closeWindow)',
  `<a href="javascript:document.title='${PWNED}'">javascript link</a>`,
  `[y](javascript:document.title='${PWNED}')`,
].join('\n');

/** A reply in Markdown: real formatting, the hostile markup, a command link, an image and one web link. */
const HOSTILE_REPLY = ['## What I found', '', 'The **parser** drops a comma in `pass_two()`:', '', '- one', '- two', '', HOSTILE_TEXT, '', '![tracker](https://example.com/pixel.png)', '', 'See [the docs](https://example.com/docs).'].join('\n');
/** A real session with edits, a plan and a sub-agent (its transcript beside it). */
const READER_SESSION = corpusFile('claude-code/daaain-claude-code-log/-src-deep-manifest/a7da6a22-facc-4fcd-8bab-f83c87862004.jsonl');
const READER_AGENT = corpusFile('claude-code/daaain-claude-code-log/-src-deep-manifest/agent-c8d9b115.jsonl');
const READER_TITLE = "It's been a while - I see that I have pending changes";

// No breadcrumbs: the screenshots go in the README, and the breadcrumbs would show the test's temporary folders.
/** The editor area only: the README's images of the view show no test fixture in the tree. */
const EDITOR_AREA = { x: 352, y: 36, width: 928, height: 732 };

const USER_SETTINGS: Record<string, unknown> = { ...QUIET_SETTINGS, 'sessionLsp.trace.server': 'verbose', 'breadcrumbs.enabled': false };

const skip = skipUnlessReady(DAMAGED_SESSION);

let root: string;
let projectsRoot: string;
let workbench: Workbench | undefined;
let page: Page;
let damagedTranscript: string;

/** Writes a session under the projects root, dated an hour ago so it is not a live session. */
function placeSession(folder: string, name: string, text: string): string {
  const directory = join(projectsRoot, folder);
  mkdirSync(directory, { recursive: true });
  return writeOldTranscript(join(directory, name), text);
}

/**
 * The damaged session under another id and title, without its unpaired last call (so healthy),
 * its first tool result replaced by hostile markup (a tool output carries text from anywhere).
 */
function hostileSession(): string {
  const lines = readFileSync(DAMAGED_SESSION, 'utf8').split('\n');
  lines.splice(24, 1);
  const resultLine = lines.findIndex((line) => line.includes('"tool_result"'));
  const record = JSON.parse(lines[resultLine]) as { message: { content: { content: unknown }[] } };
  record.message.content[0].content = HOSTILE_TEXT;
  lines[resultLine] = JSON.stringify(record);
  const replyLine = lines.findIndex((line) => line.includes('"type":"assistant"') && line.includes('"type":"text"'));
  const reply = JSON.parse(lines[replyLine]) as { message: { content: { type: string; text?: string }[] } };
  reply.message.content.filter((block) => block.type === 'text').forEach((block) => (block.text = HOSTILE_REPLY));
  lines[replyLine] = JSON.stringify(reply);
  // A title the user gave it (`/rename`): the one the tree and the view show.
  lines.splice(lines.length - 1, 0, JSON.stringify({ type: 'custom-title', customTitle: HOSTILE_TITLE, sessionId: '0badc0de-0000-4000-8000-000000000001' }));
  return lines.join('\n').replaceAll('e9fb405b-169f-40eb-9396-7e75076f045d', '0badc0de-0000-4000-8000-000000000001');
}

/** `session-lsp check PATH` with the CLI shipped in the .vsix. */
function checkOnDisk(path: string): { status: number | null; output: string } {
  return bundledCli((workbench as Workbench).profile, ['check', path]);
}

before(async () => {
  if (skip) {
    return;
  }
  root = mkdtempSync(join(tmpdir(), 'session-lsp-e2e-sessions-'));
  const workspace = join(root, 'workspace');
  mkdirSync(workspace, { recursive: true });
  // Not a `.claude/projects` folder: the setting alone makes these files transcripts.
  projectsRoot = join(root, 'claude-home', 'projects');
  damagedTranscript = placeSession('-Users-User-repo-codemie-ai-codemie-code', 'e9fb405b-169f-40eb-9396-7e75076f045d.jsonl', readFileSync(DAMAGED_SESSION, 'utf8'));
  placeSession('-Users-User-repo-codemie-ai-codemie-code', '0badc0de-0000-4000-8000-000000000001.jsonl', hostileSession());
  placeSession('-src-deep-manifest', 'a7da6a22-facc-4fcd-8bab-f83c87862004.jsonl', readFileSync(READER_SESSION, 'utf8'));
  placeSession('-src-deep-manifest', 'agent-c8d9b115.jsonl', readFileSync(READER_AGENT, 'utf8'));
  workbench = await openWorkbench(root, { ...USER_SETTINGS, 'sessionLsp.projectsRoot': projectsRoot }, workspace);
  page = workbench.page;
});

after(() => closeWorkbench(workbench, root));

test('Sessions view → conversation → stub repair from the view → healthy view, tree and file', { skip, timeout: 300_000 }, withFailureEvidence('sessions', () => workbench, async () => {
  assert.equal(checkOnDisk(damagedTranscript).status, 1, 'the copied session starts out broken');

  await page.locator('.activitybar .action-item a[aria-label^="Claude Sessions"]').click();
  const broken = page.locator('.monaco-list-row[aria-label*="will fail to resume"]', { hasText: DAMAGED_TITLE });
  // The first listing starts the server, so it may take a while.
  await broken.waitFor({ state: 'visible', timeout: 90_000 });
  assert.equal(await broken.locator('.codicon-error').count(), 1, 'a broken session has the error icon');
  await page.locator('.monaco-list-row', { hasText: HOSTILE_TITLE }).waitFor({ state: 'visible' });
  await screenshot(page, 'sessions-01-tree-broken');
  await screenshot(page, 'readme-sessions-tree', { x: 0, y: 0, width: 640, height: 360 });

  // The broken-only filter keeps the broken session and hides the healthy one, and toggles back.
  await page.getByRole('button', { name: 'Show Only Broken Sessions' }).click();
  await page.locator('.monaco-list-row', { hasText: HOSTILE_TITLE }).waitFor({ state: 'detached' });
  await broken.waitFor({ state: 'visible' });
  await screenshot(page, 'sessions-01b-broken-only');
  await page.getByRole('button', { name: 'Show All Sessions' }).click();
  await page.locator('.monaco-list-row', { hasText: HOSTILE_TITLE }).waitFor({ state: 'visible' });

  await broken.click();
  const frame = conversationFrame(page);
  await frame.locator('body.broken').waitFor({ state: 'attached' });
  // The unpaired call is the last item, below the fold: the header's button scrolls to it and focuses it.
  await frame.getByRole('button', { name: 'Go to first problem' }).click();
  const unpaired = frame.locator('.item.has-error.status-unpaired:focus');
  await unpaired.waitFor({ state: 'visible' });
  assert.match((await unpaired.getAttribute('aria-label')) ?? '', /Bash, unpaired, 1 problem, line 25/);
  await frame.locator('.finding', { hasText: 'unpaired-tool-use' }).waitFor({ state: 'visible' });
  // One button per quick fix VS Code offers there, the stub first.
  const stub = frame.locator('.item.status-unpaired button.repair', { hasText: /stub/i }).first();
  await stub.waitFor({ state: 'visible', timeout: 60_000 });
  await screenshot(page, 'sessions-02-conversation-unpaired');
  await screenshot(page, 'readme-conversation-broken', EDITOR_AREA);

  // Keyboard: arrows move between items, Enter opens and closes a card.
  await page.keyboard.press('ArrowUp');
  const previous = frame.locator('.item.kind-thinking:focus');
  await previous.waitFor({ state: 'visible' });
  await page.keyboard.press('Enter');
  await previous.locator('details[open]').waitFor({ state: 'visible' });
  await page.keyboard.press('Enter');
  await previous.locator('details:not([open])').waitFor({ state: 'visible' });
  await page.keyboard.press('ArrowDown');
  await frame.locator('.item.status-unpaired:focus').waitFor({ state: 'visible' });

  await stub.click();
  await frame.locator('body.healthy').waitFor({ state: 'attached', timeout: 60_000 });
  assert.equal(await frame.locator('.item.has-error').count(), 0, 'no item is highlighted any more');
  await frame.locator('#status', { hasText: /^Applied: Insert a stub tool_result/ }).waitFor({ state: 'visible' });
  // Redrawn in place: the repaired call keeps the focus (and so stays on screen), now stubbed.
  await frame.locator('.item.status-stubbed:focus').waitFor({ state: 'visible' });
  await screenshot(page, 'sessions-03-conversation-repaired');

  // The save reaches the disk, the watcher refreshes the tree and the session turns healthy.
  const healthy = page.locator('.monaco-list-row[aria-label*="resumes cleanly"]', { hasText: DAMAGED_TITLE });
  await healthy.waitFor({ state: 'visible', timeout: 60_000 });
  assert.equal(await healthy.locator('.codicon-pass').count(), 1, 'a healthy session has the pass icon');
  await screenshot(page, 'sessions-04-tree-healthy');
  await screenshot(page, 'readme-conversation-repaired');

  const check = checkOnDisk(damagedTranscript);
  assert.equal(check.status, 0, `session-lsp check after the repair from the view:\n${check.output}`);
}));

test('a hostile transcript renders as inert text in the conversation view', { skip, timeout: 300_000 }, withFailureEvidence('hostile', () => workbench, async () => {
  await runCommand(page, 'View: Close All Editors');
  await page.locator('.monaco-list-row', { hasText: HOSTILE_TITLE }).click();
  const frame = conversationFrame(page);
  const result = frame.locator('pre.io.result', { hasText: '<script>' });
  await result.waitFor({ state: 'attached' });
  // Open the card so that the text is on screen for the screenshot.
  await result.locator('xpath=ancestor::details[1]').locator('summary').first().click();
  await result.waitFor({ state: 'visible' });
  const text = await result.textContent();
  assert.ok(text?.includes(`<img src=x onerror="document.title='${PWNED}'`), 'the markup shows as text');
  assert.ok(text?.includes('[x](command:workbench.action.closeWindow)'), 'the command link shows as text');
  const inside = await frame.locator('body').evaluate(() => ({
    title: document.title,
    pwned: (window as unknown as { __pwned?: number }).__pwned,
    images: document.querySelectorAll('#items img').length,
    scripts: document.querySelectorAll('#items script').length,
    links: document.querySelectorAll('#items a').length,
  }));
  assert.notEqual(inside.title, PWNED, 'no script set the webview title');
  assert.equal(inside.pwned, undefined, 'no script ran in the webview');
  assert.deepEqual([inside.images, inside.scripts, inside.links], [0, 0, 0], 'no element was made from transcript text');
  assert.notEqual(await page.title(), PWNED);
  await screenshot(page, 'sessions-05-hostile-inert');
  await screenshot(page, 'readme-conversation-hostile', EDITOR_AREA);

  // The reply is Markdown: formatting made of elements, the markup in it still text.
  const reply = frame.locator('.item.kind-assistant .markdown', { hasText: 'What I found' });
  await reply.scrollIntoViewIfNeeded();
  await reply.locator('strong', { hasText: 'parser' }).waitFor({ state: 'visible' });
  assert.equal(await reply.locator('code', { hasText: 'pass_two()' }).count(), 1, 'inline code is code');
  assert.equal(await reply.locator('li').count(), 2, 'the list is a list');
  const replyText = (await reply.textContent()) ?? '';
  assert.ok(replyText.includes(`<script>document.title='${PWNED}'`), 'raw HTML in a reply shows as text');
  assert.ok(replyText.includes('[image: tracker]') && !replyText.includes('pixel.png'), 'an image is its alt text, never loaded');
  const commandLink = reply.locator('.md-link', { hasText: /^x$/ });
  assert.equal(await commandLink.getAttribute('data-href'), null, 'a command: link is never offered to open');
  const afterMarkdown = await frame.locator('body').evaluate(() => ({
    pwned: (window as unknown as { __pwned?: number }).__pwned,
    elements: document.querySelectorAll('#items img, #items script, #items a, #items iframe, #items [onerror], #items [onclick]').length,
  }));
  assert.deepEqual(afterMarkdown, { pwned: undefined, elements: 0 }, 'no element was made from the reply\'s markup');
  await screenshot(page, 'sessions-05b-hostile-markdown');
  // The web link opens only through VS Code, which asks first: the dialog shows, and is declined.
  await reply.locator('.md-link.openable', { hasText: 'the docs' }).click();
  const confirm = page.locator('.monaco-dialog-box', { hasText: 'example.com' });
  await confirm.waitFor({ state: 'visible', timeout: 30_000 });
  await screenshot(page, 'sessions-05c-link-asks-first');
  await confirm.getByRole('button', { name: 'Cancel' }).click();
  await confirm.waitFor({ state: 'detached' });

  // An item's line link shows that line in the raw file, whose title bar offers the view back.
  const item = frame.locator('.item', { has: result });
  const lineLabel = (await item.locator('.line-link').textContent()) ?? '';
  const line = Number(/line (\d+)/.exec(lineLabel)?.[1]);
  await item.locator('.line-link').click();
  await page.locator('.statusbar-item', { hasText: `Ln ${line}, Col 1` }).waitFor({ state: 'visible' });
  await page.getByRole('button', { name: 'Open Conversation View' }).first().waitFor({ state: 'visible' });
  await screenshot(page, 'sessions-06-raw-line-revealed');
}));

test('a real session read: titles agree, the plan on top, search by the server, an edit as a diff, a sub-agent expanded', { skip, timeout: 300_000 }, withFailureEvidence('reader', () => workbench, async () => {
  await runCommand(page, 'View: Close All Editors');
  const row = page.locator('.monaco-list-row', { hasText: READER_TITLE });
  await row.waitFor({ state: 'visible', timeout: 60_000 });
  const treeLabel = ((await row.locator('.label-name').first().textContent()) ?? '').trim();
  await row.click();
  const frame = conversationFrame(page);
  await frame.locator('body.healthy').waitFor({ state: 'attached', timeout: 60_000 });
  assert.equal(((await frame.locator('#title').textContent()) ?? '').trim(), treeLabel, 'the view and the tree give the session one title');

  // The last plan, at the top.
  const plan = frame.locator('#plan');
  await plan.locator('summary', { hasText: 'Plan: 6 of 6 done' }).waitFor({ state: 'visible' });
  assert.equal(await plan.locator('li.todo-completed').count(), 6);
  assert.match((await frame.locator('#summary').textContent()) ?? '', /189 items · no problems · .*in .*cached.* out · last context .* tokens · sub-agents \(1 file\): .*in .*cached.* out$/);
  await screenshot(page, 'reader-01-plan');
  await screenshot(page, 'readme-conversation-plan', EDITOR_AREA);

  // The search box asks the server: the edit is far below the drawn items, and is found.
  const search = frame.locator('#search');
  await search.fill('main.py.oldscratch');
  await search.press('Enter');
  const hits = frame.locator('#search-results .search-hit-button');
  await hits.first().waitFor({ state: 'visible', timeout: 30_000 });
  await screenshot(page, 'reader-02-search');
  await screenshot(page, 'readme-conversation-search', EDITOR_AREA);
  const editHit = frame.locator('#search-results .search-hit-button', { hasText: /item 18 · input/ });
  await editHit.click();
  const edit = frame.locator('.item.kind-tool:focus');
  await edit.waitFor({ state: 'visible' });
  // A hit opens its card by itself (and marks the match): no key to press.
  await edit.locator('details.tool-card[open]').waitFor({ state: 'visible' });
  const diff = edit.locator('pre.diff');
  await diff.waitFor({ state: 'visible' });
  assert.equal(await diff.locator('.diff-removed', { hasText: '-main.py.oldscratch' }).count(), 1, 'the removed line is marked');
  assert.equal(await diff.locator('.diff-added').count(), 2, 'the two added lines are marked');
  assert.ok(((await edit.locator('div.headline-path').textContent()) ?? '').endsWith('.gitignore'), 'the edit names its file');
  await frame.locator('#search-results .search-close').click();
  await screenshot(page, 'reader-03-edit-diff');
  await screenshot(page, 'readme-conversation-diff', EDITOR_AREA);

  // A sub-agent: its call, found the same way, expands into the sub-agent's own conversation.
  await search.fill('Explore ZIP processing implementation');
  await search.press('Enter');
  await frame.locator('#search-results .search-hit-button', { hasText: /item \d+ · input/ }).first().click();
  const focused = frame.locator('.item.kind-tool:focus');
  await focused.waitFor({ state: 'visible' });
  const call = frame.locator(`.item[data-index="${(await focused.getAttribute('data-index')) ?? ''}"]`);
  await call.locator('details.tool-card[open]').waitFor({ state: 'visible' });
  await frame.locator('#search-results .search-close').click();
  await call.locator('.agent-head', { hasText: 'Explore ZIP processing implementation' }).waitFor({ state: 'visible' });
  await call.locator('button.agent-open').click();
  const agentItems = frame.locator('.item.kind-tool .agent-items .entry');
  await agentItems.first().waitFor({ state: 'visible', timeout: 30_000 });
  assert.ok((await agentItems.count()) >= 10, 'the sub-agent conversation is drawn under its call');
  // Scrolled from inside the page: Playwright's own scrolling waits for the element to stop
  // moving, and the outer virtual list re-measures the call's card each time the inner list scrolls.
  await agentItems.first().evaluate((entry) => entry.scrollIntoView({ block: 'nearest' }));
  await screenshot(page, 'reader-04-sub-agent');
  await screenshot(page, 'readme-conversation-sub-agent', EDITOR_AREA);
}));

test('Search Sessions finds a match in any session and opens its conversation there', { skip, timeout: 300_000 }, withFailureEvidence('search-sessions', () => workbench, async () => {
  await runCommand(page, 'View: Close All Editors');
  await runCommand(page, 'Session LSP: Search Sessions…');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill('main.py.oldscratch');
  await input.press('Enter');
  // The matches, under their session's title: the Edit of .gitignore is the reader session's item 18.
  const match = page.locator('.quick-input-list .monaco-list-row', { hasText: /item 18 · input/ });
  await match.first().waitFor({ state: 'visible', timeout: 60_000 });
  await page.locator('.quick-input-list', { hasText: READER_TITLE }).waitFor({ state: 'visible' });
  await screenshot(page, 'search-sessions-01-matches');
  await screenshot(page, 'readme-search-sessions', { x: 344, y: 0, width: 596, height: 340 });
  await match.first().click();
  const frame = conversationFrame(page);
  const opened = frame.locator('.item.kind-tool:focus');
  await opened.waitFor({ state: 'visible', timeout: 60_000 });
  assert.equal(await opened.getAttribute('data-index'), '17', 'the view opens at the match picked');
  assert.ok(((await opened.locator('div.headline-path').textContent()) ?? '').endsWith('.gitignore'));
  await screenshot(page, 'search-sessions-02-opened-at-match', EDITOR_AREA);
}));
