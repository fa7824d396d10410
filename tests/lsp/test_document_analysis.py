"""Keystrokes in an open document give the analysis a freshly opened copy of its text gives.

Most keystrokes take the cheap path (the replay is reused, only touched spans are located again);
this checks it through the document's own change handling, columns in UTF-16 and non-ASCII text.
"""

from __future__ import annotations

import asyncio
import gc
import os
import weakref

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lsprotocol import types

from session_lsp.lsp import documents
from session_lsp.lsp.documents import SessionDocument
from tests.support.corpus import CODEMIE_TURN_1, SHORT, TOOL_HEAVY
from tests.support.snapshots import ANCHORS, fingerprint

TEXTS = [path.read_text(encoding="utf-8") for path in (SHORT, TOOL_HEAVY, CODEMIE_TURN_1)]


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@st.composite
def keystroke(draw: st.DrawFn, lines: list[str]) -> types.TextDocumentContentChangePartial:
    line = draw(st.integers(0, len(lines) - 1))
    text = lines[line]
    places = [
        text.index(anchor.decode()) + len(anchor) for anchor in ANCHORS if anchor.decode() in text
    ]
    column = draw(st.sampled_from(places)) if places and draw(st.booleans()) else None
    if column is None:
        column = draw(st.integers(0, len(text)))
    column = min(column + draw(st.integers(0, 2)), len(text))
    deleting = draw(st.booleans()) and column < len(text)
    start = types.Position(line=line, character=_utf16(text[:column]))
    end = types.Position(line=line, character=_utf16(text[: column + 1])) if deleting else start
    typed = "" if deleting else draw(st.sampled_from(["x", "é", "🚀", "中", " ", '"']))
    return types.TextDocumentContentChangePartial(
        range=types.Range(start=start, end=end), text=typed
    )


@settings(
    max_examples=int(os.environ.get("SESSION_LSP_FUZZ_EXAMPLES", "60")),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.sampled_from(TEXTS), st.data())
def test_keystrokes_give_the_analysis_of_a_fresh_open(text: str, data: st.DataObject) -> None:
    document = SessionDocument("file:///edited.jsonl", text, version=0)
    document.analysis()
    for version in range(1, data.draw(st.integers(1, 5)) + 1):
        lines = document.source.split("\n")
        document.apply_change(data.draw(keystroke(lines)))
        document.version = version
        fresh = SessionDocument("file:///fresh.jsonl", document.source, version=0)
        assert fingerprint(document.analysis()) == fingerprint(fresh.analysis())


def test_opening_and_analysing_a_document_runs_no_collection_and_leaves_the_collector_on() -> None:
    """Lines, records and replay hold no cycles; collections during an open only walk them (a
    fifth of an open of 100,000 lines), so the open pauses the collector, as `check` does. The
    first allocation after each pause may start one young collection: none runs within."""
    text = "".join(TEXTS) * 100
    collections: list[str] = []

    def note(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collections.append(f"generation {info['generation']}")

    gc.collect()
    gc.callbacks.append(note)
    try:
        document = SessionDocument("file:///s.jsonl", text, version=1)
        document.analysis()
    finally:
        gc.callbacks.remove(note)
    assert len(collections) <= 2, collections
    assert gc.isenabled()
    assert document.analysis().findings == SessionDocument("file:///t", text).analysis().findings


def test_a_big_document_is_opened_and_analysed_without_any_collection_and_kept_frozen(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A big document's lines and replay stay as long as it is open: frozen before the collector
    runs again, they are never walked, neither by the young collection the first allocation after
    a pause would otherwise start (about 120 ms after each pause on 140,000 lines) nor by later
    full ones."""
    monkeypatch.setattr(documents, "BIG_DOCUMENT", 1000)
    text = "".join(TEXTS) * 100
    collections: list[int] = []

    def note(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collections.append(info["generation"])

    gc.collect()
    gc.unfreeze()
    gc.callbacks.append(note)
    try:
        document = SessionDocument("file:///big.jsonl", text, version=1)
        document.analysis()
        frozen = gc.get_freeze_count()
    finally:
        gc.callbacks.remove(note)
        gc.unfreeze()
    assert document.is_big
    assert collections == []
    assert frozen >= document.line_count
    assert gc.isenabled()


def test_the_lines_are_indexed_for_keystrokes_after_the_answer_not_before() -> None:
    """Where each line sits in the replay is for the keystrokes that reuse it: on the event loop it
    is built once the request that asked for the analysis has been answered, so an open's or an
    edit's diagnostics are not kept waiting for it; without a loop, at once."""
    text = "".join(TEXTS)

    async def on_the_loop() -> tuple[object, object]:
        document = SessionDocument("file:///loop.jsonl", text, version=1)
        conversation = document.analysis().conversation
        before = getattr(conversation, "places", None)
        await asyncio.sleep(0)
        return before, getattr(conversation, "places", None)

    before, after = asyncio.run(on_the_loop())
    assert before is None and after is not None
    without_loop = SessionDocument("file:///script.jsonl", text, version=1)
    assert getattr(without_loop.analysis().conversation, "places", None) is not None


def test_after_its_open_a_big_document_freezes_nothing_so_others_garbage_is_collected(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Only the open's work is frozen. A freeze on each edit would also keep, for good, the
    cyclic garbage other requests had left uncollected at that moment (a page's JSON encoder
    closures): a server paging a big session grew by about 30 KB an edit, without bound."""
    monkeypatch.setattr(documents, "BIG_DOCUMENT", 1000)

    class Cycle:
        def __init__(self) -> None:
            self.me = self

    text = "".join(TEXTS) * 20
    gc.unfreeze()
    try:
        document = SessionDocument("file:///big.jsonl", text, version=1)
        document.analysis()
        opened = gc.get_freeze_count()
        assert opened >= document.line_count
        line = document.line_text(3)
        garbage = Cycle()
        left = weakref.ref(garbage)
        del garbage
        first = line.index('"uuid":"') + len('"uuid":"')
        edit = types.TextDocumentContentChangePartial(
            range=types.Range(types.Position(3, first), types.Position(3, first + 1)), text="f"
        )
        document.apply_change(edit)
        document.version = 2
        document.analysis()
        assert gc.get_freeze_count() <= opened
        gc.collect()
        assert left() is None
    finally:
        gc.unfreeze()
