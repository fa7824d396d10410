"""A Claude Code projects tree built from corpus files, in a temporary HOME, for session tests.

Its sessions, newest first by modification time: LIVE (written now), DAMAGED (an unpaired Bash
call, the newest session at rest, so `--last` picks it), CLEAN with 2.1.x sub-agents,
COMPACTED (2.0.x, generated) with a 2.0.x agent file beside it and a sidechain file named like a session, DEEP with
its 2.0.x agent file, LONG in a project whose folder name needs the hash, and UNREADABLE (a
dangling symbolic link).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from session_lsp.files import SessionFile
from session_lsp.sessions import inspection
from session_lsp.sessions.locations import project_folder_name
from tests.support.corpus import (
    CLAUDE_CORPUS,
    CODEMIE_TURN_1,
    COMPACTED_2_0,
    SHORT,
    TOOL_HEAVY,
    WARMUP_AGENT_2_0,
)

LIVE = "d6e0bada-1959-4eec-a9d2-0bfade768d8f"
DAMAGED = "e9fb405b-169f-40eb-9396-7e75076f045d"
CLEAN = "8463c716-a2ea-4c14-9efa-87158ebd9f20"
COMPACTED = "d99fb29e-ab5b-4def-872c-d7aac544c424"
SIDECHAIN_NAMED_LIKE_A_SESSION = "d99fb29e-0000-4000-8000-000000000000"
DEEP = "a7da6a22-facc-4fcd-8bab-f83c87862004"
LONG = "0f0f0f0f-1111-4222-8333-444444444444"
UNREADABLE = "dead0000-0000-4000-8000-000000000000"

SPOTTER_AGENTS = CLAUDE_CORPUS / "marot-spotter" / CLEAN / "subagents"
DEEP_MANIFEST = CLAUDE_CORPUS / "daaain-claude-code-log" / "-src-deep-manifest"


@dataclass(frozen=True)
class ProjectsTree:
    home: Path
    root: Path
    work: Path
    """The working directory whose project folder holds most sessions."""
    folder: Path
    long_work: Path
    long_folder: Path
    other_folder: Path

    @property
    def env(self) -> dict[str, str]:
        """The environment of a CLI run against this tree (no colours, own cache)."""
        return {
            **os.environ,
            "HOME": str(self.home),
            "CLAUDE_CONFIG_DIR": str(self.home / ".claude"),
            "XDG_CACHE_HOME": str(self.home / ".cache"),
            "CODEX_HOME": str(self.codex_home),
            "NO_COLOR": "1",
        }

    @property
    def codex_home(self) -> Path:
        """Codex's folder in this HOME: empty unless a test places rollouts in it."""
        return self.home / ".codex"

    def session(self, session_id: str) -> Path:
        for folder in (self.folder, self.long_folder, self.other_folder):
            path = folder / f"{session_id}.jsonl"
            if path.exists() or path.is_symlink():
                return path
        raise KeyError(session_id)


def _place(source: Path, target: Path, seconds_ago: float) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    moment = time.time() - seconds_ago
    os.utime(target, (moment, moment))
    return target


def build_tree(base: Path) -> ProjectsTree:
    home = base / "home"
    root = home / ".claude" / "projects"
    work = base / "work" / "my project"
    work.mkdir(parents=True)
    long_work = base / "work" / ("a-very-long-directory-name-" * 8)
    long_work.mkdir(parents=True)
    folder = root / project_folder_name(os.path.realpath(work))
    long_folder = root / project_folder_name(os.path.realpath(long_work))
    other_folder = root / "-src-deep-manifest"

    _place(TOOL_HEAVY, folder / f"{LIVE}.jsonl", 0)
    _place(CODEMIE_TURN_1, folder / f"{DAMAGED}.jsonl", 600)
    _place(SHORT, folder / f"{CLEAN}.jsonl", 1200)
    for agent in sorted(SPOTTER_AGENTS.iterdir()):
        _place(agent, folder / CLEAN / "subagents" / agent.name, 1200)
    _place(COMPACTED_2_0, folder / f"{COMPACTED}.jsonl", 1800)
    _place(WARMUP_AGENT_2_0, folder / "agent-5a5a5a5a.jsonl", 1800)
    _place(WARMUP_AGENT_2_0, folder / f"{SIDECHAIN_NAMED_LIKE_A_SESSION}.jsonl", 60)
    (folder / f"{UNREADABLE}.jsonl").symlink_to(base / "gone.jsonl")
    _place(DEEP_MANIFEST / f"{DEEP}.jsonl", other_folder / f"{DEEP}.jsonl", 2400)
    _place(DEEP_MANIFEST / "agent-c8d9b115.jsonl", other_folder / "agent-c8d9b115.jsonl", 2400)
    _place(SHORT, long_folder / f"{LONG}.jsonl", 3000)
    return ProjectsTree(home, root, work, folder, long_work, long_folder, other_folder)


def place_rollout(
    codex_home: Path,
    source: Path,
    *,
    seconds_ago: float = 3600,
    cwd: str | None = None,
    meta_source: object = None,
    session_id: str | None = None,
) -> Path:
    """A corpus rollout copied where Codex writes it (`sessions/YYYY/MM/DD/` from its name),
    its `session_meta` line recording `cwd`, `meta_source` and `session_id` when given (the id
    goes in the file name too)."""
    name = source.name
    if session_id is not None:
        name = name[: -len("019cb816-11a0-78b6-97b7-50923ceb3ffd.jsonl")] + f"{session_id}.jsonl"
    day = codex_home / "sessions" / name[8:12] / name[13:15] / name[16:18]
    lines = source.read_bytes().splitlines(keepends=True)
    meta = json.loads(lines[0])
    if cwd is not None:
        meta["payload"]["cwd"] = cwd
    if meta_source is not None:
        meta["payload"]["source"] = meta_source
    if session_id is not None:
        meta["payload"]["id"] = session_id
    lines[0] = json.dumps(meta, ensure_ascii=False).encode() + b"\n"
    day.mkdir(parents=True, exist_ok=True)
    target = day / name
    target.write_bytes(b"".join(lines))
    moment = time.time() - seconds_ago
    os.utime(target, (moment, moment))
    return target


def run_in_tree(
    tree: ProjectsTree, *arguments: str, cwd: Path | None = None, path: str | None = None
) -> subprocess.CompletedProcess[str]:
    """The CLI run as a user would in `cwd` (default: the main project's directory)."""
    env = tree.env
    if path is not None:
        env["PATH"] = path
    return subprocess.run(
        [sys.executable, "-m", "session_lsp", *arguments],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd or tree.work,
        env=env,
        stdin=subprocess.DEVNULL,
    )


def snapshot(folder: Path) -> dict[str, bytes | str]:
    """Every file below `folder` with its bytes (a symbolic link: its target), to prove that
    nothing was written."""
    state: dict[str, bytes | str] = {}
    for path in sorted(folder.rglob("*")):
        if path.is_symlink():
            state[str(path)] = str(path.readlink())
        elif path.is_file():
            state[str(path)] = path.read_bytes()
    return state


def recorded_reads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Every session file a listing reads from now on, in order."""
    read: list[Path] = []
    real = inspection.read_session_file

    def recording(path: Path) -> SessionFile:
        read.append(path)
        return real(path)

    monkeypatch.setattr(inspection, "read_session_file", recording)
    return read
