/**
 * The conversation view's script (runs in the webview, bundled to dist/webview/conversation.js).
 *
 * A virtualized list: only the items near the viewport are in the DOM, between two spacers whose
 * heights stand for the rest (measured heights where known, an estimate elsewhere); pages of
 * items are fetched from the extension as the viewport reaches them. Every piece of transcript
 * text is inserted with `textContent`, never as HTML: a reply's Markdown is parsed into a tree of
 * allowed elements (common/markdownTree.ts) that is built here node by node.
 */
import type { AgentAction, SubAgent, ConversationFinding, ConversationItem, ConversationPage, ConversationSegment, HostMessage, ProcessInput, RepairOption, SearchField, SearchHit, SubAgentsUsage, Todo, ToolCall, Usage, ViewMessage } from '../common/conversation';
import { isOpenableLink, pageOffset, titleLabel } from '../common/conversation';
import { markdownTree, type MarkdownNode } from '../common/markdownTree';
import { cardHeadline, changeNote, diffCounts, diffLines, firstLine, formatDuration, formatTokens, typedKeys, visibleLine, visibleText } from '../common/toolView';
import { plural } from '../common/results';
import { markedPieces } from '../common/searchMarks';
import { ItemHeights } from '../common/virtualList';

declare function acquireVsCodeApi(): { postMessage(message: ViewMessage): void };

const vscode = acquireVsCodeApi();
const ESTIMATED_HEIGHT = 64;
const OVERSCAN_PIXELS = 800;

const viewport = element('viewport');
const list = element('items');
const spacerTop = element('spacer-top');
const spacerBottom = element('spacer-bottom');
const titleElement = element('title');
const summary = element('summary');
const statusElement = element('status');
const firstProblemButton = element('first-problem') as HTMLButtonElement;
const planElement = element('plan') as HTMLDetailsElement;

let generation = 0;
/** Every item's height; its count is the conversation's item count, the server's last total. */
const layout = new ItemHeights(ESTIMATED_HEIGHT);
let firstProblem: number | null = null;
/** The segment the live list shows (the last): an item of another one is in the history panel. */
let liveSegment: number | null = null;
const items = new Map<number, ConversationItem>();
const requestedPages = new Set<number>();
/** Repair options per `index:finding`; undefined while asked for. */
const repairs = new Map<string, readonly RepairOption[] | undefined>();
/** Why repairs are withheld, per `index:finding` (an untrusted workspace). */
const blockedRepairs = new Map<string, string>();
/** Cards the user opened or closed, by {@link itemKey} (the default depends on the item). */
const toggled = new Map<string, boolean>();
/** What each item of the conversation with a card in {@link toggled} was ({@link identity}): a reload that put another item at its number (a rewind, a repair) does not open that one. */
const toggledItems = new Map<number, string>();
let focusedIndex = 0;
/** An item to scroll to and focus once it is loaded and rendered. */
let pendingFocus: number | null = null;
let renderScheduled = false;
/** A sub-agent's conversation loaded under its call: kept across a reload while the call's id is the same. */
interface AgentPages {
  readonly callId: string;
  readonly items: ConversationItem[];
  readonly total: number;
  readonly loading: boolean;
}
/** Sub-agent conversations loaded under their call, by the call's {@link itemKey}. */
const agentPages = new Map<string, AgentPages>();
/** Items shown whole ("Show all"), by {@link itemKey}, each with what it is: asked whole again when a reload or a page of the history brings it back shortened. */
const shownWhole = new Map<string, string>();
/** A search submitted and not answered yet: asked again when a reload drops its answer. */
let pendingQuery: string | null = null;
/** The query whose results are listed: searched again after a reload, whose items may be others. */
let listedQuery: string | null = null;
/** The answer listed, as JSON: an answer the same after a reload leaves the list as it is. */
let listedAnswer: string | null = null;
/**
 * The search hit last opened: its card open, drawn whole, the query marked in it. `segment` is
 * the hit's, as the server numbers parts (a compaction after the search adds a part after it, and
 * the item is then in the history); `field` and `line` say where the match was read, so an item
 * that no longer reads it there (a repair moved the lines) is not marked. `whole`: a shortened
 * copy is asked for whole once, and scrolled to when it comes.
 */
let searchTarget: {
  readonly segment: number;
  readonly index: number;
  readonly field: SearchField;
  readonly line: number;
  readonly query: string;
  whole: 'unasked' | 'asked' | 'arrived';
} | null = null;
/** Earlier segments' loaded items, by segment. */
const segmentPages = new Map<number, { items: ConversationItem[]; total: number; loading: boolean }>();
let segmentsShown: readonly ConversationSegment[] = [];
const searchForm = element('search-form') as HTMLFormElement;
const searchInput = element('search') as HTMLInputElement;
const searchResults = element('search-results');
const historyElement = element('history');

function element(id: string): HTMLElement {
  const found = document.getElementById(id);
  if (found === null) {
    throw new Error(`missing #${id}`);
  }
  return found;
}

/** An element; its text shown as text, every unseen character (a control, a bidi override) visibly escaped. */
function create<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className !== undefined) {
    node.className = className;
  }
  if (text !== undefined) {
    node.textContent = visibleText(text);
  }
  return node;
}

/**
 * An item's key in the maps of cards and sub-agents: the conversation's items by index (null
 * segment), an earlier segment's as `segment:index`.
 */
function itemKey(segment: number | null, index: number): string {
  return segment === null ? String(index) : `${segment}:${index}`;
}

function post(message: ViewMessage): void {
  vscode.postMessage(message);
}

// --- layout ---------------------------------------------------------------------------------

function offsetOf(index: number): number {
  return layout.offsetOf(index);
}

function scheduleRender(): void {
  if (!renderScheduled) {
    renderScheduled = true;
    requestAnimationFrame(() => {
      renderScheduled = false;
      render();
    });
  }
}

function render(): void {
  // Focus inside an item that is about to be redrawn moves to the redrawn item.
  const refocus = list.contains(document.activeElement) ? focusedIndex : null;
  const window = layout.window(viewport.scrollTop, viewport.clientHeight, OVERSCAN_PIXELS);
  spacerTop.style.height = `${window.before}px`;
  spacerBottom.style.height = `${window.after}px`;
  const wanted = new Set<number>();
  for (let index = window.start; index < window.end; index++) {
    wanted.add(index);
  }
  for (const child of [...list.children] as HTMLElement[]) {
    if (!wanted.has(Number(child.dataset.index)) || child.dataset.stale === 'true') {
      child.remove();
    }
  }
  const present = new Map<number, HTMLElement>();
  for (const child of [...list.children] as HTMLElement[]) {
    present.set(Number(child.dataset.index), child);
  }
  let previous: HTMLElement | null = null;
  for (let index = window.start; index < window.end; index++) {
    let node = present.get(index);
    if (node === undefined) {
      node = renderItem(index);
      if (previous === null) {
        list.prepend(node);
      } else {
        previous.after(node);
      }
    }
    previous = node;
    if (!items.has(index)) {
      requestPage(pageOffset(index));
    }
  }
  measure();
  if (refocus !== null && !list.contains(document.activeElement)) {
    list.querySelector<HTMLElement>(`[data-index="${refocus}"]`)?.focus({ preventScroll: true });
  }
  if (pendingFocus !== null && items.has(pendingFocus)) {
    const target = pendingFocus;
    pendingFocus = null;
    focusItem(target, true);
  }
}

