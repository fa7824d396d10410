"""Every shape of session against its baseline, measured in the same run (issue 9).

Shapes (see `shapes.py`): big tool results (`generate_session.py`), a real session repeated to
105 MB with emoji and CJK, a long autonomous tool run (2,500 and 10,000 turns), 20,000 consecutive
user lines. Per shape, each figure beside its baseline:

* orjson: a whole Python process that reads the file and runs `orjson.loads` over every line;
* check: the whole `session-lsp check` process, and its peak RSS beside the file size;
* edit: in a `SessionDocument` (the server's document, no wire), a one-character edit inside a text
  value (the replay is unchanged) then the diagnostics, i.e. the server's time per keystroke;
  also an edit that changes the chain (a parentUuid), which must replay. Wall time and
  the thread's CPU time: on a loaded machine the wall time also counts waiting for a core.

Targets: check <= 1.5x orjson on the repeated session; a tool run of 10,000 turns <= 4x orjson and
<= 5x the run of 2,500; a keystroke <= 20 ms on every shape.

`--code DIR` measures another checkout's `session_lsp` (e.g. the code before a change) on the same
files, so before and after can be compared in one sitting.

    python bench/bench_shapes.py [--repeat 3] [--edits 30] [--code DIR] [--only NAME ...]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

from generate_session import generate_session  # noqa: E402
from peak import CHECK_WITH_PEAK  # noqa: E402
from shapes import consecutive_users, repeated_real_session, tool_run  # noqa: E402

ORJSON_LOOP = """
import sys, orjson
with open(sys.argv[1], "rb") as handle:
    for line in handle.read().split(b"\\n"):
        if line:
            orjson.loads(line)
"""

EDITS = """
import statistics, sys, time
from lsprotocol import types
from session_lsp.lsp.convert import diagnostics_of
from session_lsp.lsp.documents import SessionDocument

path, edits, needle = sys.argv[1], int(sys.argv[2]), sys.argv[3].encode()
text = open(path, encoding="utf-8").read()
document = SessionDocument("file:///bench.jsonl", text, version=0)
diagnostics_of(document)
if len(text) > 5_000_000:
    import gc
    gc.freeze()  # as the server does after opening a big document (lsp/sync.py)
raw = text.encode("utf-8").split(b"\\n")

def place(needle, offset):
    middle = len(raw) // 2
    for distance in range(len(raw)):
        for line in (middle + distance, middle - distance):
            if 0 <= line < len(raw) and needle in raw[line]:
                at = raw[line].index(needle) + len(needle) + offset
                column = len(raw[line][:at].decode("utf-8").encode("utf-16-le")) // 2
                return line, column
    raise SystemExit(f"no line holds {needle!r}")

def keystrokes(line, column, count):
    times, cpu = [], []
    for version in range(1, count + 1):
        at = types.Position(line=line, character=column)
        insert = version % 2 == 1
        change = types.TextDocumentContentChangePartial(
            range=types.Range(start=at, end=at if insert else types.Position(line=line, character=column + 1)),
            text="x" if insert else "",
        )
        start, start_cpu = time.perf_counter(), time.thread_time()
        document.version = document.version + 1
        document.apply_change(change)
        diagnostics_of(document)
        times.append(time.perf_counter() - start)
        cpu.append(time.thread_time() - start_cpu)
    return times, cpu

