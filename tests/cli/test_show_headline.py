"""What `show` says a tool call did, in one line: read from an input a page cut short too, and
the lines a diff adds and removes counted from its hunks."""

from __future__ import annotations

import json

from msgspec.structs import replace

from session_lsp.cli.show_headline import call_headline, input_fields
from session_lsp.core.diffs import diff_counts, diff_files
from session_lsp.core.turns import ToolCall


def _call(name: str, arguments: object, cut: int | None = None) -> ToolCall:
    text = json.dumps(arguments, indent=1)
    return ToolCall("toolu_1", name, 1, input=text[:cut] if cut is not None else text)


def test_an_input_cut_short_keeps_the_fields_written_whole_before_the_cut() -> None:
    text = json.dumps({"file_path": '/a/"quoted".py', "content": "x\n" * 5000}, indent=1)
    fields = input_fields(text[:4000])
    assert fields is not None and fields["file_path"] == '/a/"quoted".py'
    assert str(fields["content"]).startswith("x\nx\n"), "the field the cut fell in, begun"


def test_only_the_objects_own_fields_are_read_from_a_cut_input() -> None:
    text = json.dumps({"edits": [{"file_path": "/nested"}], "note": 'a \\" b', "big": "x" * 9000})
    begun = 200 - len(text[: text.index('"big": "') + len('"big": "')])
    assert input_fields(text[:200]) == {"note": 'a \\" b', "big": "x" * begun}


def test_a_cut_inside_an_escape_drops_the_half_escape() -> None:
    text = json.dumps({"plan": "# Plan: é and more"}, ensure_ascii=True)
    cut = text[: text.index("\\u00e9") + 4]  # `\u00` and no more
    assert input_fields(cut) == {"plan": "# Plan: "}


def test_a_long_write_is_named_by_its_path_not_its_json() -> None:
    call = _call("Write", {"file_path": "/src/big.py", "content": "line\n" * 2000}, cut=4000)
    assert call_headline(call) == "/src/big.py"


def test_a_multi_line_argument_is_shown_by_its_first_line() -> None:
    call = _call("ExitPlanMode", {"plan": "\n# Plan: add tar support\n\n## Steps\n- one"})
    assert call_headline(call) == "# Plan: add tar support"


def test_a_question_to_the_user_is_shown_by_what_it_asks_not_its_options_json() -> None:
    option = {"label": "Rig A", "description": "the old one"}
    one = {"question": "Which rig?\nPick one.", "header": "Rig", "options": [option]}
    assert call_headline(_call("AskUserQuestion", {"questions": [one]})) == "asks: Which rig?"
    two = _call("AskUserQuestion", {"questions": [one, {**one, "question": "And the port?"}]})
    assert call_headline(two) == "asks: Which rig?  (+1 more)"
    assert call_headline(_call("AskUserQuestion", {"questions": [{"header": "x"}]})).startswith(
        "questions="
    ), "nothing asked: names and values as any other call"


def test_a_call_without_arguments_says_nothing_and_others_show_names_and_values() -> None:
    assert call_headline(_call("TaskList", {})) == ""
    shown = call_headline(_call("write_stdin", {"session_id": 7, "chars": "", "tail": ["a"]}))
    assert shown == 'session_id=7 chars="" tail=["a"]'


def test_a_removed_line_that_looks_like_a_file_header_is_counted() -> None:
    diff = (
        "--- a/q.sql\n+++ b/q.sql\n@@ -1,3 +1,2 @@\n-- old comment\n--- older\n select 1;\n+++ x\n"
    )
    assert diff_counts(diff) == (1, 2)
    assert diff_files(diff) == ["q.sql"]


def test_a_new_file_and_a_deleted_one_are_both_named() -> None:
    diff = (
        "--- /dev/null\n+++ b/new.txt\n@@ -0,0 +1 @@\n+hi\n"
        "--- a/gone.txt\n+++ /dev/null\n@@ -1 +0,0 @@\n-bye\n"
    )
    assert diff_files(diff) == ["new.txt", "gone.txt"]
    assert diff_counts(diff) == (1, 1)


def test_signed_lines_past_a_hunk_that_counted_short_still_count() -> None:
    diff = "--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n keep\n-old\n+new\n+more\n"
    assert diff_counts(diff) == (2, 1)
    assert diff_files(diff) == ["x"]


def test_an_emptied_plan_says_so() -> None:
    call = _call("TodoWrite", {"todos": []})
    assert call_headline(replace(call, todos=[])) == "plan: emptied"
