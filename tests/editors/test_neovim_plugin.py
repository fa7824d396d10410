"""The Neovim plugin in editors/nvim: :SessionList, :SessionShow and :SessionFix in real Neovim."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.editors.support import (
    DAMAGED,
    HERE,
    REPO,
    TOOL_ID,
    TOOL_LINE,
    assert_checks_clean,
    assert_passed,
    run_editor,
)
from tests.editors.test_editors import run_neovim
from tests.sessions.tree import place_rollout
from tests.support.claude_records import Builder, rewound, three_writes
from tests.support.cli import run_cli
from tests.support.corpus import (
    CLAUDE_CORPUS,
    CODEMIE_ROLLOUT,
    COMPACTED_2_0,
    COMPACTED_ROLLOUT,
    SHORT,
    SOUND_RECORDER,
    WORKTREES,
)
from tests.support.files import age, aged_copy
from tests.support.tools import require_tool

SESSION_ID = "5b0c3f6e-8f1e-4c51-9d0a-2f4c1b7e9a10"
PLUGIN = REPO / "editors" / "nvim"
MULTI_LINE_COMMAND = (
    CLAUDE_CORPUS
    / "daaain-claude-code-log"
    / "-src-deep-manifest"
    / "a7da6a22-facc-4fcd-8bab-f83c87862004.jsonl"
)
"""Item 21: a Bash `git commit` whose command (a heredoc) and result are several lines each."""

_PRELUDE = """\
local checks = dofile(os.getenv("CHECKS_FILE"))
local timeout, fail, check = checks.timeout, checks.fail, checks.check
vim.opt.runtimepath:prepend(os.getenv("SESSION_LSP_PLUGIN"))
vim.cmd("runtime! plugin/session_lsp.lua")
local plugin = require("session_lsp")
local server = vim.fn.json_decode(os.getenv("SESSION_LSP_COMMAND"))
plugin.setup({ cmd = server })
-- What the plugin told the user, in order.
local notes = {}
vim.notify = function(message, level) table.insert(notes, { message = message, level = level }) end
local function noted(text)
  for _, note in ipairs(notes) do
    if note.message:find(text, 1, true) then return note end
  end
  return nil
end
local function lines(buf) return vim.api.nvim_buf_get_lines(buf, 0, -1, false) end
-- The buffer with exactly this name (bufnr() would match part of a name).
local function named(name)
  for _, buf in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_get_name(buf) == name then return buf end
  end
  return nil
end
-- The view `start(on_shown)` opens.
local function shown(start)
  local view = nil
  start(function(buf) view = buf end)
  check(vim.wait(timeout, function() return view ~= nil end), "the view never opened", notes)
  return view
