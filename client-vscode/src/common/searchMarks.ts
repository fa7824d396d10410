/**
 * Where a search's snippet shows the query, for the view to mark it as an editor marks a find
 * match. The server matches ignoring case (each character lower-cased alone, so that positions
 * hold: `core/search.py`'s `fold`); the same folding here finds the same places. A query the
 * snippet shows otherwise (a line break as ⏎, a control character escaped) is left unmarked.
 */

export interface SnippetPiece {
  readonly text: string;
  readonly marked: boolean;
}

/** The snippet cut into pieces, the ones that show the query marked. */
export function markedPieces(snippet: string, query: string): SnippetPiece[] {
  const sought = fold(query.trim());
  if (sought === '') {
    return [{ text: snippet, marked: false }];
  }
  const searched = fold(snippet);
  const pieces: SnippetPiece[] = [];
  let at = 0;
  for (let start = searched.indexOf(sought); start >= 0; start = searched.indexOf(sought, at)) {
    if (start > at) {
      pieces.push({ text: snippet.slice(at, start), marked: false });
    }
    at = start + sought.length;
    pieces.push({ text: snippet.slice(start, at), marked: true });
  }
  if (at < snippet.length || pieces.length === 0) {
    pieces.push({ text: snippet.slice(at), marked: false });
  }
  return pieces;
}

/** Where the snippet first shows the query, ignoring case as the server does; -1 where it does not. */
export function firstMatch(snippet: string, query: string): number {
  const sought = fold(query.trim());
  return sought === '' ? -1 : fold(snippet).indexOf(sought);
}

/** Lower case a character at a time, where that keeps its length (`İ` would grow). */
function fold(text: string): string {
  let folded = '';
  for (const character of text) {
    const lower = character.toLowerCase();
    folded += lower.length === character.length ? lower : character;
  }
  return folded;
}