/** Records the real heights of the rendered items; the spacers follow on the next render. */
function measure(): void {
  let changed = false;
  for (const child of [...list.children] as HTMLElement[]) {
    if (layout.measure(Number(child.dataset.index), child.offsetHeight)) {
      changed = true;
    }
  }
  if (changed) {
    const window = layout.window(viewport.scrollTop, viewport.clientHeight, OVERSCAN_PIXELS);
    spacerTop.style.height = `${window.before}px`;
    spacerBottom.style.height = `${window.after}px`;
  }
}

function requestPage(offset: number): void {
  if (!requestedPages.has(offset)) {
    requestedPages.add(offset);
    post({ type: 'loadPage', generation, offset });
  }
}

// --- items ----------------------------------------------------------------------------------

/** What the format calls its assistant, from the server's answer. */
let assistantLabel = 'Assistant';

const KIND_LABELS: Record<string, string> = {
  prompt: 'You',
  thinking: 'Thinking',
  tool: 'Tool',
  compaction: 'Compaction',
  interrupt: 'Interrupted',
  command: 'Command',
  'orphan-result': 'Orphan result',
  damaged: 'Damaged line',
  notification: 'Notification',
  'api-error': 'API error',
  'model-fallback': 'Model switch',
  'sub-agent': 'Sub-agent',
  recap: 'Recap',
};

function hasError(item: ConversationItem): boolean {
  return item.findings.some((finding) => finding.severity === 'error');
}

/** Tool cards of the conversation with a problem start open; thinking, healthy tool cards and the history's start closed. */
function isOpen(item: ConversationItem, segment: number | null): boolean {
  return toggled.get(itemKey(segment, item.index)) ?? (segment === null && item.findings.length > 0);
}

function kindLabel(item: ConversationItem): string {
  return item.kind === 'assistant' ? assistantLabel : (KIND_LABELS[item.kind] ?? item.kind);
}

function rawLine(item: ConversationItem): number {
  return item.tool?.callLine ?? item.lines[0];
}

/** A call's name on one line; an orphan result, whose call is not in the conversation, by the id it answers. */
function toolName(tool: ToolCall): string {
  return visibleLine(tool.name === '' ? `result for ${tool.id}` : tool.name);
}

function itemLabel(item: ConversationItem): string {
  const parts = [kindLabel(item)];
  if (item.tool !== null) {
    parts.push(toolName(item.tool), item.tool.status);
  }
  if (item.findings.length > 0) {
    parts.push(`${item.findings.length} problem${item.findings.length === 1 ? '' : 's'}`);
  }
  parts.push(`line ${rawLine(item) + 1}`);
  return parts.join(', ');
}

function renderItem(index: number): HTMLElement {
  const item = items.get(index);
  const node = create('div', 'item');
  node.dataset.index = String(index);
  node.setAttribute('role', 'listitem');
  node.tabIndex = index === focusedIndex ? 0 : -1;
  if (item === undefined) {
    node.classList.add('placeholder');
    node.textContent = 'Loading…';
    node.setAttribute('aria-busy', 'true');
    return node;
  }
  fillItem(node, item, 'live', null);
  item.findings.forEach((finding, position) => node.append(findingBox(item, finding, position)));
  markTarget(node, null, item);
  return node;
}

/**
 * Where an item is drawn: `live` in the conversation (its raw line one click away, its cards
 * remembered), `history` in an earlier segment of the same file, `agent` in a sub-agent's own
 * transcript (another file: no raw line here).
 */
type ItemPlace = 'live' | 'history' | 'agent';

/** An item of an earlier segment (`segment`) or of a sub-agent (null), drawn inside a panel or a card. */
function entryNode(item: ConversationItem, place: ItemPlace, segment: number | null): HTMLElement {
  const node = create('div', 'entry');
  node.setAttribute('role', 'listitem');
  fillItem(node, item, place, segment);
  return node;
}

/** An item drawn in `node`; `segment`: the earlier segment of a history item, else null. */
function fillItem(node: HTMLElement, item: ConversationItem, place: ItemPlace, segment: number | null): void {
  node.classList.add(`kind-${item.kind}`);
  if (item.tool !== null) {
    node.classList.add(`status-${item.tool.status}`);
  }
  if (hasError(item)) {
    node.classList.add('has-error');
  } else if (item.findings.length > 0) {
    node.classList.add('has-warning');
  }
  node.setAttribute('aria-label', itemLabel(item));

  const meta = create('div', 'meta');
  meta.append(create('span', 'who', kindLabel(item)));
  if (item.tool !== null) {
    meta.append(create('span', 'tool-name', toolName(item.tool)), create('span', `badge status-${item.tool.status}`, item.tool.status));
  }
  if (item.timestamp !== null) {
    const time = create('time', 'time', new Date(item.timestamp).toLocaleString());
    time.dateTime = item.timestamp;
    meta.append(time);
  }
  const cost = costLabel(item);
  if (cost !== '') {
    const costNode = create('span', 'cost', cost);
    if (item.tool?.durationMs !== null && item.tool?.durationMs !== undefined) {
      // A call's time runs until its result was written: a wait for the user's approval counts.
      costNode.title = 'From the call to its result, including any wait for your approval';
    }
    meta.append(costNode);
  }
  if (place !== 'agent') {
    const lineButton = create('button', 'line-link', `line ${rawLine(item) + 1}`);
    lineButton.type = 'button';
    lineButton.title = 'Show this line in the raw transcript';
    lineButton.setAttribute('aria-label', `Show line ${rawLine(item) + 1} in the raw transcript`);
    lineButton.dataset.action = 'reveal';
    lineButton.dataset.line = String(rawLine(item));
    meta.append(lineButton);
  }
  node.append(meta);

  if (item.tool !== null) {
    // A call, or an orphan result: its content is the result, with no call.
    node.append(toolCard(item, place, segment));
  } else if (item.kind === 'thinking' || item.kind === 'compaction') {
    const details = create('details', 'card');
    details.open = place === 'agent' ? false : (toggled.get(itemKey(segment, item.index)) ?? false);
    const summaryNode = create('summary', undefined, item.kind === 'thinking' ? 'Thinking' : 'Summary of the compacted conversation');
    if (item.text !== '') {
      summaryNode.append(create('span', 'first-line', visibleLine(firstLine(item.text))));
    }
    details.append(summaryNode);
    details.append(item.kind === 'thinking' ? create('pre', 'text', item.text) : markdownBlock(item.text));
    node.append(details);
  } else if (item.kind === 'assistant' || item.kind === 'recap') {
    // The model's Markdown. A sub-agent's message kept in the main file is composed (its prompt,
    // its calls with their input, its tools' results): shown as written, below.
    node.append(markdownBlock(item.text));
  } else if (item.text !== '') {
    node.append(create('div', 'text', item.text));
  }
  if (item.truncated) {
    // The item whole from the server (`sessionLsp.item`): text, input, diff and result uncut.
    const note = create('div', 'truncated', '(shortened)');
    const whole = create('button', 'show-all', 'Show all');
    whole.type = 'button';
    whole.dataset.action = place === 'agent' ? 'agent-whole' : 'whole';
    note.append(document.createTextNode(' '), whole);
    node.append(note);
  }
}

