"""A big rollout's conversation model built here while another process works out its findings.

The first page of a session on disk (how VS Code views one over 50 MB, and a search of a file
the server never analysed) needs the file's findings and its model. For a Codex rollout each is
most of a second of one core at 100 MB, and they share nothing: the findings read every line,
the model decodes every line again. Built one after the other, the page took 1.6 times what
`check` takes. On a machine with a second core a worker process reads the file and works out
its findings exactly as `check` does (`analyse_session`), while this process builds the model
from the lines alone (`unjudged_analysis`, `unjudged_model`); `judge_model` joins the two.

Only a file a format claims from its lines (`claimant`) is built so. A Claude Code session's
model is built from its records and its replay, which are most of what its findings cost: a
worker would read and replay the file a second time, and the page came out slower (1.19x
`check` against 1.00x on 70,000 tool calls).

Whatever goes wrong on the other side falls back to the analysis here, so the model is always
the one `build_model(analyse_session(...))` gives: no second core or no way to start a process,
a file changed before the worker read it, a worker that died or took longer than
`WAIT_TIMES_OWN` the model's time, a full reading that turns the claim down. The model built
here is kept where the file's own analysis agrees on the format.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from multiprocessing.util import register_after_fork
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from session_lsp.core.analysis import unjudged_analysis
from session_lsp.core.document import Analysis
from session_lsp.core.findings import Finding
from session_lsp.core.formats import claimant
from session_lsp.core.reading import split_lines
from session_lsp.core.turns.build import build_model, judge_model, unjudged_model
from session_lsp.core.turns.model import ConversationModel
from session_lsp.files import SessionFile, SessionFileError, read_session_file
from session_lsp.parallel import usable_cores, worker_context
from session_lsp.sessions.registry import Liveness, analyse_session

if TYPE_CHECKING:
    from multiprocessing.context import BaseContext
    from multiprocessing.process import BaseProcess


class _Receiving(Protocol):
    """The worker's pipe as this process reads it (a `Connection`, on Windows a `PipeConnection`)."""

    def poll(self, timeout: float | None = ..., /) -> bool: ...
    def recv(self) -> object: ...
    def close(self) -> None: ...


class _Sending(Protocol):
    def send(self, answer: object, /) -> None: ...
    def close(self) -> None: ...


BESIDE_FROM_LINES = 50_000
"""Below this many lines, a worker's start (a fork from the server's zygote or the fork server,
its answer sent back, the fork server's own start the first time) costs about what the second
core saves. The work on both sides is mostly per line: 107 MB in 3,000 lines of big tool
results take 125 ms in all."""
SPAWNED_FROM_LINES = 200_000
"""Where workers are spawned (macOS, Windows), each starts a fresh interpreter that imports the
analysis before it reads a line, about half a second: only a rollout whose findings take longer
than that gains from one."""
HEAD_BYTES = 1 << 20
"""Where the first readable line is looked for: whether a format claims the file is known
before all of it is split (a Claude Code session is never built beside a worker)."""
WAIT_AT_LEAST = 5.0
WAIT_TIMES_OWN = 3.0
"""The worker does what this process would do: once it has taken three times what the model
took here (and five seconds), it is stuck or starved, and the findings are worked out here."""


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the worker sends back: the format it read the file as, and the file's findings."""

    format: str | None
    findings: list[Finding]


def model_of_file(session: SessionFile, liveness: Liveness) -> tuple[ConversationModel, Analysis]:
    """The model of a file read from disk, and what it was built from (for the caller to free):
    beside a worker where one helps (`model_beside`), else analysed here, as `check` does."""
    built = model_beside(session, liveness)
    if built is not None:
        return built
    analysis = analyse_session(session, liveness)
    return build_model(analysis, session.path), analysis


def model_beside(
    session: SessionFile, liveness: Liveness
) -> tuple[ConversationModel, Analysis] | None:
    """The model of `session` with its findings, and what it was built from (for the caller to
    free); None when no worker can help, and the caller analyses the file itself. Once a worker
    is started the model is built here whatever becomes of it.

    A file written moments ago is left to the caller: it is likely to grow before the worker
    reads it (the worker would judge other lines than the model shows, and could only give up).
    So is a compressed one, which the worker would decompress a second time."""
    if usable_cores() < 2 or session.compression is not None:
        return None
    if liveness.recently_written(session.mtime_ns):
        return None
    claiming = claimant(split_lines(session.data[:HEAD_BYTES])[0])
    if claiming is None:
        return None
    lines, ends_with_newline = split_lines(session.data)
    worker = _start_worker(session, liveness, len(lines))
    if worker is None:
        return None
    try:
        began = time.monotonic()
        unjudged = unjudged_analysis(lines, ends_with_newline, claiming)
        model = unjudged_model(unjudged, session.path)
        verdict = worker.verdict(max(WAIT_AT_LEAST, WAIT_TIMES_OWN * (time.monotonic() - began)))
    finally:
        worker.close()
    if verdict is not None and verdict.format == claiming.name:
        return judge_model(model, verdict.findings), unjudged
    analysis = analyse_session(session, liveness)
    if analysis.format is claiming:  # the model built here holds: only its findings were missing
        return judge_model(model, analysis.findings), analysis
    return build_model(analysis, session.path), analysis


