"""The contract between the server and its clients: every `workspace/executeCommand`.

One place names each command, types its positional arguments (an `array_like` struct: JSON
`[uri, strategy]` decodes to fields in order) and its result. A command that cannot do what it
was asked raises `CommandError`: the client gets a JSON-RPC error carrying the one-line message,
never a normal result it might read as success. Bad arguments are -32602, failures -32603.

`schema()` is exported to `client-vscode/src/common/commands.schema.json`; a test fails when
that file is stale, and the extension's unit tests check its result parsers against it.

Adding a command: a `Command` member, its `...Arguments` and result structs, a `COMMANDS` entry
here, and a module-level handler passed to `commands.register_command`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import msgspec

from session_lsp.core.repairs import Strategy


class Command(enum.StrEnum):
    FIX_ALL = "sessionLsp.fixAll"
    FORK_SESSION = "sessionLsp.forkSession"
    CHECK_FILE = "sessionLsp.checkFile"
    FIX_FILE = "sessionLsp.fixFile"
    RESTORE_BACKUP = "sessionLsp.restoreBackup"
    DEBUG_INFORMATION = "sessionLsp.debugInformation"
    DOCUMENT_TEXT = "sessionLsp.documentText"
    LIST_SESSIONS = "sessionLsp.listSessions"
    CONVERSATION = "sessionLsp.conversation"
    ITEM = "sessionLsp.item"
    RENDER_TRANSCRIPT = "sessionLsp.renderTranscript"
    SEARCH = "sessionLsp.search"
    SEARCH_SESSIONS = "sessionLsp.searchSessions"


class CommandError(Exception):
    """The command could not do its work; the message (one line) is shown to the user."""


class Arguments(msgspec.Struct, array_like=True, forbid_unknown_fields=True):
    """Positional arguments: extra ones are an error, missing optional ones take defaults."""


class Result(msgspec.Struct, rename="camel", omit_defaults=False):
    pass


# --- buffer commands (open documents) -------------------------------------------------------


class FixAllArguments(Arguments):
    uri: str
    strategy: Strategy | None = None
    """None: the `fixStrategy` setting."""


class FixAllResult(Result):
    applied: bool
    """False when there was nothing to repair or the client refused the edit."""
    message: str


class ForkSessionArguments(Arguments):
    uri: str
    strategy: Strategy | None = None


class ForkSessionResult(Result):
    path: str
    session_id: str
    resume_command: str


class DocumentTextArguments(Arguments):
    uri: str


# --- disk commands (files VS Code never syncs) ----------------------------------------------


class PathArguments(Arguments):
    path: str


class FixFileArguments(Arguments):
    path: str
    strategy: Strategy | None = None


class RelatedLocation(Result):
    line: int
    column: int
    message: str


class DiskFinding(Result):
    """`check --format json`'s finding: 1-based lines and code-point columns."""

    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    severity: Literal["error", "warning", "information", "hint"]
    code: str
    message: str
    tool_use_id: str | msgspec.UnsetType = msgspec.UNSET
    related: list[RelatedLocation] | msgspec.UnsetType = msgspec.UNSET


class CheckFileResult(Result):
    path: str
    findings: list[DiskFinding]
    errors: int


class FixFileResult(Result):
    path: str
    changed: bool
    backup: str | None
    remaining_errors: int
    message: str
    """Why nothing changed (nothing to repair, a repair that would leave errors), or the
    repair's title."""


class RestoreBackupResult(Result):
    restored: str
    """The backup the file was restored from."""
    message: str


class NoArguments(Arguments):
    pass


class HeldText(Result):
    """What the server holds of an open document's text."""

    uri: str
    unpacked_bytes: int
    """Kept as the text came: lines an edit put in, and chunks of long lines or not yet packed."""
    packed_bytes: int
    """The chunks of short lines, packed once their lines were read (`core/packed_chunks.py`)."""


