"""`session-lsp show PATH --item N`: one item of the conversation, whole.

`show` and the view cut texts to keep a page short; this prints an item's text, tool input, diff,
plan and result uncut, as the server's `sessionLsp.item` returns them. Transcript text goes through
`for_terminal` like every other `show` output, so an escape sequence in a tool's output prints as
visible text instead of acting on the terminal.
"""

from __future__ import annotations

import json
import sys
from typing import TextIO

from session_lsp.cli.output import format_finding, problem, write_json
from session_lsp.cli.show_reader import PLAN_MARKS, local_time
from session_lsp.cli.shown_session import (
    no_transcript,
    read_named_session,
    shown_model,
    shown_segment,
)
from session_lsp.cli.terminal import for_terminal
from session_lsp.core.diffs import change_note
from session_lsp.core.turns import Item, ToolCall
from session_lsp.core.turns.agents import AgentCounts, agent_counts
from session_lsp.core.turns.segments import live_segment, segment_items
from session_lsp.core.turns.texts import whole_item
from session_lsp.core.typed_keys import process_verb
from session_lsp.core.wording import counted, numbered_up_to
from session_lsp.files import SessionFileError
from session_lsp.sessions import SessionNameError
from session_lsp.view_json import item_to_json

EXIT_OK, EXIT_USAGE = 0, 2


def run_show_item(
    name: str | None, number: int, output_format: str, segment: int | None = None
) -> int:
    """Item `number`, counted from 1 as `show` numbers them, of `segment` (counted from 1; None:
    the last)."""
    try:
        path, session = read_named_session(name)
    except (SessionNameError, SessionFileError) as error:
        problem(str(error))
        return EXIT_USAGE
    model = shown_model(session)
    refusal = no_transcript(model, path)
    if refusal is not None:
        problem(refusal)
        return EXIT_USAGE
    try:
        shown = shown_segment(model, segment)
        items = segment_items(model, shown)
    except ValueError as error:
        problem(f"{path}: {error}")
        return EXIT_USAGE
    try:
        item = whole_item(model, number - 1, items)
    except IndexError:
        where = "the conversation" if segment is None else f"segment {segment}"
        problem(f"{path}: no item {number}: {where} has {numbered_up_to(len(items), 'item')}")
        return EXIT_USAGE
    if output_format == "json":
        write_json(item_to_json(item, str(path)), sys.stdout)
    else:
        last = live_segment(model)
        write_item(item, str(path), sys.stdout, last if shown is None else shown)
    sys.stdout.flush()
    return EXIT_OK


def _agent_file_facts(counts: AgentCounts) -> str:
    """What a sub-agent's own file holds: its items and the tokens its requests used."""
    if counts.items is None:
        return "could not be read"
    spent = counts.usage
    used = f", {spent.context:,} tokens in, {spent.output_said}" if spent else ""
    return f"{counted(counts.items, 'item')}{used}"


def write_item(item: Item, path: str, stream: TextIO, segment: int = 0) -> None:
    """`segment`: the one the item is in (counted from 0), which the items a call names are
    said against."""
    facts = [f"item {item.index + 1}", item.kind.value, f"line {item.first_line + 1}"]
    if item.last_line != item.first_line:
        facts[-1] = f"lines {item.first_line + 1}-{item.last_line + 1}"
    # In this computer's time zone, as the reading layout and `sessions` give times.
    facts.extend(
        value for value in (item.timestamp and local_time(item.timestamp), item.model) if value
    )
    usage = item.usage
    if usage is not None:
        facts.append(f"{usage.context:,} tokens in, {usage.output_said}")
    stream.write(for_terminal(" · ".join(facts)) + "\n")
    if item.text is not None:
        _section(stream, None, item.text)
    tool = item.tool
    if tool is not None:
        heading = [tool.name or "result", tool.id, tool.status.value]
        if tool.duration_ms is not None:
            # The time until its result was written: a wait for the user's approval counts.
            heading.append(f"result after {tool.duration_ms / 1000:.1f} s")
        stream.write(for_terminal(" · ".join(heading)) + "\n")
        if tool.rejection is not None:
            stream.write(for_terminal(f"the user said: {tool.rejection}", layout=True) + "\n")
        if tool.agent is not None:
            counts = agent_counts(tool.agent)
            if tool.agent.file is not None:
                told = f"{tool.agent.file} ({_agent_file_facts(counts)})"
            elif counts.items:
                told = f"its turns follow in this file ({counted(counts.items, 'item')})"
            else:
                told = "no transcript of its turns (no agent file, no turns in this file)"
            stream.write(for_terminal(f"sub-agent: {told}") + "\n")
        for line in _acted_on(tool, segment):
            stream.write(for_terminal(line) + "\n")
        if tool.input is not None:
            _section(stream, "input", input_fields_text(tool.input))
        if tool.diff is not None:
            note = change_note(tool.applied)  # a failed or rejected edit's lines were not written
            _section(stream, f"diff ({note})" if note else "diff", tool.diff)
        if tool.todos is not None:
            plan = "\n".join(
                f"{PLAN_MARKS.get(todo.status, '[ ]')} {todo.content}" for todo in tool.todos
            )
            _section(stream, "plan", plan)
        if tool.result is not None:
            _section(stream, "result", tool.result)
    for finding in item.findings:
        stream.write(for_terminal(">> " + format_finding(path, finding, colour=False)) + "\n")


def _acted_on(tool: ToolCall, segment: int) -> list[str]:
    """What the call waits on, types into or acts on, and the items that started or spawned it."""
    said: list[str] = []
    if tool.process is not None:
        process = tool.process
        where = _place(process.call, process.segment, segment)
        said.append(f"{process_verb(process.typed)} the command of {where}: $ {process.command}")
    if tool.acts_on is not None:
        agents = ", ".join(
            f"{agent.name} (spawned by {_place(agent.call, agent.segment, segment)})"
            for agent in tool.acts_on.agents
        )
        said.append(f"{tool.acts_on.verb} {agents}")
    return said


def _place(item: Item, its_segment: int, shown: int) -> str:
    """`item 9`, counted from 1 as `show` numbers them; its segment when it is another."""
    where = f"item {item.index + 1}"
    return where if its_segment == shown else f"{where} of segment {its_segment + 1}"


def input_fields_text(text: str) -> str:
    """A call's input field by field, as a person reads it: `name: value`, a text of several
    lines or a structure under its name, indented, its line breaks real ones (JSON writes them
    `\\n`); the input as it is when it is no JSON object."""
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):  # not JSON, or nested deeper than `json` reads
        return text
    if not isinstance(value, dict) or not value:
        return text
    rows: list[str] = []
    for key, field in value.items():
        if isinstance(field, str) and "\n" in field:
            rows.append(f"{key}:")
            rows.extend("    " + line for line in field.rstrip("\n").split("\n"))
        elif isinstance(field, dict | list) and field:
            # A structure (a question's options, a plan's items) as indented JSON under its name,
            # not one line of a thousand characters.
            rows.append(f"{key}:")
            shown = json.dumps(field, ensure_ascii=False, indent=2)
            rows.extend("    " + line for line in shown.split("\n"))
        else:
            shown = field if isinstance(field, str) else json.dumps(field, ensure_ascii=False)
            rows.append(f"{key}: {shown}")
    return "\n".join(rows)


def _section(stream: TextIO, title: str | None, text: str) -> None:
    if title is not None:
        stream.write(f"--- {title}\n")
    stream.write(for_terminal(text, layout=True).rstrip("\n") + "\n")
