"""The conversation as Markdown, for editors without a webview and for `show --format markdown`.

Everything that comes from the transcript is untrusted (a tool's output can hold anything): long
text goes inside a code fence longer than any backtick run in it, and short text (tool names, ids,
titles, finding messages that quote them) is flattened to one line inside a code span whose
backtick string is longer than any run in it. The assistant's replies stay Markdown, made inert
by `markdown_prose`; an edit is a `diff` fence, a plan a task list whose items are code spans.
None of it can then render as a link, an autolink, a `command:` URI, HTML or an image in any
CommonMark renderer (GFM's bare-URL linkify skips code too), and all of it stays readable as
plain text in a scratch buffer.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from session_lsp.core.diffs import change_note
from session_lsp.core.findings import Finding
from session_lsp.core.markdown_prose import fenced_block, prose
from session_lsp.core.plans import Todo, plan_place
from session_lsp.core.turns import ConversationModel, Item, ItemKind, ToolCall, ToolStatus, page
from session_lsp.core.turns.model import AgentAction, ProcessInput, Usage
from session_lsp.core.turns.segments import (
    counted_facts,
    live_segment,
    other_parts,
    segment_items,
    segment_place,
)
from session_lsp.core.turns.texts import last_plan, whole_item
from session_lsp.core.typed_keys import typed_keys
from session_lsp.core.wording import counted

if TYPE_CHECKING:
    from session_lsp.core.turns.agents import SubAgentUsage

_PROSE = frozenset({ItemKind.ASSISTANT, ItemKind.COMPACTION, ItemKind.RECAP})
"""Items written by the model in Markdown: a reply, a compaction summary, a recap. A sub-agent's
message kept in the main file is not: its text is composed (who said it, its prompt, the calls it
made with their input, its tools' results), and is fenced as written."""

THINKING_PREVIEW = 240
"""Thinking is collapsed: only its start is shown."""

_BACKTICK_RUN = re.compile(r"`+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\x85]+")

STATUS_LABELS = {
    ToolStatus.ANSWERED: "answered",
    ToolStatus.ERROR: "error result",
    ToolStatus.UNPAIRED: "NO RESULT (unpaired)",
    ToolStatus.ORPHAN: "result without a call (orphan)",
    ToolStatus.INTERRUPTED: "interrupted",
    ToolStatus.REJECTED: "rejected",
    ToolStatus.STUBBED: "stubbed by session-lsp",
    ToolStatus.LIVE: "running (live session)",
}

ITEM_TITLES = {
    ItemKind.PROMPT: "User",
    ItemKind.ASSISTANT: "Assistant",
    ItemKind.THINKING: "Thinking (collapsed)",
    ItemKind.COMPACTION: "Compaction (summary of the earlier conversation)",
    ItemKind.INTERRUPT: "Interrupted",
    ItemKind.COMMAND: "Command",
    ItemKind.DAMAGED: "Damaged line",
    ItemKind.NOTIFICATION: "Notification (from Claude Code, not typed)",
    ItemKind.API_ERROR: "API error (Claude Code retried)",
    ItemKind.MODEL_FALLBACK: "Model switch",
    ItemKind.RECAP: "Recap (Claude Code's, of where the session stood)",
    ItemKind.SUB_AGENT: "Sub-agent message",
}
"""What an item without a tool is called, here and in the editor's outline."""


def inline(text: str, limit: int | None = None) -> str:
    """Untrusted text made safe inside a Markdown line: one line, in a code span it cannot close.

    Block structure is parsed before inline spans, so a line ending inside a span could start a
    new paragraph, heading or list item outside it: line endings and other controls become
    spaces first. The padding spaces are stripped by CommonMark, so the span shows exactly the
    flattened text (cut to `limit` characters, if given).
    """
    flat = " ".join(_CONTROL.sub(" ", text).split())
    if limit is not None and len(flat) > limit:
        flat = flat[: limit - 1] + "…"
    longest = max((len(run) for run in _BACKTICK_RUN.findall(flat)), default=0)
    ticks = "`" * (longest + 1)
    return f"{ticks} {flat} {ticks}"


def fenced(text: str, info: str = "text") -> str:
    """A fenced code block that no backtick run inside `text` can close."""
    return fenced_block(text if text.endswith("\n") else text + "\n", info)


PLAN_BOXES = {"completed": "[x]", "in_progress": "[ ]", "pending": "[ ]"}


def task_list(todos: list[Todo]) -> str:
    """A plan as a GFM task list; each entry's text is a code span, the box says if it is done."""
    lines = []
    for todo in todos:
        note = " *(in progress)*" if todo.status == "in_progress" else ""
        lines.append(f"- {PLAN_BOXES.get(todo.status, '[ ]')} {inline(todo.content)}{note}")
    return "\n".join(lines) + "\n"


AgentLoader = Callable[[Path], ConversationModel | None]
"""Reads a sub-agent's file into its conversation (the caller's I/O; None when unreadable)."""

MAX_AGENT_DEPTH = 2
"""Sub-agents expanded inside sub-agents at the most: a file that names itself stops there."""


def render_markdown(
    model: ConversationModel,
    *,
    path: str | None = None,
    load_agent: AgentLoader | None = None,
    offset: int = 0,
    segment: int | None = None,
    whole: bool = False,
    sub_agents: SubAgentUsage | None = None,
) -> str:
    """The conversation from item `offset` on (`show --tail`) of a segment of its history (None:
    the last, which a resume sends); loads the texts of those items. With `load_agent`, a
    sub-agent that has its own file is expanded under the call that ran it, quoted; one without a
    file shows its turns as items already. `whole`: texts, inputs, diffs and results uncut (an
    export), where a page cuts each at 4,000 characters. `sub_agents`: what the session's
    sub-agent files used, said in the header (`agents.sub_agent_usage`, read by the caller).
    IndexError for a segment the session does not have."""
    items = _items(model, load_agent, depth=0, offset=offset, segment=segment, whole=whole)
    return "\n".join([_header(model, path, offset, segment, sub_agents), *items])


def expanded_agents(
    model: ConversationModel, load_agent: AgentLoader
) -> dict[Path, ConversationModel | None]:
    """Every sub-agent conversation `render_markdown` expands, loaded now: for a caller that must
    load them apart from the rendering (the server, in a worker thread, since the rendering loads
    texts into a model other requests read) and then renders with `load_agent=loaded.get`. Reads
    only what the models were built with, never their texts."""
    loaded: dict[Path, ConversationModel | None] = {}
    level = [model]
    for _ in range(MAX_AGENT_DEPTH):
        deeper: list[ConversationModel] = []
        for conversation in level:
            for item in conversation.items:
                agent = item.tool.agent if item.tool is not None else None
                if agent is None or agent.file is None or agent.file in loaded:
                    continue
                loaded[agent.file] = load_agent(agent.file)
                if (found := loaded[agent.file]) is not None:
                    deeper.append(found)
        level = deeper
    return loaded


def _items(
    model: ConversationModel,
    load_agent: AgentLoader | None,
    *,
    depth: int,
    offset: int = 0,
    segment: int | None = None,
    whole: bool = False,
) -> list[str]:
    parts: list[str] = []
    shown = segment_items(model, segment)
    number = live_segment(model) if segment is None else segment
    for item in page(model, offset, segment=segment):
        if whole and item.truncated:
            item = whole_item(model, item.index, shown)
        parts.append(_item(item, number))
        agent = item.tool.agent if item.tool is not None else None
        if agent is None or agent.file is None or load_agent is None or depth >= MAX_AGENT_DEPTH:
            continue
        conversation = load_agent(agent.file)
        if conversation is not None and conversation.items:
            parts.append(
                _quoted(_sub_agent(conversation, load_agent, depth=depth + 1, whole=whole))
            )
    return parts


def _sub_agent(
    conversation: ConversationModel, load_agent: AgentLoader, *, depth: int, whole: bool
) -> str:
    facts = f"{counted(len(conversation.items), 'item')}, {counted(conversation.errors, 'error')}"
    heading = f"**Sub-agent conversation** ({facts})"
    return "\n".join([heading, "", *_items(conversation, load_agent, depth=depth, whole=whole)])


def _quoted(text: str) -> str:
    """Markdown quoted as a block: the sub-agent's conversation reads as nested under its call."""
    return "\n".join(f"> {line}" if line else ">" for line in text.split("\n")) + "\n"


def _header(
    model: ConversationModel,
    path: str | None,
    offset: int,
    segment: int | None,
    sub_agents: SubAgentUsage | None,
) -> str:
    history = segment is not None and segment < live_segment(model)
    title = inline(model.title) if model.title else "Untitled session"
    lines = [f"# {title}", ""]
    facts = [f"format {model.format}"]
    if model.session_id:
        facts.append(f"session {inline(model.session_id)}")
    facts += counted_facts(model, segment)
    if path:
        facts.append(f"file {inline(path)}")
    if model.usage is not None:
        facts.append(_usage(model.usage, model.context_tokens))
    if sub_agents is not None:
        used = "no token counts" if sub_agents.usage is None else _usage(sub_agents.usage, None)
        facts.append(f"sub-agents ({sub_agents.files_label()}): {used}")
    if history and segment is not None:
        facts.append(segment_place(model, segment))
    elif (parts := other_parts(model)) is not None:
        facts.append(parts)
    lines.append(" · ".join(facts))
    if model.start_note and not history:
        # It can quote the transcript (a Codex sub-agent's nickname and role): never Markdown.
        lines += ["", f"*Note:* {inline(model.start_note)}"]
    if model.first_problem is not None and not history:
        lines += ["", f"**First problem: item {model.first_problem + 1}.**"]
    plan = last_plan(model)
    if plan is not None:
        where = plan_place(plan, live_segment(model), segment)
        steps = task_list(plan.todos).rstrip("\n") if plan.todos else "*(emptied: no steps)*"
        lines += ["", f"**Plan** ({where}):", "", steps]
    if offset:
        lines += ["", f"*… {counted(offset, 'earlier item')} (not shown).*"]
    return "\n".join(lines) + "\n"


def _usage(usage: Usage, context: int | None) -> str:
    cached = usage.cache_read + usage.cache_creation
    used = f"{usage.input + cached:,} tokens in ({usage.cache_read:,} cached), {usage.output_said}"
    return used if context is None else f"{used}, last context {context:,}"


def _where(item: Item) -> str:
    if item.first_line == item.last_line:
        return f"line {item.first_line + 1}"
    return f"lines {item.first_line + 1}-{item.last_line + 1}"


def _item(item: Item, segment: int) -> str:
    """`segment`: the one the item is in, counted from 0 oldest first."""
    heading = f"## {item.index + 1}. {_title(item)} · {_where(item)}"
    if item.timestamp:
        heading += f" · {inline(item.timestamp)}"
    parts = [heading, ""]
    parts.extend(_finding(finding) for finding in item.findings)
    if item.findings:
        parts.append("")
    tool = item.tool
    if tool is not None:
        parts += _tool(tool, segment)
    elif item.kind is ItemKind.THINKING and item.text is not None:
        preview = item.text[:THINKING_PREVIEW]
        more = len(item.text) - len(preview)
        parts.append(
            fenced(preview + (f"\n… ({counted(more, 'more character')})" if more > 0 else ""))
        )
    elif item.kind in _PROSE and item.text is not None:
        parts.append(prose(item.text))
    elif item.text is not None:
        parts.append(fenced(item.text))
    if item.truncated:
        parts += ["*(cut off here: the raw line holds the rest)*", ""]
    return "\n".join(parts)


def _tool(tool: ToolCall, segment: int) -> list[str]:
    """What a call did as a person reads it: the running command it waits on or types into, the
    diff, the plan, the command, else its input."""
    parts: list[str] = []
    if tool.process is not None:
        parts += [_process(tool.process, segment), ""]
    if tool.acts_on is not None:
        parts += [_acts_on(tool.acts_on, segment), ""]
    if tool.agent is not None:
        title = f" {inline(tool.agent.title)}" if tool.agent.title else ""
        where = f" in {inline(str(tool.agent.file))}" if tool.agent.file is not None else ""
        parts += [f"Sub-agent{title}{where}", ""]
    elif tool.agent_file is not None:
        parts += [f"Sub-agent transcript: {inline(str(tool.agent_file))}", ""]
    if tool.diff is not None:
        note = change_note(tool.applied)
        parts += [f"Change ({note}):" if note else "Change:", "", fenced(tool.diff, "diff")]
    elif tool.todos is not None:
        parts += ["Plan:", ""]
        if tool.explanation is not None:
            parts.append(prose(tool.explanation))  # the agent's words of its plan
        parts.append(task_list(tool.todos))
    elif tool.input is not None:
        parts += _input(tool.input)
    if tool.rejection is not None:
        parts += ["The user said:", "", fenced(tool.rejection)]
    if tool.result is not None:
        parts += ["Result:", "", fenced(tool.result)]
    return parts


def _process(process: ProcessInput, segment: int) -> str:
    """`Waits on the command of item 9: $ …`, the keys and the command code spans (the keys are
    shown visibly already: a code span keeps the rest inert)."""
    said = f"Types {inline(typed_keys(process.typed))} into" if process.typed else "Waits on"
    return f"{said} the command of {_item_place(process.call, process.segment, segment)}:" + (
        f" {inline('$ ' + process.command)}"
    )


def _acts_on(action: AgentAction, segment: int) -> str:
    """`Closes the sub-agent `Curie` (spawned by item 5)`: each name a code span."""
    agents = ", ".join(
        f"{inline(agent.name)} (spawned by {_item_place(agent.call, agent.segment, segment)})"
        for agent in action.agents
    )
    plural = "s" if len(action.agents) > 1 else ""
    # The verb is the format's own words (`closes`), never the transcript's.
    return f"{action.verb.capitalize()} the sub-agent{plural} {agents}"


def _item_place(item: Item, its_segment: int, shown: int) -> str:
    """`item 9`, and its part when it is not in the segment shown."""
    where = f"item {item.index + 1}"
    if its_segment != shown:
        where += f" of part {its_segment + 1} (the history before a compaction)"
    return where


def _input(text: str) -> list[str]:
    """A call's input field by field: one-line values inline, long ones fenced, so that no
    newline shows as `\\n`; the raw text when it is not a JSON object."""
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):  # not JSON, or nested deeper than `json` reads
        value = None
    if not isinstance(value, dict) or not value:
        return ["Input:", "", fenced(text)]
    parts = ["Input:", ""]
    for key, field in value.items():
        shown = field if isinstance(field, str) else json.dumps(field, ensure_ascii=False, indent=2)
        if "\n" in shown or len(shown) > 120:
            info = "sh" if key in ("command", "cmd") and isinstance(field, str) else "text"
            parts += [f"- {inline(str(key))}:", "", fenced(shown, info)]
        else:
            parts.append(f"- {inline(str(key))}: {inline(shown)}")
    parts.append("")
    return parts


def _title(item: Item) -> str:
    tool = item.tool
    if tool is None:
        return ITEM_TITLES.get(item.kind, item.kind.value)
    name = inline(tool.name) if tool.name else "tool"
    label = STATUS_LABELS[tool.status]
    if item.kind is ItemKind.ORPHAN_RESULT:
        return f"Result for {inline(tool.id)}: {label}"
    return f"Tool {name} {inline(tool.id)}: {label}"


def _finding(finding: Finding) -> str:
    return (
        f"> **{finding.severity.label.upper()}** {finding.code.value} at line"
        f" {finding.span.line + 1}: {inline(finding.message)}"
    )
