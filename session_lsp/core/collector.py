"""The cyclic garbage collector paused while big acyclic structures are built.

Lines, records, the replay and the conversation model hold no reference cycles: collections while
they are built find nothing to free and walk every object made so far, again and again. On a
session of 70,000 tool calls that was most of the time of building its conversation model (2.8 s
against 0.5 s paused) and a fifth of reading 100,000 lines.
"""

from __future__ import annotations

import gc
from contextlib import AbstractContextManager

from session_lsp.core.held_setting import HeldSetting, Restore

BIG_BYTES = 5_000_000
"""A file above this many bytes is big: what is built from it once and kept until the end (an open
document's lines and first analysis, the model `show` renders) is frozen
(`collector_paused(freeze=True)`)."""


def _collector_off() -> Restore:
    was_enabled = gc.isenabled()
    gc.disable()
    return gc.enable if was_enabled else _leave_off


def _leave_off() -> None:
    """The collector was off before the first pause: it stays off."""


_PAUSE = HeldSetting(_collector_off)


def collector_paused(*, freeze: bool = False) -> AbstractContextManager[None]:
    """The collector off inside, on again after if it was on.

    With `freeze`, for what is built once and kept long after (an open document's lines), what was
    built is moved out of the collector's sight before it runs again: otherwise the first
    allocation after the pause starts a collection of everything allocated during it (about
    120 ms after a read of 140,000 lines), and every full collection later walks it again.
    Refcounting still frees it. A freeze keeps for good any cyclic garbage alive at that moment
    (another request's, not yet collected), so it is for once-only work, never for each edit.

    Safe across threads (the server builds in workers while its loop analyses): the last pause
    out turns the collector back on (`HeldSetting`), so a pause that only saw it off cannot
    leave it off for good, nor can one ending turn it on under another's build.
    """
    return _PAUSE.held(gc.freeze if freeze else None)
