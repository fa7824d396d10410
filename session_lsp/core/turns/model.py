"""The conversation model's plain data: items, tool calls and their statuses, and the session."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec

from session_lsp.core.findings import Finding, Severity
from session_lsp.core.plans import LastPlan, Todo
from session_lsp.core.reading import Line
from session_lsp.core.turns.timing import duration_ms

if TYPE_CHECKING:
    from session_lsp.core.turns.segments import Segment
    from session_lsp.core.turns.texts import ItemTexts

MAX_TEXT = 4000
REDACTED_THINKING = "(redacted thinking)"
"""The text of a thinking block the provider encrypted (Claude's `redacted_thinking`)."""
ENCRYPTED_REASONING = "(encrypted reasoning)"
"""The text of reasoning written only encrypted (Codex's `encrypted_content` alone)."""
UNREADABLE_THINKING = frozenset({REDACTED_THINKING, ENCRYPTED_REASONING})
"""Thinking whose text is one of these says so; it is no text of that length."""
"""Characters of one text, tool input or result sent per item; the raw line has the rest."""


class ItemKind(enum.StrEnum):
    PROMPT = "prompt"
    ASSISTANT = "assistant"
    THINKING = "thinking"
    TOOL = "tool"
    COMPACTION = "compaction"
    INTERRUPT = "interrupt"
    COMMAND = "command"
    ORPHAN_RESULT = "orphan-result"
    DAMAGED = "damaged"
    """A line off the conversation that carries findings (a torn last line, corrupt JSON)."""
    NOTIFICATION = "notification"
    """Put in the conversation by Claude Code, not typed: a task notification, a system reminder,
    a CI event."""
    API_ERROR = "api-error"
    """An API failure Claude Code retried (HTTP 500, ECONNRESET), with the attempt it made."""
    MODEL_FALLBACK = "model-fallback"
    """The conversation switched model (a refusal or an overload handed it to a fallback)."""
    SUB_AGENT = "sub-agent"
    """One message of a sub-agent, under its Task call, when only `progress` lines hold it."""
    RECAP = "recap"
    """Claude Code's recap of where the session stood, written when the user came back to it
    (`away_summary`): what they were doing, in the agent's words."""


_ASSISTANT_KINDS = frozenset({ItemKind.ASSISTANT, ItemKind.THINKING, ItemKind.MODEL_FALLBACK})


class ToolStatus(enum.StrEnum):
    ANSWERED = "answered"
    ERROR = "error"
    UNPAIRED = "unpaired"
    ORPHAN = "orphan"
    INTERRUPTED = "interrupted"
    REJECTED = "rejected"
    """The user said no to the call, or a permission rule denied it: it did nothing."""
    STUBBED = "stubbed"
    LIVE = "live"


_NOT_MADE = frozenset({ToolStatus.ERROR, ToolStatus.REJECTED, ToolStatus.INTERRUPTED})
"""Statuses that say a call's change was not made (`ToolCall.applied`)."""
_UNSAID = frozenset({ToolStatus.STUBBED, ToolStatus.LIVE})
"""Statuses under which the file does not say whether it was (`ToolCall.applied`)."""


class Source(msgspec.Struct, gc=False):
    """Where a text lives: a line, and the index of the block in its content (None: the whole).
    Never changed once made, but not frozen: two are made per tool call, and a frozen one takes
    longer to make."""

    line: int
    block: int | None = None


class Usage(msgspec.Struct, gc=False):
    """Tokens of one API request, or of a whole session: what it cost and how full the context
    was. `input` counts only the uncached part, as Claude's API reports it. Not frozen: one is
    made per API message of a session, and a frozen one costs more to make."""

    input: int = 0
    output: int = 0
    cache_read: int = 0
    cache_creation: int = 0
    output_partial: bool = False
    """Some of the output was counted before its message ended (Claude Code writes a message's
    lines as they stream, and some versions never a line with its final count): `output` is
    then a lower bound."""

    @property
    def context(self) -> int:
        """The context the request sent: every input token, cached or not."""
        return self.input + self.cache_read + self.cache_creation

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.input + other.input,
            self.output + other.output,
            self.cache_read + other.cache_read,
            self.cache_creation + other.cache_creation,
            self.output_partial or other.output_partial,
        )

    @property
    def output_said(self) -> str:
        """The output count as a reader reads it: "at least" where it is a lower bound."""
        return f"{'at least ' if self.output_partial else ''}{self.output:,} out"


