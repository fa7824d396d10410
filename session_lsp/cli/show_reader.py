"""`session-lsp show`'s reading layout: the conversation as a person reads it in a terminal.

Prompts and replies in full, wrapped to the width; each tool call on one line (what it ran, read
or changed, its status) with the first lines of its result; thinking as its first line; times;
the broken spots marked where they are. `--brief` keeps the one-line index (`show.py`).

Every string that came from the transcript goes through `for_terminal` before it is printed
(`layout=True` where it is laid out over lines), so no escape sequence in a session reaches the
terminal.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import TextIO

from msgspec.structs import replace

from session_lsp.cli.columns import columns, cut, cut_start, wrap
from session_lsp.cli.programs import command_line
from session_lsp.cli.show_headline import call_headline, first_line, one_line
from session_lsp.cli.shown_session import Shown, header_facts
from session_lsp.cli.terminal import for_terminal
from session_lsp.core.diffs import change_note, diff_counts
from session_lsp.core.plans import Todo, plan_place
from session_lsp.core.turns import ConversationModel, Item, ItemKind, ToolCall, ToolStatus, page
from session_lsp.core.turns.agents import sub_agent_usage
from session_lsp.core.turns.model import Usage
from session_lsp.core.turns.segments import live_segment, segment_items, summary_line
from session_lsp.core.turns.texts import last_plan, whole_item
from session_lsp.core.wording import counted

Painter = Callable[[str, str], str]

RED, YELLOW, GREEN, CYAN, DIM, BOLD, RESET = (
    "\033[31m",
    "\033[33m",
    "\033[32m",
    "\033[36m",
    "\033[2m",
    "\033[1m",
    "\033[0m",
)
STATUS_MARKS = {
    ToolStatus.ANSWERED: ("ok", GREEN),
    ToolStatus.ERROR: ("error result", YELLOW),
    ToolStatus.UNPAIRED: ("NO RESULT", RED),
    ToolStatus.ORPHAN: ("ORPHAN", RED),
    ToolStatus.INTERRUPTED: ("interrupted", YELLOW),
    ToolStatus.REJECTED: ("rejected", YELLOW),
    ToolStatus.STUBBED: ("stubbed", CYAN),
    ToolStatus.LIVE: ("running", CYAN),
}
MESSAGE_LABELS = {ItemKind.PROMPT: "You", ItemKind.RECAP: "Recap"}
"""Who says what `_message` prints whole: the assistant otherwise, by the format's name."""
MESSAGE_COLOURS = {ItemKind.PROMPT: CYAN, ItemKind.RECAP: DIM}
RESULT_LINES = 3
"""Lines of a tool's result shown under its call; the count of the rest follows."""
MIN_WIDTH = 40
FENCE = ("```", "~~~")
OTHER_LABELS = {
    ItemKind.COMPACTION: "compacted",
    ItemKind.INTERRUPT: "interrupted",
    ItemKind.COMMAND: "command",
    ItemKind.DAMAGED: "damaged line",
    ItemKind.NOTIFICATION: "notice",
    ItemKind.API_ERROR: "api error",
    ItemKind.MODEL_FALLBACK: "model switch",
    ItemKind.SUB_AGENT: "agent",
}