function toolCard(item: ConversationItem, place: ItemPlace, segment: number | null): HTMLElement {
  const tool = item.tool!;
  const details = create('details', 'card tool-card');
  details.open = place === 'agent' ? false : isOpen(item, segment);
  const headline = cardHeadline(tool.input, tool.diff, tool.todos, tool.process, tool.actsOn);
  const summaryNode = create('summary');
  summaryNode.append(create('span', 'tool-name', toolName(tool)), document.createTextNode(' '));
  if (headline !== null) {
    const line = visibleLine(firstLine(headline.text, 160));
    summaryNode.append(create('span', `input-preview headline-${headline.role}`, headline.role === 'command' ? `$ ${line}` : line));
  }
  if (tool.diff !== null) {
    const counts = diffCounts(tool.diff);
    // A shortened diff is counted as far as it goes: "…" says there is more ("Show all").
    const more = item.truncated ? '…' : '';
    const added = create('span', 'diff-count added', `+${counts.added}${more}`);
    const removed = create('span', 'diff-count removed', `−${counts.removed}${more}`);
    if (item.truncated) {
      added.title = removed.title = 'Counted in the shortened diff: Show all counts the whole change';
    }
    summaryNode.append(document.createTextNode(' '), added, document.createTextNode(' '), removed);
    const note = changeNote(tool.applied);
    if (note !== '') {
      // A rejected or failed edit's lines were never written: its counts are not the file's.
      summaryNode.append(document.createTextNode(' '), create('span', 'diff-note', note));
      details.classList.add('change-not-made');
    }
  }
  if (tool.rejection !== null) {
    // The user's one instruction when they said no: what the agent was told to do instead.
    summaryNode.append(document.createTextNode(' '), create('span', 'rejection', `the user said: ${visibleLine(firstLine(tool.rejection, 160))}`));
  }
  details.append(summaryNode);
  if (tool.rejection !== null) {
    details.append(create('div', 'rejection', `The user said: ${tool.rejection}`));
  }
  if (tool.diff !== null) {
    if (headline !== null && headline.role === 'path') {
      details.append(create('div', 'headline headline-path', visibleLine(headline.text)));
    }
    details.append(diffBlock(tool.diff));
  } else if (tool.todos !== null) {
    if (tool.explanation !== null) {
      details.append(create('div', 'text plan-explanation', tool.explanation));
    }
    details.append(todoList(tool.todos));
  } else if (tool.process !== null) {
    details.append(processBlock(tool.process, place));
  } else if (tool.actsOn !== null) {
    details.append(actionBlock(tool.actsOn, place));
  } else if (headline?.role === 'command') {
    details.append(create('pre', 'io command', `$ ${headline.text}`));
  } else if (headline !== null && headline.role !== 'text') {
    details.append(create('div', `headline headline-${headline.role}`, visibleLine(headline.text)));
  }
  const readable = tool.diff !== null || tool.todos !== null || (headline !== null && headline.role !== 'text');
  if (readable) {
    // The whole input stays one click away, as the fallback for what the headline leaves out.
    const raw = create('details', 'raw-input');
    raw.append(create('summary', undefined, tool.input.trimStart().startsWith('{') ? 'Input (JSON)' : 'Input'), create('pre', 'io input', tool.input));
    details.append(raw);
  } else if (tool.input !== '') {
    // (An orphan result has no call, so no input.)
    details.append(create('h3', 'io-label', 'Input'), create('pre', 'io input', tool.input));
  }
  // A rejected call did nothing: its result is the stock refusal, which says less than the user's words above.
  if (tool.status !== 'rejected') {
    details.append(...resultBlock(tool, headline?.role === 'command' || headline?.role === 'process' ? 'Output' : 'Result'));
  }
  if (tool.agent !== null) {
    details.append(agentBlock(item, tool.agent, place, segment));
  } else if (tool.agentFile !== null) {
    details.append(create('div', 'agent-file', `Sub-agent transcript: ${visibleLine(tool.agentFile)}`));
  }
  return details;
}

/** What a call answered, under its label; a call still running (a live session) says so. */
function resultBlock(tool: ToolCall, label: string): HTMLElement[] {
  const head = create('h3', 'io-label', tool.isError ? `${label} (error)` : label);
  if (tool.result !== null) {
    return [head, create('pre', tool.isError ? 'io result error' : 'io result', tool.result)];
  }
  if (tool.status === 'live') {
    return [head, create('pre', 'io result running', 'running')];
  }
  return [head, create('pre', 'io result missing', tool.status === 'unpaired' ? 'No result: this call never got its tool_result.' : '(no result)')];
}

/**
 * The running command a poll waits on or types into: what it typed (visibly), the command, and
 * the call that started it one click away (in the history panel when it is before a compaction;
 * none in a sub-agent's transcript, whose items are another file's).
 */
function processBlock(process: ProcessInput, place: ItemPlace): HTMLElement {
  const block = create('div', 'process');
  const head = create('div', 'headline headline-process', process.typed === '' ? 'Waits on the command of ' : `Types ${typedKeys(process.typed)} into the command of `);
  head.append(itemLink(process.segment, process.index, place, 'Go to the call that started this command'));
  block.append(head, create('pre', 'io command', `$ ${process.command}`));
  return block;
}

/** The sub-agents a call acts on (`Closes Curie`), each with the call that spawned it one click away. */
function actionBlock(action: AgentAction, place: ItemPlace): HTMLElement {
  const head = create('div', 'headline headline-agents', `${action.verb.charAt(0).toUpperCase()}${action.verb.slice(1)} `);
  action.agents.forEach((agent, position) => {
    head.append(document.createTextNode(`${position > 0 ? ', ' : ''}${visibleLine(agent.name)} (spawned by `), itemLink(agent.segment, agent.index, place, 'Go to the call that spawned this sub-agent'), document.createTextNode(')'));
  });
  return head;
}

/**
 * `item 9` (`part 1, item 9` before a compaction): a button to that item in the conversation or
 * in the history panel; plain text in a sub-agent's transcript, whose items are another file's.
 */
function itemLink(segment: number, index: number, place: ItemPlace, title: string): Node {
  const inHistory = segment !== liveSegment;
  const where = inHistory ? `part ${segment + 1}, item ${index + 1}` : `item ${index + 1}`;
  if (place === 'agent') {
    return document.createTextNode(where);
  }
  const jump = create('button', 'line-link', where);
  jump.type = 'button';
  jump.title = title;
  jump.addEventListener('click', (event) => {
    event.stopPropagation();
    if (inHistory) {
      showInHistory(segment, index);
    } else {
      focusItem(index, true);
    }
  });
  return jump;
}

/** A sub-agent under its call (of `segment`, null: the conversation): what it was, and its conversation on request (paged from its file). */
function agentBlock(item: ConversationItem, agent: SubAgent, place: ItemPlace, segment: number | null): HTMLElement {
  const block = create('div', 'agent');
  const facts = [visibleLine(agent.title ?? 'Sub-agent')];
  if (agent.items !== null) {
    facts.push(plural(agent.items, 'item'));
  }
  if (agent.errors !== null && agent.errors > 0) {
    facts.push(`${agent.errors} error${agent.errors === 1 ? '' : 's'}`);
  }
  if (agent.usage !== null) {
    facts.push(usageLabel(agent.usage));
  }
  block.append(create('div', 'agent-head', `Sub-agent: ${facts.join(' · ')}`));
  if (agent.file === null) {
    const told = agent.items === 0 ? 'No transcript of its turns: no agent file, and none of its turns in this file.' : 'Its turns are the Sub-agent items under this call.';
    block.append(create('div', 'agent-file', told));
    return block;
  }
  if (place === 'agent') {
    return block;
  }
  const loaded = agentPages.get(itemKey(segment, item.index));
  if (loaded === undefined) {
    const button = create('button', 'agent-open', 'Show the sub-agent’s conversation');
    button.type = 'button';
    button.dataset.action = 'agent';
    block.append(button);
    return block;
  }
  const list = create('div', 'agent-items');
  list.setAttribute('role', 'list');
  list.setAttribute('aria-label', `The sub-agent's conversation: ${visibleLine(agent.title ?? '')}`);
  loaded.items.forEach((entry) => {
    const node = entryNode(entry, 'agent', null);
    node.dataset.agentIndex = String(entry.index);
    list.append(node);
  });
  block.append(list);
  if (loaded.items.length < loaded.total) {
    const more = create('button', 'agent-more', loaded.loading ? 'Loading…' : `Show more (${loaded.total - loaded.items.length} left)`);
    more.type = 'button';
    more.dataset.action = 'agent';
    more.disabled = loaded.loading;
    block.append(more);
  }
  return block;
}