end
"""


def _run_plugin_script(tmp_path: Path, body: str, **env: str) -> None:
    """The Lua `body` (a main function's statements, with the prelude's plugin, `notes`, `noted`,
    `named`, `lines` and `shown` at hand) in a clean headless Neovim; it must reach its end."""
    script = tmp_path / "plugin_script.lua"
    script.write_text(
        f"{_PRELUDE}\nlocal function main()\n{body}\nend\n\nchecks.run(main)\n", encoding="utf-8"
    )
    nvim = require_tool("nvim")
    argv = [nvim, "--headless", "--clean", "-n", "-i", "NONE", "-c", f"luafile {script}"]
    run = run_editor(
        argv,
        tmp_path,
        CHECKS_FILE=str(HERE / "neovim_checks.lua"),
        SESSION_LSP_PLUGIN=str(PLUGIN),
        **env,
    )
    assert_passed(run)


def _damaged(path: Path) -> Path:
    """A writable, aged copy of the damaged session at `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    aged_copy(DAMAGED, path)
    path.chmod(0o644)
    return path


def test_neovim_plugin_lists_shows_jumps_and_fixes(tmp_path: Path) -> None:
    projects = tmp_path / "projects"
    session = projects / "-home-user-project" / f"{SESSION_ID}.jsonl"
    session.parent.mkdir(parents=True)
    shutil.copyfile(DAMAGED, session)
    session.chmod(0o644)
    age(session)
    original = session.read_bytes()
    codex_home = tmp_path / "codex"
    rollout = place_rollout(codex_home, COMPACTED_ROLLOUT, seconds_ago=7200)

    run = run_neovim(
        "neovim_plugin.lua",
        tmp_path,
        SESSION_LSP_PLUGIN=str(REPO / "editors" / "nvim"),
        PROJECTS_ROOT=str(projects),
        SESSION_FILE=str(session),
        TOOL_ID=TOOL_ID,
        TOOL_LINE=str(TOOL_LINE),
        CODEX_HOME=str(codex_home),
        ROLLOUT_FILE=str(rollout),
    )

    assert_passed(run)
    repaired = session.read_bytes()
    assert repaired.startswith(original), "the stub repair only appends after the last line"
    assert TOOL_ID.encode() in repaired[len(original) :]
    assert [p.name for p in session.parent.glob("*.bak")], "the repair kept a backup"
    assert_checks_clean(session)


def _under(lines: list[str], head: str) -> list[str]:
    """The lines after the first that starts with `head` (an item's head): what it shows."""
    return lines[lines.index(next(line for line in lines if line.startswith(head))) + 1 :]


def _rendered(tmp_path: Path, session: Path, *shown: str) -> list[str]:
    """The plugin's view of `session` (`shown`: `show`'s options of the part), drawn from the
    server's conversation answer."""
    page = run_cli("show", "--format", "json", *shown, str(session))
    assert page.returncode == 0, page.stderr
    page_file, lines_file = tmp_path / "page.json", tmp_path / "lines.txt"
    page_file.write_text(page.stdout, encoding="utf-8")
    run = run_neovim(
        "neovim_plugin_render.lua",
        tmp_path,
        SESSION_LSP_PLUGIN=str(REPO / "editors" / "nvim"),
        PAGE_FILE=str(page_file),
        LINES_FILE=str(lines_file),
    )
    assert_passed(run)
    return lines_file.read_text(encoding="utf-8").splitlines()


def test_neovim_view_shows_use_the_plan_and_items_numbered_as_show_does(tmp_path: Path) -> None:
    lines = _rendered(tmp_path, SOUND_RECORDER)
    assert (
        lines[2] == "tokens: 1,687,656 in (1,502,915 cached) · 20,797 out  |  last context 72,484"
    )
    assert lines[3] == "plan (item 127): 5 of 7 done"
    assert lines[9] == "  [>] Test recording with new AudioWorklet implementation"
    write = next(line for line in lines if line.startswith("#24  tool  Write  [answered]"))
    assert "(1 min 55 s)  (line 41)" in write


def test_neovim_view_says_what_the_sessions_sub_agent_files_used(tmp_path: Path) -> None:
    page = json.loads(run_cli("show", "--format", "json", str(WORKTREES)).stdout)["subAgents"]
    used = page["usage"]
    tokens_in = used["input"] + used["cacheRead"] + used["cacheCreation"]
    lines = _rendered(tmp_path, WORKTREES)
    assert used["outputPartial"], "a sub-agent's last message was counted while it streamed"
    assert (
        f"sub-agents (6 files): {tokens_in:,} in ({used['cacheRead']:,} cached)"
        f" · at least {used['output']:,} out"
    ) in lines[:5]
    assert not any(line.startswith("sub-agents") for line in _rendered(tmp_path, SOUND_RECORDER))


def test_neovim_view_shows_an_edit_as_its_diff_and_a_plan_as_its_checklist(tmp_path: Path) -> None:
    lines = _rendered(tmp_path, SOUND_RECORDER)
    write = next(i for i, line in enumerate(lines) if line.startswith("#24  tool  Write"))
    assert lines[write + 1 : write + 4] == [
        "    --- /dev/null",
        "    +++ /Users/dain/workspace/JSSoundRecorder/CLAUDE.md",
        "    @@ -0,0 +1,107 @@",
    ]
    plan = next(i for i, line in enumerate(lines) if line.startswith("#127  tool  TodoWrite"))
    assert lines[plan + 1] == "    [x] Create RecorderWorklet processor for microphone capture"
    assert not any(line.startswith("    input: ") for line in lines[plan : plan + 9])


def test_neovim_view_says_when_an_edit_was_not_applied(tmp_path: Path) -> None:
    session = tmp_path / "session.jsonl"
    session.write_bytes(three_writes().data())
    lines = _rendered(tmp_path, aged_copy(session, session))
    writes = [i for i, line in enumerate(lines) if "  tool  Write  [" in line]
    assert [lines[i + 1] for i in writes] == [
        "    --- /dev/null",
        "    (not applied)",
        "    (not confirmed)",
    ]


def test_neovim_view_says_how_to_reach_the_history_before_a_compaction(tmp_path: Path) -> None:
    lines = _rendered(tmp_path, COMPACTED_2_0)
    assert "1 earlier part before compaction (:SessionHistory N)" in lines[:6]
    assert "plan (segment 1, item 31): 3 of 7 done" in lines[:7]


def test_neovim_view_shows_what_a_call_asks_the_user_not_the_json_of_its_options(
    tmp_path: Path,
) -> None:
    session = Builder()
    session.prompt("u0", None, "set up the store")
    options = [
        {"label": "Postgres", "description": "the one in production"},
        {"label": "SQLite", "description": ""},
    ]
    question = {"question": "Which database?", "header": "DB", "options": options}
    session.call("a1", "u0", "toolu_01Q", name="AskUserQuestion", questions=[question])
    session.result("r1", "a1", "toolu_01Q", "User has answered: Postgres")
    path = tmp_path / "asks.jsonl"
    path.write_bytes(session.data())
    lines = _rendered(tmp_path, path)
    assert _under(lines, "#2  tool  AskUserQuestion")[:3] == [
        "    asks: Which database?",
        "      - Postgres — the one in production",
        "      - SQLite",
    ]
    assert not any(line.startswith("    questions:") for line in lines)


def test_neovim_view_names_an_abandoned_branch_and_heads_it_with_where_it_left(
    tmp_path: Path,
) -> None:
    session = rewound()
    path = tmp_path / "rewound.jsonl"
    path.write_bytes(session.data())
    assert "1 abandoned branch (:SessionHistory N)" in _rendered(tmp_path, path)[:6]
    branch = _rendered(tmp_path, path, "--segment", "1")
    assert "segment 1 of 2: an abandoned branch off line 2, which a resume leaves out" in branch[:5]
    assert any(line.strip() == "Regexes are in." for line in branch)


def test_neovim_k_shows_the_item_under_the_cursor_whole(tmp_path: Path) -> None:
    session = tmp_path / SOUND_RECORDER.name
    aged_copy(SOUND_RECORDER, session)
    item_file = tmp_path / "item.txt"
    run = run_neovim(
        "neovim_plugin_item.lua",
        tmp_path,
        SESSION_LSP_PLUGIN=str(REPO / "editors" / "nvim"),
        SESSION_FILE=str(session),
        ITEM_NUMBER="24",
        ITEM_FILE=str(item_file),
    )
    assert_passed(run)
    lines = item_file.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("#24  tool  Write  [answered]")
    # The view cuts the diff of CLAUDE.md (107 lines) at 4,000 characters; K has it all.
    assert lines[-2:] == [
        "    +- Monitor worker messages for processing errors",
        "    result: File created successfully at: /Users/dain/workspace/JSSoundRecorder/CLAUDE.md",
    ]
    assert not any("cut here" in line for line in lines)


def test_neovim_view_shows_a_calls_input_by_its_fields_not_as_json(tmp_path: Path) -> None:
    lines = _rendered(tmp_path, SOUND_RECORDER)
    assert _under(lines, "#5  tool  Bash")[0] == "    $ ls -la"
    assert _under(lines, "#77  tool  Grep")[:3] == [
        "    output_mode: content",
        "    path: app/js",
        "    pattern: webkitAudioContext|mozAudioContext|webkitURL|mozURL",
    ]
    assert not any(line.startswith("    input: {") for line in lines)


def test_neovim_session_history_shows_the_part_before_a_compaction(tmp_path: Path) -> None:
    session = tmp_path / COMPACTED_2_0.name
    aged_copy(COMPACTED_2_0, session)
    lines_file, item_file = tmp_path / "history.txt", tmp_path / "item.txt"
    run = run_neovim(
        "neovim_plugin_item.lua",
        tmp_path,
        SESSION_LSP_PLUGIN=str(REPO / "editors" / "nvim"),
        SESSION_FILE=str(session),
        HISTORY_SEGMENT="1",
        ITEM_NUMBER="3",
        VIEW_FILE=str(lines_file),
        ITEM_FILE=str(item_file),
    )
    assert_passed(run)
    lines = lines_file.read_text(encoding="utf-8").splitlines()
    assert "segment 1 of 2: history before compaction 1" in lines[:5]
    assert "plan (item 31): 3 of 7 done" in lines[:8], "the plan is in this part"
    assert "off by one column" in _under(lines, "#3  prompt")[0]
    item = item_file.read_text(encoding="utf-8").splitlines()
    assert item[0].startswith("#3  prompt  (line 7)") and "off by one column" in item[1]


def test_neovim_view_says_what_a_codex_poll_waits_on_and_types(tmp_path: Path) -> None:
    rollout = tmp_path / CODEMIE_ROLLOUT.name
    aged_copy(CODEMIE_ROLLOUT, rollout)
    lines = _rendered(tmp_path, rollout)
    assert _under(lines, "#12  tool  write_stdin")[0].startswith(
        "    types ^C into the command of item 9: $ sed -n '1,220p' "
    )
    assert _under(lines, "#10  tool  write_stdin")[0].startswith(
        "    waits on the command of item 9: $ sed -n '1,220p' "
    )


def _searched(
    tmp_path: Path, transcript: bytes, query: str, wanted: str
) -> tuple[list[str], str, list[str]]:
    """:SessionSearch over a projects root holding `transcript`, the match labelled `wanted`
    chosen: every label, the line under the cursor in the view it opened, and the view's lines."""
    session = tmp_path / "projects" / "-work-app" / "0f2c9d4e-2b1a-4c11-9a6e-5d1f3c2b7a10.jsonl"
    session.parent.mkdir(parents=True)
    session.write_bytes(transcript)
    age(session)  # not a live session
    labels_file, view_file = tmp_path / "labels.txt", tmp_path / "view.txt"
    run = run_neovim(
        "neovim_plugin_search.lua",
        tmp_path,
        SESSION_LSP_PLUGIN=str(REPO / "editors" / "nvim"),
        PROJECTS_ROOT=str(tmp_path / "projects"),
        QUERY=query,
        WANTED=wanted,
        LABELS_FILE=str(labels_file),
        VIEW_FILE=str(view_file),
    )
    assert_passed(run)
    cursor_line, *view = view_file.read_text(encoding="utf-8").splitlines()
    return labels_file.read_text(encoding="utf-8").splitlines(), cursor_line, view


def test_neovim_session_search_opens_the_match_chosen_in_its_part_of_the_history(
    tmp_path: Path,
) -> None:
    wanted = "before compaction 1 · item 3 · text"
    labels, cursor_line, view = _searched(
        tmp_path, COMPACTED_2_0.read_bytes(), "off by one column", wanted
    )
    assert all("off by one column" in label.lower() for label in labels)
    assert "segment 1 of 2: history before compaction 1" in view[:5]
    assert cursor_line.startswith("#3  prompt"), cursor_line


def test_neovim_session_search_opens_a_match_in_an_abandoned_branch_in_that_branch(
    tmp_path: Path,
) -> None:
    wanted = "part 1, an abandoned branch · item 1 · text"
    _, cursor_line, view = _searched(tmp_path, rewound().data(), "with regexes", wanted)
    assert "segment 1 of 2: an abandoned branch off line 2, which a resume leaves out" in view[:5]
    assert cursor_line.startswith("#1  prompt"), cursor_line


def test_neovim_views_and_fix_find_their_buffers_by_exact_name(tmp_path: Path) -> None:
    """bufnr() matches part of a name: `s.jsonl` found `s.jsonl.bak`, a view its `#part-1`."""
    compacted = aged_copy(COMPACTED_2_0, tmp_path / COMPACTED_2_0.name)
    session = _damaged(tmp_path / "s.jsonl")
    backup = aged_copy(SHORT, tmp_path / "s.jsonl.bak")
    original = session.read_bytes()
    body = """
  local compacted, session, backup = os.getenv("COMPACTED"), os.getenv("SESSION"), os.getenv("BACKUP")
  -- :SessionShow, :SessionHistory 1, q on the view, :SessionShow: the view in a buffer of its own.
  local view = shown(function(done) plugin.show(compacted, done) end)
  local part = shown(function(done) plugin.history("1", done) end)
  vim.api.nvim_set_current_buf(view)
  vim.cmd("bwipeout")
  local again = shown(function(done) plugin.show(compacted, done) end)
  check(again ~= part and vim.api.nvim_buf_get_name(again) == "session-lsp://" .. compacted,
        "the view is drawn in its own buffer", vim.api.nvim_buf_get_name(again))
  check(vim.tbl_contains(lines(part), "segment 1 of 2: history before compaction 1"),
        "the history's view still shows the history", lines(part))

  -- s.jsonl.bak's view is not s.jsonl's.
  local backup_view = shown(function(done) plugin.show(backup, done) end)
  local session_view = shown(function(done) plugin.show(session, done) end)
  check(session_view ~= backup_view and vim.api.nvim_buf_get_name(session_view) == "session-lsp://" .. session,
        "s.jsonl has a view of its own", vim.api.nvim_buf_get_name(session_view))
  check(lines(backup_view)[2]:find(backup .. "  |", 1, true) == 1, "the backup's view is the backup's",
        lines(backup_view)[2])

  -- An unsaved change to s.jsonl.bak does not hold back the repair of s.jsonl.
  vim.cmd("edit " .. vim.fn.fnameescape(backup))
  vim.api.nvim_buf_set_lines(0, 0, 0, false, { "an unsaved line" })
  local fixed, before = nil, #notes
  plugin.fix("stub", session, function(result) fixed = result end)
  -- A refusal is only a note.
  check(vim.wait(timeout, function() return fixed ~= nil or #notes > before end), ":SessionFix never answered", nil)
  check(fixed and fixed.changed, "s.jsonl was repaired", notes)
  check(vim.bo.modified and lines(0)[1] == "an unsaved line", "the backup's buffer kept its change", nil)
"""
    _run_plugin_script(
        tmp_path,
        body,
        COMPACTED=str(compacted),
        SESSION=str(session),
        BACKUP=str(backup),
    )
    assert session.read_bytes().startswith(original)
    assert_checks_clean(session)


