"""`session-lsp check` over a tree of sessions with 1 worker and with every core.

Target (issue 9): `check` over a tree of 2,000 sessions (2 GB) at least 1.7x faster on 2 cores
than on one, output identical and in the same order. Measured here, in the same run:

- the baseline: one Python process reading every file and `orjson.loads`-ing every line;
- `session-lsp check --format json TREE` as a whole process with `--jobs 1` and `--jobs N`
  (N = the usable cores), their outputs compared byte for byte;
- the break-even of the pool: serial against a forced pool on the first files of the tree, for
  growing amounts of bytes (the CLI uses the pool from `parallel.PARALLEL_FROM_BYTES`).

Each figure is the median of alternating repetitions (the machine may be shared: the load
average is printed with them). The tree is built once under bench/out and reused.

    python bench/bench_scan.py [--sessions 2000] [--total-mb 2000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import orjson

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))

from generate_session import generate_session  # noqa: E402

from session_lsp import parallel  # noqa: E402
from session_lsp.cli.check import check_file  # noqa: E402

TEMPLATE_SHARES = (0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.2, 1.6, 2.0, 2.5, 3.0)
"""Template sizes as shares of the mean session size (their mean is 1.1): most sessions small,
a few a few times larger."""
VERSIONS = ("2.1.x", "2.0.x", "2.1.38")
BIG_MB = 100
"""One session of this size sits in the middle of the tree: it must not stall the others."""


def build_tree(out: Path, sessions: int, total_mb: float) -> Path:
    """`sessions` files in projects of 20, about `total_mb` in all, 1 template in 4 damaged;
    reused when a tree of the same shape is already there."""
    stamp = out / f"tree-{sessions}-{total_mb:g}.done"
    root = out / "projects"
    if stamp.exists():
        return root
    shutil.rmtree(out, ignore_errors=True)
    mean = max(16 * 1024, int((total_mb - BIG_MB) * 1e6 / max(1, sessions - 1) / 1.1))
    sources = []
    for index, share in enumerate(TEMPLATE_SHARES):
        path = out / "templates" / f"t{index}.jsonl"
        generate_session(
            path,
            max(8 * 1024, int(mean * share)),
            seed=index + 1,
            damage=1 if index % 4 == 1 else 0,
            version=VERSIONS[index % len(VERSIONS)],
            compactions=0,
        )
        sources.append(path)
    big = out / "templates" / "big.jsonl"
    generate_session(big, BIG_MB * 1024 * 1024, seed=99, damage=2, compactions=0)
    chooser = random.Random(7)
    an_hour_ago = time.time() - 3600
    for number in range(sessions):
        folder = root / f"-home-user-project-{number // 20:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{uuid.UUID(int=chooser.getrandbits(128), version=4)}.jsonl"
        shutil.copy(big if number == sessions // 2 else chooser.choice(sources), target)
        os.utime(target, (an_hour_ago, an_hour_ago))
    stamp.touch()
    return root


def _cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the CLI and its workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _median_of(
    actions: dict[str, Callable[[], object]], repeat: int
) -> tuple[dict[str, float], dict[str, float]]:
    """Median wall and CPU seconds of alternating repetitions, so a noisy neighbour hurts every
    side alike; CPU time shows what the pool costs whatever the load."""
    walls: dict[str, list[float]] = {name: [] for name in actions}
    cpus: dict[str, list[float]] = {name: [] for name in actions}
    for _ in range(repeat):
        for name, action in actions.items():
            cpu, start = _cpu_seconds(), time.perf_counter()
            action()
            walls[name].append(time.perf_counter() - start)
            cpus[name].append(_cpu_seconds() - cpu)
    return (
        {name: statistics.median(values) for name, values in walls.items()},
        {name: statistics.median(values) for name, values in cpus.items()},
    )


def _cli(root: Path, jobs: int, out: Path) -> Callable[[], None]:
    def run() -> None:
        with out.open("wb") as stdout:
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "session_lsp",
                    "check",
                    "--format",
                    "json",
                    "--jobs",
                    str(jobs),
                    str(root),
                ],
                stdout=stdout,
                stderr=subprocess.DEVNULL,
                check=False,
            )

    return run


def _forced(paths: list[Path], sizes: list[int], jobs: int) -> Callable[[], None]:
    def run() -> None:
        saved = parallel.PARALLEL_FROM_BYTES
        parallel.PARALLEL_FROM_BYTES = 0
        try:
            for _ in parallel.map_in_order(check_file, paths, sizes, jobs=jobs):
                pass
        finally:
            parallel.PARALLEL_FROM_BYTES = saved

    return run


def _orjson_over(paths: list[Path]) -> None:
    for path in paths:
        for line in path.read_bytes().split(b"\n"):
            if line:
                orjson.loads(line)


def _timed_check(path: Path) -> tuple[int, float]:
    """Which process checked the file, and the CPU seconds it took there."""
    start = time.process_time()
    check_file(path)
    return os.getpid(), time.process_time() - start


def _critical_path(paths: list[Path], sizes: list[int], jobs: int) -> tuple[float, float]:
    """(CPU seconds of the busiest worker, of all workers): what the pool's wall time would be
    on idle cores, whatever the machine's load (scheduling shares only stretch it)."""
    per_worker: dict[int, float] = {}
    saved = parallel.PARALLEL_FROM_BYTES
    parallel.PARALLEL_FROM_BYTES = 0
    try:
        for result in parallel.map_in_order(_timed_check, paths, sizes, jobs=jobs):
            if isinstance(result, parallel.Crash):
                raise SystemExit(result.message)
            worker, seconds = result
            per_worker[worker] = per_worker.get(worker, 0.0) + seconds
    finally:
        parallel.PARALLEL_FROM_BYTES = saved
    return max(per_worker.values()), sum(per_worker.values())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sessions", type=int, default=2000)
    parser.add_argument("--total-mb", type=float, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    arguments = parser.parse_args(argv)

    out = BENCH / "out" / "scan-tree"
    root = build_tree(out, arguments.sessions, arguments.total_mb)
    paths = sorted(root.rglob("*.jsonl"))
    sizes = [path.stat().st_size for path in paths]
    total_mb = sum(sizes) / 1e6
    cores = parallel.usable_cores()

    def orjson_loop() -> None:
        _orjson_over(paths)

    def orjson_loops_at_once() -> None:
        """The same loop split over `cores` forked processes, each taking every `cores`-th file:
        how much a trivially parallel job gains on this machine right now."""
        children = []
        for start in range(cores):
            child = os.fork()
            if child == 0:
                _orjson_over(paths[start::cores])
                os._exit(0)
            children.append(child)
        for child in children:
            os.waitpid(child, 0)

    serial_out, pool_out = out / "check-jobs-1.json", out / f"check-jobs-{cores}.json"
    loads = [os.getloadavg()[0]]
    tree, cpu = _median_of(
        {
            "orjson": orjson_loop,
            "orjson_pool": orjson_loops_at_once,
            "serial": _cli(root, 1, serial_out),
            "pool": _cli(root, cores, pool_out),
        },
        arguments.repeat,
    )
    loads.append(os.getloadavg()[0])
    same = serial_out.read_bytes() == pool_out.read_bytes()

    print(f"machine: {cores} usable core(s); load average (1 min) {loads[0]:.1f} → {loads[1]:.1f}")
    print(f"tree: {len(paths)} sessions, {total_mb:.0f} MB (one of {BIG_MB} MB)")
    print(
        f"python+orjson loop over every line:  {tree['orjson']:7.2f} s  (CPU {cpu['orjson']:.2f} s)"
    )
    print(
        f"the same loop in {cores} processes at once:  {tree['orjson_pool']:7.2f} s"
        f"  (CPU {cpu['orjson_pool']:.2f} s)"
    )
    print(
        f"speed-up of that loop 1 → {cores} processes: {tree['orjson'] / tree['orjson_pool']:.2f}x"
        " (what the machine gives a trivially parallel job during this run)"
    )
    print(
        f"check --jobs 1 (whole process):      {tree['serial']:7.2f} s  (CPU {cpu['serial']:.2f} s)"
    )
    print(
        f"check --jobs {cores} (whole process):      {tree['pool']:7.2f} s  (CPU {cpu['pool']:.2f} s)"
    )
    print(
        f"speed-up 1 → {cores} workers: {tree['serial'] / tree['pool']:.2f}x (target >= 1.7x on 2)"
    )
    print(f"check --jobs 1 / orjson loop:  {tree['serial'] / tree['orjson']:.2f}")
    print(f"check --jobs {cores} / orjson loop:  {tree['pool'] / tree['orjson']:.2f}")
    print(f"outputs identical: {same}")
    busiest, total = _critical_path(paths, sizes, cores)
    print(
        f"pool balance ({cores} workers, in process): busiest worker {busiest:.2f} s CPU of"
        f" {total:.2f} s → on idle cores the pool would take about {busiest / total:.0%} of the"
        f" serial analysis time ({total / busiest:.2f}x)"
    )

    print(
        f"break-even (in process, serial vs a forced {cores}-worker pool, first files of the tree):"
    )
    small = [(path, size) for path, size in zip(paths, sizes, strict=True) if size < 8e6]
    for megabytes in (2, 4, 8, 12, 16, 32):
        chosen, taken = [], 0
        for path, size in small:
            if taken >= megabytes * 1e6:
                break
            chosen.append((path, size))
            taken += size
        chosen_paths = [path for path, _ in chosen]
        chosen_sizes = [size for _, size in chosen]
        figures, _ = _median_of(
            {
                "serial": _forced(chosen_paths, chosen_sizes, 1),
                "pool": _forced(chosen_paths, chosen_sizes, cores),
            },
            max(3, arguments.repeat),
        )
        print(
            f"  {taken / 1e6:5.1f} MB in {len(chosen):3d} files: serial {figures['serial'] * 1000:6.0f} ms,"
            f" pool {figures['pool'] * 1000:6.0f} ms ({figures['serial'] / figures['pool']:.2f}x)"
        )
    print(f"pool used from {parallel.PARALLEL_FROM_BYTES / 1e6:.1f} MB")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
