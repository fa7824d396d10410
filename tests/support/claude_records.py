"""Claude Code 2.1.2xx lines, built the way Claude Code writes them, for fixtures of new shapes.

Key order follows 2.1.114+ (`parentUuid` first, then type/message/uuid/timestamp, then the stamps);
each builder returns the line and its uuid so a fixture reads as the chain it describes. The shapes
(compaction with `preservedSegment`, `queued_command` attachments, notifications, `api_error`,
`model_refusal_fallback`, `agent_progress`) follow Claude Code's source (`sessionStorage.ts`,
`messages.ts`, `attachments.ts`) and the record shapes quoted in public issues, never a copied file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

VERSION = "2.1.219"
SESSION_ID = "0f2c9d4e-2b1a-4c11-9a6e-5d1f3c2b7a10"
STAMPS = {
    "userType": "external",
    "entrypoint": "cli",
    "cwd": "/home/dev/project",
    "sessionId": SESSION_ID,
    "version": VERSION,
    "gitBranch": "main",
}


@dataclass
class Builder:
    """A session written line by line; every line gets the next second as its timestamp."""

    lines: list[dict[str, Any]] = field(default_factory=list)
    clock: int = 0

    def _stamp(self) -> str:
        self.clock += 1
        minutes, seconds = divmod(self.clock, 60)
        return f"2026-11-20T10:{minutes:02d}:{seconds:02d}.000Z"

    def add(self, uuid: str | None, parent: str | None, kind: str, **fields: Any) -> dict[str, Any]:
        record: dict[str, Any] = {"parentUuid": parent, "isSidechain": False, "type": kind}
        record.update(fields)
        if uuid is not None:
            record["uuid"] = uuid
        record["timestamp"] = self._stamp()
        record.update(STAMPS)
        self.lines.append(record)
        return record

    def meta(self, kind: str, **fields: Any) -> dict[str, Any]:
        """A metadata line: no uuid, no parentUuid (`last-prompt`, `pr-link`, ...)."""
        record = {"type": kind, **fields, "sessionId": SESSION_ID}
        self.lines.append(record)
        return record

    def prompt(self, uuid: str, parent: str | None, text: str, **fields: Any) -> str:
        message = {"role": "user", "content": text}
        self.add(uuid, parent, "user", message=message, promptId=f"p-{uuid}", **fields)
        return uuid

    def user_blocks(self, uuid: str, parent: str | None, blocks: list[Any], **fields: Any) -> str:
        self.add(uuid, parent, "user", message={"role": "user", "content": blocks}, **fields)
        return uuid

    def assistant(
        self, uuid: str, parent: str | None, block: dict[str, Any], message_id: str | None = None
    ) -> str:
        message = {
            "model": "claude-opus-4-8",
            "id": message_id or f"msg_{uuid}",
            "type": "message",
            "role": "assistant",
            "content": [block],
            "stop_reason": None,
            "usage": {"input_tokens": 10, "output_tokens": 5},
        }
        self.add(uuid, parent, "assistant", message=message, requestId=f"req_{uuid}")
        return uuid

    def text(self, uuid: str, parent: str | None, text: str, message_id: str | None = None) -> str:
        return self.assistant(uuid, parent, {"type": "text", "text": text}, message_id)

    def call(
        self, uuid: str, parent: str | None, tool_id: str, name: str = "Bash", **tool_input: Any
    ) -> str:
        block = {"type": "tool_use", "id": tool_id, "name": name, "input": tool_input}
        return self.assistant(uuid, parent, block)

    def result(
        self, uuid: str, parent: str, tool_id: str, output: str = "ok", **fields: Any
    ) -> str:
        block = {"type": "tool_result", "tool_use_id": tool_id, "content": output}
        self.add(
            uuid,
            parent,
            "user",
            message={"role": "user", "content": [block]},
            toolUseResult={"stdout": output},
            sourceToolAssistantUUID=parent,
            **fields,
        )
        return uuid

    def boundary(
        self,
        uuid: str,
        logical_parent: str,
        *,
        head: str | None = None,
        anchor: str | None = None,
        tail: str | None = None,
        trigger: str = "manual",
    ) -> str:
        """A compact_boundary (`parentUuid: null`); with head/anchor/tail, a partial compaction."""
        metadata: dict[str, Any] = {"trigger": trigger, "preTokens": 151000}
        if head is not None:
            metadata["preservedSegment"] = {
                "headUuid": head,
                "anchorUuid": anchor,
                "tailUuid": tail,
            }
        self.add(
            uuid,
            None,
            "system",
            subtype="compact_boundary",
            content="Conversation compacted",
            isMeta=False,
            level="info",
            compactMetadata=metadata,
            logicalParentUuid=logical_parent,
        )
        return uuid

    def summary(self, uuid: str, parent: str) -> str:
        text = (
            "This session is being continued from a previous conversation that ran out of"
            " context. The summary below covers the earlier portion of the conversation."
        )
        self.add(
            uuid,
            parent,
            "user",
            message={"role": "user", "content": text},
            isVisibleInTranscriptOnly=True,
            isCompactSummary=True,
        )
        return uuid

    def attachment(self, uuid: str, parent: str, attachment: dict[str, Any]) -> str:
        self.add(uuid, parent, "attachment", attachment=attachment)
        return uuid

    def queued(
        self,
        uuid: str,
        parent: str,
        prompt: Any,
        *,
        mode: str = "prompt",
        origin: str | None = "human",
        is_meta: bool | None = None,
    ) -> str:
        """A prompt typed (or a notification delivered) while Claude worked (2.1.2xx)."""
        attachment: dict[str, Any] = {
            "type": "queued_command",
            "prompt": prompt,
            "source_uuid": f"src-{uuid}",
            "commandMode": mode,
        }
        if origin is not None:
            attachment["origin"] = {"kind": origin}
        if is_meta is not None:
            attachment["isMeta"] = is_meta
        return self.attachment(uuid, parent, attachment)

    def system(self, uuid: str, parent: str, subtype: str, **fields: Any) -> str:
        self.add(uuid, parent, "system", subtype=subtype, **fields)
        return uuid

    def api_error(self, uuid: str, parent: str, attempt: int, *, status: int | None = 500) -> str:
        """`createSystemAPIErrorMessage`: a retry Claude Code made after an API failure."""
        error: dict[str, Any] = {}
        cause: dict[str, Any] | None = None
        if status is not None:
            error = {
                "status": status,
                "error": {
                    "type": "error",
                    "error": {"type": "api_error", "message": "Internal server error"},
                },
            }
        else:
            cause = {"code": "ECONNRESET"}
        fields: dict[str, Any] = {
            "level": "error",
            "error": error,
            "retryInMs": 1000 * attempt,
            "retryAttempt": attempt,
            "maxRetries": 10,
        }
        if cause is not None:
            fields["cause"] = cause
        return self.system(uuid, parent, "api_error", **fields)

    def progress(self, uuid: str, parent: str, tool_id: str, message: dict[str, Any]) -> str:
        """A 2.1.38-2.1.62 `agent_progress` line: one sub-agent message under its Task call."""
        self.add(
            uuid,
            parent,
            "progress",
            data={
                "message": message,
                "normalizedMessages": [],
                "type": "agent_progress",
                "prompt": "look into it",
                "agentId": "a1b2c3d",
            },
            toolUseID=f"agent_msg_{uuid}",
            parentToolUseID=tool_id,
        )
        return uuid

    def data(self) -> bytes:
        return "".join(_dump(line) + "\n" for line in self.lines).encode()


def _dump(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


def partial_compaction(
    *,
    lose_pre_compact_result: bool = False,
    lose_last_result: bool = False,
    resumed_from: str = "a4",
    head: str = "u2",
) -> Builder:
    """A manual `/compact` that kept its last turn (2.1.205+), in the shape real files show.

    Lines 1-4 are summarised away, lines 5-8 are the preserved segment (head: the prompt at line
    5, tail: the pre-compact tip at line 8), line 9 the boundary, line 10 the summary (the anchor),
    which no line names as parent: the work after it (lines 11-14) descends from the tail.
    `lose_pre_compact_result` drops line 3's result, which Claude Code prunes and never sends;
    `lose_last_result` drops the result of the call at line 12 (the session goes on);
    `resumed_from` is the parent of line 11 (`s1`: the summary, as a racing writer leaves it);
    `head` names the segment's head (a line the tail's parents never reach: a malformed segment).
    """
    session = Builder()
    session.prompt("u1", None, "set the project up")
    session.call("a1", "u1", "toolu_01OLD", command="ls")
    after_call = "a1"
    if not lose_pre_compact_result:
        after_call = session.result("r1", "a1", "toolu_01OLD")
    session.text("a2", after_call, "Set up.")
    session.prompt("u2", "a2", "now run the tests")
    session.call("a3", "u2", "toolu_01KEPT", command="pytest")
    session.result("r3", "a3", "toolu_01KEPT", "3 passed")
    session.text("a4", "r3", "All three pass.")
    session.boundary("b1", "a4", head=head, anchor="s1", tail="a4")
    session.summary("s1", "b1")
    session.prompt("u3", resumed_from, "commit it")
    session.call("a5", "u3", "toolu_01NEW", command="git commit")
    after_commit = "a5"
    if not lose_last_result:
        after_commit = session.result("r5", "a5", "toolu_01NEW", "committed")
    session.text("a6", after_commit, "Committed.")
    return session


def two_compactions(*, second_keeps: bool, resumed_from: str | None = None) -> Builder:
    """A partial compaction (line 5) followed by a later one (line 9): with `second_keeps` the
    later one has its own segment (line 7 kept), else it is a plain compaction after which the
    first segment is stale. Lines after each boundary descend from the line before it, or line 11
    from `resumed_from`."""
    session = Builder()
    session.prompt("u1", None, "first task")
    session.text("a1", "u1", "Done.")
    session.prompt("u2", "a1", "second task")
    session.text("a2", "u2", "Done too.")
    session.boundary("b1", "a2", head="u2", anchor="s1", tail="a2")
    session.summary("s1", "b1")
    session.prompt("u3", "a2", "third task")
    session.text("a3", "u3", "Third done.")
    if second_keeps:
        session.boundary("b2", "a3", head="u3", anchor="s2", tail="a3")
    else:
        session.boundary("b2", "a3")
    session.summary("s2", "b2")
    session.prompt("u4", resumed_from or ("a3" if second_keeps else "s2"), "fourth task")
    session.text("a4", "u4", "Fourth done.")
    return session


def queued_prompt() -> Builder:
    """A prompt typed while a tool ran: stored only as a `queued_command` attachment after the
    tool's result (line 4); the reply at line 5 answers it, and the call at line 6 acts on it."""
    session = Builder()
    session.prompt("u1", None, "run the tests")
    session.call("a1", "u1", "toolu_01RUN", command="pytest")
    session.result("r1", "a1", "toolu_01RUN", "3 passed")
    session.queued("q1", "r1", "also check the linter")
    session.text("a2", "q1", "All pass; checking the linter as you asked.")
    session.call("a3", "a2", "toolu_01LINT", command="ruff check")
    session.result("r3", "a3", "toolu_01LINT", "clean")
    session.text("a4", "r3", "The linter is clean too.")
    return session


