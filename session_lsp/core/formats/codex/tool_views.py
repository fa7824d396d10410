"""What Codex's apply_patch and update_plan calls did, read from their inputs.

apply_patch takes Codex's own patch envelope (`*** Begin Patch`, `*** Update File:`, `@@`
sections of context, `-` and `+` lines). Once Codex applied it, its `patch_apply_end` event
records what changed in each file (`changes`: a new file's content, a deleted file's content, an
update's unified diff with the file's real line numbers), which is the diff Codex itself shows; a
call without that event (an older rollout, a patch that never ran) falls back to the envelope,
whose hunks have no line numbers and are numbered from 1 in the order they appear.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from session_lsp.core.diffs import Hunk, added_hunk, change_hunks, render
from session_lsp.core.plans import Todo, read_todos

PATCH_TOOL = "apply_patch"
_BEGIN, _END = "*** Begin Patch", "*** End Patch"
_INVOKED = re.compile(r"(?:^|[\s;&|(])(?:apply_patch|applypatch)\b")
"""`apply_patch` run as a command, as Codex recognises it in a shell call."""
PLANNING_TOOL = "update_plan"
_ADD, _DELETE, _UPDATE, _MOVE = (
    "*** Add File: ",
    "*** Delete File: ",
    "*** Update File: ",
    "*** Move to: ",
)


@dataclass(slots=True)
class _FilePatch:
    old_path: str | None
    new_path: str | None
    sections: list[list[str]] = field(default_factory=list)
    headings: list[str] = field(default_factory=list)
    """Each section's `@@` anchor (the line it changes under, as Codex finds it), "" for none."""


def patch_diff(name: str, tool_input: Any) -> str | None:
    """The patch as unified diffs; None for another tool or text that is not a patch."""
    if name != PATCH_TOOL:
        return None
    text = _patch_text(tool_input)
    if text is None or "*** Begin Patch" not in text:
        return None
    files = _files(text)
    if not files:
        return None
    return "".join(render(patch.old_path, patch.new_path, _hunks(patch)) for patch in files)


def applied_diff(name: str, changes: object, tool_input: Any = None) -> str | None:
    """What a `patch_apply_end` event says the patch changed, as unified diffs, in the order of
    the patch; None when `changes` is not such a record. Codex records absolute paths; each is
    shown as the patch named it (relative to the session's folder) when the patch did."""
    if name != PATCH_TOOL or not isinstance(changes, Mapping) or not changes:
        return None
    text = _patch_text(tool_input)
    named = [
        path
        for patch in (_files(text) if text is not None else [])
        for path in (patch.old_path, patch.new_path)
        if path
    ]
    diffs: list[str] = []
    for path, change in changes.items():
        diff = _change_diff(_as_named(str(path), named), change, named)
        if diff is None:
            return None
        diffs.append(diff)
    return "".join(diffs)


def _change_diff(path: str, change: object, named: Sequence[str]) -> str | None:
    """One file's change: `{"type": "add"|"delete"|"update", …}` as Codex writes it now, or
    `{"add": {…}}` as it wrote it before."""
    if not isinstance(change, Mapping):
        return None
    kind = change.get("type")
    fields: object = change
    if not isinstance(kind, str) and len(change) == 1:
        kind, fields = next(iter(change.items()))
    if not isinstance(fields, Mapping):
        return None
    content = fields.get("content")
    if kind == "add":
        return render(None, path, [added_hunk(content if isinstance(content, str) else "")])
    if kind == "delete":
        removed = change_hunks(content, "") if isinstance(content, str) else []
        return render(path, None, removed)
    diff = fields.get("unified_diff")
    if kind != "update" or not isinstance(diff, str):
        return None
    moved = fields.get("move_path")
    new_path = _as_named(moved, named) if isinstance(moved, str) and moved else path
    body = diff.split("\n")
    if body[:1] and body[0].startswith("--- ") and body[1:2] and body[1].startswith("+++ "):
        body = body[2:]
    lines = "\n".join(body).strip("\n")
    return render(path, new_path, []) + (lines + "\n" if lines else "")


def _as_named(path: str, named: Sequence[str]) -> str:
    """`path` as the patch wrote it, when one of its paths is `path` or ends it."""
    for candidate in named:
        if path == candidate or path.endswith("/" + candidate.lstrip("./")):
            return candidate
    return path


