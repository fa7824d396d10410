"""The README's editor setups, run as a new user would paste them, reach the server.

The snippets are read from README.md itself, so the documented configuration cannot drift from
one that works.
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.editors.support import REPO, TOOL_LINE, damaged_copy, run_editor
from tests.support.tools import require_tool

README = (REPO / "README.md").read_text(encoding="utf-8")


def snippet(heading: str, language: str) -> str:
    section = README.split(f"### {heading}\n", 1)[1].split("\n### ", 1)[0]
    match = re.search(rf"```{language}\n(.*?)```", section, re.DOTALL)
    assert match, f"no {language} block under {heading}"
    return match.group(1)


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


def test_neovim_0_7_setup_from_the_readme(tmp_path: Path) -> None:
    nvim = require_tool("nvim")
    require_tool("session-lsp")
    init = tmp_path / "init.lua"
    init.write_text(snippet("Neovim 0.7 to 0.10", "lua"), encoding="utf-8")
    wait = tmp_path / "wait.lua"
    wait.write_text(NEOVIM_WAIT, encoding="utf-8")
    session = damaged_copy(tmp_path)
    run = run_editor(
        [
            nvim,
            "--headless",
            "-n",
            "-i",
            "NONE",
            "-u",
            str(init),
            str(session),
            "-c",
            f"luafile {wait}",
        ],
        tmp_path,
    )
    assert f"DIAGNOSTIC {TOOL_LINE} unpaired-tool-use" in run.stdout, run.describe()


def test_emacs_eglot_setup_from_the_readme(tmp_path: Path) -> None:
    emacs = require_tool("emacs")
    require_tool("session-lsp")
    init = tmp_path / "init.el"
    init.write_text(snippet("Emacs (eglot)", "elisp"), encoding="utf-8")
    wait = tmp_path / "wait.el"
    wait.write_text(EMACS_WAIT, encoding="utf-8")
    session = damaged_copy(tmp_path)
    run = run_editor(
        [
            emacs,
            "-q",
            "--batch",
            "--eval",
            "(package-initialize)",
            "--eval",
            "(require 'eglot)",
            "-l",
            str(init),
            "-l",
            str(wait),
        ],
        tmp_path,
        SESSION_FILE=str(session),
    )
    assert f"DIAGNOSTIC {TOOL_LINE} " in run.stdout and "tool_result" in run.stdout, run.describe()
