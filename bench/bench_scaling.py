"""How operations grow with a session: each timed at N and 4N tool calls (and on a 4x bigger huge
result), so a linear operation shows a ratio near 4 and a quadratic one near 16.

Issue 18's fourth round found six operations that grew with the square of something (a sweep of
every CLI command and LSP request over the shapes at two sizes). Each is timed here, each in a
fresh process of the code named (`--code`: this checkout by default; pass an older checkout too
to see both in one run):

* search scan, a query whose capital is nowhere (`passed` in a tool run, where `P` never occurs)
  and a CJK word (`完成`, its `\\u` escape nowhere): `core.search.candidate_lines`;
* an editor's replace-all: one didChange holding one change per line (`gitBranch` on every line),
  applied to the open document, then analysed;
* the fix-all edit coming back: the stub repair's text edits, one change each, bottom-up;
* `fix --dry-run`'s diff (stub repair, every tenth result missing);
* code actions over every diagnostic of that file, for a client that cannot resolve edits;
* hover on the tool id of a huge tool result's line (generated big results);
* a search of an open document with every tenth line edited (its lines in runs around the
  edits), and the view's model and first page (issue 18, fifth round);
* the view's model of a session compacted every 30 calls whose segments each hold a Task
  answered by `agent_progress` lines (each segment looked for them over the whole file: issue
  18, seventh round);
* the view's model of a Codex rollout whose one turn makes every call at once, then writes the
  outputs (each output looked for its call back through the items: issue 18, tenth round).

    python bench/bench_scaling.py [--turns 3000] [--code DIR ...]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import orjson

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

import shapes  # noqa: E402
from generate_session import generate_session  # noqa: E402

OUT = BENCH / "out" / "scaling"

_PRELUDE = """
import sys, time
sys.path.insert(0, sys.argv[1])
from pathlib import Path
from lsprotocol import types
from pygls.workspace import Workspace
path = Path(sys.argv[2])

def opened():
    from session_lsp.lsp.main import create_server
    server = create_server()
    server.protocol._workspace = Workspace(None)
    uri = path.as_uri()
    text = path.read_text(encoding="utf-8")
    item = types.TextDocumentItem(uri=uri, language_id="jsonl", version=1, text=text)
    server.workspace.put_text_document(item)
    document = server.session_document(uri)
    document.analysis()
    return server, document, text

def applied(document, changes):  # one didChange of `changes`, then the version's analysis
    for change in changes:
        document.apply_change(change)
    document.version += 1
    document.analysis()

def timed(action):
    start = time.perf_counter()
    action()
    print(time.perf_counter() - start)
"""

PROGRAMS = {
    "search scan, capital nowhere": """
from session_lsp.core.search import candidate_lines, compile_query
data, query = path.read_bytes(), compile_query("passed")
timed(lambda: candidate_lines(data, query))
""",
    "search scan, CJK word": """
from session_lsp.core.search import candidate_lines, compile_query
data, query = path.read_bytes(), compile_query("完成")
timed(lambda: candidate_lines(data, query))
""",
    "replace-all, one didChange": """
server, document, text = opened()
changes = []
for number, line in enumerate(text.split("\\n")):
    column = line.find("gitBranch")
    if column >= 0:  # ASCII before it: UTF-16 columns are code points
        where = types.Range(types.Position(number, column), types.Position(number, column + 9))
        changes.append(types.TextDocumentContentChangePartial(range=where, text="gitBranck"))
changes.reverse()
timed(lambda: applied(document, changes))
""",
    "fix-all edit coming back": """
from session_lsp.core.repairs import Strategy, repair_all
from session_lsp.lsp.convert import to_text_edits
server, document, text = opened()
edits = to_text_edits(document, repair_all(document.analysis(), Strategy.STUB).edits)
edits.sort(key=lambda edit: (edit.range.start.line, edit.range.start.character), reverse=True)
changes = [types.TextDocumentContentChangePartial(range=e.range, text=e.new_text) for e in edits]
timed(lambda: applied(document, changes))
""",
    "fix --dry-run": """
from session_lsp.core.repairs import Strategy
from session_lsp.disk import fix_file
timed(lambda: fix_file(path, Strategy.STUB, dry_run=True))
""",
    "code actions, every diagnostic": """
from session_lsp.lsp import code_actions
from session_lsp.lsp.convert import diagnostics_of
server, document, text = opened()
everything = types.Range(types.Position(0, 0), types.Position(document.line_count, 0))
context = types.CodeActionContext(diagnostics=diagnostics_of(document))
identifier = types.TextDocumentIdentifier(document.uri)
params = types.CodeActionParams(identifier, everything, context)
timed(lambda: code_actions.code_actions(server, params))
""",
    "search, open document edited": """
from session_lsp.core.search import compile_query, search_model
from session_lsp.core.turns import build_model
server, document, text = opened()
changes = []
for number, line in enumerate(text.split("\\n")):
    column = line.find("gitBranch")
    if column >= 0 and number % 10 == 0:
        where = types.Range(types.Position(number, column), types.Position(number, column + 9))
        changes.append(types.TextDocumentContentChangePartial(range=where, text="gitBranck"))
changes.reverse()
applied(document, changes)
model, query = build_model(document.analysis()), compile_query("passed")
timed(lambda: search_model(model, query, 200))
""",
    "the view's model and first page": """
from session_lsp.core.analysis import analyse_bytes
from session_lsp.core.turns import build_model, page
analysis = analyse_bytes(path.read_bytes())
timed(lambda: page(build_model(analysis, path), 0, 200, None))
""",
    "the view's model, compacted sub-agents": """
