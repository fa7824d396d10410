"""A didOpen's lines read chunk by chunk as they arrive give the transcript a whole read gives
(the text split as LSP counts lines, then read at once, as documents were made before)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from session_lsp.core.analysis import Transcript, analyse_bytes
from session_lsp.core.glued import SplitView
from session_lsp.core.line_views import LineViews
from session_lsp.core.repairs import Strategy, repair_all
from session_lsp.lsp.packing import PACKING
from session_lsp.lsp.text_chunks import PACKED_FROM, ReadChunks, line_pieces, split_utf8
from tests.support.claude_records import tool_run

SESSION = Path(__file__).parents[1] / "corpus/claude-code/codemie-code/session-9eda1058.jsonl"
LINES = SESSION.read_bytes().splitlines(keepends=True)[:60]
BROKEN = [b"{not json\n", b'{"type":"assistant","uuid":"x"\n', b"\r\n", b"\n"]


@pytest.mark.parametrize("packed_from", [PACKED_FROM, 0])
@settings(max_examples=150)
@given(
    lines=st.lists(st.sampled_from(LINES) | st.sampled_from(BROKEN), min_size=1, max_size=30),
    cuts=st.lists(st.integers(0, 29), max_size=6),
    torn=st.integers(0, 200),
)
def test_lines_read_as_chunks_arrive_give_the_findings_of_a_whole_read(
    packed_from: int, lines: list[bytes], cuts: list[int], torn: int
) -> None:
    """Chunks end on lines (a didOpen's do), the last maybe mid-line: only that line can be
    read as a torn tail, and only once every chunk is in. Packed chunks give the same."""
    text = b"".join(lines)
    text = text[: len(text) - min(torn, len(lines[-1]) - 1)]
    ends = sorted({sum(map(len, lines[:cut])) for cut in cuts if 0 < cut < len(lines)})
    chunks = [text[start:stop] for start, stop in zip([0, *ends], [*ends, len(text)], strict=True)]
    chunks = [chunk for chunk in chunks if chunk]
    read = ReadChunks.of(chunks, packed_from=packed_from)
    assert PACKING.wait(timeout=10)
    lines_whole, terminators = split_utf8([text])
    whole = Transcript(lines_whole, not terminators or bool(terminators[-1]))
    assert [bytes(line) for line in read.lines] == [bytes(line) for line in whole.lines]
    streamed = read.transcript()
    assert streamed.ends_with_newline == whole.ends_with_newline
    assert streamed.problems == whole.problems
    assert streamed.analyse().findings == whole.analyse().findings


def test_a_run_of_tool_calls_is_packed_once_read_and_reads_the_same() -> None:
    text = tool_run(200, unanswered=150).data()
    read = ReadChunks.of(line_pieces(text, size=4096), packed_from=0)
    assert PACKING.wait(timeout=10)
    assert read.lines.unpacked_bytes() == 0
    assert b"\n".join(bytes(line) for line in read.lines) + b"\n" == text
    assert b"".join(read.chunks()) == text
    lines, _ = split_utf8([text])
    whole = Transcript(lines, text.endswith(b"\n"))
    assert read.transcript().analyse().findings == whole.analyse().findings


def test_a_chunk_of_few_long_lines_is_kept_as_it_came() -> None:
    """A session of 3 KB lines and one of big tool results read faster than they pack."""
    long_lines = b"".join(
        b'{"type":"user","uuid":"u%d","message":{"content":"%s"}}\n' % (n, b"x" * 3000)
        for n in range(40)
    )
    read = ReadChunks.of(line_pieces(tool_run(40).data() + long_lines, size=4096), packed_from=0)
    assert PACKING.wait(timeout=10)
    assert 0 < read.lines.unpacked_bytes() <= len(long_lines) + 4096
    assert read.lines.unpacked_bytes() < read.size


def test_a_codex_rollout_is_not_packed_its_lines_are_read_later_and_kept_as_views() -> None:
    rollout = Path(__file__).parents[1] / "corpus/codex"
    text = next(rollout.rglob("*.jsonl")).read_bytes()
    read = ReadChunks.of(line_pieces(text, size=4096), packed_from=0)
    assert PACKING.wait(timeout=10)
    assert read.lines.unpacked_bytes() == len(text)


def test_a_text_is_cut_into_pieces_that_end_with_a_line() -> None:
    text = b"a" * 10 + b"\n" + b"b" * 3 + b"\r\n" + b"c" * 20 + b"\n" + b"d"
    pieces = list(line_pieces(text, size=8))
    assert b"".join(pieces) == text
    assert pieces == [b"a" * 10 + b"\n", b"b" * 3 + b"\r\n" + b"c" * 20 + b"\n", b"d"]
    assert list(line_pieces(b"", size=8)) == [b""]
    assert list(line_pieces(b"x" * 20, size=8)) == [b"x" * 20]
    assert list(line_pieces(b"x" * 20 + b"\n", size=8)) == [b"x" * 20 + b"\n"]


def test_a_packed_transcript_with_glued_records_is_split_without_unpacking_it() -> None:
    """The file split at its glued records shares the packed chunks: only the glued line's
    records are held as they came, and its repairs are those of the same bytes read whole."""
    lines = tool_run(2000).data().split(b"\n")
    lines[1001:1003] = [lines[1001] + lines[1002]]  # two records written on one line
    text = b"\n".join(lines)
    read = ReadChunks.of(line_pieces(text, size=64 * 1024), packed_from=0)
    assert PACKING.wait(timeout=10)
    analysis = read.transcript().analyse()
    split = SplitView.of(analysis)
    assert split is not None and split.glued_lines == (1001,)
    held = split.analysis.lines
    assert isinstance(held, LineViews)
    assert held.unpacked_bytes() == len(lines[1001]) and held.packed_bytes() > 0
    whole = analyse_bytes(text)
    whole_split = SplitView.of(whole)
    assert whole_split is not None
    assert [bytes(line) for line in held] == [bytes(line) for line in whole_split.analysis.lines]
    assert repair_all(analysis, Strategy.STUB).edits == repair_all(whole, Strategy.STUB).edits
