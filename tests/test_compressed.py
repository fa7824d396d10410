"""A session kept compressed (Codex's archived `.jsonl.zst`, a log someone gzipped) reads as its
text everywhere, says clearly when it cannot be read, and is never repaired in place."""

from __future__ import annotations

import bz2
import gzip
import json
import lzma
from collections.abc import Callable
from pathlib import Path

import pytest
import zstandard
from hypothesis import given, settings
from hypothesis import strategies as st

from session_lsp import compressed
from session_lsp.compressed import compression_of, decompressed
from session_lsp.files import SessionFileError, read_session_file
from tests.support.cli import run_cli
from tests.support.corpus import CODEMIE_ROLLOUT, CODEMIE_TURN_1, SHORT
from tests.support.files import age

COMPRESSORS: dict[str, tuple[str, Callable[[bytes], bytes]]] = {
    "zstd": (".zst", lambda data: zstandard.ZstdCompressor(level=3).compress(data)),
    "gzip": (".gz", gzip.compress),
    "xz": (".xz", lzma.compress),
    "bzip2": (".bz2", bz2.compress),
}


def _compressed(tmp_path: Path, source: Path, kind: str) -> Path:
    suffix, compress = COMPRESSORS[kind]
    path = tmp_path / (source.name + suffix)
    path.write_bytes(compress(source.read_bytes()))
    age(path)
    return path


def _findings(path: Path) -> list[dict[str, object]]:
    result = run_cli("check", "--format", "json", str(path))
    return [{**finding, "path": None} for finding in json.loads(result.stdout)]


@pytest.mark.parametrize("kind", sorted(COMPRESSORS))
@pytest.mark.parametrize("source", [SHORT, CODEMIE_TURN_1, CODEMIE_ROLLOUT], ids=lambda p: p.name)
def test_a_compressed_session_reads_as_its_text(tmp_path: Path, kind: str, source: Path) -> None:
    path = _compressed(tmp_path, source, kind)
    read = read_session_file(path)
    assert (read.data, read.compression, read.size) == (
        source.read_bytes(),
        kind,
        path.stat().st_size,
    )
    plain = tmp_path / source.name
    plain.write_bytes(source.read_bytes())
    age(plain)
    assert _findings(path) == _findings(plain)


def test_show_reads_a_compressed_rollout_as_codex_s(tmp_path: Path) -> None:
    path = _compressed(tmp_path, CODEMIE_ROLLOUT, "zstd")
    shown = run_cli("show", "--format", "json", str(path))
    assert shown.returncode == 0, shown.stderr
    plain = json.loads(run_cli("show", "--format", "json", str(CODEMIE_ROLLOUT)).stdout)
    answer = json.loads(shown.stdout)
    assert answer["format"] == "codex" and answer["items"] == plain["items"]


@pytest.mark.parametrize("kind", sorted(COMPRESSORS))
def test_a_compressed_file_cut_short_is_a_clear_error_not_an_empty_session(
    tmp_path: Path, kind: str
) -> None:
    whole = _compressed(tmp_path, CODEMIE_TURN_1, kind)
    whole.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    result = run_cli("check", str(whole))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"{whole}: {kind}-compressed, but cannot be decompressed (" in result.stderr


def test_a_small_file_that_decompresses_past_the_limit_stops_being_read_there(
    tmp_path: Path,
) -> None:
    bomb = zstandard.ZstdCompressor(level=19).compress(b"\n" * (64 << 20))
    assert len(bomb) < 64 << 10
    with pytest.raises(ValueError, match=r"over 16 MB once decompressed \(zstd\)"):
        decompressed(tmp_path / "bomb.jsonl.zst", bomb, "zstd", 16 << 20)


