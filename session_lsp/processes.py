"""Whether a process is alive, asked without touching it, on POSIX and on Windows.

POSIX: `kill(pid, 0)` sends nothing and says whether the process exists. Windows has no signal 0:
Python's `os.kill(pid, 0)` there sends CTRL_C_EVENT (which is 0) to the console process group
`pid`, interrupting a Claude Code that shares the console, and any other value terminates the
process. So on Windows the process is opened for the least access there is and its exit code read
(`STILL_ACTIVE` while it runs).
"""

from __future__ import annotations

import os
import sys
from typing import Protocol

PROCESS_QUERY_LIMITED_INFORMATION = 0x1000
STILL_ACTIVE = 259
ERROR_ACCESS_DENIED = 5


class WindowsProcessApi(Protocol):
    """The part of `_winapi` used here; a parameter so that tests can stand in for Windows."""

    def OpenProcess(  # noqa: N802 (the Windows API's names)
        self, desired_access: int, inherit_handle: bool, process_id: int, /
    ) -> int: ...

    def GetExitCodeProcess(self, process: int, /) -> int: ...  # noqa: N802

    def CloseHandle(self, handle: int, /) -> None: ...  # noqa: N802


def process_exists(pid: int) -> bool:
    """Whether process `pid` is running. A process of another user counts (it exists), and so
    does one the system will not say anything about: callers then leave its files alone."""
    if pid == os.getpid():
        return True
    if sys.platform == "win32":
        import _winapi

        return windows_process_exists(pid, _winapi)
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError):  # OverflowError: no process has such an id
        return False
    except OSError:
        return True  # PermissionError: alive, another user's
    return True


def windows_process_exists(pid: int, api: WindowsProcessApi) -> bool:
    try:
        handle = api.OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, False, pid)
    except OverflowError:
        return False
    except OSError as error:
        # ERROR_INVALID_PARAMETER: no such process. Access denied: it exists (a protected or
        # elevated one).
        return getattr(error, "winerror", None) == ERROR_ACCESS_DENIED
    try:
        return api.GetExitCodeProcess(handle) == STILL_ACTIVE
    except OSError:
        return True  # opened, so it exists
    finally:
        api.CloseHandle(handle)
