"""The first workers of a fresh language server, beside `check`, for this checkout and others.

A fresh server (`session-lsp serve`, nothing open) is asked once for what makes it start worker
processes: the first page of a big Codex rollout by its path (its findings worked out in a
worker while the model is built), a search of that rollout, and the listing of a tree of many
sessions (analysed in a pool). Each is alternated with `session-lsp check` of the rollout on the
command line (the baseline of every `check` ratio in `bench_lsp.py`), and the checkouts given
with `--code` are run in the same loop, so that their figures share the machine's state.

Also printed: the memory of the server's child processes (its zygote, or the fork server that
an older checkout starts) after `initialize` and after the listing, from
`/proc/PID/smaps_rollup`: what a server's workers cost while none is at work.

    python bench/bench_workers.py [--rounds 5] [--sessions 240] [--code OTHER_CHECKOUT ...]
        [--rollout bench/out/open-codex-rollout-105mb.jsonl]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import uuid
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

from bench_lsp import LspClient, check_cli, codex_rollout, conversation_page, server_argv  # noqa: E402
from bench_search import ROLLOUT_QUERY  # noqa: E402
from generate_session import generate_session  # noqa: E402

MB = 1024 * 1024
NOWHERE = Path("/")
"""Where servers and `check` start: no checkout, so that PYTHONPATH decides which code runs."""


def sessions_tree(folder: Path, count: int) -> Path:
    """`count` generated sessions of 20-400 kB across 8 projects (kept between runs)."""
    projects = folder / "projects"
    made = sorted(projects.rglob("*.jsonl"))
    if len(made) == count:
        return projects
    for path in made:
        path.unlink()
    for index in range(count):
        project = projects / f"-home-dev-project-{index % 8}"
        project.mkdir(parents=True, exist_ok=True)
        name = uuid.UUID(int=index + 1)
        generate_session(project / f"{name}.jsonl", (20 + index * 37 % 380) * 1024, seed=index)
    old = 1_700_000_000
    for path in projects.rglob("*.jsonl"):
        os.utime(path, (old, old))  # no session is live
    return projects


def children_memory(pid: int) -> str:
    """Rss, Pss and private memory of each child of `pid` (of any of its threads: a fork server
    is the child of the thread that started it), in MB."""
    rows = []
    children = [
        child
        for task in Path(f"/proc/{pid}/task").iterdir()
        for child in (task / "children").read_text().split()
    ]
    for child in children:
        try:
            rollup = Path(f"/proc/{child}/smaps_rollup").read_text().splitlines()[1:]
        except FileNotFoundError:
            continue
        kb = {row.split(":")[0]: int(row.split()[1]) for row in rollup}
        private = kb["Private_Dirty"] + kb["Private_Clean"]
        rows.append(
            f"Rss {kb['Rss'] / 1024:.1f} Pss {kb['Pss'] / 1024:.1f} own {private / 1024:.1f}"
        )
    return "; ".join(rows) or "none"


def one_round(code: Path, rollout: Path, tree: Path) -> dict[str, float]:
    """Each figure once, by fresh servers of `code`; ratios to `check` run just before."""
    environment = {**os.environ, "PYTHONPATH": str(code)}
    log = BENCH / "out" / "bench_workers.server.log"
    figures: dict[str, float] = {}
    for what in ("page", "search", "listing"):
        environment["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="bench-workers-")
        check_s = check_cli(rollout, environment, NOWHERE)[0]
        client = LspClient(server_argv(None), log, environment, NOWHERE)
        try:
            client.initialize({"debounceMs": 0})
            if what == "page":
                print(f"    {code}: children after initialize: {children_memory(client.proc.pid)}")
                seconds = conversation_page(client, str(rollout), 0)[1]
            elif what == "search":
                options = {"query": ROLLOUT_QUERY, "limit": 200}
                _, seconds = client.request(
                    "workspace/executeCommand",
                    {"command": "sessionLsp.search", "arguments": [str(rollout), options]},
                )
            else:
                _, seconds = client.request(
                    "workspace/executeCommand",
                    {"command": "sessionLsp.listSessions", "arguments": [str(tree)]},
                )
                print(f"    {code}: children after the listing: {children_memory(client.proc.pid)}")
        finally:
            client.shutdown()
        figures[what] = seconds / check_s if what != "listing" else seconds
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--sessions", type=int, default=240)
    parser.add_argument("--code", type=Path, nargs="*", default=[], help="other checkouts")
    parser.add_argument(
        "--rollout", type=Path, default=BENCH / "out" / "open-codex-rollout-105mb.jsonl"
    )
    arguments = parser.parse_args(argv)
    rollout = arguments.rollout.resolve()
    if not rollout.exists():
        codex_rollout(rollout, 105 * MB)
    tree = sessions_tree(BENCH / "out" / "workers-home", arguments.sessions)
    size = sum(path.stat().st_size for path in tree.rglob("*.jsonl"))
    print(
        f"rollout {rollout.stat().st_size / MB:.0f} MB; tree {arguments.sessions} sessions, {size / MB:.0f} MB"
    )
    codes = [ROOT, *(code.resolve() for code in arguments.code)]
    results: dict[Path, list[dict[str, float]]] = {code: [] for code in codes}
    for number in range(arguments.rounds):
        print(f"round {number + 1}")
        for code in codes:
            results[code].append(one_round(code, rollout, tree))
    for code in codes:
        rounds = results[code]
        page = [figures["page"] for figures in rounds]
        search = [figures["search"] for figures in rounds]
        listing = [figures["listing"] * 1000 for figures in rounds]
        print(
            f"{code}:\n"
            f"  rollout's first page by path ÷ check: median {statistics.median(page):.2f}x"
            f" ({min(page):.2f}-{max(page):.2f}) {'PASS' if statistics.median(page) <= 1 else 'FAIL'}\n"
            f"  rollout's search ÷ check: median {statistics.median(search):.2f}x"
            f" ({min(search):.2f}-{max(search):.2f}) {'PASS' if statistics.median(search) <= 1 else 'FAIL'}\n"
            f"  first listing of the tree: median {statistics.median(listing):.0f} ms"
            f" ({min(listing):.0f}-{max(listing):.0f})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