/** Unobtrusive use and time: a reply's model and tokens, a call's duration. */
function costLabel(item: ConversationItem): string {
  const parts: string[] = [];
  if (item.model !== null) {
    parts.push(item.model);
  }
  if (item.usage !== null) {
    parts.push(usageLabel(item.usage));
  }
  if (item.tool?.durationMs !== null && item.tool?.durationMs !== undefined) {
    parts.push(formatDuration(item.tool.durationMs));
  }
  return parts.join(' · ');
}

/** "sub-agents (6 files): 2.0M in (1.7M cached) · 31k out", as `show` says it. */
function subAgentsLabel(sub: SubAgentsUsage): string {
  const unreadable = sub.unreadable > 0 ? `, ${sub.unreadable} unreadable` : '';
  const uncounted = sub.uncounted > 0 ? `, ${sub.uncounted} not read: too many` : '';
  const files = `${sub.files} file${sub.files === 1 ? '' : 's'}${unreadable}${uncounted}`;
  return `sub-agents (${files}): ${sub.usage === null ? 'no token counts' : usageLabel(sub.usage)}`;
}

function usageLabel(usage: Usage): string {
  const cached = usage.cacheRead + usage.cacheCreation;
  return `${formatTokens(usage.input + cached)} in${cached > 0 ? ` (${formatTokens(usage.cacheRead)} cached)` : ''} · ${usage.outputPartial ? 'at least ' : ''}${formatTokens(usage.output)} out`;
}

const PLAN_MARKS: Record<string, string> = { completed: '☑', in_progress: '◐', pending: '☐' };

/** A plan as a checklist: done, under way, to do. */
function todoList(todos: readonly Todo[]): HTMLElement {
  const list = create('ul', 'todos');
  for (const todo of todos) {
    const entry = create('li', `todo todo-${todo.status.replace(/[^a-z_]/gi, '')}`);
    entry.append(create('span', 'todo-mark', PLAN_MARKS[todo.status] ?? '☐'), document.createTextNode(' '), create('span', 'todo-text', todo.content));
    entry.setAttribute('aria-label', `${todo.status.replace('_', ' ')}: ${todo.content}`);
    list.append(entry);
  }
  return list;
}

/** A unified diff, one line per row, coloured by what the line is. */
function diffBlock(diff: string): HTMLElement {
  const block = create('pre', 'io diff');
  for (const line of diffLines(diff)) {
    block.append(create('span', `diff-line diff-${line.kind}`, `${line.text}\n`));
  }
  return block;
}

/** A reply's Markdown, built from the allowed tree: text only ever through `textContent`. */
function markdownBlock(text: string): HTMLElement {
  const block = create('div', 'markdown');
  appendMarkdown(block, markdownTree(text));
  return block;
}

function appendMarkdown(parent: HTMLElement, nodes: readonly MarkdownNode[]): void {
  for (const node of nodes) {
    switch (node.kind) {
      case 'text':
        parent.append(document.createTextNode(visibleText(node.text)));
        break;
      case 'check':
        parent.append(create('span', node.checked ? 'task done' : 'task', node.checked ? '☑ ' : '☐ '));
        break;
      case 'link': {
        // Never an <a>: the text is shown, and an http(s) address opens only through VS Code.
        const link = create('span', 'md-link');
        link.title = node.href;
        if (isOpenableLink(node.href)) {
          link.classList.add('openable');
          link.dataset.href = node.href;
          link.setAttribute('role', 'button');
          link.tabIndex = 0;
        }
        appendMarkdown(link, node.children);
        parent.append(link);
        break;
      }
      case 'element': {
        const child = document.createElement(node.tag);
        if (node.tag === 'ol' && node.start !== undefined && node.start !== 1) {
          (child as HTMLOListElement).start = node.start;
        }
        if (node.language !== undefined) {
          child.dataset.language = node.language;
        }
        appendMarkdown(child, node.children);
        parent.append(child);
        break;
      }
    }
  }
}

function findingBox(item: ConversationItem, finding: ConversationFinding, position: number): HTMLElement {
  const box = create('div', `finding severity-${finding.severity}`);
  box.setAttribute('role', 'group');
  box.setAttribute('aria-label', `${finding.severity}: ${finding.message}`);
  const head = create('div', 'finding-head');
  head.append(create('span', 'severity', finding.severity), create('code', 'code', finding.code), create('span', 'message', finding.message));
  box.append(head);
  const key = `${item.index}:${position}`;
  const buttons = create('div', 'repairs');
  if (!repairs.has(key)) {
    repairs.set(key, undefined);
    post({ type: 'listRepairs', generation, index: item.index, finding: position });
  }
  const options = repairs.get(key);
  if (options === undefined) {
    buttons.append(create('span', 'repairs-loading', 'Looking for repairs…'));
  } else if (blockedRepairs.has(key)) {
    buttons.append(create('span', 'repairs-none', blockedRepairs.get(key)));
  } else if (options.length === 0) {
    buttons.append(create('span', 'repairs-none', 'No quick fix for this one.'));
  } else {
    for (const option of options) {
      const button = create('button', option.preferred ? 'repair preferred' : 'repair', option.title);
      button.type = 'button';
      button.dataset.action = 'repair';
      button.dataset.finding = String(position);
      button.dataset.title = option.title;
      buttons.append(button);
    }
  }
  box.append(buttons);
  return box;
}

// --- focus and keyboard -----------------------------------------------------------------------

function focusItem(index: number, scroll: boolean): void {
  if (layout.count === 0) {
    return;
  }
  focusedIndex = Math.max(0, Math.min(layout.count - 1, index));
  for (const child of [...list.children] as HTMLElement[]) {
    child.tabIndex = Number(child.dataset.index) === focusedIndex ? 0 : -1;
  }
  let node = list.querySelector<HTMLElement>(`[data-index="${focusedIndex}"]`);
  const top = offsetOf(focusedIndex);
  const outside = node === null || top < viewport.scrollTop || top + layout.at(focusedIndex) > viewport.scrollTop + viewport.clientHeight;
  if (scroll && outside) {
    viewport.scrollTop = Math.max(0, top - 8);
    render();
    node = list.querySelector<HTMLElement>(`[data-index="${focusedIndex}"]`);
  }
  if (node !== null && !node.classList.contains('placeholder')) {
    node.focus({ preventScroll: !outside });
  } else {
    pendingFocus = focusedIndex;
  }
}

function toggleCard(index: number): void {
  const item = items.get(index);
  const details = list.querySelector<HTMLDetailsElement>(`[data-index="${index}"] details`);
  if (item !== undefined && details !== null) {
    details.open = !details.open;
  }
}

list.addEventListener('keydown', (event) => {
  const target = event.target as HTMLElement;
  const itemNode = target.closest<HTMLElement>('.item');
  if (itemNode === null) {
    return;
  }
  const index = Number(itemNode.dataset.index);
  const onItem = target === itemNode;
  switch (event.key) {
    case 'ArrowDown':
    case 'ArrowUp':
      if (onItem) {
        event.preventDefault();
        focusItem(index + (event.key === 'ArrowDown' ? 1 : -1), true);
      }
      return;
    case 'Home':
    case 'End':
      if (onItem) {
        event.preventDefault();
        focusItem(event.key === 'Home' ? 0 : layout.count - 1, true);
      }
      return;
    case 'Enter':
    case ' ':
      if (target.matches('.md-link.openable') && target.dataset.href !== undefined) {
        event.preventDefault();
        post({ type: 'openLink', href: target.dataset.href });
      } else if (onItem) {
        event.preventDefault();
        toggleCard(index);
      }
      return;
  }
});

