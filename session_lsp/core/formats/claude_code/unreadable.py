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
    uuids = {
        found.decode("utf-8", "replace") for found in _UUID.findall(raw)
    }  # a tool's input may hold a "uuid" key too: the file decides which is the line's
    own = [uuid for uuid in uuids if uuid in children and uuid not in by_uuid]
    parent = _PARENT.search(raw)
    if len(own) != 1 or parent is None:
        return None
    named = parent.group(1)
    parent_uuid = named.decode("utf-8", "replace") if named is not None else None
    if parent_uuid is not None and parent_uuid not in by_uuid:
        return None
    return own[0], parent_uuid
