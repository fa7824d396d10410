"""How a session file is read: mapped, or into memory when it was written moments ago."""

from __future__ import annotations

import mmap
import subprocess
import sys
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
    assert isinstance(files.read_session_file(fresh, quiet_seconds=0).data, mmap.mmap) is (
        files.MAP_SESSIONS
    )


def test_a_session_cut_in_place_just_after_it_was_written_leaves_its_reader_alive(
    tmp_path: Path,
) -> None:
    """Claude Code cuts a failed attempt's message off the end of its session with `ftruncate`,
    and an editor saves over the file: a reader holding the pages cut off mapped dies of SIGBUS
    when it touches them. Every command reads with the default window, so a file just written
    is read into memory; one quiet for longer is still mapped (`RECENTLY_WRITTEN_SECONDS`)."""
    session = tmp_path / "session.jsonl"
    session.write_bytes(b'{"type":"user"}\n' * 100_000)
    reader = (
        "import os, sys\n"
        "from pathlib import Path\n"
        "from session_lsp.files import read_session_file\n"
        "path = Path(sys.argv[1])\n"
        "session = read_session_file(path)\n"
        "os.truncate(path, 0)\n"
        "print(len(bytes(session.data[:])), type(session.data).__name__)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", reader, str(session)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, f"the reader died: {done.returncode} {done.stderr}"
    assert done.stdout.split() == [str(1_600_000), "bytes"]
    session.write_bytes(b'{"type":"user"}\n')
    age(session)
    assert isinstance(files.read_session_file(session).data, mmap.mmap) is files.MAP_SESSIONS
