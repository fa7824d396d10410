"""One entry point: an analysed file in, its conversation model out, findings on their items.

A model is built in two steps: the items as the file shows them (`unjudged_model`, which reads
no finding), then the findings marked on them (`judge_model`). A server viewing a big file builds
the first while another process works out the findings, and joins them with the second."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from session_lsp.core.collector import collector_paused
from session_lsp.core.document import Analysis
from session_lsp.core.findings import Code, Finding
from session_lsp.core.turns.model import ConversationModel, Item, ItemKind, ToolStatus
from session_lsp.core.turns.segments import segments
from session_lsp.core.turns.statuses import tool_ids
from session_lsp.core.turns.texts import NO_TEXTS


def build_model(
    analysis: Analysis, path: Path | None = None, *, freeze: bool = False
) -> ConversationModel:
    """The conversation model of an analysed file; `path` locates sub-agent files beside it.

    `freeze`: the caller keeps the model long after (see `collector_paused`)."""
    with collector_paused(freeze=freeze):
        return judge_model(unjudged_model(analysis, path), analysis.findings)


def unjudged_model(analysis: Analysis, path: Path | None = None) -> ConversationModel:
    """The items as the file shows them, no finding read: a call left unanswered is unpaired, a
    live one too until `judge_model` says otherwise."""
    if analysis.format is None:
        return _unknown(analysis)
    return analysis.format.build_model(analysis, path)


def judge_model(model: ConversationModel, findings: Sequence[Finding]) -> ConversationModel:
    """The model of `unjudged_model` with the file's findings: the calls they name marked, each
    on its item, and the items numbered (a finding on a line no item shows is an item)."""
    model.findings = list(findings)
    _mark_calls(model.items, model.findings)
    _attach_findings(model)
    model.agent_files = _every_agent_file(model)
    for index, item in enumerate(model.items):
        item.index = index
    return model


def agent_files(items: Iterable[Item]) -> list[Path]:
    """The sub-agent files the items' calls ran (what their counts need to read)."""
    return [
        tool.agent.file
        for item in items
        if (tool := item.tool) is not None
        and tool.agent is not None
        and tool.agent.file is not None
    ]


def _every_agent_file(model: ConversationModel) -> list[Path]:
    """The files the format found (`ConversationModel.agent_files`) and those the calls of every
    segment ran."""
    found = set(model.agent_files)
    for part in (segment.items for segment in segments(model)):
        found.update(agent_files(part))
    return sorted(found)


def _mark_calls(items: list[Item], findings: list[Finding]) -> None:
    """The calls of the conversation the findings judge (the last segment's) that they say a
    resume would send unanswered (a result after text, or an output of the wrong kind, counts as
    none), or that the agent may still answer (the same, in a file being written): the file
    alone cannot tell either. Of calls that share an id, the first is the one the findings
    name."""
    unpaired = tool_ids(findings, Code.UNPAIRED_TOOL_USE, Code.TOOL_RESULT_AFTER_TEXT)
    live = tool_ids(findings, Code.LIVE_SESSION)
    if not unpaired and not live:
        return
    seen: set[str] = set()
    for item in items:
        call = item.tool
        if call is None or call.status is ToolStatus.ORPHAN or call.id in seen:
            continue
        seen.add(call.id)
        if call.id in live:
            call.status = ToolStatus.LIVE
        elif call.id in unpaired:
            call.status = ToolStatus.UNPAIRED


UNKNOWN_FORMAT = "unknown"
"""The format name of the model of a file no known format claims."""


def _unknown(analysis: Analysis) -> ConversationModel:
    """A file of no known format: no conversation, its findings on damaged items."""
    return ConversationModel(
        UNKNOWN_FORMAT,
        [],
        [],
        analysis.lines,
        texts=NO_TEXTS,
        assistant_label="Assistant",
    )


def _attach_findings(model: ConversationModel) -> None:
    """Each finding goes to the item on its line (the tool item of its id, if any); findings on
    lines no item covers become `damaged` items, placed by line."""
    if not model.findings:
        return
    wanted = {finding.span.line for finding in model.findings}
    at_line: dict[int, list[Item]] = {}
    for item in model.items:
        tool = item.tool
        lines = (
            (item.first_line, item.last_line)
            if tool is None
            else (item.first_line, item.last_line, tool.call_line, tool.result_line)
        )
        for line in dict.fromkeys(lines):
            if line in wanted:
                at_line.setdefault(line, []).append(item)
    damaged: dict[int, Item] = {}
    attached: dict[int, tuple[Item, list[Finding]]] = {}
    for finding in model.findings:
        line = finding.span.line
        candidates = at_line.get(line, [])
        chosen = next(
            (
                item
                for item in candidates
                if item.tool is not None
                and finding.tool_use_id is not None
                and item.tool.id == finding.tool_use_id
            ),
            candidates[0] if candidates else None,
        )
        if chosen is None:
            chosen = damaged.get(line)
            if chosen is None:
                chosen = damaged[line] = Item(ItemKind.DAMAGED, line, line, loaded=True)
        attached.setdefault(id(chosen), (chosen, []))[1].append(finding)
    for item, findings in attached.values():
        item.findings = tuple(findings)
    if damaged:
        model.items = _merge_by_line(
            model.items, sorted(damaged.values(), key=lambda i: i.first_line)
        )


def _merge_by_line(items: list[Item], extra: list[Item]) -> list[Item]:
    """Insert each extra item before the first item that starts after it."""
    merged: list[Item] = []
    pending = iter(extra)
    following = next(pending, None)
    for item in items:
        while following is not None and following.first_line < item.first_line:
            merged.append(following)
            following = next(pending, None)
        merged.append(item)
    while following is not None:
        merged.append(following)
        following = next(pending, None)
    return merged