@dataclass(frozen=True, slots=True)
class Request:
    """The API request an item of the assistant's came from, read from its line on demand."""

    key: object
    """Equal for every line of one API message (Claude Code writes one line per content block)."""
    model: str | None
    usage: Usage | None


class SubAgent(msgspec.Struct, gc=False):
    """The sub-agent a Task/Agent call ran: its own file when one exists, else the `sub-agent`
    items of the main file (`progress`), which are its turns."""

    file: Path | None
    progress: list[Item] = msgspec.field(default_factory=list)
    title: str | None = None
    """What the call asked the sub-agent to do (its description), read with the call's input."""


class ProcessInput(msgspec.Struct, gc=False):
    """What a call sends to a process an earlier call started and left running (Codex's
    `write_stdin`): the keys it types, or nothing when it only waits for more output, and the call
    that started the process, which a reader needs to know what the call waits on."""

    command: str
    """The command the starting call ran, as it wrote it."""
    typed: str
    """The characters sent, as sent (control characters included); empty for a poll."""
    call: Item
    """The starting call's item: its `index` is its place in its segment."""
    segment: int
    """The segment the starting call is in, counted from 0 oldest first (a process outlives a
    compaction)."""


class SpawnedAgent(msgspec.Struct, gc=False):
    """A sub-agent an earlier call spawned, as a call that acts on it names it."""

    name: str
    """What the spawn called it: its nickname, else the task it was given, else its id."""
    call: Item
    """The spawning call's item: its `index` is its place in its segment."""
    segment: int
    """The segment the spawning call is in, counted from 0 oldest first."""


class AgentAction(msgspec.Struct, gc=False):
    """What a call does to sub-agents earlier calls spawned (Codex's `wait`, `send_input`,
    `close_agent`): read alone, such a call names only thread ids."""

    verb: str
    """What it does, as a reader says it: `waits for`, `sends to`, `closes`, `resumes`."""
    agents: list[SpawnedAgent]


class ToolCall(msgspec.Struct, gc=False):
    id: str
    name: str
    call_line: int | None
    """None for a result that answers no call (an orphan)."""
    status: ToolStatus = ToolStatus.ANSWERED
    result_line: int | None = None
    is_error: bool = False
    agent_file: Path | None = None
    call_source: Source | None = None
    result_source: Source | None = None
    input: str | None = None
    result: str | None = None
    searches_the_web: bool = False
    """A Codex call that no output item answers: a web search or image generation (answered
    inside the call), or a call without a call_id (Codex asks no output of it)."""
    called_at: str | None = None
    answered_at: str | None = None
    """The timestamps of the call's line and its result's, as written: parsed only when a page
    shows the call (`duration_ms`)."""
    agent: SubAgent | None = None
    diff: str | None = None
    """An edit as a unified diff, read with the call's input."""
    todos: list[Todo] | None = None
    """A planning call's checklist, read with the call's input."""
    explanation: str | None = None
    """What the agent said of that plan when it wrote it (Codex `update_plan`'s `explanation`)."""
    process: ProcessInput | None = None
    """The running command the call writes to or polls, when an earlier call names its process."""
    acts_on: AgentAction | None = None
    """The spawned sub-agents the call acts on, when earlier calls spawned each it names."""
    rejection: str | None = None
    """What the user said when they rejected the call: the one instruction a rejection carries,
    which the result's stock wording around it hides."""

    @property
    def duration_ms(self) -> int | None:
        """Result time minus call time, when both lines carry a timestamp."""
        return duration_ms(self.called_at, self.answered_at)

    @property
    def applied(self) -> bool | None:
        """Whether the change the call carries (`diff`) was made, as its result says: not when
        the tool failed, the user said no or the turn was interrupted; None when no result says
        (none in the file, our own stub, still running) or the call carries no change. Read from
        the result, not from the pairing: a result after text still says the edit was made. A
        reader must not count a rejected Write's lines as written."""
        if self.diff is None or self.result_line is None or self.status in _UNSAID:
            return None
        return not self.is_error and self.status not in _NOT_MADE


