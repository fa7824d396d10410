"""Writes the generated files of `tests/corpus/`: stand-ins for real transcripts whose licence does
not let the repository carry them (see `tests/corpus/SOURCES.md`).

Each stand-in reproduces the shapes the tests rely on with the project's own generators:

* `claude-code/generated/compacted-2.0.76.jsonl`: a 2.0.76 session (`generate_session.py`):
  split thinking/text/tool_use lines, 2- and 3-way parallel calls whose results chain one after
  the other, an error result, a `/mcp` local command, and a compaction followed by one more turn.
* `claude-code/generated/agent-warmup-2.0.76.jsonl`: the 2.0.x "Warmup" sub-agent file of that
  session (`isSidechain`, `agentId`, the parent's `sessionId`), a prompt and its reply.
* `codex/generated/rollout-*.jsonl` (`generate_rollout.py`): a call left without output in the
  middle of a rollout that goes on after a restart, a small rollout that ends on such a call, and
  a rollout with a compaction.

The same code always writes the same bytes (`tests/bench/test_corpus_fixtures.py` checks that the
committed files are what it writes)::

    python bench/corpus_fixtures.py [--out tests/corpus]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from generate_rollout import generate_rollout  # noqa: E402
from generate_session import generate_session  # noqa: E402

__all__ = ["CLAUDE_AGENT", "CLAUDE_MAIN", "CODEX_FOLDER", "write_fixtures"]

CORPUS = BENCH.parent / "tests" / "corpus"
CLAUDE_MAIN = Path("claude-code/generated/compacted-2.0.76.jsonl")
CLAUDE_AGENT = Path("claude-code/generated/agent-warmup-2.0.76.jsonl")
CODEX_FOLDER = Path("codex/generated")

_AGENT_ID = "a9f3c21"


def _agent_lines(session_id: str) -> list[dict[str, Any]]:
    """The two lines 2.0.x wrote for the warm-up of a read-only sub-agent, key order as written."""
    head = {
        "isSidechain": True,
        "userType": "external",
        "cwd": "/workspace",
        "sessionId": session_id,
        "version": "2.0.76",
        "gitBranch": "",
        "agentId": _AGENT_ID,
    }
    prompt_uuid = "7b0e4c1d-5a2f-4e8b-9c6d-1f2a3b4c5d6e"
    reply = {
        "model": "claude-haiku-4-5-20251001",
        "id": "msg_01WarmupGeneratedFixture0001",
        "type": "message",
        "role": "assistant",
        "content": [{"type": "text", "text": "Ready to search the codebase (read-only)."}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": 512, "output_tokens": 12, "service_tier": "standard"},
    }
    return [
        {
            "parentUuid": None,
            **head,
            "type": "user",
            "message": {"role": "user", "content": "Warmup"},
            "uuid": prompt_uuid,
            "timestamp": "2026-01-02T19:11:22.139Z",
        },
        {
            "parentUuid": prompt_uuid,
            **head,
            "message": reply,
            "requestId": "req_011WarmupGeneratedFixture01",
            "type": "assistant",
            "uuid": "0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6",
            "timestamp": "2026-01-02T19:11:24.315Z",
        },
    ]


def write_fixtures(corpus: Path = CORPUS) -> list[Path]:
    """Writes every generated stand-in below `corpus`; returns their paths."""
    main = generate_session(corpus / CLAUDE_MAIN, 120_000, 3, version="2.0.76", compactions=1)
    agent = corpus / CLAUDE_AGENT
    agent.write_text(
        "".join(
            json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n"
            for line in _agent_lines(main.session_id)
        ),
        encoding="utf-8",
    )
    codex = corpus / CODEX_FOLDER
    for old in codex.glob("rollout-*.jsonl"):
        old.unlink()
    rollouts = [
        generate_rollout(codex, 8, 3, unanswered="mid"),
        generate_rollout(codex, 2, 4, unanswered="end"),
        generate_rollout(codex, 8, 5, compact_after=5),
    ]
    return [main.path, agent, *(rollout.path for rollout in rollouts)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=CORPUS, help="the corpus folder")
    for path in write_fixtures(parser.parse_args(argv).out):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
