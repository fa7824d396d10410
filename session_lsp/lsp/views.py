"""workspace/executeCommand for the sessions explorer and the conversation view.

Every client gets them: VS Code's webview pages through `sessionLsp.conversation`, editors without
one open `sessionLsp.renderTranscript` in a scratch buffer. A path names a file on disk, which is
how files over 50 MB (never synced by VS Code) are viewed; a `file:` URI of an open document uses
the editor's current text. Names, arguments and result shapes are the contract in `api`: results
are converted to its structs, so a shape that drifts from it fails here, not in a client.
Failures are JSON-RPC errors, never results carrying an error."""

from __future__ import annotations

import asyncio
import os
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote_to_bytes, urlparse

import msgspec
from pygls.exceptions import JsonRpcInvalidParams
from pygls.uris import from_fs_path, to_fs_path

from session_lsp.core.analysis import analyse_bytes
from session_lsp.core.markdown import render_markdown
from session_lsp.core.turns import ConversationModel, build_model
from session_lsp.files import SessionFile, SessionFileError, is_folder, read_session_file
from session_lsp.lsp import api
from session_lsp.lsp.api import Command, CommandError
from session_lsp.lsp.commands import Handler, register_command
from session_lsp.lsp.server import SessionServer
from session_lsp.sessions import list_sessions as discover_sessions
from session_lsp.view_json import conversation_to_json

MAX_PAGE = 2000
CACHED_MODELS = 4


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

    def forget(self, uri_or_path: object) -> None:
        for stale in [old for old in self._models if old[0] == uri_or_path]:
            del self._models[stale]


_CACHE = _ModelCache(CACHED_MODELS)


def forget_document(uri: str) -> None:
    """A closed document's model goes with it: a model holds the document's lines and records
    (a second copy of a 100 MB session in memory until the next model of that URI)."""
    _CACHE.forget(uri)


async def _resolve(ls: SessionServer, uri_or_path: str) -> _Target:
    document = ls.session_document(uri_or_path)
    if document is not None:
        path = to_fs_path(document.uri) or document.uri
        key = (document.uri, document.version, document.modified_seconds_ago)
        model = _CACHE.get(key)
        if model is None:
            model = build_model(document.analysis(), Path(path))
            _CACHE.put(key, model)
        return _Target(path, document.uri, model)
    on_disk = _path_of_uri(uri_or_path) if uri_or_path.startswith("file:") else uri_or_path
    if on_disk is None or not Path(on_disk).is_absolute():
        raise JsonRpcInvalidParams(
            f"{uri_or_path}: not an open document, a file: URI or an absolute path"
        )
    model = await _model_on_disk(Path(on_disk))
    return _Target(on_disk, _uri_of_path(on_disk) or uri_or_path, model)


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


async def _model_on_disk(path: Path) -> ConversationModel:
    """Read and analysed off the event loop: a 100 MB file takes seconds, edits keep flowing."""
    try:
        session = await asyncio.to_thread(read_session_file, path)
    except SessionFileError as error:
        raise CommandError(str(error)) from None
    key = (str(path), session.size, session.mtime_ns)
    model = _CACHE.get(key)
    if model is None:
        model = await asyncio.to_thread(_analyse, session)
        _CACHE.put(key, model)
    return model


def _analyse(session: SessionFile) -> ConversationModel:
    analysis = analyse_bytes(session.data, modified_seconds_ago=session.modified_seconds_ago)
    return build_model(analysis, session.path)


async def conversation(
    ls: SessionServer, arguments: api.ConversationArguments
) -> api.ConversationResult:
    """One page of the conversation model; the counts cover the whole session."""
    target = await _resolve(ls, arguments.uri_or_path)
    page = arguments.page
    answer = conversation_to_json(
        target.model, target.path, target.uri, page.offset, min(page.limit, MAX_PAGE)
    )
    return msgspec.convert(answer, api.ConversationResult)


async def render_transcript(
    ls: SessionServer, arguments: api.RenderTranscriptArguments
) -> api.RenderTranscriptResult:
    """The whole conversation as inert Markdown, for a scratch buffer."""
    target = await _resolve(ls, arguments.uri_or_path)
    return api.RenderTranscriptResult(markdown=render_markdown(target.model, path=target.path))


async def list_sessions(
    ls: SessionServer, arguments: api.ListSessionsArguments
) -> list[api.SessionSummary]:
    """Every session under the root (default: Claude Code's projects folder), newest first.

    Folders that cannot be read are an error when nothing could be listed (an unreadable root is
    not an empty one), else logged."""
    root = arguments.root
    if root is not None and not Path(root).is_absolute():
        raise JsonRpcInvalidParams(f"{root}: the root is an absolute folder path")
    folder = Path(root) if root is not None else None
    if folder is not None and not is_folder(folder):
        raise CommandError(f"{folder}: no such folder")
    problems: list[str] = []
    summaries = await asyncio.to_thread(discover_sessions, folder, on_problem=problems.append)
    if problems and not summaries:
        raise CommandError("; ".join(problems))
    for problem in problems:
        ls.log.warning("listSessions: %s", problem)
    return msgspec.convert([summary.to_json() for summary in summaries], list[api.SessionSummary])


HANDLERS: dict[Command, Handler] = {
    Command.LIST_SESSIONS: list_sessions,
    Command.CONVERSATION: conversation,
    Command.RENDER_TRANSCRIPT: render_transcript,
}


def register(server: SessionServer) -> None:
    for command, handler in HANDLERS.items():
        register_command(server, command, handler)
