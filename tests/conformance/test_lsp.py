"""The editor features over LSP, the same for every registered format: diagnostics, hover, the
pair's navigation, quick fixes, and Fork offered only where the format can fork."""

from __future__ import annotations

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from session_lsp.core.formats import FORMATS
from tests.conformance.samples import SAMPLES, text
from tests.lsp.support import OpenDocument, fresh_uri

pytestmark = pytest.mark.asyncio(loop_scope="module")

NAMES = [candidate.name for candidate in FORMATS]


def _on_id(document: OpenDocument, line: int, tool_id: str) -> types.Position:
    """Inside the id on that line (the sample lines are ASCII: columns are characters)."""
    return types.Position(line=line, character=document.text.split("\n")[line].index(tool_id) + 3)


@pytest.mark.parametrize("name", NAMES)
async def test_hover_and_navigation_join_the_halves_of_a_pair(
    client: LanguageClient, name: str
) -> None:
    samples = SAMPLES[name]
    document = OpenDocument(client, fresh_uri(client, f"{name}.jsonl"), text(samples.clean))
    assert await document.diagnostics() == []
    on_call = _on_id(document, samples.call_line, samples.call_id)
    hover = await client.text_document_hover_async(
        types.HoverParams(text_document=document.identifier, position=on_call)
    )
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert samples.call_name in hover.contents.value and "README.md" in hover.contents.value
    definition = await client.text_document_definition_async(
        types.DefinitionParams(
            text_document=document.identifier,
            position=_on_id(document, samples.result_line, samples.call_id),
        )
    )
    assert isinstance(definition, list)
    assert [location.range.start.line for location in definition] == [samples.call_line]
    references = await client.text_document_references_async(
        types.ReferenceParams(
            text_document=document.identifier,
            position=on_call,
            context=types.ReferenceContext(include_declaration=True),
        )
    )
    lines = sorted(location.range.start.line for location in references or [])
    assert lines == [samples.call_line, samples.result_line]


@pytest.mark.parametrize("name", NAMES)
async def test_an_unanswered_call_gets_quick_fixes_and_fork_only_where_it_works(
    client: LanguageClient, name: str
) -> None:
    (transcript_format,) = [candidate for candidate in FORMATS if candidate.name == name]
    samples = SAMPLES[name]
    lines, _ = samples.damaged["unanswered call"]
    document = OpenDocument(client, fresh_uri(client, f"{name}-broken.jsonl"), text(lines))
    (diagnostic,) = await document.diagnostics()
    assert diagnostic.code == "unpaired-tool-use"
    assert diagnostic.range.start.line == samples.call_line
    actions = await document.actions(diagnostic)
    titles = [action.title for action in actions]
    assert any(title.startswith("Insert a stub") for title in titles), titles
    assert any("Fork" in title for title in titles) is transcript_format.can_fork