list.addEventListener('focusin', (event) => {
  const itemNode = (event.target as HTMLElement).closest<HTMLElement>('.item');
  if (itemNode !== null) {
    focusedIndex = Number(itemNode.dataset.index);
    for (const child of [...list.children] as HTMLElement[]) {
      child.tabIndex = child === itemNode ? 0 : -1;
    }
  }
});

list.addEventListener('toggle', (event) => {
  const target = event.target as HTMLElement;
  const itemNode = target.closest<HTMLElement>('.item');
  // A card inside a sub-agent's item is not the call's own card: only the height changed.
  if (itemNode !== null && target.closest('.entry') === null && target.parentElement?.closest('details') === null) {
    setToggled(null, Number(itemNode.dataset.index), (event.target as HTMLDetailsElement).open);
  }
  measure();
}, true);

list.addEventListener('click', (event) => {
  const target = event.target as HTMLElement;
  const itemNode = target.closest<HTMLElement>('.item');
  if (itemNode === null) {
    return;
  }
  const item = items.get(Number(itemNode.dataset.index));
  if (item === undefined) {
    return;
  }
  const link = target.closest<HTMLElement>('.md-link.openable');
  if (link?.dataset.href !== undefined) {
    post({ type: 'openLink', href: link.dataset.href });
    return;
  }
  const button = target.closest<HTMLButtonElement>('button');
  if (agentClick(button, null, item) || target.closest('.agent-items') !== null) {
    return;
  }
  if (button?.dataset.action === 'whole') {
    button.disabled = true;
    post({ type: 'loadItem', generation, index: item.index, segment: null });
    return;
  }
  if (button?.dataset.action === 'repair') {
    // Disabling the focused button would drop the focus to the page: keep it on the item.
    itemNode.focus({ preventScroll: true });
    list.querySelectorAll<HTMLButtonElement>('button.repair').forEach((other) => (other.disabled = true));
    setStatus(`Applying: ${button.dataset.title ?? ''}…`, false);
    post({ type: 'applyRepair', generation, index: item.index, finding: Number(button.dataset.finding), title: button.dataset.title ?? '' });
    return;
  }
  // A click on the text (not on a card's summary, a button or a selection) shows the raw line.
  if (button?.dataset.action === 'reveal' || (button === null && target.closest('summary') === null && (document.getSelection()?.isCollapsed ?? true))) {
    post({ type: 'reveal', line: rawLine(item) });
  }
});

viewport.addEventListener('scroll', scheduleRender, { passive: true });
new ResizeObserver(scheduleRender).observe(viewport);
firstProblemButton.addEventListener('click', () => {
  if (firstProblem !== null) {
    focusItem(firstProblem, true);
  }
});

function setStatus(text: string, isError: boolean): void {
  statusElement.textContent = text;
  statusElement.classList.toggle('error', isError);
}

// --- messages from the extension --------------------------------------------------------------

function acceptPage(page: ConversationPage): void {
  // Every page carries the total as of its reading: a live session may have grown since the last.
  layout.resize(page.total);
  for (const item of page.items) {
    items.set(item.index, item);
    keepOpened(item);
    list.querySelector(`[data-index="${item.index}"]`)?.setAttribute('data-stale', 'true');
  }
  requestedPages.add(page.offset);
}

/**
 * A card opened or closed by the user (a search hit, a sub-agent loaded); of the conversation's
 * items, remembered with what the item is, or, for one not arrived yet, with nothing until it does.
 */
function setToggled(segment: number | null, index: number, open: boolean): void {
  toggled.set(itemKey(segment, index), open);
  if (segment !== null) {
    return;
  }
  const item = items.get(index);
  if (item !== undefined) {
    toggledItems.set(index, identity(item));
  } else {
    toggledItems.delete(index);
  }
}

/** What an item is, whatever a reload cut or counted differently: its kind, its lines and its call. */
function identity(item: ConversationItem): string {
  return `${item.kind}:${item.lines[0]}:${item.lines[1]}:${item.tool?.id ?? ''}`;
}

/**
 * After a reload, what the user opened at an item stays open while the item is the same: its
 * sub-agent's conversation (the same call), its whole text (asked for again, fresh).
 */
function keepOpened(item: ConversationItem): void {
  const key = itemKey(null, item.index);
  const toggledAs = toggledItems.get(item.index);
  if (toggledAs !== undefined && toggledAs !== identity(item)) {
    toggled.delete(key);
    toggledItems.delete(item.index);
  } else if (toggledAs === undefined && toggled.has(key)) {
    toggledItems.set(item.index, identity(item)); // set before its page came: this is the item
  }
  if (agentPages.get(key)?.callId !== item.tool?.id) {
    agentPages.delete(key);
  }
  askWholeAgain(null, item);
}

/** An item shown whole before, come back shortened (a reload, a page of the history read again): asked whole again while it is the same item. */
function askWholeAgain(segment: number | null, item: ConversationItem): void {
  const key = itemKey(segment, item.index);
  if (shownWhole.get(key) !== identity(item)) {
    shownWhole.delete(key);
  } else if (item.truncated) {
    post({ type: 'loadItem', generation, index: item.index, segment });
  }
}

function showSummary(page: ConversationPage): void {
  titleElement.textContent = visibleLine(titleLabel(page.title, page.sessionId ?? page.path.split(/[\\/]/).pop() ?? 'Conversation'));
  assistantLabel = page.assistantLabel;
  liveSegment = page.segment;
  const problems = page.errors === 0 && page.warnings === 0 ? 'no problems' : `${plural(page.errors, 'error')}, ${plural(page.warnings, 'warning')}`;
  const branches = page.abandonedBranches > 0 ? ` · ${page.abandonedBranches} abandoned branch${page.abandonedBranches === 1 ? '' : 'es'}` : '';
  const start = page.startNote === null ? '' : ` · ${page.startNote}`;
  const usage = page.usage === null ? '' : ` · ${usageLabel(page.usage)}`;
  const context = page.contextTokens === null ? '' : ` · last context ${formatTokens(page.contextTokens)} tokens`;
  const subAgents = page.subAgents === null ? '' : ` · ${subAgentsLabel(page.subAgents)}`;
  summary.textContent = visibleText(`${plural(page.total, 'item')} · ${problems}${branches}${start}${usage}${context}${subAgents}`);
  showPlan(page);
  showHistory(page);
  document.body.classList.toggle('healthy', page.errors === 0);
  document.body.classList.toggle('broken', page.errors > 0);
  firstProblemButton.hidden = page.firstProblem === null;
}

/** The last plan the agent wrote, at the top: where the work stood when the session ended. */
function showPlan(page: ConversationPage): void {
  planElement.hidden = page.lastTodos === null;
  planElement.replaceChildren();
  if (page.lastTodos === null) {
    return;
  }
  const { index, todos, segment } = page.lastTodos;
  const done = todos.filter((todo) => todo.status === 'completed').length;
  const summaryNode = create('summary', undefined, todos.length === 0 ? 'Plan: emptied (no steps left)' : `Plan: ${done} of ${todos.length} done`);
  // Written before a compaction when nothing was planned after it: in the history above.
  const inHistory = segment !== null && segment !== page.segment;
  const jump = create('button', 'line-link', inHistory ? `part ${segment + 1}, item ${index + 1}` : `item ${index + 1}`);
  jump.type = 'button';
  jump.title = 'Go to the call that wrote this plan';
  jump.addEventListener('click', () => (inHistory ? showInHistory(segment, index) : focusItem(index, true)));
  summaryNode.append(document.createTextNode(' '), jump);
  planElement.append(summaryNode, todoList(todos));
}