def test_neovim_commands_arriving_while_the_server_starts_share_it(tmp_path: Path) -> None:
    """On 0.7 get_active_clients() does not list a client still initializing."""
    long = aged_copy(SOUND_RECORDER, tmp_path / SOUND_RECORDER.name)
    short = aged_copy(SHORT, tmp_path / SHORT.name)
    body = """
  local long, short = os.getenv("LONG"), os.getenv("SHORT")
  plugin.show(long)
  plugin.show(short)
  local function drawn(path)
    local buf = named("session-lsp://" .. path)
    return buf and #lines(buf) > 1
  end
  check(vim.wait(timeout, function() return drawn(long) and drawn(short) end), "both views drawn", notes)
  local clients = vim.lsp.get_clients and vim.lsp.get_clients() or vim.lsp.get_active_clients()
  check(#clients == 1, "one server", vim.tbl_map(function(client) return client.name end, clients))
  check(vim.api.nvim_buf_get_name(0) == "session-lsp://" .. short, "the view asked for last is in front",
        vim.api.nvim_buf_get_name(0))
"""
    _run_plugin_script(tmp_path, body, LONG=str(long), SHORT=str(short))


def test_neovim_enter_in_a_view_of_a_file_since_shortened_goes_to_its_last_line(
    tmp_path: Path,
) -> None:
    session = _damaged(tmp_path / DAMAGED.name)
    body = """
  local session = os.getenv("SESSION")
  shown(function(done) plugin.show(session, done) end)
  vim.fn.writefile(vim.fn.readfile(session, "", 5), session)
  vim.cmd("normal! G")
  local ok, err = pcall(plugin.jump_to_raw)
  check(ok, "<CR> raised", err)
  check(vim.api.nvim_buf_get_name(0) == session, "<CR> opened the raw file", vim.api.nvim_buf_get_name(0))
  check(vim.api.nvim_win_get_cursor(0)[1] == 5, "on the file's last line", vim.api.nvim_win_get_cursor(0))
  local note = noted("the view is out of date")
  check(note and note.level == vim.log.levels.WARN, "the user is told the view is stale", notes)
"""
    _run_plugin_script(tmp_path, body, SESSION=str(session))


