"""A document's chunks packed once read and unpacked when looked at (`core/packed_chunks.py`)."""

from __future__ import annotations

import gc
import weakref

from session_lsp.core.line_views import LineViews, Run, newline_offsets, scannable
from session_lsp.core.packed_chunks import UNPACKED_BYTES, Chunk

JSONL = b"".join(
    b'{"type":"user","n":%d,"text":"%s"}\n' % (n, b"x" * (n % 50)) for n in range(2000)
)


def test_a_packed_chunk_is_smaller_and_gives_back_its_bytes() -> None:
    chunk = Chunk(JSONL)
    chunk.pack()
    assert chunk.is_packed
    assert chunk._packed is not None and len(chunk._packed) < len(JSONL) // 4
    assert bytes(chunk.view()) == JSONL
    assert chunk.data() == JSONL
    assert len(chunk) == len(JSONL)


def test_packing_twice_changes_nothing() -> None:
    chunk = Chunk(JSONL)
    chunk.pack()
    packed = chunk._packed
    chunk.pack()
    assert chunk._packed is packed and chunk.data() == JSONL


def test_a_line_handed_out_before_packing_stays_readable_after() -> None:
    chunk = Chunk(b"one\ntwo\n")
    line = chunk.view()[4:7]
    chunk.pack()
    assert bytes(line) == b"two"


def test_only_the_newest_unpacked_chunks_stay_unpacked() -> None:
    size = 1 << 20
    chunks = [Chunk(bytes([65 + number % 26]) * size) for number in range(12)]
    for chunk in chunks:
        chunk.pack()
        chunk.view()
    unpacked = [chunk._unpacked is not None for chunk in chunks]
    assert unpacked[-1] and not unpacked[0]
    assert sum(unpacked) * size <= UNPACKED_BYTES
    assert chunks[0].data() == b"A" * size  # unpacked again when asked


def test_a_chunk_no_document_holds_is_freed_with_its_unpacked_bytes() -> None:
    chunk = Chunk(JSONL)
    chunk.pack()
    chunk.view()
    alive = weakref.ref(chunk)
    del chunk
    gc.collect()
    assert alive() is None


def _views(chunks: list[bytes], *, packed: bool) -> LineViews:
    """Chunks of whole lines, each packed or each kept as it came."""
    views = LineViews()
    for data in chunks:
        starts, ends, _ = newline_offsets(data, 0, views.next_base)
        if packed:
            chunk = Chunk(data)
            chunk.pack()
            views.add_buffer(chunk, starts, ends)
        else:
            views.add_buffer(data, starts, ends)
    return views


def test_lines_of_packed_chunks_read_as_the_plain_ones() -> None:
    parts = [JSONL[:30_000], b"a\r\nb\n", JSONL[30_000:][: JSONL[30_000:].rfind(b"\n") + 1]]
    plain, packed = _views(parts, packed=False), _views(parts, packed=True)
    assert packed.unpacked_bytes() == 0 and plain.unpacked_bytes() == sum(map(len, parts))
    assert [bytes(line) for line in packed] == [bytes(line) for line in plain]
    assert [bytes(packed[number]) for number in (0, 1999, -1, -2000)] == [
        bytes(plain[number]) for number in (0, 1999, -1, -2000)
    ]
    assert [bytes(line) for line in packed.between(10, 2500)] == [
        bytes(line) for line in plain.between(10, 2500)
    ]
    assert [bytes(line) for line in packed[5:7]] == [bytes(line) for line in plain[5:7]]


def test_the_runs_of_packed_chunks_scan_the_same_bytes() -> None:
    parts = [b"a\nb\n", b"c\r\nd\n"]
    plain, packed = _views(parts, packed=False), _views(parts, packed=True)

    def scanned(runs: list[Run]) -> list[tuple[int, bytes]]:
        return [(run.first_line, scannable(run.buffer)[run.start : run.stop]) for run in runs]

    assert scanned(packed.runs()) == scanned(plain.runs()) == [(0, b"a\nb"), (2, b"c\r\nd")]


def test_edits_over_packed_chunks_leave_copies_as_they_were() -> None:
    views = _views([b"a\nb\n", b"c\nd\n"], packed=True)
    copy = views.copy()
    views.replace(1, 3, [b"x"])
    assert [bytes(line) for line in views] == [b"a", b"x", b"d"]
    assert [bytes(line) for line in copy] == [b"a", b"b", b"c", b"d"]
    assert views.packed_bytes() > 0
    views.replace(0, 3, [b"y"])
    assert [bytes(line) for line in views] == [b"y"]
    assert (views.unpacked_bytes(), views.packed_bytes()) == (1, 0)  # the chunks let go
