"""workspace/executeCommand for the sessions explorer and the conversation view.

Every client gets them: VS Code's webview pages through `sessionLsp.conversation`, editors without
one open `sessionLsp.renderTranscript` in a scratch buffer. A path names a file on disk, which is
how files over 50 MB (never synced by VS Code) are viewed; a `file:` URI of an open document uses
the editor's current text. Names, arguments and result shapes are the contract in `api`: results
are converted to its structs, so a shape that drifts from it fails here, not in a client.
Failures are JSON-RPC errors, never results carrying an error."""

from __future__ import annotations

import asyncio
import gc
import os
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar
from urllib.parse import unquote_to_bytes, urlparse

import msgspec
from pygls.exceptions import JsonRpcInvalidParams
from pygls.uris import from_fs_path, to_fs_path

from session_lsp.beside import model_of_file
from session_lsp.core.collector import BIG_BYTES, collector_paused
from session_lsp.core.document import Analysis
from session_lsp.core.markdown import render_markdown
from session_lsp.core.search import (
    Query,
    QueryError,
    compile_query,
    forget_index,
    scan_start,
    search_model,
)
from session_lsp.core.turns import ConversationModel, Item, build_model, page
from session_lsp.core.turns.agents import (
    AgentCounts,
    every_agent_count,
    read_agent_counts,
    transcript_agents,
)
from session_lsp.core.turns.build import agent_files
from session_lsp.core.turns.segments import segment_items
from session_lsp.core.turns.texts import whole_item
from session_lsp.files import SessionFile, is_folder
from session_lsp.lsp import api
from session_lsp.lsp.api import Command, CommandError
from session_lsp.lsp.commands import Handler, register_command
from session_lsp.lsp.live import read_liveness, read_on_disk
from session_lsp.lsp.server import SessionServer
from session_lsp.parallel import usable_cores
from session_lsp.sessions import list_sessions as discover_sessions
from session_lsp.sessions import projects_root
from session_lsp.sessions.discovery import session_files, sub_agent_files
from session_lsp.sessions.registry import Liveness
from session_lsp.sessions.search import search_sessions as search_in_sessions
from session_lsp.view_json import conversation_to_json, item_to_json

MAX_PAGE = 2000
CACHED_MODELS = 4
LEFTOVER_SECONDS = 1.0
"""How long what a model was built from outlives the request that built it (`_freed_later`)."""

_Built = TypeVar("_Built")


@dataclass(frozen=True, slots=True)
class _Target:
    path: str
    uri: str
    model: ConversationModel


