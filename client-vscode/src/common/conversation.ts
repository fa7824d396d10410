/**
 * The conversation view's data: pages of `sessionLsp.conversation` (docs/contract.md), checked on
 * arrival, and the messages between the webview and the extension. No `vscode` import: the
 * webview script and the unit tests use these too.
 */

export const ITEM_KINDS = ['prompt', 'assistant', 'thinking', 'tool', 'compaction', 'interrupt', 'command', 'orphan-result', 'damaged', 'notification', 'api-error', 'model-fallback', 'sub-agent', 'recap'] as const;
export type ItemKind = (typeof ITEM_KINDS)[number];

export const TOOL_STATUSES = ['answered', 'error', 'unpaired', 'orphan', 'interrupted', 'rejected', 'stubbed', 'live'] as const;
export type ToolStatus = (typeof TOOL_STATUSES)[number];

/** A finding as `check --format json` prints it: 1-based lines and columns. */
export interface ConversationFinding {
  readonly line: number;
  readonly column: number;
  readonly endLine: number;
  readonly endColumn: number;
  readonly severity: string;
  readonly code: string;
  readonly message: string;
  readonly toolUseId?: string | null;
}

/** Tokens of one API request, or of a whole session; `input` is the uncached part. */
export interface Usage {
  readonly input: number;
  readonly output: number;
  /** Some of the output was counted before its message ended: `output` is a lower bound (false from a server that does not say). */
  readonly outputPartial: boolean;
  readonly cacheRead: number;
  readonly cacheCreation: number;
}

/** What every sub-agent file of a session used, beside the session's own requests. */
export interface SubAgentsUsage {
  readonly files: number;
  /** Files that could not be read, and are not counted. */
  readonly unreadable: number;
  /** Files past the most the server reads (4,096), not counted either. */
  readonly uncounted: number;
  readonly usage: Usage | null;
}

export const PLAN_STATUSES = ['pending', 'in_progress', 'completed'] as const;
export type PlanStatus = (typeof PLAN_STATUSES)[number];

/** One entry of a plan (TodoWrite, Codex update_plan). */
export interface Todo {
  readonly content: string;
  readonly status: PlanStatus;
}

/** The sub-agent a Task / Agent call ran. */
export interface SubAgent {
  /** Its own transcript, paged with `sessionLsp.conversation`; null when its turns are the `sub-agent` items under the call. */
  readonly file: string | null;
  readonly title: string | null;
  /** Null when the sub-agent's file could not be read. */
  readonly items: number | null;
  readonly errors: number | null;
  /** The tokens of the requests in its own file; null without one (or from an older server). */
  readonly usage: Usage | null;
}

/** The running command a call writes to or waits on (Codex's write_stdin), and the call that started it. */
export interface ProcessInput {
  /** The command as the starting call wrote it. */
  readonly command: string;
  /** The characters sent, raw (control characters included); empty for a poll. Shown only through `typedKeys`. */
  readonly typed: string;
  /** The starting call's item, in its segment. */
  readonly index: number;
  /** The segment the starting call is in: an earlier one when the process outlived a compaction. */
  readonly segment: number;
}

/** A spawned sub-agent a call acts on, and the call that spawned it. */
export interface ActedOnAgent {
  /** Its nickname, else the first line of its task, else its id. */
  readonly name: string;
  /** The spawning call's item, in its segment. */
  readonly index: number;
  readonly segment: number;
}

/** What a call does to sub-agents earlier calls spawned (Codex's wait, send_input, close_agent). */
export interface AgentAction {
  /** `waits for`, `sends to`, `closes`, `resumes`. */
  readonly verb: string;
  readonly agents: readonly ActedOnAgent[];
}

