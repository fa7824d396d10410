"""What `resume` starts, where, and with which binary: decided from the file system, never from
what a transcript says about itself.

`claude --resume <id>` loads exactly `<projects root>/<project folder of the directory it starts
in>/<id>.jsonl` (Claude Code 2.1.88: `loadSessionFile` in `src/utils/sessionStorage.ts`), and it
loads `.claude/settings.json` hooks, MCP servers and `CLAUDE.md` from that directory. So claude is
started only when the file checked and repaired is that very file, only in a directory whose
project folder is the one the file lives in, and only as the `claude` found on PATH once, by an
absolute path, before any change of directory. A transcript's `cwd` is a claim anyone can write:
it is a candidate directory, used only when it passes the same test as any other.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

from session_lsp.cli.programs import batch_file_safe, command_line, find_program
from session_lsp.cli.terminal import for_terminal
from session_lsp.sessions.locations import (
    canonical_cwd,
    codex_home,
    names_project_folder,
    projects_root,
)

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_ROLLOUT_ID = re.compile(r"rollout-.*-(" + _UUID.pattern + r")\.jsonl")


def find_executable(name: str) -> str | None:
    """`name` on PATH as an absolute path (`claude.exe` or `claude.cmd` on Windows). Empty and
    relative PATH entries are skipped: they name the current directory, which a resume may
    change, so they would let a file planted in the session's directory run instead."""
    return find_program(name, os.environ, os.name)


def _named_folder() -> str | None:
    """`CLAUDE_CODE_PROJECT_DIR_NAME` (Claude Code 2.1.234 and later): when set, claude keeps and
    looks for the sessions in `<projects root>/<that name>` whatever directory it starts in."""
    return os.environ.get("CLAUDE_CODE_PROJECT_DIR_NAME") or None


def holds_sessions_of(directory: str, folder: str) -> bool:
    """claude started in `directory` looks for its sessions in the project folder `folder`."""
    named = _named_folder()
    return folder == named if named is not None else names_project_folder(directory, folder)


def _here() -> str | None:
    try:
        return canonical_cwd()
    except OSError:  # the current directory was deleted
        return None


@dataclass(frozen=True, slots=True)
class Launch:
    """How a session is resumed: `argv` run in `directory`, or why it is not (`refusal`)."""

    argv: list[str]
    """The command, with `claude`/`codex` by name, as it is printed."""
    directory: str | None = None
    why_here: str = ""
    folder: str = ""
    refusal: str | None = None
    """Why this program does not start it; the user may (`command` says what to run)."""
    runnable: bool = False
    """With a refusal: the printed command is right as it is (only the starting was left out)."""

    @property
    def command(self) -> str:
        """The command to type, quoted for this system's shells, with a change of directory when
        it must start elsewhere ("" when there is none). On Windows the change of directory is a
        line of its own (`pushd`, which both cmd.exe and PowerShell take, and which changes the
        drive too), indented for printing after two spaces: PowerShell 5.1 has no `&&`."""
        return self.command_on(os.name)

    def command_on(self, os_name: str) -> str:
        if not self.argv:
            return ""
        move = self.directory is not None and self.directory != _here()
        words = [["pushd" if os_name == "nt" else "cd", self.directory or ""]] if move else []
        lines = [command_line(line, os_name) for line in [*words, self.argv]]
        if any(line is None for line in lines):
            return (
                "(not printed: a word of it cannot be written so that cmd.exe and PowerShell"
                ' both read it as that word; it holds %, !, $, ` or ")'
            )
        shown = [for_terminal(line) for line in lines if line is not None]
        if os_name == "nt":
            return "\n  ".join(shown)
        return " && ".join(shown)

    def start(self, executable: str, os_name: str = os.name) -> OSError | str:
        """Change into the directory and run claude in this process's place: `exec` on POSIX;
        on Windows, which has no exec (`os.execv` there starts a new process and exits at once,
        leaving the shell and claude fighting over the console), run it, wait and exit with its
        status. Returns only on failure (an error or a reason)."""
        assert self.directory is not None
        batch = os_name == "nt" and executable.lower().endswith((".cmd", ".bat"))
        if batch and not batch_file_safe(self.argv[1:]):
            return (
                f"{executable} is a batch file, which cmd.exe runs by re-reading its"
                " arguments, and one of them holds a character cmd.exe would act on"
            )
        try:
            os.chdir(self.directory)
        except OSError as error:
            return error
        here = _here()
        if here is None or not holds_sessions_of(here, self.folder):
            return f"{self.directory} changed: it is no longer the session's project directory"
        if os_name == "nt":
            return _run_and_exit(executable, self.argv)
        try:
            os.execv(executable, self.argv)
        except OSError as error:
            return error
        return "exec returned"  # pragma: no cover - execv does not return


