"""Every transcript of the test corpus is accounted for in its SOURCES.md, byte for byte.

SOURCES.md gives each file's git blob id: for a copy, the id of the file in its origin repository
(so the copy is provably unedited); for a generated stand-in, the id of what the generator wrote.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from tests.support.corpus import CORPUS

SOURCES = (CORPUS / "SOURCES.md").read_text(encoding="utf-8")
FILES = sorted(
    path for path in CORPUS.rglob("*") if path.is_file() and path.suffix in {".jsonl", ".json"}
)


def _blob_id(path: Path) -> str:
    """What `git hash-object` prints for the file."""
    data = path.read_bytes()
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def test_the_corpus_has_transcripts_of_both_formats() -> None:
    assert any(path.is_relative_to(CORPUS / "claude-code") for path in FILES)
    assert any(path.is_relative_to(CORPUS / "codex") for path in FILES)


@pytest.mark.parametrize("path", FILES, ids=lambda path: str(path.relative_to(CORPUS)))
def test_each_corpus_file_is_listed_with_its_blob_id(path: Path) -> None:
    assert f"`{_blob_id(path)}`" in SOURCES, f"{path.relative_to(CORPUS)} is not in SOURCES.md"


COPIED_ORIGINS = sorted(
    {path.relative_to(CORPUS).parts[:2] for path in FILES}
    - {("claude-code", "generated"), ("codex", "generated")}
)
"""Folders of files copied from one origin repository (generated stand-ins have no origin)."""


@pytest.mark.parametrize("origin", COPIED_ORIGINS, ids="/".join)
def test_each_copied_origin_keeps_its_licence_beside_its_files(origin: tuple[str, str]) -> None:
    assert (CORPUS.joinpath(*origin) / "LICENSE").is_file(), f"{'/'.join(origin)} has no LICENSE"
