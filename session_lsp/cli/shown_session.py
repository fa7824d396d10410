"""The session `show` and `show --item` read: named or a path, and the model they print."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from session_lsp.beside import model_of_file
from session_lsp.cli.show_headline import one_line
from session_lsp.core.collector import BIG_BYTES, collector_paused
from session_lsp.core.formats import not_a_transcript
from session_lsp.core.turns import ConversationModel
from session_lsp.core.turns.build import UNKNOWN_FORMAT
from session_lsp.core.turns.segments import (
    counted_facts,
    live_segment,
    other_parts,
    segment_place,
)
from session_lsp.core.wording import numbered_up_to
from session_lsp.files import SessionFile, exists, read_session_file
from session_lsp.sessions import resolve_session
from session_lsp.sessions.registry import Liveness


def read_named_session(name: str | None) -> tuple[Path, SessionFile]:
    """An existing path as it is, else a session name (None: the one `claude --continue` would
    resume here). Raises SessionNameError or SessionFileError with a message to print."""
    path = Path(name) if name and exists(Path(name)) else resolve_session(name)
    return path, read_session_file(path)


def shown_model(session: SessionFile) -> ConversationModel:
    """Its model, built once and printed before the process ends: a big one is frozen
    (`collector_paused`), so no collection walks it while it is printed. A big rollout's is
    built while a worker works out its findings (`model_beside`)."""
    with collector_paused(freeze=session.size > BIG_BYTES):
        return model_of_file(session, Liveness.read())[0]


def no_transcript(model: ConversationModel, path: Path) -> str | None:
    """Why `show` refuses the file, if it does: no format claims it and nothing in it looks like
    a damaged transcript either (`may_be_transcript`), which `show` would draw line by line."""
    reason = not_a_transcript(model.format != UNKNOWN_FORMAT, model.lines, model.findings)
    if reason is None:
        return None
    said = f"{path}: {reason}"
    return f"{said} (`session-lsp check` names each line's problem)" if model.findings else said


def shown_segment(model: ConversationModel, number: int | None) -> int | None:
    """`--segment N` (counted from 1, oldest first, as `search` prints them) as the model's
    segment index; None for the last, the conversation a resume sends. ValueError with a
    message to print for a segment the session does not have."""
    if number is None:
        return None
    count = live_segment(model) + 1
    if not 1 <= number <= count:
        raise ValueError(f"no segment {number}: the session has {numbered_up_to(count, 'segment')}")
    return number - 1


@dataclass(frozen=True, slots=True)
class Shown:
    """What part of the session `show` prints: a segment (None: the last), from item `offset`."""

    offset: int = 0
    segment: int | None = None

    def is_history(self, model: ConversationModel) -> bool:
        """A segment before the last (a compaction's history, an abandoned branch): history,
        which carries no findings and no start note."""
        return self.segment is not None and self.segment < live_segment(model)


def header_facts(model: ConversationModel, shown: Shown) -> list[str]:
    """The facts `show` heads a session with, the index (`--brief`) and the reader alike."""
    facts = [
        model.format,
        f"session {one_line(model.session_id or '?')}",
        *counted_facts(model, shown.segment),
    ]
    part = _segment_fact(model, shown)
    if part is not None:
        facts.append(part)
    return facts


def _segment_fact(model: ConversationModel, shown: Shown) -> str | None:
    """Which part of the history the header's counts are of, and how to reach the others."""
    if shown.is_history(model) and shown.segment is not None:
        return segment_place(model, shown.segment)
    parts = other_parts(model)
    if parts is None:
        return None
    earlier = live_segment(model)
    reach = "--segment 1 shows it" if earlier == 1 else f"--segment 1 to {earlier} shows them"
    return f"{parts} ({reach})"
