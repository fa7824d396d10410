"""Throughput of `session-lsp check` against orjson merely parsing the same lines.

Target (issue 2): the full check is at least as fast as `orjson.loads` over every line
(ratio >= 1.0). Both are measured in this run on the same generated session; each figure is the
median of several alternating repetitions, so a noisy neighbour hurts both sides alike.

    python bench/bench_check.py [--size-mb 100] [--repeat 5]
"""

from __future__ import annotations

import argparse
import gc
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import orjson

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))

from generate_session import generate_session  # noqa: E402

from session_lsp.core.analysis import analyse_bytes  # noqa: E402
from session_lsp.files import read_session_file  # noqa: E402


def _timed(action: Callable[[], object]) -> float:
    gc.collect()
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size-mb", type=float, default=100)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--damage", type=int, default=5)
    arguments = parser.parse_args(argv)

    path = BENCH / "out" / f"session-{arguments.size_mb:g}mb.jsonl"
    generated = generate_session(
        path, int(arguments.size_mb * 1024 * 1024), seed=1, damage=arguments.damage, compactions=0
    )
    size_mb = generated.bytes / 1e6
    lines = path.read_bytes().split(b"\n")[:-1]

    def parse_with_orjson() -> None:
        for line in lines:
            orjson.loads(line)

    def check_in_process() -> None:
        analysis = analyse_bytes(read_session_file(path).data)
        found = {f.tool_use_id for f in analysis.findings if f.code.value == "unpaired-tool-use"}
        if found != set(generated.damaged_tool_ids):
            raise SystemExit(f"wrong findings: {sorted(found)} != {generated.damaged_tool_ids}")

    def check_cli() -> None:
        subprocess.run(
            [sys.executable, "-m", "session_lsp", "check", "--format", "json", str(path)],
            stdout=subprocess.DEVNULL,
            check=False,
        )

    orjson_times, core_times, cli_times = [], [], []
    for _ in range(arguments.repeat):
        orjson_times.append(_timed(parse_with_orjson))
        core_times.append(_timed(check_in_process))
        cli_times.append(_timed(check_cli))

    orjson_s = statistics.median(orjson_times)
    core_s = statistics.median(core_times)
    cli_s = statistics.median(cli_times)
    print(f"session: {size_mb:.1f} MB, {generated.lines} lines, {generated.tool_calls} tool calls")
    print(
        f"orjson.loads over the lines:      {orjson_s * 1000:7.0f} ms  {size_mb / orjson_s:7.0f} MB/s"
    )
    print(
        f"check, in process (read+analyse): {core_s * 1000:7.0f} ms  {size_mb / core_s:7.0f} MB/s"
    )
    print(f"check, CLI process end to end:    {cli_s * 1000:7.0f} ms  {size_mb / cli_s:7.0f} MB/s")
    print(f"ratio orjson/check in process: {orjson_s / core_s:.2f} (target >= 1.0)")
    print(f"ratio orjson/check CLI:        {orjson_s / cli_s:.2f} (includes interpreter start-up)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