export interface ToolCall {
  readonly id: string;
  readonly name: string;
  readonly input: string;
  readonly result: string | null;
  readonly isError: boolean;
  readonly status: ToolStatus;
  /** Null for an orphan result, whose call is not in the conversation. */
  readonly callLine: number | null;
  readonly resultLine: number | null;
  readonly agentFile: string | null;
  /** Result time minus call time. */
  readonly durationMs: number | null;
  /** An edit as a unified diff. */
  readonly diff: string | null;
  /** Whether that change was made: false when it failed, was rejected or interrupted (its lines
   * were never written), null when no result says or without a diff. */
  readonly applied: boolean | null;
  /** A planning call's checklist. */
  readonly todos: readonly Todo[] | null;
  /** What the agent said of that plan when it wrote it (Codex's `explanation`). */
  readonly explanation: string | null;
  readonly agent: SubAgent | null;
  /** What a call writes to or polls, when an earlier call named the process. */
  readonly process: ProcessInput | null;
  /** The spawned sub-agents a call acts on, when earlier spawns named each. */
  readonly actsOn: AgentAction | null;
  /** What the user said when they rejected the call (status `rejected`). */
  readonly rejection: string | null;
}

export interface ConversationItem {
  readonly index: number;
  readonly kind: ItemKind;
  /** 0-based first and last file line. */
  readonly lines: readonly [number, number];
  readonly timestamp: string | null;
  readonly text: string;
  readonly truncated: boolean;
  readonly tool: ToolCall | null;
  readonly findings: readonly ConversationFinding[];
  /** The model that wrote an item of the assistant's. */
  readonly model: string | null;
  /** The API request's tokens, on the last item it produced. */
  readonly usage: Usage | null;
  /** For a `sub-agent` item, the id of the Task or Agent call it belongs to; else null. */
  readonly parentTool: string | null;
}

/** The last plan written before the end, and the item of the call that wrote it. */
export interface LastTodos {
  readonly index: number;
  readonly todos: readonly Todo[];
  /** The segment the planning call is in: an earlier one when nothing was planned after a compaction; null when the server did not say (the last). */
  readonly segment: number | null;
}

/** One stretch of history between compactions; the last is what a resume sends. */
export const SEGMENT_KINDS = ['compacted', 'abandoned', 'current'] as const;
/** History a compaction closed, a branch a resume leaves out, or the conversation a resume sends. */
export type SegmentKind = (typeof SEGMENT_KINDS)[number];

export interface ConversationSegment {
  readonly index: number;
  readonly firstLine: number;
  readonly lastLine: number;
  readonly items: number;
  readonly summary: string | null;
  readonly kind: SegmentKind;
  /** An abandoned branch's: the line it hangs off. */
  readonly forkLine: number | null;
}

export const SEARCH_FIELDS = ['text', 'input', 'result'] as const;
export type SearchField = (typeof SEARCH_FIELDS)[number];

/** One match of `sessionLsp.search`: the item (of its segment) and the field it is in. */
export interface SearchHit {
  readonly segment: number;
  readonly index: number;
  readonly line: number;
  readonly field: SearchField;
  readonly snippet: string;
}

export interface ConversationPage {
  readonly path: string;
  readonly uri: string;
  readonly sessionId: string | null;
  readonly format: string;
  readonly title: string | null;
  readonly total: number;
  readonly offset: number;
  readonly items: readonly ConversationItem[];
  readonly errors: number;
  readonly warnings: number;
  readonly firstProblem: number | null;
  readonly abandonedBranches: number;
  /** Who answers in this session, as the format names it ("Claude", "Codex"). */
  readonly assistantLabel: string;
  /** Where the replayed conversation starts when not at the first line (e.g. the last compaction). */
  readonly startNote: string | null;
  readonly lastTodos: LastTodos | null;
  /** Every API request of the file, each once. */
  readonly usage: Usage | null;
  /** The session's sub-agent files and their tokens, which `usage` leaves out; null when it has none. */
  readonly subAgents: SubAgentsUsage | null;
  /** The context the last API request sent. */
  readonly contextTokens: number | null;
  /** The segment this page is of (the last: the conversation a resume sends), and every segment, oldest first. */
  readonly segment: number;
  readonly segments: readonly ConversationSegment[];
}

