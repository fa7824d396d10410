"""Does a long editing session grow the server? RSS of `session-lsp serve` over many operations.

A fresh server opens an 8 MB session (a real session repeated, with emoji and CJK: big enough
that its open is frozen out of the collector's sight), then repeats, `--rounds` times, one of:

* `edit`: a one-character change of a `parentUuid` in the middle (the whole chain is replayed),
  then the outline (`textDocument/documentSymbol`) and the first page of the conversation view
  (`sessionLsp.conversation`, 50 items), as an editor with the view open asks after each change;
* `page`: the first page of the view again, nothing changed (the model is cached);
* `trivial`: `sessionLsp.debugInformation`.

It prints VmRSS after the open and at each quarter, and the growth per round over the last three
quarters (the first quarter includes caches filling). A server that keeps nothing per operation
stays flat: a few KB a round is allocator noise. `--code OTHER_CHECKOUT` measures another
checkout in the same run.

    python bench/bench_memory_growth.py [--rounds 800] [--code OTHER_CHECKOUT]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

from bench_lsp import LspClient, open_document, pick_line, server_argv  # noqa: E402
from shapes import repeated_real_session  # noqa: E402

SIZE_BYTES = 8_000_000
PARENT = '"parentUuid":"'
TRIVIAL = {"command": "sessionLsp.debugInformation", "arguments": []}


def _session() -> Path:
    path = BENCH / "out" / "memory-growth.jsonl"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        repeated_real_session(path, SIZE_BYTES)
    return path


def _rss_mb(client: LspClient) -> float:
    return client.memory_kb()["VmRSS"] / 1024


def measure(code: Path, operation: str, rounds: int) -> list[float]:
    """VmRSS (MB) after the open, then after each quarter of the rounds."""
    path = _session()
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    uri = path.as_uri()
    env = {**os.environ, "PYTHONPATH": str(code)}
    log = BENCH / "out" / "bench_memory_growth.log"
    client = LspClient(server_argv(None), log, env, Path("/"))
    page: dict[str, Any] = {
        "command": "sessionLsp.conversation",
        "arguments": [uri, {"offset": 0, "limit": 50}],
    }
    try:
        client.initialize({"debounceMs": 0})
        open_document(client, uri, 1, text)
        line = pick_line(lines, PARENT)
        column = lines[line].index(PARENT) + len(PARENT) + 3
        original = lines[line][column]
        span = {
            "start": {"line": line, "character": column},
            "end": {"line": line, "character": column + 1},
        }
        figures = [_rss_mb(client)]
        version = 1
        for number in range(rounds):
            if operation == "edit":
                version += 1
                since = client.publish_count()
                change = {"range": span, "text": "f" if number % 2 == 0 else original}
                client.notify(
                    "textDocument/didChange",
                    {
                        "textDocument": {"uri": uri, "version": version},
                        "contentChanges": [change],
                    },
                )
                client.wait_publish(uri, version, since)
                client.request("textDocument/documentSymbol", {"textDocument": {"uri": uri}})
                client.request("workspace/executeCommand", page)
            elif operation == "page":
                client.request("workspace/executeCommand", page)
            else:
                client.request("workspace/executeCommand", TRIVIAL)
            if (number + 1) % max(1, rounds // 4) == 0:
                figures.append(_rss_mb(client))
    finally:
        client.shutdown()
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=800)
    parser.add_argument("--code", type=Path, help="another checkout, measured in the same run")
    arguments = parser.parse_args(argv)
    checkouts = [("this", ROOT)] + ([("other", arguments.code)] if arguments.code else [])
    for operation in ("edit", "page", "trivial"):
        for label, code in checkouts:
            figures = measure(code, operation, arguments.rounds)
            rounds_measured = arguments.rounds - max(1, arguments.rounds // 4)
            growth_kb = (figures[-1] - figures[1]) * 1024 / max(1, rounds_measured)
            shown = " ".join(f"{figure:6.1f}" for figure in figures)
            print(
                f"{operation:<8} {label:<6} VmRSS MB after the open, then each quarter: {shown}"
                f"   growth {growth_kb:6.1f} KB a round"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
