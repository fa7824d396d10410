"""The line-based document model against a plain reference: any edit, any encoding, same text."""

from __future__ import annotations

import os
import re

from hypothesis import given, settings
from hypothesis import strategies as st
from lsprotocol import types
from pygls.workspace.position_codec import PositionCodec

from session_lsp.lsp.documents import SessionDocument
from session_lsp.lsp.packing import PACKING
from session_lsp.lsp.text_chunks import line_pieces
from tests.support.claude_records import tool_run

EXAMPLES = int(os.environ.get("SESSION_LSP_FUZZ_EXAMPLES", "300"))
ENCODINGS = [
    types.PositionEncodingKind.Utf8,
    types.PositionEncodingKind.Utf16,
    types.PositionEncodingKind.Utf32,
]
ALPHABET = st.sampled_from(
    ["a", "{", '"', "\n", "\r", "\r\n", "\u2028", "\u2029", "\x85", "🙂", "日", " "]
)
_EOL = re.compile(r"\r\n|\r|\n")


def _units(text: str, encoding: str) -> int:
    if encoding == "utf-8":
        return len(text.encode("utf-8"))
    if encoding == "utf-16":
        return len(text.encode("utf-16-le")) // 2
    return len(text)


def _position(text: str, offset: int, encoding: str) -> types.Position:
    """The LSP position of a code-point offset, computed the plain way."""
    starts = [0] + [m.end() for m in _EOL.finditer(text)]
    line = max(i for i, start in enumerate(starts) if start <= offset)
    return types.Position(line=line, character=_units(text[starts[line] : offset], encoding))


def _document(text: str, encoding: str) -> SessionDocument:
    return SessionDocument(
        "file:///t.jsonl", source=text, version=1, position_codec=PositionCodec(encoding)
    )


@st.composite
def edits(draw: st.DrawFn) -> tuple[str, list[tuple[int, int, str]], str]:
    text = "".join(draw(st.lists(ALPHABET, max_size=40)))
    encoding = draw(st.sampled_from(ENCODINGS)).value
    steps = []
    current = text
    for _ in range(draw(st.integers(1, 6))):
        start = draw(st.integers(0, len(current)))
        end = draw(st.integers(start, len(current)))
        # Never split a \r\n pair: editors do not place a position between \r and \n.
        if 0 < start < len(current) and current[start - 1 : start + 1] == "\r\n":
            start -= 1
        if 0 < end < len(current) and current[end - 1 : end + 1] == "\r\n":
            end += 1
        new = "".join(draw(st.lists(ALPHABET, max_size=8)))
        steps.append((start, end, new))
        current = current[:start] + new + current[end:]
    return text, steps, encoding


@settings(max_examples=EXAMPLES)
@given(edits())
def test_incremental_edits_keep_text_lines_and_findings_exact(
    case: tuple[str, list[tuple[int, int, str]], str],
) -> None:
    text, steps, encoding = case
    document = _document(text, encoding)
    reference = text
    for version, (start, end, new) in enumerate(steps, 2):
        change = types.TextDocumentContentChangePartial(
            range=types.Range(
                start=_position(reference, start, encoding), end=_position(reference, end, encoding)
            ),
            text=new,
        )
        document.apply_change(change)
        document.version = version
        reference = reference[:start] + new + reference[end:]
        assert document.source == reference
    fresh = _document(reference, encoding)
    assert [bytes(line) for line in document.transcript.lines] == [
        bytes(line) for line in fresh.transcript.lines
    ]
    assert document.analysis().findings == fresh.analysis().findings


def test_edits_of_a_document_packed_once_read_keep_its_text_and_findings_exact() -> None:
    """A document of several megabyte pieces, each packed once read: an edit inside a piece,
    one across two pieces, one at the end and one replacing all give the text and findings
    of the same text opened fresh."""
    text = tool_run(5000, unanswered=2500).data().decode()
    document = _document(text, types.PositionEncodingKind.Utf16.value)
    assert PACKING.wait(timeout=30)
    assert document.transcript.lines.unpacked_bytes() == 0
    reference = text
    piece_end = len(next(line_pieces(text.encode())).decode())
    assert piece_end < len(text)
    first_line_end = reference.index("\n")
    for version, (start, end, new) in enumerate(
        [
            (first_line_end - 3, first_line_end - 3, "x"),
            (piece_end - 40, piece_end + 40, '"}\n{"type":"user"'),
            (len(reference) - 1, len(reference), "\n{"),
        ],
        2,
    ):
        change = types.TextDocumentContentChangePartial(
            range=types.Range(
                start=_position(reference, start, "utf-16"), end=_position(reference, end, "utf-16")
            ),
            text=new,
        )
        document.apply_change(change)
        document.version = version
        reference = reference[:start] + new + reference[end:]
        assert document.source == reference
        assert document.analysis().findings == _document(reference, "utf-16").analysis().findings
    document.apply_change(types.TextDocumentContentChangeWholeDocument(text=text))
    document.version = 9
    assert PACKING.wait(timeout=30)
    assert document.transcript.lines.unpacked_bytes() == 0
    assert document.source == text
    assert document.analysis().findings == _document(text, "utf-16").analysis().findings