class _ModelCache:
    """The last few models, keyed by what makes them current (document version, file identity),
    so paging through a 100 MB file reads and analyses it once."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._models: OrderedDict[tuple[object, ...], ConversationModel] = OrderedDict()

    def get(self, key: tuple[object, ...]) -> ConversationModel | None:
        model = self._models.get(key)
        if model is not None:
            self._models.move_to_end(key)
        return model

    def put(self, key: tuple[object, ...], model: ConversationModel) -> None:
        self.forget(key[0])
        self._models[key] = model
        while len(self._models) > self.capacity:
            self._models.popitem(last=False)

    def forget(self, uri_or_path: object) -> list[ConversationModel]:
        """Drop the models of `uri_or_path`; they are returned."""
        stale = [key for key in self._models if key[0] == uri_or_path]
        return [self._models.pop(key) for key in stale]


_CACHE = _ModelCache(CACHED_MODELS)


def forget_document(uri: str) -> None:
    """A closed document's model goes with it: a model holds the document's lines and records
    (a second copy of a 100 MB session in memory until the next model of that URI), and so
    does what the last search kept of it."""
    for model in _CACHE.forget(uri):
        forget_index(model)


async def _resolve(ls: SessionServer, uri_or_path: str) -> _Target:
    document = ls.session_document(uri_or_path)
    if document is not None:
        path = to_fs_path(document.uri) or document.uri
        key = (document.uri, document.version, document.modified_seconds_ago)
        model = _CACHE.get(key)
        if model is None:
            # The analysis is this version's snapshot (edits make new lists), so the model is
            # built from it off the event loop: half a second for 70,000 tool calls.
            analysis = document.analysis()
            model = await _built_once(ls, key, lambda: build_model(analysis, Path(path)))
            if ls.session_document(uri_or_path) is document and document.version == key[1]:
                _CACHE.put(key, model)  # not for a document closed or changed meanwhile
        return _Target(path, document.uri, model)
    on_disk = _disk_path(uri_or_path)
    model = await _model_on_disk(ls, Path(on_disk), read_liveness(ls))
    return _Target(on_disk, _uri_of_path(on_disk) or uri_or_path, model)


def _disk_path(uri_or_path: str) -> str:
    on_disk = _path_of_uri(uri_or_path) if uri_or_path.startswith("file:") else uri_or_path
    if on_disk is None or not Path(on_disk).is_absolute():
        raise JsonRpcInvalidParams(
            f"{uri_or_path}: not an open document, a file: URI or an absolute path"
        )
    return on_disk


def _path_of_uri(uri: str) -> str | None:
    """The path a `file:` URI names. Escaped bytes that are not UTF-8 (a file name in another
    encoding, as `_uri_of_path` writes it) name those bytes, as a listed path does."""
    raw = unquote_to_bytes(urlparse(uri).path)
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return os.fsdecode(raw)
    return to_fs_path(uri)


def _uri_of_path(path: str) -> str | None:
    """The `file:` URI of a path; a name that is not UTF-8 (its bytes held as lone surrogates, as
    `listSessions` lists them) gets its bytes percent-escaped."""
    try:
        uri: str | None = from_fs_path(path)
    except UnicodeEncodeError:
        uri = Path(path).as_uri()
    return uri


async def _model_on_disk(ls: SessionServer, path: Path, liveness: Liveness) -> ConversationModel:
    """Read and analysed off the event loop: a 100 MB file takes seconds, edits keep flowing."""
    return await _model_of(ls, await read_on_disk(ls, path), liveness)


async def _model_of(
    ls: SessionServer, session: SessionFile, liveness: Liveness
) -> ConversationModel:
    """The model of a file read from disk, analysed off the event loop unless cached. The key
    holds the inode (a repair renames a new file into place, keeping the modification time and
    maybe the size) and what makes the session live (it stops being so unchanged): the
    registry's answer, and the clock's, which decides for another agent's file."""
    live = _live(session, liveness)
    key = _disk_key(session, live)
    cached = _CACHE.get(key)
    if cached is not None:
        return cached
    kept = session.size > BIG_BYTES and not any(live)
    model, analysis = await _built_once(ls, key, lambda: _analyse(session, liveness, kept=kept))
    _freed_later(analysis)
    _CACHE.put(key, model)
    return model


def _freed_later(leftover: object) -> None:
    """Keep what a model was built from until after the answer is out. The model keeps the lines
    and findings, not the analysis: dropping it frees every record and the replay, 50 ms on a
    session of 70,000 calls, which the page waited for. A second later the loop lets it go."""
    asyncio.get_running_loop().call_later(LEFTOVER_SECONDS, _let_go, leftover)


def _let_go(leftover: object) -> None:
    """Nothing to do: the timer held the last reference, and drops it now."""


async def _built_once(
    ls: SessionServer, key: tuple[object, ...], build: Callable[[], _Built]
) -> _Built:
    """`build` in a worker thread, once per key at a time: a request that misses the cache while
    the model is being built (a page and a search, the view asking again after a keystroke)
    waits for that build rather than making a second one beside it (twice the memory, and the
    two cores both busy). A request cancelled meanwhile leaves the build to the others."""
    building = ls.state.building
    running = building.get(key)
    if running is None:
        running = building[key] = asyncio.ensure_future(asyncio.to_thread(build))
        running.add_done_callback(lambda _: building.pop(key, None))
    built: _Built = await asyncio.shield(running)
    return built


def _disk_key(session: SessionFile, live: tuple[bool, bool]) -> tuple[object, ...]:
    """What makes a model of a file on disk current (`_model_on_disk`)."""
    return (str(session.path), session.size, session.mtime_ns, session.inode, live)


def _live(session: SessionFile, liveness: Liveness) -> tuple[bool, bool]:
    """What makes a file on disk live (it stops being so unchanged): the registry's answer, and
    the clock's, which decides for another agent's file. Part of a model's cache key."""
    return (
        liveness.is_live(session.path, session.mtime_ns),
        liveness.recently_written(session.mtime_ns),
    )


