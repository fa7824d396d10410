"""What a reader of a Codex rollout sees of the agent's work: its patches, outputs and thinking."""

from __future__ import annotations

import json

import pytest

from session_lsp.core.analysis import analyse_bytes
from session_lsp.core.formats.codex import tool_views
from session_lsp.core.formats.codex.turns import EVENT_REACH
from session_lsp.core.turns import ConversationModel, Item, ItemKind, ToolStatus, build_model, page
from tests.support.corpus import CODEMIE_ROLLOUT, COMPACTED_ROLLOUT

STAMP = "2026-05-11T08:41:53.000Z"


def _line(record_type: str, payload: dict[str, object]) -> str:
    return json.dumps({"timestamp": STAMP, "type": record_type, "payload": payload})


def _model(*records: str) -> ConversationModel:
    meta = _line("session_meta", {"id": "019e1625-789d-76c0-80ab-3724b5ddb799", "cwd": "/w"})
    return build_model(analyse_bytes(("\n".join([meta, *records]) + "\n").encode()), None)


def _tool_items(model: ConversationModel) -> list[Item]:
    return [item for item in page(model) if item.tool is not None]


PATCH = (
    "*** Begin Patch\n*** Update File: src/app.py\n@@\n def main():\n@@\n"
    "-    return 1\n+    return 2\n*** End Patch\n"
)
APPLIED = {
    "/w/src/app.py": {
        "type": "update",
        "unified_diff": "@@ -40,2 +40,2 @@\n def main():\n-    return 1\n+    return 2\n",
        "move_path": None,
    }
}


def _patch_call(changes: object) -> list[str]:
    call = {"type": "custom_tool_call", "call_id": "call_p", "name": "apply_patch", "input": PATCH}
    output = {"type": "custom_tool_call_output", "call_id": "call_p", "output": "Success."}
    ended = {"type": "patch_apply_end", "call_id": "call_p", "changes": changes, "success": True}
    return [
        _line("response_item", call),
        _line("event_msg", ended),
        _line("response_item", output),
    ]


def test_an_applied_patch_shows_the_diff_codex_recorded_with_its_real_line_numbers() -> None:
    """Codex's `patch_apply_end` says where each change landed; the patch itself does not."""
    (item,) = _tool_items(_model(*_patch_call(APPLIED)))
    assert item.tool is not None
    assert item.tool.diff == (
        "--- a/src/app.py\n+++ b/src/app.py\n"
        "@@ -40,2 +40,2 @@\n def main():\n-    return 1\n+    return 2\n"
    )


@pytest.mark.parametrize("damaged", ['"a string"', "12", "null", "[]", '{"type":"event_msg"'])
def test_a_damaged_line_between_a_patch_and_its_output_leaves_the_envelope_s_diff(
    damaged: str,
) -> None:
    """A line that is no JSON object (a sector lost in a power cut, a torn write) where the
    `patch_apply_end` event is looked for is no event: the page used to fail on it."""
    call, ended, output = _patch_call(APPLIED)
    (item,) = _tool_items(_model(call, damaged, output))
    assert item.tool is not None
    assert item.tool.diff == (
        "--- a/src/app.py\n+++ b/src/app.py\n@@ -1 +1 @@ def main():\n-    return 1\n+    return 2\n"
    )
    (item,) = _tool_items(_model(call, ended, damaged, output))
    assert item.tool is not None and item.tool.diff is not None
    assert "@@ -40,2 +40,2 @@" in item.tool.diff


def test_the_real_rollout_s_patches_show_where_they_landed() -> None:
    model = build_model(analyse_bytes(CODEMIE_ROLLOUT.read_bytes()), CODEMIE_ROLLOUT)
    diffs = [item.tool.diff for item in _tool_items(model) if item.tool and item.tool.diff]
    assert [diff.splitlines()[:3] for diff in diffs] == [
        [
            "--- a/src/agents/plugins/__tests__/codemie-code-reasoning.test.ts",
            "+++ b/src/agents/plugins/__tests__/codemie-code-reasoning.test.ts",
            "@@ -246,2 +246,16 @@",
        ],
        [
            "--- a/src/agents/plugins/codemie-code.plugin.ts",
            "+++ b/src/agents/plugins/codemie-code.plugin.ts",
            "@@ -98,2 +98,7 @@",
        ],
        [
            "--- a/src/agents/plugins/opencode/opencode.plugin.ts",
            "+++ b/src/agents/plugins/opencode/opencode.plugin.ts",
            "@@ -111,2 +111,7 @@",
        ],
    ]


