"""Headless Neovim 0.7 and batch Emacs 28 + eglot, driving the real server like a user would.

Each editor opens a damaged corpus session, gets the diagnostic on the right line, shows the
hover, applies the stub quick fix and saves; the saved file then checks clean. Each also types
past a raw U+2028 and proves the server's copy still equals the buffer.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.editors.support import (
    HERE,
    TOOL_ID,
    TOOL_LINE,
    TYPED,
    EditorRun,
    assert_checks_clean,
    assert_passed,
    assert_server_copy,
    assert_stub_inserted,
    damaged_copy,
    run_editor,
    u2028_transcript,
)
from tests.support.tools import require_tool


def run_neovim(script: str, cwd: Path, **env: str) -> EditorRun:
    """A Lua script in a clean headless Neovim: no config, swap file or shada."""
    nvim = require_tool("nvim")
    return run_editor(
        [nvim, "--headless", "--clean", "-n", "-i", "NONE", "-c", f"luafile {HERE / script}"],
        cwd,
        **env,
    )


def run_emacs(script: str, cwd: Path, **env: str) -> EditorRun:
    """An Elisp script in batch Emacs without init files.

    `-q` rather than `-Q`: `-Q` also skips the site start files that put Debian's elpa-eglot on the
    load path, and `(package-initialize)` activates it.
    """
    emacs = require_tool("emacs")
    return run_editor(
        [emacs, "-q", "--batch", "--eval", "(package-initialize)", "-l", str(HERE / script)],
        cwd,
        **env,
    )


Runner = Callable[..., EditorRun]
EDITORS: dict[str, tuple[Runner, str, str]] = {
    "neovim-0.7": (run_neovim, "neovim_quick_fix.lua", "neovim_u2028_sync.lua"),
    "emacs-eglot": (run_emacs, "eglot_quick_fix.el", "eglot_u2028_sync.el"),
}


@pytest.mark.parametrize("editor", list(EDITORS))
def test_quick_fix_round_trip(editor: str, tmp_path: Path) -> None:
    """Diagnostic on line 25, hover, stub quick fix, save; the saved file checks clean."""
    run, script, _ = EDITORS[editor]
    session = damaged_copy(tmp_path)
    original = session.read_bytes()
    outcome = run(
        script, tmp_path, SESSION_FILE=str(session), TOOL_ID=TOOL_ID, TOOL_LINE=str(TOOL_LINE)
    )
    assert_passed(outcome)
    assert_stub_inserted(original, session.read_bytes())
    assert_checks_clean(session)


@pytest.mark.parametrize("editor", list(EDITORS))
def test_incremental_sync_past_u2028(editor: str, tmp_path: Path) -> None:
    """Typing on line 2 keeps the server's copy equal to the buffer although line 1 has U+2028."""
    run, _, script = EDITORS[editor]
    transcript = u2028_transcript(tmp_path)
    server_text = tmp_path / "server-copy.txt"
    outcome = run(
        script,
        tmp_path,
        SESSION_FILE=str(transcript),
        TYPED=TYPED,
        SERVER_TEXT_FILE=str(server_text),
    )
    assert_passed(outcome)
    assert_server_copy(server_text, transcript)


def test_neovim_runs_the_fork_command_it_picks_from_its_menu(tmp_path: Path) -> None:
    """Neovim 0.7 sends the bare Fork command to codeAction/resolve before running it (-32602)."""
    session = damaged_copy(tmp_path)
    original = session.read_bytes()
    assert_passed(
        run_neovim("neovim_fork.lua", tmp_path, SESSION_FILE=str(session), TOOL_LINE=str(TOOL_LINE))
    )
    (fork,) = [path for path in tmp_path.glob("*.jsonl") if path != session]
    assert session.read_bytes() == original
    assert_checks_clean(fork)