def compaction_kept_a_dangling_call() -> Builder:
    """A partial compaction whose preserved tail (line 4) is a call that never got its result;
    the work after the summary (lines 7-8) descends from that tail."""
    session = Builder()
    session.prompt("u1", None, "old work")
    session.text("a1", "u1", "Old work done.")
    session.prompt("u2", "a1", "deploy")
    session.call("a2", "u2", "toolu_01DEPLOY", command="deploy")
    session.boundary("b1", "a2", head="u2", anchor="s1", tail="a2")
    session.summary("s1", "b1")
    session.prompt("u3", "a2", "status?")
    session.text("a3", "u3", "Deployed.")
    return session


def inserted_by_claude_code() -> Builder:
    """One conversation holding each thing Claude Code itself writes into it (2.1.2xx shapes):
    empty thinking (line 2), a Task call whose sub-agent ran only in `agent_progress` lines
    (5-6), two retried API errors (8: HTTP 500, 9: ECONNRESET), the API's `fallback` block (10),
    a `model_refusal_fallback` line (12), notifications as user lines (13-15) and as a queued
    attachment (16)."""
    session = Builder()
    session.prompt("u1", None, "watch CI and fix what breaks")
    think = {"type": "thinking", "thinking": "", "signature": "c2lnbmF0dXJl"}
    session.assistant("a1", "u1", think, message_id="msg_01TURN")
    thought = {"type": "thinking", "thinking": "CI first.", "signature": "c2ln"}
    session.assistant("a2", "a1", thought, message_id="msg_01TURN")
    task = {"type": "tool_use", "id": "toolu_01TASK", "name": "Task", "input": {"prompt": "look"}}
    session.assistant("a3", "a2", task, message_id="msg_01TURN")
    look = {"role": "user", "content": [{"type": "text", "text": "look into the CI logs"}]}
    session.progress("p1", "a3", "toolu_01TASK", {"type": "user", "message": look})
    grep = {"type": "tool_use", "id": "toolu_01GREP", "name": "Grep", "input": {}}
    said = {"role": "assistant", "content": [grep]}
    session.progress("p2", "p1", "toolu_01TASK", {"type": "assistant", "message": said})
    session.result("r3", "a3", "toolu_01TASK", "CI failed on lint")
    session.lines[-1]["toolUseResult"] = {"agentId": "a1b2c3d", "status": "completed"}
    session.api_error("e1", "r3", 1, status=500)
    session.api_error("e2", "e1", 2, status=None)
    switch = {
        "type": "fallback",
        "from": {"model": "claude-fable-5"},
        "to": {"model": "claude-opus-4-8"},
        "trigger": {"type": "refusal"},
    }
    session.assistant("a4", "e2", switch, message_id="msg_01AFTER")
    session.text("a5", "a4", "CI is green now.", message_id="msg_01AFTER")
    session.system(
        "f1",
        "a5",
        "model_refusal_fallback",
        direction="retry",
        originalModel="claude-fable-5",
        fallbackModel="claude-opus-4-8",
        level="warning",
        trigger="refusal",
        content="Fable 5's safety measures flagged this message. Switched to Opus 4.8.",
    )
    notice = (
        "<task-notification><task-id>b1</task-id><status>completed</status></task-notification>"
    )
    session.prompt("n1", "f1", notice)
    session.prompt("n2", "n1", "<system-reminder>The task list is empty.</system-reminder>")
    session.prompt("n3", "n2", "<ci-monitor-event>build 42 passed</ci-monitor-event>")
    session.queued(
        "q1",
        "n3",
        "<task-notification>agent b2 finished</task-notification>",
        mode="task-notification",
        origin="task-notification",
        is_meta=True,
    )
    session.text("a6", "q1", "Noted.")
    return session