def _run_and_exit(executable: str, argv: list[str]) -> OSError:
    """Run the program in the foreground and exit with its status. Ctrl+C is ignored here
    meanwhile: the console delivers it to claude too, which uses it (to interrupt a turn), and
    it must not end claude by ending this process."""
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        done = subprocess.run([executable, *argv[1:]], check=False)
    except OSError as error:
        return error
    finally:
        signal.signal(signal.SIGINT, previous)
    raise SystemExit(done.returncode)


def claude_session_id(path: Path) -> str | None:
    """The id `claude --resume` takes to load exactly `path`, or None when no id does: the file
    must be `<projects root>/<folder>/<uuid>.jsonl` itself (a copy elsewhere is not loaded)."""
    stem = path.name.removesuffix(".jsonl")
    if not path.name.endswith(".jsonl") or _UUID.fullmatch(stem) is None:
        return None
    loaded = projects_root() / path.parent.name / path.name
    try:
        return stem if os.path.samefile(loaded, path) else None
    except (OSError, ValueError):
        return None


def start_directory(path: Path, recorded_cwd: str | None) -> tuple[str | None, str]:
    """Where claude may start for the session in `path`, and why there (or why nowhere).

    The transcript's `cwd` first, then the current directory; each only when its project folder
    is the one `path` lives in, which is where claude will look for the session."""
    folder = path.parent.name
    recorded = for_terminal(recorded_cwd or "")
    here = _here()
    if _named_folder() is not None:
        if here is not None and holds_sessions_of(here, folder):
            return here, "the current directory; CLAUDE_CODE_PROJECT_DIR_NAME names the folder"
        return None, (
            f"CLAUDE_CODE_PROJECT_DIR_NAME makes claude look in"
            f" {for_terminal(_named_folder() or '')}, not in {for_terminal(folder)}"
        )
    if recorded_cwd and os.path.isabs(recorded_cwd):
        real = os.path.realpath(recorded_cwd)
        if os.path.isdir(real) and names_project_folder(real, folder):
            return real, "the directory the session was started in"
        claim = f"the directory the transcript names ({recorded}) is not that project's"
    elif recorded_cwd:
        claim = f"the transcript names a relative directory ({recorded}), which is not trusted"
    else:
        claim = "the transcript names no directory"
    if here is not None and names_project_folder(here, folder):
        return here, f"the current directory; {claim}"
    shown_here = for_terminal(here) if here is not None else "deleted"
    return None, (
        f"claude looks for the session in the project folder of the directory it starts in;"
        f" {for_terminal(folder)} is not the current directory's ({shown_here}), and {claim}"
    )


def plan_claude(path: Path, recorded_cwd: str | None, arguments: list[str]) -> Launch:
    """How `claude --resume` resumes exactly the file at `path`, or why it cannot."""
    session_id = claude_session_id(path)
    if session_id is None:
        return Launch(
            [],
            refusal=(
                "Claude Code would not load this file: `claude --resume <id>` loads only"
                f" {for_terminal(str(projects_root()))}/<project folder>/<id>.jsonl"
            ),
        )
    argv = ["claude", "--resume", session_id, *arguments]
    directory, why = start_directory(path, recorded_cwd)
    if directory is None:
        return Launch(argv, refusal=why, folder=path.parent.name)
    return Launch(argv, directory, why, path.parent.name)


def plan_codex(path: Path, arguments: list[str]) -> Launch:
    """Codex is never started: `codex resume <id>` looks the id up in its state database first,
    then takes the best match of a fuzzy search of file names under `$CODEX_HOME/sessions`
    (codex-rs `find_thread_path_by_id_str`), which can be another file holding the id, such as a
    backup beside it; nothing here can prove it is this file."""
    found = _ROLLOUT_ID.fullmatch(path.name)
    if found is None:
        return Launch([], refusal="Codex resumes only its rollout-<time>-<id>.jsonl files")
    sessions = codex_home() / "sessions"
    inside = os.path.realpath(path).startswith(os.path.realpath(sessions) + os.sep)
    where = "" if inside else f"; Codex looks only under {for_terminal(str(sessions))}"
    return Launch(
        ["codex", "resume", found.group(1), *arguments],
        refusal=(
            "Codex finds a session by its id through its own index and a search of file names,"
            f" and cannot be shown to load exactly this file{where}"
        ),
        runnable=inside,
    )
