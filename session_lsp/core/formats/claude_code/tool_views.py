"""What Claude Code's file-editing and planning tools did, read from their inputs and results.

Edit, MultiEdit, Write and NotebookEdit become unified diffs; TodoWrite becomes a checklist. The
tool's recorded result (`toolUseResult`) is used where it tells more than the input: its
`structuredPatch` has the real line numbers, and a Write over an existing file keeps the
`originalFile` it replaced.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from session_lsp.core.diffs import Hunk, added_hunk, change_hunks, render
from session_lsp.core.plans import STATUSES, Todo, read_todos

EDITING_TOOLS = frozenset({"Edit", "MultiEdit", "Write", "NotebookEdit"})
PLANNING_TOOL = "TodoWrite"
TASK_TOOLS = frozenset({"TaskCreate", "TaskUpdate"})
"""2.1.x's task list, which replaced TodoWrite: one call per task created or changed."""


def edit_diff(
    name: str, tool_input: Any, recorded: Any = None, earlier_text: str | None = None
) -> str | None:
    """The change as a unified diff; None for another tool or an input of the wrong shape.
    `earlier_text`: the file as the transcript last showed it (its Writes and edits), where the result
    recorded neither `originalFile` (a Write over it) nor `structuredPatch` (an edit: the diff is
    then of the file before and after it, with its real line numbers)."""
    if name not in EDITING_TOOLS or not isinstance(tool_input, Mapping):
        return None
    path = tool_input.get("notebook_path" if name == "NotebookEdit" else "file_path")
    if not isinstance(path, str):
        return None
    result = recorded if isinstance(recorded, Mapping) else {}
    patch = _recorded_hunks(result.get("structuredPatch"))
    if patch and name != "NotebookEdit":
        return render(path, path, patch)
    recorded_original = result.get("originalFile")
    original = recorded_original if isinstance(recorded_original, str) else earlier_text
    hunks = _input_hunks(name, tool_input, original)
    if hunks is None:
        return None
    created = name == "Write" and original is None
    return render(None if created else path, path, hunks)


def _input_hunks(
    name: str, tool_input: Mapping[str, Any], original: str | None
) -> list[Hunk] | None:
    if name in ("Edit", "MultiEdit"):
        edits = [tool_input] if name == "Edit" else tool_input.get("edits")
        if not isinstance(edits, list):
            return None
        after = _replayed(original, list(edits)) if original is not None else None
        if original is not None and after is not None:
            # The file's own lines, numbered as they are.
            if name == "Edit" and tool_input.get("replace_all") is not True:
                return _edit_in_place(original, tool_input)
            return change_hunks(original, after)
        hunks: list[Hunk] = []
        for edit in edits:
            replaced = _replacement(edit) if isinstance(edit, Mapping) else None
            if replaced is None:
                return None
            hunks.extend(replaced)
        return hunks
    if name == "Write":
        content = tool_input.get("content")
        if not isinstance(content, str):
            return None
        return [added_hunk(content)] if original is None else change_hunks(original, content)
    source = tool_input.get("new_source")
    if tool_input.get("edit_mode") == "delete" or not isinstance(source, str):
        return None
    return [added_hunk(source)]


def _replacement(edit: Mapping[str, Any]) -> list[Hunk] | None:
    old, new = edit.get("old_string"), edit.get("new_string")
    if not isinstance(old, str) or not isinstance(new, str):
        return None
    return change_hunks(old, new, fragment=True)


def _recorded_hunks(patch: Any) -> list[Hunk]:
    """`structuredPatch` as hunks; empty when absent or of another shape than Claude Code writes."""
    if not isinstance(patch, list):
        return []
    hunks: list[Hunk] = []
    for entry in patch:
        if not isinstance(entry, Mapping):
            return []
        numbers = [entry.get(key) for key in ("oldStart", "oldLines", "newStart", "newLines")]
        counts = [number for number in numbers if isinstance(number, int)]
        lines = entry.get("lines")
        if len(counts) != len(numbers) or not isinstance(lines, list):
            return []
        texts = [line for line in lines if isinstance(line, str)]
        if len(texts) != len(lines):
            return []
        hunks.append(Hunk(counts[0], counts[1], counts[2], counts[3], texts))
    return hunks


WRITE_UPDATED = "has been updated"
"""How Claude Code's Write result says the file was there before (a new one: "File created")."""