def test_recorded_adds_deletes_and_moves_are_diffs_of_their_contents_in_both_layouts() -> None:
    """Codex writes `{"type": "add", …}` now and wrote `{"add": {…}}` before."""
    patch = (
        "*** Begin Patch\n*** Add File: new.md\n+# New\n*** Delete File: old.txt\n"
        "*** Update File: a.py\n*** Move to: b.py\n@@\n-x = 1\n+x = 2\n*** End Patch"
    )
    changes = {
        "/w/new.md": {"type": "add", "content": "# New\n"},
        "/w/old.txt": {"delete": {"content": "bye\nnow\n"}},
        "/w/a.py": {
            "update": {"unified_diff": "@@ -3 +3 @@\n-x = 1\n+x = 2\n", "move_path": "/w/b.py"}
        },
    }
    assert tool_views.applied_diff("apply_patch", changes, patch) == (
        "--- /dev/null\n+++ b/new.md\n@@ -0,0 +1 @@\n+# New\n"
        "--- a/old.txt\n+++ /dev/null\n@@ -1,2 +0,0 @@\n-bye\n-now\n"
        "--- a/a.py\n+++ b/b.py\n@@ -3 +3 @@\n-x = 1\n+x = 2\n"
    )


def test_a_patch_whose_recorded_changes_are_unreadable_shows_the_patch_itself() -> None:
    for changes in (None, {}, {"/w/src/app.py": {"type": "rename"}}, ["x"], {"/w/a": 3}):
        (item,) = _tool_items(_model(*_patch_call(changes)))
        assert item.tool is not None and item.tool.diff is not None
        assert item.tool.diff.endswith("@@ -1 +1 @@ def main():\n-    return 1\n+    return 2\n")


def test_an_anchor_section_of_a_patch_is_the_next_hunk_s_heading_not_a_hunk() -> None:
    """`@@` then context alone only says where the next section starts, as `@@ line` does."""
    assert tool_views.patch_diff("apply_patch", PATCH) == (
        "--- a/src/app.py\n+++ b/src/app.py\n@@ -1 +1 @@ def main():\n-    return 1\n+    return 2\n"
    )


def _command(output: str) -> list[str]:
    call = {"type": "function_call", "call_id": "call_c", "name": "exec_command", "arguments": "{}"}
    answer = {"type": "function_call_output", "call_id": "call_c", "output": output}
    return [_line("response_item", call), _line("response_item", answer)]


HEADER = "Chunk ID: 1fae68\nWall time: 0.131 seconds\nProcess exited with code {}\n"


def test_a_command_s_output_comes_before_the_facts_codex_wrote_about_it() -> None:
    """Every result began with Chunk ID / Wall time / Process lines: the output is what a
    reader looks for, and how the command ended leads the facts after it."""
    (item,) = _tool_items(_model(*_command(HEADER.format(0) + "Output:\nfirst\nsecond\n")))
    assert item.tool is not None
    assert item.tool.result == (
        "first\nsecond\n[Process exited with code 0 · Chunk ID: 1fae68 · Wall time: 0.131 seconds]"
    )


def test_a_patch_result_is_its_message_not_escaped_json() -> None:
    model = build_model(analyse_bytes(CODEMIE_ROLLOUT.read_bytes()), CODEMIE_ROLLOUT)
    patched = [item.tool for item in _tool_items(model) if item.tool and item.tool.diff]
    assert patched[0].result == (
        "Success. Updated the following files:\n"
        "M src/agents/plugins/__tests__/codemie-code-reasoning.test.ts\n"
        "[exit_code: 0 · duration_seconds: 2.2]"
    )


def test_a_command_that_exited_non_zero_is_an_error_result_in_either_layout() -> None:
    failed_header = HEADER.format(2) + "Output:\nrg: no such file\n"
    wrapped = json.dumps({"output": "boom\n", "metadata": {"exit_code": 1, "duration_seconds": 1}})
    for output in (failed_header, wrapped):
        (item,) = _tool_items(_model(*_command(output)))
        assert item.tool is not None
        assert (item.tool.status, item.tool.is_error) == (ToolStatus.ERROR, True)


