"""Searching sessions: a gigabyte of them from the command line, and one 105 MB session.

1. `session-lsp search QUERY --all` over about 1 GB of sessions in all three shapes (huge tool
   results from `generate_session.py`; many mid-sized lines with emoji and CJK, and thousands of
   tool calls after one prompt, from `shapes.py`), each run in a fresh process (no model, no
   listing cache: what a person typing the command gets), beside `grep -c -F -i` of the same
   files in the same run. The files are read from the page cache in both (dropping it needs
   root and would slow every other process on the machine). Three queries: one that matches
   nowhere (the scan alone), one that matches in one session (the scan, then that session
   analysed to say where), and one whose pieces are everywhere but never together.
2. `sessionLsp.search` of one 105 MB session of each shape beside `check` of it: with the model
   kept (the view has the session open, as the search box needs), read from the file or opened in
   the editor (its lines in the chunks a didOpen arrives in), and from nothing (read, scan,
   analyse); and the byte scan alone, in C and in Python (where the C was not built), for the
   queries above and words on many of its lines (`WIDESPREAD`).
3. `sessionLsp.search` of each of those sessions by a fresh server that never saw it, by its
   path, alternated with `session-lsp check` of it on the command line: the issue's ratio, with
   the baseline `bench_lsp.py` takes for every other.

Each figure is the median of `--repeat` runs.

    python bench/bench_search.py [--total-mb 1024] [--repeat 3] [--fresh-server-only]
        [--rollout bench/out/open-codex-rollout-105mb.jsonl] [--code OTHER_CHECKOUT]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

import shapes  # noqa: E402
from bench_lsp import LspClient, check_cli, server_argv  # noqa: E402
from generate_session import generate_session  # noqa: E402

from session_lsp.core import search  # noqa: E402
from session_lsp.core.analysis import Transcript, analyse_bytes  # noqa: E402
from session_lsp.core.collector import BIG_BYTES, collector_paused  # noqa: E402
from session_lsp.core.search import (  # noqa: E402
    Hit,
    Query,
    candidate_lines,
    compile_query,
    search_model,
)
from session_lsp.core.turns import ConversationModel, build_model  # noqa: E402
from session_lsp.files import read_session_file  # noqa: E402
from session_lsp.lsp import views  # noqa: E402
from session_lsp.lsp.opening import CHUNK_BYTES  # noqa: E402
from session_lsp.lsp.packing import PACKING  # noqa: E402
from session_lsp.lsp.text_chunks import ReadChunks  # noqa: E402
from session_lsp.sessions.registry import Liveness  # noqa: E402

MB = 1024 * 1024
QUIET = Liveness([], now=time.time() + 3600)
"""No Claude Code running, and every file written long ago: no session is live."""
TOOL_RUN_BYTES_PER_TURN = 1500
"""About what one `shapes.tool_run` turn (call and result) writes."""
PROJECT = "-home-dev-project"
QUERIES = {
    "matches nowhere": "zq-session-lsp-absent-9f8e7d",
    "matches in one session": "Sample task 00017",
    "pieces everywhere, never together": "session walker",
}

WIDESPREAD = {
    "a CJK word": "完成",
    "an ASCII word": "passed",
}
"""Queries on many lines of some shapes, for the byte scan alone: each line taken resumes the scan
(a CJK character is looked for as raw UTF-8 and as its `\\u` escape, one of them absent)."""

ROLLOUT_QUERY = "show tools"
"""A prompt of `generate_rollout.py`'s, on every turn that asks it."""

SHAPES = ("huge tool results", "many mid-sized lines with emoji", "thousands of tool calls")
"""The shapes of the first three sessions, in `build_corpus`'s order."""


def _uuid_name(number: int) -> str:
    return f"5e55104e-{number:04x}-4000-8000-000000000000.jsonl"