// --- sub-agents, history and search ---------------------------------------------------------------

function redrawItem(index: number): void {
  list.querySelector(`[data-index="${index}"]`)?.setAttribute('data-stale', 'true');
  render();
}

/** Redraws an item of the conversation (null segment) or of an earlier segment. */
function redrawEntry(segment: number | null, index: number): void {
  if (segment === null) {
    redrawItem(index);
  } else {
    drawSegment(segment);
  }
}

/** Asks for the next page of the sub-agent under the call `call` of `segment` (null: the conversation). */
function loadAgent(segment: number | null, call: ConversationItem): void {
  const key = itemKey(segment, call.index);
  const loaded = agentPages.get(key) ?? { callId: call.tool?.id ?? '', items: [], total: 1, loading: false };
  if (loaded.loading) {
    return;
  }
  agentPages.set(key, { ...loaded, loading: true });
  post({ type: 'loadAgent', generation, segment, index: call.index, offset: loaded.items.length });
  redrawEntry(segment, call.index);
}

/** A click on a sub-agent's buttons under `call` (of `segment`): its next page, or one of its items whole. Whether it was one. */
function agentClick(button: HTMLButtonElement | null, segment: number | null, call: ConversationItem): boolean {
  if (button?.dataset.action === 'agent') {
    loadAgent(segment, call);
    return true;
  }
  if (button?.dataset.action !== 'agent-whole') {
    return false;
  }
  const entry = button.closest<HTMLElement>('[data-agent-index]');
  if (entry?.dataset.agentIndex !== undefined) {
    button.disabled = true;
    post({ type: 'loadAgentItem', generation, segment, index: call.index, entry: Number(entry.dataset.agentIndex) });
  }
  return true;
}

/** A page of a sub-agent's conversation, added under its call (unless a reload dropped it, another call now). */
function acceptAgentPage(segment: number | null, index: number, page: ConversationPage): void {
  const key = itemKey(segment, index);
  const loaded = agentPages.get(key);
  if (loaded === undefined) {
    return;
  }
  const known = new Set(loaded.items.map((entry) => entry.index));
  agentPages.set(key, { ...loaded, items: [...loaded.items, ...page.items.filter((entry) => !known.has(entry.index))], total: page.total, loading: false });
  setToggled(segment, index, true);
  redrawEntry(segment, index);
}

/**
 * A compaction made the live list part `segment` of the history: the cards opened and the
 * sub-agents loaded in it move there with their items, rather than stay on the new list's items
 * of the same numbers.
 */
/**
 * A reload whose history changed: the cards opened, the sub-agents loaded and the items shown whole
 * in a segment still there (the same kind, lines and size) follow it to its new number, the others'
 * are dropped, and after a new compaction the live list's go to the history it closed (the newest
 * compacted part), where its items now are.
 */
function carryHistory(page: ConversationPage): void {
  const earlier = page.segments.filter((segment) => segment.index !== page.segment);
  const moves = new Map<number, number>();
  const unused = [...segmentsShown];
  for (const segment of earlier) {
    const position = unused.findIndex((old) => sameSegment(old, segment));
    if (position >= 0) {
      moves.set(unused[position]!.index, segment.index);
      unused.splice(position, 1);
    }
  }
  const compacted = (segments: readonly ConversationSegment[]): number => segments.filter((segment) => segment.kind === 'compacted').length;
  const closed = liveSegment !== null && compacted(earlier) > compacted(segmentsShown) ? compacted(earlier) - 1 : null;
  if (closed !== null) {
    toggledItems.clear();
  }
  // Into new maps, then back: moved in place, a key could land on one not yet moved.
  for (const map of [toggled, agentPages, shownWhole] as Map<string, unknown>[]) {
    const carried = new Map<string, unknown>();
    for (const [key, value] of map) {
      const [segment, index] = key.includes(':') ? key.split(':').map(Number) : [null, Number(key)];
      const moved = segment === null ? closed : moves.get(segment!);
      if (segment === null && moved === null) {
        carried.set(key, value);
      } else if (moved !== undefined && moved !== null) {
        carried.set(itemKey(moved, index!), value);
      }
    }
    map.clear();
    carried.forEach((value, key) => map.set(key, value));
  }
}

function sameSegment(old: ConversationSegment, now: ConversationSegment): boolean {
  return old.kind === now.kind && old.firstLine === now.firstLine && old.lastLine === now.lastLine && old.items === now.items;
}

/**
 * A reload drops the answers to what was asked before it: whatever still waits on one is asked
 * again (a search, an earlier segment's page) or, a sub-agent's page, offered again.
 */
function askAgain(): void {
  pendingQuery ??= listedQuery;
  if (pendingQuery !== null) {
    post({ type: 'search', generation, query: pendingQuery });
  }
  if (searchTarget?.whole === 'asked') {
    searchTarget.whole = 'unasked';
  }
  for (const [segment, loaded] of segmentPages) {
    if (loaded.loading) {
      segmentPages.set(segment, { ...loaded, loading: false });
      loadSegment(segment);
    }
  }
  for (const [key, loaded] of agentPages) {
    if (loaded.items.length === 0 && loaded.loading) {
      agentPages.delete(key);
    } else if (loaded.loading) {
      agentPages.set(key, { ...loaded, loading: false });
    }
  }
}

/** What a resume leaves out: one collapsed entry per earlier segment (a compaction's history, an abandoned branch). */
function showHistory(page: ConversationPage): void {
  const earlier = page.segments.filter((segment) => segment.index !== page.segment);
  const same = earlier.length === segmentsShown.length && earlier.every((segment, position) => sameSegment(segmentsShown[position]!, segment));
  if (same && earlier.length > 0) {
    return;
  }
  segmentsShown = earlier;
  segmentPages.clear();
  historyElement.replaceChildren();
  historyElement.hidden = earlier.length === 0;
  if (earlier.length === 0) {
    return;
  }
  historyElement.append(create('div', 'history-head', historyHead(earlier)));
  for (const segment of earlier) {
    historyElement.append(segmentNode(segment));
  }
}

function historyHead(earlier: readonly ConversationSegment[]): string {
  const compacted = earlier.filter((segment) => segment.kind !== 'abandoned').length;
  const branches = earlier.length - compacted;
  const parts = [
    ...(compacted > 0 ? [`${plural(compacted, 'earlier part')} of this session, before ${compacted === 1 ? 'the' : 'each'} compaction`] : []),
    ...(branches > 0 ? [`${branches} abandoned branch${branches === 1 ? '' : 'es'} (rewound or left beside the end)`] : []),
  ];
  return `${parts.join(' · ')}: not sent on resume`;
}

/** How the view names a segment before the last: `part 2` (a compaction's history) or `branch 1`. */
function segmentName(segment: number): string {
  const shown = segmentsShown.find((entry) => entry.index === segment);
  if (shown?.kind === 'abandoned') {
    return `branch ${segmentsShown.filter((entry) => entry.kind === 'abandoned' && entry.index <= segment).length}`;
  }
  return `part ${segment + 1}`;
}

