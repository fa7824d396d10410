"""Edits as unified diffs and plans as checklists, from Claude Code and Codex tool inputs."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from session_lsp.core.diffs import MAX_DIFFED_LINES, change_hunks, render
from session_lsp.core.formats.claude_code import tool_views as claude
from session_lsp.core.formats.codex import tool_views as codex
from session_lsp.core.plans import Todo
from tests.support.tools import require_tool

# An Edit's recorded result as Claude Code 1.0.24 wrote it (claude-code-log's real_projects
# fixture fe869ecb-c176-478f-9734-7e4b8ef12cff.jsonl): the hunk carries the file's line numbers.
RECORDED_EDIT = {
    "filePath": "/Users/dain/workspace/claude-code-log/.github/workflows/ci.yml",
    "structuredPatch": [
        {
            "oldStart": 37,
            "oldLines": 4,
            "newStart": 37,
            "newLines": 5,
            "lines": [
                "       run: uv run ruff format --check",
                " ",
                "     - name: Run type checking",
                "-      run: uv run pyright",
                "\\ No newline at end of file",
                "+      run: uv run pyright",
                "+      continue-on-error: true",
                "\\ No newline at end of file",
            ],
        }
    ],
}
EDIT_INPUT = {
    "file_path": "/Users/dain/workspace/claude-code-log/.github/workflows/ci.yml",
    "old_string": "    - name: Run type checking\n      run: uv run pyright",
    "new_string": "    - name: Run type checking\n      run: uv run pyright\n      continue-on-error: true",
}
# Codex 0.125's apply_patch input (codemie-code's rollout-2026-05-11T11-26-55 fixture), shortened.
CODEX_PATCH = (
    "*** Begin Patch\n*** Update File: src/agents/plugins/codemie-code.plugin.ts\n@@\n"
    "   return {\n     share: 'disabled',\n+    compaction: {\n+      auto: true,\n+    },\n"
    "     provider: {\n*** End Patch\n"
)


def applies(diff: str, old: str, new: str, tmp_path: Path) -> bool:
    """`patch` (GNU) turns `old` into `new` with `diff`: the diff is a real unified diff."""
    patch = require_tool("patch")
    target = tmp_path / "file"
    target.write_text(old, encoding="utf-8")
    done = subprocess.run(
        [patch, "-s", "-p0", str(target)], input=diff, text=True, capture_output=True, check=False
    )
    return done.returncode == 0 and target.read_text(encoding="utf-8") == new


def test_recorded_structured_patch_keeps_the_files_line_numbers() -> None:
    diff = claude.edit_diff("Edit", EDIT_INPUT, RECORDED_EDIT)
    assert diff is not None
    lines = diff.splitlines()
    assert lines[:3] == [
        "--- /Users/dain/workspace/claude-code-log/.github/workflows/ci.yml",
        "+++ /Users/dain/workspace/claude-code-log/.github/workflows/ci.yml",
        "@@ -37,4 +37,5 @@",
    ]
    assert "+      continue-on-error: true" in lines


def test_edit_without_a_recorded_patch_is_diffed_from_its_strings() -> None:
    diff = claude.edit_diff("Edit", EDIT_INPUT)
    assert diff is not None
    assert diff.splitlines()[2:] == [
        "@@ -1,2 +1,3 @@",
        "     - name: Run type checking",
        "       run: uv run pyright",
        "+      continue-on-error: true",
    ]
    assert "No newline" not in diff, "an Edit's strings are fragments, not a file's end"


def test_a_write_over_a_recorded_file_is_a_diff_that_patch_applies(tmp_path: Path) -> None:
    old = "".join(f"line {n}\n" for n in range(1, 30))
    new = old.replace("line 5\n", "line five\n").replace("line 25\n", "") + "tail"
    diff = claude.edit_diff(
        "Write", {"file_path": "file", "content": new}, {"type": "update", "originalFile": old}
    )
    assert diff is not None and diff.startswith("--- a/file\n+++ b/file\n")
    assert diff.count("\n@@ ") == 2, "two changes far apart are two hunks"
    assert diff.rstrip("\n").endswith("\\ No newline at end of file")
    assert applies(diff.replace("a/file", "file").replace("b/file", "file"), old, new, tmp_path)


def test_a_new_file_is_all_added_from_dev_null() -> None:
    diff = claude.edit_diff(
        "Write", {"file_path": "src/new.py", "content": "a\nb\n"}, {"type": "create"}
    )
    assert diff == "--- /dev/null\n+++ b/src/new.py\n@@ -0,0 +1,2 @@\n+a\n+b\n"


def test_multiedit_is_one_hunk_per_edit() -> None:
    edits = [
        {"old_string": "x = 1", "new_string": "x = 2"},
        {"old_string": "y = 1", "new_string": "y = 3"},
    ]
    diff = claude.edit_diff("MultiEdit", {"file_path": "m.py", "edits": edits})
    assert diff is not None
    assert diff.splitlines()[2:] == [
        "@@ -1 +1 @@",
        "-x = 1",
        "+x = 2",
        "@@ -1 +1 @@",
        "-y = 1",
        "+y = 3",
    ]


def test_notebook_edit_shows_the_new_cell_source() -> None:
    diff = claude.edit_diff(
        "NotebookEdit", {"notebook_path": "n.ipynb", "cell_id": "c1", "new_source": "print(1)"}
    )
    assert diff is not None and diff.splitlines()[-2:] == [
        "+print(1)",
        "\\ No newline at end of file",
    ]


@pytest.mark.parametrize(
    ("name", "tool_input"),
    [
        ("Bash", {"command": "ls"}),
        ("Edit", "not an object"),
        ("Edit", {"file_path": 3, "old_string": "a", "new_string": "b"}),
        ("Edit", {"file_path": "f", "old_string": None, "new_string": "b"}),
        ("MultiEdit", {"file_path": "f", "edits": [{"old_string": "a"}]}),
        ("Write", {"file_path": "f"}),
        ("NotebookEdit", {"notebook_path": "n", "edit_mode": "delete"}),
    ],
)
def test_other_tools_and_malformed_inputs_have_no_diff(name: str, tool_input: object) -> None:
    assert claude.edit_diff(name, tool_input) is None


def test_a_malformed_recorded_patch_falls_back_to_the_input() -> None:
    recorded = {"structuredPatch": [{"oldStart": "37", "lines": []}]}
    diff = claude.edit_diff("Edit", EDIT_INPUT, recorded)
    assert diff is not None and "@@ -1,2 +1,3 @@" in diff


def test_a_huge_change_is_one_replacement_hunk_not_a_quadratic_match() -> None:
    old = "".join(f"{n}\n" for n in range(MAX_DIFFED_LINES + 1))
    new = "".join(f"{n}\n" for n in reversed(range(MAX_DIFFED_LINES + 1)))
    (hunk,) = change_hunks(old, new)
    assert (hunk.old_count, hunk.new_count) == (MAX_DIFFED_LINES + 1, MAX_DIFFED_LINES + 1)


def test_windows_paths_stand_as_they_are() -> None:
    assert render("C:\\proj\\a.py", "C:\\proj\\a.py", []).splitlines() == [
        "--- C:\\proj\\a.py",
        "+++ C:\\proj\\a.py",
    ]


def test_codex_patch_becomes_a_unified_diff_per_file() -> None:
    diff = codex.patch_diff("apply_patch", CODEX_PATCH + "")
    assert diff is not None
    assert diff.splitlines() == [
        "--- a/src/agents/plugins/codemie-code.plugin.ts",
        "+++ b/src/agents/plugins/codemie-code.plugin.ts",
        "@@ -1,3 +1,6 @@",
        "   return {",
        "     share: 'disabled',",
        "+    compaction: {",
        "+      auto: true,",
        "+    },",
        "     provider: {",
    ]


def test_codex_patch_adds_deletes_and_moves_files() -> None:
    patch = (
        "*** Begin Patch\n*** Add File: docs/new.md\n+# New\n+text\n*** Delete File: old.txt\n"
        "*** Update File: a.py\n*** Move to: b.py\n@@ def f():\n-    return 1\n+    return 2\n"
        "*** End Patch"
    )
    diff = codex.patch_diff("apply_patch", patch)
    assert diff is not None
    assert diff.splitlines() == [
        "--- /dev/null",
        "+++ b/docs/new.md",
        "@@ -0,0 +1,2 @@",
        "+# New",
        "+text",
        "--- a/old.txt",
        "+++ /dev/null",
        "--- a/a.py",
        "+++ b/b.py",
        "@@ -1 +1 @@ def f():",
        "-    return 1",
        "+    return 2",
    ]


def test_codex_function_call_patch_is_read_from_its_arguments() -> None:
    arguments = json.dumps({"input": CODEX_PATCH})
    assert codex.patch_diff("apply_patch", arguments) == codex.patch_diff(
        "apply_patch", CODEX_PATCH
    )


@pytest.mark.parametrize("tool_input", ["", "hello", "{not json", '{"input": 3}', None])
def test_codex_input_that_is_no_patch_has_no_diff(tool_input: object) -> None:
    assert codex.patch_diff("apply_patch", tool_input) is None


def test_todowrite_is_a_checklist_with_known_statuses() -> None:
    todos = [
        {"content": "Read the parser", "status": "completed", "activeForm": "Reading"},
        {"content": "Fix the bug", "status": "in_progress"},
        {"content": "Odd status", "status": "blocked"},
        {"status": "pending"},
        "junk",
    ]
    assert claude.plan("TodoWrite", {"todos": todos}) == [
        Todo("Read the parser", "completed"),
        Todo("Fix the bug", "in_progress"),
        Todo("Odd status", "pending"),
    ]
    assert claude.plan("TodoWrite", {"todos": "x"}) is None
    assert claude.plan("Bash", {"todos": todos}) is None


def test_codex_update_plan_is_a_checklist() -> None:
    arguments = '{"explanation": "x", "plan": [{"step": "Write tests", "status": "in_progress"}]}'
    assert codex.plan("update_plan", arguments) == [Todo("Write tests", "in_progress")]
    assert codex.plan("update_plan", "[REDACTED_ARGUMENTS len=460]") is None
    assert codex.plan("shell", arguments) is None


def test_a_files_text_after_each_call_follows_its_writes_and_edits() -> None:
    written = claude.text_after("Write", {"file_path": "/a.md", "content": "one\ntwo\ntwo\n"}, None)
    assert written == "one\ntwo\ntwo\n", "a Write says the whole text, whatever was before"
    multi = {"file_path": "/a.md", "edits": [{"old_string": "one", "new_string": "1"}]}
    edited = claude.text_after("MultiEdit", multi, written)
    edit = {"file_path": "/a.md", "old_string": "two", "new_string": "2"}
    assert claude.text_after("Edit", edit, edited) == "1\n2\ntwo\n"
    every = {**edit, "replace_all": True}
    assert claude.text_after("Edit", every, edited) == "1\n2\n2\n"
    assert claude.edited_path("NotebookEdit", {"notebook_path": "/n.ipynb"}) == "/n.ipynb"
    assert claude.edited_path("Read", {"file_path": "/a.md"}) is None


def test_a_files_text_is_unknown_where_the_transcript_cannot_say() -> None:
    edit = {"file_path": "/a.md", "old_string": "two", "new_string": "2"}
    assert claude.text_after("Edit", edit, None) is None, "nothing known before it"
    assert claude.text_after("Edit", {**edit, "old_string": "absent"}, "one\n") is None
    notebook = {"notebook_path": "/a.md", "new_source": "x"}
    assert claude.text_after("NotebookEdit", notebook, "one\n") is None
    assert claude.text_after("Write", {"file_path": "/a.md", "content": ["x"]}, "one\n") is None


def test_a_write_over_a_file_the_transcript_showed_is_the_change_not_a_new_file() -> None:
    diff = claude.edit_diff(
        "Write", {"file_path": "/a.md", "content": "one\nTWO\n"}, None, "one\ntwo\n"
    )
    assert diff is not None and diff.splitlines() == [
        "--- /a.md",
        "+++ /a.md",
        "@@ -1,2 +1,2 @@",
        " one",
        "-two",
        "+TWO",
    ]
    created = claude.edit_diff("Write", {"file_path": "/a.md", "content": "one\n"}, None, None)
    assert created is not None and created.startswith("--- /dev/null\n")


def test_an_edit_of_a_file_the_transcript_showed_is_diffed_with_its_real_lines(
    tmp_path: Path,
) -> None:
    old = "".join(f"line {n}\n" for n in range(1, 30))
    edit = {"file_path": "file", "old_string": "line 7\nline 8\n", "new_string": "seven\n"}
    diff = claude.edit_diff("Edit", edit, None, old)
    assert diff is not None and "\n@@ -4,8 +4,7 @@\n" in diff
    new = old.replace("line 7\nline 8\n", "seven\n")
    assert applies(diff.replace("a/file", "file").replace("b/file", "file"), old, new, tmp_path)
    multi = {
        "file_path": "file",
        "edits": [
            {"old_string": "line 2\n", "new_string": "two\nmore\n"},
            {"old_string": "line 20\n", "new_string": "twenty\n"},
        ],
    }
    diff = claude.edit_diff("MultiEdit", multi, None, old)
    assert diff is not None and "\n@@ -1,5 +1,6 @@\n" in diff and "\n@@ -17,7 +18,7 @@\n" in diff
    new = old.replace("line 2\n", "two\nmore\n", 1).replace("line 20\n", "twenty\n", 1)
    assert applies(diff.replace("a/file", "file").replace("b/file", "file"), old, new, tmp_path)
    unknown = claude.edit_diff("Edit", {**edit, "old_string": "absent"}, None, old)
    assert unknown is not None and "\n@@ -1 +1 @@\n" in unknown, "numbered from 1, as before"


@pytest.mark.parametrize(
    ("old_string", "new_string"),
    [
        ("line 1\n", "first\n"),  # the file's first line
        ("line 8", "last"),  # the last line, which has no line break
        ("ne 4\nli", "NE 4\nLI"),  # from inside one line to inside the next
        ("line 3\nline 4\n", ""),  # lines removed
        ("line 5\n", "five\nand more\nlines\n"),  # lines added
    ],
)
def test_an_edit_in_a_known_file_is_a_diff_that_patch_applies(
    old_string: str, new_string: str, tmp_path: Path
) -> None:
    old = "".join(f"line {n}\n" for n in range(1, 8)) + "line 8"
    edit = {"file_path": "file", "old_string": old_string, "new_string": new_string}
    diff = claude.edit_diff("Edit", edit, None, old)
    assert diff is not None
    new = old.replace(old_string, new_string, 1)
    assert applies(diff.replace("a/file", "file").replace("b/file", "file"), old, new, tmp_path), (
        diff
    )
