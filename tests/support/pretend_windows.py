"""Run a repair and a restore as on Windows, on this Linux machine: a separate process whose `os`
has what Windows' has and no more (no `fcntl`, no `O_NOFOLLOW`/`O_NONBLOCK`/`O_CLOEXEC`, no
`fchmod`/`fchown`, an `O_BINARY` flag), whose `sys.platform` is "win32", and whose `msvcrt` and
`_winapi` are stand-ins that keep the rules session-lsp relies on. It prints a JSON report of
what happened. Usage: python pretend_windows.py SESSION
"""

from __future__ import annotations

# The standard library is imported before the pretending starts: it is Linux's, and some of it
# decides by `sys.platform` at import time.
import errno
import json
import mmap  # noqa: F401 (imported before the pretending, for files.py)
import os
import subprocess  # noqa: F401 (same)
import sys
import types
from pathlib import Path
from typing import Any

FAKE_O_BINARY = 1 << 29
"""A bit no Linux flag uses, standing in for Windows' O_BINARY."""

report: dict[str, Any] = {"opens_without_binary": [], "locked_offsets": [], "shares": []}
held: dict[tuple[int, int, int], int] = {}


def _open(path: Any, flags: int, mode: int = 0o777, **kwargs: Any) -> int:
    if os.path.isdir(path):
        raise PermissionError(errno.EACCES, "Access is denied", str(path))  # as Windows does
    if not flags & FAKE_O_BINARY:
        report["opens_without_binary"].append(str(path))
    return real_open(path, flags & ~FAKE_O_BINARY, mode, **kwargs)


def _locking(fd: int, mode: int, nbytes: int) -> None:
    status = os.fstat(fd)
    key = (status.st_dev, status.st_ino, os.lseek(fd, 0, os.SEEK_CUR))
    report["locked_offsets"].append(key[2])
    if mode == 0:
        del held[key]
    elif key in held:
        raise OSError(errno.EDEADLK, "Resource deadlock avoided")
    else:
        held[key] = fd


def _create_file(name: str, access: int, share: int, *rest: int) -> int:
    report["shares"].append(share)
    return real_open(name, os.O_RDONLY)


def _set_file_time(handle: int, accessed: int, modified: int) -> None:
    def ns(filetime: int) -> int:
        return (filetime - 116_444_736_000_000_000) * 100

    os.utime(handle, ns=(ns(accessed), ns(modified)))  # the handle is the descriptor here


real_open = os.open
for name in ("O_NOFOLLOW", "O_NONBLOCK", "O_CLOEXEC", "fchmod", "fchown"):
    delattr(os, name)
os.O_BINARY = FAKE_O_BINARY  # type: ignore[attr-defined]
os.open = _open  # type: ignore[assignment]
sys.modules["fcntl"] = None  # type: ignore[assignment]
sys.modules["msvcrt"] = types.SimpleNamespace(  # type: ignore[assignment]
    LK_NBLCK=2,
    LK_UNLCK=0,
    locking=_locking,
    open_osfhandle=lambda handle, flags: handle,
    get_osfhandle=lambda fd: fd,
)
sys.modules["_winapi"] = types.SimpleNamespace(CreateFile=_create_file)  # type: ignore[assignment]
sys.platform = "win32"

from session_lsp import fileops  # noqa: E402
from session_lsp.core.repairs import Strategy  # noqa: E402
from session_lsp.disk import fix_file, restore_file  # noqa: E402
from session_lsp.files import read_session_file  # noqa: E402

fileops._windows_set_file_time = _set_file_time  # type: ignore[attr-defined]

session = Path(sys.argv[1])
before = session.stat()
original = session.read_bytes()
read = read_session_file(session)
report["read_as_bytes"] = isinstance(read.data, bytes) and read.data == original
outcome = fix_file(session, Strategy.STUB)
report["fixed"] = outcome.changed and not outcome.refused
report["message"] = outcome.message
# NTFS keeps times in 100 ns units
report["mtime_kept"] = session.stat().st_mtime_ns == before.st_mtime_ns // 100 * 100
report["crlf_added"] = b"\r\n" in session.read_bytes() and b"\r\n" not in original
report["still_held"] = len(held)
restore_file(session)
report["restored"] = session.read_bytes() == original
print(json.dumps(report))