function segmentNode(segment: ConversationSegment): HTMLDetailsElement {
  const details = create('details', segment.kind === 'abandoned' ? 'segment abandoned' : 'segment');
  details.dataset.segment = String(segment.index);
  const off = segment.forkLine === null ? '' : ` · off line ${segment.forkLine + 1}`;
  const name = segment.kind === 'abandoned' ? `Abandoned ${segmentName(segment.index)}` : `Part ${segment.index + 1}`;
  const head = create('summary', undefined, `${name} · ${plural(segment.items, 'item')} · lines ${segment.firstLine + 1}–${segment.lastLine + 1}${segment.kind === 'abandoned' ? off : ''}`);
  if (segment.summary !== null) {
    head.append(create('span', 'first-line', visibleLine(firstLine(segment.summary, 160))));
  }
  details.append(head, create('div', 'segment-items'));
  details.addEventListener('toggle', () => {
    if (details.open && !segmentPages.has(segment.index)) {
      loadSegment(segment.index);
    }
  });
  return details;
}

function loadSegment(segment: number): void {
  const loaded = segmentPages.get(segment) ?? { items: [], total: 1, loading: false };
  if (loaded.loading) {
    return;
  }
  segmentPages.set(segment, { ...loaded, loading: true });
  post({ type: 'loadSegment', generation, segment, offset: loaded.items.length });
  drawSegment(segment);
}

function drawSegment(segment: number): void {
  const holder = historyElement.querySelector<HTMLElement>(`details[data-segment="${segment}"] .segment-items`);
  const loaded = segmentPages.get(segment);
  if (holder === null || loaded === undefined) {
    return;
  }
  holder.replaceChildren(...loaded.items.map((entry) => {
    const node = entryNode(entry, 'history', segment);
    node.dataset.segmentIndex = String(entry.index);
    markTarget(node, segment, entry);
    return node;
  }));
  if (loaded.loading || loaded.items.length < loaded.total) {
    const more = create('button', 'segment-more', loaded.loading ? 'Loading…' : `Show more (${loaded.total - loaded.items.length} left)`);
    more.type = 'button';
    more.disabled = loaded.loading;
    more.addEventListener('click', () => loadSegment(segment));
    holder.append(more);
  }
}

historyElement.addEventListener('click', (event) => {
  const target = event.target as HTMLElement;
  const link = target.closest<HTMLElement>('.md-link.openable');
  if (link?.dataset.href !== undefined) {
    post({ type: 'openLink', href: link.dataset.href });
    return;
  }
  const button = target.closest<HTMLButtonElement>('button');
  const entry = target.closest<HTMLElement>('[data-segment-index]');
  const part = target.closest<HTMLElement>('details[data-segment]');
  const segment = Number(part?.dataset.segment);
  const call = segmentPages.get(segment)?.items.find((item) => String(item.index) === entry?.dataset.segmentIndex);
  if (call !== undefined && agentClick(button, segment, call)) {
    return;
  }
  if (button?.dataset.action === 'whole' && call !== undefined) {
    button.disabled = true;
    post({ type: 'loadItem', generation, index: call.index, segment });
    return;
  }
  const reveal = target.closest<HTMLButtonElement>('button[data-action="reveal"]');
  if (reveal?.dataset.line !== undefined) {
    post({ type: 'reveal', line: Number(reveal.dataset.line) });
  }
});

/** A user's opening or closing of a history item's card, kept for its next drawing. */
historyElement.addEventListener('toggle', (event) => {
  const card = event.target as HTMLDetailsElement;
  const entry = card.parentElement;
  const part = card.closest<HTMLElement>('details[data-segment]');
  if (entry?.dataset.segmentIndex !== undefined && part?.dataset.segment !== undefined) {
    toggled.set(itemKey(Number(part.dataset.segment), Number(entry.dataset.segmentIndex)), card.open);
  }
}, true);

/** An item the server sent whole ("Show all") drawn in place of its shortened page copy. */
function acceptWholeItem(segment: number | null, whole: ConversationItem): void {
  if (segment === null) {
    if (items.has(whole.index)) {
      items.set(whole.index, whole);
      shownWhole.set(itemKey(null, whole.index), identity(whole));
      setToggled(null, whole.index, true);
      redrawItem(whole.index);
    }
  } else {
    const loaded = segmentPages.get(segment);
    if (loaded !== undefined) {
      segmentPages.set(segment, { ...loaded, items: loaded.items.map((entry) => (entry.index === whole.index ? whole : entry)) });
      shownWhole.set(itemKey(segment, whole.index), identity(whole));
      drawSegment(segment);
    }
  }
  if (isTarget(segment, whole.index) && searchTarget?.whole === 'asked') {
    searchTarget.whole = 'arrived';
    scrollToTarget();
  }
}

/** Shows an earlier segment's item: opens its part of the history and scrolls it into view. */
function showInHistory(segment: number, index: number): void {
  const details = historyElement.querySelector<HTMLDetailsElement>(`details[data-segment="${segment}"]`);
  if (details === null) {
    return;
  }
  details.open = true;
  const find = (): HTMLElement | null => details.querySelector<HTMLElement>(`[data-segment-index="${index}"]`);
  const tryScroll = (attempt: number): void => {
    const node = find();
    if (node !== null) {
      node.scrollIntoView({ block: 'nearest' });
      node.classList.add('search-target');
    } else if (attempt < 40) {
      const loaded = segmentPages.get(segment);
      if (loaded !== undefined && !loaded.loading && loaded.items.length < loaded.total && loaded.items.length <= index) {
        loadSegment(segment);
      }
      setTimeout(() => tryScroll(attempt + 1), 100);
    }
  };
  tryScroll(0);
}

searchForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const query = searchInput.value.trim();
  if (query === '') {
    closeSearch();
    return;
  }
  searchResults.hidden = false;
  searchResults.replaceChildren(create('div', 'search-head', `Searching the whole session for “${query}”…`));
  pendingQuery = query;
  post({ type: 'search', generation, query });
});

/** Hides the results and the marks of the hit last opened. */
function closeSearch(): void {
  pendingQuery = null;
  listedQuery = null;
  listedAnswer = null;
  searchResults.hidden = true;
  searchResults.replaceChildren();
  dropTarget();
}

/** The search target unmarked. */
function dropTarget(): void {
  const target = searchTarget;
  searchTarget = null;
  if (target !== null) {
    redrawEntry(shownSegment(target.segment), target.index);
  }
}

/** Where an item of a part is drawn: null for the live list (the last part), else the part's number. */
function shownSegment(segment: number): number | null {
  return segment === liveSegment ? null : segment;
}

/** Whether the item at `index` of the list `segment` (null: the live one) is the search target. */
function isTarget(segment: number | null, index: number): boolean {
  return searchTarget !== null && shownSegment(searchTarget.segment) === segment && searchTarget.index === index;
}

/** What the results say first: how many, and that the list is cut when the server found more. */
function searchHead(query: string, hits: readonly SearchHit[], more: boolean): string {
  if (more) {
    return `More than ${hits.length} results for “${query}” in the whole session: only the first ${hits.length} are listed (refine the query to see the others)`;
  }
  return `${hits.length === 0 ? 'No' : hits.length} result${hits.length === 1 ? '' : 's'} for “${query}” in the whole session`;
}

