"""The uuid and parent of a line that is no JSON, read from its bytes so that removing it keeps
the chain: its children are re-linked to its parent, as if it had never been written.

Claude Code 2.1.121 and later skip such a line on resume, and the walk back from the newest leaf
then stops at its children (a missing parent): all the history before it is left out. Only ids
the rest of the file confirms are taken: a uuid some readable line names as its parent and no
readable line has, and a parent that is a readable line's uuid or null.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from session_lsp.core.formats.claude_code.records import Record
from session_lsp.core.reading import Line

_UUID = re.compile(rb'"uuid"\s*:\s*"([^"\\]{1,200})"')
_PARENT = re.compile(rb'"parentUuid"\s*:\s*(?:null|"([^"\\]{1,200})")')


def unreadable_ids(
    line: Line, by_uuid: Mapping[str, Record], children: Mapping[str, list[Record]]
) -> tuple[str, str | None] | None:
    """The line's uuid and its parent (None: it was a root), or None when its bytes do not say
    them beyond doubt (two candidate uuids, a parent the file does not hold)."""
    raw = bytes(line)
    # A tool's input may hold a "uuid" key too: the file decides which is the line's own.
    uuids = {found.decode("utf-8", "replace") for found in _UUID.findall(raw)}
    own = [uuid for uuid in uuids if uuid in children and uuid not in by_uuid]
    parents = _PARENT.findall(raw)
    if len(own) != 1 or len(parents) != 1:
        return None  # two records on the line (one torn, one glued on): whose parent is whose?
    parent_uuid = parents[0].decode("utf-8", "replace") if parents[0] else None
    if parent_uuid is not None and (
        parent_uuid not in by_uuid or _descends_from(parent_uuid, own[0], by_uuid)
    ):
        return None
    return own[0], parent_uuid


def _descends_from(uuid: str, ancestor: str, by_uuid: Mapping[str, Record]) -> bool:
    """Whether the walk up from `uuid` reaches `ancestor`: re-linking its children to one of
    them would close a loop."""
    seen: set[str] = set()
    current: str | None = uuid
    while current is not None and current not in seen:
        if current == ancestor:
            return True
        seen.add(current)
        record = by_uuid.get(current)
        current = record.parentUuid if record is not None else None
    return False