def test_neovim_session_fix_takes_a_path_alone_and_a_path_with_spaces(tmp_path: Path) -> None:
    plain = _damaged(tmp_path / "plain.jsonl")
    spaced = _damaged(tmp_path / "sp ace" / "s.jsonl")
    spaced_alone = _damaged(tmp_path / "sp ace" / "t.jsonl")
    body = """
  for number, words in ipairs({ os.getenv("PLAIN"), "stub " .. os.getenv("SPACED"), os.getenv("SPACED_ALONE") }) do
    vim.cmd("SessionFix " .. words)
    check(vim.wait(timeout, function() return #notes >= number end), ":SessionFix never answered", words)
    local message = notes[number].message
    check(message:find("Fix all (stub): 1 problem (backup: ", 1, true), ":SessionFix " .. words, message)
  end
"""
    _run_plugin_script(
        tmp_path,
        body,
        PLAIN=str(plain),
        SPACED=str(spaced),
        SPACED_ALONE=str(spaced_alone),
    )
    _assert_repaired(plain, spaced, spaced_alone)


def _assert_repaired(*sessions: Path) -> None:
    """Each repaired in place, with its backup beside it."""
    for session in sessions:
        assert list(session.parent.glob(f"{session.name}.*.bak")), session
        assert_checks_clean(session)


