"""Diagnostics reach every client: right code, line and range, pushed or pulled, never both."""

from __future__ import annotations

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp import sessions
from tests.lsp.support import OpenDocument, fresh_uri, span_text

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_damaged_session_reports_each_finding_on_its_id(client: LanguageClient) -> None:
    document = OpenDocument(client, fresh_uri(client), sessions.EXAMPLE.read_text(encoding="utf-8"))
    diagnostics = await document.diagnostics()
    assert [(d.code, d.range.start.line, d.severity) for d in diagnostics] == [
        ("unpaired-tool-use", 10, types.DiagnosticSeverity.Error),
        ("truncated-line", 94, types.DiagnosticSeverity.Error),
    ]
    unpaired = diagnostics[0]
    assert span_text(document.text, unpaired.range, document.encoding) == sessions.EXAMPLE_TOOL_ID
    assert unpaired.source == "session-lsp"
    assert unpaired.code_description is not None
    assert unpaired.code_description.href.endswith("docs/findings.md#unpaired-tool-use")
    assert (
        "tool_use` ids were found without `tool_result` blocks immediately after"
        in unpaired.message
    )
    assert unpaired.data["toolUseId"] == sessions.EXAMPLE_TOOL_ID


async def test_columns_after_emoji_and_cjk_are_in_the_negotiated_units(
    client: LanguageClient,
) -> None:
    text = sessions.dangling(note="日本語 🙂🎉 𝄞 before the id")
    document = OpenDocument(client, fresh_uri(client), text)
    (diagnostic,) = await document.diagnostics()
    assert diagnostic.range.start.line == 3
    assert span_text(document.text, diagnostic.range, document.encoding) == "toolu_01BASH"


async def test_orphan_result_points_at_its_call_off_the_chain(client: LanguageClient) -> None:
    text = (
        "\n".join(
            [
                sessions.line(sessions.prompt("u1", "go")),
                sessions.line(sessions.call("a1", "u1", "toolu_01X", "Read", {}, 1)),
                sessions.line(sessions.result("r0", "a1", "toolu_01X", "done", 2)),
                sessions.line(sessions.call("a2", "r0", "toolu_01Y", "Grep", {}, 3)),
                sessions.line(sessions.result("r1", "a2", "toolu_01X", "late duplicate", 4)),
            ]
        )
        + "\n"
    )
    document = OpenDocument(client, fresh_uri(client), text)
    codes = {d.code: d for d in await document.diagnostics()}
    assert set(codes) == {"orphan-tool-result", "unpaired-tool-use"}
    orphan = codes["orphan-tool-result"]
    assert orphan.range.start.line == 4
    (related,) = orphan.related_information or []
    assert related.location.range.start.line == 1
    assert span_text(document.text, related.location.range, document.encoding) == "toolu_01X"


async def test_a_clean_session_has_no_diagnostics_and_a_non_transcript_only_reading_ones(
    client: LanguageClient,
) -> None:
    clean = sessions.dangling().rsplit("\n", 2)[0] + "\n"
    assert await OpenDocument(client, fresh_uri(client), clean).diagnostics() == []
    other = OpenDocument(client, fresh_uri(client, "data.jsonl"), '[1,2]\n{"a":1}\n{"b":')
    assert [d.code for d in await other.diagnostics()] == ["truncated-line"]


async def test_pull_clients_are_never_pushed_to(client: LanguageClient) -> None:
    document = OpenDocument(client, fresh_uri(client), sessions.dangling())
    await document.diagnostics()
    pulls = client.init.capabilities.diagnostic_provider is not None  # type: ignore[attr-defined]
    assert (document.uri in client.diagnostics) is not pulls


async def test_close_clears_pushed_diagnostics(client: LanguageClient) -> None:
    document = OpenDocument(client, fresh_uri(client), sessions.dangling())
    assert await document.diagnostics()
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=document.identifier)
    )
    if client.init.capabilities.diagnostic_provider is None:  # type: ignore[attr-defined]
        await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        assert list(client.diagnostics[document.uri]) == []


async def test_a_burst_of_edits_ends_with_the_last_versions_diagnostics(
    client: LanguageClient,
) -> None:
    document = OpenDocument(client, fresh_uri(client), sessions.dangling())
    await document.diagnostics()
    end = types.Position(line=4, character=0)
    for _ in range(30):
        document.change([types.TextEdit(range=types.Range(start=end, end=end), new_text="{")])
        document.change(
            [
                types.TextEdit(
                    range=types.Range(start=end, end=types.Position(line=4, character=1)),
                    new_text="",
                )
            ]
        )
    assert [d.code for d in await document.diagnostics()] == ["unpaired-tool-use"]
    assert await document.server_text() == document.text