class Reader:
    """Writes one conversation; `paint` colours (or not) the labels it adds, never transcript text
    (which is escaped first and so cannot carry colours of its own)."""

    def __init__(
        self,
        model: ConversationModel,
        stream: TextIO,
        *,
        colour: bool,
        width: int,
        segment: int | None = None,
    ) -> None:
        self.model = model
        self.shown_items = segment_items(model, segment)
        """The segment's items: `--item N` and the item numbers count in them."""
        self.segment = segment
        self.stream = stream
        self.colour = colour
        self.width = max(MIN_WIDTH, width)
        self._last_day: str | None = None

    def paint(self, text: str, code: str) -> str:
        return f"{code}{text}{RESET}" if self.colour else text

    def line(self, text: str = "") -> None:
        self.stream.write(text + "\n")

    def header(self, shown: Shown) -> None:
        model = self.model
        title = one_line(model.title or "untitled session")
        for row in wrap(title, self.width) or [title]:
            self.line(self.paint(row, BOLD))
        self._facts(header_facts(model, shown))
        if model.usage is not None:
            self._facts(usage_facts(model.usage, model.context_tokens))
        sub_agents = sub_agent_usage(model)
        if sub_agents is not None:
            used = sub_agents.usage
            counts = usage_facts(used, None) if used is not None else ["no token counts"]
            self._facts([f"sub-agents ({sub_agents.files_label()})", *counts])
        history = shown.is_history(model)
        if model.start_note and not history:
            note = f"note: {one_line(model.start_note)}"
            for row in wrap(note, self.width):
                self.line(self.paint(row, DIM))
        problem = None if history else model.first_problem
        if problem is not None:
            line = model.items[problem].first_line + 1
            self.line(self.paint(f"first problem: item {problem + 1}, line {line}", RED))
        plan = last_plan(model)
        if plan is not None:
            self._plan(plan_place(plan, live_segment(model), shown.segment), plan.todos)
        if shown.offset:
            self.line(self.paint(f"… {counted(shown.offset, 'earlier item')}", DIM))

    def footer(self, path: str | None) -> None:
        """The last item, its line and time (where the session stopped), and the command that
        goes on from there."""
        if not self.shown_items:
            return
        last = self.shown_items[-1]
        facts = [f"end: #{last.index + 1}", f"line {last.last_line + 1}"]
        if last.timestamp:
            facts.append(local_time(last.timestamp))
        self.line()
        self.line(self.paint(" · ".join(facts), DIM))
        command = continue_command(path)
        if command is not None:
            # Whole on its line, to be copied.
            self.line(self.paint("to continue: ", DIM) + command)

    def _facts(self, facts: list[str]) -> None:
        """Facts joined by ` · `, as many on a line as the width holds."""
        for row in packed(facts, self.width):
            self.line(self.paint(row, DIM))

    def _plan(self, where: str, todos: list[Todo]) -> None:
        done = sum(todo.status == "completed" for todo in todos)
        progress = f"{done} of {len(todos)} done" if todos else "emptied"
        self.line(self.paint(f"plan ({where}): {progress}", BOLD))
        for todo in todos:
            mark = PLAN_MARKS.get(todo.status, "[ ]")
            colour = (
                DIM
                if todo.status == "completed"
                else (BOLD if todo.status == "in_progress" else "")
            )
            text = cut(one_line(todo.content), self.width - 8)
            self.line(f"  {mark} {self.paint(text, colour) if colour else text}")

    def items(self, offset: int) -> None:
        for item in page(self.model, offset, segment=self.segment):
            self.item(item)

    def item(self, item: Item) -> None:
        if item.kind in (ItemKind.PROMPT, ItemKind.ASSISTANT, ItemKind.RECAP):
            self._message(item)
        elif item.tool is not None:
            self._tool(item, item.tool)
        elif item.kind is ItemKind.THINKING:
            self._one_line(item, "thinking", first_line(item.text or ""))
        elif item.kind is ItemKind.COMPACTION:
            # Not Claude Code's opening sentence, the same in every summary: what it kept.
            self._one_line(item, "compacted", one_line(summary_line(item.text) or ""))
        else:
            label = OTHER_LABELS.get(item.kind, item.kind.value)
            self._one_line(item, label, first_line(item.text or ""))
        self._findings(item)

    def _message(self, item: Item) -> None:
        if item.truncated:
            # Pages cut texts at 4,000 characters; a reader wants the reply whole.
            item = whole_item(self.model, item.index, self.shown_items)
        who = MESSAGE_LABELS.get(item.kind) or self.model.assistant_label
        head = f"── {who}"
        when = self._when(item.timestamp)
        tail = " · ".join(part for part in (when, _where(item)) if part)
        colour = RED if item.has_error else MESSAGE_COLOURS.get(item.kind, BOLD)
        self.line()
        self.line(f"{self.paint(head, colour)} {self.paint('· ' + tail, DIM)}")
        for row in wrap_text(item.text or "", self.width - 2):
            self.line(f"  {row}" if row else "")
        if item.truncated:
            self.line(self.paint("  (cut here: the raw line holds the rest)", DIM))

    def _tool(self, item: Item, tool: ToolCall) -> None:
        if item.truncated and tool.diff is not None:
            # A diff cut to a page's 4,000 characters would count, and name, too few lines.
            whole = whole_item(self.model, item.index, self.shown_items).tool
            tool = replace(tool, diff=whole.diff if whole is not None else tool.diff)
        mark, code = STATUS_MARKS[tool.status]
        name = one_line(tool.name or "result")
        what = call_headline(tool)
        facts = ""
        if tool.diff is not None:
            added, removed = diff_counts(tool.diff)
            note = change_note(tool.applied)
            facts += f"  +{added} -{removed}" + (f" {note}" if note else "")
        if tool.duration_ms is not None:
            facts += f"  ({duration(tool.duration_ms)})"
        where = _where(item)
        pointer = self.paint(">>" if item.has_error else " ▸", RED if item.has_error else DIM)
        head = f"{pointer} {self.paint(name, BOLD)} {self.paint(f'[{mark}]', code)} "
        room = max(10, self.width - columns(name) - len(mark) - 9 - len(where) - len(facts))
        # An edit's headline is its file: the name at its end is what tells files apart.
        headline = cut_start(what, room) if tool.diff is not None else cut(what, room)
        self.line(f"{head}{headline}{facts}  {self.paint(where, DIM)}")
        if tool.agent is not None:
            title = one_line(tool.agent.title or "")
            where = f" ({one_line(tool.agent.file.name)})" if tool.agent.file is not None else ""
            self.line(self.paint(cut(f"     sub-agent: {title}{where}", self.width), DIM))
        elif tool.agent_file is not None:
            self.line(self.paint(f"     sub-agent: {one_line(tool.agent_file.name)}", DIM))
        if tool.explanation is not None:
            # Why the plan is what it is, in the agent's words, before what the call answered.
            for row in wrap_text(tool.explanation, self.width - 7):
                self.line(self.paint("     │ ", DIM) + row)
        if tool.rejection is not None:
            # What the user said instead, whole: the stock wording around it says nothing.
            told = f"the user said: {tool.rejection}"
            for row in wrap_text(told, self.width - 7):
                self.line(self.paint("     │ ", DIM) + row)
        elif tool.result and tool.status is not ToolStatus.REJECTED:
            rows = for_terminal(tool.result, layout=True).rstrip("\n").split("\n")
            # One line more is shown: its count would take the same room.
            shown = rows if len(rows) <= RESULT_LINES + 1 else rows[:RESULT_LINES]
            for row in shown:
                self.line(self.paint("     │ ", DIM) + cut(row.expandtabs(4), self.width - 7))
            if len(rows) > len(shown):
                self.line(self.paint(f"     │ … {len(rows) - len(shown)} more lines", DIM))

    def _one_line(self, item: Item, label: str, text: str) -> None:
        pointer = self.paint(">>", RED) if item.has_error else "  "
        head = f"{pointer} {self.paint(label, DIM)} "
        where = _where(item)
        room = max(10, self.width - columns(label) - 6 - len(where))
        self.line(f"{head}{cut(text, room)}  {self.paint(where, DIM)}")

    def _findings(self, item: Item) -> None:
        for finding in item.findings:
            marker = self.paint(">>", RED if finding.is_error else YELLOW)
            # The file is named in the header: the finding says where in it, and what.
            where = f"line {finding.span.line + 1}"
            text = f"{finding.severity.label} {finding.code.value} at {where}: {one_line(finding.message)}"
            rows = wrap(text, self.width - 6) or [""]
            self.line(f"   {marker} {rows[0]}")
            for row in rows[1:]:
                self.line(f"      {row}")

    def _when(self, timestamp: str | None) -> str:
        """`2026-01-01 12:00:05` for the first time of a day, then `12:00:05`, in local time."""
        if not timestamp:
            return ""
        clean = local_time(timestamp)
        day, _, time = clean.partition(" ")
        if not time:
            return clean
        if day == self._last_day:
            return time
        self._last_day = day
        return clean


