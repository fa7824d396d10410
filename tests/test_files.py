"""How a session file is read: mapped, or into memory when it was written moments ago."""

from __future__ import annotations

import mmap
from pathlib import Path

from session_lsp import files
from tests.support.files import age


def test_a_session_written_within_the_quiet_window_is_read_a_quiet_one_mapped(
    tmp_path: Path,
) -> None:
    """A mapped file truncated in place kills its reader (SIGBUS); one just written is the one
    an editor may save again while it is read."""
    fresh, quiet = tmp_path / "fresh.jsonl", tmp_path / "quiet.jsonl"
    for path in (fresh, quiet):
        path.write_bytes(b'{"type":"user"}\n')
    age(quiet)
    assert type(files.read_session_file(fresh, quiet_seconds=10).data) is bytes
    read_quiet = files.read_session_file(quiet, quiet_seconds=10).data
    assert isinstance(read_quiet, mmap.mmap) is files.MAP_SESSIONS
    assert read_quiet[:] == b'{"type":"user"}\n'
    assert isinstance(files.read_session_file(fresh).data, mmap.mmap) is files.MAP_SESSIONS
