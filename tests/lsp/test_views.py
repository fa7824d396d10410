"""sessionLsp.listSessions, sessionLsp.conversation and sessionLsp.renderTranscript (docs/contract.md)."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any

import pytest
import zstandard
from lsprotocol import types
from markdown_it import MarkdownIt
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient

from session_lsp.core.turns import build_model
from session_lsp.files import read_session_file
from session_lsp.sessions.registry import Liveness, analyse_session
from session_lsp.view_json import conversation_to_json
from tests.bench.support import bench_module
from tests.lsp import sessions
from tests.lsp.support import OpenDocument, fresh_uri
from tests.support import hostile
from tests.support.contract import SESSION_KEYS
from tests.support.corpus import (
    CLAUDE_CORPUS,
    CODEMIE_ROLLOUT,
    CODEMIE_TURN_1,
    SHORT,
    SUBAGENT,
    WORKTREES,
)
from tests.support.files import aged_copy

pytestmark = pytest.mark.asyncio(loop_scope="module")

generate_rollout = bench_module("generate_rollout").generate_rollout

DANGLING_ID = "toolu_bdrk_01NNGBKLENmr7j3TfUKZW7rz"
ITEM_KEYS = {
    "index",
    "kind",
    "lines",
    "timestamp",
    "text",
    "truncated",
    "tool",
    "findings",
    "parentTool",
    "model",
    "usage",
}
TOOL_KEYS = {
    "id",
    "name",
    "input",
    "result",
    "isError",
    "status",
    "callLine",
    "resultLine",
    "agentFile",
    "durationMs",
    "diff",
    "applied",
    "todos",
    "agent",
    "process",
    "actsOn",
    "rejection",
    "explanation",
}


async def command(client: LanguageClient, name: str, *arguments: object) -> Any:
    return await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command=name, arguments=list(arguments))
    )


async def test_conversation_of_a_file_on_disk_pages_and_finds_the_broken_call(
    client: LanguageClient, tmp_path: Path
) -> None:
    path = aged_copy(CODEMIE_TURN_1, tmp_path / "session.jsonl")
    first = await command(client, "sessionLsp.conversation", str(path), {"offset": 0, "limit": 5})
    assert (first["path"], first["uri"], first["format"]) == (
        str(path),
        path.as_uri(),
        "claude-code",
    )
    assert (first["total"], first["offset"], len(first["items"])) == (17, 0, 5)
    assert (first["errors"], first["warnings"], first["firstProblem"]) == (1, 0, 16)
    assert all(set(item) == ITEM_KEYS for item in first["items"])
    assert first["items"][0]["kind"] == "prompt" and first["items"][0]["text"]
    last = await command(
        client, "sessionLsp.conversation", path.as_uri(), {"offset": 16, "limit": 200}
    )
    (item,) = last["items"]
    assert set(item["tool"]) == TOOL_KEYS
    assert (item["index"], item["kind"], item["lines"]) == (16, "tool", [24, 24])
    tool = item["tool"]
    assert (tool["id"], tool["name"], tool["status"], tool["callLine"], tool["resultLine"]) == (
        DANGLING_ID,
        "Bash",
        "unpaired",
        24,
        None,
    )
    (finding,) = item["findings"]
    assert (finding["code"], finding["line"], finding["toolUseId"]) == (
        "unpaired-tool-use",
        25,
        DANGLING_ID,
    )
    beyond = await command(client, "sessionLsp.conversation", str(path), {"offset": 99})
    assert beyond["items"] == [] and beyond["total"] == 17


async def test_conversation_of_an_open_document_uses_its_current_text(
    client: LanguageClient,
) -> None:
    document = OpenDocument(client, fresh_uri(client), sessions.dangling())
    answer = await command(client, "sessionLsp.conversation", document.uri)
    kinds = [(item["kind"], (item["tool"] or {}).get("status")) for item in answer["items"]]
    assert kinds == [("prompt", None), ("tool", "answered"), ("tool", "unpaired")]
    assert answer["items"][0]["text"] == "fix the build 🙂 修复"
    assert answer["sessionId"] == "s-1" and answer["firstProblem"] == 2


async def test_sub_agent_calls_name_their_agent_files(client: LanguageClient) -> None:
    answer = await command(client, "sessionLsp.conversation", str(WORKTREES), {"limit": 2000})
    agents = {item["tool"]["agentFile"] for item in answer["items"] if item["tool"]}
    agents.discard(None)
    expected = {
        str(p.resolve()) for p in (WORKTREES.parent / WORKTREES.stem).rglob("agent-*.jsonl")
    }
    assert agents == expected and len(agents) == 6


async def test_render_transcript_is_inert_markdown_naming_the_broken_call(
    client: LanguageClient, tmp_path: Path
) -> None:
    path = aged_copy(hostile.write_hostile(tmp_path / "hostile.jsonl"), tmp_path / "hostile.jsonl")
    answer = await command(client, "sessionLsp.renderTranscript", str(path))
    markdown = answer["markdown"]
    assert "unpaired-tool-use" in markdown and "` toolu_01DANGLING `" in markdown
    parsed = MarkdownIt("gfm-like").parse(markdown)
    children = [child for token in parsed for child in token.children or ()]
    assert not {t.type for t in parsed + children} & {
        "link_open",
        "image",
        "html_inline",
        "html_block",
    }


async def test_list_sessions_under_a_root(client: LanguageClient, tmp_path: Path) -> None:
    project = tmp_path / "projects" / "-work-demo"
    project.mkdir(parents=True)
    broken = aged_copy(CODEMIE_TURN_1, project / "11111111-1111-4111-8111-111111111111.jsonl")
    aged_copy(SHORT, project / "22222222-2222-4222-8222-222222222222.jsonl")
    listed = await command(client, "sessionLsp.listSessions", str(tmp_path / "projects"))
    assert len(listed) == 2 and all(set(entry) == SESSION_KEYS for entry in listed)
    by_path = {entry["path"]: entry for entry in listed}
    assert by_path[str(broken)]["health"] == "broken" and by_path[str(broken)]["errors"] == 1


@pytest.mark.parametrize(
    ("arguments", "code"),
    [
        ([], -32602),
        ([42], -32602),
        (["relative/path.jsonl"], -32602),
        (["/no/such/session.jsonl"], -32603),
        (["/tmp", {"offset": -1}], -32602),
        (["/tmp", "not options"], -32602),
    ],
)
async def test_bad_arguments_are_json_rpc_errors(
    client: LanguageClient, arguments: list[object], code: int
) -> None:
    with pytest.raises(JsonRpcException) as raised:
        await command(client, "sessionLsp.conversation", *arguments)
    assert raised.value.code == code
    assert "Traceback" not in str(raised.value)


async def test_list_sessions_refuses_a_relative_or_missing_root(client: LanguageClient) -> None:
    with pytest.raises(JsonRpcException) as relative:
        await command(client, "sessionLsp.listSessions", "projects")
    assert relative.value.code == -32602
    with pytest.raises(JsonRpcException) as missing:
        await command(client, "sessionLsp.listSessions", "/no/such/folder")
    assert missing.value.code == -32603


async def test_a_file_changed_on_disk_is_read_again(client: LanguageClient, tmp_path: Path) -> None:
    path = aged_copy(SHORT, tmp_path / "growing.jsonl")
    before = await command(client, "sessionLsp.conversation", str(path))
    last_uuid = json.loads(path.read_bytes().splitlines()[-1])["uuid"]
    prompt = sessions.prompt("later-prompt", "one more thing", last_uuid, second=59)
    prompt["timestamp"] = "2099-01-01T00:00:00.000Z"
    with path.open("a", encoding="utf-8") as handle:
        handle.write(sessions.line(prompt) + "\n")
    aged_copy(path, path)
    after = await command(client, "sessionLsp.conversation", str(path))
    assert after["total"] > before["total"]
    assert after["items"][-1]["text"] == "one more thing"


async def test_an_edited_document_shows_its_new_text(client: LanguageClient) -> None:
    text = sessions.dangling()
    document = OpenDocument(client, fresh_uri(client), text)
    before = await command(client, "sessionLsp.conversation", document.uri)
    end = types.Position(line=len(text.splitlines()), character=0)
    answer = sessions.result("r2", "a2", "toolu_01BASH", "built", 4)
    document.change(
        [
            types.TextEdit(
                range=types.Range(start=end, end=end), new_text=sessions.line(answer) + "\n"
            )
        ]
    )
    after = await command(client, "sessionLsp.conversation", document.uri)
    assert before["items"][-1]["tool"]["status"] == "unpaired"
    assert after["items"][-1]["tool"]["status"] == "answered"
    assert after["items"][-1]["tool"]["result"] == "built" and after["errors"] == 0


@pytest.mark.parametrize("name", ["sessionLsp.conversation", "sessionLsp.renderTranscript"])
async def test_a_fifo_a_folder_or_a_nul_in_the_path_is_a_clear_error_not_a_read(
    client: LanguageClient, tmp_path: Path, name: str
) -> None:
    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)
    expected = {
        str(fifo): "not a regular file (a FIFO)",
        str(tmp_path): "is a folder",
        f"{tmp_path}/a\x00b.jsonl": "NUL",
        f"{tmp_path.as_uri()}/a%00b.jsonl": "NUL",
    }
    for target, message in expected.items():
        with pytest.raises(JsonRpcException) as raised:
            await asyncio.wait_for(command(client, name, target), timeout=20)
        assert raised.value.code == -32603 and message in str(raised.value)
        assert "Traceback" not in str(raised.value)


@pytest.mark.parametrize(
    "target", ["untitled:Untitled-1", "https://example.com/session.jsonl", "~/session.jsonl", ""]
)
async def test_a_uri_of_another_scheme_or_a_relative_name_is_invalid_params(
    client: LanguageClient, target: str
) -> None:
    with pytest.raises(JsonRpcException) as raised:
        await command(client, "sessionLsp.renderTranscript", target)
    assert raised.value.code == -32602


async def test_an_escaped_dot_dot_in_a_file_uri_names_the_file_it_resolves_to(
    client: LanguageClient, tmp_path: Path
) -> None:
    path = aged_copy(CODEMIE_TURN_1, tmp_path / "session.jsonl")
    (tmp_path / "inner").mkdir()
    answer = await command(
        client, "sessionLsp.conversation", f"{tmp_path.as_uri()}/inner/%2e%2e/session.jsonl"
    )
    direct = await command(client, "sessionLsp.conversation", str(path))
    assert (answer["total"], answer["errors"]) == (direct["total"], direct["errors"]) == (17, 1)


async def test_a_page_past_the_end_or_of_no_items_is_empty_with_the_whole_counts(
    client: LanguageClient, tmp_path: Path
) -> None:
    path = aged_copy(CODEMIE_TURN_1, tmp_path / "session.jsonl")
    past = await command(client, "sessionLsp.conversation", str(path), {"offset": 10**18})
    none = await command(client, "sessionLsp.conversation", str(path), {"limit": 0})
    huge = await command(client, "sessionLsp.conversation", str(path), {"limit": 10**18})
    assert (past["items"], past["total"], past["offset"]) == ([], 17, 10**18)
    assert (none["items"], none["total"]) == ([], 17)
    assert len(huge["items"]) == 17
    with pytest.raises(JsonRpcException) as negative:
        await command(client, "sessionLsp.conversation", str(path), {"limit": -1})
    assert negative.value.code == -32602


async def test_list_sessions_refuses_a_root_that_is_a_file_or_a_fifo(
    client: LanguageClient, tmp_path: Path
) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    plain = tmp_path / "plain.jsonl"
    plain.write_text("{}\n")
    for root in (fifo, plain, f"{tmp_path}/\x00"):
        with pytest.raises(JsonRpcException) as raised:
            await asyncio.wait_for(command(client, "sessionLsp.listSessions", str(root)), 20)
        assert raised.value.code == -32603 and "no such folder" in str(raised.value)


SAMPLE = (
    CLAUDE_CORPUS
    / "daaain-claude-code-log"
    / "-Users-dain-workspace-claude-code-log-sample"
    / "fe869ecb-c176-478f-9734-7e4b8ef12cff.jsonl"
)
FLAT_AGENT = (
    CLAUDE_CORPUS / "daaain-claude-code-log" / "-src-deep-manifest" / "agent-c8d9b115.jsonl"
)


async def test_the_answer_carries_the_plan_the_usage_and_the_context(
    client: LanguageClient,
) -> None:
    answer = await command(client, "sessionLsp.conversation", str(SAMPLE), {"limit": 2000})
    todo_writes = [
        item for item in answer["items"] if (item["tool"] or {}).get("name") == "TodoWrite"
    ]
    last = todo_writes[-1]
    assert answer["lastTodos"] == {
        "index": last["index"],
        "todos": last["tool"]["todos"],
        "segment": answer["segment"],
    }
    assert answer["lastTodos"]["todos"][0] == {
        "content": "Update GitHub Action to run on all pushes",
        "status": "completed",
    }
    assert set(answer["usage"]) == {
        "input",
        "output",
        "outputPartial",
        "cacheRead",
        "cacheCreation",
    }
    last_usage = [item["usage"] for item in answer["items"] if item["usage"]][-1]
    assert answer["contextTokens"] == (
        last_usage["input"] + last_usage["cacheRead"] + last_usage["cacheCreation"]
    )
    edits = [item["tool"] for item in answer["items"] if (item["tool"] or {}).get("name") == "Edit"]
    assert edits and all(tool["diff"].startswith("--- ") for tool in edits)
    assert all(isinstance(tool["durationMs"], int) for tool in edits)
    assert {(tool["status"], tool["applied"]) for tool in edits} == {("answered", True)}
    reads = [item["tool"] for item in answer["items"] if (item["tool"] or {}).get("name") == "Read"]
    assert reads and all(tool["applied"] is None for tool in reads), "no diff, nothing to apply"


async def test_item_returns_one_item_whole(client: LanguageClient, tmp_path: Path) -> None:
    long = "a long prompt " * 1000
    path = tmp_path / "long.jsonl"
    record = {
        "type": "user",
        "uuid": "u1",
        "parentUuid": None,
        "sessionId": "s-long",
        "timestamp": "2026-01-01T00:00:00Z",
        "message": {"role": "user", "content": long},
    }
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    paged = await command(client, "sessionLsp.conversation", str(path))
    assert paged["items"][0]["truncated"] and len(paged["items"][0]["text"]) == 4000
    whole = await command(client, "sessionLsp.item", str(path), {"index": 0})
    assert set(whole) == ITEM_KEYS
    assert whole["text"] == long and not whole["truncated"] and whole["index"] == 0
    again = await command(client, "sessionLsp.conversation", str(path))
    assert again["items"][0]["truncated"]


@pytest.mark.parametrize(
    "query",
    [{"index": 5}, {"index": -1}, {"index": 0, "segment": 3}, {}, "0"],
    ids=["beyond", "negative", "no-such-segment", "no-index", "not-an-object"],
)
async def test_item_refuses_what_the_session_does_not_have(
    client: LanguageClient, query: object
) -> None:
    with pytest.raises(JsonRpcException) as raised:
        await command(client, "sessionLsp.item", str(SHORT), query)
    assert raised.value.code == -32602 and "Traceback" not in str(raised.value)


@pytest.mark.parametrize(
    "agent_file",
    [FLAT_AGENT, next((WORKTREES.parent / WORKTREES.stem / "subagents").glob("agent-a4ca*.jsonl"))],
    ids=["2.0-flat", "2.1-subagents"],
)
async def test_a_sub_agent_file_pages_as_a_conversation(
    client: LanguageClient, agent_file: Path
) -> None:
    answer = await command(client, "sessionLsp.conversation", str(agent_file), {"limit": 2000})
    kinds = {item["kind"] for item in answer["items"]}
    assert {"tool", "assistant"} <= kinds and answer["errors"] == 0
    assert answer["total"] == len(answer["items"]) > 5


async def test_agent_calls_count_their_sub_agents_conversation(client: LanguageClient) -> None:
    answer = await command(client, "sessionLsp.conversation", str(WORKTREES), {"limit": 2000})
    agents = [
        item["tool"]["agent"] for item in answer["items"] if (item["tool"] or {}).get("agent")
    ]
    assert len(agents) == 6
    for agent in agents:
        own = await command(client, "sessionLsp.conversation", agent["file"], {"limit": 0})
        assert (agent["items"], agent["errors"]) == (own["total"], own["errors"])
        assert agent["title"]
        assert agent["usage"] == own["usage"] and agent["usage"]["output"] > 0


async def test_a_page_sums_every_sub_agent_file_of_the_session_whatever_page_it_is(
    client: LanguageClient,
) -> None:
    first = await command(client, "sessionLsp.conversation", str(WORKTREES), {"limit": 1})
    assert not any((item["tool"] or {}).get("agent") for item in first["items"])
    files = sorted((WORKTREES.parent / WORKTREES.stem / "subagents").glob("*.jsonl"))
    owns = [
        (await command(client, "sessionLsp.conversation", str(path), {"limit": 0}))["usage"]
        for path in files
    ]
    assert first["subAgents"] == {
        "files": len(files),
        "unreadable": 0,
        "uncounted": 0,
        "usage": {
            **{key: sum(own[key] for own in owns) for key in owns[0] if key != "outputPartial"},
            "outputPartial": any(own["outputPartial"] for own in owns),
        },
    }
    later = await command(client, "sessionLsp.conversation", str(WORKTREES), {"offset": 40})
    assert later["subAgents"] == first["subAgents"]
    plain = await command(client, "sessionLsp.conversation", str(SUBAGENT), {"limit": 1})
    assert plain["subAgents"] is None  # its sub-agent's turns are in the file


async def test_a_compressed_rollout_pages_as_its_plain_text(
    client: LanguageClient, tmp_path: Path
) -> None:
    path = tmp_path / (CODEMIE_ROLLOUT.name + ".zst")
    path.write_bytes(zstandard.ZstdCompressor().compress(CODEMIE_ROLLOUT.read_bytes()))
    answer = await command(client, "sessionLsp.conversation", str(path), {"limit": 2000})
    plain = await command(client, "sessionLsp.conversation", str(CODEMIE_ROLLOUT), {"limit": 2000})
    assert answer["format"] == "codex" and answer["total"] == plain["total"] > 0
    assert [item["kind"] for item in answer["items"]] == [item["kind"] for item in plain["items"]]


@pytest.fixture(scope="module")
def big_rollout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Over 50,000 lines (`beside.BESIDE_FROM_LINES`): its findings are worked out in a worker
    process while the server builds its model. It ends on an unanswered call."""
    made = generate_rollout(tmp_path_factory.mktemp("big"), 1100, seed=3, unanswered="end")
    return aged_copy(made.path, made.path)