function showSearchResults(query: string, hits: readonly SearchHit[], more: boolean, error: string | undefined): void {
  pendingQuery = null;
  // The live part's number too: a hit in it is listed as "item N", in the history as "part P".
  const listing = JSON.stringify([query, hits, more, error ?? null, liveSegment]);
  if (listing === listedAnswer && !searchResults.hidden) {
    return; // searched again after a reload, found the same: the list, its focus and scroll stay
  }
  listedQuery = query;
  listedAnswer = listing;
  searchResults.hidden = false;
  searchResults.replaceChildren();
  const head = error !== undefined ? `Search failed: ${error}` : searchHead(query, hits, more);
  const headNode = create('div', error !== undefined ? 'search-head error' : 'search-head', head);
  const close = create('button', 'search-close', 'Close');
  close.type = 'button';
  close.addEventListener('click', closeSearch);
  headNode.append(document.createTextNode(' '), close);
  searchResults.append(headNode);
  const list = create('ul', 'search-hits');
  for (const hit of hits) {
    const entry = create('li', 'search-hit');
    const button = create('button', 'search-hit-button');
    button.type = 'button';
    const where = hit.segment === liveSegment ? `item ${hit.index + 1}` : `${segmentName(hit.segment)}, item ${hit.index + 1}`;
    const snippet = create('span', 'search-snippet');
    snippet.append(...markedPieces(hit.snippet, query).map((piece) => (piece.marked ? create('mark', 'search-match', piece.text) : document.createTextNode(piece.text))));
    button.append(create('span', 'search-where', `${where} · ${hit.field}`), document.createTextNode(' '), snippet);
    button.addEventListener('click', () => openHit(hit, query));
    entry.append(button);
    list.append(entry);
  }
  searchResults.append(list);
}

/** Goes to a hit's item with its card open and the query marked in it; a shortened item is drawn whole first. */
function openHit(hit: SearchHit, query: string): void {
  const segment = shownSegment(hit.segment);
  dropTarget();
  searchTarget = { segment: hit.segment, index: hit.index, field: hit.field, line: hit.line, query, whole: 'unasked' };
  setToggled(segment, hit.index, true);
  const item = segment === null ? items.get(hit.index) : segmentPages.get(segment)?.items.find((entry) => entry.index === hit.index);
  if (item?.truncated === true) {
    askWholeTarget();
  } else {
    scrollToTarget();
  }
}

/** The search target whole: a match may be past the cut of its page copy. Scrolled to when it comes. */
function askWholeTarget(): void {
  if (searchTarget?.whole === 'unasked') {
    searchTarget.whole = 'asked';
    post({ type: 'loadItem', generation, index: searchTarget.index, segment: shownSegment(searchTarget.segment) });
  }
}

function scrollToTarget(): void {
  if (searchTarget === null) {
    return;
  }
  const { index } = searchTarget;
  const segment = shownSegment(searchTarget.segment);
  if (segment === null) {
    redrawItem(index);
    focusItem(index, true);
  } else {
    drawSegment(segment);
    showInHistory(segment, index);
  }
}

/**
 * The search target as drawn: the query marked wherever a text of it shows it (as the hit's
 * snippet marks it, text only) and the cards around each mark opened; shortened, it is asked for
 * whole. Other items are drawn unmarked, so a new hit clears the marks of the one before.
 */
function markTarget(node: HTMLElement, segment: number | null, item: ConversationItem): void {
  if (searchTarget === null || !isTarget(segment, item.index)) {
    return;
  }
  if (!readsLine(item, searchTarget.field, searchTarget.line)) {
    searchTarget = null; // the file changed under the hit: this item is another, or reads elsewhere
    return;
  }
  if (item.truncated) {
    askWholeTarget();
  }
  node.classList.add('search-target');
  for (const text of textNodes(node)) {
    const pieces = markedPieces(text.data, searchTarget.query);
    if (pieces.some((piece) => piece.marked)) {
      text.replaceWith(...pieces.map((piece) => (piece.marked ? create('mark', 'search-match', piece.text) : piece.text)));
    }
  }
  for (const mark of node.querySelectorAll('mark.search-match')) {
    for (let card = mark.closest('details'); card !== null && node.contains(card); card = card.parentElement?.closest('details') ?? null) {
      card.open = true;
    }
  }
}

/** Whether the item reads `field` from file line `line`, as the search hit said it did. */
function readsLine(item: ConversationItem, field: SearchField, line: number): boolean {
  if (field === 'input') {
    return item.tool?.callLine === line;
  }
  if (field === 'result') {
    return item.tool?.resultLine === line;
  }
  return item.lines[0] <= line && line <= item.lines[1];
}

function textNodes(node: Node): Text[] {
  return [...node.childNodes].flatMap((child) => (child.nodeType === child.TEXT_NODE ? [child as Text] : textNodes(child)));
}

window.addEventListener('message', (event: MessageEvent<HostMessage>) => {
  const message = event.data;
  switch (message.type) {
    case 'reset': {
      generation = message.generation;
      carryHistory(message.page);
      items.clear();
      requestedPages.clear();
      repairs.clear();
      blockedRepairs.clear();
      firstProblem = message.page.firstProblem;
      // The rendered items are redrawn in place (not cleared first), so the view keeps its
      // scroll position and focus while the file changes under it.
      const scrollTop = viewport.scrollTop;
      for (const child of [...list.children]) {
        child.setAttribute('data-stale', 'true');
      }
      acceptPage(message.page);
      showSummary(message.page);
      askAgain();
      render();
      if (message.focus !== null) {
        pendingFocus = message.focus;
        focusItem(message.focus, true);
      } else if (viewport.scrollTop !== scrollTop) {
        viewport.scrollTop = scrollTop;
        render();
      }
      return;
    }
    case 'page':
      if (message.generation === generation) {
        acceptPage(message.page);
        render();
      }
      return;
    case 'repairs':
      if (message.generation === generation) {
        repairs.set(`${message.index}:${message.finding}`, message.options);
        if (message.blocked !== undefined) {
          blockedRepairs.set(`${message.index}:${message.finding}`, message.blocked);
        }
        list.querySelector(`[data-index="${message.index}"]`)?.setAttribute('data-stale', 'true');
        render();
      }
      return;
    case 'segmentPage':
      if (message.generation === generation) {
        const loaded = segmentPages.get(message.page.segment) ?? { items: [], total: 0, loading: false };
        const known = new Set(loaded.items.map((entry) => entry.index));
        const added = message.page.items.filter((entry) => !known.has(entry.index));
        segmentPages.set(message.page.segment, { items: [...loaded.items, ...added], total: message.page.total, loading: false });
        added.forEach((entry) => askWholeAgain(message.page.segment, entry));
        drawSegment(message.page.segment);
      }
      return;
    case 'agentPage':
      if (message.generation === generation) {
        acceptAgentPage(message.segment, message.index, message.page);
      }
      return;
    case 'wholeItem':
      if (message.generation === generation) {
        acceptWholeItem(message.segment, message.item);
      }
      return;
    case 'agentItem': {
      const key = itemKey(message.segment, message.index);
      const loaded = agentPages.get(key);
      if (message.generation === generation && loaded !== undefined) {
        agentPages.set(key, { ...loaded, items: loaded.items.map((entry) => (entry.index === message.item.index ? message.item : entry)) });
        redrawEntry(message.segment, message.index);
      }
      return;
    }
    case 'searchResults':
      // Only the answer to the search asked last: a list closed meanwhile stays closed, and an
      // earlier query's answer arriving late never replaces a newer one's.
      if (message.generation === generation && message.query === pendingQuery) {
        showSearchResults(message.query, message.hits, message.more, message.error);
      }
      return;
    case 'focus':
      if (message.segment !== undefined && message.segment < segmentsShown.length) {
        showInHistory(message.segment, message.index);
      } else {
        focusItem(message.index, true);
      }
      return;
    case 'status':
      setStatus(message.text, message.isError);
      list.querySelectorAll<HTMLButtonElement>('button.repair').forEach((button) => (button.disabled = false));
      return;
  }
});

post({ type: 'ready' });
