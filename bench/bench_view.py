"""The first page of the conversation view of a 105 MB session, beside `check` on the same file.

What the view adds on top of the check is the conversation model (pairing, statuses, findings on
items) and the texts of one page, read from its lines only. The baseline is `check` in the same
process on the same file (read + analyse), measured in this run; each figure is the median of
several alternating repetitions. Two first pages: from disk (read + analyse + model + page: a
file viewed by its path, as VS Code views one over 50 MB), and of an open document whose
diagnostics were published (the server's `SessionDocument` keeps the analysis they came from, so
the page costs the model and the page). Also shown: a later page once the model is built (what
the server does while the user scrolls: it keeps the model of an unchanged file), and the whole
Markdown transcript.

    python bench/bench_view.py [--size-mb 105] [--repeat 3]
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))

from generate_session import generate_session  # noqa: E402

from session_lsp.core.analysis import analyse_bytes  # noqa: E402
from session_lsp.core.markdown import render_markdown  # noqa: E402
from session_lsp.core.turns import ConversationModel, build_model  # noqa: E402
from session_lsp.files import read_session_file  # noqa: E402
from session_lsp.lsp.convert import diagnostics_of  # noqa: E402
from session_lsp.lsp.documents import SessionDocument  # noqa: E402
from session_lsp.view_json import DEFAULT_PAGE, conversation_to_json  # noqa: E402


def _timed(action: Callable[[], object]) -> tuple[float, object]:
    gc.collect()
    start = time.perf_counter()
    value = action()
    return time.perf_counter() - start, value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size-mb", type=float, default=105)
    parser.add_argument("--repeat", type=int, default=3)
    arguments = parser.parse_args(argv)

    path = BENCH / "out" / f"session-{arguments.size_mb:g}mb.jsonl"
    generated = generate_session(
        path, int(arguments.size_mb * 1024 * 1024), seed=1, damage=5, compactions=0
    )
    size_mb = generated.bytes / 1e6

    def check() -> int:
        return analyse_bytes(read_session_file(path).data).error_count

    def model() -> ConversationModel:
        session = read_session_file(path)
        return build_model(analyse_bytes(session.data), path)

    def first_page() -> str:
        built = model()
        return json.dumps(conversation_to_json(built, str(path), path.as_uri(), 0, DEFAULT_PAGE))

    text = path.read_text(encoding="utf-8")

    def open_document(text: str) -> SessionDocument:
        document = SessionDocument(path.as_uri(), text, version=1)
        diagnostics_of(document)  # what didOpen publishes; the analysis stays in the document
        return document

    def first_page_of(document: SessionDocument) -> str:
        built = build_model(document.analysis(), path)
        return json.dumps(conversation_to_json(built, str(path), path.as_uri(), 0, DEFAULT_PAGE))

    check_times, page_times, open_page_times = [], [], []
    page_json = ""
    for _ in range(arguments.repeat):
        seconds, errors = _timed(check)
        check_times.append(seconds)
        seconds, value = _timed(first_page)
        page_times.append(seconds)
        page_json = str(value)
        document = open_document(text)
        seconds, value = _timed(lambda document=document: first_page_of(document))
        open_page_times.append(seconds)
        if value != page_json:
            raise SystemExit("the open document's first page differs from the file's")
        del document
    del text
    page = json.loads(page_json)
    if page["errors"] != errors or page["errors"] != len(generated.damaged_tool_ids):
        raise SystemExit(f"wrong error count: {page['errors']} (check says {errors})")
    unpaired = page["total"] and page["firstProblem"] is not None

    built = model()
    middle = len(built.items) // 2
    later_times = []
    for offset in (middle, middle + DEFAULT_PAGE, middle + 2 * DEFAULT_PAGE):
        seconds, _ = _timed(
            lambda offset=offset: json.dumps(
                conversation_to_json(built, str(path), path.as_uri(), offset, DEFAULT_PAGE)
            )
        )
        later_times.append(seconds)
    markdown_seconds, markdown = _timed(lambda: render_markdown(built, path=str(path)))

    check_s = statistics.median(check_times)
    page_s = statistics.median(page_times)
    open_page_s = statistics.median(open_page_times)
    later_s = statistics.median(later_times)
    print(f"session: {size_mb:.1f} MB, {generated.lines} lines, {generated.tool_calls} tool calls")
    print(f"conversation: {page['total']} items, first problem at item {page['firstProblem']}")
    print(f"check (read + analyse):                 {check_s * 1000:7.0f} ms")
    print(
        f"first page of {DEFAULT_PAGE} items (read + analyse +"
        f" model + page JSON, {len(page_json) / 1e3:.0f} kB): {page_s * 1000:7.0f} ms"
    )
    print(
        f"first page of the open document (model + page JSON, analysis kept from its"
        f" diagnostics): {open_page_s * 1000:7.0f} ms = {open_page_s / check_s:.2f}x check"
        f" (target <= 1.0x)"
    )
    print(f"a later page, model kept:                {later_s * 1000:7.1f} ms (target <= 50 ms)")
    print(
        f"whole Markdown transcript ({len(str(markdown)) / 1e6:.1f} MB):"
        f"    {markdown_seconds * 1000:7.0f} ms"
    )
    print(
        f"ratio first page from disk / check: {page_s / check_s:.2f} (the model's cost on top"
        " of check)"
    )
    if not unpaired:
        raise SystemExit("the damaged calls were not found in the conversation")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