@pytest.mark.parametrize(
    "output",
    [
        HEADER.format(0) + "Output:\nProcess exited with code 1\n",
        "Process exited with code 1\nnot a header line\nOutput:\nx",
        "Output:\nProcess exited with code 1",
        '{"output": "x", "metadata": {"exit_code": 1}, "more": 1}',
        '{"output":"x","metadata":{"exit_code":1}',
        'exit_code":1',
    ],
)
def test_output_that_only_mentions_a_failure_stays_answered_and_as_written(output: str) -> None:
    (item,) = _tool_items(_model(*_command(output)))
    assert item.tool is not None and item.tool.status is ToolStatus.ANSWERED
    if not output.startswith("Chunk"):
        assert item.tool.result == output


@pytest.mark.parametrize("output", ["exec command rejected by user", "patch rejected by user"])
def test_a_call_the_user_declined_at_the_approval_prompt_is_rejected(output: str) -> None:
    (item,) = _tool_items(_model(*_command(output)))
    assert item.tool is not None and item.tool.status is ToolStatus.REJECTED
    assert item.tool.result == output


def _compaction_text(model: ConversationModel) -> str | None:
    (item,) = [item for item in page(model) if item.kind is ItemKind.COMPACTION]
    return item.text


def test_a_compaction_without_a_summary_says_what_a_resume_continues_from() -> None:
    """The server's compactions write an empty message: the kept prompts are what it holds."""
    model = build_model(analyse_bytes(COMPACTED_ROLLOUT.read_bytes()), COMPACTED_ROLLOUT)
    assert _compaction_text(model) == (
        "History compacted: a resume continues from the 5 prompts and 16 replies kept, and"
        " Codex's encrypted summary of the rest.\n"
        "- show tools\n"
        "- Run the tests and fix whatever fails.\n"
        "- Why does the parser reject the file in fixtures/broken.jsonl?\n"
        "- Add a --json flag to the list command and document it.\n"
        "- Refactor the config loader so it reads TOML as well, with tests."
    )


@pytest.mark.parametrize(
    ("payload", "shown"),
    [
        ({"message": "We fixed the loader."}, "We fixed the loader."),
        (
            {"message": ""},
            "History compacted; Codex wrote no summary, and a resume keeps only the prompts.",
        ),
        (
            {"message": " ", "replacement_history": [3, {"type": "message", "role": "user"}]},
            "History compacted: a resume continues from the 0 prompts and 0 replies kept.",
        ),
    ],
)
def test_a_compaction_shows_its_own_summary_else_what_it_kept(
    payload: dict[str, object], shown: str
) -> None:
    assert _compaction_text(_model(_line("compacted", payload))) == shown


def _stamped(record: str, stamp: str) -> str:
    return record.replace(STAMP, stamp)


@pytest.mark.parametrize(
    ("exit_code", "status"),
    [
        (0, ToolStatus.ANSWERED),
        (2, ToolStatus.ERROR),
        ("2", ToolStatus.ANSWERED),
        (True, ToolStatus.ANSWERED),
    ],
)
def test_a_command_still_running_when_answered_fails_by_its_exec_command_end_event(
    exit_code: object, status: ToolStatus
) -> None:
    """The call's output said `Process running`; a later poll saw it end, and the end event says
    how: the command failed, though its call's result (and so its duration) came before."""
    running = "Chunk ID: a\nWall time: 1.0 seconds\nProcess running with session ID 7\nOutput:\n"
    ended = {"type": "exec_command_end", "call_id": "call_c", "exit_code": exit_code}
    model = _model(
        *_command(running),
        _stamped(_line("event_msg", ended), "2026-05-11T08:42:03.500Z"),
    )
    (item,) = _tool_items(model)
    assert item.tool is not None
    assert item.tool.duration_ms == 0
    assert item.tool.status is status


@pytest.mark.parametrize(
    ("reasoning", "shown"),
    [
        ({"summary": [{"type": "summary_text", "text": "Plan it"}]}, "Plan it"),
        ({"summary": [], "content": [{"type": "reasoning_text", "text": "Raw"}]}, "Raw"),
        ({"summary": [], "content": None, "encrypted_content": "gAAA"}, "(encrypted reasoning)"),
    ],
)
def test_reasoning_shows_its_summary_else_its_own_text_else_that_it_is_encrypted(
    reasoning: dict[str, object], shown: str
) -> None:
    model = _model(_line("response_item", {"type": "reasoning", **reasoning}))
    assert [item.text for item in page(model) if item.kind is ItemKind.THINKING] == [shown]