def _analyse(
    session: SessionFile, liveness: Liveness, *, kept: bool
) -> tuple[ConversationModel, Analysis]:
    """The model, and the analysis it was built from (for the caller to free when it is
    idle, `_freed_later`). `kept`: a big file no agent is writing, built once and kept, so frozen out of the
    collector's sight as it is built (`collector_paused`), as an open document's first analysis
    is: the first collection after a model of 70,000 calls otherwise walked its 280,000 lists
    (50 ms of the first page), and every full collection after it again. A live file is rebuilt
    as it grows, and a freeze each time would keep whatever cyclic garbage was about. Before a
    freeze the garbage there is is collected (what the server holds from its start and a big
    document's lines are frozen already: a millisecond or two), so a session viewed again and
    again keeps nothing."""
    if kept:
        gc.collect()
    with collector_paused(freeze=kept):
        return model_of_file(session, liveness)


async def conversation(
    ls: SessionServer, arguments: api.ConversationArguments
) -> api.ConversationResult:
    """One page of the conversation model; the counts cover the whole session.

    The page's texts are loaded on the loop (into the cached model other requests read); the
    sub-agent files its calls ran, and every other one of the session (its sub-agents' total),
    are read and counted in a worker thread: a page of fifty sub-agents must not hold every other
    request while their files are read."""
    target = await _resolve(ls, arguments.uri_or_path)
    asked = arguments.page
    limit = min(asked.limit, MAX_PAGE)
    try:
        shown = page(target.model, asked.offset, limit, asked.segment)
    except IndexError as error:
        raise JsonRpcInvalidParams(str(error)) from None
    agents = await asyncio.to_thread(_page_agent_counts, shown, target.model)
    answer = conversation_to_json(
        target.model, target.path, target.uri, asked.offset, limit, asked.segment, agents
    )
    return msgspec.convert(answer, api.ConversationResult)


def _page_agent_counts(shown: list[Item], model: ConversationModel) -> dict[Path, AgentCounts]:
    """The counts a page shows: every sub-agent of the session for its total, which holds the
    page's calls' own but past the most the total reads, then those."""
    counted = every_agent_count(model).counted
    missing = [path for path in agent_files(shown) if path not in counted]
    return {**counted, **read_agent_counts(missing)}


async def item(ls: SessionServer, arguments: api.ItemArguments) -> api.ConversationItem:
    """One item whole: its text, input, result and diff uncut (pages cut them at 4000
    characters)."""
    target = await _resolve(ls, arguments.uri_or_path)
    query = arguments.query
    try:
        items = segment_items(target.model, query.segment)
        whole = whole_item(target.model, query.index, items)
    except IndexError as error:
        raise JsonRpcInvalidParams(f"{arguments.uri_or_path}: {error}") from None
    agents = await asyncio.to_thread(read_agent_counts, agent_files([whole]))
    return msgspec.convert(item_to_json(whole, target.path, agents), api.ConversationItem)


async def render_transcript(
    ls: SessionServer, arguments: api.RenderTranscriptArguments
) -> api.RenderTranscriptResult:
    """The whole conversation as inert Markdown, for a scratch buffer. The sub-agent files it
    expands are read in a worker thread first; the rendering itself stays on the loop, since it
    loads texts into the cached model other requests read."""
    target = await _resolve(ls, arguments.uri_or_path)
    agents, sub_agents = await asyncio.to_thread(transcript_agents, target.model)
    markdown = render_markdown(
        target.model, path=target.path, load_agent=agents.get, sub_agents=sub_agents
    )
    return api.RenderTranscriptResult(markdown=markdown)


async def list_sessions(
    ls: SessionServer, arguments: api.ListSessionsArguments
) -> list[api.SessionSummary]:
    """Every Claude Code session under the root (default: Claude Code's projects folder) and
    every Codex rollout under `$CODEX_HOME/sessions`, newest first.

    Folders that cannot be read are an error when nothing could be listed (an unreadable root is
    not an empty one), else logged."""
    folder = _root_folder(arguments.root) if arguments.root is not None else None
    problems: list[str] = []
    summaries = await asyncio.to_thread(
        discover_sessions,
        folder,
        on_problem=problems.append,
        live_seconds=ls.settings.live_session_seconds,
    )
    if problems and not summaries:
        raise CommandError("; ".join(problems))
    for problem in problems:
        ls.log.warning("listSessions: %s", problem)
    return msgspec.convert([summary.to_json() for summary in summaries], list[api.SessionSummary])