def test_without_a_zstd_decoder_the_message_says_how_to_decompress(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _compressed(tmp_path, CODEMIE_ROLLOUT, "zstd")
    monkeypatch.setattr(compressed, "ZSTD", None)
    with pytest.raises(SessionFileError, match=rf"`zstd -d {path.name}` and read the plain file"):
        read_session_file(path)


@pytest.mark.parametrize("options", [[], ["--fork"], ["--dry-run"]])
def test_a_repair_is_never_made_over_a_compressed_file(tmp_path: Path, options: list[str]) -> None:
    path = _compressed(tmp_path, CODEMIE_TURN_1, "zstd")
    assert any(finding["severity"] == "error" for finding in _findings(path))
    before = sorted(tmp_path.iterdir())
    content = path.read_bytes()
    result = run_cli("fix", *options, str(path))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "zstd-compressed: a repair writes plain JSON lines, so none is made over it" in (
        result.stderr
    )
    assert path.read_bytes() == content and sorted(tmp_path.iterdir()) == before


def test_a_folder_s_compressed_sessions_are_checked_with_the_plain_ones(tmp_path: Path) -> None:
    """Codex brings an unarchived rollout back to `sessions/` still compressed: a check of the
    folder that skipped it would call a broken session healthy."""
    for kind in sorted(COMPRESSORS):
        folder = tmp_path / kind
        folder.mkdir()
        _compressed(folder, CODEMIE_TURN_1, kind)
    result = run_cli("check", "--format", "json", str(tmp_path))
    checked = {Path(finding["path"]).name for finding in json.loads(result.stdout)}
    assert checked == {CODEMIE_TURN_1.name + suffix for suffix, _ in COMPRESSORS.values()}


def test_fixing_a_folder_leaves_healthy_compressed_sessions_be_and_refuses_a_broken_one(
    tmp_path: Path,
) -> None:
    healthy = _compressed(tmp_path, CODEMIE_ROLLOUT, "zstd")
    broken = _compressed(tmp_path, CODEMIE_TURN_1, "gzip")
    plain = tmp_path / "plain" / CODEMIE_TURN_1.name
    plain.parent.mkdir()
    plain.write_bytes(CODEMIE_TURN_1.read_bytes())
    age(plain)
    untouched = {path: path.read_bytes() for path in (healthy, broken)}
    result = run_cli("fix", str(tmp_path))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"{healthy}: nothing to repair" in result.stdout
    assert f"{broken}: gzip-compressed: a repair writes plain JSON lines" in result.stderr
    assert f"{plain}: repaired: " in result.stdout
    assert {path: path.read_bytes() for path in untouched} == untouched
    assert not any(finding["severity"] == "error" for finding in _findings(plain))


@pytest.mark.parametrize(
    "head", [b"BZh9 a log", b'{"type":"user"}', b"\x1f\x8b", b"\x28\xb5\x2f", b""]
)
def test_text_that_merely_starts_like_compressed_data_is_read_as_text(head: bytes) -> None:
    assert compression_of(head) is None


@settings(max_examples=300)
@given(
    st.sampled_from(sorted(COMPRESSORS)),
    st.integers(0, 400),
    st.lists(st.tuples(st.integers(0, 400), st.integers(0, 255)), max_size=6),
    st.binary(max_size=40),
)
def test_damaged_compressed_data_is_read_or_refused_with_a_message_never_raised_otherwise(
    kind: str, cut: int, flips: list[tuple[int, int]], tail: bytes
) -> None:
    """Cut, flipped and extended real compressed sessions: each decodes to at most the limit or
    is refused with a ValueError (the message `read_session_file` shows), nothing else."""
    whole = bytearray(COMPRESSORS[kind][1](SHORT.read_bytes()))
    for at, value in flips:
        whole[max(10, at % len(whole))] = value  # the first bytes still say which format
    damaged = bytes(whole[: max(11, len(whole) - cut)]) + tail
    assert compression_of(damaged) == kind
    try:
        text = decompressed(Path("s.jsonl.x"), damaged, kind, 64 << 10)
    except ValueError as error:
        assert str(error).startswith("s.jsonl.x: ")
    else:
        assert len(text) <= 64 << 10
