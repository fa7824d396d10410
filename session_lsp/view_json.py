"""The public JSON shape of the conversation model (docs/contract.md), shared by the server and
`show`."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from session_lsp.core.plans import Todo
from session_lsp.core.turns import ConversationModel, Item, ToolCall, page
from session_lsp.core.turns.agents import AgentCounts, SubAgentUsage, agent_counts, sub_agent_usage
from session_lsp.core.turns.model import AgentAction, ProcessInput, SubAgent, Usage
from session_lsp.core.turns.segments import segment_items, segments
from session_lsp.core.turns.texts import last_plan
from session_lsp.report import finding_to_json

DEFAULT_PAGE = 200


def conversation_to_json(
    model: ConversationModel,
    path: str,
    uri: str,
    offset: int = 0,
    limit: int = DEFAULT_PAGE,
    segment: int | None = None,
    agents: Mapping[Path, AgentCounts] | None = None,
) -> dict[str, Any]:
    """One page of a segment (None: the last); counts, usage, the plan and the first problem
    cover the whole session. IndexError for a segment the session does not have. `agents`: the
    counts already read (`read_agent_counts`) of the page's sub-agent files and of every one the
    session has (its `subAgents` total), else they are read here."""
    items = page(model, offset, limit, segment)
    every = segments(model)
    plan = last_plan(model)
    return {
        "path": path,
        "uri": uri,
        "sessionId": model.session_id,
        "format": model.format,
        "assistantLabel": model.assistant_label,
        "title": model.title,
        "total": len(segment_items(model, segment)),
        "offset": offset,
        "items": [item_to_json(item, path, agents) for item in items],
        "errors": model.errors,
        "warnings": model.warnings,
        "firstProblem": model.first_problem,
        "abandonedBranches": model.abandoned_branches,
        "startNote": model.start_note,
        "segment": len(every) - 1 if segment is None else segment,
        "segments": [
            {
                "index": index,
                "firstLine": part.first_line,
                "lastLine": part.last_line,
                "items": len(part.items),
                "summary": part.summary,
                "kind": part.kind.value,
                "forkLine": part.fork_line,
            }
            for index, part in enumerate(every)
        ],
        "lastTodos": None
        if plan is None
        else {
            "index": plan.index,
            "todos": _todos(plan.todos),
            "segment": len(every) - 1 if plan.segment is None else plan.segment,
        },
        "usage": usage_to_json(model.usage),
        "subAgents": _sub_agents(sub_agent_usage(model, agents)),
        "contextTokens": model.context_tokens,
    }


def _sub_agents(used: SubAgentUsage | None) -> dict[str, Any] | None:
    if used is None:
        return None
    return {
        "files": used.files,
        "unreadable": used.unreadable,
        "uncounted": used.uncounted,
        "usage": usage_to_json(used.usage),
    }


def item_to_json(
    item: Item, path: str, agents: Mapping[Path, AgentCounts] | None = None
) -> dict[str, Any]:
    return {
        "index": item.index,
        "kind": item.kind.value,
        "lines": [item.first_line, item.last_line],
        "timestamp": item.timestamp,
        "text": item.text,
        "truncated": item.truncated,
        "tool": _tool_to_json(item.tool, agents) if item.tool is not None else None,
        "findings": [finding_to_json(path, finding) for finding in item.findings],
        "parentTool": item.parent_tool,
        "model": item.model,
        "usage": usage_to_json(item.usage),
    }


def usage_to_json(usage: Usage | None) -> dict[str, int | bool] | None:
    if usage is None:
        return None
    return {
        "input": usage.input,
        "output": usage.output,
        "outputPartial": usage.output_partial,
        "cacheRead": usage.cache_read,
        "cacheCreation": usage.cache_creation,
    }


def _todos(todos: list[Todo] | None) -> list[dict[str, str]] | None:
    return None if todos is None else [todo.to_json() for todo in todos]


def _agent_to_json(agent: SubAgent, agents: Mapping[Path, AgentCounts] | None) -> dict[str, Any]:
    counts = agent_counts(agent, agents)
    return {
        "file": str(agent.file) if agent.file is not None else None,
        "title": agent.title or counts.title,
        "items": counts.items,
        "errors": counts.errors,
        "usage": usage_to_json(counts.usage),
    }


def _tool_to_json(tool: ToolCall, agents: Mapping[Path, AgentCounts] | None) -> dict[str, Any]:
    return {
        "id": tool.id,
        "name": tool.name,
        "input": tool.input,
        "result": tool.result,
        "isError": tool.is_error,
        "status": tool.status.value,
        "callLine": tool.call_line,
        "resultLine": tool.result_line,
        "agentFile": str(tool.agent_file) if tool.agent_file is not None else None,
        "durationMs": tool.duration_ms,
        "diff": tool.diff,
        "applied": tool.applied,
        "todos": _todos(tool.todos),
        "explanation": tool.explanation,
        "agent": _agent_to_json(tool.agent, agents) if tool.agent is not None else None,
        "process": _process_to_json(tool.process) if tool.process is not None else None,
        "actsOn": _action_to_json(tool.acts_on) if tool.acts_on is not None else None,
        "rejection": tool.rejection,
    }


def _action_to_json(action: AgentAction) -> dict[str, Any]:
    return {
        "verb": action.verb,
        "agents": [
            {"name": agent.name, "index": agent.call.index, "segment": agent.segment}
            for agent in action.agents
        ],
    }


def _process_to_json(process: ProcessInput) -> dict[str, Any]:
    return {
        "command": process.command,
        "typed": process.typed,
        "index": process.call.index,
        "segment": process.segment,
    }
