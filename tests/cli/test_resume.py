"""`session-lsp resume`: explain, repair, then exec claude; every refusal starts and writes nothing.

A fake `claude` on PATH records its arguments, its process id (the same as session-lsp's when it
was exec'd), its directory, and whether the session it was asked to resume was clean at the
moment it started.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from session_lsp.cli.resume import CHOICE_HELP, explain
from session_lsp.core.analysis import analyse_bytes
from session_lsp.core.formats import CLAUDE_CODE
from session_lsp.sessions.metadata import SessionMetadata, read_metadata
from tests.core.test_deep_nesting import deeply_nested_session
from tests.sessions.tree import (
    CLEAN,
    DAMAGED,
    LIVE,
    UNREADABLE,
    ProjectsTree,
    run_in_tree,
    snapshot,
)
from tests.support.cli import EXAMPLE
from tests.support.corpus import DANGLING_END_ROLLOUT, DANGLING_MID_ROLLOUT
from tests.support.fake_claude import Claude


def _resume(
    tree: ProjectsTree, claude: Claude, *arguments: str, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return run_in_tree(tree, "resume", *arguments, cwd=cwd, path=claude.path)


def _is_clean(path: Path) -> bool:
    return analyse_bytes(path.read_bytes()).error_count == 0


def test_yes_repairs_then_execs_claude_with_the_id_and_extra_arguments(
    tree: ProjectsTree, claude: Claude
) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "session_lsp", "resume", DAMAGED[:8], "--yes", "--", "-p", "hi"],
        cwd=tree.work,
        env={**tree.env, "PATH": claude.path},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    stdout, stderr = process.communicate()
    assert process.returncode == 0, stderr
    (call,) = claude.calls()
    assert call["argv"] == ["--resume", DAMAGED, "-p", "hi"]
    assert call["clean"] is True
    assert call["pid"] == process.pid  # exec: claude replaced session-lsp
    assert "Interrupted: Bash " in stdout
    assert "Repaired: Fix all (stub)" in stdout
    assert list(tree.folder.glob(f"{DAMAGED}.jsonl.*.bak"))


def test_last_resumes_what_claude_continue_would_pick(tree: ProjectsTree, claude: Claude) -> None:
    tree.session(LIVE).unlink()
    result = _resume(tree, claude, "--last", "--yes")
    assert result.returncode == 0, result.stderr
    assert [call["argv"] for call in claude.calls()] == [["--resume", DAMAGED]]
    assert claude.calls()[0]["clean"] is True


@pytest.mark.parametrize("strategy", ["stub", "purge", "truncate"])
def test_each_in_place_strategy_leaves_a_clean_session_before_claude_starts(
    tree: ProjectsTree, claude: Claude, strategy: str
) -> None:
    result = _resume(tree, claude, DAMAGED, "--yes", "--strategy", strategy)
    assert result.returncode == 0, result.stderr
    assert [call["clean"] for call in claude.calls()] == [True]
    assert _is_clean(tree.session(DAMAGED))


def test_fork_resumes_the_new_session_and_keeps_the_original(
    tree: ProjectsTree, claude: Claude
) -> None:
    original = tree.session(DAMAGED).read_bytes()
    result = _resume(tree, claude, DAMAGED, "--yes", "--strategy", "fork")
    assert result.returncode == 0, result.stderr
    assert tree.session(DAMAGED).read_bytes() == original
    (call,) = claude.calls()
    argv = call["argv"]
    assert isinstance(argv, list)
    fork_id = argv[1]
    assert fork_id != DAMAGED
    assert call["clean"] is True
    assert _is_clean(tree.folder / f"{fork_id}.jsonl")


def test_a_clean_session_is_resumed_without_any_change(tree: ProjectsTree, claude: Claude) -> None:
    before = snapshot(tree.home / ".claude")
    result = _resume(tree, claude, CLEAN, "--", "--verbose")
    assert result.returncode == 0, result.stderr
    assert snapshot(tree.home / ".claude") == before
    assert [call["argv"] for call in claude.calls()] == [["--resume", CLEAN, "--verbose"]]
    (said,) = result.stdout.splitlines()
    assert said.startswith(f"Starting claude ({claude.bin / 'claude'}) in {tree.work} (")


def _record_cwd(session: Path, cwd: str) -> None:
    """Make every line of `session` claim it was written in `cwd`, and leave it at rest."""
    recorded = b'"cwd":"/Users/User/repo/codemie-ai/codemie-code"'
    moved = json.dumps({"cwd": cwd}, separators=(",", ":"))[1:-1].encode()
    session.write_bytes(session.read_bytes().replace(recorded, moved))
    os.utime(session, (time.time() - 600,) * 2)


def test_claude_starts_in_the_session_s_project_directory(
    tree: ProjectsTree, claude: Claude, tmp_path: Path
) -> None:
    _record_cwd(tree.session(DAMAGED), str(tree.work))
    result = _resume(tree, claude, DAMAGED, "--yes", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert claude.calls()[0]["cwd"] == os.path.realpath(tree.work)
    assert (
        f"Starting claude ({claude.bin / 'claude'}) in {os.path.realpath(tree.work)}"
        " (the directory the session was started in)." in result.stdout
    )


def test_without_claude_on_path_the_command_is_printed_after_the_repair(
    tree: ProjectsTree, tmp_path: Path
) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    result = run_in_tree(tree, "resume", DAMAGED, "--yes", "--", "--model", "x y", path=str(empty))
    assert result.returncode == 0, result.stderr
    assert result.stdout.endswith(
        f"claude is not on PATH; to resume, run:\n  claude --resume {DAMAGED} --model 'x y'\n"
    )
    assert _is_clean(tree.session(DAMAGED))


def _broken_beyond_stub(tree: ProjectsTree) -> str:
    """A session with a line of garbage in the middle: no stub or purge repair clears that."""
    path = tree.session(CLEAN)
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join([*lines[:5], b"{garbage\n", *lines[5:]]))
    os.utime(path, (time.time() - 600,) * 2)
    return CLEAN


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ((DAMAGED,), "not a terminal, so no question can be asked"),
        (("0123abcd", "--yes"), "no session with this id"),
        ((DAMAGED[:4], "--yes"), "needs at least 8 characters"),
        ((UNREADABLE, "--yes"), "cannot read"),
        (("live", "--yes"), "may still be running this session"),
        (("beyond-stub", "--yes"), "the stub repair would leave 1 error"),
        (("beyond-stub", "--yes", "--strategy", "purge"), "the purge repair would leave"),
    ],
    ids=["no tty", "unknown id", "short prefix", "unreadable", "live", "stub fails", "purge fails"],
)
def test_every_refusal_execs_nothing_and_writes_nothing(
    tree: ProjectsTree, claude: Claude, arguments: tuple[str, ...], message: str
) -> None:
    if arguments[0] == "live":
        os.utime(tree.session(DAMAGED))
        arguments = (DAMAGED, *arguments[1:])
    if arguments[0] == "beyond-stub":
        arguments = (_broken_beyond_stub(tree), *arguments[1:])
    before = snapshot(tree.home)
    result = _resume(tree, claude, *arguments)
    assert result.returncode == 2
    assert message in result.stderr
    assert claude.calls() == []
    assert snapshot(tree.home) == before


def test_last_without_sessions_here_refuses(tree: ProjectsTree, claude: Claude) -> None:
    result = _resume(tree, claude, "--last", "--yes", cwd=tree.home)
    assert result.returncode == 2
    assert "no Claude Code sessions for" in result.stderr
    assert claude.calls() == []


def test_force_repairs_a_session_written_seconds_ago(tree: ProjectsTree, claude: Claude) -> None:
    os.utime(tree.session(DAMAGED))
    result = _resume(tree, claude, DAMAGED, "--yes", "--force")
    assert result.returncode == 0, result.stderr
    assert [call["clean"] for call in claude.calls()] == [True]


def test_last_refuses_a_live_session_and_without_a_tty_says_how_to_proceed(
    tree: ProjectsTree, claude: Claude
) -> None:
    result = _resume(tree, claude, "--last")
    assert result.returncode == 2  # the newest is still being written, clean or not
    assert "may still be running this session" in result.stderr
    tree.session(LIVE).unlink()
    result = _resume(tree, claude, "--last")
    assert result.returncode == 2
    assert (
        "session-lsp resume --last --yes --strategy stub (or purge, fork, truncate)"
        in result.stderr
    )


# --- the question, through a pseudo-terminal ---------------------------------------------------


def _interact(
    tree: ProjectsTree,
    claude: Claude,
    answers: list[bytes],
    before_answer: dict[int, Callable[[], None]] | None = None,
) -> tuple[int, str]:
    """Run `resume DAMAGED` on a pseudo-terminal, sending each answer after each question (and
    calling `before_answer[n]`, if any, just before the n-th answer)."""
    controller, terminal = os.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "session_lsp", "resume", DAMAGED],
        cwd=tree.work,
        env={**tree.env, "PATH": claude.path},
        stdin=terminal,
        stdout=terminal,
        stderr=terminal,
        start_new_session=True,
    )
    os.close(terminal)
    output = b""
    pending = list(answers)
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([controller], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(controller, 4096)
                except OSError:
                    break
                if not chunk:
                    break
                output += chunk
            questions = output.count(b"Repair and resume?") + output.count(b"[y/N]")
            if pending and questions > len(answers) - len(pending):
                hook = (before_answer or {}).get(len(answers) - len(pending))
                if hook is not None:
                    hook()
                os.write(controller, pending.pop(0))
            if not ready and process.poll() is not None:
                break
    finally:
        os.close(controller)
    return process.wait(timeout=30), output.decode(errors="replace").replace("\r\n", "\n")


@pytest.mark.parametrize(
    ("answer", "repaired"),
    [
        (b"\n", "Repaired: Fix all (stub)"),
        (b"s\n", "Repaired: Fix all (stub)"),
        (b"purge\n", "Repaired: Fix all (purge)"),
        ((b"t\n", b"y\n"), "Truncate: drops 2 of 25 lines"),
    ],
    ids=["enter takes stub", "s", "purge", "t"],
)
def test_an_answer_on_the_terminal_repairs_with_that_strategy(
    tree: ProjectsTree, claude: Claude, answer: bytes | tuple[bytes, ...], repaired: str
) -> None:
    status, output = _interact(
        tree, claude, list(answer) if isinstance(answer, tuple) else [answer]
    )
    assert status == 0, output
    assert "Choices:" in output
    assert "[S/p/f/t/a(bort)]" in output
    assert repaired in output
    (call,) = claude.calls()
    assert call["argv"] == ["--resume", DAMAGED]
    assert call["clean"] is True
    assert call["tty"] is True


def test_fork_on_the_terminal_resumes_the_fork(tree: ProjectsTree, claude: Claude) -> None:
    original = tree.session(DAMAGED).read_bytes()
    status, output = _interact(tree, claude, [b"f\n"])
    assert status == 0, output
    assert "Forked: " in output
    assert tree.session(DAMAGED).read_bytes() == original
    (call,) = claude.calls()
    assert call["argv"] != ["--resume", DAMAGED]
    assert call["clean"] is True


def test_an_unknown_answer_asks_again(tree: ProjectsTree, claude: Claude) -> None:
    status, output = _interact(tree, claude, [b"maybe\n", b"s\n"])
    assert status == 0, output
    assert "Please answer one of: stub, purge, fork, truncate, abort." in output
    assert len(claude.calls()) == 1


@pytest.mark.parametrize("answer", [b"a\n", b"\x04"], ids=["abort", "end of input"])
def test_abort_or_end_of_input_changes_nothing_and_starts_nothing(
    tree: ProjectsTree, claude: Claude, answer: bytes
) -> None:
    before = snapshot(tree.home)
    status, output = _interact(tree, claude, [answer])
    assert status == 1, output
    assert "Aborted: nothing changed." in output
    assert claude.calls() == []
    assert snapshot(tree.home) == before


def test_the_explanation_names_the_call_its_input_its_time_and_what_follows() -> None:
    data = EXAMPLE.read_bytes()
    lines = explain(EXAMPLE, analyse_bytes(data), read_metadata(data, EXAMPLE.stem))
    assert lines[0] == "Session interrupted-parallel-tools (create the beads)"
    assert 'Interrupted: WebSearch {"query": "dialyxir igniter install elixir"}' in lines
    assert "  line 11, 2026-02-10 21:54:59 UTC; no result was recorded;" in lines
    assert (
        "  followed by 81 lines: first another tool call (WebSearch),"
        " last a progress line 2026-02-10 22:03:51 UTC"
    ) in lines
    assert any(" error truncated-line " in line for line in lines)
    assert CLAUDE_CODE.without_repair in lines
    assert lines[-5:] == [f"  {choice:<9} {text}" for choice, text in CHOICE_HELP.items()] + [
        "  abort     change nothing"
    ]


def test_a_codex_rollout_is_explained_as_codex_resumes_it_and_offers_no_fork() -> None:
    """Codex answers an unfinished call itself, in memory; Claude Code's 400 is not what happens,
    and a rollout cannot be forked (its id is in its name and its first line)."""
    data = DANGLING_END_ROLLOUT.read_bytes()
    lines = explain(DANGLING_END_ROLLOUT, analyse_bytes(data), SessionMetadata())
    assert any('answers the unfinished call with "aborted" in memory' in line for line in lines)
    assert not any("Claude Code" in line for line in lines)
    offered = [line.split()[0] for line in lines[lines.index("Choices:") + 1 :]]
    assert offered == ["stub", "purge", "truncate", "abort"]


def test_a_codex_call_cut_off_mid_rollout_is_explained_with_its_time_and_what_followed() -> None:
    """A rollout's lines carry no uuid: what followed the call used to read as nothing (the
    session stopping there), and the call's time is read from its line."""
    data = DANGLING_MID_ROLLOUT.read_bytes()
    lines = explain(DANGLING_MID_ROLLOUT, analyse_bytes(data), SessionMetadata())
    call = next(index for index, line in enumerate(lines) if line.startswith("Interrupted: "))
    records = [json.loads(line) for line in data.splitlines() if line.strip()]
    line_number = int(lines[call + 1].split()[1].rstrip(","))
    stamp = records[line_number - 1]["timestamp"]
    assert lines[call + 1].startswith(f"  line {line_number}, {stamp[:10]} {stamp[11:19]} UTC;")
    last = records[-1]["timestamp"]
    assert lines[call + 2] == (
        f"  followed by {len(records) - line_number} lines, the last {last[:10]} {last[11:19]} UTC"
    )