class DebugInformationResult(Result):
    version: str
    position_encoding: str
    diagnostics: Literal["pull", "push"]
    resolve_edits: bool
    settings: dict[str, Any]
    open_documents: list[str]
    time: float
    native_unescaping: bool
    """Whether the C module that unescapes a big didOpen's text was built (else Python does it,
    two to three times slower)."""
    native_byte_search: bool
    """Whether the C module that searches a session's bytes was built (else Python finds a query
    at a rare byte where it can and lower-cases the bytes a megabyte at a time where it cannot:
    up to three times slower)."""
    held_texts: list[HeldText]
    """Each open document's text as the server holds it, by uri."""


# --- sessions explorer and conversation view (shapes: docs/contract.md) -------------------------


class ListSessionsArguments(Arguments):
    root: str | None = None


class SessionSummary(Result):
    session_id: str
    path: str
    project: str | None
    title: str | None
    first_activity: str | None
    last_activity: str | None
    size_bytes: int
    version: str | None
    health: Literal["ok", "broken", "live", "unreadable"]
    errors: int
    warnings: int
    subagents: list[str]
    agent: Literal["claude-code", "codex"]
    """The program that writes the session (its format's name): what resumes it."""


class Page(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    offset: Annotated[int, msgspec.Meta(ge=0)] = 0
    limit: Annotated[int, msgspec.Meta(ge=0)] = 200
    """At most 2000 items are sent, whatever the limit."""
    segment: Annotated[int, msgspec.Meta(ge=0)] | None = None
    """Which segment of the history (`ConversationResult.segments`); None: the last, what a
    resume sends."""


class ConversationArguments(Arguments):
    uri_or_path: str
    page: Page = Page()


class Usage(Result):
    """Tokens of one API request or of a session; `input` is the uncached part."""

    input: int
    output: int
    output_partial: bool
    """Some of the output was counted before its message ended: `output` is a lower bound."""
    cache_read: int
    cache_creation: int


class TodoEntry(Result):
    content: str
    status: Literal["pending", "in_progress", "completed"]


class AgentSummary(Result):
    file: str | None
    """The sub-agent's own transcript (page it with `sessionLsp.conversation`); None when its
    turns are the `sub-agent` items of this conversation, under the call."""
    title: str | None
    items: int | None
    """None when the sub-agent's file could not be read."""
    errors: int | None
    usage: Usage | None = None
    """The tokens of the requests in the sub-agent's own file (None without one)."""


class SubAgentsUsage(Result):
    """What every sub-agent file of the session used, which `usage` leaves out."""

    files: int
    unreadable: int
    """Files that could not be read, and are not counted."""
    uncounted: int
    """Files past the 4,096 that are read, not counted either."""
    usage: Usage | None
    """Each file's requests counted once; None when no file holds a request's usage."""


class LastTodos(Result):
    index: int
    """The item of the planning call that wrote it, in its segment."""
    todos: list[TodoEntry]
    segment: int
    """The segment the call is in (counted from 0, as `segment`): an earlier one when the agent
    planned nothing after a compaction."""


class ProcessInputSummary(Result):
    """The running command a call writes to or waits on (Codex's `write_stdin`), and the call that
    started it."""

    command: str
    """The command as the starting call wrote it."""
    typed: str
    """The characters sent, raw (control characters included); empty for a poll, which only
    waits for more output. Show them visibly, never as they are."""
    index: int
    """The starting call's item, in its segment."""
    segment: int
    """The segment the starting call is in (counted from 0, as `segment`): an earlier one when
    the process outlived a compaction."""


class ActedOnAgent(Result):
    name: str
    """What its spawn called it: its nickname, else the first line of its task, else its id."""
    index: int
    """The spawning call's item, in its segment."""
    segment: int
    """The segment the spawning call is in (counted from 0, as `segment`)."""


class AgentActionSummary(Result):
    """What a call does to sub-agents earlier calls spawned (Codex's `wait`, `send_input`,
    `close_agent`, `resume_agent`)."""

    verb: str
    """`waits for`, `sends to`, `closes` or `resumes`."""
    agents: list[ActedOnAgent]


class ConversationTool(Result):
    id: str
    name: str
    input: str | None
    result: str | None
    is_error: bool
    status: Literal[
        "answered", "error", "unpaired", "orphan", "interrupted", "rejected", "stubbed", "live"
    ]
    call_line: int | None
    """None for a result that answers no call."""
    result_line: int | None
    agent_file: str | None
    duration_ms: int | None = None
    """Result time minus call time."""
    diff: str | None = None
    """An edit as a unified diff."""
    applied: bool | None = None
    """Whether that change was made, as the result says: false when the tool failed, the user
    said no or the turn was interrupted; None when no result says, or without a diff."""
    todos: list[TodoEntry] | None = None
    """A planning call's checklist."""
    explanation: str | None = None
    """What the agent said of that plan when it wrote it (Codex's `explanation`)."""
    agent: AgentSummary | None = None
    """A Task/Agent call's sub-agent."""
    process: ProcessInputSummary | None = None
    """What a call writes to or polls, when an earlier call named the process (None otherwise)."""
    acts_on: AgentActionSummary | None = None
    """The spawned sub-agents a call acts on, when earlier spawns named each (None otherwise)."""
    rejection: str | None = None
    """What the user said when they rejected the call (status `rejected`); None otherwise."""


class ConversationItem(Result):
    index: int
    kind: Literal[
        "prompt",
        "assistant",
        "thinking",
        "tool",
        "compaction",
        "interrupt",
        "command",
        "orphan-result",
        "damaged",
        "notification",
        "api-error",
        "model-fallback",
        "sub-agent",
        "recap",
    ]
    lines: tuple[int, int]
    timestamp: str | None
    text: str | None
    truncated: bool
    tool: ConversationTool | None
    findings: list[DiskFinding]
    parent_tool: str | None = None
    """The Task call a sub-agent item belongs to."""
    model: str | None = None
    usage: Usage | None = None
    """The API request's tokens, on the last item it produced (each request once)."""


class ConversationSegment(Result):
    """One stretch of history: closed by a compaction, or a branch a resume leaves out; the last
    is what a resume sends."""

    index: int
    first_line: int
    last_line: int
    items: int
    summary: str | None
    """The compaction summary that closed it, or an abandoned branch's first prompt, on one line;
    None for the last segment."""
    kind: Literal["compacted", "abandoned", "current"] = "compacted"
    """An older server sends none: its segments before the last are all compacted history."""
    fork_line: int | None = None
    """An abandoned branch's: the line it hangs off."""


class ConversationResult(Result):
    path: str
    uri: str
    session_id: str | None
    format: str
    """The name of the file's format (`claude-code`, `codex`, `unknown`)."""
    assistant_label: str
    title: str | None
    total: int
    offset: int
    items: list[ConversationItem]
    errors: int
    warnings: int
    first_problem: int | None
    abandoned_branches: int
    start_note: str | None
    segment: int
    """The segment this page is of; `total` and `offset` count its items."""
    segments: list[ConversationSegment]
    """Every segment, oldest first: one more than the compactions on the conversation's lineage."""
    last_todos: LastTodos | None = None
    """The last plan written before the end: where the work stood."""
    usage: Usage | None = None
    """Every API request of the file, each once."""
    sub_agents: SubAgentsUsage | None = None
    """The session's sub-agent files (those its calls ran and those none names, as the
    compaction agent's) and their tokens; None when it has none."""
    context_tokens: int | None = None
    """The context the last API request sent (input, cache read and cache creation)."""


class ItemQuery(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    index: Annotated[int, msgspec.Meta(ge=0)]
    segment: int | None = None
    """Which compaction segment the index counts in; None: the conversation a resume sends."""


class ItemArguments(Arguments):
    uri_or_path: str
    query: ItemQuery


class RenderTranscriptArguments(Arguments):
    uri_or_path: str


class RenderTranscriptResult(Result):
    markdown: str


class SearchOptions(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    query: Annotated[str, msgspec.Meta(min_length=1, max_length=1000)]
    """Plain text, matched case-insensitively (never a pattern)."""
    limit: Annotated[int, msgspec.Meta(ge=1, le=5000)] = 200


class SearchArguments(Arguments):
    uri_or_path: str
    options: SearchOptions


class SearchHit(Result):
    """One match: the item (of its segment) and the field it is in, on one line of context."""

    segment: int
    index: int
    line: int
    """The 0-based line the field is read from."""
    field: Literal["text", "input", "result"]
    snippet: str
    """The match with some context, on one line, control characters escaped."""


class SessionsSearchOptions(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    query: Annotated[str, msgspec.Meta(min_length=1, max_length=1000)]
    """Plain text, matched case-insensitively (never a pattern)."""
    limit: Annotated[int, msgspec.Meta(ge=1, le=200)] = 10
    """Matches kept per session, in conversation order."""
    sessions: Annotated[int, msgspec.Meta(ge=1, le=1000)] = 200
    """Sessions answered at most, the newest that match."""


class SearchSessionsArguments(Arguments):
    options: SessionsSearchOptions
    root: str | None = None
    """Claude Code's projects folder (default: the one Claude Code uses); Codex's rollouts are
    searched under `$CODEX_HOME/sessions` either way."""


class SessionMatches(Result):
    """A session that mentions the query, with its first matches (`session-lsp search --format
    json`'s entry)."""

    path: str
    session_id: str
    title: str | None
    project: str | None
    modified: str
    size_bytes: int
    agent: Literal["claude-code", "codex"]
    segments: int
    """How many segments its history has (a hit's `segment` counts from 0 among them)."""
    hits: list[SearchHit]
    branches: int = 0
    """How many of those are abandoned branches: the ones just before the last. An older server
    sends none."""
    more: bool = False
    """Whether it has matches past the first `limit`, left out."""
    agents: list[SessionMatches] = []
    """Its sub-agents' transcripts that match, each as a session of its own (no `agents` of its
    own): `path` is the transcript, which `sessionLsp.conversation` opens."""


@dataclass(frozen=True, slots=True)
class CommandSpec:
    arguments: type[Arguments]
    result: Any
    """A Result struct, or another type msgspec can describe (`list[...]`, `str`)."""


COMMANDS: dict[Command, CommandSpec] = {
    Command.FIX_ALL: CommandSpec(FixAllArguments, FixAllResult),
    Command.FORK_SESSION: CommandSpec(ForkSessionArguments, ForkSessionResult),
    Command.CHECK_FILE: CommandSpec(PathArguments, CheckFileResult),
    Command.FIX_FILE: CommandSpec(FixFileArguments, FixFileResult),
    Command.RESTORE_BACKUP: CommandSpec(PathArguments, RestoreBackupResult),
    Command.DEBUG_INFORMATION: CommandSpec(NoArguments, DebugInformationResult),
    Command.DOCUMENT_TEXT: CommandSpec(DocumentTextArguments, str),
    Command.LIST_SESSIONS: CommandSpec(ListSessionsArguments, list[SessionSummary]),
    Command.CONVERSATION: CommandSpec(ConversationArguments, ConversationResult),
    Command.ITEM: CommandSpec(ItemArguments, ConversationItem),
    Command.RENDER_TRANSCRIPT: CommandSpec(RenderTranscriptArguments, RenderTranscriptResult),
    Command.SEARCH: CommandSpec(SearchArguments, list[SearchHit]),
    Command.SEARCH_SESSIONS: CommandSpec(SearchSessionsArguments, list[SessionMatches]),
}


def parse_arguments(command: Command, arguments: list[Any]) -> Arguments:
    """The command's typed arguments; ValueError with a one-line reason when they do not fit."""
    try:
        return msgspec.convert(arguments, COMMANDS[command].arguments)
    except msgspec.ValidationError as error:
        raise ValueError(f"{command.value}: bad arguments: {error}") from None


def schema() -> dict[str, Any]:
    """JSON Schema of every command: `arguments` (a positional array) and `result`."""
    names = list(COMMANDS)
    definitions, components = msgspec.json.schema_components(
        [COMMANDS[name].arguments for name in names] + [COMMANDS[name].result for name in names],
        ref_template="#/$defs/{name}",
    )
    count = len(names)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "session-lsp workspace/executeCommand contract",
        "description": "Generated from session_lsp/lsp/api.py by tests/lsp/test_api.py.",
        "commands": {
            name.value: {"arguments": definitions[i], "result": definitions[count + i]}
            for i, name in enumerate(names)
        },
        "$defs": components,
    }
