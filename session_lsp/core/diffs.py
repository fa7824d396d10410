"""Unified diffs of what an agent's edit did, in the form every diff viewer and `diff` fence reads.

Edits in transcripts rarely carry line numbers: an Edit's input is an old and a new string, a
Codex patch has context lines but no positions. Such hunks are numbered from 1 within the edit;
where the transcript does record where the change landed (Claude Code's `structuredPatch`), the
caller passes those hunks and the diff keeps their real numbers. Readers of such a diff (the
files it changes, the lines it adds and removes) are here too, beside what writes it.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

NO_NEWLINE = "\\ No newline at end of file"
MAX_DIFFED_LINES = 4000
"""Past this many lines on either side, the change is shown as a whole replacement: difflib's
matching is quadratic in the worst case, and a reader gains nothing from a 10,000-line hunk."""


@dataclass(frozen=True, slots=True)
class Hunk:
    old_start: int
    old_count: int
    new_start: int
    new_count: int
    lines: Sequence[str]
    """Each starts with " ", "-", "+" or is the no-newline marker."""
    heading: str = ""
    """What the hunk is in (a function's line), written after its `@@ … @@` as `diff -p` does."""


def header(old_path: str | None, new_path: str | None) -> list[str]:
    """`--- a/old` / `+++ b/new` as git writes relative paths; an absolute path stands as it is,
    and /dev/null for a side that does not exist (a new or deleted file)."""
    return [f"--- {_side('a/', old_path)}", f"+++ {_side('b/', new_path)}"]


def _side(prefix: str, path: str | None) -> str:
    if path is None:
        return "/dev/null"
    absolute = path.startswith(("/", "\\")) or path[1:3] in {":\\", ":/"}
    return path if absolute else prefix + path


def render(old_path: str | None, new_path: str | None, hunks: Iterable[Hunk]) -> str:
    lines = header(old_path, new_path)
    for hunk in hunks:
        ranges = (
            f"-{_range(hunk.old_start, hunk.old_count)} +{_range(hunk.new_start, hunk.new_count)}"
        )
        lines.append(f"@@ {ranges} @@ {hunk.heading}" if hunk.heading else f"@@ {ranges} @@")
        lines.extend(hunk.lines)
    return "\n".join(lines) + "\n"


def _range(start: int, count: int) -> str:
    return f"{start}" if count == 1 else f"{start},{count}"


def change_hunks(old: str, new: str, *, fragment: bool = False) -> list[Hunk]:
    """The hunks that turn `old` into `new`, three lines of context, numbered from 1.

    A `fragment` is a piece cut from inside a file (an Edit's old and new strings): its missing
    final newline says nothing about the file's end, so no no-newline marker is written."""
    if fragment:
        old, new = _ended(old), _ended(new)
    old_lines, new_lines = _split(old), _split(new)
    if len(old_lines) > MAX_DIFFED_LINES or len(new_lines) > MAX_DIFFED_LINES:
        return [_replacement(old, new)]
    hunks: list[Hunk] = []
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for group in matcher.get_grouped_opcodes(3):
        lines: list[str] = []
        for tag, old_from, old_to, new_from, new_to in group:
            if tag == "equal":
                lines.extend(_marked(" ", old_lines[old_from:old_to], old, old_to, len(old_lines)))
                continue
            lines.extend(_marked("-", old_lines[old_from:old_to], old, old_to, len(old_lines)))
            lines.extend(_marked("+", new_lines[new_from:new_to], new, new_to, len(new_lines)))
        first, last = group[0], group[-1]
        old_count, new_count = last[2] - first[1], last[4] - first[3]
        hunks.append(
            Hunk(
                first[1] + 1 if old_count else first[1],
                old_count,
                first[3] + 1 if new_count else first[3],
                new_count,
                lines,
            )
        )
    return hunks


def added_hunk(text: str) -> Hunk:
    """All of `text` added: a new file."""
    lines = _split(text)
    return Hunk(
        0, 0, 1 if lines else 0, len(lines), _marked("+", lines, text, len(lines), len(lines))
    )


def _replacement(old: str, new: str) -> Hunk:
    old_lines, new_lines = _split(old), _split(new)
    return Hunk(
        1 if old_lines else 0,
        len(old_lines),
        1 if new_lines else 0,
        len(new_lines),
        [
            *_marked("-", old_lines, old, len(old_lines), len(old_lines)),
            *_marked("+", new_lines, new, len(new_lines), len(new_lines)),
        ],
    )


def _ended(text: str) -> str:
    return text if not text or text.endswith("\n") else text + "\n"


def _split(text: str) -> list[str]:
    """Lines without their ends; "a\\nb" and "a\\nb\\n" both have two (the marker tells them apart)."""
    return text.split("\n")[:-1] if text.endswith("\n") else text.split("\n") if text else []


def _marked(sign: str, lines: Sequence[str], text: str, end: int, total: int) -> list[str]:
    """`lines` with their sign; the no-newline marker after the text's last line when it has no
    final newline, as `diff -u` writes it."""
    marked = [sign + line for line in lines]
    if lines and end == total and text and not text.endswith("\n"):
        marked.append(NO_NEWLINE)
    return marked


def diff_files(diff: str) -> list[str]:
    """The files a unified diff changes, as the agent named them (git's a/ and b/ taken off)."""
    files: list[str] = []
    old: str | None = None
    for kind, text in _diff_lines(diff):
        if kind == "old":
            old = text
        elif kind == "new" and old is not None:
            name = old if text == "/dev/null" else text
            files.append(name[2:] if name.startswith(("a/", "b/")) else name)
            old = None
    return files


def diff_counts(diff: str) -> tuple[int, int]:
    """Lines added and removed: those of the hunks, so a removed `-- comment` line is counted
    and never taken for a file header."""
    kinds = [kind for kind, _ in _diff_lines(diff)]
    return kinds.count("+"), kinds.count("-")


def change_note(applied: bool | None) -> str:
    """What a reader says beside a change (`ToolCall.applied`): nothing when it was made. A
    rejected or failed edit's lines were never written, and an unanswered one's may not be."""
    if applied is None:
        return "not confirmed"
    return "" if applied else "not applied"


_HUNK = re.compile(r"@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@")


def _diff_lines(diff: str) -> Iterator[tuple[str, str]]:
    """Each line of a unified diff with what it is: `old` / `new` (a file header, its path),
    `+`, `-` or ` ` (a line of a hunk). A hunk holds as many lines as its header counts, so a
    removed `-- x` line is no file header; past them, a header is a `---` line followed by a
    `+++` one, and other signed lines still count (a header that counted short)."""
    lines = diff.split("\n")
    old_left = new_left = 0
    for position, line in enumerate(lines):
        sign = line[:1]
        if old_left > 0 or new_left > 0:
            if sign == "\\":
                continue  # no newline at end of file
            if sign == "+":
                new_left -= 1
            elif sign == "-":
                old_left -= 1
            else:
                old_left, new_left, sign = old_left - 1, new_left - 1, " "
            yield sign, line[1:]
        elif (hunk := _HUNK.match(line)) is not None:
            old_left = int(hunk.group(1) or 1)
            new_left = int(hunk.group(2) or 1)
        elif line.startswith("--- ") and "".join(lines[position + 1 : position + 2])[:4] == "+++ ":
            yield "old", line[4:]
        elif line.startswith("+++ ") and position and lines[position - 1].startswith("--- "):
            yield "new", line[4:]
        elif sign in ("+", "-"):
            yield sign, line[1:]
