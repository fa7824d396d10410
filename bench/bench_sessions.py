"""Listing a 2,000-session projects tree and 1,000 Codex rollouts, cold and warm, beside `check`.

Target (issue 12): `session-lsp sessions` lists a 2,000-session tree in about a second cold and
a fraction of that warm (the cache in `$XDG_CACHE_HOME/session-lsp` spares the analysis of
unchanged files). The baseline is `check` over the same files, measured in the same run: a cold
listing analyses every main session too, so it should cost about what `check` costs. Each figure
is the median of several repetitions.

Codex rollouts (`$CODEX_HOME/sessions/YYYY/MM/DD/`) are listed beside them; listing one project
reads the head of every rollout the cache does not know, to learn where it was started, so that
is timed too (`sessions --project DIR`, cold and warm).

    python bench/bench_sessions.py [--sessions 2000] [--rollouts 1000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))

from generate_rollout import generate_rollout  # noqa: E402
from generate_session import generate_session  # noqa: E402

from session_lsp import parallel  # noqa: E402
from session_lsp.core.analysis import analyse_bytes  # noqa: E402
from session_lsp.files import find_session_files, read_session_file  # noqa: E402
from session_lsp.sessions import inspection, list_sessions  # noqa: E402
from session_lsp.sessions.cache import CACHE_NAME, SessionCache  # noqa: E402

TEMPLATE_KB = (6, 10, 16, 24, 32, 48, 64, 96, 128, 200)
"""Sizes of the generated sessions copied into the tree: most sessions are small, a few large."""
PER_PROJECT = 20


def build_tree(out: Path, sessions: int) -> tuple[Path, int]:
    """A projects tree of `sessions` main sessions (1 in 10 damaged), with sub-agents."""
    templates = out / "templates"
    templates.mkdir(parents=True)
    sources: list[Path] = []
    for index, kb in enumerate(TEMPLATE_KB * 2):
        path = templates / f"t{index}.jsonl"
        damage = 1 if index % 10 == 3 else 0
        generate_session(path, kb * 1024, seed=index + 1, damage=damage, compactions=0)
        sources.append(path)
    root = out / "projects"
    chooser = random.Random(7)
    stamp = time.time() - 86400
    total_bytes = 0
    for number in range(sessions):
        folder = root / f"-home-user-project-{number // PER_PROJECT:03d}"
        session_id = str(uuid.UUID(int=chooser.getrandbits(128), version=4))
        target = folder / f"{session_id}.jsonl"
        folder.mkdir(parents=True, exist_ok=True)
        source = chooser.choice(sources)
        shutil.copy(source, target)
        total_bytes += target.stat().st_size
        if number % 7 == 0:
            agents = folder / session_id / "subagents"
            agents.mkdir(parents=True)
            shutil.copy(sources[0], agents / "agent-a1b2c3d4e5f6a7b8c.jsonl")
        os.utime(target, (stamp - number, stamp - number))
    return root, total_bytes


ROLLOUT_TURNS = (1, 2, 3, 5, 8)
"""User turns of the generated rollouts (a few calls each): most are small."""


def rollout_cwd(number: int) -> str:
    """The working directory rollout `number` records: a project of `PER_PROJECT` rollouts."""
    return f"/home/user/codex-project-{number // PER_PROJECT:03d}"


def build_codex_tree(out: Path, rollouts: int) -> tuple[Path, int]:
    """`$CODEX_HOME/sessions` holding `rollouts` generated rollouts, each in the folder of the
    day its name says, recording the working directory `rollout_cwd` gives it."""
    sessions = out / "codex" / "sessions"
    total_bytes = 0
    for number in range(rollouts):
        made = generate_rollout(out / "rollout-templates", ROLLOUT_TURNS[number % 5], number + 1)
        name = made.path.name
        day = sessions / name[8:12] / name[13:15] / name[16:18]
        day.mkdir(parents=True, exist_ok=True)
        lines = made.path.read_text(encoding="utf-8").split("\n")
        meta = json.loads(lines[0])
        meta["payload"]["cwd"] = rollout_cwd(number)
        lines[0] = json.dumps(meta)
        target = day / name
        target.write_text("\n".join(lines), encoding="utf-8")
        made.path.unlink()
        total_bytes += target.stat().st_size
    return sessions, total_bytes


def _median(action: Callable[[], object], repeat: int, before: Callable[[], None]) -> float:
    times = []
    for _ in range(repeat):
        before()
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sessions", type=int, default=2000)
    parser.add_argument("--rollouts", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    arguments = parser.parse_args(argv)

    out = BENCH / "out" / "sessions-tree"
    shutil.rmtree(out, ignore_errors=True)
    root, total_bytes = build_tree(out, arguments.sessions)
    codex_root, rollout_bytes = build_codex_tree(out, arguments.rollouts)
    listed = arguments.sessions + arguments.rollouts
    cache_home = out / "cache"
    cache_file = cache_home / "session-lsp" / CACHE_NAME
    env = {
        **os.environ,
        "CLAUDE_CONFIG_DIR": str(out),
        "XDG_CACHE_HOME": str(cache_home),
        "CODEX_HOME": str(codex_root.parent),
    }

    def drop_cache() -> None:
        cache_file.unlink(missing_ok=True)

    def keep_cache() -> None:
        pass

    def listing() -> None:
        found = list_sessions(root, cache=SessionCache(cache_file), codex_root=codex_root)
        if len(found) != listed:
            raise SystemExit(f"listed {len(found)} sessions, expected {listed}")

    def check_in_process() -> None:
        for tree in (root, codex_root):
            for path in find_session_files(str(tree)):
                if isinstance(path, Path):
                    analyse_bytes(read_session_file(path).data)

    def cli(*command: str) -> Callable[[], None]:
        def run() -> None:
            subprocess.run(
                [sys.executable, "-m", "session_lsp", *command],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                env=env,
                check=False,
            )

        return run

    def forced(workers: int) -> Callable[[], None]:
        def run() -> None:
            saved = inspection.worker_count, parallel.PARALLEL_FROM_BYTES
            inspection.worker_count = lambda: workers
            parallel.PARALLEL_FROM_BYTES = 0
            try:
                listing()
            finally:
                inspection.worker_count, parallel.PARALLEL_FROM_BYTES = saved

        return run

    cpus = parallel.usable_cores()
    repeat = arguments.repeat
    check_s = _median(check_in_process, repeat, keep_cache)
    cold_s = _median(listing, repeat, drop_cache)
    serial_s = _median(forced(1), repeat, drop_cache)
    pool_s = _median(forced(max(2, cpus)), repeat, drop_cache)
    warm_s = _median(listing, repeat, keep_cache)
    check_cli_s = _median(cli("check", "--format", "json", str(root)), repeat, keep_cache)
    cold_cli_s = _median(cli("sessions", "--all", "--format", "json"), repeat, drop_cache)
    warm_cli_s = _median(cli("sessions", "--all", "--format", "json"), repeat, keep_cache)
    one_project = ("sessions", "--project", rollout_cwd(0), "--format", "json")
    cold_project_s = _median(cli(*one_project), repeat, drop_cache)
    warm_project_s = _median(cli(*one_project), repeat, keep_cache)

    files = sum(1 for _ in root.rglob("*.jsonl"))
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(
        f"machine: {cpus} core(s); cold reads use {inspection.worker_count()} process(es)"
        f" (from {parallel.PARALLEL_FROM_BYTES / 1e6:.0f} MB to read); load average {load}"
    )
    print(
        f"tree: {arguments.sessions} sessions in {arguments.sessions // PER_PROJECT} projects,"
        f" {files} files with sub-agents, {total_bytes / 1e6:.0f} MB of main sessions;"
        f" {arguments.rollouts} Codex rollouts, {rollout_bytes / 1e6:.0f} MB"
    )
    print(f"check, in process (every file):    {check_s * 1000:7.0f} ms")
    print(f"list_sessions cold (no cache):     {cold_s * 1000:7.0f} ms")
    print(f"  cold, read in this process:      {serial_s * 1000:7.0f} ms")
    print(f"  cold, read by a worker pool:     {pool_s * 1000:7.0f} ms ({max(2, cpus)} workers)")
    print(f"list_sessions warm (cache):        {warm_s * 1000:7.0f} ms")
    print(f"check CLI process:                 {check_cli_s * 1000:7.0f} ms")
    print(f"sessions --all CLI cold:           {cold_cli_s * 1000:7.0f} ms")
    print(f"sessions --all CLI warm:           {warm_cli_s * 1000:7.0f} ms")
    print(f"sessions --project (Codex) cold:   {cold_project_s * 1000:7.0f} ms")
    print(f"sessions --project (Codex) warm:   {warm_project_s * 1000:7.0f} ms")
    print(
        f"ratio cold listing / check:  {cold_s / check_s:.2f} (the listing analyses as check does)"
    )
    print(f"ratio warm / cold listing:   {warm_s / cold_s:.3f} (target: a fraction)")
    print(
        f"cold CLI listing: {cold_cli_s:.2f} s (target: about 1 s for the 2,000 sessions alone,"
        " --rollouts 0; rollouts cost what checking them costs)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