def findings_of(path: str, identity: tuple[int, int, int], liveness: Liveness) -> Verdict | None:
    """In the worker: the findings of the file at `path` as `check` would give them; None when
    it is no longer the file the caller read (`identity`: its size, modification time and
    inode), or cannot be read."""
    try:
        session = read_session_file(Path(path))
    except SessionFileError:
        return None
    if (session.size, session.mtime_ns, session.inode) != identity:
        return None
    analysis = analyse_session(session, liveness)
    return Verdict(analysis.format.name if analysis.format is not None else None, analysis.findings)


def _send_findings(
    sending: _Sending, path: str, identity: tuple[int, int, int], liveness: Liveness
) -> None:
    """The worker's whole life. It ends without a word whatever happens (Ctrl-C reaches it with
    the command that started it, and a reader gone breaks the pipe): the caller then works the
    findings out itself."""
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        sending.send(findings_of(path, identity, liveness))
        sending.close()
    except BaseException:  # nothing may be printed: the caller carries on
        os._exit(1)


def _start_worker(session: SessionFile, liveness: Liveness, line_count: int) -> _Worker | None:
    """A worker working out the findings of `session`: forked by the server's zygote when it has
    one, else started from a multiprocessing context; None when none could start, or when its
    start would cost what it saves (`BESIDE_FROM_LINES`, `SPAWNED_FROM_LINES`).

    Started before the model is built: started from a thread while this one built it, its start
    (the fork server's, the first time: 150-200 ms) took twice as long, each of its steps waiting
    for Python's lock behind the build."""
    if line_count < BESIDE_FROM_LINES:
        return None
    from session_lsp.zygote import running_zygote  # a server's: no CLI command has one

    arguments = (str(session.path), (session.size, session.mtime_ns, session.inode), liveness)
    zygote = running_zygote()
    if zygote is not None:
        job = zygote.run(_send_findings, arguments)
        if job is not None:
            return _Worker(job.receiving, job.stop)
    context = worker_context(findings_of)
    if context is None:
        return None
    if context.get_start_method() == "spawn" and line_count < SPAWNED_FROM_LINES:
        return None
    return _Worker.start(context, arguments)


class _Worker:
    """One worker process: the end of the pipe it answers on, and how to end it."""

    def __init__(self, receiving: _Receiving, end: Callable[[], None]) -> None:
        self.receiving = receiving
        self._end = end

    @classmethod
    def start(cls, context: BaseContext, arguments: tuple[object, ...]) -> _Worker | None:
        """A worker started from `context`; None when none could be (the file is then analysed
        here)."""
        try:
            receiving, sending = context.Pipe(duplex=False)
        except OSError:
            return None
        # A forked worker gets this end too; held there, it would keep the worker writing into
        # a pipe nobody reads once this process is gone.
        register_after_fork(receiving, _close)
        try:
            process = context.Process(  # type: ignore[attr-defined]  # each start method's own
                target=_send_findings, args=(sending, *arguments), daemon=True
            )
            process.start()
        except Exception:  # no worker, whatever the reason: analysed here
            receiving.close()
            return None
        finally:
            sending.close()  # the worker holds its own end: a worker that dies ends the pipe
        return cls(receiving, partial(_end_process, process, receiving))

    def verdict(self, seconds: float) -> Verdict | None:
        """The worker's answer; None when it failed, died or did not answer within `seconds`."""
        try:
            if not self.receiving.poll(seconds):
                return None
            answer = self.receiving.recv()
        except Exception:  # a worker gone, an answer unreadable: analysed here
            return None
        return answer if isinstance(answer, Verdict) else None

    def close(self) -> None:
        """The worker ended, by itself or killed."""
        self._end()


def _end_process(process: BaseProcess, receiving: _Receiving) -> None:
    receiving.close()
    process.join(timeout=1.0)
    if process.is_alive():
        process.kill()
        process.join()


def _close(connection: _Receiving) -> None:
    connection.close()