def test_neovim_session_history_says_which_parts_there_are_counted_from_1(tmp_path: Path) -> None:
    plain = aged_copy(SOUND_RECORDER, tmp_path / SOUND_RECORDER.name)
    compacted = aged_copy(COMPACTED_2_0, tmp_path / COMPACTED_2_0.name)
    branched = aged_copy(SHORT, tmp_path / SHORT.name)  # a tail a resume leaves out
    body = """
  local plain, compacted, branched = os.getenv("PLAIN"), os.getenv("COMPACTED"), os.getenv("BRANCHED")
  local function history(path, number)
    vim.cmd("edit " .. vim.fn.fnameescape(path))
    local before, view = #notes, nil
    plugin.history(number, function(buf) view = buf end)
    check(vim.wait(timeout, function() return #notes > before or view ~= nil end), "no answer", path)
    check(view == nil and #notes == before + 1, "no view opens", vim.tbl_map(vim.api.nvim_buf_get_name, vim.api.nvim_list_bufs()))
    check(named("session-lsp://" .. path .. "#part-" .. number) == nil, "no view opens", number)
    return notes[#notes].message
  end
  local message = history(plain, "1")
  check(message == "session-lsp: no history before a compaction: the session was never compacted", "no compaction", message)
  message = history(compacted, "2")
  check(message == "session-lsp: no part 2: the session has 1 earlier part before compaction (:SessionHistory 1)",
        "the parts there are, counted from 1", message)
  message = history(branched, "2")
  check(message == "session-lsp: no part 2: the session has 1 abandoned branch (:SessionHistory 1)",
        "a branch is a part", message)
"""
    _run_plugin_script(
        tmp_path, body, PLAIN=str(plain), COMPACTED=str(compacted), BRANCHED=str(branched)
    )