def three_writes() -> Builder:
    """A Write answered, one the user rejected, one never answered (the session cut there)."""
    session = Builder()
    session.prompt("u1", None, "write them")
    session.call("a1", "u1", "toolu_A", "Write", file_path="/p/applied.md", content="a\n")
    session.result("r1", "a1", "toolu_A", "File created successfully at: /p/applied.md")
    session.call("a2", "r1", "toolu_R", "Write", file_path="/p/rejected.md", content="r\n")
    refusal = "The user doesn't want to proceed with this tool use. The tool use was rejected."
    block = {"type": "tool_result", "tool_use_id": "toolu_R", "content": refusal, "is_error": True}
    session.user_blocks("r2", "a2", [block])
    session.call("a3", "r2", "toolu_U", "Write", file_path="/p/unanswered.md", content="u\n")
    return session


def rewound(*, with_call: bool = False) -> Builder:
    """A prompt (line 3) answered, rewound and asked again (line 6): lines 3-4 (3-5 `with_call`:
    a call and its result) are an abandoned branch off line 2, lines 1-2 and 6-7 the conversation."""
    session = Builder()
    session.prompt("u0", None, "look at the parser")
    session.text("a0", "u0", "Looking.")
    session.prompt("u1", "a0", "rewrite it with regexes")
    if with_call:
        session.call("a1", "u1", "toolu_01R", command="sed -i s/a/b/ parser.py")
        session.result("r1", "a1", "toolu_01R", "done")
    else:
        session.text("a1", "u1", "Regexes are in.")
    session.prompt("u2", "a0", "rewrite it with a state machine")
    session.text("a2", "u2", "The state machine is in.")
    return session


def tool_run(calls: int, *, unanswered: int | None = None) -> Builder:
    """One prompt, then `calls` Bash calls each answered on the next line, as an agent fixing
    tests writes them: many short lines. The call numbered `unanswered` gets no result."""
    session = Builder()
    parent = session.prompt("u0", None, "fix every failing test")
    for number in range(calls):
        parent = session.call(
            f"a{number}", parent, f"toolu_{number:06d}", command=f"pytest t{number}"
        )
        if number != unanswered:
            parent = session.result(f"r{number}", parent, f"toolu_{number:06d}", f"{number} passed")
    return session
