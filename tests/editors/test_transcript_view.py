"""The documented transcript views (docs/editors.md), run in real editors:
`sessionLsp.renderTranscript` opens in a scratch buffer that names the broken call.

The snippets are read from docs/editors.md, so the documented commands cannot drift from working
ones.
"""

from __future__ import annotations

from pathlib import Path

from tests.editors.support import (
    TOOL_ID,
    TOOL_LINE,
    damaged_copy,
    run_documented_emacs,
    run_documented_neovim,
    snippet,
)
from tests.support.corpus import SHORT
from tests.support.files import aged_copy

BROKEN_HEADING = f"Tool ` Bash ` ` {TOOL_ID} `: NO RESULT (unpaired) · line {TOOL_LINE + 1}"

NEOVIM_SHOW = """
local source = vim.api.nvim_get_current_buf()
local ready = vim.wait(20000, function() return #vim.diagnostic.get(source) > 0 end, 50)
if not ready then io.stdout:write("NO SERVER\\n") vim.cmd("cquit 1") end
vim.cmd("SessionTranscript")
local shown = vim.wait(20000, function() return vim.bo.filetype == "markdown" end, 50)
if not shown then io.stdout:write("NO TRANSCRIPT\\n") vim.cmd("cquit 1") end
local scratch = vim.api.nvim_get_current_buf()
io.stdout:write(string.format("SCRATCH %s %s %s\\n", tostring(scratch ~= source),
  vim.bo.buftype, tostring(vim.bo.modifiable)))
for _, line in ipairs(vim.api.nvim_buf_get_lines(scratch, 0, -1, false)) do
  if line:find("NO RESULT", 1, true) or line:find("unpaired-tool-use", 1, true) then
    io.stdout:write("LINE " .. line .. "\\n")
  end
end
vim.cmd("qall!")
"""

EMACS_SHOW = """
(find-file (getenv "SESSION_FILE"))
(run-hooks 'post-command-hook)
(let ((end (+ (float-time) 20)))
  (while (and (null (flymake-diagnostics)) (< (float-time) end))
    (accept-process-output nil 0.05)))
(session-lsp-transcript)
(princ (format "BUFFER %s %s\\n" (buffer-name) buffer-read-only))
(goto-char (point-min))
(while (not (eobp))
  (let ((line (buffer-substring-no-properties (line-beginning-position) (line-end-position))))
    (when (or (string-match-p "NO RESULT" line) (string-match-p "unpaired-tool-use" line))
      (princ (format "LINE %s\\n" line))))
  (forward-line 1))
(kill-emacs 0)
"""


def _shown_lines(stdout: str) -> list[str]:
    return [line for line in stdout.splitlines() if line.startswith("LINE ")]


def test_neovim_opens_the_transcript_in_a_scratch_buffer_naming_the_broken_call(
    tmp_path: Path,
) -> None:
    init = (
        snippet("Neovim 0.7 to 0.10", "lua")
        + "\n"
        + snippet("Neovim: the conversation as Markdown", "lua")
    )
    run = run_documented_neovim(tmp_path, init, NEOVIM_SHOW, damaged_copy(tmp_path))
    assert "SCRATCH true nofile false" in run.stdout, run.describe()
    lines = _shown_lines(run.stdout)
    assert any(BROKEN_HEADING in line for line in lines), run.describe()
    assert any("**ERROR** unpaired-tool-use at line 25" in line for line in lines), run.describe()


def test_emacs_shows_the_transcript_in_a_read_only_buffer_naming_the_broken_call(
    tmp_path: Path,
) -> None:
    init = (
        snippet("Emacs (eglot)", "elisp")
        + "\n"
        + snippet("Emacs: the conversation as Markdown", "elisp")
    )
    session = damaged_copy(tmp_path)
    run = run_documented_emacs(tmp_path, init, EMACS_SHOW, session)
    assert f"BUFFER *transcript {session.name}* t" in run.stdout, run.describe()
    assert any(BROKEN_HEADING in line for line in _shown_lines(run.stdout)), run.describe()


EMACS_SEARCH = """
(find-file (getenv "SESSION_FILE"))
(run-hooks 'post-command-hook)
(let ((end (+ (float-time) 20)))
  (while (and (null (flymake-diagnostics)) (< (float-time) end))
    (accept-process-output nil 0.05)))
(cl-letf (((symbol-function 'completing-read)
           (lambda (_prompt choices &rest _)
             (dolist (choice choices) (princ (format "CHOICE %s\\n" (car choice))))
             (car (seq-find (lambda (choice) (string-prefix-p (getenv "WANTED") (car choice)))
                            choices)))))
  (session-lsp-search (getenv "QUERY")))
(princ (format "OPENED %s %d %s\\n" (buffer-file-name) (line-number-at-pos)
               (buffer-substring-no-properties (line-beginning-position)
                                               (min (line-end-position) (+ (point) 200)))))
(kill-emacs 0)
"""


def test_emacs_searches_every_session_and_opens_the_one_chosen_at_its_match(
    tmp_path: Path,
) -> None:
    """The server searches under Claude Code's projects folder ($CLAUDE_CONFIG_DIR/projects):
    the session searched from is the damaged copy, the match chosen is in another session."""
    config = tmp_path / "claude-config"
    project = config / "projects" / "-work-app"
    project.mkdir(parents=True)
    found = aged_copy(SHORT, project / "22222222-2222-4222-8222-222222222222.jsonl")
    init = (
        snippet("Emacs (eglot)", "elisp") + "\n" + snippet("Emacs: search every session", "elisp")
    )
    run = run_documented_emacs(
        tmp_path,
        init,
        EMACS_SEARCH,
        damaged_copy(tmp_path),
        CLAUDE_CONFIG_DIR=str(config),
        QUERY="phx.server",
        WANTED="item 1 · text",
    )
    choices = [line for line in run.stdout.splitlines() if line.startswith("CHOICE ")]
    assert choices and all("phx.server" in line.lower() for line in choices), run.describe()
    opened = next(line for line in run.stdout.splitlines() if line.startswith("OPENED "))
    expected_line = next(
        number
        for number, line in enumerate(SHORT.read_text(encoding="utf-8").splitlines(), 1)
        if "phx.server" in line
    )
    assert opened.startswith(f"OPENED {found} {expected_line} "), run.describe()