def edited_path(name: str, tool_input: Any) -> str | None:
    """The file an editing call changes."""
    if name not in EDITING_TOOLS or not isinstance(tool_input, Mapping):
        return None
    path = tool_input.get("notebook_path" if name == "NotebookEdit" else "file_path")
    return path if isinstance(path, str) else None


def text_after(name: str, tool_input: Any, before: str | None) -> str | None:
    """A file's text after an editing call that took effect, from its text before (None: not
    known): a Write's content, an Edit's or MultiEdit's replacements applied in turn; None when
    that cannot be known (a notebook cell, an old string that is not there)."""
    if not isinstance(tool_input, Mapping):
        return None
    if name == "Write":
        content = tool_input.get("content")
        return content if isinstance(content, str) else None
    if before is None or name not in ("Edit", "MultiEdit"):
        return None
    edits = [tool_input] if name == "Edit" else tool_input.get("edits")
    return _replayed(before, edits) if isinstance(edits, list) else None


CONTEXT_LINES = 3


def _edit_in_place(text: str, edit: Mapping[str, Any]) -> list[Hunk]:
    """One Edit's hunks in its file (`text`, where its old string is): only the lines it touches
    and three on either side are compared, so a file edited a thousand times is not diffed whole
    each time."""
    old, new = str(edit["old_string"]), str(edit["new_string"])
    at = text.index(old)
    begin = at
    for _ in range(CONTEXT_LINES + 1):  # back to the start of the third line before
        begin = text.rfind("\n", 0, begin - 1) + 1 if begin > 0 else 0
    end = at + len(old)
    if end and text[end - 1] == "\n":
        end -= 1  # an old string ending its line: the line after is context
    for _ in range(CONTEXT_LINES + 1):  # on to the end of the third line after
        found = text.find("\n", end)
        end = len(text) if found < 0 else found + 1
        if end == len(text):
            break
    window = text[begin:end]
    changed = window[: at - begin] + new + window[at - begin + len(old) :]
    start = text.count("\n", 0, begin)
    return [
        replace(hunk, old_start=hunk.old_start + start, new_start=hunk.new_start + start)
        for hunk in change_hunks(window, changed)
    ]


def _replayed(text: str, edits: list[Any]) -> str | None:
    """`text` with the edits applied in turn, as Claude Code applies them; None when one does
    not fit (its old string is not there)."""
    for edit in edits:
        if not isinstance(edit, Mapping):
            return None
        old, new = edit.get("old_string"), edit.get("new_string")
        if not isinstance(old, str) or not isinstance(new, str) or not old or old not in text:
            return None
        text = (
            text.replace(old, new) if edit.get("replace_all") is True else text.replace(old, new, 1)
        )
    return text


def plan(name: str, tool_input: Any) -> list[Todo] | None:
    """TodoWrite's checklist; None for another tool or a malformed input."""
    if name != PLANNING_TOOL or not isinstance(tool_input, Mapping):
        return None
    return read_todos(tool_input.get("todos"), "content")


def task_list(calls: Iterable[tuple[str, Any, Any]]) -> list[Todo] | None:
    """The task list after these TaskCreate and TaskUpdate calls, in order: each is (name, input,
    recorded result). A created task's id is the one its result recorded, else the next number
    (Claude Code numbers them from 1); an update names its task by id, may rename it
    (`subject`) or set its status, "deleted" removing it; an update of no known task changes
    nothing. None when such updates are all there is: the list is kept elsewhere (a sub-agent
    updating its parent's tasks), not emptied."""
    tasks: dict[str, Todo] = {}
    created = 0
    updated_elsewhere = False
    for name, tool_input, recorded in calls:
        if not isinstance(tool_input, Mapping):
            continue
        if name == "TaskCreate":
            subject = tool_input.get("subject")
            if not isinstance(subject, str):
                continue
            created += 1
            task = recorded.get("task") if isinstance(recorded, Mapping) else None
            task_id = task.get("id") if isinstance(task, Mapping) else None
            tasks[task_id if isinstance(task_id, str) else str(created)] = Todo(subject, "pending")
        elif name == "TaskUpdate":
            task_id = tool_input.get("taskId")
            if not isinstance(task_id, str) or task_id not in tasks:
                updated_elsewhere = True
                continue
            known = tasks[task_id]
            status = tool_input.get("status")
            if status == "deleted":
                del tasks[task_id]
                continue
            subject = tool_input.get("subject")
            tasks[task_id] = Todo(
                subject if isinstance(subject, str) else known.content,
                status if status in STATUSES else known.status,
            )
    if updated_elsewhere and not created:
        return None
    return list(tasks.values())
