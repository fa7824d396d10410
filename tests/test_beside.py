"""A big rollout's model built while a worker process works out its findings: the same model as
built here alone, and built here alone whenever the worker cannot help."""

from __future__ import annotations

import errno
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import zstandard

from session_lsp import beside, parallel
from session_lsp.beside import model_beside
from session_lsp.core.document import Analysis
from session_lsp.core.turns import ConversationModel, ToolStatus, build_model
from session_lsp.files import SessionFile, read_session_file
from session_lsp.lsp import views
from session_lsp.sessions.registry import Liveness, analyse_session
from session_lsp.view_json import conversation_to_json
from tests.support.corpus import CODEMIE_ROLLOUT, DANGLING_END_ROLLOUT, SHORT
from tests.support.files import age, aged_copy
from tests.support.threads import counted_threads
from tests.support.zygotes import zygote

QUIET = Liveness([])
__all__ = ["zygote"]  # the fixture, used by name


def _page(model: ConversationModel) -> dict[str, Any]:
    return conversation_to_json(model, "", "", 0, 10**9, agents={})


@pytest.fixture(params=["fork", "forkserver", "spawn", "zygote"])
def start_method(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A process of one thread forks its workers; the server has its zygote fork them (one with
    threads and no zygote starts them from a fork server); macOS and Windows spawn them."""
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    if request.param in ("forkserver", "zygote"):
        other.start()
    if request.param == "zygote":
        request.getfixturevalue("zygote")
    if request.param == "spawn":
        monkeypatch.setattr(parallel, "start_method", lambda *_: "spawn")
    yield request.param
    release.set()
    if other.is_alive():
        other.join()


@pytest.fixture(autouse=True)
def every_file_is_big(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(beside, "BESIDE_FROM_LINES", 0)
    monkeypatch.setattr(beside, "SPAWNED_FROM_LINES", 0)
    monkeypatch.setattr(beside, "usable_cores", lambda: 2)


@pytest.mark.parametrize("source", [CODEMIE_ROLLOUT, DANGLING_END_ROLLOUT], ids=lambda p: p.name)
def test_the_model_built_beside_a_worker_is_the_model_built_alone(
    tmp_path: Path, source: Path, start_method: str
) -> None:
    path = aged_copy(source, tmp_path / source.name)
    session = read_session_file(path)
    built = model_beside(session, QUIET)
    assert built is not None and not built[1].findings  # built from the lines alone
    alone = build_model(analyse_session(session, QUIET), path)
    assert _page(built[0]) == _page(alone)
    if source is DANGLING_END_ROLLOUT:
        assert any(item.tool and item.tool.status is ToolStatus.UNPAIRED for item in built[0].items)


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
    _assert_built_as_alone(session, QUIET)


def test_a_rollout_the_full_reading_takes_for_claude_code_s_is_built_here_alone(
    tmp_path: Path, start_method: str
) -> None:
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(DANGLING_END_ROLLOUT.read_bytes() + SHORT.read_bytes())
    age(path)
    built = _assert_built_as_alone(read_session_file(path), QUIET)
    assert built.format == "claude-code"


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
    path = aged_copy(DANGLING_END_ROLLOUT, tmp_path / DANGLING_END_ROLLOUT.name)
    _assert_built_as_alone(read_session_file(path), _DiesInTheWorker())
    assert not [thread for thread in counted_threads() if thread.daemon and thread.is_alive()]


class _NoProcesses:
    """A context whose processes cannot start (the user's process limit reached); it keeps the
    pipes it made, to see them closed."""

    def __init__(self, context: Any) -> None:
        self._context = context
        self.pipes: list[tuple[Any, Any]] = []

    def __getattr__(self, name: str) -> object:
        return getattr(self._context, name)

    def Pipe(self, duplex: bool = True) -> tuple[Any, Any]:  # noqa: N802  # the context's name
        receiving, sending = self._context.Pipe(duplex=duplex)
        self.pipes.append((receiving, sending))
        return receiving, sending

    def Process(self, *args: object, **kwargs: object) -> None:  # noqa: N802
        raise OSError(errno.EAGAIN, "Resource temporarily unavailable")


def test_a_worker_that_cannot_start_leaves_the_file_to_be_analysed_here_with_no_pipe_left_open(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    context = _NoProcesses(parallel.worker_context(beside.findings_of))
    monkeypatch.setattr(beside, "worker_context", lambda _: context)
    path = aged_copy(DANGLING_END_ROLLOUT, tmp_path / DANGLING_END_ROLLOUT.name)
    session = read_session_file(path)
    assert model_beside(session, QUIET) is None
    assert len(context.pipes) == 1
    assert all(end.closed for end in context.pipes[0])
    model, _ = beside.model_of_file(session, QUIET)
    assert _page(model) == _page(build_model(analyse_session(session, QUIET), path))


def test_a_rollout_of_fewer_lines_than_a_worker_is_worth_is_built_here_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = aged_copy(CODEMIE_ROLLOUT, tmp_path / CODEMIE_ROLLOUT.name)
    count = CODEMIE_ROLLOUT.read_bytes().count(b"\n")
    for threshold in ("BESIDE_FROM_LINES", "SPAWNED_FROM_LINES"):  # forked or spawned
        monkeypatch.setattr(beside, threshold, count)
    assert model_beside(read_session_file(path), QUIET) is not None
    for threshold in ("BESIDE_FROM_LINES", "SPAWNED_FROM_LINES"):
        monkeypatch.setattr(beside, threshold, count + 1)
    assert model_beside(read_session_file(path), QUIET) is None


def test_a_worker_that_does_not_answer_in_time_is_given_up_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(beside, "WAIT_AT_LEAST", 0.0)
    monkeypatch.setattr(beside, "WAIT_TIMES_OWN", 0.0)
    path = aged_copy(DANGLING_END_ROLLOUT, tmp_path / DANGLING_END_ROLLOUT.name)
    _assert_built_as_alone(read_session_file(path), QUIET)


@pytest.mark.parametrize("seconds_ago", [1, 3600])
def test_a_rollout_written_moments_ago_or_compressed_is_built_here_alone(
    tmp_path: Path, seconds_ago: float
) -> None:
    """The one is likely to grow before the worker reads it; the other, decompressed twice."""
    recent = aged_copy(CODEMIE_ROLLOUT, tmp_path / CODEMIE_ROLLOUT.name, seconds_ago=seconds_ago)
    compressed = tmp_path / (CODEMIE_ROLLOUT.name + ".zst")
    compressed.write_bytes(zstandard.ZstdCompressor().compress(CODEMIE_ROLLOUT.read_bytes()))
    age(compressed)
    liveness = Liveness(None)
    assert model_beside(read_session_file(compressed), liveness) is None
    assert (model_beside(read_session_file(recent), liveness) is None) == (seconds_ago == 1)


def test_a_view_of_a_big_rollout_is_built_beside_a_worker(tmp_path: Path) -> None:
    """`views._analyse` hands back what it built the model from: the lines alone, unread, when
    the worker worked out the findings."""
    path = aged_copy(DANGLING_END_ROLLOUT, tmp_path / DANGLING_END_ROLLOUT.name)
    session = read_session_file(path)
    model, analysis = views._analyse(session, QUIET, kept=False)
    assert isinstance(analysis, Analysis) and not analysis.findings
    assert not any(analysis.records) and model.findings
    assert _page(model) == _page(build_model(analyse_session(session, QUIET), path))


def _assert_built_as_alone(session: SessionFile, liveness: Liveness) -> ConversationModel:
    """Whatever became of the worker, the model is the one built here alone."""
    built = model_beside(session, liveness)
    assert built is not None
    alone = build_model(analyse_session(session, liveness), session.path)
    assert _page(built[0]) == _page(alone)
    return built[0]


def test_a_spawned_worker_is_started_only_for_a_rollout_worth_its_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A spawned worker starts a fresh interpreter: half a second before it reads a line."""
    monkeypatch.setattr(beside, "SPAWNED_FROM_LINES", 10**9)
    path = aged_copy(CODEMIE_ROLLOUT, tmp_path / CODEMIE_ROLLOUT.name)
    assert model_beside(read_session_file(path), QUIET) is not None  # forked
    monkeypatch.setattr(parallel, "start_method", lambda *_: "spawn")
    assert model_beside(read_session_file(path), QUIET) is None


def test_the_servers_zygote_forks_the_worker_without_a_fork_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, zygote: object
) -> None:
    def no_context(function: object) -> None:
        raise AssertionError("a worker was started from a multiprocessing context")

    monkeypatch.setattr(beside, "worker_context", no_context)
    path = aged_copy(DANGLING_END_ROLLOUT, tmp_path / DANGLING_END_ROLLOUT.name)
    built = model_beside(read_session_file(path), QUIET)
    assert built is not None and not built[1].findings  # the findings came from the worker
    assert built[0].findings