text_times, text_cpu = keystrokes(*place(needle, 2), edits)
chain_times, _ = keystrokes(*place(b'"parentUuid":"', 4), max(4, edits // 5))
print(
    statistics.median(text_times), max(text_times), statistics.median(text_cpu), max(text_cpu),
    statistics.median(chain_times),
)
"""


@dataclass
class Shape:
    name: str
    path: Path
    text_needle: str
    """A key whose string value the keystroke types into (the replay must stay unchanged)."""


def make_shapes(out: Path, only: set[str]) -> list[Shape]:
    out.mkdir(exist_ok=True)
    shapes: list[Shape] = []

    def add(name: str, needle: str, make: Callable[[Path], object]) -> None:
        if only and name not in only:
            return
        path = out / f"shape-{name}.jsonl"
        if not path.exists():
            make(path)
        shapes.append(Shape(name, path, needle))

    add(
        "big-results-105mb",
        '"text":"',
        lambda p: generate_session(p, 105 * 1024 * 1024, seed=1, damage=3, compactions=0),
    )
    add("repeated-real-105mb", '"text":"', lambda p: repeated_real_session(p, 105_000_000))
    add("tool-run-2500", '"content":"', lambda p: tool_run(p, 2_500))
    add("tool-run-10000", '"content":"', lambda p: tool_run(p, 10_000))
    add("consecutive-users-20000", '"content":"', lambda p: consecutive_users(p, 20_000))
    for shape in shapes:
        an_hour_ago = time.time() - 3600  # not a live session
        os.utime(shape.path, (an_hour_ago, an_hour_ago))
    return shapes


def run(code: Path, argv: list[str]) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PYTHONPATH": str(code)}
    return subprocess.run(
        [sys.executable, *argv],
        capture_output=True,
        text=True,
        env=environment,
        cwd="/",
        check=False,
    )


def timed(code: Path, argv: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = run(code, argv)
    return time.perf_counter() - start, done.stderr


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--edits", type=int, default=30)
    parser.add_argument("--code", type=Path, default=ROOT, help="checkout whose code is measured")
    parser.add_argument("--only", nargs="*", default=[], help="shape names to run")
    arguments = parser.parse_args(argv)
    code = arguments.code.resolve()
    shapes = make_shapes(BENCH / "out", set(arguments.only))
    print(f"code: {code}; load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    check_seconds: dict[str, float] = {}
    for shape in shapes:
        size = shape.path.stat().st_size
        orjson_times, check_times, peaks = [], [], []
        for _ in range(arguments.repeat):  # alternate, so a noisy neighbour hurts both alike
            orjson_times.append(timed(code, ["-c", ORJSON_LOOP, str(shape.path)])[0])
            seconds, stderr = timed(code, ["-c", CHECK_WITH_PEAK, str(shape.path)])
            check_times.append(seconds)
            peaks.append(int(stderr.split()[-1]) * 1024)
        orjson_s, check_s = statistics.median(orjson_times), statistics.median(check_times)
        check_seconds[shape.name] = check_s
        edits = run(code, ["-c", EDITS, str(shape.path), str(arguments.edits), shape.text_needle])
        print(f"\n{shape.name}: {size / 1e6:.1f} MB")
        print(f"  orjson loop, whole process   {orjson_s * 1000:8.0f} ms")
        print(
            f"  check, whole process         {check_s * 1000:8.0f} ms"
            f"   {check_s / orjson_s:5.2f}x orjson"
        )
        print(
            f"  check peak RSS               {max(peaks) / 1e6:8.0f} MB   {max(peaks) / size:5.2f}x file"
        )
        if edits.returncode == 0:
            median, worst, median_cpu, worst_cpu, chain = map(float, edits.stdout.split())
            print(
                f"  keystroke in a text value    {median * 1000:8.1f} ms   worst {worst * 1000:.1f} ms;"
                f" CPU {median_cpu * 1000:.1f} ms, worst {worst_cpu * 1000:.1f} ms (target <= 20 ms)"
            )
            print(f"  keystroke in a parentUuid    {chain * 1000:8.1f} ms   (replays the chain)")
        else:
            print(f"  edits failed: {edits.stderr.strip().splitlines()[-1:]}")
    if "tool-run-2500" in check_seconds and "tool-run-10000" in check_seconds:
        ratio = check_seconds["tool-run-10000"] / check_seconds["tool-run-2500"]
        print(f"\ncheck 10,000 turns / 2,500 turns: {ratio:.2f}x (target <= 5x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