export class UnexpectedConversationError extends Error {
  constructor(detail: string) {
    super(`The server answered sessionLsp.conversation with an unexpected result: ${detail}`);
    this.name = 'UnexpectedConversationError';
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isInteger = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value);
const isStringOrNull = (value: unknown): value is string | null => value === null || typeof value === 'string';

function check(condition: boolean, detail: () => string): void {
  if (!condition) {
    throw new UnexpectedConversationError(detail());
  }
}

function asFinding(value: unknown, where: string): ConversationFinding {
  check(isRecord(value), () => `${where} is not an object`);
  const finding = value as Record<string, unknown>;
  for (const field of ['line', 'column', 'endLine', 'endColumn']) {
    check(isInteger(finding[field]), () => `${where}.${field} is not an integer`);
  }
  for (const field of ['severity', 'code', 'message']) {
    check(typeof finding[field] === 'string', () => `${where}.${field} is not a string`);
  }
  return finding as unknown as ConversationFinding;
}

function asUsage(value: unknown, where: string): Usage | null {
  if (value === null || value === undefined) {
    return null;
  }
  check(isRecord(value), () => `${where} is not an object`);
  const usage = value as Record<string, unknown>;
  for (const field of ['input', 'output', 'cacheRead', 'cacheCreation']) {
    check(isInteger(usage[field]), () => `${where}.${field} is not an integer`);
  }
  check(usage.outputPartial === undefined || typeof usage.outputPartial === 'boolean', () => `${where}.outputPartial is not a boolean`);
  return { input: usage.input as number, output: usage.output as number, outputPartial: usage.outputPartial === true, cacheRead: usage.cacheRead as number, cacheCreation: usage.cacheCreation as number };
}

function asSubAgents(value: unknown): SubAgentsUsage | null {
  if (value === null || value === undefined) {
    return null;
  }
  check(isRecord(value), () => 'subAgents is not an object');
  const sub = value as Record<string, unknown>;
  check(isInteger(sub.files) && isInteger(sub.unreadable), () => 'subAgents.files or subAgents.unreadable is not an integer');
  // An older server sends no `uncounted`: it counted every file.
  const uncounted = isInteger(sub.uncounted) ? sub.uncounted : 0;
  return { files: sub.files as number, unreadable: sub.unreadable as number, uncounted, usage: asUsage(sub.usage, 'subAgents.usage') };
}

function asTodos(value: unknown, where: string): Todo[] | null {
  if (value === null || value === undefined) {
    return null;
  }
  check(Array.isArray(value), () => `${where} is not an array`);
  return (value as unknown[]).map((entry, index) => {
    check(isRecord(entry), () => `${where}[${index}] is not an object`);
    const todo = entry as Record<string, unknown>;
    check(typeof todo.content === 'string', () => `${where}[${index}].content is not a string`);
    // A status from a newer server is shown as not done rather than refused.
    const status = (PLAN_STATUSES as readonly unknown[]).includes(todo.status) ? (todo.status as PlanStatus) : 'pending';
    return { content: todo.content as string, status };
  });
}

function asAgent(value: unknown, where: string): SubAgent | null {
  if (value === null || value === undefined) {
    return null;
  }
  check(isRecord(value), () => `${where} is not an object`);
  const agent = value as Record<string, unknown>;
  check(isStringOrNull(agent.file ?? null), () => `${where}.file is not a string or null`);
  return {
    file: typeof agent.file === 'string' ? agent.file : null,
    title: typeof agent.title === 'string' ? agent.title : null,
    items: isInteger(agent.items) ? agent.items : null,
    errors: isInteger(agent.errors) ? agent.errors : null,
    usage: asUsage(agent.usage, `${where}.usage`),
  };
}

function asProcess(value: unknown, where: string): ProcessInput | null {
  if (value === null || value === undefined) {
    return null;
  }
  check(isRecord(value), () => `${where} is not an object`);
  const process = value as Record<string, unknown>;
  for (const field of ['command', 'typed']) {
    check(typeof process[field] === 'string', () => `${where}.${field} is not a string`);
  }
  for (const field of ['index', 'segment']) {
    check(asIndex(process[field]), () => `${where}.${field} is not an index`);
  }
  return { command: process.command as string, typed: process.typed as string, index: process.index as number, segment: process.segment as number };
}

function asIndex(value: unknown): value is number {
  return isInteger(value) && value >= 0;
}

function asAction(value: unknown, where: string): AgentAction | null {
  if (value === null || value === undefined) {
    return null;
  }
  check(isRecord(value), () => `${where} is not an object`);
  const action = value as Record<string, unknown>;
  check(typeof action.verb === 'string', () => `${where}.verb is not a string`);
  check(Array.isArray(action.agents), () => `${where}.agents is not an array`);
  const agents = (action.agents as unknown[]).map((entry, position) => {
    const at = `${where}.agents[${position}]`;
    check(isRecord(entry), () => `${at} is not an object`);
    const agent = entry as Record<string, unknown>;
    check(typeof agent.name === 'string', () => `${at}.name is not a string`);
    check(asIndex(agent.index) && asIndex(agent.segment), () => `${at}.index or segment is not an index`);
    return { name: agent.name as string, index: agent.index as number, segment: agent.segment as number };
  });
  return { verb: action.verb as string, agents };
}

function asTool(value: unknown, where: string): ToolCall | null {
  if (value === null || value === undefined) {
    return null;
  }
  check(isRecord(value), () => `${where} is not an object`);
  const tool = value as Record<string, unknown>;
  for (const field of ['id', 'name']) {
    check(typeof tool[field] === 'string', () => `${where}.${field} is not a string`);
  }
  check(tool.input === null || tool.input === undefined || typeof tool.input === 'string', () => `${where}.input is not a string or null`);
  check(isStringOrNull(tool.result), () => `${where}.result is not a string or null`);
  check((TOOL_STATUSES as readonly unknown[]).includes(tool.status), () => `${where}.status is ${JSON.stringify(tool.status)}`);
  check(tool.callLine === null || tool.callLine === undefined || isInteger(tool.callLine), () => `${where}.callLine is not an integer or null`);
  check(tool.rejection === undefined || isStringOrNull(tool.rejection), () => `${where}.rejection is not a string or null`);
  check(tool.explanation === undefined || isStringOrNull(tool.explanation), () => `${where}.explanation is not a string or null`);
  check(tool.applied === undefined || tool.applied === null || typeof tool.applied === 'boolean', () => `${where}.applied is not a boolean or null`);
  return {
    id: tool.id as string,
    name: tool.name as string,
    input: typeof tool.input === 'string' ? tool.input : '',
    result: tool.result as string | null,
    isError: tool.isError === true,
    status: tool.status as ToolStatus,
    callLine: isInteger(tool.callLine) ? tool.callLine : null,
    resultLine: isInteger(tool.resultLine) ? tool.resultLine : null,
    agentFile: typeof tool.agentFile === 'string' ? tool.agentFile : null,
    durationMs: isInteger(tool.durationMs) ? tool.durationMs : null,
    diff: typeof tool.diff === 'string' ? tool.diff : null,
    // An older server does not say: its answered edits were made, as it showed them.
    applied: typeof tool.applied === 'boolean' ? tool.applied : tool.applied === null ? null : tool.status === 'answered',
    todos: asTodos(tool.todos, `${where}.todos`),
    explanation: (tool.explanation as string | null | undefined) ?? null,
    agent: asAgent(tool.agent, `${where}.agent`),
    process: asProcess(tool.process, `${where}.process`),
    actsOn: asAction(tool.actsOn, `${where}.actsOn`),
    rejection: (tool.rejection as string | null | undefined) ?? null,
  };
}

function asItem(value: unknown, position: number): ConversationItem {
  const where = `items[${position}]`;
  check(isRecord(value), () => `${where} is not an object`);
  const item = value as Record<string, unknown>;
  check(isInteger(item.index), () => `${where}.index is not an integer`);
  // An unknown kind from a newer server is shown as plain text rather than refused.
  const kind = (ITEM_KINDS as readonly unknown[]).includes(item.kind) ? (item.kind as ItemKind) : 'assistant';
  const lines = item.lines;
  check(Array.isArray(lines) && lines.length === 2 && lines.every(isInteger), () => `${where}.lines is not [first, last]`);
  const findings = item.findings ?? [];
  check(Array.isArray(findings), () => `${where}.findings is not an array`);
  return {
    index: item.index as number,
    kind,
    lines: [(lines as number[])[0], (lines as number[])[1]],
    timestamp: typeof item.timestamp === 'string' ? item.timestamp : null,
    text: typeof item.text === 'string' ? item.text : '',
    truncated: item.truncated === true,
    tool: asTool(item.tool, `${where}.tool`),
    findings: (findings as unknown[]).map((finding, index) => asFinding(finding, `${where}.findings[${index}]`)),
    model: typeof item.model === 'string' ? item.model : null,
    usage: asUsage(item.usage, `${where}.usage`),
    parentTool: typeof item.parentTool === 'string' ? item.parentTool : null,
  };
}

function asLastTodos(value: unknown): LastTodos | null {
  if (value === null || value === undefined) {
    return null;
  }
  check(isRecord(value), () => 'lastTodos is not an object');
  const last = value as Record<string, unknown>;
  check(isInteger(last.index), () => 'lastTodos.index is not an integer');
  return { index: last.index as number, todos: asTodos(last.todos, 'lastTodos.todos') ?? [], segment: isInteger(last.segment) ? last.segment : null };
}

/** The answer of `sessionLsp.item`: one item, whole. */
export function asWholeItem(value: unknown): ConversationItem {
  return asItem(value, 0);
}

export function asConversationPage(value: unknown): ConversationPage {
  check(isRecord(value), () => `not an object: ${JSON.stringify(value)?.slice(0, 120)}`);
  const page = value as Record<string, unknown>;
  check(typeof page.path === 'string', () => 'path is not a string');
  check(isInteger(page.total) && isInteger(page.offset), () => 'total or offset is not an integer');
  check(Array.isArray(page.items), () => 'items is not an array');
  return {
    path: page.path as string,
    uri: typeof page.uri === 'string' ? page.uri : '',
    sessionId: typeof page.sessionId === 'string' ? page.sessionId : null,
    format: typeof page.format === 'string' ? page.format : 'claude-code',
    title: typeof page.title === 'string' ? page.title : null,
    total: page.total as number,
    offset: page.offset as number,
    items: (page.items as unknown[]).map(asItem),
    errors: isInteger(page.errors) ? page.errors : 0,
    warnings: isInteger(page.warnings) ? page.warnings : 0,
    firstProblem: isInteger(page.firstProblem) ? page.firstProblem : null,
    abandonedBranches: isInteger(page.abandonedBranches) ? page.abandonedBranches : 0,
    assistantLabel: typeof page.assistantLabel === 'string' ? page.assistantLabel : 'Assistant',
    startNote: typeof page.startNote === 'string' ? page.startNote : null,
    lastTodos: asLastTodos(page.lastTodos),
    usage: asUsage(page.usage, 'usage'),
    subAgents: asSubAgents(page.subAgents),
    contextTokens: isInteger(page.contextTokens) ? page.contextTokens : null,
    segment: isInteger(page.segment) ? page.segment : 0,
    segments: asSegments(page.segments),
  };
}

function asSegments(value: unknown): ConversationSegment[] {
  if (!Array.isArray(value)) {
    return [];
  }
  return value
    .filter(isRecord)
    .filter((segment) => isInteger(segment.index) && isInteger(segment.items))
    .map((segment) => ({
      index: segment.index as number,
      firstLine: isInteger(segment.firstLine) ? segment.firstLine : 0,
      lastLine: isInteger(segment.lastLine) ? segment.lastLine : 0,
      items: segment.items as number,
      summary: typeof segment.summary === 'string' ? segment.summary : null,
      // An older server sends no kind: its segments before the last are compacted history.
      kind: (SEGMENT_KINDS as readonly unknown[]).includes(segment.kind) ? (segment.kind as SegmentKind) : 'compacted',
      forkLine: isInteger(segment.forkLine) ? segment.forkLine : null,
    }));
}

/** `sessionLsp.search`'s answer, checked: hits that do not fit are dropped. */
export function asSearchHits(value: unknown): SearchHit[] {
  check(Array.isArray(value), () => 'sessionLsp.search did not answer a list');
  return (value as unknown[])
    .filter(isRecord)
    .filter((hit) => isInteger(hit.segment) && isInteger(hit.index) && isInteger(hit.line) && typeof hit.snippet === 'string')
    .map((hit) => ({ segment: hit.segment as number, index: hit.index as number, line: hit.line as number, field: searchField(hit.field), snippet: hit.snippet as string }));
}

/** A hit's field; one a newer server names otherwise is taken as text. */
function searchField(value: unknown): SearchField {
  return (SEARCH_FIELDS as readonly unknown[]).includes(value) ? (value as SearchField) : 'text';
}

/** A session's title on one line, else `fallback`: the Sessions tree and the conversation view both use it. */
export function titleLabel(title: string | null, fallback: string): string {
  const line = title?.replace(/\s+/g, ' ').trim();
  return line === undefined || line === '' ? fallback : line;
}

/** Whether the view may offer to open a reply's link (through the extension and VS Code's confirmation). */
export function isOpenableLink(href: string): boolean {
  return /^https?:\/\/[^\s]+$/i.test(href);
}

/** Items per request: enough to fill a few screens, small enough for a fast first paint. */
export const PAGE_SIZE = 200;

/** The first item of the page holding item `index`. */
export function pageOffset(index: number, pageSize: number = PAGE_SIZE): number {
  return Math.max(0, Math.floor(index / pageSize) * pageSize);
}

// --- messages ---------------------------------------------------------------------------------

/** A repair the webview may offer: one code action VS Code found at the finding's range. */
export interface RepairOption {
  readonly title: string;
  readonly preferred: boolean;
}

/** Extension → webview. `generation` grows with every reload, so late pages of an older text are dropped. */
export type HostMessage =
  | {
      readonly type: 'reset';
      readonly generation: number;
      readonly page: ConversationPage;
      /** Item to scroll to and focus after the reset (e.g. the first problem). */
      readonly focus: number | null;
    }
  | { readonly type: 'page'; readonly generation: number; readonly page: ConversationPage }
  | {
      readonly type: 'repairs';
      readonly generation: number;
      readonly index: number;
      readonly finding: number;
      readonly options: readonly RepairOption[];
      /** Why no repair is offered though there may be some (an untrusted workspace). */
      readonly blocked?: string;
    }
  /** A page of an earlier segment (history before a compaction), for the history panel. */
  | { readonly type: 'segmentPage'; readonly generation: number; readonly page: ConversationPage }
  /** A page of the sub-agent transcript of the call at `index` of an earlier segment or (null) of the conversation. */
  | { readonly type: 'agentPage'; readonly generation: number; readonly segment: number | null; readonly index: number; readonly page: ConversationPage }
  /** One item whole (`sessionLsp.item`), of an earlier segment or (null) of the conversation. */
  | { readonly type: 'wholeItem'; readonly generation: number; readonly segment: number | null; readonly item: ConversationItem }
  /** One item of the sub-agent under the call at `index` (of `segment`, as for its pages), whole. */
  | { readonly type: 'agentItem'; readonly generation: number; readonly segment: number | null; readonly index: number; readonly item: ConversationItem }
  /** The first hits of a search; `more`: the server found others past them. */
  | { readonly type: 'searchResults'; readonly generation: number; readonly query: string; readonly hits: readonly SearchHit[]; readonly more: boolean; readonly error?: string }
  /** Scroll to an item of the conversation, or (`segment` before the last) of the history before a compaction. */
  | { readonly type: 'focus'; readonly index: number; readonly segment?: number }
  | { readonly type: 'status'; readonly text: string; readonly isError: boolean };

/** Webview → extension. Checked by {@link asViewMessage}: the webview shows untrusted text. */
export type ViewMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'loadPage'; readonly generation: number; readonly offset: number }
  | { readonly type: 'reveal'; readonly line: number }
  | { readonly type: 'loadSegment'; readonly generation: number; readonly segment: number; readonly offset: number }
  /** The sub-agent of the call at `index` of an earlier segment or (null) of the conversation: its transcript is named by the server's answer, never by the webview. */
  | { readonly type: 'loadAgent'; readonly generation: number; readonly segment: number | null; readonly index: number; readonly offset: number }
  /** "Show all" on a shortened item: it whole, from an earlier segment or (null) the conversation. */
  | { readonly type: 'loadItem'; readonly generation: number; readonly index: number; readonly segment: number | null }
  /** "Show all" on a shortened item of the sub-agent under the call at `index` (of `segment`): its item `entry`, whole. */
  | { readonly type: 'loadAgentItem'; readonly generation: number; readonly segment: number | null; readonly index: number; readonly entry: number }
  | { readonly type: 'search'; readonly generation: number; readonly query: string }
  /** A link in a reply the user clicked: opened by VS Code, which asks first (http and https only). */
  | { readonly type: 'openLink'; readonly href: string }
  | { readonly type: 'listRepairs'; readonly generation: number; readonly index: number; readonly finding: number }
  | { readonly type: 'applyRepair'; readonly generation: number; readonly index: number; readonly finding: number; readonly title: string };

