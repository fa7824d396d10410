"""Lint, format and type checks run with the suite, so the README's test command covers them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    "command",
    [
        ["ruff", "check", "."],
        ["ruff", "format", "--check", "."],
        ["mypy"],
        # What exists in `os`, `fcntl` and `time` differs by system: checked as on each.
        ["mypy", "--platform", "win32"],
        ["mypy", "--platform", "darwin"],
    ],
    ids=["ruff-check", "ruff-format", "mypy", "mypy-windows", "mypy-macos"],
)
def test_code_quality(command: list[str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", *command], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
