"""Where the corpus of transcripts the tests read lives, and which of its files are which.

The corpus is part of the repository (`tests/corpus/`, origins and licences in its SOURCES.md), so
a fresh clone runs every test. `SESSION_LSP_CORPUS` may name further folders laid out the same way
(`claude-code/`, `codex/`; several joined with the path separator) for an extended run: their
transcripts join the corpus-wide tests (`SESSIONS`, `ROLLOUTS`); the named files below always come
from the repository's own corpus, whose facts the tests pin.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "tests" / "corpus"
CLAUDE_CORPUS = CORPUS / "claude-code"
CODEX_CORPUS = CORPUS / "codex"
EXTRA_CORPORA = [
    Path(folder) for folder in os.environ.get("SESSION_LSP_CORPUS", "").split(os.pathsep) if folder
]

if not CLAUDE_CORPUS.is_dir():  # pragma: no cover - a broken checkout, not a test outcome
    raise RuntimeError(f"the test corpus is missing: expected it at {CLAUDE_CORPUS}")
for _extra in EXTRA_CORPORA:  # pragma: no cover - a setup error, not a test outcome
    if not (_extra / "claude-code").is_dir() and not (_extra / "codex").is_dir():
        raise RuntimeError(f"SESSION_LSP_CORPUS: {_extra} has no claude-code/ or codex/ folder")


def _transcripts(kind: str) -> list[Path]:
    """The bundled transcripts of one format, then those of the extra corpora."""
    found = sorted((CORPUS / kind).rglob("*.jsonl"))
    for extra in EXTRA_CORPORA:
        found += sorted((extra / kind).rglob("*.jsonl"))
    return found


SESSIONS = _transcripts("claude-code")
ROLLOUTS = _transcripts("codex")

CODEMIE_TURN_1 = CLAUDE_CORPUS / "codemie-code" / "incremental-subagents-turn-1.jsonl"
SIDECHAIN_EXCERPT = (
    CLAUDE_CORPUS / "daaain-claude-code-log" / "sidechain-inline-1.0.35-excerpt.jsonl"
)
SHORT = CLAUDE_CORPUS / "marot-spotter" / "short.jsonl"
TOOL_HEAVY = CLAUDE_CORPUS / "marot-spotter" / "tool_heavy.jsonl"
SUBAGENT = CLAUDE_CORPUS / "marot-spotter" / "subagent.jsonl"
COMPACTED_2_0 = CLAUDE_CORPUS / "generated" / "compacted-2.0.76.jsonl"
"""Generated (bench/corpus_fixtures.py): a 2.0.76 session with one compaction and a turn after."""
WARMUP_AGENT_2_0 = CLAUDE_CORPUS / "generated" / "agent-warmup-2.0.76.jsonl"
"""Generated: the 2.0.x "Warmup" sub-agent file of `COMPACTED_2_0`."""
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
COMPACTION_AGENT = (
    CLAUDE_CORPUS
    / "marot-spotter"
    / "8463c716-a2ea-4c14-9efa-87158ebd9f20"
    / "subagents"
    / "agent-acompact-f46190.jsonl"
)
"""A 2.1.x compaction agent's own file: no call of its session names it."""
BROKEN_SESSIONS = {CODEMIE_TURN_1, SIDECHAIN_EXCERPT}


def _same_file(path: Path) -> tuple[str, int]:
    """What makes an extra corpus's copy of a bundled file recognisable: its name and size."""
    return path.name, path.stat().st_size


_BROKEN = {_same_file(path) for path in BROKEN_SESSIONS}
CLEAN_SESSIONS = [path for path in SESSIONS if _same_file(path) not in _BROKEN]

CODEMIE_ROLLOUT = (
    CODEX_CORPUS
    / "codemie-code"
    / "rollout-2026-05-11T11-26-55-019e1625-789d-76c0-80ab-3724b5ddb799.jsonl"
)
"""Real (Codex 0.125.0): 102 answered calls, apply_patch and web searches, all answered."""
PARALLEL_ROLLOUT = (
    CODEX_CORPUS
    / "codemie-code"
    / "rollout-2026-05-11T13-28-45-019e1695-0522-7c83-8b39-0dd379793f80.jsonl"
)
"""Real (Codex 0.128.0-alpha.1, Desktop): batches of 2 and 4 parallel calls, all answered."""
DANGLING_MID_ROLLOUT = next(CODEX_CORPUS.glob("generated/rollout-2026-03-04T09-03-00-*.jsonl"))
"""Generated: a call left without output mid-file; the rollout goes on after a restart."""
DANGLING_END_ROLLOUT = next(CODEX_CORPUS.glob("generated/rollout-2026-03-05T09-04-00-*.jsonl"))
"""Generated: a small rollout that ends on a call without output."""
COMPACTED_ROLLOUT = next(CODEX_CORPUS.glob("generated/rollout-2026-03-06T09-05-00-*.jsonl"))
"""Generated: a rollout with a `compacted` line and its `context_compacted` event."""


def corpus_id(path: Path) -> str:
    """A test id: the path inside its corpus (an extra corpus's files are marked as such)."""
    if path.is_relative_to(CORPUS):
        return str(path.relative_to(CORPUS / path.relative_to(CORPUS).parts[0]))
    for extra in EXTRA_CORPORA:
        if path.is_relative_to(extra):
            return f"extra:{path.relative_to(extra)}"
    return str(path)