def test_neovim_says_at_once_that_the_server_exited_at_startup(tmp_path: Path) -> None:
    """Not after start_timeout (here ten minutes, far beyond the script's wait)."""
    session = aged_copy(SHORT, tmp_path / SHORT.name)
    body = """
  plugin.setup({ cmd = { server[1], "-c", "import sys; sys.exit(3)" }, start_timeout = 600000 })
  vim.cmd("SessionShow " .. vim.fn.fnameescape(os.getenv("SESSION")))
  local function said()
    for _, note in ipairs(notes) do
      if note.message:find("^session%-lsp: .*exit code 3") then return note end
    end
    return nil
  end
  check(vim.wait(timeout, function() return said() ~= nil end), "the exit was not reported", notes)
  check(said().level == vim.log.levels.ERROR, "reported as an error", notes)
"""
    _run_plugin_script(tmp_path, body, SESSION=str(session))


def test_neovim_view_shows_a_codex_plans_explanation_above_its_checklist(tmp_path: Path) -> None:
    rollout = aged_copy(CODEMIE_ROLLOUT, tmp_path / CODEMIE_ROLLOUT.name)
    lines = _rendered(tmp_path, rollout)
    plan = _under(lines, "#93  tool  update_plan")
    call = json.loads(rollout.read_text(encoding="utf-8").splitlines()[240])["payload"]
    assert plan[0] == "    " + json.loads(call["arguments"])["explanation"]
    assert plan[1:4] == [
        "    [>] Add failing tests for default compaction threshold in generated OpenCode env config",
        "    [ ] Set default compaction threshold to 90% in generated OPENCODE_CONFIG_CONTENT paths",
        "    [ ] Run focused verification",
    ]


