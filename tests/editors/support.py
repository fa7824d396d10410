"""Shared pieces of the real-editor tests: fixtures on disk, the server command, running editors.

The editor scripts next to this file do the LSP work inside the editor and print PASS or FAIL; the
tests here prepare the files, run the editor under a timeout and check what ended up on disk.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.corpus import CODEMIE_TURN_1, SHORT
from tests.support.files import aged_copy
from tests.support.tools import require_tool

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
SERVER_COMMAND = [sys.executable, "-m", "session_lsp", "serve"]
SCRIPTS = Path(sys.executable).parent
"""Where pip put the `session-lsp` script for the Python running the tests (a virtual environment's
`bin/`): first on the editors' PATH, so the suite runs as `.venv/bin/python -m pytest` without the
environment being activated."""
EDITOR_PATH = os.pathsep.join(filter(None, [str(SCRIPTS), os.environ.get("PATH")]))
EDITOR_TIMEOUT_SECONDS = 60

# The damaged session: line 25 (0-based 24) holds a Bash call that never got its result.
DAMAGED = CODEMIE_TURN_1
TOOL_ID = "toolu_bdrk_01NNGBKLENmr7j3TfUKZW7rz"
TOOL_LINE = 24

EDITORS_DOC = (REPO / "docs" / "editors.md").read_text(encoding="utf-8")
"""The editor setups users paste: the snippets the tests run come from here."""

LINE_SEPARATOR = "\u2028"
TYPED = "typed in the editor "


def snippet(heading: str, language: str) -> str:
    """The first `language` code block under docs/editors.md's `### heading`, as a user would
    paste it."""
    section = EDITORS_DOC.split(f"### {heading}\n", 1)[1].split("\n### ", 1)[0]
    match = re.search(rf"```{language}\n(.*?)```", section, re.DOTALL)
    assert match, f"no {language} block under {heading}"
    return match.group(1)


def damaged_copy(directory: Path) -> Path:
    """A writable copy of the damaged session, aged an hour so the server does not think it live.

    The corpus files are read-only, and the editors refuse to save a read-only copy.
    """
    copy = directory / DAMAGED.name
    shutil.copyfile(DAMAGED, copy)
    copy.chmod(0o644)
    return aged_copy(copy, copy)


def u2028_transcript(directory: Path) -> Path:
    """Two real lines (a prompt and its reply) with a raw U+2028 inside the prompt's string.

    JSON allows U+2028 unescaped, editors keep it inside the line, but Python's str.splitlines
    breaks there: a server that splits that way gets every later line number wrong.
    """
    lines = SHORT.read_bytes().splitlines(keepends=True)  # bytes split only at \n and \r
    prompt, reply = lines[3].decode("utf-8"), lines[4].decode("utf-8")
    assert '"content":"mix phx.server' in prompt and '"parentUuid":"7d48cbd2' in reply
    prompt = prompt.replace('"content":"mix ', f'"content":"mix{LINE_SEPARATOR}', 1)
    # The prompt's parent (a progress line) is not copied: make the prompt the root instead.
    prompt = prompt.replace(
        '"parentUuid":"7c676cb6-c0f4-4952-a21f-18df6af360c7"', '"parentUuid":null'
    )
    path = directory / "u2028.jsonl"
    path.write_bytes((prompt + reply).encode("utf-8"))
    return aged_copy(path, path)


@dataclass
class EditorRun:
    """What an editor run printed, and how it ended."""

    returncode: int
    stdout: str
    stderr: str

    def describe(self) -> str:
        """Everything the editor said, for assertion messages."""
        return f"exit {self.returncode}\n--- stdout\n{self.stdout}\n--- stderr\n{self.stderr}"


def run_editor(argv: list[str], cwd: Path, **env: str) -> EditorRun:
    """Run an editor script with the server command and `env` in its environment.

    Times out so a hang fails the test instead of blocking CI. HOME and the XDG directories point
    into `cwd` so no user configuration, swap file or history takes part or is left behind.
    """
    environment = {
        **os.environ,
        "HOME": str(cwd),
        "XDG_CONFIG_HOME": str(cwd / ".config"),
        "XDG_DATA_HOME": str(cwd / ".local" / "share"),
        "XDG_STATE_HOME": str(cwd / ".local" / "state"),
        "XDG_CACHE_HOME": str(cwd / ".cache"),
        "PATH": EDITOR_PATH,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
        "SESSION_LSP_COMMAND": json.dumps(SERVER_COMMAND),
        **env,
    }
    try:
        done = subprocess.run(
            argv,
            cwd=cwd,
            env=environment,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=EDITOR_TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired as timeout:
        pytest.fail(
            f"{argv[0]} hung for {EDITOR_TIMEOUT_SECONDS} s\n"
            f"--- stdout\n{_text(timeout.stdout)}\n--- stderr\n{_text(timeout.stderr)}"
        )
    return EditorRun(done.returncode, done.stdout, done.stderr)


def _editor_files(directory: Path, suffix: str, init: str, script: str) -> tuple[Path, Path]:
    """The init file and the script of an editor run, written; the documented snippets start the
    installed `session-lsp` command, so it must be there."""
    require_tool("session-lsp", EDITOR_PATH)
    init_file = directory / f"init.{suffix}"
    init_file.write_text(init, encoding="utf-8")
    script_file = directory / f"script.{suffix}"
    script_file.write_text(script, encoding="utf-8")
    return init_file, script_file


def run_documented_neovim(directory: Path, init: str, script: str, session: Path) -> EditorRun:
    """Headless Neovim with `init` (documented snippets) as its init.lua, `session` open, then the Lua
    `script`, with the installed `session-lsp` command the snippets start."""
    nvim = require_tool("nvim")
    init_file, script_file = _editor_files(directory, "lua", init, script)
    argv = [nvim, "--headless", "-n", "-i", "NONE", "-u", str(init_file), str(session)]
    return run_editor([*argv, "-c", f"luafile {script_file}"], directory)


def run_documented_emacs(
    directory: Path, init: str, script: str, session: Path, **env: str
) -> EditorRun:
    """Emacs in batch mode with eglot, `init` (documented snippets) loaded, then the Elisp `script`,
    which finds the session in $SESSION_FILE; `env` added to the editor's environment."""
    emacs = require_tool("emacs")
    init_file, script_file = _editor_files(directory, "el", init, script)
    argv = [emacs, "-q", "--batch", "--eval", "(package-initialize)", "--eval", "(require 'eglot)"]
    return run_editor(
        [*argv, "-l", str(init_file), "-l", str(script_file)],
        directory,
        SESSION_FILE=str(session),
        **env,
    )