class Item(msgspec.Struct, gc=False):
    """One entry of the conversation as a reader sees it.

    Items, their calls and their sources are never tracked by the cyclic garbage collector (they
    hold no cycle), and an item's findings are a tuple, shared empty by most: a model of 70,000
    calls made 300,000 tracked objects, and the first collection after it was built walked them
    all (165 ms of the page that followed)."""

    kind: ItemKind
    first_line: int
    last_line: int
    timestamp: str | None = None
    source: Source | None = None
    tool: ToolCall | None = None
    findings: tuple[Finding, ...] = ()
    index: int = -1
    text: str | None = None
    truncated: bool = False
    loaded: bool = False
    parent_tool: str | None = None
    """The call a sub-agent item belongs to."""
    model: str | None = None
    """The model that wrote an assistant-side item (reply, thinking, tool call)."""
    usage: Usage | None = None
    """The tokens of the API request that ended with this item: each request once, on its last
    item, however many lines the transcript wrote for it. Like `model`, read with the item's
    texts (Claude Code) or while building (Codex, whose counts are events of their own)."""

    @property
    def is_assistant_side(self) -> bool:
        """Made by the model's response: its reply, thinking, a call or a model switch."""
        if self.kind is ItemKind.TOOL:
            return self.tool is not None and self.tool.call_line is not None
        return self.kind in _ASSISTANT_KINDS

    @property
    def has_error(self) -> bool:
        return any(finding.is_error for finding in self.findings)


@dataclass(slots=True)
class KnownFacts:
    """Whole-session facts, worked out once the model is built and kept: every page reports them,
    and on 70,000 items working them out again was most of the time of a page."""

    first_problem: int | None = None
    first_problem_known: bool = False
    plan: LastPlan | None = None
    plan_known: bool = False
    last_segment: Segment | None = None


@dataclass(slots=True)
class ConversationModel:
    """Every item of one session; `page` loads the texts of the items it returns."""

    format: str
    """The name of the file's format (`Format.name`)."""
    items: list[Item]
    findings: list[Finding]
    lines: Sequence[Line]
    session_id: str | None = None
    title: str | None = None
    start_note: str | None = None
    """What to know before reading the conversation, said under its header: why it starts after
    the file's first line (compaction, missing parent), or whose thread a sub-agent's own file is
    (a Codex thread spawned by another session)."""
    texts: ItemTexts = field(kw_only=True)
    """How the format reads its items' texts, for the page asked for."""
    assistant_label: str = field(kw_only=True)
    """What the view calls the assistant (`Format.assistant_label`)."""
    earlier_segments: list[Segment] = field(default_factory=list, kw_only=True)
    """The history before the last compaction, one segment per compaction, oldest first
    (`turns.segments`); `items` is the last segment."""
    abandoned_segments: list[Segment] = field(default_factory=list, kw_only=True)
    """The branches off the conversation after its start that a resume leaves out (rewound
    replies, a tail written beside the leaf), in file order (`turns.segments`); past a thousand,
    the newest."""
    abandoned_branches: int = field(default=0, kw_only=True)
    """How many such branches there are: more than `abandoned_segments` past the thousand."""
    usage: Usage | None = field(default=None, kw_only=True)
    """Every API request of the file, each once (history before a compaction included)."""
    agent_files: list[Path] = field(default_factory=list, kw_only=True)
    """Every sub-agent transcript of the session, once, sorted: those its calls ran, in every
    segment, and those no call names (Claude Code's compaction and side agents in
    `<session>/subagents/`, 2.0.x's Warmup agent beside the session). Their requests are not in
    `usage` (`agents.sub_agent_usage`)."""
    known_context: int | None = field(default=None, kw_only=True)
    """`context_tokens` as the format counted it while building (`context_known`)."""
    context_known: bool = field(default=False, kw_only=True)
    """Whether `known_context` is set: a format that reads requests on demand leaves it to the
    first question, which reads the last request's line once."""
    known: KnownFacts = field(default_factory=KnownFacts, init=False, repr=False, compare=False)

    @property
    def errors(self) -> int:
        return sum(1 for finding in self.findings if finding.is_error)

    @property
    def warnings(self) -> int:
        return sum(1 for finding in self.findings if finding.severity is Severity.WARNING)

    @property
    def context_tokens(self) -> int | None:
        """The context the conversation's last API request sent (`Usage.context`)."""
        if not self.context_known:
            # Imported here: texts reads lines into this module's items, so it imports it.
            from session_lsp.core.turns.texts import last_context

            self.known_context = last_context(self)
            self.context_known = True
        return self.known_context

    @property
    def first_problem(self) -> int | None:
        known = self.known
        if not known.first_problem_known:
            known.first_problem = (
                next((item.index for item in self.items if item.has_error), None)
                if self.errors
                else None  # a healthy session: its items need not be asked one by one
            )
            known.first_problem_known = True
        return known.first_problem


def clip(text: str | None, limit: int | None = MAX_TEXT) -> tuple[str | None, bool]:
    """The text cut to `limit` characters (None: uncut), and whether it was cut."""
    if text is None or limit is None or len(text) <= limit:
        return text, False
    return text[:limit], True
