"""Many tool calls on one line: checking them costs what the same calls on one line each cost.

Target (issue 8): locating every call of a line is linear, so the ratio of one line holding N
unanswered calls to N lines holding one each stays near 1 as N doubles (it grew with N when each
finding searched the whole line: 8,000 calls on one line took 9.6 s). Both are measured in this
run; each figure is the median of a few repetitions.

    python bench/bench_locate.py [--calls 1000 2000 4000 8000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from session_lsp.core.analysis import analyse_bytes


def _record(uuid: str, parent: str | None, role: str, content: list[dict[str, object]]) -> bytes:
    return json.dumps(
        {
            "parentUuid": parent,
            "type": role,
            "uuid": uuid,
            "sessionId": "s",
            "timestamp": "2026-01-01T00:00:00.000Z",
            "message": {"role": role, "content": content, "id": f"msg-{uuid}"},
        }
    ).encode()


def _calls(first: int, count: int) -> list[dict[str, object]]:
    return [
        {"type": "tool_use", "id": f"toolu_{first + index:08d}", "name": "Read", "input": {}}
        for index in range(count)
    ]


def one_line(calls: int) -> bytes:
    prompt = _record("u0", None, "user", [{"type": "text", "text": "go"}])
    return prompt + b"\n" + _record("a0", "u0", "assistant", _calls(0, calls)) + b"\n"


def one_per_line(calls: int) -> bytes:
    lines = [_record("u0", None, "user", [{"type": "text", "text": "go"}])]
    parent = "u0"
    for index in range(calls):
        record = _record(f"a{index}", parent, "assistant", _calls(index, 1))
        lines.append(record.replace(b'"id": "msg-a' + str(index).encode(), b'"id": "msg-a0'))
        parent = f"a{index}"
    return b"\n".join(lines) + b"\n"


def _seconds(data: bytes, repeat: int) -> float:
    figures = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        analysis = analyse_bytes(data)
        figures.append(time.perf_counter() - start)
    assert analysis.error_count > 0
    return statistics.median(figures)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, nargs="+", default=[1000, 2000, 4000, 8000])
    parser.add_argument("--repeat", type=int, default=3)
    arguments = parser.parse_args(argv)
    print(f"{'calls':>7} {'one line':>10} {'one each':>10} {'ratio':>6}")
    for calls in arguments.calls:
        together = _seconds(one_line(calls), arguments.repeat)
        apart = _seconds(one_per_line(calls), arguments.repeat)
        print(f"{calls:>7} {together:>9.3f}s {apart:>9.3f}s {together / apart:>6.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
