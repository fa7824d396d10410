"""The Neovim plugin in editors/nvim: :SessionList, :SessionShow and :SessionFix in real Neovim."""

from __future__ import annotations

import json
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
from tests.sessions.tree import place_rollout
from tests.support.cli import run_cli
from tests.support.corpus import (
    CODEMIE_ROLLOUT,
    COMPACTED_2_0,
    COMPACTED_ROLLOUT,
    SOUND_RECORDER,
    WORKTREES,
)
from tests.support.files import age, aged_copy

SESSION_ID = "5b0c3f6e-8f1e-4c51-9d0a-2f4c1b7e9a10"


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


def _rendered(tmp_path: Path, session: Path) -> list[str]:
    """The plugin's view of `session`, drawn from the server's conversation answer."""
    page = run_cli("show", "--format", "json", str(session))
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
    assert (
        f"sub-agents (6 files): {tokens_in:,} in ({used['cacheRead']:,} cached)"
        f" · {used['output']:,} out"
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


def test_neovim_view_says_how_to_reach_the_history_before_a_compaction(tmp_path: Path) -> None:
    lines = _rendered(tmp_path, COMPACTED_2_0)
    assert "1 earlier part before compaction (:SessionHistory N)" in lines[:6]
    assert "plan (segment 1, item 31): 3 of 7 done" in lines[:7]


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
    bash = lines.index(next(line for line in lines if line.startswith("#5  tool  Bash")))
    assert lines[bash + 1] == "    $ ls -la"
    grep = lines.index(next(line for line in lines if line.startswith("#77  tool  Grep")))
    assert lines[grep + 1 : grep + 4] == [
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
    prompt = lines.index(next(line for line in lines if line.startswith("#3  prompt")))
    assert "off by one column" in lines[prompt + 1]
    item = item_file.read_text(encoding="utf-8").splitlines()
    assert item[0].startswith("#3  prompt  (line 7)") and "off by one column" in item[1]


def test_neovim_view_says_what_a_codex_poll_waits_on_and_types(tmp_path: Path) -> None:
    rollout = tmp_path / CODEMIE_ROLLOUT.name
    aged_copy(CODEMIE_ROLLOUT, rollout)
    lines = _rendered(tmp_path, rollout)
    ctrl_c = lines.index(next(line for line in lines if line.startswith("#12  tool  write_stdin")))
    assert lines[ctrl_c + 1].startswith(
        "    types ^C into the command of item 9: $ sed -n '1,220p' "
    )
    poll = lines.index(next(line for line in lines if line.startswith("#10  tool  write_stdin")))
    assert lines[poll + 1].startswith("    waits on the command of item 9: $ sed -n '1,220p' ")


def test_neovim_session_search_opens_the_match_chosen_in_its_part_of_the_history(
    tmp_path: Path,
) -> None:
    projects = tmp_path / "projects"
    session = projects / "-work-app" / COMPACTED_2_0.name
    session.parent.mkdir(parents=True)
    aged_copy(COMPACTED_2_0, session)
    labels_file, view_file = tmp_path / "labels.txt", tmp_path / "view.txt"
    run = run_neovim(
        "neovim_plugin_search.lua",
        tmp_path,
        SESSION_LSP_PLUGIN=str(REPO / "editors" / "nvim"),
        PROJECTS_ROOT=str(projects),
        QUERY="off by one column",
        WANTED="before compaction 1 · item 3 · text",
        LABELS_FILE=str(labels_file),
        VIEW_FILE=str(view_file),
    )
    assert_passed(run)
    labels = labels_file.read_text(encoding="utf-8").splitlines()
    assert all("off by one column" in label.lower() for label in labels)
    cursor_line, *view = view_file.read_text(encoding="utf-8").splitlines()
    assert "segment 1 of 2: history before compaction 1" in view[:5]
    assert cursor_line.startswith("#3  prompt"), cursor_line
