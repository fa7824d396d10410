"""sessionLsp.search and the history segments of sessionLsp.conversation (docs/contract.md)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient

from tests.lsp.support import OpenDocument, fresh_uri
from tests.support.claude_records import Builder
from tests.support.corpus import CORPUS, SHORT
from tests.support.files import aged_copy

pytestmark = pytest.mark.asyncio(loop_scope="module")

COMPACTED = CORPUS / "claude-code/generated/compacted-2.0.76.jsonl"
HIT_KEYS = {"segment", "index", "line", "field", "snippet"}
SEGMENT_KEYS = {"index", "firstLine", "lastLine", "items", "summary", "kind", "forkLine"}


async def command(client: LanguageClient, name: str, *arguments: object) -> Any:
    return await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command=name, arguments=list(arguments))
    )


async def test_the_conversation_lists_every_segment_and_pages_any_of_them(
    client: LanguageClient, tmp_path: Path
) -> None:
    path = aged_copy(COMPACTED, tmp_path / "compacted.jsonl")
    last = await command(client, "sessionLsp.conversation", str(path))
    assert last["segment"] == 1
    assert [set(segment) for segment in last["segments"]] == [SEGMENT_KEYS, SEGMENT_KEYS]
    earlier, current = last["segments"]
    assert (earlier["index"], earlier["firstLine"], earlier["lastLine"]) == (0, 4, 53)
    assert earlier["summary"].startswith("Analysis:") and current["summary"] is None
    assert (current["items"], last["total"]) == (len(last["items"]), len(last["items"]))
    assert last["items"][0]["kind"] == "compaction"
    history = await command(
        client, "sessionLsp.conversation", str(path), {"offset": 2, "limit": 3, "segment": 0}
    )
    assert (history["segment"], history["total"], history["offset"]) == (0, earlier["items"], 2)
    assert [item["index"] for item in history["items"]] == [2, 3, 4]
    assert history["items"][0]["text"].startswith("The LSP diagnostics are off by one column")
    assert all(item["findings"] == [] for item in history["items"])
    with pytest.raises(JsonRpcException) as raised:
        await command(client, "sessionLsp.conversation", str(path), {"segment": 2})
    assert raised.value.code == -32602 and "2 segments" in str(raised.value)
    whole = await command(client, "sessionLsp.item", str(path), {"index": 2, "segment": 0})
    assert whole["text"] == history["items"][0]["text"] and whole["lines"] == [6, 6]
    with pytest.raises(JsonRpcException) as beyond:
        await command(client, "sessionLsp.item", str(path), {"index": 0, "segment": 5})
    assert beyond.value.code == -32602


async def test_search_finds_matches_in_every_segment_uncut(
    client: LanguageClient, tmp_path: Path
) -> None:
    path = aged_copy(COMPACTED, tmp_path / "compacted.jsonl")
    hits = await command(client, "sessionLsp.search", str(path), {"query": "CAFÉ naïve"})
    assert hits and all(set(hit) == HIT_KEYS for hit in hits)
    assert {hit["segment"] for hit in hits} == {0, 1}
    assert {hit["field"] for hit in hits} == {"text", "input", "result"}
    assert all("café naïve" in hit["snippet"] for hit in hits)
    first = await command(
        client, "sessionLsp.search", path.as_uri(), {"query": "café naïve", "limit": 2}
    )
    assert first == hits[:2]


async def test_search_reads_an_open_document_as_the_editor_holds_it(
    client: LanguageClient,
) -> None:
    session = Builder()
    session.prompt("u1", None, "words typed but never saved \x1b[31m")
    uri = fresh_uri(client, "unsaved.jsonl")
    OpenDocument(client, uri, session.data().decode())
    [hit] = await command(client, "sessionLsp.search", uri, {"query": "NEVER SAVED"})
    assert hit == {
        "segment": 0,
        "index": 0,
        "line": 0,
        "field": "text",
        "snippet": "words typed but never saved \\x1b[31m",
    }


@pytest.mark.parametrize(
    "options",
    [{"query": ""}, {"query": "x" * 1001}, {"query": "x", "limit": 0}, {"query": 3}, {}],
)
async def test_a_bad_query_is_a_json_rpc_error(
    client: LanguageClient, tmp_path: Path, options: dict[str, object]
) -> None:
    path = aged_copy(COMPACTED, tmp_path / "compacted.jsonl")
    with pytest.raises(JsonRpcException) as raised:
        await command(client, "sessionLsp.search", str(path), options)
    assert raised.value.code == -32602
    assert "Traceback" not in str(raised.value)


async def test_a_query_of_control_characters_finds_nothing_and_breaks_nothing(
    client: LanguageClient, tmp_path: Path
) -> None:
    path = aged_copy(COMPACTED, tmp_path / "compacted.jsonl")
    hostile = "\x00\x1b]8;;file:///etc/passwd\x07\ud800\u202e"
    assert await command(client, "sessionLsp.search", str(path), {"query": hostile}) == []


async def test_a_path_that_is_no_session_file_is_a_json_rpc_error(
    client: LanguageClient, tmp_path: Path
) -> None:
    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)
    for where, code in (
        ("relative.jsonl", -32602),
        ("/no/such/file.jsonl", -32603),
        (str(fifo), -32603),
    ):
        with pytest.raises(JsonRpcException) as raised:
            await command(client, "sessionLsp.search", where, {"query": "x"})
        assert raised.value.code == code and "Traceback" not in str(raised.value)


# --- sessionLsp.searchSessions --------------------------------------------------------------

MATCHES_KEYS = {
    "path",
    "sessionId",
    "title",
    "project",
    "modified",
    "sizeBytes",
    "agent",
    "segments",
    "branches",
    "hits",
    "more",
    "agents",
}


def _projects(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A projects root with two sessions that mention `phx.server` (the newer one first) and one
    that does not."""
    project = tmp_path / "projects" / "-work-app"
    project.mkdir(parents=True)
    older = aged_copy(
        SHORT, project / "11111111-1111-4111-8111-111111111111.jsonl", seconds_ago=7200
    )
    newer = aged_copy(SHORT, project / "22222222-2222-4222-8222-222222222222.jsonl")
    aged_copy(COMPACTED, project / "33333333-3333-4333-8333-333333333333.jsonl")
    return tmp_path / "projects", newer, older


