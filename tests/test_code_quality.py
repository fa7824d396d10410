"""Lint, format and type checks run with the suite, so the README's test command covers them."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from importlib.metadata import version
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


@pytest.mark.parametrize("tool", ["ruff", "mypy"])
def test_the_checkers_are_pinned_to_the_versions_that_run_here(tool: str) -> None:
    """A fresh environment formats and type-checks as this one does: a new ruff or mypy may
    format, or find errors, differently. Raising the pin is a change of its own."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    wanted = [
        requirement
        for requirement in project["project"]["optional-dependencies"]["test"]
        if re.match(rf"{tool}\b", requirement)
    ]
    assert wanted == [f"{tool}=={version(tool)}"]