const nonNegative = (value: unknown): value is number => isInteger(value) && value >= 0;
/** An earlier segment's number, or null for the conversation (the last segment). */
const segmentOrNull = (value: unknown): value is number | null => value === null || nonNegative(value);

/** The message if it is one the webview may send, else undefined (ignored). */
export function asViewMessage(value: unknown): ViewMessage | undefined {
  if (!isRecord(value)) {
    return undefined;
  }
  switch (value.type) {
    case 'ready':
      return { type: 'ready' };
    case 'loadPage':
      return nonNegative(value.generation) && nonNegative(value.offset) ? { type: 'loadPage', generation: value.generation, offset: value.offset } : undefined;
    case 'reveal':
      return nonNegative(value.line) ? { type: 'reveal', line: value.line } : undefined;
    case 'loadSegment':
      return nonNegative(value.generation) && nonNegative(value.segment) && nonNegative(value.offset)
        ? { type: 'loadSegment', generation: value.generation, segment: value.segment, offset: value.offset }
        : undefined;
    case 'loadAgent':
      return nonNegative(value.generation) && segmentOrNull(value.segment) && nonNegative(value.index) && nonNegative(value.offset)
        ? { type: 'loadAgent', generation: value.generation, segment: value.segment, index: value.index, offset: value.offset }
        : undefined;
    case 'loadItem':
      return nonNegative(value.generation) && nonNegative(value.index) && segmentOrNull(value.segment)
        ? { type: 'loadItem', generation: value.generation, index: value.index, segment: value.segment }
        : undefined;
    case 'loadAgentItem':
      return nonNegative(value.generation) && segmentOrNull(value.segment) && nonNegative(value.index) && nonNegative(value.entry)
        ? { type: 'loadAgentItem', generation: value.generation, segment: value.segment, index: value.index, entry: value.entry }
        : undefined;
    case 'search':
      return nonNegative(value.generation) && typeof value.query === 'string' && value.query.trim() !== '' && value.query.length <= 1000
        ? { type: 'search', generation: value.generation, query: value.query }
        : undefined;
    case 'openLink':
      return typeof value.href === 'string' && isOpenableLink(value.href) ? { type: 'openLink', href: value.href } : undefined;
    case 'listRepairs':
      return nonNegative(value.generation) && nonNegative(value.index) && nonNegative(value.finding)
        ? { type: 'listRepairs', generation: value.generation, index: value.index, finding: value.finding }
        : undefined;
    case 'applyRepair':
      return nonNegative(value.generation) && nonNegative(value.index) && nonNegative(value.finding) && typeof value.title === 'string'
        ? { type: 'applyRepair', generation: value.generation, index: value.index, finding: value.finding, title: value.title }
        : undefined;
    default:
      return undefined;
  }
}

/** An item of a segment of the conversation (the last: what a resume sends), as a search hit names it. */
export interface ItemFocus {
  readonly segment: number;
  readonly index: number;
}

export type InitialFocus = 'firstProblem' | 'top' | ItemFocus;

/** The focus a command argument asks for: 'firstProblem', an item `{segment, index}`, else the top. */
export function asInitialFocus(value: unknown): InitialFocus {
  if (value === 'firstProblem') {
    return 'firstProblem';
  }
  if (typeof value === 'object' && value !== null) {
    const { segment, index } = value as Record<string, unknown>;
    if (Number.isInteger(segment) && Number.isInteger(index) && (segment as number) >= 0 && (index as number) >= 0) {
      return { segment: segment as number, index: index as number };
    }
  }
  return 'top';
}