def shell_patch(arguments: object) -> str | None:
    """The patch a shell command hands to `apply_patch` (argv `["apply_patch", patch]`, or a
    script `apply_patch <<'EOF' … EOF`), which Codex applies itself as it does an apply_patch
    call; None for any other command."""
    if isinstance(arguments, str):
        if _BEGIN not in arguments:
            return None
        try:
            arguments = json.loads(arguments)
        except ValueError:
            return None
    invoked = False
    for word in _command_words(arguments):
        start = word.find(_BEGIN)
        if start >= 0 and (invoked or _INVOKED.search(word, 0, start)):
            end = word.find(_END, start)
            return word[start : end + len(_END)] if end >= 0 else word[start:]
        invoked = invoked or _INVOKED.search(word) is not None
    return None


def _command_words(arguments: object) -> list[str]:
    """A shell call's words: `command` (an argv list or a string), `cmd`, or a local shell
    call's `action.command`."""
    value = arguments
    if isinstance(value, Mapping):
        value = value.get("command", value.get("cmd"))
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [word for word in value if isinstance(word, str)]
    return []


def _patch_text(tool_input: Any) -> str | None:
    """A custom tool call's input is the patch itself; a function call's arguments hold it as
    `input` in a JSON object."""
    if not isinstance(tool_input, str):
        return None
    if tool_input.lstrip().startswith("{"):
        try:
            arguments = json.loads(tool_input)
        except ValueError:
            return None
        patch = arguments.get("input") if isinstance(arguments, Mapping) else None
        return patch if isinstance(patch, str) else None
    return tool_input


def _files(text: str) -> list[_FilePatch]:
    files: list[_FilePatch] = []
    for line in text.split("\n"):
        if line.startswith(_ADD):
            files.append(_FilePatch(None, line[len(_ADD) :], [[]], [""]))
        elif line.startswith(_DELETE):
            files.append(_FilePatch(line[len(_DELETE) :], None))
        elif line.startswith(_UPDATE):
            path = line[len(_UPDATE) :]
            files.append(_FilePatch(path, path))
        elif not files or line.startswith("*** "):
            if files and line.startswith(_MOVE):
                files[-1].new_path = line[len(_MOVE) :]
        elif line.startswith("@@"):
            files[-1].sections.append([])
            files[-1].headings.append(line[2:].strip())
        elif line[:1] in {" ", "-", "+"} or line == "":
            if not files[-1].sections:
                files[-1].sections.append([])
                files[-1].headings.append("")
            files[-1].sections[-1].append(line if line else " ")
    return files


def _hunks(patch: _FilePatch) -> list[Hunk]:
    hunks: list[Hunk] = []
    old_line = new_line = 1
    anchor = ""
    for section, written_heading in zip(patch.sections, patch.headings, strict=True):
        lines = _trimmed(section)
        if not any(line[0] in "-+" for line in lines):
            # Context alone only says where the next section starts, as an `@@ line` does.
            anchor = next((line[1:].strip() for line in reversed(lines) if line.strip()), anchor)
            continue
        heading, anchor = written_heading or anchor, ""
        old_count = sum(1 for line in lines if line[0] in " -")
        new_count = sum(1 for line in lines if line[0] in " +")
        hunks.append(
            Hunk(
                old_line if old_count else old_line - 1,
                old_count,
                new_line if new_count else new_line - 1,
                new_count,
                lines,
                heading,
            )
        )
        old_line += old_count
        new_line += new_count
    return hunks


def _trimmed(section: list[str]) -> list[str]:
    """A section without the blank context lines that only ended the envelope's text."""
    end = len(section)
    while end and section[end - 1] == " ":
        end -= 1
    return section[:end]


def plan(name: str, tool_input: Any) -> list[Todo] | None:
    """update_plan's steps; None for another tool or arguments that are not a plan."""
    arguments = _plan_arguments(name, tool_input)
    return read_todos(arguments.get("plan"), "step") if arguments is not None else None


def plan_explanation(name: str, tool_input: Any) -> str | None:
    """What update_plan's `explanation` says of the plan (why it is what it is); None when the
    call gives none."""
    arguments = _plan_arguments(name, tool_input)
    explanation = arguments.get("explanation") if arguments is not None else None
    if not isinstance(explanation, str) or not explanation.strip():
        return None
    return explanation.strip()


def _plan_arguments(name: str, tool_input: Any) -> Mapping[str, Any] | None:
    if name != PLANNING_TOOL or not isinstance(tool_input, str):
        return None
    try:
        arguments = json.loads(tool_input)
    except (ValueError, RecursionError):
        return None
    return arguments if isinstance(arguments, Mapping) else None