def _text(output: bytes | str | None) -> str:
    """TimeoutExpired keeps the output as bytes even for text runs."""
    if isinstance(output, bytes):
        return output.decode("utf-8", "replace")
    return output or ""


def assert_passed(run: EditorRun) -> None:
    """The editor script reached its end: exit 0 and PASS on stdout."""
    assert run.returncode == 0 and "PASS" in run.stdout.splitlines(), run.describe()


def assert_stub_inserted(original: bytes, saved: bytes) -> None:
    """The saved file is the original plus exactly one line; every original line is byte-identical
    and in its place, so the quick fix touched nothing but what it added."""
    before = original.splitlines(keepends=True)
    after = saved.splitlines(keepends=True)
    assert len(after) == len(before) + 1, f"{len(before)} lines became {len(after)}"
    inserted = [i for i in range(len(after)) if after[:i] + after[i + 1 :] == before]
    assert inserted, "the original lines did not survive byte-identical and in order"
    added = after[inserted[0]].decode("utf-8")
    assert TOOL_ID in added and '"tool_result"' in added, added


def assert_checks_clean(path: Path) -> None:
    """`session-lsp check` (the CLI, not the editor) finds nothing wrong with the saved file."""
    done = subprocess.run(
        [sys.executable, "-m", "session_lsp", "check", str(path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def assert_server_copy(server_text_file: Path, transcript: Path) -> None:
    """The server's copy kept U+2028 inside line 1 and got the typed text on line 2."""
    copy = server_text_file.read_text(encoding="utf-8")
    original = transcript.read_text(encoding="utf-8")
    assert copy.split("\n")[0] == original.split("\n")[0]
    assert LINE_SEPARATOR in copy.split("\n")[0]
    assert copy.count("\n") == original.count("\n") == 2
    assert f'"text":"{TYPED}' in copy.split("\n")[1]
