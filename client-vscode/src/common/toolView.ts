/**
 * What a tool card shows a person instead of the call's JSON: the command of a shell call, the
 * path of an edit, the query of a search, a diff's lines by kind. Pure functions over the item's
 * fields (no DOM, no `vscode`), so the unit tests pin them.
 */

/** A one-line headline for a call: `$ command`, a path, a query; null when only the JSON says it. */
export interface ToolHeadline {
  /** `command`, `path`, `query`, `plan`, `process` (what a poll waits on), `agents` (the sub-agents a call acts on) or `text`: how the view styles it. */
  readonly role: 'command' | 'path' | 'query' | 'plan' | 'process' | 'agents' | 'text';
  readonly text: string;
}

/** What a call writes into a running command: the characters, and the command (`ProcessInput`). */
export interface TypedInto {
  readonly command: string;
  readonly typed: string;
}

const ENTER = /\r\n|[\r\n]/g;
const CARET = /[\x00-\x1f\x7f]/g;
/** `u`: a surrogate pair is one character (an emoji stays), a lone surrogate is escaped. */
const INVISIBLE = /[\x80-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2028\u2029\u2060-\u2069\ufeff\ud800-\udfff]/gu;

/**
 * Keys typed into a terminal, every one visible: control characters in caret notation (`^C`,
 * `^[` for Escape, `^?` for Delete), Enter as `⏎`, other characters that print invisibly or reorder
 * text as their code (`\u202e`); quoted when they hold a space. As the server's `show` says them.
 */
export function typedKeys(text: string): string {
  const shown = text
    .replace(ENTER, '⏎')
    .replace(CARET, (key) => `^${String.fromCharCode(key.charCodeAt(0) ^ 0x40)}`)
    .replace(INVISIBLE, (key) => `\\u${key.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return shown.includes(' ') ? `"${shown}"` : shown;
}

/**
 * Characters that print nothing or move text where it does not belong, as the terminal's `show`
 * escapes them: C0 controls but tab and newline, DEL, C1, bidirectional marks, overrides and
 * isolates (U+202E turns `# \u202e; / fr- mr` into `# rm -rf /;`), line and paragraph separators,
 * lone surrogates. `u`: a surrogate pair (an emoji) is one character and stays.
 */
const UNSEEN = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ud800-\udfff]/gu;

function escaped(character: string): string {
  const code = character.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** A text laid out on lines (a result, a reply): line breaks and tabs kept, every other unseen character a visible escape (`\x1b`, `\u202e`). */
export function visibleText(text: string): string {
  return text.replace(/\r\n/g, '\n').replace(UNSEEN, escaped);
}

/** A one-line field (a name, a path, a headline): unseen characters escaped, line breaks and runs of blanks one space. */
export function visibleLine(text: string): string {
  return visibleText(text).replace(/\s+/g, ' ').trim();
}

/** `waits on $ command` for a poll, `types ^C into $ command` for input. */
export function processHeadline(process: TypedInto): ToolHeadline {
  const verb = process.typed === '' ? 'waits on' : `types ${typedKeys(process.typed)} into`;
  return { role: 'process', text: `${verb} $ ${process.command}` };
}

const COMMAND_KEYS = ['command', 'cmd'];
const PATH_KEYS = ['file_path', 'notebook_path', 'path'];
const QUERY_KEYS = ['pattern', 'query', 'url', 'description', 'prompt'];

/** A JSON token: a string (no end quote where the text was cut), a bracket, a colon, a comma, anything else. One pass, no backtracking. */
const TOKEN = /"((?:[^"\\]|\\.)*)(")?|[{}[\]:,]|[^"{}[\]:,]+/g;
/** A `\uXXXX` escape the cut split. */
const SPLIT_ESCAPE = /\\u[0-9a-fA-F]{0,3}$/;

/**
 * The call's input as an object, or null when it is not a JSON object. A page cuts an input at
 * 4,000 characters (a Write of a long file): the string fields written whole before the cut, and
 * the start of the one it fell in, still say what the call was.
 */
export function inputObject(input: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(input);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return input.trimStart().startsWith('{') ? cutFields(input) : null;
  }
}

