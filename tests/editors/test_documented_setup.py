"""The documented editor setups (docs/editors.md), run as a new user would paste them, reach the
server.

The snippets are read from docs/editors.md itself, so the documented configuration cannot drift
from one that works.
"""

from __future__ import annotations

from pathlib import Path

from tests.editors.support import (
    TOOL_LINE,
    damaged_copy,
    run_documented_emacs,
    run_documented_neovim,
    snippet,
)

NEOVIM_WAIT = """
local buf = vim.api.nvim_get_current_buf()
local ok = vim.wait(20000, function() return #vim.diagnostic.get(buf) > 0 end, 50)
local d = vim.diagnostic.get(buf)[1]
io.stdout:write(ok and ("DIAGNOSTIC " .. d.lnum .. " " .. tostring(d.code) .. "\\n") or "NONE\\n")
vim.cmd("qall!")
"""

EMACS_WAIT = """
(find-file (getenv "SESSION_FILE"))
(run-hooks 'post-command-hook)
(let ((end (+ (float-time) 20)))
  (while (and (null (flymake-diagnostics)) (< (float-time) end))
    (accept-process-output nil 0.05)))
(let ((d (car (flymake-diagnostics))))
  (princ (if d (format "DIAGNOSTIC %d %s\\n" (1- (line-number-at-pos (flymake-diagnostic-beg d)))
                       (flymake-diagnostic-text d))
           "NONE\\n")))
(kill-emacs 0)
"""


def test_neovim_0_7_setup_from_the_editor_docs(tmp_path: Path) -> None:
    init = snippet("Neovim 0.7 to 0.10", "lua")
    run = run_documented_neovim(tmp_path, init, NEOVIM_WAIT, damaged_copy(tmp_path))
    assert f"DIAGNOSTIC {TOOL_LINE} unpaired-tool-use" in run.stdout, run.describe()


def test_emacs_eglot_setup_from_the_editor_docs(tmp_path: Path) -> None:
    init = snippet("Emacs (eglot)", "elisp")
    run = run_documented_emacs(tmp_path, init, EMACS_WAIT, damaged_copy(tmp_path))
    assert f"DIAGNOSTIC {TOOL_LINE} " in run.stdout and "tool_result" in run.stdout, run.describe()
