"""A document's chunks of lines, packed once their lines are read and unpacked when looked at.

Once an open transcript's lines are read into records, its text is looked at a few lines at a
time: a hover, a page of the view, the lines an edit touches, a finding's line; a search scans it
once. Kept as it came, that text was the biggest thing a language server held (105 MB of the 320 MB
it held for a session of 70,000 tool calls, beside 100 MB of records). zlib at its fastest level
packs a session's JSON 5-20 times at 150-400 MB/s with Python's lock released, and unpacks a
megabyte chunk in one or two milliseconds, so a chunk is packed in the background once read
(`lsp.text_chunks`) and the chunks looked at last are kept unpacked, up to `UNPACKED_BYTES`.

A chunk is one object whatever copies of a document's lines hold it (`LineViews.copy`), so packing
it frees its text for all of them, and a line handed out before it was packed stays valid: a view
holds the bytes it is a view of.
"""

from __future__ import annotations

import threading
import weakref
import zlib
from collections import deque

PACK_LEVEL = 1
"""zlib's fastest level: level 6 packs a tenth smaller at a third of the speed."""

UNPACKED_BYTES = 4 << 20
"""How many bytes of packed chunks are kept unpacked, the newest unpacked first kept: a page of
the view reads a chunk or two, a keystroke its line's and its findings', a search every chunk
once. At the end of an open, the findings' and the title's chunks are unpacked; all are part of
the server's peak."""


class Chunk:
    """Bytes of whole lines, packed (`pack`) once nothing reads all of them any more."""

    __slots__ = ("__weakref__", "_packed", "_plain", "_unpacked", "_view", "has_return", "size")

    def __init__(self, data: bytes) -> None:
        self._plain: bytes | None = data
        self._view: memoryview | None = memoryview(data)
        """The plain bytes' view until packed; then None, and lines come from `_unpacked`."""
        self._packed: bytes | None = None
        self._unpacked: memoryview | None = None
        """The packed bytes unpacked, while this chunk is among the newest unpacked (`_RECENT`)."""
        self.size = len(data)
        self.has_return = b"\r" in data
        """Whether a line of it may end with `\\r`: a search's runs are checked line by line."""

    def __len__(self) -> int:
        return self.size

    @property
    def is_packed(self) -> bool:
        return self._packed is not None

    @property
    def packed_size(self) -> int:
        """Bytes its packed form takes (0 before it is packed)."""
        packed = self._packed
        return len(packed) if packed is not None else 0

    def view(self) -> memoryview:
        """The chunk's bytes, unpacked if need be."""
        view = self._view
        if view is not None:
            return view
        return _RECENT.unpacked(self)

    def data(self) -> bytes:
        """The chunk's bytes as one bytes object (what the C scans take)."""
        data = self.view().obj
        assert isinstance(data, bytes)
        return data

    def pack(self) -> None:
        """Replace the plain bytes with their packed form. Lines already handed out keep the
        plain bytes alive for as long as they are held; later ones are unpacked."""
        plain = self._plain
        if plain is None:
            return
        self._packed = zlib.compress(plain, PACK_LEVEL)  # lock released: readers go on meanwhile
        self._view = None
        self._plain = None


class _RecentlyUnpacked:
    """Which chunks stay unpacked: the newest up to a number of bytes (at least one). A chunk
    that dies takes its unpacked bytes with it; this only holds weak references."""

    def __init__(self, most_bytes: int) -> None:
        self._most_bytes = most_bytes
        self._order: deque[tuple[weakref.ref[Chunk], int]] = deque()
        self._bytes = 0
        self._lock = threading.Lock()

    def unpacked(self, chunk: Chunk) -> memoryview:
        view = chunk._unpacked
        if view is not None:
            return view
        with self._lock:
            view = chunk._unpacked
            if view is not None:
                return view
            packed = chunk._packed
            assert packed is not None
            view = memoryview(zlib.decompress(packed))
            chunk._unpacked = view
            self._order.append((weakref.ref(chunk), chunk.size))
            self._bytes += chunk.size
            while self._bytes > self._most_bytes and len(self._order) > 1:
                oldest, size = self._order.popleft()
                self._bytes -= size
                if (alive := oldest()) is not None:
                    alive._unpacked = None
            return view


_RECENT = _RecentlyUnpacked(UNPACKED_BYTES)