/** The object's own string fields (not a nested object's); the one the cut fell in, begun. */
function cutFields(input: string): Record<string, unknown> | null {
  const fields: Record<string, unknown> = {};
  let depth = 0;
  let key: string | null = null;
  let colon = false;
  for (const match of input.matchAll(TOKEN)) {
    const token = match[0];
    if (token === '{' || token === '[') {
      depth += 1;
    } else if (token === '}' || token === ']') {
      depth -= 1;
    } else if (token === ':') {
      colon = key !== null;
    } else if (token === ',') {
      key = null;
      colon = false;
    } else if (token.startsWith('"') && depth === 1) {
      const value = jsonString(match[1] ?? '', match[2] !== undefined);
      if (colon && key !== null) {
        if (value !== null && !(key in fields)) {
          fields[key] = value;
        }
        key = null;
        colon = false;
      } else {
        key = value;
      }
    }
  }
  return Object.keys(fields).length > 0 ? fields : null;
}

/** A string's text; one the cut ended without the escape it split. null: not decodable. */
function jsonString(body: string, closed: boolean): string | null {
  for (const candidate of closed ? [body] : [body, body.replace(SPLIT_ESCAPE, '')]) {
    try {
      const value: unknown = JSON.parse(`"${candidate}"`);
      return typeof value === 'string' ? value : null;
    } catch {
      // The cut split an escape: the next candidate drops it.
    }
  }
  return null;
}

function firstString(input: Record<string, unknown>, keys: readonly string[]): string | null {
  for (const key of keys) {
    const value = input[key];
    if (typeof value === 'string' && value !== '') {
      return value;
    }
    // Codex's shell tool passes its command as an argument vector.
    if (Array.isArray(value) && value.length > 0 && value.every((part) => typeof part === 'string')) {
      return (value as string[]).join(' ');
    }
  }
  return null;
}

/** What the call did, in the words a person reads: its command, else its path, else its query. */
export function toolHeadline(input: string): ToolHeadline | null {
  const object = inputObject(input);
  if (object === null) {
    return input.trim() === '' ? null : { role: 'text', text: input };
  }
  const command = firstString(object, COMMAND_KEYS);
  if (command !== null) {
    return { role: 'command', text: command };
  }
  const where = firstString(object, PATH_KEYS);
  const query = firstString(object, QUERY_KEYS);
  if (query !== null && typeof object.pattern === 'string') {
    // Grep and Glob: the pattern, and where it looked when it says so.
    return { role: 'query', text: where === null ? query : `${query}  in ${where}` };
  }
  if (where !== null) {
    return { role: 'path', text: where };
  }
  if (query !== null) {
    return { role: 'query', text: query };
  }
  const asked = questionsOf(object);
  if (asked.length > 0) {
    // AskUserQuestion: what it asked, as `show` says it, not the JSON of its options.
    const more = asked.length > 1 ? `  (+${asked.length - 1} more)` : '';
    return { role: 'text', text: `asks: ${asked[0].split('\n')[0]}${more}` };
  }
  return null;
}

/** The questions of a call that asks the user (`questions: [{question, options}]`). */
function questionsOf(object: Record<string, unknown>): string[] {
  const questions = object.questions;
  if (!Array.isArray(questions)) {
    return [];
  }
  return questions.flatMap((asked: unknown) => {
    const question = typeof asked === 'object' && asked !== null ? (asked as Record<string, unknown>).question : undefined;
    return typeof question === 'string' && question !== '' ? [question] : [];
  });
}

/**
 * What a card leads with: the running command a poll waits on or types into; the sub-agents a call
 * acts on (`closes Curie`); the input's command,
 * path or query; else the files a patch changed (Codex's apply_patch input is the patch, no JSON),
 * or how far a plan got; else the input.
 */
export function cardHeadline(
  input: string,
  diff: string | null,
  todos: readonly { readonly content: string; readonly status: string }[] | null,
  process: TypedInto | null = null,
  actsOn: { readonly verb: string; readonly agents: readonly { readonly name: string }[] } | null = null,
): ToolHeadline | null {
  if (process !== null) {
    return processHeadline(process);
  }
  if (actsOn !== null) {
    return { role: 'agents', text: `${actsOn.verb} ${actsOn.agents.map((agent) => agent.name).join(', ')}` };
  }
  const headline = toolHeadline(input);
  if (headline !== null && headline.role !== 'text') {
    return headline;
  }
  const files = diff === null ? [] : diffFiles(diff);
  if (files.length > 0) {
    return { role: 'path', text: files.join(', ') };
  }
  if (todos !== null) {
    const done = todos.filter((todo) => todo.status === 'completed').length;
    const current = todos.find((todo) => todo.status === 'in_progress');
    const progress = todos.length === 0 ? 'emptied' : `${done} of ${todos.length} done`;
    return { role: 'plan', text: current === undefined ? progress : `${progress} · now: ${current.content}` };
  }
  return headline;
}

