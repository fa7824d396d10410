"""Every test runs against its own empty Claude Code configuration folder.

`CLAUDE_CONFIG_DIR` decides where sessions and Claude Code's registry of running sessions are
read; on a machine with Claude Code installed, `~/.claude/sessions` would otherwise make a test's
answer depend on what that machine is running. Set before any test, so language servers the tests
start inherit it too; a test that needs a registry creates `$CLAUDE_CONFIG_DIR/sessions`.
`CODEX_HOME` likewise points into it: listings and searches also read `$CODEX_HOME/sessions`,
which must never be the machine's own Codex rollouts.
"""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest
from hypothesis import settings

# No example has a deadline: on a loaded machine, one stalled example would fail the run.
settings.register_profile("session-lsp", deadline=None)
settings.load_profile("session-lsp")

_CONFIG = "SESSION_LSP_TEST_CLAUDE_CONFIG"


def pytest_configure(config: pytest.Config) -> None:
    folder = tempfile.mkdtemp(prefix="session-lsp-claude-config-")
    os.environ[_CONFIG] = folder
    os.environ["CLAUDE_CONFIG_DIR"] = folder
    os.environ["CODEX_HOME"] = os.path.join(folder, "codex")


def pytest_unconfigure(config: pytest.Config) -> None:
    folder = os.environ.pop(_CONFIG, None)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)
