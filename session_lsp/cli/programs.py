"""Finding the `claude` program and writing command lines a user can paste, on POSIX and Windows.

Pure functions of the environment and the operating system's name, so that Windows' rules are
tested on any machine. Claude Code installs as `claude.exe` (the native build, in
`%USERPROFILE%\\.local\\bin`) or as npm's `claude.cmd` shim (in `%APPDATA%\\npm`, beside a
`claude.ps1` and an extensionless `claude` shell script that Windows cannot start). Windows runs
a program found in the current folder before `PATH`, and `PATH` may hold relative and empty
entries: the program is resolved once to an absolute path, from absolute entries only.

Quoting follows each shell's own rules. POSIX shells: single quotes (`shlex.quote`). PowerShell:
single quotes, in which only a quote is special, written twice (PowerShell also takes the
typographic quotes U+2018-U+201B for `'`). cmd.exe has no quoting that stops `%VAR%` expansion
and no way to write `"` inside quotes, so a word holding either has no safe form there; and a
program's argument parser reads backslashes before a `"` as escapes, so trailing backslashes are
doubled inside quotes. A word is left bare only when it is made of characters no shell treats
specially.
"""

from __future__ import annotations

import ntpath
import os
import posixpath
import re
import shlex
from collections.abc import Callable, Mapping, Sequence
from typing import Literal

Shell = Literal["posix", "powershell", "cmd"]

_BARE = re.compile(r"[A-Za-z0-9_./:+-]+")
"""Characters that mean nothing to sh, PowerShell or cmd (Windows' `\\` is read as `/` here, not
on POSIX, where it escapes). Not `=`, `,` or `;`: cmd splits a batch file's (claude.cmd's)
arguments at them. A leading `-` is harmless to the shells; what `claude` makes of it is the
caller's concern."""
_POWERSHELL_SINGLE_QUOTES = "'\u2018\u2019\u201a\u201b"
_CMD_UNQUOTABLE = re.compile(r'["%!\r\n\x00-\x1f\x7f]')
_POWERSHELL_IN_DOUBLE_QUOTES = re.compile(r'[$`"\u201c\u201d\u201e\r\n\x00-\x1f\x7f]')
_WINDOWS_PROGRAM_EXTENSIONS = (".com", ".exe", ".bat", ".cmd")
"""What CreateProcess starts (batch files through cmd.exe); `.ps1` and extensionless scripts it
cannot."""


def default_executable_check(path: str) -> bool:
    """What `find_program` needs on this machine: a regular file one may run."""
    return os.path.isfile(path) and (os.name == "nt" or os.access(path, os.X_OK))


def find_program(
    name: str,
    environ: Mapping[str, str],
    os_name: str,
    is_executable_file: Callable[[str], bool] = default_executable_check,
) -> str | None:
    """The absolute path of `name` as the shell would find it on `PATH`, skipping empty and
    relative entries (which would make the current folder decide); None when it is not there.

    On Windows (`os_name == "nt"`) each folder is tried with the `PATHEXT` extensions in order
    (`claude.exe` before `claude.cmd`) and entries must carry a drive or be UNC paths.
    `is_executable_file` says whether a path is a file one may run (this machine's answer by
    default)."""
    windows = os_name == "nt"
    separator = ";" if windows else ":"
    for folder in environ.get("PATH", "").split(separator):
        folder = folder.strip('"') if windows else folder
        if not _absolute_folder(folder, windows):
            continue
        for candidate in _candidates(name, environ, windows):
            path = ntpath.join(folder, candidate) if windows else posixpath.join(folder, candidate)
            if is_executable_file(path):
                return path
    return None


def _absolute_folder(folder: str, windows: bool) -> bool:
    if not windows:
        return folder.startswith("/")
    drive, rest = ntpath.splitdrive(folder)
    # `C:tools` is relative to drive C's current folder, `\tools` to the current drive.
    return (bool(drive) and rest.startswith(("\\", "/"))) or drive.startswith("\\\\")


def _candidates(name: str, environ: Mapping[str, str], windows: bool) -> list[str]:
    if not windows:
        return [name]
    if name.lower().endswith(_WINDOWS_PROGRAM_EXTENSIONS):
        return [name]
    extensions = environ.get("PATHEXT", ".COM;.EXE;.BAT;.CMD").split(";")
    return [name + ext.lower() for ext in extensions if ext.lower() in _WINDOWS_PROGRAM_EXTENSIONS]


def quote_word(word: str, shell: Shell) -> str | None:
    """`word` written so that `shell` passes it as one argument and expands nothing in it;
    None when that shell has no such form (cmd and a `%` or `"`)."""
    if word and _BARE.fullmatch(word.replace("\\", "/") if shell != "posix" else word):
        return word
    if shell == "posix":
        return shlex.quote(word)
    if shell == "powershell":
        if '"' in word:  # Windows PowerShell 5.1 drops inner " when it starts a native program
            return None
        quoted = "".join(c * 2 if c in _POWERSHELL_SINGLE_QUOTES else c for c in word)
        return f"'{quoted}'"
    if _CMD_UNQUOTABLE.search(word):
        return None
    return _double_quoted(word)


def quote_word_for_windows(word: str) -> str | None:
    """One form of `word` that PowerShell and cmd.exe both read as that one argument, for a
    command printed on Windows where the user may paste it into either; None when none exists."""
    if word and _BARE.fullmatch(word.replace("\\", "/")):
        return word
    if _CMD_UNQUOTABLE.search(word) or _POWERSHELL_IN_DOUBLE_QUOTES.search(word):
        return None
    return _double_quoted(word)


def _double_quoted(word: str) -> str:
    trailing = len(word) - len(word.rstrip("\\"))
    return f'"{word}{chr(92) * trailing}"'


def command_line(words: Sequence[str], os_name: str) -> str | None:
    """The command to print for the user to paste: POSIX quoting, or on Windows a form both
    PowerShell and cmd.exe read alike; None when some word cannot be written safely there."""
    if os_name != "nt":
        return shlex.join(words)
    quoted = [quote_word_for_windows(word) for word in words]
    if any(word is None for word in quoted):
        return None
    return " ".join(word for word in quoted if word is not None)


def batch_file_safe(arguments: Sequence[str]) -> bool:
    """Whether arguments can be given to a batch file (npm's `claude.cmd`) as they are. Windows
    runs one through cmd.exe, which reads the command line again and acts on `&`, `|`, `%`, `^`
    and the like even where the program that started it quoted them (the "BatBadBut" flaw,
    CVE-2024-24576): only words of characters no shell treats specially are passed."""
    return all(word and _BARE.fullmatch(word.replace("\\", "/")) for word in arguments)
