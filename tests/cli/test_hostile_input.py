"""Hostile paths and names: usage errors, no hang, no crash, every problem reported."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from session_lsp.cli.main import main
from tests.core.test_deep_nesting import deeply_nested_session
from tests.support.cli import EXAMPLE, REPO
from tests.support.files import aged_copy
from tests.support.tools import require_tool


def _run(
    *arguments: str, cwd: Path = REPO, env: dict[str, str] | None = None, timeout: float = 30
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "session_lsp", *arguments],
        capture_output=True,
        check=False,
        cwd=cwd,
        env={**os.environ, "NO_COLOR": "1", **(env or {})},
        timeout=timeout,
    )


# --- an empty PATH (item 5) -----------------------------------------------------------------


@pytest.mark.parametrize("command", ["check", "fix", "restore"])
def test_an_empty_path_is_a_usage_error_and_the_current_folder_is_untouched(
    tmp_path: Path, command: str
) -> None:
    session = aged_copy(EXAMPLE, tmp_path / "s.jsonl")
    before = sorted(p.name for p in tmp_path.iterdir())
    result = _run(command, "", cwd=tmp_path)
    assert result.returncode == 2
    assert b"PATH must not be empty" in result.stderr
    assert session.read_bytes() == EXAMPLE.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == before


# --- only regular files are read (item 9) ---------------------------------------------------


@pytest.fixture
def fifo(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "pipe.jsonl"
    os.mkfifo(path)
    yield path


@pytest.mark.parametrize("command", ["check", "fix"])
def test_a_fifo_and_endless_devices_are_reported_not_read(fifo: Path, command: str) -> None:
    result = _run(command, str(fifo), "/dev/zero", "/dev/urandom", timeout=20)
    assert result.returncode == 2
    stderr = result.stderr.decode()
    for path in (fifo, "/dev/zero", "/dev/urandom"):
        assert f"{path}: not a regular file" in stderr
    assert "Traceback" not in stderr


def test_a_fifo_inside_a_folder_is_reported_and_the_rest_checked(
    fifo: Path, tmp_path: Path
) -> None:
    aged_copy(EXAMPLE, tmp_path / "real.jsonl")
    result = _run("check", str(tmp_path), timeout=20)
    assert result.returncode == 2
    assert f"{fifo}: not a regular file (a FIFO)".encode() in result.stderr
    assert b"real.jsonl:11:402: error unpaired-tool-use" in result.stdout
    assert result.stdout.splitlines()[-1].startswith(b"Checked 1 file: 2 errors")


# --- any file name, any locale (item 11) ----------------------------------------------------

NAME = b"caf\xe9-\xff.jsonl"  # not UTF-8


@pytest.fixture
def badly_named(tmp_path: Path) -> Path:
    target = Path(os.fsdecode(os.path.join(os.fsencode(tmp_path), NAME)))
    return aged_copy(EXAMPLE, target)


STRICT_LOCALES = [
    {"PYTHONIOENCODING": "utf-8:strict"},
    {"LC_ALL": "C", "LANG": "C"},
    {"LC_ALL": "C", "PYTHONIOENCODING": "ascii:strict"},
]


@pytest.mark.parametrize("env", STRICT_LOCALES, ids=lambda env: ",".join(env))
def test_json_output_is_valid_utf8_and_keeps_the_names_bytes(
    badly_named: Path, env: dict[str, str]
) -> None:
    result = _run("check", "--format", "json", str(badly_named.parent), env=env)
    assert result.returncode == 1, result.stderr
    findings = json.loads(result.stdout.decode("utf-8"))
    assert {os.fsencode(finding["path"]) for finding in findings} == {os.fsencode(badly_named)}
    assert b"\\udce9" in result.stdout


@pytest.mark.parametrize("env", STRICT_LOCALES, ids=lambda env: ",".join(env))
@pytest.mark.parametrize("command", [("check",), ("fix", "--dry-run"), ("restore",)])
def test_text_output_never_crashes_on_a_name_the_locale_cannot_encode(
    badly_named: Path, env: dict[str, str], command: tuple[str, ...]
) -> None:
    if command == ("restore",):
        _run("fix", str(badly_named))
    result = _run(*command, str(badly_named), env=env)
    assert result.returncode in (0, 1), result.stderr
    assert b"Traceback" not in result.stderr
    assert b"caf" in result.stdout + result.stderr


# --- every folder error (item 12) -----------------------------------------------------------


def test_a_folder_that_cannot_be_listed_is_reported_even_when_walked_last(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    aged_copy(EXAMPLE, tmp_path / "a.jsonl")
    for name in ("first", "zz-last"):
        (tmp_path / name).mkdir()
    real_scandir = os.scandir

    def scandir(path: str) -> object:
        if str(path).endswith(("first", "zz-last")):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    assert main(["check", str(tmp_path)]) == 2
    stderr = capsys.readouterr().err
    assert f"{tmp_path / 'first'}: cannot read folder: Permission denied" in stderr
    assert f"{tmp_path / 'zz-last'}: cannot read folder: Permission denied" in stderr


def _without_root_s_file_access() -> list[str]:
    """A prefix that runs a command as root without the capabilities that let root read any
    folder whatever its mode (CI runs as root); nothing for another user."""
    if os.geteuid() != 0:
        return []
    setpriv = require_tool("setpriv")
    dropped = "-dac_override,-dac_read_search"
    return [setpriv, "--bounding-set", dropped, "--inh-caps", dropped, "--"]


def test_an_unreadable_folder_on_disk_is_reported_with_exit_2(tmp_path: Path) -> None:
    aged_copy(EXAMPLE, tmp_path / "a.jsonl")
    locked = tmp_path / "zz-locked"
    locked.mkdir()
    locked.chmod(0)
    try:
        result = subprocess.run(
            [
                *_without_root_s_file_access(),
                sys.executable,
                "-m",
                "session_lsp",
                "check",
                tmp_path,
            ],
            capture_output=True,
            check=False,
            cwd=REPO,
            env={**os.environ, "NO_COLOR": "1"},
            timeout=30,
        )
    finally:
        locked.chmod(0o755)
    assert result.returncode == 2, result.stderr
    assert f"{locked}: cannot read folder".encode() in result.stderr


# --- deep JSON from the command line (item 7) -----------------------------------------------


@pytest.mark.parametrize("strategy", ["stub", "purge", "truncate"])
def test_check_and_fix_read_a_call_nested_a_thousand_levels(tmp_path: Path, strategy: str) -> None:
    session = tmp_path / "deep.jsonl"
    session.write_bytes(deeply_nested_session(1_000))
    aged_copy(session, session)
    checked = _run("check", str(session))
    assert checked.returncode == 1 and b"unpaired-tool-use" in checked.stdout, checked.stderr
    fixed = _run("fix", "--strategy", strategy, str(session))
    assert fixed.returncode == 0, fixed.stderr
    assert _run("check", str(session)).returncode == 0
