"""A thread Codex's spawn_agent started opens under the call, as a Task's sub-agent does."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from session_lsp.core.analysis import analyse_bytes
from session_lsp.core.formats.codex.sub_agents import ThreadRollouts
from session_lsp.core.markdown import render_markdown
from session_lsp.core.turns import ConversationModel, ToolCall, build_model, page
from session_lsp.core.turns.agents import SubAgentUsage, every_agent_count, sub_agent_usage
from session_lsp.core.turns.model import Usage

PARENT = "019e1625-789d-76c0-80ab-3724b5ddb799"
CHILD = "019e1700-0000-7000-8000-000000000001"
TASK = "Audit the parser for torn lines"


def _line(record_type: str, payload: dict[str, object], stamp: str) -> str:
    return json.dumps({"timestamp": stamp, "type": record_type, "payload": payload})


def _write(path: Path, lines: list[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _parent(sessions: Path, output: str, stamp: str = "2026-05-11T10:00:00.000Z") -> Path:
    arguments = json.dumps({"message": TASK, "agent_type": "worker"})
    call = {"type": "function_call", "call_id": "call_s", "name": "spawn_agent"}
    answer = {"type": "function_call_output", "call_id": "call_s", "output": output}
    return _write(
        sessions / "2026/05/11" / f"rollout-2026-05-11T12-00-00-{PARENT}.jsonl",
        [
            _line("session_meta", {"id": PARENT, "cwd": "/w"}, stamp),
            _line("response_item", {**call, "arguments": arguments}, stamp),
            _line("response_item", answer, stamp),
        ],
    )


def _child(sessions: Path, day: str) -> Path:
    stamp = "2026-05-11T10:00:01.000Z"
    spawned = {"subagent": {"thread_spawn": {"parent_thread_id": PARENT, "depth": 1}}}
    reply = {"type": "message", "role": "assistant"}
    return _write(
        sessions / day / f"rollout-2026-05-11T12-00-01-{CHILD}.jsonl",
        [
            _line("session_meta", {"id": CHILD, "cwd": "/w", "source": spawned}, stamp),
            _line("event_msg", {"type": "user_message", "message": TASK}, stamp),
            _line("response_item", {**reply, "content": [{"text": "No torn lines."}]}, stamp),
        ],
    )


def _spawn(path: Path) -> tuple[ConversationModel, ToolCall]:
    model = build_model(analyse_bytes(path.read_bytes()), path)
    (tool,) = [item.tool for item in page(model) if item.tool is not None]
    return model, tool


SPAWNED = json.dumps({"agent_id": CHILD, "nickname": "Curie"})


@pytest.mark.parametrize("day", ["2026/05/11", "2026/05/12", "2026/05/10"])
def test_a_spawned_thread_s_rollout_opens_under_its_spawn_agent_call(
    tmp_path: Path, day: str
) -> None:
    """In the parent's folder, or the next or previous day's (folders are local dates)."""
    child = _child(tmp_path, day)
    _, tool = _spawn(_parent(tmp_path, SPAWNED))
    assert tool.agent_file == child.resolve()
    assert tool.agent is not None and tool.agent.file == child.resolve()
    assert tool.agent.title == TASK


def test_a_spawned_threads_tokens_are_the_sessions_sub_agent_usage(tmp_path: Path) -> None:
    child = _child(tmp_path, "2026/05/11")
    used = {"input_tokens": 900, "cached_input_tokens": 600, "output_tokens": 40}
    info = {"total_token_usage": used, "last_token_usage": used}
    with child.open("a", encoding="utf-8") as rollout:
        stamp = "2026-05-11T10:00:02.000Z"
        rollout.write(_line("event_msg", {"type": "token_count", "info": info}, stamp) + "\n")
    model, _ = _spawn(_parent(tmp_path, SPAWNED))
    assert model.agent_files == [child.resolve()]
    assert sub_agent_usage(model) == SubAgentUsage(1, 0, Usage(300, 40, 600, 0))
    assert model.usage is None  # the parent's own rollout recorded none


def test_a_thread_spawned_by_a_spawned_thread_counts_in_the_sessions_sub_agent_usage(
    tmp_path: Path,
) -> None:
    """Codex threads spawn threads of their own, each in its own rollout: the session's total
    takes every one of them once."""
    grandchild_id = "019e1700-0000-7000-8000-000000000009"
    child = _child(tmp_path, "2026/05/11")
    day = tmp_path / "2026/05/11"
    used = {"input_tokens": 900, "cached_input_tokens": 600, "output_tokens": 40}
    more = {"input_tokens": 50, "cached_input_tokens": 0, "output_tokens": 7}
    stamp = "2026-05-11T10:00:02.000Z"
    call = {"type": "function_call", "call_id": "call_g", "name": "spawn_agent"}
    answer = {
        "type": "function_call_output",
        "call_id": "call_g",
        "output": json.dumps({"agent_id": grandchild_id, "nickname": "Noether"}),
    }
    with child.open("a", encoding="utf-8") as rollout:
        for record_type, payload in (
            ("response_item", {**call, "arguments": json.dumps({"message": "dig deeper"})}),
            ("response_item", answer),
            (
                "event_msg",
                {
                    "type": "token_count",
                    "info": {"total_token_usage": used, "last_token_usage": used},
                },
            ),
        ):
            rollout.write(_line(record_type, payload, stamp) + "\n")
    spawned = {"subagent": {"thread_spawn": {"parent_thread_id": CHILD, "depth": 2}}}
    grandchild = _write(
        day / f"rollout-2026-05-11T12-00-03-{grandchild_id}.jsonl",
        [
            _line("session_meta", {"id": grandchild_id, "cwd": "/w", "source": spawned}, stamp),
            _line(
                "event_msg",
                {
                    "type": "token_count",
                    "info": {"total_token_usage": more, "last_token_usage": more},
                },
                stamp,
            ),
        ],
    )
    model, _ = _spawn(_parent(tmp_path, SPAWNED))
    assert model.agent_files == [child.resolve()]  # the session's own call ran the child only
    assert sub_agent_usage(model) == SubAgentUsage(2, 0, Usage(300 + 50, 40 + 7, 600, 0))
    assert grandchild.resolve() in every_agent_count(model).counted


def test_the_markdown_expands_the_spawned_thread_s_conversation(tmp_path: Path) -> None:
    _child(tmp_path, "2026/05/11")
    model, _ = _spawn(_parent(tmp_path, SPAWNED))

    def load(path: Path) -> ConversationModel:
        return build_model(analyse_bytes(path.read_bytes()), path)

    markdown = render_markdown(model, load_agent=load)
    assert "Sub-agent conversation" in markdown and "No torn lines." in markdown


@pytest.mark.parametrize(
    "output",
    [
        json.dumps({"agent_id": "../../../etc/passwd"}),
        json.dumps({"agent_id": "019e1700-0000-7000-8000-00000000000*"}),
        json.dumps({"agent_id": 3}),
        "Agent depth limit reached. Solve the task yourself.",
        json.dumps({"agent_id": "019e1700-0000-7000-8000-000000000002"}),
    ],
)
def test_a_spawn_that_names_no_thread_rollout_has_no_sub_agent(tmp_path: Path, output: str) -> None:
    _child(tmp_path, "2026/05/11")
    _, tool = _spawn(_parent(tmp_path, output))
    assert (tool.agent, tool.agent_file) == (None, None)


def test_a_rollout_outside_codex_s_dated_folders_looks_only_beside_itself(tmp_path: Path) -> None:
    _child(tmp_path, "2026/05/12")
    parent = _parent(tmp_path, SPAWNED)
    moved = parent.rename(tmp_path / parent.name)
    _, tool = _spawn(moved)
    assert tool.agent is None


@pytest.mark.parametrize(
    ("source", "note"),
    [
        (
            {"subagent": {"thread_spawn": {"parent_thread_id": PARENT, "depth": 1}}},
            f"a sub-agent's thread spawned by session {PARENT}",
        ),
        (
            {
                "subagent": {
                    "thread_spawn": {
                        "parent_thread_id": PARENT,
                        "agent_nickname": "Curie",
                        "agent_role": "worker",
                    }
                }
            },
            f"a sub-agent's thread (Curie, worker) spawned by session {PARENT}",
        ),
        ({"subagent": "review"}, "a review sub-agent's thread"),
        ("cli", None),
        ({"subagent": {"thread_spawn": 3}}, None),
    ],
)
def test_a_sub_agent_s_own_rollout_says_whose_thread_it_is(
    source: object, note: str | None
) -> None:
    stamp = "2026-05-11T10:00:01.000Z"
    meta = _line("session_meta", {"id": CHILD, "cwd": "/w", "source": source}, stamp)
    model = build_model(analyse_bytes((meta + "\n").encode()), None)
    assert model.start_note == note


def test_a_symbolic_link_named_as_the_thread_s_rollout_is_not_followed(tmp_path: Path) -> None:
    elsewhere = _child(tmp_path / "elsewhere", "x")
    link = tmp_path / "2026/05/11" / elsewhere.name
    link.parent.mkdir(parents=True)
    link.symlink_to(elsewhere)
    _, tool = _spawn(_parent(tmp_path, SPAWNED))
    assert tool.agent is None


def test_a_hostile_nickname_and_role_in_the_note_stay_inert_in_the_markdown() -> None:
    """The note quotes what the sub-agent's `session_meta` says of it: in the Markdown it is a
    code span on one line, never a link, an image or HTML."""
    hostile = "[x](https://evil.example) ![i](https://evil.example/i.png)\n# <b>hi</b>"
    spawn = {"parent_thread_id": PARENT, "agent_nickname": hostile, "agent_role": "`worker`"}
    stamp = "2026-05-11T10:00:01.000Z"
    meta = _line(
        "session_meta",
        {"id": CHILD, "cwd": "/w", "source": {"subagent": {"thread_spawn": spawn}}},
        stamp,
    )
    markdown = render_markdown(build_model(analyse_bytes((meta + "\n").encode()), None))
    (note,) = [line for line in markdown.splitlines() if line.startswith("*Note:*")]
    assert note.startswith("*Note:* ``") and note.endswith("``")
    assert not any(line.startswith("# <b>") for line in markdown.splitlines())


def test_the_folder_of_many_spawned_threads_is_listed_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A session that spawns a thread per call writes a rollout per thread into the same dated
    folder: finding each must not list that folder again for each call."""
    listed: list[Path] = []
    glob = Path.glob

    def counted(self: Path, pattern: str) -> object:
        listed.append(self)
        return glob(self, pattern)

    monkeypatch.setattr(Path, "glob", counted)
    day = tmp_path / "sessions" / "2026" / "05" / "11"
    day.mkdir(parents=True)
    threads = ThreadRollouts(day / f"rollout-2026-05-11T10-00-00-{PARENT}.jsonl")
    children = [f"{CHILD[:-4]}{number:04d}" for number in range(20)]
    for number, child in enumerate(children):
        (day / f"rollout-2026-05-11T10-00-{number:02d}-{child}.jsonl").write_text("{}\n")
    for child in children:
        assert threads.find(child, "2026-05-11T10:00:01.000Z") is not None
    assert listed == [day]
