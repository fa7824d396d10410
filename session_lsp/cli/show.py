"""`session-lsp show`: the conversation in a terminal, the broken spots marked: to read
(`show_reader`), or as a one-line-per-item index (`--brief`), Markdown or JSON.

Transcript text is untrusted here too: control characters (an escape sequence in a tool's output
could recolour or retitle the terminal) are shown as visible escapes (`for_terminal`) in the text
and Markdown formats; the JSON format escapes them as JSON does.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import TextIO

from session_lsp.cli.columns import cut, wrap
from session_lsp.cli.output import format_finding, problem, wants_colour, write_json
from session_lsp.cli.show_headline import call_headline, one_line
from session_lsp.cli.show_reader import (
    BOLD,
    DIM,
    MIN_WIDTH,
    RED,
    RESET,
    STATUS_MARKS,
    YELLOW,
    Painter,
    packed,
    write_reader,
)
from session_lsp.cli.shown_session import (
    Shown,
    header_facts,
    no_transcript,
    read_named_session,
    shown_model,
    shown_segment,
)
from session_lsp.cli.terminal import for_terminal
from session_lsp.core.markdown import render_markdown
from session_lsp.core.turns import (
    ConversationModel,
    Item,
    ItemKind,
    page,
)
from session_lsp.core.turns.agents import transcript_agents
from session_lsp.core.turns.model import UNREADABLE_THINKING
from session_lsp.core.turns.segments import segment_items
from session_lsp.core.wording import counted
from session_lsp.files import SessionFileError
from session_lsp.sessions import SessionNameError
from session_lsp.sessions.metadata import read_metadata
from session_lsp.view_json import conversation_to_json

EXIT_OK, EXIT_USAGE = 0, 2

KIND_LABELS = {
    ItemKind.PROMPT: "user",
    ItemKind.ASSISTANT: "assistant",
    ItemKind.THINKING: "thinking",
    ItemKind.TOOL: "tool",
    ItemKind.COMPACTION: "compacted",
    ItemKind.INTERRUPT: "interrupt",
    ItemKind.COMMAND: "command",
    ItemKind.ORPHAN_RESULT: "result",
    ItemKind.DAMAGED: "damaged",
    ItemKind.NOTIFICATION: "notice",
    ItemKind.API_ERROR: "api error",
    ItemKind.MODEL_FALLBACK: "fallback",
    ItemKind.SUB_AGENT: "  agent",
    ItemKind.RECAP: "recap",
}


def run_show(
    name: str | None,
    output_format: str,
    tail: int | None,
    *,
    brief: bool = False,
    segment: int | None = None,
) -> int:
    """`name` None: the session `claude --continue` would resume here (`--last`); `brief`: the
    one-line-per-item index instead of the reading layout; `segment`: a stretch of history
    before a compaction, counted from 1 (None: the conversation a resume sends)."""
    try:
        path, session = read_named_session(name)
    except (SessionNameError, SessionFileError) as error:
        problem(str(error))
        return EXIT_USAGE
    if tail is not None and tail < 0:
        problem("--tail takes a count of items, 0 or more")
        return EXIT_USAGE
    model = shown_model(session)
    refusal = no_transcript(model, path)
    if refusal is not None:
        problem(refusal)
        return EXIT_USAGE
    try:
        chosen = shown_segment(model, segment)
    except ValueError as error:
        problem(f"{path}: {error}")
        return EXIT_USAGE
    total = len(segment_items(model, chosen))
    offset = max(0, total - tail) if tail is not None else 0
    # A sub-agent's transcript is no session to resume: its parent is.
    resumable = not read_metadata(session.data, path.stem).is_sidechain
    _write(model, path, Shown(offset, chosen), output_format, brief=brief, resumable=resumable)
    return EXIT_OK


def _write(
    model: ConversationModel,
    path: Path,
    shown: Shown,
    output_format: str,
    *,
    brief: bool,
    resumable: bool = True,
) -> None:
    if output_format == "json":
        total = len(segment_items(model, shown.segment))
        answer = conversation_to_json(
            model, str(path), path.resolve().as_uri(), shown.offset, total, shown.segment
        )
        write_json(answer, sys.stdout)
    elif output_format == "markdown":
        agents, sub_agents = transcript_agents(model)
        markdown = render_markdown(
            model,
            path=str(path),
            load_agent=agents.get,
            offset=shown.offset,
            segment=shown.segment,
            whole=True,
            sub_agents=sub_agents,
        )
        sys.stdout.write(for_terminal(markdown, layout=True))
    elif brief:
        write_text(model, str(path), shown, sys.stdout, colour=wants_colour(sys.stdout))
    else:
        width = shutil.get_terminal_size((100, 24)).columns
        colour = wants_colour(sys.stdout)
        resume = str(path) if resumable else None
        write_reader(model, shown, sys.stdout, colour=colour, width=width, path=resume)
    sys.stdout.flush()


def write_text(
    model: ConversationModel, path: str, shown: Shown, stream: TextIO, *, colour: bool
) -> None:
    """The one-line-per-item index (`--brief`)."""
    width = max(MIN_WIDTH, shutil.get_terminal_size((120, 24)).columns)

    def paint(text: str, code: str) -> str:
        return f"{code}{text}{RESET}" if colour else text

    title = cut(one_line(model.title or "untitled session"), width)
    stream.write(paint(title, BOLD) + "\n")
    for row in packed(header_facts(model, shown), width):
        stream.write(paint(row, DIM) + "\n")
    history = shown.is_history(model)
    if model.start_note and not history:
        stream.write(paint(f"note: {one_line(model.start_note)}", DIM) + "\n")
    problem = None if history else model.first_problem
    if problem is not None:
        line = model.items[problem].first_line + 1
        stream.write(paint(f"first problem: item {problem + 1}, line {line}", RED) + "\n")
    if shown.offset:
        stream.write(paint(f"… {counted(shown.offset, 'earlier item')}", DIM) + "\n")
    for item in page(model, shown.offset, segment=shown.segment):
        stream.write(_item_line(item, width, paint) + "\n")
        for finding in item.findings:
            marker = paint(">>", RED if finding.is_error else YELLOW)
            said = one_line(format_finding(path, finding, colour=False))
            rows = wrap(said, width - 9) or [""]
            stream.write(f"      {marker} {rows[0]}\n")
            stream.writelines(f"         {row}\n" for row in rows[1:])


def _item_line(item: Item, width: int, paint: Painter) -> str:
    """One line of at most `width` columns: what it says is cut, never its number and line."""
    where = f"{f'#{item.index + 1}':>6} {item.first_line + 1:>6}"
    label = f"{KIND_LABELS[item.kind]:<10}"
    room = width - len(where) - len(label) - 2
    tool = item.tool
    if tool is not None:
        mark, code = STATUS_MARKS[tool.status]
        name = one_line(tool.name or "result")
        summary = call_headline(tool) if tool.input else ""
        agent = f" -> {one_line(tool.agent_file.name)}" if tool.agent_file is not None else ""
        said = cut(f"{name} {one_line(tool.id)}{agent} {summary}".rstrip(), room - len(mark) - 3)
        body = f"{paint(f'[{mark}]', code)} {said}"
    else:
        text = item.text or ""
        if item.kind is ItemKind.THINKING and text not in UNREADABLE_THINKING:
            text = f"({counted(len(text), 'character')})"
        body = cut(one_line(text), room)
    if item.has_error:
        where = paint(where, RED)
    return f"{where} {paint(label, DIM)} {body}".rstrip()