def test_neovim_view_labels_only_the_first_line_of_a_command_and_of_a_result(
    tmp_path: Path,
) -> None:
    lines = _rendered(tmp_path, MULTI_LINE_COMMAND)
    call = lines.index(next(line for line in lines if line.startswith("#21  tool  Bash")))
    assert lines[call + 1 : call + 3] == [
        "    $ git commit -m \"$(cat <<'EOF'",
        "      docs: reorganize documentation and add CONTRIBUTING.md",
    ]
    result = lines.index(
        "    result: [master 17015f9] docs: reorganize documentation and add CONTRIBUTING.md"
    )
    assert lines[result - 2 : result] == [
        '      )"',
        "    description: Commit documentation changes",
    ]
    assert lines[result + 1] == "             7 files changed, 142 insertions(+), 65 deletions(-)"
    item = lines[call : result + 4]
    assert sum(line.startswith("    $ ") for line in item) == 1
    assert sum(line.startswith("    result: ") for line in item) == 1


def test_neovim_session_fix_keeps_the_spacing_of_a_path(tmp_path: Path) -> None:
    """`:SessionFix stub /tmp/a  b.jsonl` rebuilt the path from its words with one space."""
    folder = tmp_path / "two  spaces"
    after_strategy = _damaged(folder / "s.jsonl")
    alone = _damaged(folder / "t  u.jsonl")
    escaped = _damaged(folder / "v.jsonl")
    body = """
  local commands = {
    "stub " .. os.getenv("AFTER_STRATEGY"),
    os.getenv("ALONE") .. "  ",
    "stub   " .. vim.fn.fnameescape(os.getenv("ESCAPED")),
  }
  for number, command in ipairs(commands) do
    vim.cmd("SessionFix " .. command)
    check(vim.wait(timeout, function() return #notes >= number end), ":SessionFix never answered", command)
    local message = notes[number].message
    check(message:find("Fix all (stub): 1 problem (backup: ", 1, true), ":SessionFix " .. command, message)
  end
  -- Only a leading strategy word is taken off; an escaped space at the end is the path's.
  local strategy, path = plugin.fix_arguments("  purge  /a  b\\\\ \\\\  ")
  check(strategy == "purge" and path == "/a  b  ", "purge and the path as typed", { strategy, path })
  strategy, path = plugin.fix_arguments("stubs  /x")
  check(strategy == nil and path == "stubs  /x", "no strategy: all of it is the path", { strategy, path })
"""
    _run_plugin_script(
        tmp_path,
        body,
        AFTER_STRATEGY=str(after_strategy),
        ALONE=str(alone),
        ESCAPED=str(escaped),
    )
    _assert_repaired(after_strategy, alone, escaped)


_SEARCH = """
  local root = os.getenv("PROJECTS_ROOT")
  -- :SessionSearch's picker answered as a user would: what it offered, and the first entry whose
  -- label starts with `wanted` chosen; then the view it opened (its name, the cursor's line).
  local function search(query, wanted, out)
    local labels, view, before = nil, nil, #notes
    vim.ui.select = function(items, options, on_choice)
      labels = vim.tbl_map(options.format_item, items)
      for index, label in ipairs(labels) do
        if label:find(wanted, 1, true) == 1 then return on_choice(items[index]) end
      end
      fail("no entry starts with " .. wanted .. ": " .. vim.inspect(labels))
    end
    plugin.search(query, root, function(buf) view = buf end)
    check(vim.wait(timeout, function() return view ~= nil or #notes > before end), "no answer", query)
    check(view ~= nil and #notes == before, "the match chosen opened", notes)
    vim.fn.writefile(labels, os.getenv("LABELS_" .. out))
    vim.fn.writefile({ vim.api.nvim_buf_get_name(view), vim.api.nvim_get_current_line() }, os.getenv("VIEW_" .. out))
  end
"""


def _worktrees_tree(tmp_path: Path) -> tuple[Path, Path]:
    """A projects folder holding the Worktrees session and its sub-agents' transcripts, aged: the
    projects folder, and the session's folder of sub-agents."""
    projects = tmp_path / "projects"
    folder = projects / "-experiments-worktrees"
    agents = folder / WORKTREES.stem / "subagents"
    agents.mkdir(parents=True)
    aged_copy(WORKTREES, folder / WORKTREES.name)
    for source in (WORKTREES.parent / WORKTREES.stem / "subagents").iterdir():
        aged_copy(source, agents / source.name)
    return projects, agents


def _search_outputs(tmp_path: Path, *names: str) -> dict[str, str]:
    return {
        f"{kind}_{name}": str(tmp_path / f"{kind.lower()}-{name.lower()}.txt")
        for name in names
        for kind in ("LABELS", "VIEW")
    }


def _read_lines(tmp_path: Path, kind: str, name: str) -> list[str]:
    return (tmp_path / f"{kind}-{name}.txt").read_text(encoding="utf-8").splitlines()


