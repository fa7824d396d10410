"""workspace/executeCommand for the sessions explorer and the conversation view (CONTRACT.md).

Every client gets them: VS Code's webview pages through `sessionLsp.conversation`, editors without
one open `sessionLsp.renderTranscript` in a scratch buffer. A path names a file on disk, which is
how files over 50 MB (never synced by VS Code) are viewed; a `file:` URI of an open document uses
the editor's current text. Failures are JSON-RPC errors, never results carrying an error.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pygls.exceptions import JsonRpcInternalError, JsonRpcInvalidParams
from pygls.uris import from_fs_path, to_fs_path

from session_lsp.core.analysis import analyse_bytes
from session_lsp.core.markdown import render_markdown
from session_lsp.core.turns import ConversationModel, build_model
from session_lsp.files import SessionFile, SessionFileError, read_session_file
from session_lsp.lsp.server import SessionServer
from session_lsp.sessions import list_sessions as discover_sessions
from session_lsp.view_json import DEFAULT_PAGE, conversation_to_json

LIST_SESSIONS = "sessionLsp.listSessions"
CONVERSATION = "sessionLsp.conversation"
RENDER_TRANSCRIPT = "sessionLsp.renderTranscript"
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
        for stale in [old for old in self._models if old[0] == key[0]]:
            del self._models[stale]
        self._models[key] = model
        while len(self._models) > self.capacity:
            self._models.popitem(last=False)


_CACHE = _ModelCache(CACHED_MODELS)


async def _resolve(ls: SessionServer, uri_or_path: object) -> _Target:
    if not isinstance(uri_or_path, str) or not uri_or_path:
        raise JsonRpcInvalidParams("expected a file: URI or an absolute path to a session file")
    document = ls.session_document(uri_or_path)
    if document is not None:
        path = to_fs_path(document.uri) or document.uri
        key = (document.uri, document.version, document.modified_seconds_ago)
        model = _CACHE.get(key)
        if model is None:
            model = build_model(document.analysis(), Path(path))
            _CACHE.put(key, model)
        return _Target(path, document.uri, model)
    on_disk = to_fs_path(uri_or_path) if uri_or_path.startswith("file:") else uri_or_path
    if on_disk is None or not Path(on_disk).is_absolute():
        raise JsonRpcInvalidParams(
            f"{uri_or_path}: not an open document, a file: URI or an absolute path"
        )
    model = await _model_on_disk(Path(on_disk))
    return _Target(on_disk, from_fs_path(on_disk) or uri_or_path, model)


async def _model_on_disk(path: Path) -> ConversationModel:
    """Read and analysed off the event loop: a 100 MB file takes seconds, edits keep flowing."""
    try:
        session = await asyncio.to_thread(read_session_file, path)
    except SessionFileError as error:
        raise JsonRpcInternalError(str(error)) from None
    key = (str(path), session.size, session.mtime_ns)
    model = _CACHE.get(key)
    if model is None:
        model = await asyncio.to_thread(_analyse, session)
        _CACHE.put(key, model)
    return model


def _analyse(session: SessionFile) -> ConversationModel:
    analysis = analyse_bytes(session.data, modified_seconds_ago=session.modified_seconds_ago)
    return build_model(analysis, session.path)


def _page_bounds(options: object) -> tuple[int, int]:
    if options is None:
        return 0, DEFAULT_PAGE
    if not isinstance(options, dict):
        raise JsonRpcInvalidParams('the second argument is {"offset": N, "limit": N}')
    offset, limit = options.get("offset", 0), options.get("limit", DEFAULT_PAGE)
    if not isinstance(offset, int) or not isinstance(limit, int) or offset < 0 or limit < 0:
        raise JsonRpcInvalidParams("offset and limit are non-negative integers")
    return offset, min(limit, MAX_PAGE)


def _arguments(arguments: tuple[Any, ...], at_most: int) -> list[Any]:
    """Optional arguments padded with None (pygls itself insists on every declared one)."""
    if len(arguments) > at_most:
        raise JsonRpcInvalidParams(f"expected at most {at_most} arguments, got {len(arguments)}")
    return [*arguments, *([None] * (at_most - len(arguments)))]


async def conversation(ls: SessionServer, *arguments: Any) -> dict[str, Any]:
    """`[uriOrPath, {offset, limit}?]`: one page of the conversation; counts cover the session."""
    uri_or_path, options = _arguments(arguments, 2)
    offset, limit = _page_bounds(options)
    target = await _resolve(ls, uri_or_path)
    return conversation_to_json(target.model, target.path, target.uri, offset, limit)


async def render_transcript(ls: SessionServer, *arguments: Any) -> dict[str, str]:
    """`[uriOrPath]`: the whole conversation as inert Markdown, for a scratch buffer."""
    (uri_or_path,) = _arguments(arguments, 1)
    target = await _resolve(ls, uri_or_path)
    return {"markdown": render_markdown(target.model, path=target.path)}


async def list_sessions(ls: SessionServer, *arguments: Any) -> list[dict[str, object]]:
    """`[root?]`: every session under root (default: Claude Code's projects folder), newest first."""
    (root,) = _arguments(arguments, 1)
    if root is not None and not (isinstance(root, str) and Path(root).is_absolute()):
        raise JsonRpcInvalidParams("root is an absolute folder path")
    folder = Path(root) if isinstance(root, str) else None
    if folder is not None and not folder.is_dir():
        raise JsonRpcInternalError(f"{folder}: no such folder")
    summaries = await asyncio.to_thread(discover_sessions, folder)
    return [summary.to_json() for summary in summaries]


def register(server: SessionServer) -> None:
    server.command(LIST_SESSIONS)(list_sessions)
    server.command(CONVERSATION)(conversation)
    server.command(RENDER_TRANSCRIPT)(render_transcript)