/** The files a unified diff changes, as the agent named them (git's a/ and b/ taken off). */
export function diffFiles(diff: string): string[] {
  const files: string[] = [];
  let old: string | null = null;
  for (const line of diffLines(diff)) {
    if (line.kind !== 'file') {
      continue;
    }
    if (line.text.startsWith('--- ')) {
      old = line.text.slice(4);
    } else if (old !== null) {
      const name = line.text.slice(4) === '/dev/null' ? old : line.text.slice(4);
      files.push(/^[ab]\//.test(name) ? name.slice(2) : name);
      old = null;
    }
  }
  return files;
}

/** The first line of a text, for a collapsed card's summary. */
export function firstLine(text: string, limit = 200): string {
  const line = text.trimStart().split('\n', 1)[0] ?? '';
  return line.length > limit ? `${line.slice(0, limit - 1)}…` : line;
}

export type DiffLineKind = 'file' | 'hunk' | 'added' | 'removed' | 'context';

const HUNK = /^@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@/;

/**
 * A unified diff's lines, each with what it is (for its colour). Inside a hunk, as many lines as
 * its header counts are the hunk's, so a removed `-- comment` line is a removed line, not a file
 * header; past them, a header is a `---` line followed by a `+++` one, and other signed lines
 * still count (a hunk header that counted short).
 */
export function diffLines(diff: string): { kind: DiffLineKind; text: string }[] {
  const lines = diff.endsWith('\n') ? diff.slice(0, -1).split('\n') : diff.split('\n');
  let oldLeft = 0;
  let newLeft = 0;
  return lines.map((text, position) => {
    if (oldLeft > 0 || newLeft > 0) {
      if (text.startsWith('+')) {
        newLeft -= 1;
        return { kind: 'added', text };
      }
      if (text.startsWith('-')) {
        oldLeft -= 1;
        return { kind: 'removed', text };
      }
      if (!text.startsWith('\\')) {
        oldLeft -= 1;
        newLeft -= 1;
      }
      return { kind: 'context', text };
    }
    const hunk = HUNK.exec(text);
    if (hunk !== null) {
      oldLeft = Number(hunk[1] ?? '1');
      newLeft = Number(hunk[2] ?? '1');
      return { kind: 'hunk', text };
    }
    const header = (text.startsWith('--- ') && (lines[position + 1] ?? '').startsWith('+++ ')) || (text.startsWith('+++ ') && (lines[position - 1] ?? '').startsWith('--- '));
    if (header) {
      return { kind: 'file', text };
    }
    if (text.startsWith('@@')) {
      return { kind: 'hunk', text };
    }
    return { kind: text.startsWith('+') ? 'added' : text.startsWith('-') ? 'removed' : 'context', text };
  });
}

/** What a card says beside a change's counts, as `show` does: nothing when it was made. */
export function changeNote(applied: boolean | null): string {
  if (applied === null) {
    return 'not confirmed';
  }
  return applied ? '' : 'not applied';
}

/** The lines added and removed by a unified diff, for a card's summary (`+3 −1`). */
export function diffCounts(diff: string): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  for (const line of diffLines(diff)) {
    added += line.kind === 'added' ? 1 : 0;
    removed += line.kind === 'removed' ? 1 : 0;
  }
  return { added, removed };
}

/** A duration as people say it: `850 ms`, `12 s`, `3 min 5 s`. */
export function formatDuration(milliseconds: number): string {
  if (milliseconds < 1000) {
    return `${Math.round(milliseconds)} ms`;
  }
  const seconds = Math.round(milliseconds / 1000);
  if (seconds < 60) {
    return `${seconds} s`;
  }
  const minutes = Math.floor(seconds / 60);
  return seconds % 60 === 0 ? `${minutes} min` : `${minutes} min ${seconds % 60} s`;
}

/** A token count in a few characters: `812`, `12.3k`, `1.2M`. */
export function formatTokens(count: number): string {
  if (count < 1000) {
    return String(count);
  }
  if (count < 1_000_000) {
    return `${(count / 1000).toFixed(count < 10_000 ? 1 : 0)}k`;
  }
  return `${(count / 1_000_000).toFixed(1)}M`;
}
