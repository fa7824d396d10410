"""Every crash state of every recorded operation, checked; and what durability costs.

Runs each scenario of tests/crash/scenarios.py (fix under each strategy, fix --no-backup,
fix --fork, restore, the lock, the health cache write, Claude Code appending), builds every state
the power-loss model of tests/crash/model.py allows after each recorded operation, materialises
and checks each, and prints the counts per operation and per scenario. Then measures, on this
machine, a repair with its fsyncs against the same repair with them skipped, and what routing the
calls through session_lsp.fileops costs per call.

    python bench/bench_crash.py [--per-operation] [--repeat 20]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))

from session_lsp import fileops  # noqa: E402
from session_lsp.core.repairs import Strategy  # noqa: E402
from session_lsp.disk import fix_file  # noqa: E402
from tests.crash.model import Counts  # noqa: E402
from tests.crash.recorder import RecordingOps, Sync, SyncFolder  # noqa: E402
from tests.crash.scenarios import all_scenarios  # noqa: E402

EXAMPLE = BENCH.parent / "examples" / "interrupted-parallel-tools.jsonl"


class _NoFlush(fileops.FileOps):
    """The same repair without making anything durable: the baseline the fsyncs are priced at."""

    def fsync(self, descriptor: int) -> None:
        pass

    def fsync_folder(self, folder: Path) -> None:
        pass


def _describe(operation: object) -> str:
    text = repr(operation)
    return text if len(text) <= 90 else text[:87] + "..."


def run_states(per_operation: bool) -> bool:
    print("crash states (model: tests/crash/model.py, 512-byte sectors; docs/crash-safety.md)")
    print(f"{'scenario':34} {'ops':>4} {'states':>8} {'checked':>8} {'failing':>8} {'seconds':>8}")
    total, checked, failing = 0, 0, 0
    with tempfile.TemporaryDirectory() as scratch:
        for scenario in all_scenarios(Path(scratch)):
            started = time.perf_counter()
            scenario.record()
            counts = Counts()
            failures = list(scenario.failures(counts))
            seconds = time.perf_counter() - started
            print(
                f"{scenario.name:34} {len(scenario.operations):>4} {counts.states:>8}"
                f" {counts.checked:>8} {len(failures):>8} {seconds:>8.2f}"
            )
            if per_operation:
                for index, states in enumerate(counts.per_operation):
                    before = "(before the first operation)"
                    label = _describe(scenario.operations[index - 1]) if index else before
                    print(f"    after {index:>3}: {states:>6} states  {label}")
            for state, problems in failures[:5]:
                print(f"    FAILS after operation {state.after}: {'; '.join(problems)}")
            total += counts.states
            checked += counts.checked
            failing += len(failures)
    print(f"{'all':34} {'':>4} {total:>8} {checked:>8} {failing:>8}")
    return failing == 0


def _time_repair(ops: fileops.FileOps, folder: Path, repeat: int) -> float:
    """Median seconds of an in-place stub repair with a backup."""
    timings = []
    for attempt in range(repeat):
        session = folder / f"s{attempt}.jsonl"
        shutil.copyfile(EXAMPLE, session)
        os.utime(session, (time.time() - 3600,) * 2)
        started = time.perf_counter()
        with fileops.using(ops):
            assert fix_file(session, Strategy.STUB).changed
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def _barriers(folder: Path) -> tuple[int, int]:
    session = folder / "counted.jsonl"
    shutil.copyfile(EXAMPLE, session)
    os.utime(session, (time.time() - 3600,) * 2)
    recorder = RecordingOps(folder)
    with fileops.using(recorder):
        fix_file(session, Strategy.STUB)
    files = sum(isinstance(op, Sync) for op in recorder.operations)
    folders = sum(isinstance(op, SyncFolder) for op in recorder.operations)
    return files, folders


def _dispatch_cost(calls: int) -> float:
    """Nanoseconds one call through fileops.current() adds to the same system call made directly."""
    descriptor = os.open(os.devnull, os.O_WRONLY)
    try:
        started = time.perf_counter()
        for _ in range(calls):
            os.write(descriptor, b"")
        direct = time.perf_counter() - started
        started = time.perf_counter()
        for _ in range(calls):
            fileops.current().write(descriptor, b"")
        layered = time.perf_counter() - started
    finally:
        os.close(descriptor)
    return (layered - direct) / calls * 1e9


def run_costs(repeat: int) -> None:
    with tempfile.TemporaryDirectory(dir=BENCH) as scratch:
        folder = Path(scratch)
        files, folders = _barriers(folder)
        durable = _time_repair(fileops.FileOps(), folder, repeat)
        skipped = _time_repair(_NoFlush(), folder, repeat)
    print()
    print(f"durability of one in-place repair ({EXAMPLE.name}, {EXAMPLE.stat().st_size} bytes):")
    print(f"  barriers: {files} file fsyncs + {folders} folder fsyncs")
    print(f"  with them:    {durable * 1e3:8.2f} ms (median of {repeat})")
    print(f"  without them: {skipped * 1e3:8.2f} ms")
    print(f"  cost: {(durable - skipped) * 1e3:.2f} ms per repair, ratio {durable / skipped:.2f}x")
    full = "F_FULLFSYNC" if fileops._FULL_FSYNC is not None else "fsync (no F_FULLFSYNC here)"
    print(f"  each barrier here is: {full}")
    print(f"fileops dispatch: {_dispatch_cost(200_000):+.0f} ns per call over the direct call")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--per-operation", action="store_true", help="states after each op")
    parser.add_argument("--repeat", type=int, default=20)
    arguments = parser.parse_args(argv)
    clean = run_states(arguments.per_operation)
    run_costs(arguments.repeat)
    return 0 if clean else 1


if __name__ == "__main__":
    sys.exit(main())
