"""Codex rollouts over LSP: from a call_id to its output and back, and references to both."""

from __future__ import annotations

import json

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp.support import OpenDocument, fresh_uri, span_text, units
from tests.support.corpus import PARALLEL_ROLLOUT

pytestmark = pytest.mark.asyncio(loop_scope="module")

ROLLOUT = PARALLEL_ROLLOUT


def _first_pair() -> tuple[str, int, int, str]:
    """The rollout up to its first call's output, the call and output lines, and the call_id."""
    lines = ROLLOUT.read_text(encoding="utf-8").split("\n")
    records = [json.loads(line) for line in lines if line]
    call = next(i for i, r in enumerate(records) if r["payload"].get("type") == "function_call")
    call_id = records[call]["payload"]["call_id"]
    output = next(
        i
        for i, r in enumerate(records)
        if r["payload"].get("type") == "function_call_output" and r["payload"]["call_id"] == call_id
    )
    return "\n".join(lines[: output + 1]) + "\n", call, output, call_id


def _at(document: OpenDocument, line: int, needle: str) -> types.Position:
    body = document.text.split("\n")[line]
    return types.Position(
        line=line, character=units(body[: body.index(needle) + 3], document.encoding)
    )


async def test_definition_and_references_join_a_codex_call_and_its_output(
    client: LanguageClient,
) -> None:
    text, call, output, call_id = _first_pair()
    document = OpenDocument(client, fresh_uri(client), text)
    await document.diagnostics()
    from_output = await client.text_document_definition_async(
        types.DefinitionParams(
            text_document=document.identifier, position=_at(document, output, call_id)
        )
    )
    assert isinstance(from_output, list)
    (location,) = from_output
    assert location.range.start.line == call
    assert span_text(document.text, location.range, document.encoding) == call_id
    from_call = await client.text_document_definition_async(
        types.DefinitionParams(
            text_document=document.identifier, position=_at(document, call, call_id)
        )
    )
    assert isinstance(from_call, list) and [loc.range.start.line for loc in from_call] == [output]
    references = await client.text_document_references_async(
        types.ReferenceParams(
            text_document=document.identifier,
            position=_at(document, call, call_id),
            context=types.ReferenceContext(include_declaration=True),
        )
    )
    assert references is not None
    assert sorted(loc.range.start.line for loc in references) == [call, output]
    hover = await client.text_document_hover_async(
        types.HoverParams(text_document=document.identifier, position=_at(document, call, call_id))
    )
    assert hover is None or call_id in str(hover.contents)
