"""Where the shared corpus of real transcripts lives, and which of its files are which."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("SESSION_LSP_SHARED", REPO.parent / "shared"))
CLAUDE_CORPUS = SHARED / "corpus" / "claude-code"

if not CLAUDE_CORPUS.is_dir():  # pragma: no cover - a setup error, not a test outcome
    raise RuntimeError(f"the shared corpus is missing: expected it at {CLAUDE_CORPUS}")

SESSIONS = sorted(CLAUDE_CORPUS.rglob("*.jsonl"))

CODEMIE_TURN_1 = CLAUDE_CORPUS / "codemie-code" / "incremental-subagents-turn-1.jsonl"
SIDECHAIN_EXCERPT = (
    CLAUDE_CORPUS / "daaain-claude-code-log" / "sidechain-inline-1.0.35-excerpt.jsonl"
)
SHORT = CLAUDE_CORPUS / "marot-spotter" / "short.jsonl"
TOOL_HEAVY = CLAUDE_CORPUS / "marot-spotter" / "tool_heavy.jsonl"
SUBAGENT = CLAUDE_CORPUS / "marot-spotter" / "subagent.jsonl"
FASTHOOKS_MAIN = CLAUDE_CORPUS / "oneryalcin-fasthooks" / "sample_main_transcript.jsonl"
SOUND_RECORDER = (
    CLAUDE_CORPUS
    / "daaain-claude-code-log"
    / "-Users-dain-workspace-JSSoundRecorder"
    / "7acd37a8-2745-4b58-a8a9-46164b22ad9e.jsonl"
)
WORKTREES = (
    CLAUDE_CORPUS
    / "daaain-claude-code-log"
    / "-experiments-worktrees"
    / "ef958aa1-0e93-49f0-bb71-150f63befcd1.jsonl"
)
BROKEN_SESSIONS = {CODEMIE_TURN_1, SIDECHAIN_EXCERPT}
CLEAN_SESSIONS = [path for path in SESSIONS if path not in BROKEN_SESSIONS]


def corpus_id(path: Path) -> str:
    return str(path.relative_to(CLAUDE_CORPUS))