def write_reader(
    model: ConversationModel,
    shown: Shown,
    stream: TextIO,
    *,
    colour: bool,
    width: int,
    path: str | None = None,
) -> None:
    """The reading layout of the segment `shown` names, from its item `offset` on; for the last
    segment, where it stopped and how to go on (`path`: the file to resume, as the user named it;
    None: no command)."""
    reader = Reader(model, stream, colour=colour, width=width, segment=shown.segment)
    reader.header(shown)
    reader.items(shown.offset)
    if not shown.is_history(model):
        reader.footer(path)


PLAN_MARKS = {"completed": "[x]", "in_progress": "[>]", "pending": "[ ]"}


def local_time(timestamp: str) -> str:
    """`2026-01-01 12:00:05` in this computer's time zone, as `sessions` and the editor's view
    give times (transcripts write UTC); a timestamp that is none, as written, on one line."""
    try:
        moment = datetime.fromisoformat(timestamp)
    except ValueError:
        return one_line(timestamp)
    try:
        if moment.tzinfo is not None:
            moment = moment.astimezone()
    except (OverflowError, OSError):  # a year this computer's clock functions cannot place
        return one_line(timestamp)
    return moment.replace(tzinfo=None).isoformat(" ", "seconds")


def continue_command(path: str | None) -> str | None:
    """`session-lsp resume PATH`: it checks the session, repairs it if it is broken (asking
    first, keeping a backup) and starts its agent where the session ran. None when the path has
    no form this system's shells read safely."""
    if not path:
        return None
    named = f"./{path}" if path.startswith("-") else path  # never read as an option
    line = command_line(["session-lsp", "resume", named], os.name)
    return None if line is None else for_terminal(line)