def _root_folder(root: str | None) -> Path:
    """The projects folder a listing or a search covers: the one given (an absolute path to an
    existing folder), else Claude Code's."""
    if root is None:
        return projects_root()
    if not Path(root).is_absolute():
        raise JsonRpcInvalidParams(f"{root}: the root is an absolute folder path")
    if not is_folder(Path(root)):
        raise CommandError(f"{root}: no such folder")
    return Path(root)


async def search(ls: SessionServer, arguments: api.SearchArguments) -> list[api.SearchHit]:
    """Every segment's texts, inputs and results searched, uncut; the first `limit` matches in
    conversation order. Off the event loop: a 100 MB session takes a moment."""
    try:
        query = compile_query(arguments.options.query)
    except QueryError as error:
        raise JsonRpcInvalidParams(str(error)) from None
    if ls.session_document(arguments.uri_or_path) is not None:
        target = await _resolve(ls, arguments.uri_or_path)
        model, lines = target.model, None
    else:
        scanned = await _scanned_on_disk(ls, Path(_disk_path(arguments.uri_or_path)), query)
        if scanned is None:
            return []
        model, lines = scanned
    hits = await asyncio.to_thread(search_model, model, query, arguments.options.limit, lines)
    return msgspec.convert([hit.to_json() for hit in hits], list[api.SearchHit])


async def _scanned_on_disk(
    ls: SessionServer, path: Path, query: Query
) -> tuple[ConversationModel, list[int] | None] | None:
    """A file on disk with no model yet is scanned first: one whose bytes cannot hold the query
    is searched without being analysed (that is what a search costs, not a `check`), and the
    lines that may are handed to the search of the model built from those same bytes. None:
    nothing can match.

    Once a line may match, the file is analysed while the rest of it is scanned in another
    thread (`scan_start`): the C scan lets Python's lock go, and 70,000 lines holding a word took
    65 ms to find, which the search otherwise waited for."""
    liveness = read_liveness(ls)
    session = await read_on_disk(ls, path)
    if _CACHE.get(_disk_key(session, _live(session, liveness))) is not None:
        return await _model_of(ls, session, liveness), None
    started = await asyncio.to_thread(scan_start, session.data, query)
    if started is None:
        return None
    rest = asyncio.ensure_future(asyncio.to_thread(started.rest, session.data, query))
    try:
        model = await _model_of(ls, session, liveness)
    except BaseException:
        rest.cancel()  # its thread ends by itself; nobody waits for its lines
        raise
    return model, await rest


async def search_sessions(
    ls: SessionServer, arguments: api.SearchSessionsArguments
) -> list[api.SessionMatches]:
    """The newest sessions that mention the query, Claude Code's under the root and Codex's,
    each with its first matches: what `session-lsp search --all` prints. Each file's bytes are
    scanned first and only one that can match is analysed, in worker processes off the loop.
    Sessions that cannot be read are logged; a root that cannot be is an error."""
    options = arguments.options
    try:
        compile_query(options.query)
    except QueryError as error:
        raise JsonRpcInvalidParams(str(error)) from None
    root = _root_folder(arguments.root)
    problems: list[str] = []
    paths = await asyncio.to_thread(session_files, root, None, problems.append)
    agents = await asyncio.to_thread(sub_agent_files, root)
    matched, failed = await asyncio.to_thread(
        search_in_sessions, paths, options.query, options.limit, usable_cores(), agents
    )
    problems += failed
    if problems and not paths:
        raise CommandError("; ".join(problems))
    for problem in problems:
        ls.log.warning("searchSessions: %s", problem)
    shown = [result.to_json() for result in matched[: options.sessions]]
    return msgspec.convert(shown, list[api.SessionMatches])


HANDLERS: dict[Command, Handler] = {
    Command.LIST_SESSIONS: list_sessions,
    Command.CONVERSATION: conversation,
    Command.ITEM: item,
    Command.RENDER_TRANSCRIPT: render_transcript,
    Command.SEARCH: search,
    Command.SEARCH_SESSIONS: search_sessions,
}


def register(server: SessionServer) -> None:
    for command, handler in HANDLERS.items():
        register_command(server, command, handler)
