"""Deterministic generator of Codex CLI rollout files, the second format session-lsp reads.

The tests need rollouts with shapes that real ones have (parallel calls answered in issue order,
`apply_patch` custom tool calls, web searches, a compaction, a call left without output mid-file or
at the end) without shipping transcripts whose licence does not allow it. The record layouts and
key orders copy the Codex rollouts of `tests/corpus/codex/codemie-code` (cli 0.125.0) and the
write path described in `docs/codex-format.md`; the texts are made up.

``--unanswered mid`` leaves one `exec_command` call of a middle turn without output and lets the
session go on after a restart (new developer and user context messages, then the next turn), the
shape a killed Codex Desktop leaves. ``--unanswered end`` ends the file on such a call, after a
reasoning item that also led to a commentary message. ``--compact-after T`` writes a `compacted`
line (with its `replacement_history`) and the `context_compacted` event after turn T.

Usage::

    python bench/generate_rollout.py --turns 6 --seed 1 --out DIR [--unanswered mid|end]
        [--compact-after T]

The file is written as ``DIR/rollout-<start>-<session id>.jsonl``, the name Codex gives it.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

__all__ = ["GeneratedRollout", "generate_rollout", "main"]

Unanswered = Literal["none", "mid", "end"]

CLI_VERSION = "0.125.0"
MODEL = "gpt-5.5"
CONTEXT_WINDOW = 258400
CWD = "/Users/dev/code/example"

_PROMPTS = (
    "show tools",
    "Run the tests and fix whatever fails.",
    "Why does the parser reject the file in fixtures/broken.jsonl?",
    "Add a --json flag to the list command and document it.",
    "Refactor the config loader so it reads TOML as well, with tests.",
    "请检查一下这个模块为什么这么慢 🙏",
    "ok, commit that",
    "Look at the failing CI job and tell me what broke.",
)
_COMMANDS = (
    "rg -n 'def load' src",
    "sed -n '1,160p' src/config.py",
    "python -m pytest -x -q tests/test_config.py",
    "git status --short",
    "ls -la src",
    "git diff --stat",
    "cat pyproject.toml",
    "rg --files tests | head -50",
)
_WORD_TEXT = (
    "the loader reads each file once and keeps the parsed table so a second call is cheap "
    "tests cover the empty file the missing key and the unicode path ✓ done → next café "
    "I will read the module first then run the suite and patch the failing case 日本語"
)
_WORDS = _WORD_TEXT.split()


def _text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(words))


def _call_id(rng: random.Random) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    return "call_" + "".join(rng.choice(alphabet) for _ in range(24))


def _uuid7(rng: random.Random, moment: datetime) -> str:
    """A UUIDv7-looking id (time-ordered, as Codex's session and turn ids are)."""
    millis = int(moment.timestamp() * 1000)
    tail = rng.getrandbits(74)
    value = (
        (millis << 80) | (0x7 << 76) | ((tail >> 62) << 64) | (0b10 << 62) | (tail & (2**62 - 1))
    )
    return str(uuid.UUID(int=value))


@dataclass
class GeneratedRollout:
    """What was written, so a test can find the shapes it asks for without counting lines."""

    path: Path
    lines: int
    session_id: str
    calls: int = 0
    unanswered_call_id: str | None = None
    unanswered_line: int | None = None
    """1-based line of the call left without output."""
    compaction_line: int | None = None
    """1-based line of the `compacted` record."""
    prompts: list[str] = field(default_factory=list)


class _Writer:
    def __init__(self, rng: random.Random, start: datetime) -> None:
        self.rng = rng
        self.now = start
        self.lines: list[str] = []

    def tick(self, low_ms: int = 1, high_ms: int = 900) -> str:
        self.now += timedelta(milliseconds=self.rng.randint(low_ms, high_ms))
        return self.now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{self.now.microsecond // 1000:03d}Z"

    def record(
        self, kind: str, payload: dict[str, Any], low_ms: int = 1, high_ms: int = 900
    ) -> int:
        """Appends one line; returns its 1-based number."""
        line = {"timestamp": self.tick(low_ms, high_ms), "type": kind, "payload": payload}
        self.lines.append(json.dumps(line, ensure_ascii=False, separators=(",", ":")))
        return len(self.lines)

    def item(self, payload: dict[str, Any], low_ms: int = 1, high_ms: int = 900) -> int:
        return self.record("response_item", payload, low_ms, high_ms)

    def event(self, payload: dict[str, Any], low_ms: int = 1, high_ms: int = 50) -> int:
        return self.record("event_msg", payload, low_ms, high_ms)


class _Rollout:
    def __init__(self, rng: random.Random, start: datetime, result: GeneratedRollout) -> None:
        self.rng = rng
        self.w = _Writer(rng, start)
        self.result = result
        self.tokens = 18000
        self.history: list[dict[str, Any]] = []

    # single records ---------------------------------------------------------------------------
    def message(self, role: str, text: str, phase: str | None = None) -> None:
        kind = "output_text" if role == "assistant" else "input_text"
        payload: dict[str, Any] = {
            "type": "message",
            "role": role,
            "content": [{"type": kind, "text": text}],
        }
        if phase is not None:
            payload["phase"] = phase
        self.w.item(payload)
        if role in ("user", "assistant"):
            self.history.append(payload)

    def context(self) -> None:
        """The developer instructions and environment a (re)started Codex writes first."""
        self.message("developer", "<permissions instructions>\n" + _text(self.rng, 40))
        self.message("user", f"<environment_context>\n  <cwd>{CWD}</cwd>\n</environment_context>")

    def token_count(self) -> None:
        used = self.rng.randint(200, 4000)
        self.tokens += used
        usage = {
            "input_tokens": self.tokens,
            "cached_input_tokens": self.tokens // 2,
            "output_tokens": used // 10,
            "reasoning_output_tokens": used // 20,
            "total_tokens": self.tokens + used // 10,
        }
        info = {
            "total_token_usage": usage,
            "last_token_usage": usage,
            "model_context_window": CONTEXT_WINDOW,
        }
        self.w.event({"type": "token_count", "info": info, "rate_limits": None})

    def reasoning(self) -> None:
        summary = _text(self.rng, 6)
        self.w.event({"type": "agent_reasoning", "text": summary}, 200, 4000)
        secret = "".join(self.rng.choice("ABCDEFabcdef0123456789_-") for _ in range(160))
        self.w.item(
            {
                "type": "reasoning",
                "summary": [{"type": "summary_text", "text": summary}],
                "content": None,
                "encrypted_content": "gAAAAAB" + secret,
            }
        )

    def commentary(self) -> None:
        text = _text(self.rng, 14)
        self.w.event({"type": "agent_message", "message": text, "phase": "commentary"}, 100, 900)
        self.message("assistant", text, phase="commentary")

    def function_call(self) -> tuple[str, int]:
        call_id = _call_id(self.rng)
        arguments = {"cmd": self.rng.choice(_COMMANDS), "workdir": CWD, "yield_time_ms": 10000}
        payload = {
            "type": "function_call",
            "name": "exec_command",
            "arguments": json.dumps(arguments),
            "call_id": call_id,
        }
        line = self.w.item(payload, 200, 2000)
        self.result.calls += 1
        return call_id, line

    def function_output(self, call_id: str, turn_id: str) -> None:
        code = self.rng.choice((0, 0, 0, 1))
        self.w.event(
            {
                "type": "exec_command_end",
                "call_id": call_id,
                "turn_id": turn_id,
                "stdout": _text(self.rng, 20),
                "stderr": "",
                "exit_code": code,
                "status": "completed",
            },
            100,
            3000,
        )
        output = (
            f"Chunk ID: {self.rng.getrandbits(24):06x}\nWall time: 0.{self.rng.randint(1, 999):03d} "
            f"seconds\nProcess exited with code {code}\nOutput:\n{_text(self.rng, 30)}"
        )
        self.w.item({"type": "function_call_output", "call_id": call_id, "output": output})

    def patch(self, turn_id: str) -> None:
        call_id = _call_id(self.rng)
        patch = "*** Begin Patch\n*** Update File: src/config.py\n@@\n-    return None\n+    return {}\n*** End Patch"
        self.w.item(
            {
                "type": "custom_tool_call",
                "status": "completed",
                "call_id": call_id,
                "name": "apply_patch",
                "input": patch,
            },
            300,
            3000,
        )
        self.result.calls += 1
        self.token_count()
        self.w.event(
            {
                "type": "patch_apply_end",
                "call_id": call_id,
                "turn_id": turn_id,
                "stdout": "Success. Updated the following files:\nM src/config.py\n",
                "stderr": "",
                "success": True,
                "status": "completed",
            }
        )
        body: dict[str, Any] = {
            "output": "Success. Updated the following files:\nM src/config.py\n",
            "metadata": {"exit_code": 0, "duration_seconds": 0.0},
        }
        self.w.item(
            {"type": "custom_tool_call_output", "call_id": call_id, "output": json.dumps(body)}
        )

    def web_search(self) -> None:
        query = "python tomllib load " + self.rng.choice(("errors", "unicode", "speed"))
        action = {"type": "search", "query": query, "queries": [query]}
        self.w.event(
            {
                "type": "web_search_end",
                "call_id": f"ws_{self.rng.getrandbits(128):032x}",
                "query": query,
                "action": action,
            },
            500,
            4000,
        )
        self.w.item({"type": "web_search_call", "status": "completed", "action": action})

    # turns ------------------------------------------------------------------------------------
    def start_turn(self, prompt: str) -> str:
        turn_id = _uuid7(self.rng, self.w.now)
        self.w.event(
            {
                "type": "task_started",
                "turn_id": turn_id,
                "model_context_window": CONTEXT_WINDOW,
                "collaboration_mode_kind": "default",
            },
            2000,
            60000,
        )
        self.message("user", prompt)
        self.w.event(
            {
                "type": "user_message",
                "message": prompt,
                "images": [],
                "local_images": [],
                "text_elements": [],
            }
        )
        self.w.record(
            "turn_context",
            {
                "turn_id": turn_id,
                "cwd": CWD,
                "approval_policy": "on-request",
                "sandbox_policy": {"type": "workspace-write", "network_access": False},
                "model": MODEL,
                "effort": "medium",
                "summary": "auto",
            },
        )
        self.result.prompts.append(prompt)
        return turn_id

    def step(self, turn_id: str) -> None:
        """One model response: reasoning, maybe a remark, then a batch of calls and outputs."""
        self.token_count()
        self.reasoning()
        if self.rng.random() < 0.4:
            self.commentary()
        kind = self.rng.random()
        if kind < 0.15:
            self.patch(turn_id)
        elif kind < 0.22:
            self.web_search()
        else:
            calls = [self.function_call()[0] for _ in range(self.rng.choice((1, 1, 2, 3)))]
            self.token_count()
            for call_id in calls:
                self.function_output(call_id, turn_id)

    def finish_turn(self, turn_id: str) -> None:
        self.token_count()
        text = _text(self.rng, 30)
        self.w.event({"type": "agent_message", "message": text, "phase": "final_answer"}, 500, 5000)
        self.message("assistant", text, phase="final_answer")
        self.token_count()
        self.w.event({"type": "task_complete", "turn_id": turn_id, "last_agent_message": text})

    def unanswered(self, turn_id: str, at_end: bool) -> None:
        """A call whose output never came: the process stopped while it ran."""
        self.token_count()
        self.reasoning()
        if at_end:
            self.commentary()  # the reasoning led to a message too, so it is not the call's alone
        call_id, line = self.function_call()
        self.result.unanswered_call_id, self.result.unanswered_line = call_id, line
        self.token_count()

    def compact(self) -> None:
        history = [
            *self.history,
            {
                "type": "compaction",
                "encrypted_content": f"gAAAAAB{self.rng.getrandbits(256):064x}",
            },
        ]
        line = self.w.record(
            "compacted", {"message": "", "replacement_history": history}, 2000, 9000
        )
        self.result.compaction_line = line
        self.w.event({"type": "context_compacted"})

    def run(self, turns: int, unanswered: Unanswered, compact_after: int) -> None:
        self.w.record(
            "session_meta",
            {
                "id": self.result.session_id,
                "timestamp": self.w.tick(),
                "cwd": CWD,
                "originator": "codex-tui",
                "cli_version": CLI_VERSION,
                "source": "cli",
                "model_provider": "openai",
                "base_instructions": {
                    "text": "You are Codex, a coding agent. " + _text(self.rng, 30)
                },
            },
        )
        self.context()
        broken_turn = turns // 2 if unanswered == "mid" else turns - 1
        for number in range(turns):
            turn_id = self.start_turn(_PROMPTS[number % len(_PROMPTS)])
            for _ in range(self.rng.randint(2, 6)):
                self.step(turn_id)
            if unanswered != "none" and number == broken_turn:
                self.unanswered(turn_id, at_end=unanswered == "end")
                if unanswered == "end":
                    return
                self.context()  # restarted: Codex writes its context again, then a new turn
                continue
            self.finish_turn(turn_id)
            if number + 1 == compact_after:
                self.compact()


def generate_rollout(
    folder: Path,
    turns: int,
    seed: int = 1,
    *,
    unanswered: Unanswered = "none",
    compact_after: int = 0,
) -> GeneratedRollout:
    """Write a deterministic rollout of `turns` user turns into `folder`; same arguments, same
    bytes."""
    if turns < 1:
        raise ValueError("turns must be at least 1")
    if not 0 <= compact_after <= turns:
        raise ValueError("compact_after must name a turn (or be 0 for none)")
    rng = random.Random(seed)
    start = datetime(2026, 3, 1, 9, 0, tzinfo=UTC) + timedelta(days=seed % 28, minutes=seed)
    session_id = _uuid7(rng, start)
    name = f"rollout-{start.strftime('%Y-%m-%dT%H-%M-%S')}-{session_id}.jsonl"
    result = GeneratedRollout(path=Path(folder) / name, lines=0, session_id=session_id)
    rollout = _Rollout(rng, start, result)
    rollout.run(turns, unanswered, compact_after)
    result.path.parent.mkdir(parents=True, exist_ok=True)
    result.path.write_text("\n".join(rollout.w.lines) + "\n", encoding="utf-8")
    result.lines = len(rollout.w.lines)
    return result


def main(argv: list[str] | None = None) -> int:
    """CLI entry point; prints a JSON summary (path, lines, the unanswered call)."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--turns", type=int, required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True, help="the folder to write into")
    parser.add_argument("--unanswered", choices=("none", "mid", "end"), default="none")
    parser.add_argument("--compact-after", type=int, default=0)
    arguments = parser.parse_args(argv)
    generated = generate_rollout(
        arguments.out,
        arguments.turns,
        arguments.seed,
        unanswered=arguments.unanswered,
        compact_after=arguments.compact_after,
    )
    summary = {
        "path": str(generated.path),
        "lines": generated.lines,
        "session_id": generated.session_id,
        "calls": generated.calls,
        "unanswered_call_id": generated.unanswered_call_id,
        "unanswered_line": generated.unanswered_line,
        "compaction_line": generated.compaction_line,
    }
    json.dump(summary, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