async def test_search_sessions_answers_the_sessions_that_mention_the_query_newest_first(
    client: LanguageClient, tmp_path: Path
) -> None:
    root, newer, older = _projects(tmp_path)
    found = await command(client, "sessionLsp.searchSessions", {"query": "PHX.server"}, str(root))
    assert [entry["path"] for entry in found] == [str(newer), str(older)]
    assert all(set(entry) == MATCHES_KEYS for entry in found)
    alone = await command(client, "sessionLsp.search", str(newer), {"query": "PHX.server"})
    assert found[0]["hits"] == alone and alone
    # short.jsonl: an interrupt and a command a resume leaves out, a branch before the last part
    assert (found[0]["agent"], found[0]["segments"], found[0]["branches"]) == ("claude-code", 2, 1)
    assert found[0]["sessionId"] == newer.stem and found[0]["title"]
    newest = await command(
        client,
        "sessionLsp.searchSessions",
        {"query": "phx.server", "sessions": 1, "limit": 1},
        str(root),
    )
    assert [entry["path"] for entry in newest] == [str(newer)] and len(newest[0]["hits"]) == 1
    nothing = await command(
        client, "sessionLsp.searchSessions", {"query": "no such words"}, str(root)
    )
    assert nothing == []


@pytest.mark.parametrize(
    ("arguments", "code"),
    [
        ([], -32602),
        ([{"query": ""}], -32602),
        ([{"query": "x", "sessions": 0}], -32602),
        ([{"query": "x"}, "relative/projects"], -32602),
        ([{"query": "x"}, "/no/such/folder"], -32603),
    ],
)
async def test_search_sessions_refuses_bad_arguments_with_json_rpc_errors(
    client: LanguageClient, arguments: list[object], code: int
) -> None:
    with pytest.raises(JsonRpcException) as raised:
        await command(client, "sessionLsp.searchSessions", *arguments)
    assert raised.value.code == code
