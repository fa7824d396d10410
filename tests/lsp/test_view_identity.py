"""The conversation view of a file on disk is analysed again when the file is another one, even
one with the same size and modification time: a repair keeps the session's modification time
(and may keep its size) but renames a new file into place."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import shutil
import weakref
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from session_lsp.core import search
from session_lsp.core.analysis import analyse_bytes
from session_lsp.core.document import Analysis
from session_lsp.core.search import compile_query, search_model
from session_lsp.core.turns import build_model
from session_lsp.files import read_session_file
from session_lsp.lsp import views
from session_lsp.lsp.main import create_server
from session_lsp.sessions.registry import Liveness
from tests.support.corpus import CODEMIE_TURN_1, DANGLING_END_ROLLOUT, SHORT
from tests.support.files import aged_copy
from tests.support.garbage import cyclic_garbage

pytestmark = pytest.mark.asyncio(loop_scope="module")

PROMPT = b'"content":"@\\"solution-architect (agent)\\" analyze existing CLI command'


async def _first_prompt(client: LanguageClient, path: Path) -> Any:
    answer = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(
            command="sessionLsp.conversation", arguments=[str(path), {"limit": 1}]
        )
    )
    return answer["items"][0]["text"]


async def test_a_file_renamed_into_place_with_the_same_size_and_time_is_read_again(
    client: LanguageClient, tmp_path: Path
) -> None:
    session = aged_copy(CODEMIE_TURN_1, tmp_path / "session.jsonl")
    assert "analyze existing CLI command" in await _first_prompt(client, session)
    before = session.stat()
    original = session.read_bytes()
    assert original.count(PROMPT) == 1
    replacement = tmp_path / "session.jsonl.new"
    replacement.write_bytes(original.replace(PROMPT, PROMPT.replace(b"analyze", b"ANALYZE")))
    os.utime(replacement, ns=(before.st_atime_ns, before.st_mtime_ns))
    os.replace(replacement, session)
    after = session.stat()
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    assert after.st_ino != before.st_ino
    assert "ANALYZE existing CLI command" in await _first_prompt(client, session)


async def test_a_codex_rollout_s_view_stops_being_live_when_the_clock_says_so_unchanged(
    tmp_path: Path,
) -> None:
    """Claude Code's registry says nothing of Codex: its rollouts' views follow the clock, and a
    model cached while live is not handed out once the file has been quiet long enough."""
    rollout = tmp_path / DANGLING_END_ROLLOUT.name
    shutil.copyfile(DANGLING_END_ROLLOUT, rollout)
    written = rollout.stat().st_mtime_ns / 1e9
    server = create_server()

    async def statuses(seconds_later: float) -> list[str]:
        registry_without_claude = Liveness([], now=written + seconds_later)
        model = await views._model_on_disk(server, rollout, registry_without_claude)
        return [item.tool.status.value for item in model.items if item.tool is not None]

    assert (await statuses(1))[-1] == "live"
    assert (await statuses(60))[-1] == "unpaired"


async def test_a_closed_document_s_model_leaves_the_search_index_too() -> None:
    """The last search keeps its model's index (and through it every line of the session): a
    closed document's goes with the document, not at the next search."""
    uri = "file:///closed.jsonl"
    model = build_model(analyse_bytes(SHORT.read_bytes()))
    views._CACHE.put((uri, 1, None), model)
    assert search_model(model, compile_query("phx"), 5)
    assert search._INDEX._last is not None and search._INDEX._last[0] is model
    views.forget_document(uri)
    assert search._INDEX._last is None
    assert views._CACHE.get((uri, 1, None)) is None


async def test_a_big_quiet_file_s_model_is_frozen_out_of_the_collector_s_sight_a_live_one_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Built once and kept, a big finished session's model is frozen (no collection walks it
    again); a live one is rebuilt as it grows, and is not (each freeze keeps cyclic garbage)."""
    frozen: list[bool] = []

    def recording(*, freeze: bool = False) -> Any:
        frozen.append(freeze)
        return contextlib.nullcontext()

    monkeypatch.setattr(views, "collector_paused", recording)
    monkeypatch.setattr(views, "BIG_BYTES", SHORT.stat().st_size - 1)
    session = tmp_path / SHORT.name
    shutil.copyfile(SHORT, session)
    written = session.stat().st_mtime_ns / 1e9
    server = create_server()
    await views._model_on_disk(server, session, Liveness([], now=written + 1))
    await views._model_on_disk(server, session, Liveness([], now=written + 3600))
    monkeypatch.setattr(views, "BIG_BYTES", SHORT.stat().st_size)
    os.utime(session, ns=(session.stat().st_atime_ns, session.stat().st_mtime_ns + 1))
    await views._model_on_disk(server, session, Liveness([], now=written + 3600))
    assert frozen == [False, True, False]


async def test_cyclic_garbage_about_when_a_big_quiet_model_is_frozen_is_collected_first() -> None:
    """A freeze keeps for good whatever it finds: garbage another request left is collected
    before, so viewing big sessions again and again keeps nothing of it."""

    alive = cyclic_garbage()
    gc.disable()
    try:
        views._analyse(read_session_file(SHORT), Liveness([], now=0), kept=True)
        gc.enable()
        gc.collect()
        assert alive() is None
    finally:
        gc.enable()
        gc.unfreeze()


async def test_what_a_file_s_model_was_built_from_is_freed_after_the_answer_not_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The model keeps the lines, not the analysis: freeing the records and the replay (50 ms on
    70,000 calls) waits until the page is out, and then happens."""
    monkeypatch.setattr(views, "LEFTOVER_SECONDS", 0.5)
    built: list[weakref.ref[Analysis]] = []
    analyse = views._analyse

    def remembering(*args: Any, **kwargs: Any) -> Any:
        model, analysis = analyse(*args, **kwargs)
        built.append(weakref.ref(analysis))
        return model, analysis

    monkeypatch.setattr(views, "_analyse", remembering)
    session = tmp_path / SHORT.name
    shutil.copyfile(SHORT, session)
    model = await views._model_on_disk(create_server(), session, Liveness([], now=0))
    assert model.items
    for _ in range(5):  # what the build's future left to run, as the answer is made
        await asyncio.sleep(0)
    assert built[0]() is not None, "freed before the answer"
    await asyncio.sleep(1.0)
    assert built[0]() is None, "still held after LEFTOVER_SECONDS"
