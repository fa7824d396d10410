"""A one-session listing whose cache is full of other roots' and vanished files' entries.

Issue 15 (item 10): entries of files that vanished and of other roots (a test run, another
`CLAUDE_CONFIG_DIR`) were never dropped, so every listing loaded all of them: a 1-session listing
took 1.8 s and 199 MB instead of 0.22 s and 18 MB. Now a listing keeps only the entries of the
root it lists that still exist. The baseline, measured in the same run, is the same listing with
a cache of its own entries only; the figures are the first listing with the polluted cache (it
loads it once, and prunes it) and the next one.

    python bench/bench_cache_pruning.py [--entries 200000] [--repeat 3]

Measured (2 cores, shared; 100,000 entries, 54 MB): before the change the listing after the
first one still took 2,051 ms and 201 MB against a baseline of 343 ms and 20 MB (ratio 5.97 time,
10.3 memory, 100,001 entries left); after it, 270 ms and 20 MB (ratio 0.93 and 1.00, 1 entry left).
The first listing with the polluted cache pays once to load it (1.9 s, 254 MB).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))

from peak import WITH_PEAK  # noqa: E402


def _entry(size: int) -> dict[str, object]:
    return {
        "size": size,
        "mtime_ns": 1_700_000_000_000_000_000,
        "inode": size + 1,
        "session_id": str(uuid.uuid4()),
        "recorded_session_id": None,
        "project": "/home/someone/a/project/of/theirs",
        "title": "a title of about the length real ones have, cut to one line" * 2,
        "first_activity": "2026-01-01T00:00:00.000Z",
        "last_activity": "2026-01-01T01:00:00.000Z",
        "version": "2.1.38",
        "is_sidechain": False,
        "errors": 0,
        "warnings": 0,
    }


def _listing(env: dict[str, str]) -> tuple[float, int]:
    """Seconds and peak RSS (kB) of one `sessions --all` process."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", WITH_PEAK, "sessions", "--all"],
        capture_output=True,
        text=True,
        env=env,
        cwd=env["HOME"],  # not a checkout: `-c` imports from the working directory first
        check=False,
    )
    seconds = time.perf_counter() - start
    return seconds, int(done.stderr.splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    arguments = parser.parse_args(argv)

    out = BENCH / "out" / "cache-pruning"
    shutil.rmtree(out, ignore_errors=True)
    project = out / ".claude" / "projects" / "-work"
    project.mkdir(parents=True)
    session = project / "11111111-1111-4111-8111-111111111111.jsonl"
    shutil.copyfile(REPO / "examples" / "interrupted-parallel-tools.jsonl", session)
    os.utime(session, (time.time() - 3600,) * 2)
    cache = out / "cache" / "session-lsp" / "sessions.json"
    env = {
        **os.environ,
        "HOME": str(out),
        "CLAUDE_CONFIG_DIR": str(out / ".claude"),
        "XDG_CACHE_HOME": str(out / "cache"),
        "PYTHONPATH": str(REPO),
    }

    baseline = []
    for _ in range(arguments.repeat):
        _listing(env)  # the cache now holds this root's one entry
        baseline.append(_listing(env))
    own = json.loads(cache.read_bytes())
    files = dict(own["files"])
    for number in range(arguments.entries):
        root = "/gone/projects" if number % 2 else str(project.parent)
        files[f"{root}/-p{number % 97}/{uuid.uuid4()}.jsonl"] = _entry(number)
    polluted = json.dumps({"format": own["format"], "files": files}, separators=(",", ":"))

    first, second = [], []
    for _ in range(arguments.repeat):
        cache.write_text(polluted)
        first.append(_listing(env))
        second.append(_listing(env))
    left = len(json.loads(cache.read_bytes())["files"])

    def median(runs: list[tuple[float, int]]) -> tuple[float, float]:
        return statistics.median(s for s, _ in runs), statistics.median(kb for _, kb in runs)

    (base_s, base_kb), (first_s, first_kb), (second_s, second_kb) = map(
        median, (baseline, first, second)
    )
    print(
        f"cache: {arguments.entries} entries of other roots and vanished files, {len(polluted) / 1e6:.0f} MB"
    )
    print(f"1-session listing, own cache only: {base_s * 1000:6.0f} ms  {base_kb / 1024:5.0f} MB")
    print(f"  polluted cache, first listing:   {first_s * 1000:6.0f} ms  {first_kb / 1024:5.0f} MB")
    print(
        f"  the listing after it:            {second_s * 1000:6.0f} ms  {second_kb / 1024:5.0f} MB"
    )
    print(f"entries left in the cache: {left} (target: 1)")
    print(
        f"ratio next listing / baseline: {second_s / base_s:.2f} time, {second_kb / base_kb:.2f} memory (target: about 1)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