def build_corpus(home: Path, total_bytes: int) -> list[Path]:
    """About `total_bytes` of sessions, 40 % huge tool results, 30 % repeated real sessions,
    30 % tool runs; kept between runs (the generators are deterministic)."""
    folder = home / ".claude" / "projects" / PROJECT
    folder.mkdir(parents=True, exist_ok=True)
    plan: list[tuple[str, int]] = []
    each = 100 * MB
    count = max(3, round(total_bytes / each))
    for number in range(count):
        kind = ("generated", "repeated", "tool-run")[number % 3] if number % 10 < 9 else "generated"
        plan.append((kind, each))
    paths = []
    for number, (kind, size) in enumerate(plan):
        path = folder / _uuid_name(number)
        if not path.exists() or path.stat().st_size < size * 0.9:
            if kind == "generated":
                generate_session(path, size, seed=number + 1)
            elif kind == "repeated":
                shapes.repeated_real_session(path, size)
            else:
                shapes.tool_run(path, size // TOOL_RUN_BYTES_PER_TURN)
        paths.append(path)
    _plant_one_match(paths[0])
    return paths


def _plant_one_match(path: Path) -> None:
    """The generated files never say "Sample task 00017": one prompt in the first says it."""
    data = path.read_bytes()
    if QUERIES["matches in one session"].encode() in data:
        return
    marker = b'"role":"user","content":"'
    at = data.find(marker, len(data) // 2)
    if at < 0:
        raise SystemExit(f"no prompt in the second half of {path}")
    at += len(marker)
    path.write_bytes(data[:at] + QUERIES["matches in one session"].encode() + b" " + data[at:])


def _median(action: Callable[[], object], repeat: int) -> tuple[float, object]:
    times, value = [], None
    for _ in range(repeat):
        value = None  # the last answer is freed before the clock starts
        start = time.perf_counter()
        value = action()
        times.append(time.perf_counter() - start)
    return statistics.median(times), value


def _search_command(home: Path, query: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "HOME": str(home), "CLAUDE_CONFIG_DIR": str(home / ".claude")}
    environment["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "session_lsp", "search", query, "--all", "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
        env=environment,
        cwd=home,
    )


def _grep(paths: list[Path], query: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["grep", "-c", "-F", "-i", "--", query, *map(str, paths)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "LC_ALL": "C"},
    )


def bench_many(home: Path, paths: list[Path], repeat: int) -> None:
    total = sum(path.stat().st_size for path in paths)
    print(f"{len(paths)} sessions, {total / 1e9:.2f} GB, in {home}")
    for path in paths:  # into the page cache, for both
        path.read_bytes()
    for label, query in QUERIES.items():
        search_s, result = _median(lambda query=query: _search_command(home, query), repeat)
        grep_s, _ = _median(lambda query=query: _grep(paths, query), repeat)
        assert isinstance(result, subprocess.CompletedProcess)
        if result.returncode not in (0, 1):
            raise SystemExit(f"search failed: {result.stderr}")
        sessions = result.stdout.count('"sessionId"')
        print(
            f"  {label:<36} search {search_s:5.2f} s  grep -c {grep_s:5.2f} s"
            f"  ratio {search_s / grep_s:4.1f}  ({sessions} session(s) matched)"
        )


@contextlib.contextmanager
def _python_scan() -> Iterator[None]:
    """The scan where the C module was not built: each megabyte lower-cased in Python."""
    native, search.LINES_HOLDING = search.LINES_HOLDING, None
    try:
        yield
    finally:
        search.LINES_HOLDING = native


def bench_one(path: Path, repeat: int, held: str = QUERIES["matches in one session"]) -> None:
    """One session: `check`, then the server's search with the model kept and from nothing.
    `held`: a query the session holds."""
    planted = compile_query(held)
    absent = compile_query(QUERIES["matches nowhere"])

    def check() -> int:
        return analyse_bytes(read_session_file(path).data).error_count

    def from_nothing(query: Query) -> tuple[int, object]:
        """What the server does for a file it has no model of (`views.search`): the bytes
        scanned, then the model built as a view's is (`views._analyse`: a big file's frozen out
        of the collector's sight), searched on the lines the scan took. The analysis the model
        was built from is handed back, as the server frees it after answering."""
        session = read_session_file(path)
        lines = candidate_lines(session.data, query)
        if not lines:
            return 0, None
        model, analysis = views._analyse(session, QUIET, kept=session.size > BIG_BYTES)
        return len(search_model(model, query, 200, lines)), analysis

    check_s, _ = _median(check, repeat)
    data = read_session_file(path).data
    with collector_paused(freeze=True):  # as the server keeps a big session's model
        model = build_model(analyse_bytes(read_session_file(path).data), path)
        opened = build_model(_opened_in_chunks(path).analyse(), path)
    print(f"  one session, {path.stat().st_size / 1e6:.0f} MB")
    print(f"  check (read + analyse)                 {check_s * 1000:7.0f} ms")
    scanned = {
        **WIDESPREAD,
        "the planted query": planted.text,
        "a query found nowhere": absent.text,
    }
    for label, text in scanned.items():
        query = compile_query(text)
        scan_s, taken = _median(lambda query=query: candidate_lines(data, query), repeat)
        with _python_scan():
            python_s, _ = _median(lambda query=query: candidate_lines(data, query), repeat)
        print(
            f"  scan for {label} ({len(taken) if isinstance(taken, list) else 0:,} lines taken):"
            f" {scan_s * 1000:5.0f} ms, ratio {scan_s / check_s:.2f};"
            f" Python's scan {python_s * 1000:5.0f} ms, ratio {python_s / check_s:.2f}"
        )

    def first_on(model: ConversationModel, query: Query) -> list[Hit]:
        """The first query on a model: what it keeps for the next queries made again."""
        search.forget_index(model)
        return search_model(model, query, 200)

    for label, query in (("a query it holds", planted), ("a query it lacks", absent)):
        first_s, _ = _median(lambda query=query: first_on(model, query), repeat)
        kept_s, found = _median(lambda query=query: search_model(model, query, 200), repeat)
        open_s, _ = _median(lambda query=query: search_model(opened, query, 200), repeat)
        cold_s, _ = _median(lambda query=query: from_nothing(query), repeat)
        print(
            f"  {label} ({len(found) if isinstance(found, list) else 0} match(es)):"
            f" first on a model {first_s * 1000:6.0f} ms, ratio {first_s / check_s:.2f};"
            f" model kept {kept_s * 1000:6.0f} ms, ratio {kept_s / check_s:.2f};"
            f" open in the editor {open_s * 1000:6.0f} ms, ratio {open_s / check_s:.2f};"
            f" from nothing {cold_s * 1000:6.0f} ms, ratio {cold_s / check_s:.2f}"
        )


def _held_queries(path: Path) -> dict[str, str]:
    """The planted query where the session holds it, and each widespread word it holds."""
    data = path.read_bytes()
    held = {
        label: text
        for label, text in {
            "the planted query": QUERIES["matches in one session"],
            **WIDESPREAD,
        }.items()
        if text.encode() in data
    }
    return held


def bench_fresh_server(
    path: Path, repeat: int, queries: dict[str, str], other: Path | None = None
) -> None:
    """`sessionLsp.search` of a session a fresh server has never seen, by its path, beside
    `session-lsp check` on the command line (the baseline of every `check` ratio of
    `bench_lsp.py`), alternated: what the view's search box costs on a file it has no model of
    yet. `check` here includes the interpreter's start, which `check` in process (above)
    leaves out. `other`: another checkout measured in the same run, alternated with this one
    each repetition (its `check` with its own code), for a before and after on a busy machine."""
    codes = [("this", ROOT)] if other is None else [("other", other.resolve()), ("this", ROOT)]
    nowhere = Path("/")  # not a checkout: `python -m` puts the working directory first
    log = BENCH / "out" / "bench_search.server.log"
    for label, text in queries.items():
        searches: dict[str, list[float]] = {name: [] for name, _ in codes}
        checks: dict[str, list[float]] = {name: [] for name, _ in codes}
        found = 0
        for _ in range(repeat):
            for name, code in codes:
                environment = {**os.environ, "PYTHONPATH": str(code)}
                checks[name].append(check_cli(path, environment, nowhere)[0])
                client = LspClient(server_argv(None), log, environment, nowhere)
                try:
                    client.initialize({"debounceMs": 0})
                    hits, seconds = client.request(
                        "workspace/executeCommand",
                        {
                            "command": "sessionLsp.search",
                            "arguments": [str(path), {"query": text, "limit": 200}],
                        },
                    )
                finally:
                    client.shutdown()
                searches[name].append(seconds)
                found = len(hits)
        for name, _ in codes:
            search_s, check_s = statistics.median(searches[name]), statistics.median(checks[name])
            each = " ".join(
                f"{s / c:.2f}" for s, c in zip(searches[name], checks[name], strict=True)
            )
            who = "" if other is None else f" [{name} checkout]"
            print(
                f"  fresh server{who}, {label} ({found} match(es) sent): search"
                f" {search_s * 1000:6.0f} ms, check on the command line {check_s * 1000:6.0f} ms,"
                f" ratio {search_s / check_s:.2f} (each run: {each})"
            )


def _opened_in_chunks(path: Path) -> Transcript:
    """The session as the server holds a document the editor opened: lines in the chunks of
    about a megabyte its didOpen was unescaped in (`opening.CHUNK_BYTES`)."""
    data = path.read_bytes()
    chunks, at = [], 0
    while at < len(data):
        cut = data.rfind(b"\n", at, at + CHUNK_BYTES) + 1
        cut = len(data) if cut <= at else cut
        chunks.append(data[at:cut])
        at = cut
    read = ReadChunks.of(chunks)
    PACKING.wait()  # a document of short lines is packed moments after its lines are read
    return read.transcript()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--total-mb", type=float, default=1024)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--rollout",
        type=Path,
        help="a Codex rollout searched as one session too (bench_lsp.py's codex-rollout shape,"
        " from generate_rollout.py), with a query its prompts hold",
    )
    parser.add_argument(
        "--code",
        type=Path,
        help="another checkout whose fresh-server search is alternated with this one's",
    )
    parser.add_argument(
        "--fresh-server-only",
        action="store_true",
        help="only the search of each session by a fresh server, beside `check`",
    )
    arguments = parser.parse_args(argv)
    home = BENCH / "out" / "search-home"
    paths = build_corpus(home, int(arguments.total_mb * MB))
    if not arguments.fresh_server_only:
        bench_many(home, paths, arguments.repeat)
    for label, path in zip(SHAPES, paths[:3], strict=True):
        print(f"{label}:")
        if not arguments.fresh_server_only:
            bench_one(path, arguments.repeat)
        bench_fresh_server(path, arguments.repeat, _held_queries(path), arguments.code)
    if arguments.rollout is not None:
        print("a Codex rollout:")
        if not arguments.fresh_server_only:
            bench_one(arguments.rollout, arguments.repeat, ROLLOUT_QUERY)
        bench_fresh_server(
            arguments.rollout.resolve(),
            arguments.repeat,
            {"its prompt": ROLLOUT_QUERY},
            arguments.code,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