from session_lsp.core.analysis import analyse_bytes
from session_lsp.core.turns import build_model
analysis = analyse_bytes(path.read_bytes())
timed(lambda: build_model(analysis, path))
""",
    "the view's model, parallel Codex calls": """
from session_lsp.core.analysis import analyse_bytes
from session_lsp.core.turns import build_model
analysis = analyse_bytes(path.read_bytes())
timed(lambda: build_model(analysis, path))
""",
    "hover on a huge line's id": """
from session_lsp.lsp import hover
from session_lsp.lsp.convert import to_position
from session_lsp.lsp.tools import mentions_on_line
server, document, text = opened()
line = max(range(document.line_count), key=lambda number: len(document.transcript.lines[number]))
mention = mentions_on_line(document, line)[0]
where = to_position(document, line, mention.span.start + 1)
params = types.HoverParams(types.TextDocumentIdentifier(document.uri), where)
hover.hover(server, params)
timed(lambda: hover.hover(server, params))
""",
}

INPUT_OF = {
    "search scan, capital nowhere": "tool-run",
    "search scan, CJK word": "tool-run",
    "replace-all, one didChange": "tool-run",
    "fix-all edit coming back": "damaged",
    "fix --dry-run": "damaged",
    "code actions, every diagnostic": "damaged",
    "search, open document edited": "tool-run",
    "the view's model and first page": "tool-run",
    "the view's model, compacted sub-agents": "compacted",
    "the view's model, parallel Codex calls": "parallel-rollout",
    "hover on a huge line's id": "big-results",
}


def _without_every_tenth_result(source: Path, target: Path) -> None:
    """The tool run with every tenth result line gone, its child linked to its parent."""
    kept: list[bytes] = []
    relinked: dict[str, str] = {}
    results = 0
    for line in source.read_bytes().splitlines():
        record = orjson.loads(line)
        if record.get("parentUuid") in relinked:
            record["parentUuid"] = relinked[record["parentUuid"]]
        content = (record.get("message") or {}).get("content")
        if isinstance(content, list) and content and content[0].get("type") == "tool_result":
            results += 1
            if results % 10 == 0:
                relinked[record["uuid"]] = record["parentUuid"]
                continue
        kept.append(orjson.dumps(record))
    target.write_bytes(b"\n".join(kept) + b"\n")


def _parallel_rollout(path: Path, calls: int) -> None:
    """A Codex rollout whose one turn makes `calls` calls at once, then writes their outputs:
    each output looked for its call's item back through every item after it."""
    stamp = "2026-05-11T10:29:46.102Z"
    meta = {"id": "019e1695-0522-7c83-8b39-0dd379793f80", "cwd": "/x", "source": "cli"}
    prompt = {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "go"}]}
    payloads = [
        prompt,
        *(
            {"type": "function_call", "name": "exec_command", "arguments": "{}", "call_id": f"c{n}"}
            for n in range(calls)
        ),
        *(
            {"type": "function_call_output", "call_id": f"c{n}", "output": "ok"}
            for n in range(calls)
        ),
    ]
    lines = [{"timestamp": stamp, "type": "session_meta", "payload": meta}]
    lines += [{"timestamp": stamp, "type": "response_item", "payload": body} for body in payloads]
    path.write_bytes(b"".join(orjson.dumps(line) + b"\n" for line in lines))


def inputs(turns: int) -> dict[str, Path]:
    """The inputs at `turns` tool calls (big results: about 1.6 KB a turn), made once."""
    OUT.mkdir(parents=True, exist_ok=True)
    tool_run = OUT / f"tool-run-{turns}.jsonl"
    damaged = OUT / f"damaged-{turns}.jsonl"
    big = OUT / f"big-results-{turns}.jsonl"
    compacted = OUT / f"compacted-{turns}.jsonl"
    parallel = OUT / f"parallel-rollout-{turns}.jsonl"
    if not parallel.exists():
        _parallel_rollout(parallel, turns)
    if not compacted.exists():
        shapes.compacted_sub_agents(compacted, turns)
    if not tool_run.exists():
        shapes.tool_run(tool_run, turns)
    if not damaged.exists():
        _without_every_tenth_result(tool_run, damaged)
    if not big.exists():
        generate_session(big, turns * 1600, seed=turns)
    return {
        "tool-run": tool_run,
        "damaged": damaged,
        "big-results": big,
        "compacted": compacted,
        "parallel-rollout": parallel,
    }


def seconds(code: Path, program: str, path: Path) -> float:
    done = subprocess.run(
        [sys.executable, "-c", _PRELUDE + program, str(code), str(path)],
        capture_output=True,
        text=True,
        check=False,
        cwd="/",
        env={**os.environ, "PYTHONPATH": str(code)},
    )
    if done.returncode != 0:
        raise SystemExit(f"{code}: {done.stderr.strip().splitlines()[-1]}")
    return float(done.stdout.split()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--turns", type=int, default=3000)
    parser.add_argument("--code", type=Path, action="append", default=[])
    arguments = parser.parse_args(argv)
    codes = [path.resolve() for path in arguments.code] or [ROOT]
    small, large = inputs(arguments.turns), inputs(4 * arguments.turns)
    print(f"N = {arguments.turns} tool calls, 4N = {4 * arguments.turns}; time at N, at 4N, ratio")
    for name, program in PROGRAMS.items():
        shape = INPUT_OF[name]
        for code in codes:
            at_n = seconds(code, program, small[shape])
            at_4n = seconds(code, program, large[shape])
            print(
                f"  {name:<40} {code.name:<12} {at_n * 1000:8.0f} ms {at_4n * 1000:9.0f} ms"
                f"  x{at_4n / at_n:5.1f}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