def test_a_rolled_back_turn_is_marked_where_codex_dropped_it() -> None:
    """Codex drops the last turns from what it resumes (Esc Esc, a thread rollback): the view
    keeps them, and says so where it happened."""
    user = {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "go"}]}
    model = _model(
        _line("response_item", user),
        _line("event_msg", {"type": "thread_rolled_back", "num_turns": 1}),
        _line("event_msg", {"type": "thread_rolled_back", "num_turns": "x"}),
    )
    shown = [(item.kind, item.text) for item in page(model)]
    assert shown == [
        (ItemKind.PROMPT, "go"),
        (
            ItemKind.NOTIFICATION,
            "[rolled back 1 turn: a resume leaves out the last 1 prompt before this point and"
            " what followed]",
        ),
        (
            ItemKind.NOTIFICATION,
            "[rolled back ? turns: a resume leaves out the last ? prompts before this point and"
            " what followed]",
        ),
    ]


def _shell_call(kind: str, arguments: dict[str, object], *, applied: object = None) -> list[str]:
    call: dict[str, object] = {"type": kind, "call_id": "call_sh", "name": "shell"}
    if kind == "local_shell_call":
        call["action"] = {"type": "exec", **arguments}
    else:
        call["arguments"] = json.dumps(arguments)
    answer = {"type": "function_call_output", "call_id": "call_sh", "output": "Done!"}
    ended = {"type": "patch_apply_end", "call_id": "call_sh", "changes": applied}
    return [
        _line("response_item", call),
        *([_line("event_msg", ended)] if applied is not None else []),
        _line("response_item", answer),
    ]


ENVELOPE_DIFF = (
    "--- a/src/app.py\n+++ b/src/app.py\n@@ -1 +1 @@ def main():\n-    return 1\n+    return 2\n"
)


@pytest.mark.parametrize(
    ("records", "diff"),
    [
        (
            _shell_call("function_call", {"command": ["apply_patch", PATCH]}, applied=APPLIED),
            "--- a/src/app.py\n+++ b/src/app.py\n"
            "@@ -40,2 +40,2 @@\n def main():\n-    return 1\n+    return 2\n",
        ),
        (
            _shell_call("function_call", {"cmd": f"cd src && apply_patch <<'EOF'\n{PATCH}EOF\n"}),
            ENVELOPE_DIFF,
        ),
        (
            _shell_call(
                "local_shell_call", {"command": ["bash", "-lc", f"apply_patch <<'P'\n{PATCH}P"]}
            ),
            ENVELOPE_DIFF,
        ),
        (_shell_call("function_call", {"command": ["grep", "-n", PATCH, "notes.md"]}), None),
        (_shell_call("function_call", {"cmd": f"echo '{PATCH}' > apply_patch.txt"}), None),
    ],
    ids=["argv-applied", "script", "local-shell", "grep", "echo"],
)
def test_a_patch_run_through_a_shell_command_is_a_diff_as_codex_applies_it(
    records: list[str], diff: str | None
) -> None:
    """Codex applies `apply_patch` itself when a shell call runs it, as older models did."""
    (item,) = _tool_items(_model(*records))
    assert item.tool is not None and item.tool.diff == diff


def _user_text(text: str) -> str:
    return _line(
        "response_item",
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]},
    )


def test_a_command_the_person_ran_is_shown_with_its_output_not_dropped() -> None:
    """`!cmd` in Codex's composer: Codex records it as a user message the model sees; the
    person ran it, so it is shown (not as a prompt, and not as the title)."""
    ran = (
        "<user_shell_command>\n<command>\ngit status\n</command>\n<result>\nExit code: 1\n"
        "Duration: 0.1200 seconds\nOutput:\nfatal: not a git repository\n</result>\n"
        "</user_shell_command>"
    )
    model = _model(
        _user_text(ran), _user_text("<user_shell_command>\necho hi\n</user_shell_command>")
    )
    assert [(item.kind, item.text) for item in page(model)] == [
        (
            ItemKind.COMMAND,
            "! git status\nfatal: not a git repository\n[Exit code: 1 · Duration: 0.1200 seconds]",
        ),
        (ItemKind.COMMAND, "! echo hi"),
    ]
    assert model.title is None