async def test_a_big_rollout_pages_with_the_findings_its_worker_worked_out(
    client: LanguageClient, big_rollout: Path
) -> None:
    first = await command(client, "sessionLsp.conversation", str(big_rollout), {"limit": 1})
    offset = first["total"] - 20
    answer = await command(client, "sessionLsp.conversation", str(big_rollout), {"offset": offset})
    session = read_session_file(big_rollout)
    alone = build_model(analyse_session(session, Liveness([])), big_rollout)
    expected = conversation_to_json(alone, answer["path"], answer["uri"], offset, 20, agents={})
    assert answer["errors"] == expected["errors"] == 1
    assert answer["items"] == expected["items"]
    assert answer["items"][-1]["tool"]["status"] == "unpaired"
    assert answer["items"][-1]["findings"][0]["code"] == "unpaired-tool-use"


async def test_a_task_without_an_agent_file_counts_its_progress_turns(
    client: LanguageClient,
) -> None:
    answer = await command(client, "sessionLsp.conversation", str(SUBAGENT), {"limit": 2000})
    (task,) = [item for item in answer["items"] if (item["tool"] or {}).get("name") == "Task"]
    turns = [item for item in answer["items"] if item["parentTool"] == task["tool"]["id"]]
    assert task["tool"]["agent"] == {
        "file": None,
        "title": "Draft beads for linting setup",
        "items": len(turns),
        "errors": 0,
        "usage": None,
    }


async def test_a_codex_poll_names_the_command_it_waits_on_in_both_answers(
    client: LanguageClient, tmp_path: Path
) -> None:
    """The real rollout's Ctrl+C into a running `sed` (items 9 and 12 as `show` counts them)."""
    path = aged_copy(CODEMIE_ROLLOUT, tmp_path / CODEMIE_ROLLOUT.name)
    paged = await command(client, "sessionLsp.conversation", str(path), {"limit": 13})
    whole = await command(client, "sessionLsp.item", str(path), {"index": 11})
    for tool in (paged["items"][11]["tool"], whole["tool"]):
        assert tool["name"] == "write_stdin" and tool["status"] == "error"
        process = tool["process"]
        assert process["typed"] == "\x03" and process["index"] == 8 and process["segment"] == 0
        assert process["command"].startswith("sed -n '1,220p' /Users/Sample_User/")
    assert paged["items"][8]["tool"]["process"] is None