def test_neovim_session_search_lists_and_opens_the_matches_of_sub_agents(tmp_path: Path) -> None:
    """`orchestration` is only in the Worktrees session's sub-agents' transcripts."""
    projects, agents = _worktrees_tree(tmp_path)
    plan_mode = agents / "agent-a4ca7529859c158c2.jsonl"
    body = (
        _SEARCH
        + """
  search("orchestration", "sub-agent (Research Claude Code plan mode) · item 18 · input — ", "FOUND")
  check(noted("no session mentions") == nil, "the session's sub-agents mention it", notes)
  -- A sub-agent without a title is named by its file.
  local label = plugin.format_match({
    session = { path = "/p/s.jsonl", sessionId = "s", title = "The session", segments = 1, hits = {} },
    found = { path = "/p/s/subagents/agent-x.jsonl", sessionId = "s", segments = 1, hits = {} },
    agent = true,
    hit = { segment = 0, index = 2, line = 4, field = "text", snippet = "an orchestration" },
  })
  check(label == "sub-agent (agent-x.jsonl) · item 3 · text — The session: an orchestration",
        "the sub-agent's file name", label)
  -- Found nowhere, sub-agents included: said so.
  local before = #notes
  vim.ui.select = function() fail("nothing to pick") end
  plugin.search("zq-nowhere-qz", root)
  check(vim.wait(timeout, function() return #notes > before end), "no answer", nil)
  check(notes[#notes].message == 'session-lsp: no session mentions "zq-nowhere-qz"', "none found", notes)
"""
    )
    env = _search_outputs(tmp_path, "FOUND")
    _run_plugin_script(
        tmp_path, body, PROJECTS_ROOT=str(projects), CODEX_HOME=str(tmp_path / "codex"), **env
    )
    labels = _read_lines(tmp_path, "labels", "found")
    assert len(labels) == 8, labels
    assert all(label.startswith("sub-agent (") for label in labels), labels
    assert all("— OK, we're going to make a little experiment" in label for label in labels)
    assert (
        sum(label.startswith("sub-agent (Round 2: alice comparison) · ") for label in labels) == 3
    )
    assert labels[3].startswith("sub-agent (Research Claude Code plan mode) · item 5 · result — ")
    name, cursor_line = _read_lines(tmp_path, "view", "found")
    assert name == f"session-lsp://{plan_mode}"
    assert cursor_line.startswith("#18  "), cursor_line


def test_neovim_session_search_says_a_transcript_has_more_matches_than_listed(
    tmp_path: Path,
) -> None:
    """`alice`: more than the 10 matches the server sends of the session and of alice's
    sub-agent, exactly 10 in the plan mode sub-agent's."""
    projects, agents = _worktrees_tree(tmp_path)
    session = projects / "-experiments-worktrees" / WORKTREES.name
    body = (
        _SEARCH
        + """
  search("alice", "… more matches in this session, past the 10 shown — ", "SESSION")
  search("alice", "sub-agent (Round 2: alice comparison) · … more matches in this sub-agent", "AGENT")
"""
    )
    env = _search_outputs(tmp_path, "SESSION", "AGENT")
    _run_plugin_script(
        tmp_path, body, PROJECTS_ROOT=str(projects), CODEX_HOME=str(tmp_path / "codex"), **env
    )
    labels = _read_lines(tmp_path, "labels", "session")
    assert labels[10].startswith("… more matches in this session, past the 10 shown — OK, we're")
    alice = [label for label in labels if label.startswith("sub-agent (Round 2: alice comparison)")]
    assert len(alice) == 11 and "… more matches in this sub-agent, past the 10 shown" in alice[-1]
    plan_mode = [
        label for label in labels if label.startswith("sub-agent (Research Claude Code plan")
    ]
    assert len(plan_mode) == 10 and not any("more matches" in label for label in plan_mode)
    assert sum("more matches" in label for label in labels) == 2, labels
    # Each opens its transcript at its last match listed.
    name, cursor_line = _read_lines(tmp_path, "view", "session")
    assert name == f"session-lsp://{session}"
    assert cursor_line.startswith("#17  "), cursor_line
    name, cursor_line = _read_lines(tmp_path, "view", "agent")
    assert name == f"session-lsp://{agents / 'agent-a36efb2a1231c41e2.jsonl'}"
    assert cursor_line.startswith("#5  "), cursor_line
