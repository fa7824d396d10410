"""`session-lsp check --jobs N`: the same bytes out, in the same order, whatever N; a file that
crashes its worker is reported for itself while the others are checked."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from session_lsp import parallel
from session_lsp.cli import check
from session_lsp.cli.main import main
from session_lsp.core.analysis import analyse_bytes
from session_lsp.sessions import registry
from tests.support.cli import run_cli
from tests.support.corpus import CLAUDE_CORPUS, CODEMIE_TURN_1, SHORT, TOOL_HEAVY

CRASH_MARKER = b'"crash-me"'


def _corpus_tree(root: Path) -> Path:
    """Enough copies of the corpus for the CLI to use its pool, plus every kind of bad file."""
    corpus_bytes = sum(path.stat().st_size for path in CLAUDE_CORPUS.rglob("*.jsonl"))
    copies = parallel.PARALLEL_FROM_BYTES // corpus_bytes + 1
    for number in range(copies):
        shutil.copytree(CLAUDE_CORPUS, root / f"copy-{number}", copy_function=shutil.copyfile)
    damaged = CODEMIE_TURN_1.read_bytes()
    (root / "damaged-cut.jsonl").write_bytes(damaged[: len(damaged) * 2 // 3])
    (root / os.fsdecode(b"caf\xe9-damaged.jsonl")).write_bytes(damaged)
    (root / "empty.jsonl").write_bytes(b"")
    (root / "gone.jsonl").symlink_to(root / "nowhere.jsonl")
    os.mkfifo(root / "pipe.jsonl")
    an_hour_ago = time.time() - 3600
    for path in root.rglob("*.jsonl"):
        if path.is_file() and not path.is_symlink():
            os.utime(path, (an_hour_ago, an_hour_ago))
    return root


def _run_bytes(*arguments: str) -> tuple[int, bytes, bytes]:
    result = subprocess.run(
        [sys.executable, "-m", "session_lsp", *arguments],
        capture_output=True,
        check=False,
        env={**os.environ, "NO_COLOR": "1"},
    )
    return result.returncode, result.stdout, result.stderr


@pytest.mark.parametrize("output_format", ["text", "json"])
def test_one_worker_and_two_print_the_same_bytes_in_the_same_order(
    tmp_path: Path, output_format: str
) -> None:
    tree = _corpus_tree(tmp_path / "tree")
    paths, _ = check.collect_paths([str(tree)])
    assert parallel.worth_a_pool([check._size(path) for path in paths], 2)
    serial = _run_bytes("check", "--format", output_format, "--jobs", "1", str(tree))
    pooled = _run_bytes("check", "--format", output_format, "--jobs", "2", str(tree))
    assert pooled == serial
    status, stdout, stderr = serial
    assert status == 2  # unreadable files are usage problems, as before
    assert b"pipe.jsonl: not a regular file (a FIFO): not read" in stderr
    assert b"gone.jsonl: cannot read: No such file or directory" in stderr
    # JSON escapes the undecodable byte; text prints it raw or escaped, as the locale allows.
    assert any(name + b"-damaged.jsonl" in stdout for name in (b"caf\\udce9", b"caf\xe9"))
    assert b"damaged-cut.jsonl" in stdout
    assert b"Traceback" not in stderr


def test_a_clean_tree_exits_zero_with_two_workers(tmp_path: Path) -> None:
    for number in range(3):
        shutil.copyfile(SHORT, tmp_path / f"short-{number}.jsonl")
        os.utime(tmp_path / f"short-{number}.jsonl", (time.time() - 3600,) * 2)
    result = run_cli("check", "--jobs", "2", str(tmp_path))
    assert result.returncode == 0
    assert result.stdout.endswith(
        "Checked 3 files: 0 errors, 0 warnings, 0 information (all resumable).\n"
    )


def test_jobs_must_be_a_positive_number() -> None:
    result = run_cli("check", "--jobs", "0", str(SHORT))
    assert result.returncode == 2
    assert "--jobs: expected a whole number of at least 1" in result.stderr


def _small_tree(root: Path) -> list[Path]:
    root.mkdir()
    names = []
    for number, source in enumerate([SHORT, TOOL_HEAVY, CODEMIE_TURN_1, SHORT, TOOL_HEAVY]):
        target = root / f"{number}.jsonl"
        data = source.read_bytes()
        target.write_bytes(CRASH_MARKER + b"\n" + data if number == 2 else data)
        os.utime(target, (time.time() - 3600,) * 2)
        names.append(target)
    return names


def _raising_analysis(real: Any) -> Any:
    def analyse(data: Any, **options: Any) -> Any:
        if bytes(data[: len(CRASH_MARKER)]) == CRASH_MARKER:
            raise ValueError("a bug in the analysis")
        return real(data, **options)

    return analyse


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_file_whose_analysis_raises_is_reported_and_the_others_are_checked(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    jobs: str,
) -> None:
    paths = _small_tree(tmp_path / "tree")
    monkeypatch.setattr(parallel, "PARALLEL_FROM_BYTES", 0)
    monkeypatch.setattr(registry, "analyse_bytes", _raising_analysis(analyse_bytes))
    assert main(["check", "--jobs", jobs, str(tmp_path / "tree")]) == 2
    captured = capsys.readouterr()
    assert captured.err == (
        f"session-lsp: {paths[2]}: could not be checked:"
        " internal error: ValueError: a bug in the analysis\n"
    )
    assert captured.out.endswith(
        "Checked 4 files: 0 errors, 0 warnings, 0 information (none of them will fail to resume; 1 problem reported above).\n"
    )


def test_a_file_that_kills_its_worker_is_reported_and_the_others_are_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = _small_tree(tmp_path / "tree")
    expected_out = _checked_output(tmp_path / "tree", paths[2], capsys)
    monkeypatch.setattr(parallel, "PARALLEL_FROM_BYTES", 0)
    real = analyse_bytes
    parent = os.getpid()

    def dying_analysis(data: Any, **options: Any) -> Any:
        if os.getpid() != parent and bytes(data[: len(CRASH_MARKER)]) == CRASH_MARKER:
            os._exit(70)  # as a segfault or the OOM killer would end it: no exception
        return real(data, **options)

    monkeypatch.setattr(registry, "analyse_bytes", dying_analysis)
    assert main(["check", "--jobs", "2", str(tmp_path / "tree")]) == 2
    captured = capsys.readouterr()
    assert captured.err == (
        f"session-lsp: {paths[2]}: could not be checked:"
        " the process checking it died (killed, or out of memory)\n"
    )
    verdict = "(none of them will fail to resume; 1 problem reported above)"
    assert captured.out == expected_out.replace("(all resumable)", verdict)


def _checked_output(tree: Path, without: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """What `check --jobs 1` prints for the tree without the file that will crash."""
    moved = without.rename(without.with_suffix(".aside"))
    try:
        main(["check", "--jobs", "1", str(tree)])
    finally:
        moved.rename(without)
    return capsys.readouterr().out
