"""Session files kept compressed, read through their decoder and never rewritten in place.

Codex compresses the archived rollouts it has not touched for a week with zstd
(`rollout-….jsonl.zst`, codex-rs `rollout/src/compression.rs`), lists them beside the plain ones
and reads them as they are; people gzip or xz old logs. Read as text, such a file is hundreds of
"invalid JSON" lines. A compressed file is known by its first bytes, whatever its name, and its
decoded text is bounded like any session's: a small file that expands past the limit stops being
read there. A repair writes plain JSON lines, so one is never made over a compressed file
(`refusal_to_rewrite`).
"""

from __future__ import annotations

import bz2
import gzip
import importlib
import io
import lzma
import mmap
import re
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Protocol

CHUNK_BYTES = 1 << 20


class DecodingStream(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


_MAGIC = (
    (re.compile(rb"\x28\xb5\x2f\xfd"), "zstd"),
    (re.compile(rb"\x1f\x8b\x08"), "gzip"),
    (re.compile(rb"\xfd7zXZ\x00"), "xz"),
    (re.compile(rb"BZh[1-9](?:1AY&SY|\x17rE8P\x90)"), "bzip2"),
)
"""How each format's data starts (bzip2's with its first block's mark, as text could start
`BZh`): none of them can open a line of JSON."""

DECOMPRESS_COMMANDS = {
    "zstd": "zstd -d",
    "gzip": "gunzip -k",
    "xz": "unxz -k",
    "bzip2": "bunzip2 -k",
}
"""What decompresses each beside the compressed file, keeping it (the plain file is the name
without its suffix, which Codex reads in place of its `.zst` sibling)."""


SUFFIXES = {"zstd": ".zst", "gzip": ".gz", "xz": ".xz", "bzip2": ".bz2"}
"""The name each is usually given; the name only finds a file, its first bytes say what it is."""


def compression_of(head: bytes | mmap.mmap) -> str | None:
    """The compression a file's first bytes name (`zstd`, `gzip`, `xz`, `bzip2`), or None."""
    start = bytes(head[:10])
    return next((kind for magic, kind in _MAGIC if magic.match(start)), None)


def decompressed(path: Path, data: bytes | mmap.mmap, kind: str, limit: int) -> bytes:
    """The decoded text, at most `limit` bytes. ValueError, with a message meant for the user,
    when it cannot be read: no decoder here (zstd before Python 3.14 without `zstandard`), the
    data damaged or cut short, or the text over the limit."""
    decoder = _DECODERS[kind] if kind != "zstd" else ZSTD
    if decoder is None:
        raise ValueError(
            f"{path}: zstd-compressed (Codex compresses archived rollouts); reading it here needs"
            " Python 3.14 or the `zstandard` package: decompress it with"
            f" `{DECOMPRESS_COMMANDS[kind]} {path.name}` and read the plain file"
        )
    chunks_of, failures = decoder
    caught: tuple[type[BaseException], ...] = (OSError, EOFError, *failures)
    chunks: list[bytes] = []
    size = 0
    try:
        for chunk in chunks_of(io.BytesIO(data)):
            size += len(chunk)
            if size > limit:
                raise ValueError(
                    f"{path}: over {limit // (1024 * 1024)} MB once decompressed ({kind}):"
                    " too large to be a session; not read"
                )
            chunks.append(chunk)
    except caught as error:
        raise ValueError(
            f"{path}: {kind}-compressed, but cannot be decompressed ({error})"
        ) from None
    return b"".join(chunks)


def refusal_to_rewrite(path: Path, kind: str) -> str:
    """Why a repair is not made over a file kept compressed."""
    return (
        f"{path}: {kind}-compressed: a repair writes plain JSON lines, so none is made over it;"
        f" decompress it (`{DECOMPRESS_COMMANDS[kind]} {path.name}`) and repair the plain file"
    )


Decoder = tuple[Callable[[io.BytesIO], Iterator[bytes]], tuple[type[Exception], ...]]
"""The decoded text of the compressed bytes, a piece at a time, and the errors it raises on bad
data."""


def _read_through(stream: DecodingStream) -> Iterator[bytes]:
    while chunk := stream.read(CHUNK_BYTES):
        yield chunk


def _gzip(raw: io.BytesIO) -> Iterator[bytes]:
    with gzip.GzipFile(fileobj=raw) as stream:
        yield from _read_through(stream)


def _xz(raw: io.BytesIO) -> Iterator[bytes]:
    with lzma.LZMAFile(raw) as stream:
        yield from _read_through(stream)


def _bzip2(raw: io.BytesIO) -> Iterator[bytes]:
    with bz2.BZ2File(raw) as stream:
        yield from _read_through(stream)


_DECODERS: dict[str, Decoder] = {
    "gzip": (_gzip, (gzip.BadGzipFile, zlib.error)),
    "xz": (_xz, (lzma.LZMAError,)),
    "bzip2": (_bzip2, ()),
}

_ZSTD_PIECE = 1024
"""Compressed bytes handed to zstandard at a time: a block of one repeated byte decodes to 128 KB
from 4 bytes, so a kilobyte decodes to 32 MB at most before the limit is checked."""


def _zstd_decoder() -> Decoder | None:
    """Python 3.14's own zstd, else the `zstandard` package (`session-lsp[zstd]`), else none."""
    try:
        standard = importlib.import_module("compression.zstd")
    except ImportError:
        pass
    else:

        def zstd_file(raw: io.BytesIO) -> Iterator[bytes]:
            with standard.ZstdFile(raw) as stream:
                yield from _read_through(stream)

        return (zstd_file, (standard.ZstdError,))
    try:
        import zstandard
    except ImportError:
        return None

    def frames(raw: io.BytesIO) -> Iterator[bytes]:
        """Each frame to its end: zstandard's own stream reader ends quietly where the data is
        cut short, with what it decoded (nothing, often), as if the file held no more."""
        decompressor = zstandard.ZstdDecompressor()
        frame = decompressor.decompressobj()
        fed = False
        while piece := raw.read(_ZSTD_PIECE):
            while piece:
                fed = True
                yield frame.decompress(piece)
                piece = b""
                if frame.eof:
                    piece, frame, fed = frame.unused_data, decompressor.decompressobj(), False
        if fed:
            raise EOFError("the data ends before its last frame does")

    return (frames, (zstandard.ZstdError,))


ZSTD = _zstd_decoder()
