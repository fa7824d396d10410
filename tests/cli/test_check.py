"""`session-lsp check`: linter-style output, JSON contract, exit codes, clear errors."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest

from session_lsp.cli.main import main
from tests.support.cli import EXAMPLE, run_cli
from tests.support.corpus import CLAUDE_CORPUS, CODEMIE_TURN_1, SHORT


def test_text_output_is_path_line_col_severity_code_message() -> None:
    result = run_cli("check", str(EXAMPLE))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith(
        f"{EXAMPLE}:11:402: error unpaired-tool-use WebSearch call toolu_01PPH5xRopN6EKFruBKc1giM"
    )
    assert lines[1].startswith(f"{EXAMPLE}:95:1: error truncated-line")
    assert (
        lines[-1]
        == "Checked 1 file: 2 errors, 0 warnings, 0 information (1 file will fail to resume)."
    )
    assert "Traceback" not in result.stderr


def test_one_broken_file_among_several_is_one_file_that_will_fail(tmp_path: Path) -> None:
    broken = _aged_copy(EXAMPLE, tmp_path / "broken.jsonl")
    clean = _aged_copy(SHORT, tmp_path / "clean.jsonl")
    result = run_cli("check", str(broken), str(clean))
    assert result.stdout.splitlines()[-1] == (
        "Checked 2 files: 2 errors, 0 warnings, 0 information (1 file will fail to resume)."
    )


def _aged_copy(source: Path, target: Path) -> Path:
    """A copy written an hour ago: CI's copy of the corpus may be fresh, and so look live."""
    if source != target:
        shutil.copy(source, target)
    an_hour_ago = time.time() - 3600
    os.utime(target, (an_hour_ago, an_hour_ago))
    return target


def test_json_output_is_one_array_with_the_documented_fields(tmp_path: Path) -> None:
    session = _aged_copy(CODEMIE_TURN_1, tmp_path / "turn-1.jsonl")
    result = run_cli("check", "--format", "json", str(session))
    assert result.returncode == 1
    (entry,) = json.loads(result.stdout)
    assert entry == {
        "path": str(session),
        "line": 25,
        "column": 429,
        "endLine": 25,
        "endColumn": 464,
        "severity": "error",
        "code": "unpaired-tool-use",
        "message": entry["message"],
        "toolUseId": "toolu_bdrk_01NNGBKLENmr7j3TfUKZW7rz",
    }
    line = CODEMIE_TURN_1.read_text(encoding="utf-8").split("\n")[24]
    assert line[entry["column"] - 1 : entry["endColumn"] - 1] == entry["toolUseId"]
    assert (
        "tool_use` ids were found without `tool_result` blocks immediately after"
        in entry["message"]
    )


def test_clean_file_exits_zero() -> None:
    result = run_cli("check", str(SHORT))
    assert result.returncode == 0, result.stdout
    assert "0 errors" in result.stdout


def test_folder_is_searched_recursively_for_jsonl(tmp_path: Path) -> None:
    shutil.copytree(CLAUDE_CORPUS, tmp_path / "projects")
    (tmp_path / "projects" / "notes.txt").write_text("not a session")
    for session in (tmp_path / "projects").rglob("*.jsonl"):
        _aged_copy(session, session)
    result = run_cli("check", "--format", "json", str(tmp_path / "projects"))
    entries = json.loads(result.stdout)
    assert result.returncode == 1
    errors = {(Path(e["path"]).name, e["code"]) for e in entries if e["severity"] == "error"}
    assert errors == {
        ("incremental-subagents-turn-1.jsonl", "unpaired-tool-use"),
        ("sidechain-inline-1.0.35-excerpt.jsonl", "unpaired-tool-use"),
    }


def test_missing_path_is_a_usage_error_without_traceback() -> None:
    result = run_cli("check", "/no/such/session.jsonl")
    assert result.returncode == 2
    assert "session-lsp: /no/such/session.jsonl: no such file or folder" in result.stderr
    assert "Traceback" not in result.stderr


def test_no_path_is_a_usage_error() -> None:
    assert run_cli("check").returncode == 2


def test_unreadable_folder_is_reported_and_the_rest_is_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copy(SHORT, tmp_path / "short.jsonl")
    real_walk = os.walk

    def walk_with_denied_folder(top: str, onerror: object = None, **kwargs: object):  # type: ignore[no-untyped-def]
        error = PermissionError(13, "Permission denied")
        error.filename = str(tmp_path / "locked")
        onerror(error)  # type: ignore[operator]
        yield from real_walk(top, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "walk", walk_with_denied_folder)
    assert main(["check", str(tmp_path)]) == 2
    captured = capsys.readouterr()
    assert f"{tmp_path / 'locked'}: cannot read folder: Permission denied" in captured.err
    assert "Checked 1 file" in captured.out


def test_recently_written_session_is_live_not_broken(tmp_path: Path) -> None:
    copy = tmp_path / "live.jsonl"
    shutil.copy(CODEMIE_TURN_1, copy)
    result = run_cli("check", "--format", "json", str(copy))
    (entry,) = json.loads(result.stdout)
    assert (entry["code"], entry["severity"]) == ("live-session", "information")
    assert result.returncode == 0
