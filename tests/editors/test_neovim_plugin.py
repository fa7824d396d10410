"""The Neovim plugin in editors/nvim: :SessionList, :SessionShow and :SessionFix in real Neovim."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.editors.support import (
    DAMAGED,
    REPO,
    TOOL_ID,
    TOOL_LINE,
    assert_checks_clean,
    assert_passed,
)
from tests.editors.test_editors import run_neovim
from tests.support.files import age

SESSION_ID = "5b0c3f6e-8f1e-4c51-9d0a-2f4c1b7e9a10"


def test_neovim_plugin_lists_shows_jumps_and_fixes(tmp_path: Path) -> None:
    projects = tmp_path / "projects"
    session = projects / "-home-user-project" / f"{SESSION_ID}.jsonl"
    session.parent.mkdir(parents=True)
    shutil.copyfile(DAMAGED, session)
    session.chmod(0o644)
    age(session)
    original = session.read_bytes()

    run = run_neovim(
        "neovim_plugin.lua",
        tmp_path,
        SESSION_LSP_PLUGIN=str(REPO / "editors" / "nvim"),
        PROJECTS_ROOT=str(projects),
        SESSION_FILE=str(session),
        TOOL_ID=TOOL_ID,
        TOOL_LINE=str(TOOL_LINE),
    )

    assert_passed(run)
    repaired = session.read_bytes()
    assert repaired.startswith(original), "the stub repair only appends after the last line"
    assert TOOL_ID.encode() in repaired[len(original) :]
    assert [p.name for p in session.parent.glob("*.bak")], "the repair kept a backup"
    assert_checks_clean(session)
