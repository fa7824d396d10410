"""Every record type Claude Code 2.1.x writes: no false alarm, and shown or skipped on purpose.

The types come from the corpus (2.1.114: attachment, system and metadata lines), from the 2.1.88
source (`attachments.ts`'s attachment union, `messages.ts`'s system subtypes, `types/logs.ts`'s
metadata entries) and from 2.1.2xx files described in issue 17 (`queued_command`, `pr-link`,
`frame-link`, `last-prompt` with `leafUuid`, `api_error`, the `fallback` block,
`model_refusal_fallback` of 2.1.217). Each sits on the chain between a prompt and a reply; the
expected item kind is what a reader sees, None is skipped on purpose (bookkeeping, or text sent to
the model that the user never wrote or saw).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from session_lsp.core.analysis import analyse_bytes
from session_lsp.core.turns import build_model
from session_lsp.core.turns.model import ItemKind
from tests.support.claude_records import Builder

Place = Callable[[Builder], str | None]
"""Writes the record after the prompt `u1`; returns its uuid when the reply descends from it."""

ATTACHMENTS_SKIPPED = (
    "hook_success",
    "hook_additional_context",
    "hook_blocking_error",
    "hook_non_blocking_error",
    "hook_system_message",
    "hook_cancelled",
    "hook_stopped_continuation",
    "async_hook_response",
    "deferred_tools_delta",
    "mcp_instructions_delta",
    "agent_listing_delta",
    "skill_listing",
    "skill_discovery",
    "dynamic_skill",
    "invoked_skills",
    "task_reminder",
    "todo_reminder",
    "task_status",
    "nested_memory",
    "relevant_memories",
    "current_session_memory",
    "plan_mode",
    "plan_mode_exit",
    "plan_mode_reentry",
    "plan_file_reference",
    "auto_mode",
    "output_style",
    "diagnostics",
    "edited_text_file",
    "edited_image_file",
    "opened_file_in_ide",
    "selected_lines_in_ide",
    "file",
    "directory",
    "already_read_file",
    "compact_file_reference",
    "pdf_reference",
    "mcp_resource",
    "date_change",
    "critical_system_reminder",
    "compaction_reminder",
    "token_usage",
    "output_token_usage",
    "budget_usd",
    "max_turns_reached",
    "ultrathink_effort",
    "team_context",
    "teammate_mailbox",
    "structured_output",
)

SYSTEM_SKIPPED = (
    "stop_hook_summary",
    "turn_duration",
    "informational",
    "microcompact_boundary",
    "memory_saved",
    "agents_killed",
    "api_metrics",
    "bridge_status",
    "permission_retry",
    "scheduled_task_fire",
)

METADATA = {
    "summary": {"summary": "Earlier work", "leafUuid": "0d4c5d7e-0000-4000-8000-000000000000"},
    "custom-title": {"customTitle": "CI watch"},
    "ai-title": {"aiTitle": "Watching CI"},
    "last-prompt": {"lastPrompt": "watch CI", "leafUuid": "u1"},
    "task-summary": {"summary": "watching"},
    "tag": {"tag": "ci"},
    "agent-name": {"agentName": "watcher"},
    "agent-color": {"agentColor": "blue"},
    "agent-setting": {"agentSetting": "default"},
    "pr-link": {"prNumber": 42, "prUrl": "https://example.com/pr/42", "prRepository": "o/r"},
    "frame-link": {"frameId": "f-1", "url": "https://example.com/frame/1"},
    "mode": {"mode": "normal"},
    "permission-mode": {"permissionMode": "acceptEdits"},
    "worktree-state": {"worktreeSession": None},
    "file-history-snapshot": {"messageId": "u1", "snapshot": {}, "isSnapshotUpdate": False},
    "attribution-snapshot": {"messageId": "u1"},
    "queue-operation": {"operation": "enqueue", "content": "later"},
    "speculation-accept": {"timeSavedMs": 10},
    "content-replacement": {"replacements": []},
    "marble-origami-commit": {"collapseId": "c1"},
    "marble-origami-snapshot": {"staged": []},
}


def _attachment(kind: str, **fields: Any) -> Place:
    return lambda session: session.attachment("x1", "u1", {"type": kind, **fields})


def _system(subtype: str, **fields: Any) -> Place:
    return lambda session: session.system("x1", "u1", subtype, content="", **fields)


def _metadata(kind: str, fields: dict[str, Any]) -> Place:
    def place(session: Builder) -> None:
        session.meta(kind, **fields)

    return place


def _assistant(block: dict[str, Any]) -> Place:
    return lambda session: session.assistant("x1", "u1", block)


def _user(content: Any, **fields: Any) -> Place:
    def place(session: Builder) -> str:
        return session.user_blocks("x1", "u1", content, **fields)

    return place


def _queued(origin: str | None, mode: str = "prompt") -> Place:
    return lambda session: session.queued("x1", "u1", "and the docs", mode=mode, origin=origin)


def _progress(kind: str) -> Place:
    def place(session: Builder) -> str:
        session.add("x1", "u1", "progress", data={"type": kind}, parentToolUseID="toolu_01X")
        return "x1"

    return place


CASES: dict[str, tuple[Place, ItemKind | None]] = {
    **{f"attachment/{kind}": (_attachment(kind), None) for kind in ATTACHMENTS_SKIPPED},
    "attachment/queued_command (typed)": (_queued("human"), ItemKind.PROMPT),
    "attachment/queued_command (no origin)": (_queued(None), ItemKind.PROMPT),
    "attachment/queued_command (task-notification)": (
        _queued("task-notification", "task-notification"),
        ItemKind.NOTIFICATION,
    ),
    "attachment/queued_command (coordinator)": (_queued("coordinator"), ItemKind.NOTIFICATION),
    **{f"system/{subtype}": (_system(subtype), None) for subtype in SYSTEM_SKIPPED},
    "system/local_command": (_system("local_command"), ItemKind.COMMAND),
    "system/away_summary": (_system("away_summary"), ItemKind.RECAP),
    "system/api_error": (
        lambda session: session.api_error("x1", "u1", 1),
        ItemKind.API_ERROR,
    ),
    "system/model_refusal_fallback": (
        _system("model_refusal_fallback", originalModel="a", fallbackModel="b"),
        ItemKind.MODEL_FALLBACK,
    ),
    "system/model_refusal_no_fallback": (_system("model_refusal_no_fallback"), ItemKind.API_ERROR),
    **{f"metadata/{kind}": (_metadata(kind, fields), None) for kind, fields in METADATA.items()},
    "progress/hook_progress": (_progress("hook_progress"), None),
    "progress/bash_progress": (_progress("bash_progress"), None),
    "progress/agent_progress (no Task call)": (_progress("agent_progress"), None),
    "assistant/thinking (empty, signed)": (
        _assistant({"type": "thinking", "thinking": "", "signature": "c2ln"}),
        None,
    ),
    "assistant/thinking": (_assistant({"type": "thinking", "thinking": "hm"}), ItemKind.THINKING),
    "assistant/redacted_thinking": (
        _assistant({"type": "redacted_thinking", "data": "x"}),
        ItemKind.THINKING,
    ),
    "assistant/fallback": (
        _assistant({"type": "fallback", "from": {"model": "a"}, "to": {"model": "b"}}),
        ItemKind.MODEL_FALLBACK,
    ),
    "user/task-notification": (
        _user("<task-notification>done</task-notification>"),
        ItemKind.NOTIFICATION,
    ),
    "user/system-reminder": (
        _user("<system-reminder>note</system-reminder>"),
        ItemKind.NOTIFICATION,
    ),
    "user/ci-monitor-event": (
        _user("<ci-monitor-event>passed</ci-monitor-event>"),
        ItemKind.NOTIFICATION,
    ),
    "user/meta (caveat)": (_user("Caveat: local commands", isMeta=True), None),
    "user/origin task-notification": (
        _user("agent b1 finished", origin={"kind": "task-notification"}),
        ItemKind.NOTIFICATION,
    ),
    "user/origin coordinator": (
        _user("status?", origin={"kind": "coordinator"}),
        ItemKind.NOTIFICATION,
    ),
    "user/origin human": (_user("and the docs", origin={"kind": "human"}), ItemKind.PROMPT),
}


def _session(place: Place) -> Builder:
    session = Builder()
    session.prompt("u1", None, "watch CI")
    parent = place(session) or "u1"
    session.text("a9", parent, "Watching.")
    return session


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_2_1_record_type_raises_no_false_alarm(name: str) -> None:
    place, _ = CASES[name]
    analysis = analyse_bytes(_session(place).data())
    assert analysis.findings == []
    assert analysis.conversation.leaf is not None
    assert analysis.conversation.leaf.line == 2


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_2_1_record_type_is_shown_or_skipped_on_purpose(name: str) -> None:
    place, expected = CASES[name]
    model = build_model(analyse_bytes(_session(place).data()))
    at_record = [item.kind for item in model.items if item.first_line == 1]
    assert at_record == ([] if expected is None else [expected])
    assert [item.kind for item in model.items if item.first_line != 1] == [
        ItemKind.PROMPT,
        ItemKind.ASSISTANT,
    ]