def test_an_id_and_last_together_are_a_usage_error(tree: ProjectsTree, claude: Claude) -> None:
    result = _resume(tree, claude, DAMAGED, "--last", "--yes")
    assert result.returncode == 2
    assert "give either ID or --last, not both" in result.stderr
    assert claude.calls() == []


def test_arguments_after_the_separator_reach_claude_verbatim_and_no_shell(
    tree: ProjectsTree, claude: Claude
) -> None:
    hostile = ["; touch pwned", "$(touch pwned)", "--resume", "other", "", "-"]
    result = _resume(tree, claude, CLEAN, "--yes", "--", *hostile, cwd=tree.work)
    assert result.returncode == 0, result.stderr
    (call,) = claude.calls()
    assert call["argv"] == ["--resume", CLEAN, *hostile]
    assert not list(tree.home.rglob("pwned")) and not (tree.work / "pwned").exists()


def test_a_name_with_dot_dot_a_folder_or_a_fifo_is_refused_before_anything_runs(
    tree: ProjectsTree, claude: Claude, tmp_path: Path
) -> None:
    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)
    cases = {
        "../" + DAMAGED[:8]: "no such file, folder or session id",
        DAMAGED[:8] + "/..": "no such file, folder or session id",
        str(tree.folder): "is a folder",
        str(fifo): "not a regular file (a FIFO)",
    }
    before = snapshot(tree.home)
    for name, message in cases.items():
        result = _resume(tree, claude, name, "--yes", cwd=tree.work)
        assert result.returncode == 2 and message in result.stderr, (name, result.stderr)
        assert "Traceback" not in result.stderr
    assert claude.calls() == []
    assert snapshot(tree.home) == before


def test_the_explanation_names_a_call_whose_input_nests_deeper_than_python_s_limit() -> None:
    data = deeply_nested_session(5_000)
    lines = explain(Path("deep.jsonl"), analyse_bytes(data), read_metadata(data, "deep"))
    assert lines[0] == "Session deep (fix the build 🙂 修复)"
    assert lines[2].startswith('Interrupted: Bash {"deep": [[[[')
