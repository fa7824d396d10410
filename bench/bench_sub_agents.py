"""What a session's sub-agent total costs its first page, and what reading a compressed session
costs beside reading it plain.

1. The first page of a session (`sessionLsp.conversation`'s answer, built in-process as the server
   builds it) with 6, 60 and 240 sub-agent files in `<session>/subagents/` (copies of the real
   ones of the worktrees corpus session), beside the same session with none: every file is read
   once for the session's `subAgents` total, then its counts are kept, so a second page costs
   nothing more.
2. `check` of a session read from a zstd, gzip or xz copy beside the plain file (read and
   analysed in-process, the file in the page cache): the decompression is what the ratio adds.

Each figure is the best of `--repeat` runs.

    python bench/bench_sub_agents.py [--repeat 5] [--rollout bench/out/open-codex-rollout-105mb.jsonl]
"""

from __future__ import annotations

import argparse
import gzip
import lzma
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))

import zstandard  # noqa: E402

from session_lsp.core.analysis import analyse_bytes  # noqa: E402
from session_lsp.core.turns import agents, build_model, page  # noqa: E402
from session_lsp.core.turns.build import agent_files  # noqa: E402
from session_lsp.files import read_session_file  # noqa: E402
from session_lsp.view_json import conversation_to_json  # noqa: E402

WORKTREES = (
    ROOT
    / "tests/corpus/claude-code/daaain-claude-code-log/-experiments-worktrees"
    / "ef958aa1-0e93-49f0-bb71-150f63befcd1.jsonl"
)


def best(repeat: int, run: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times) * 1000


def session_with_agents(folder: Path, count: int) -> Path:
    session = folder / WORKTREES.name
    shutil.copyfile(WORKTREES, session)
    if count:
        target = folder / WORKTREES.stem / "subagents"
        target.mkdir(parents=True)
        sources = sorted((WORKTREES.parent / WORKTREES.stem / "subagents").glob("*.jsonl"))
        for number in range(count):
            source = sources[number % len(sources)]
            shutil.copyfile(source, target / f"agent-copy{number}-{source.name[6:]}")
    return session


def first_page(path: Path, *, cold: bool) -> dict[str, object]:
    """The server's first page of a session on disk: its model, then its page's sub-agent
    files and every other one of the session read (`read_agent_counts`), then the answer."""
    if cold:
        agents._COUNTED.clear()
    model = build_model(analyse_bytes(read_session_file(path).data), path)
    shown = page(model, 0, 200, None)
    counts = agents.read_agent_counts([*agent_files(shown), *model.agent_files])
    return conversation_to_json(model, str(path), path.as_uri(), 0, 200, None, counts)


def sub_agent_pages(repeat: int) -> None:
    print("first page of the worktrees session, by the number of sub-agent files beside it")
    with tempfile.TemporaryDirectory() as scratch:
        base = Path(scratch)
        (base / "none").mkdir()
        alone = session_with_agents(base / "none", 0)
        baseline = best(repeat, lambda: first_page(alone, cold=True))
        print(f"  no sub-agent file: {baseline:7.1f} ms")
        for count in (6, 60, 240):
            folder = base / f"n{count}"
            folder.mkdir()
            session = session_with_agents(folder, count)
            size = sum(path.stat().st_size for path in (folder / WORKTREES.stem).rglob("*.jsonl"))
            cold = best(repeat, lambda path=session: first_page(path, cold=True))
            warm = best(repeat, lambda path=session: first_page(path, cold=False))
            print(
                f"  {count:3} files ({size / 1e6:5.1f} MB): first {cold:7.1f} ms"
                f" ({cold / baseline:5.2f}x), later {warm:6.1f} ms ({warm / baseline:4.2f}x)"
            )


def compressed_checks(repeat: int, source: Path) -> None:
    print(f"check of {source.name} ({source.stat().st_size / 1e6:.0f} MB), plain and compressed")
    data = source.read_bytes()
    compressors: dict[str, Callable[[bytes], bytes]] = {
        ".zst": lambda raw: zstandard.ZstdCompressor(level=3).compress(raw),
        ".gz": lambda raw: gzip.compress(raw, compresslevel=6),
        ".xz": lambda raw: lzma.compress(raw, preset=1),
    }
    with tempfile.TemporaryDirectory() as scratch:
        plain = Path(scratch) / source.name
        plain.write_bytes(data)
        baseline = best(repeat, lambda: analyse_bytes(read_session_file(plain).data))
        print(f"  plain:  {baseline:7.0f} ms")
        for suffix, compress in compressors.items():
            packed = Path(scratch) / (source.name + suffix)
            packed.write_bytes(compress(data))
            took = best(repeat, lambda path=packed: analyse_bytes(read_session_file(path).data))
            size = packed.stat().st_size / 1e6
            print(
                f"  {suffix:<6}  {took:7.0f} ms ({took / baseline:4.2f}x), {size:5.1f} MB on disk"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--rollout", type=Path, default=WORKTREES)
    arguments = parser.parse_args()
    sub_agent_pages(arguments.repeat)
    compressed_checks(arguments.repeat, arguments.rollout)


if __name__ == "__main__":
    main()
