"""The lines of a Claude Code file that hold sub-agents' turns, found once for every segment.

A Task call answered without a sub-agent file has its sub-agent's turns in the main file: as
`agent_progress` lines naming the call (2.1.38-2.1.62), or as sidechain lines descending from a
user line that says the Task's prompt (1.0.x). Each segment of the history is built on its own;
when each looked for those lines over the whole file, a session of 100 compactions of 400 lines
took 0.8 s to build (a pass per segment). They are indexed in one pass, the first time a segment
asks, and every segment's builder reads the index.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence

from session_lsp.core.formats.claude_code.records import Record


class SubAgentLines:
    """`agent_progress` lines by call, and inline sidechain lines: their roots, and each line's
    sidechain children."""

    def __init__(self, records: Sequence[Record | None]) -> None:
        self._records = records
        self._indexed = False
        self._progress: dict[str, list[Record]] = {}
        self._roots: list[Record] = []
        self._children: dict[str, list[Record]] = {}

    def progress(self, call_id: str) -> list[Record]:
        """The `agent_progress` lines of one call, in file order."""
        self._index()
        return self._progress.get(call_id, [])

    def roots(self) -> list[Record]:
        """Sidechain user lines without a parent: where an inline sub-agent starts."""
        self._index()
        return self._roots

    def descendants(self, owner: dict[str, str], after: int) -> dict[str, list[Record]]:
        """The sidechain lines below the roots in `owner` (uuid: call), by call, in file order,
        as a pass over the lines after line `after` finds them: a line joins its parent's call if
        that parent joined on an earlier line (a root from the start), and a uuid joins once.
        `owner` gains every uuid that joined."""
        self._index()
        waiting: list[tuple[int, int, Record]] = []
        pushed = 0

        def wait_for_children(uuid: str, since: int) -> None:
            nonlocal pushed
            for child in self._children.get(uuid, ()):
                if child.line > since:
                    heapq.heappush(waiting, (child.line, pushed, child))
                    pushed += 1

        for root in list(owner):
            wait_for_children(root, after)
        found: dict[str, list[Record]] = {}
        while waiting:
            _, _, record = heapq.heappop(waiting)
            uuid = record.uuid
            if uuid is None or uuid in owner:
                continue
            call_id = owner[record.parentUuid or ""]
            owner[uuid] = call_id
            found.setdefault(call_id, []).append(record)
            wait_for_children(uuid, record.line)
        return found

    def _index(self) -> None:
        if self._indexed:
            return
        self._indexed = True
        for record in self._records:
            if record is None:
                continue
            call_id = record.sub_agent_call
            if call_id is not None:
                self._progress.setdefault(call_id, []).append(record)
            if record.isSidechain:
                if record.parentUuid is None and record.type == "user":
                    self._roots.append(record)
                if record.uuid is not None:
                    self._children.setdefault(record.parentUuid or "", []).append(record)