def packed(facts: list[str], width: int) -> list[str]:
    """`facts` joined by ` · ` into lines of at most `width` (a fact longer alone on its line)."""
    rows: list[str] = []
    for fact in facts:
        joined = f"{rows[-1]} · {fact}" if rows else fact
        if rows and columns(joined) <= width:
            rows[-1] = joined
        else:
            rows.append(fact)
    return rows


def usage_facts(usage: Usage, context: int | None) -> list[str]:
    cached = usage.cache_read + usage.cache_creation
    parts = [
        f"tokens: {usage.input + cached:,} in ({usage.cache_read:,} cached)",
        usage.output_said,
    ]
    if context is not None:
        parts.append(f"last context {context:,}")
    return parts


def duration(milliseconds: int) -> str:
    if milliseconds < 1000:
        return f"{milliseconds} ms"
    seconds = round(milliseconds / 1000)
    return f"{seconds} s" if seconds < 60 else f"{seconds // 60} min {seconds % 60} s"


def wrap_text(text: str, width: int) -> Iterator[str]:
    """`text` (escaped for the terminal) wrapped to `width`, paragraph by paragraph; lines inside
    a code fence and indented code are kept as they are, list items get a hanging indent. In a
    list, an indented line is a nested item or the item's text going on, not code: a reply's
    sub-bullets are wrapped as its bullets are. A word longer than the width (a path, a URL) is
    left whole on its line, to be copied whole."""
    in_fence = in_list = False
    for raw in for_terminal(text, layout=True).expandtabs(4).split("\n"):
        line = raw.rstrip()
        stripped = line.lstrip()
        indent = line[: len(line) - len(stripped)]
        marker = _list_marker(stripped)
        if stripped.startswith(FENCE):
            in_fence = not in_fence
            yield line
            continue
        if in_fence or not line:
            yield line
            continue
        in_list = bool(marker) or (in_list and bool(indent))
        if indent.startswith("    ") and not in_list:
            yield line  # indented code
            continue
        yield from wrap(
            stripped,
            max(10, width - len(indent)) + len(indent),
            indent,
            indent + ("> " if marker == "> " else " " * len(marker)),  # a quote goes on quoted
        ) or [line]


def _list_marker(text: str) -> str:
    head = text.split(" ", 1)[0]
    if head in ("-", "*", "+", ">") or (head[:-1].isdigit() and head[-1:] in (".", ")")):
        return head + " "
    return ""


def _where(item: Item) -> str:
    """The item's number, as `show --item N` takes it, and its line in the file."""
    return f"#{item.index + 1} · line {item.first_line + 1}"
