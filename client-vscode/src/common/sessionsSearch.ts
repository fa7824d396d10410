/**
 * "Search Sessions": the server's `sessionLsp.searchSessions` answer, checked, and the entries a
 * quick pick shows of it (one per match, under its session). Free of `vscode` imports, so unit
 * tests read it without a VS Code host.
 */
import { firstMatch } from './searchMarks';
import { asSearchHits, type SearchHit } from './conversation';

export interface SessionMatches {
  readonly path: string;
  readonly sessionId: string;
  readonly title: string | null;
  readonly project: string | null;
  /** When it was last written (ISO 8601, with the offset). */
  readonly modified: string;
  readonly agent: 'claude-code' | 'codex';
  /** How many segments its history has: a hit in another than the last is before a compaction, or in an abandoned branch. */
  readonly segments: number;
  /** How many of those are abandoned branches: the ones just before the last. */
  readonly branches: number;
  readonly hits: readonly SearchHit[];
  /** Whether it has matches past those in `hits`, left out by the limit. */
  readonly more: boolean;
  /** Its sub-agents' transcripts that match, each opened by its own path. */
  readonly agents: readonly SessionMatches[];
}

export class UnexpectedSearchAnswerError extends Error {}

export function asSessionMatches(value: unknown, within = 'searchSessions'): SessionMatches[] {
  if (!Array.isArray(value)) {
    throw new UnexpectedSearchAnswerError(`${within}: not a list: ${JSON.stringify(value)?.slice(0, 120)}`);
  }
  return value.map((entry, position) => {
    const where = `${within}[${position}]`;
    if (typeof entry !== 'object' || entry === null) {
      throw new UnexpectedSearchAnswerError(`${where} is not an object`);
    }
    const found = entry as Record<string, unknown>;
    if (typeof found.path !== 'string' || typeof found.sessionId !== 'string' || typeof found.modified !== 'string') {
      throw new UnexpectedSearchAnswerError(`${where}: path, sessionId or modified is not a string`);
    }
    const segments = Number.isInteger(found.segments) && (found.segments as number) > 0 ? (found.segments as number) : 1;
    return {
      path: found.path,
      sessionId: found.sessionId,
      title: typeof found.title === 'string' ? found.title : null,
      project: typeof found.project === 'string' ? found.project : null,
      modified: found.modified,
      agent: found.agent === 'codex' ? 'codex' : 'claude-code',
      segments,
      branches: Number.isInteger(found.branches) && (found.branches as number) > 0 ? Math.min(found.branches as number, segments - 1) : 0,
      hits: asSearchHits(found.hits),
      more: found.more === true,
      // An older server sends none; a sub-agent's entry has none of its own.
      agents: found.agents === undefined ? [] : asSessionMatches(found.agents, `${where}.agents`),
    };
  });
}

/** Where a match is, as the conversation view opens it. */
export interface MatchTarget {
  readonly path: string;
  readonly segment: number;
  readonly index: number;
}

export interface SearchPickEntry {
  /** The match in its context. */
  readonly label: string;
  /** Where it is and in which session: `item 12 · result — Fix the parser · Claude Code · <time>`. */
  readonly detail: string;
  readonly target: MatchTarget;
}

const SNIPPET_CHARACTERS = 160;

/**
 * One entry per match, sessions newest first and each one's matches in conversation order: the
 * snippet, then where it is (`item 12 · result`, `part 1 · item 3 · input`: the history's parts and
 * the items numbered from 1 as the conversation view numbers them) and the session's title, agent and time.
 */
export function searchPickEntries(sessions: readonly SessionMatches[], query: string, formatTime: (iso: string) => string): SearchPickEntry[] {
  return sessions.flatMap((session) => {
    const agent = session.agent === 'codex' ? 'Codex' : 'Claude Code';
    const about = `${pickText(session.title ?? session.sessionId)} · ${agent} · ${formatTime(session.modified)}`;
    // A sub-agent's match opens its own transcript, said to be the sub-agent's of this session.
    const agents = session.agents.flatMap((sub) => matchEntries(sub, query, about, `sub-agent ${pickText(sub.title ?? pathName(sub.path))}`));
    return [...matchEntries(session, query, about, null), ...agents];
  });
}

function pathName(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}

/** The entries of one transcript's matches; `subAgent`: how the sub-agent it is, if it is one, is named. */
function matchEntries(found: SessionMatches, query: string, about: string, subAgent: string | null): SearchPickEntry[] {
  const whose = subAgent === null ? '' : `${subAgent} · `;
  const entries = found.hits.map((hit) => {
    const last = hit.segment >= found.segments - 1;
    const firstBranch = found.segments - 1 - found.branches;
    const part = hit.segment >= firstBranch ? `branch ${hit.segment - firstBranch + 1}` : `part ${hit.segment + 1}`;
    const where = last ? `item ${hit.index + 1}` : `${part} · item ${hit.index + 1}`;
    return {
      label: pickText(nearTheMatch(hit.snippet, query).slice(0, SNIPPET_CHARACTERS)),
      detail: `${whose}${where} · ${hit.field} — ${about}`,
      target: { path: found.path, segment: last ? found.segments - 1 : hit.segment, index: hit.index },
    };
  });
  const shown = entries.at(-1);
  if (found.more && shown !== undefined) {
    // A cut list is never taken for the whole: the transcript opens at its last match shown,
    // where the view's own search box finds the rest.
    const what = subAgent === null ? 'session' : 'sub-agent';
    entries.push({ label: `… more matches in this ${what}`, detail: `${whose}search it in its view — ${about}`, target: shown.target });
  }
  return entries;
}

const CONTEXT_BEFORE = 30;

/**
 * The snippet from a little before the query: the server centres it in up to 80 characters of
 * context, and a quick pick's line shows about a hundred, so the match itself was often cut off.
 */
function nearTheMatch(snippet: string, query: string): string {
  const at = firstMatch(snippet, query);
  return at > CONTEXT_BEFORE ? `…${snippet.slice(at - CONTEXT_BEFORE)}` : snippet;
}

/**
 * Transcript text on a quick pick's one line: control characters (a newline, an escape) become a
 * space, and `$(name)`, which a quick pick draws as an icon, is escaped to read as written.
 */
export function pickText(text: string): string {
  return text
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ')
    .trim()
    .replace(/\$\(/g, '\\$(');
}
