"""What abandoned branches cost the conversation model, beside the analysis of the same file.

Each branch a resume leaves out is a segment of the model (`history.abandoned_chains`): walked
back from its leaf until it meets a line another segment holds, so every line is walked once, and
its parallel calls looked up by message id rather than by a pass over the file. Three shapes, each
at three sizes so a quadratic path shows as a growing ratio:

* `rewinds`: one conversation of N lines and beside it one abandoned branch of N lines with a
  rewound reply hanging off every line of it (N branches, each one line after the first);
* `parallel`: N rewound replies off one conversation, each a pair of parallel calls with their
  results and a reply, as a Claude Code rewind of a turn that ran two tools leaves them;
* `one message`: one rewound reply of N/8 parallel calls, one message written as N/8 lines
  (a branch's siblings are looked up once per message, not once per line of it).

Printed per shape and size: the analysis, the model with its branches, their ratio, the branches
counted and the segments built (past `MAX_BRANCHES`, the newest). Each figure the best of
`--repeat` runs, in-process.

    python bench/bench_branches.py [--repeat 3] [--sizes 2000 8000 32000]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

import orjson

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))

from session_lsp.core.analysis import analyse_bytes  # noqa: E402
from session_lsp.core.document import Analysis  # noqa: E402
from session_lsp.core.turns import ConversationModel, build_model  # noqa: E402


class Lines:
    """JSONL lines of one session, every line a second after the one before unless told."""

    def __init__(self) -> None:
        self.lines: list[bytes] = []

    def add(self, uuid: str, parent: str | None, kind: str, stamp: str, message: object) -> None:
        record = {
            "parentUuid": parent,
            "isSidechain": False,
            "type": kind,
            "uuid": uuid,
            "timestamp": stamp,
            "sessionId": "5e55104e-0000-4000-8000-00000000b4a7",
            "message": message,
        }
        self.lines.append(orjson.dumps(record))

    def prompt(self, uuid: str, parent: str | None, stamp: str, text: str) -> None:
        self.add(uuid, parent, "user", stamp, {"role": "user", "content": text})

    def reply(self, uuid: str, parent: str, stamp: str, block: dict[str, object], mid: str) -> None:
        message = {"id": mid, "role": "assistant", "content": [block]}
        self.add(uuid, parent, "assistant", stamp, message)

    def result(self, uuid: str, parent: str, stamp: str, call: str) -> None:
        block = {"type": "tool_result", "tool_use_id": call, "content": "ok"}
        self.add(uuid, parent, "user", stamp, {"role": "user", "content": [block]})

    def data(self) -> bytes:
        return b"\n".join(self.lines) + b"\n"


OLD = "2026-01-01T00:00:01.000Z"
NEW = "2026-01-02T00:00:00.000Z"


def rewinds(size: int) -> bytes:
    session = Lines()
    session.prompt("root", None, OLD, "start")
    parent = "root"
    for n in range(size):
        session.reply(f"b{n}", parent, OLD, {"type": "text", "text": f"try {n}"}, f"msg_b{n}")
        session.prompt(f"l{n}", f"b{n}", OLD, f"rewound {n}")
        parent = f"b{n}"
    parent = "root"
    for n in range(size):
        session.reply(f"c{n}", parent, NEW, {"type": "text", "text": f"kept {n}"}, f"msg_c{n}")
        parent = f"c{n}"
    return session.data()


def parallel(size: int) -> bytes:
    session = Lines()
    session.prompt("root", None, OLD, "start")
    for n in range(size):
        session.prompt(f"p{n}", "root", OLD, f"attempt {n}")
        calls = (f"toolu_{n}a", f"toolu_{n}b")
        session.reply(f"x{n}", f"p{n}", OLD, _call(calls[0]), f"msg_{n}")
        session.reply(f"y{n}", f"x{n}", OLD, _call(calls[1]), f"msg_{n}")
        session.result(f"rx{n}", f"x{n}", OLD, calls[0])
        session.result(f"ry{n}", f"y{n}", OLD, calls[1])
        session.reply(f"z{n}", f"ry{n}", OLD, {"type": "text", "text": "done"}, f"msg_z{n}")
    session.prompt("kept", "root", NEW, "the attempt kept")
    return session.data()


def one_message(size: int) -> bytes:
    session = Lines()
    session.prompt("root", None, OLD, "start")
    session.prompt("p", "root", OLD, "read every file")
    parent = "p"
    for n in range(size):  # one message streamed as N lines, one call each, then the results
        session.reply(f"m{n}", parent, OLD, _call(f"toolu_m{n}"), "msg_long")
        parent = f"m{n}"
    for n in range(size):
        session.result(f"r{n}", f"m{n}", OLD, f"toolu_m{n}")
    session.prompt("kept", "root", NEW, "the attempt kept")
    return session.data()


def _call(tool_id: str) -> dict[str, object]:
    return {"type": "tool_use", "id": tool_id, "name": "Bash", "input": {"command": "ls"}}


def best(repeat: int, run: Callable[[], object]) -> tuple[float, object]:
    times, value = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        value = run()
        times.append(time.perf_counter() - start)
    return min(times), value


def measure(name: str, data: bytes, repeat: int) -> None:
    analysis_time, analysed = best(repeat, lambda: analyse_bytes(data))
    assert isinstance(analysed, Analysis)
    model_time, built = best(repeat, lambda: build_model(analysed, None))
    assert isinstance(built, ConversationModel)
    print(
        f"{name:>18}  {len(data) / 1e6:6.1f} MB  analysis {analysis_time * 1e3:7.0f} ms"
        f"  model {model_time * 1e3:7.0f} ms  ratio {model_time / analysis_time:5.2f}"
        f"  branches {built.abandoned_branches:,} (built {len(built.abandoned_segments):,})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 8000, 32000])
    options = parser.parse_args()
    for size in options.sizes:
        measure(f"rewinds {size:,}", rewinds(size), options.repeat)
    for size in options.sizes:
        measure(f"parallel {size:,}", parallel(size), options.repeat)
    for size in options.sizes:
        measure(f"one message {size // 8:,}", one_message(size // 8), options.repeat)


if __name__ == "__main__":
    main()
