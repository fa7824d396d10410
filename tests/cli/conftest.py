"""Fixtures the resume tests share: a projects tree whose fake `claude` logs into it, and that
fake `claude` on a PATH of its own."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.sessions.tree import ProjectsTree, build_tree
from tests.support.fake_claude import Claude


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ProjectsTree:
    built = build_tree(tmp_path)
    monkeypatch.setenv("FAKE_CLAUDE_LOG", str(tmp_path / "claude.log"))
    return built


@pytest.fixture
def claude(tmp_path: Path) -> Claude:
    return Claude(tmp_path)