def test_a_command_output_that_repeats_the_tags_is_read_whole() -> None:
    """The output is the person's: it may hold `<command>` and `</result>` itself."""
    junk = "<command></result>\n" * 50_000
    ran = (
        "<user_shell_command>\n<command>\ncat log\n</command>\n<result>\nExit code: 0\n"
        f"Duration: 0.1000 seconds\nOutput:\n{junk}</result>\n</user_shell_command>"
    )
    (item,) = page(_model(_user_text(ran)))
    assert item.text is not None and item.text.startswith("! cat log\n<command></result>\n")


def test_an_output_of_content_items_reads_as_their_text() -> None:
    """Codex Desktop's `js` tool answers with content items under the header, as JSON."""
    items = [{"type": "text", "text": "Browser Use rejected this action."}, {"type": "input_image"}]
    output = "Wall time: 2.4099 seconds\nOutput:\n" + json.dumps(items)
    (item,) = _tool_items(_model(*_command(output)))
    assert item.tool is not None
    assert item.tool.result == (
        "Browser Use rejected this action.\n[input_image]\n[Wall time: 2.4099 seconds]"
    )
    for body in ('[{"type": 3}]', '[{"type": "text"', '[{"type":"text"}, 5]'):
        (item,) = _tool_items(_model(*_command("Wall time: 1 seconds\nOutput:\n" + body)))
        assert item.tool is not None and item.tool.result == f"{body}\n[Wall time: 1 seconds]"


def test_a_patch_in_a_parallel_batch_finds_its_own_apply_event() -> None:
    call, ended, output = _patch_call(APPLIED)
    other_ended = json.loads(ended)
    other_ended["payload"].update(call_id="call_c", changes={"/w/other.py": {"type": "add"}})
    command, command_output = _command(HEADER.format(0) + "Output:\n")
    (patch, _) = _tool_items(
        _model(call, command, command_output, json.dumps(other_ended), ended, output)
    )
    assert patch.tool is not None and patch.tool.diff is not None
    assert "@@ -40,2 +40,2 @@" in patch.tool.diff and "other.py" not in patch.tool.diff


def test_an_apply_event_far_before_the_output_is_not_looked_for() -> None:
    """A page reads at most `EVENT_REACH` lines back from the output."""
    call, ended, output = _patch_call(APPLIED)
    filler = [_line("event_msg", {"type": "agent_reasoning", "text": "…"})] * EVENT_REACH
    (item,) = _tool_items(_model(call, ended, *filler, output))
    assert item.tool is not None and item.tool.diff is not None
    assert item.tool.diff.startswith("--- a/src/app.py\n+++ b/src/app.py\n@@ -1 +1 @@ def main():")


def _token_count(last: int, total: int) -> str:
    def usage(tokens: int) -> dict[str, int]:
        return {"input_tokens": tokens, "cached_input_tokens": 0, "output_tokens": 1}

    info = {"total_token_usage": usage(total), "last_token_usage": usage(last)}
    return _line("event_msg", {"type": "token_count", "info": info})


def test_the_session_s_use_is_codex_s_running_total_in_a_rollout_written_in_one_run() -> None:
    model = build_model(analyse_bytes(CODEMIE_ROLLOUT.read_bytes()), CODEMIE_ROLLOUT)
    text = CODEMIE_ROLLOUT.read_text(encoding="utf-8")
    events = [json.loads(line) for line in text.split("\n") if line]
    total = [
        event["payload"]["info"]["total_token_usage"]
        for event in events
        if event["payload"].get("type") == "token_count" and event["payload"]["info"]
    ][-1]
    assert model.usage is not None
    assert (model.usage.input + model.usage.cache_read, model.usage.output) == (
        total["input_tokens"],
        total["output_tokens"],
    )


def test_each_request_counts_once_though_a_restart_restarts_codex_s_running_total() -> None:
    reply = {"type": "message", "role": "assistant", "content": []}
    model = _model(
        _line("response_item", reply),
        _token_count(100, 100),
        _token_count(100, 100),  # only the rate limits changed
        _line("response_item", reply),
        _token_count(40, 140),
        _line("response_item", reply),
        _token_count(30, 30),  # a new process counts from zero again
    )
    assert model.usage is not None and (model.usage.input, model.usage.output) == (170, 3)
    assert [item.usage.input if item.usage else None for item in page(model)] == [100, 40, 30]
