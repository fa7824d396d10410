"""Files built to exhaust memory or the stack get a located finding or a clear refusal (#15 item 11).

Each command runs in a process whose address space is capped (`RLIMIT_AS`, 1.5 GB): one that
read the whole of a 1 GB file, or built a million findings, would die of `MemoryError` there
instead of answering. Before, a 1 GB sparse file made `sessions` peak at 4.2 GB and `check` at
3.2 GB, a line of a million calls took 3 GB, and JSON nested 100,000 levels ended `check` and `fix`
with "internal error: RecursionError".
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from session_lsp.sessions.locations import project_folder_name
from tests.core.test_deep_nesting import deeply_nested_session
from tests.support.cli import REPO

ADDRESS_SPACE = 1536 * 1024 * 1024
WITHIN = 1024**3
"""What each command may hold at its peak (resident memory)."""
SESSION = "11111111-1111-4111-8111-111111111111"


def _capped() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


@dataclass(frozen=True)
class Finished:
    returncode: int
    stdout: str
    stderr: str
    peak_bytes: int
    """The largest resident set of the command and of the workers it waited for."""


def _run(*arguments: str, home: Path | None = None) -> Finished:
    environment = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(REPO)}
    if home is not None:
        environment |= {
            "HOME": str(home),
            "CLAUDE_CONFIG_DIR": str(home / ".claude"),
            "XDG_CACHE_HOME": str(home / ".cache"),
        }
    with tempfile.TemporaryFile() as stdout, tempfile.TemporaryFile() as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "session_lsp", *arguments],
            stdout=stdout,
            stderr=stderr,
            cwd=home / "work" if home is not None else REPO,
            env=environment,
            stdin=subprocess.DEVNULL,
            preexec_fn=_capped,
        )
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        stdout.seek(0)
        stderr.seek(0)
        return Finished(
            process.returncode,
            stdout.read().decode("utf-8", "replace"),
            stderr.read().decode("utf-8", "replace"),
            usage.ru_maxrss * 1024,
        )


def _aged(path: Path) -> Path:
    moment = time.time() - 3600
    os.utime(path, (moment, moment))
    return path


@pytest.fixture
def sparse_gigabyte(tmp_path: Path) -> Path:
    """A 1 GB session of NUL bytes, in a project of a fresh HOME; no disk space is used."""
    (tmp_path / "work").mkdir()
    folder = tmp_path / ".claude" / "projects" / project_folder_name(str(tmp_path / "work"))
    folder.mkdir(parents=True)
    path = folder / f"{SESSION}.jsonl"
    with path.open("wb") as handle:
        handle.truncate(1024**3)
    return _aged(path)


@pytest.mark.parametrize("command", [("check",), ("fix",), ("fix", "--dry-run"), ("show",)])
def test_a_1_gb_sparse_file_is_refused_with_its_size(
    sparse_gigabyte: Path, command: tuple[str, ...]
) -> None:
    result = _run(*command, str(sparse_gigabyte))
    assert result.returncode == 2, result.stderr
    assert f"{sparse_gigabyte}: 1.0 GB, larger than the 256 MB" in result.stderr
    assert "Traceback" not in result.stderr and "MemoryError" not in result.stderr
    assert result.peak_bytes < WITHIN


def test_a_1_gb_sparse_file_is_listed_unreadable(sparse_gigabyte: Path) -> None:
    result = _run("sessions", home=sparse_gigabyte.parents[3])
    assert result.returncode == 0, result.stderr
    (row,) = result.stdout.splitlines()[:-1]
    assert row.startswith("unreadable") and "1.0 GB" in row and SESSION in row
    assert result.peak_bytes < WITHIN


@pytest.fixture
def deep(tmp_path: Path) -> Path:
    """A file whose only line is a call nested 100,000 levels deep: with no other line to tell
    its format, every format's reader tries it."""
    path = tmp_path / "deep.jsonl"
    (_, _, _, line, _) = deeply_nested_session(100_000).split(b"\n")
    path.write_bytes(line + b"\n")
    return _aged(path)


def test_json_nested_100000_levels_is_a_located_finding_in_check_fix_and_show(
    deep: Path,
) -> None:
    for command in (("check",), ("fix",), ("fix", "--strategy", "truncate"), ("show",)):
        result = _run(*command, str(deep))
        assert result.returncode == 1 or command != ("check",), result.stderr
        assert "internal error" not in result.stdout + result.stderr
        assert "Traceback" not in result.stderr
        said = result.stdout + result.stderr
        if command == ("show",):  # the reader: the damaged line, marked, its finding wrapped
            flat = " ".join(said.split())
            assert ">> damaged line" in said and "JSON nested more than 5000 levels" in flat
            continue
        assert f"{deep}:1:1: error invalid-json JSON nested more than 5000 levels" in said or (
            command[0] == "fix" and "no line of it is a readable Claude Code or Codex" in said
        )


def test_one_line_of_a_million_tool_calls_is_a_located_finding(tmp_path: Path) -> None:
    calls = ",".join(
        f'{{"type":"tool_use","id":"toolu_{number}","name":"Bash","input":{{}}}}'
        for number in range(1_000_000)
    )
    record = {
        "type": "assistant",
        "uuid": "a1",
        "parentUuid": None,
        "sessionId": "s",
        "timestamp": "2026-01-01T00:00:00.000Z",
        "message": {"role": "assistant", "content": ["CALLS"]},
    }
    path = tmp_path / "calls.jsonl"
    path.write_text(json.dumps(record).replace('"CALLS"', calls) + "\n")
    _aged(path)
    for command in (("check",), ("fix", "--dry-run"), ("show",)):
        result = _run(*command, str(path))
        assert result.returncode in (0, 1), result.stderr
        assert "1,000,000 content blocks on one line" in result.stdout, command
        assert "Traceback" not in result.stderr
        assert result.peak_bytes < WITHIN
