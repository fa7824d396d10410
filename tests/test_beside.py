"""A big rollout's model built while a worker process works out its findings: the same model as
built here alone, and built here alone whenever the worker cannot help."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from session_lsp import beside
from session_lsp.beside import model_beside
from session_lsp.core.turns import ConversationModel, ToolStatus, build_model
from session_lsp.files import read_session_file
from session_lsp.sessions.registry import Liveness, analyse_session
from session_lsp.view_json import conversation_to_json
from tests.support.corpus import CODEMIE_ROLLOUT, DANGLING_END_ROLLOUT, SHORT
from tests.support.files import age, aged_copy

QUIET = Liveness([])


def _page(model: ConversationModel) -> dict[str, Any]:
    return conversation_to_json(model, "", "", 0, 10**9, agents={})


@pytest.fixture(params=["fork", "forkserver"])
def start_method(request: pytest.FixtureRequest) -> Iterator[str]:
    """A process of one thread forks its workers; one with threads (the server) starts them
    from a fork server."""
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    if request.param == "forkserver":
        other.start()
    yield request.param
    release.set()
    if other.is_alive():
        other.join()


@pytest.fixture(autouse=True)
def every_file_is_big(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(beside, "BESIDE_FROM_LINES", 0)
    monkeypatch.setattr(beside, "usable_cores", lambda: 2)


@pytest.mark.parametrize("live", [False, True])
@pytest.mark.parametrize("source", [CODEMIE_ROLLOUT, DANGLING_END_ROLLOUT], ids=lambda p: p.name)
def test_the_model_built_beside_a_worker_is_the_model_built_alone(
    tmp_path: Path, source: Path, live: bool, start_method: str
) -> None:
    path = aged_copy(source, tmp_path / source.name, seconds_ago=1 if live else 3600)
    session = read_session_file(path)
    liveness = Liveness(None)
    built = model_beside(session, liveness)
    assert built is not None
    alone = build_model(analyse_session(session, liveness), path)
    assert _page(built[0]) == _page(alone)
    if source is DANGLING_END_ROLLOUT:
        status = ToolStatus.LIVE if live else ToolStatus.UNPAIRED
        assert any(item.tool and item.tool.status is status for item in built[0].items)


def test_a_claude_code_session_is_built_here_alone(tmp_path: Path) -> None:
    path = aged_copy(SHORT, tmp_path / SHORT.name)
    assert model_beside(read_session_file(path), QUIET) is None


def test_on_one_core_the_rollout_is_built_here_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(beside, "usable_cores", lambda: 1)
    path = aged_copy(CODEMIE_ROLLOUT, tmp_path / CODEMIE_ROLLOUT.name)
    assert model_beside(read_session_file(path), QUIET) is None


def test_a_file_replaced_before_the_worker_read_it_is_built_here_alone(
    tmp_path: Path, start_method: str
) -> None:
    """The worker would judge another file than the one whose lines the model shows."""
    path = aged_copy(CODEMIE_ROLLOUT, tmp_path / CODEMIE_ROLLOUT.name)
    session = read_session_file(path)
    replacement = tmp_path / "replacement"
    replacement.write_bytes(DANGLING_END_ROLLOUT.read_bytes())
    age(replacement)
    replacement.replace(path)
    assert model_beside(session, QUIET) is None


def test_a_rollout_the_full_reading_takes_for_claude_code_s_is_built_here_alone(
    tmp_path: Path, start_method: str
) -> None:
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(DANGLING_END_ROLLOUT.read_bytes() + SHORT.read_bytes())
    age(path)
    assert model_beside(read_session_file(path), QUIET) is None


class _DiesInTheWorker(Liveness):
    """Asked in the worker, it ends the worker before it answers."""

    def __init__(self) -> None:
        super().__init__([])
        self.parent = os.getpid()

    def seconds_ago(self, path: Path, mtime_ns: int, agent: str | None = None) -> float | None:
        if os.getpid() != self.parent:
            os._exit(3)
        return None


def test_a_worker_that_dies_leaves_the_model_to_be_built_here(
    tmp_path: Path, start_method: str
) -> None:
    path = aged_copy(CODEMIE_ROLLOUT, tmp_path / CODEMIE_ROLLOUT.name)
    assert model_beside(read_session_file(path), _DiesInTheWorker()) is None
    assert not [thread for thread in threading.enumerate() if thread.daemon and thread.is_alive()]
