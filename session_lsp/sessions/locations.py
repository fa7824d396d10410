"""Where Claude Code keeps sessions, and which project folder a working directory maps to.

Claude Code names a project folder after the directory it was started in (`sanitizePath` in its
`src/utils/sessionStoragePortable.ts`): every character outside [A-Za-z0-9] becomes `-`; a name
longer than 200 characters is cut to 200 and gets `-<hash>` appended. The hash differs between
builds: under Node.js (npm package, Agent SDK) it is `abs(djb2(cwd))` in base 36, the djb2
variant of its `src/utils/hash.ts` (start 0, `h*31 + code unit`, 32-bit signed); the native
build runs under Bun and uses `Bun.hash` (64-bit wyhash) instead. Claude Code itself tolerates
the mismatch (`findProjectDir`) by taking the folder that starts with the cut name plus `-`, and
so does `project_folder` here; `project_folder_name` computes the Node.js form.

On Windows the same rule names folders after Windows paths (checked in Claude Code 2.1.88's
`sanitizePath`, `getClaudeConfigHomeDir` and `bootstrap/state.ts`): the working directory is
Node's `realpathSync(process.cwd())`, so `C:\\Users\\me\\proj` becomes `C--Users-me-proj` (colon
and backslashes each a `-`), a UNC share `\\\\server\\share\\proj` becomes `--server-share-proj`, and
a long-path `\\\\?\\` prefix, which `process.cwd()` does not report, is kept if present (four more
`-`). Nothing strips or folds the drive letter's case; Windows compares folder names ignoring case,
so only names over 200 characters (whose hash is of the exact text) depend on it.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Callable, Mapping
from pathlib import Path, PurePath, PurePosixPath, PureWindowsPath

from session_lsp.files import is_folder_entry

MAX_FOLDER_NAME = 200
_OUTSIDE_ALNUM = re.compile(r"[^A-Za-z0-9]")


def claude_config_folder() -> Path:
    """`$CLAUDE_CONFIG_DIR` when that variable is set, else `~/.claude`
    (`%USERPROFILE%\\.claude` on Windows)."""
    return Path(claude_config_folder_for(os.environ, os.name, Path.home))


def projects_root() -> Path:
    """`$CLAUDE_CONFIG_DIR/projects` when that variable is set, else `~/.claude/projects`."""
    return claude_config_folder() / "projects"


def codex_home() -> Path:
    """`$CODEX_HOME` when that variable is set, else `~/.codex`: where Codex CLI keeps its state."""
    configured = os.environ.get("CODEX_HOME")
    return Path(configured).expanduser() if configured else Path.home() / ".codex"


def codex_sessions_root() -> Path:
    """`$CODEX_HOME/sessions`: the rollouts `codex resume` lists and finds by id (archived ones
    move to `archived_sessions/`, which neither its picker nor `codex resume <id>` looks in)."""
    return codex_home() / "sessions"


def claude_config_folder_for(
    environ: Mapping[str, str], os_name: str, home: Callable[[], PurePath]
) -> PurePath:
    """`claude_config_folder` for a system named like `os.name`: Claude Code takes Node's
    `homedir()`, which on Windows is `%USERPROFILE%` (whatever `HOME` says, as Git Bash sets it),
    and normalises the folder to NFC. `home` is asked only when the environment does not say."""
    flavour: type[PurePath] = PureWindowsPath if os_name == "nt" else PurePosixPath
    configured = environ.get("CLAUDE_CONFIG_DIR")
    if configured:
        base = flavour(os.path.expanduser(configured) if os_name == os.name else configured)
    else:
        profile = environ.get("USERPROFILE" if os_name == "nt" else "HOME")
        base = flavour(profile if profile else home()) / ".claude"
    return flavour(unicodedata.normalize("NFC", str(base)))


def projects_root_for(
    environ: Mapping[str, str], os_name: str, home: Callable[[], PurePath]
) -> PurePath:
    return claude_config_folder_for(environ, os_name, home) / "projects"


def cache_folder() -> Path:
    """`$XDG_CACHE_HOME/session-lsp`, else `~/.cache/session-lsp`. A relative `XDG_CACHE_HOME`
    is ignored, as the XDG spec says: it would put the cache, every title in it, in whatever
    folder the command runs in."""
    configured = os.environ.get("XDG_CACHE_HOME")
    base = Path(configured) if configured and os.path.isabs(configured) else Path.home() / ".cache"
    return base / "session-lsp"


def _djb2(text: str) -> int:
    """Claude Code's djb2 over UTF-16 code units, as a signed 32-bit integer like JavaScript's."""
    value = 0
    encoded = text.encode("utf-16-le", "surrogatepass")
    for index in range(0, len(encoded), 2):
        unit = encoded[index] | encoded[index + 1] << 8
        value = (value * 31 + unit) & 0xFFFFFFFF
    return value - (1 << 32) if value >= 1 << 31 else value


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    text = ""
    while True:
        number, digit = divmod(number, 36)
        text = digits[digit] + text
        if number == 0:
            return text


def project_folder_name(cwd: str) -> str:
    """The folder name Claude Code (Node.js build) gives the sessions started in `cwd`."""
    # JavaScript's regex works on UTF-16 code units: a character outside the BMP is two of them,
    # so it becomes two hyphens, and the 200 limit counts code units.
    sanitized = _OUTSIDE_ALNUM.sub(lambda found: "-" * (1 if ord(found[0]) < 0x10000 else 2), cwd)
    if len(sanitized) <= MAX_FOLDER_NAME:
        return sanitized
    return f"{sanitized[:MAX_FOLDER_NAME]}-{_base36(abs(_djb2(cwd)))}"


def canonical_cwd(cwd: Path | None = None) -> str:
    """The working directory as Claude Code records it: real path, NFC-normalised."""
    path = os.path.realpath(cwd if cwd is not None else os.getcwd())
    return unicodedata.normalize("NFC", path)


def project_folder(cwd: Path | None = None, root: Path | None = None) -> Path | None:
    """The existing project folder of `cwd` under `root`, or None when it has no sessions yet.

    For a long cwd the hash may come from either build, so any folder named by the cut name plus
    `-` is taken, as Claude Code does."""
    root = root if root is not None else projects_root()
    name = project_folder_name(canonical_cwd(cwd))
    exact = root / name
    if exact.is_dir():
        return exact
    if len(name) <= MAX_FOLDER_NAME:
        return None
    prefix = name[:MAX_FOLDER_NAME] + "-"
    try:
        candidates = sorted(entry.name for entry in os.scandir(root) if is_folder_entry(entry))
    except OSError:
        return None
    found = first_with_prefix(candidates, prefix)
    return None if found is None else root / found


def first_with_prefix(
    names: list[str], prefix: str, normcase: Callable[[str], str] = os.path.normcase
) -> str | None:
    """The first name that starts with `prefix`, compared as this system compares file names
    (`ntpath.normcase` folds case: on Windows `C--Users-...` and `c--users-...` are one folder)."""
    folded = normcase(prefix)
    return next((name for name in names if normcase(name).startswith(folded)), None)


def names_project_folder(
    directory: str, folder_name: str, normcase: Callable[[str], str] = os.path.normcase
) -> bool:
    """Claude Code started in `directory` keeps its sessions in the project folder `folder_name`:
    the name `project_folder_name` gives, or for a long directory its cut name plus either build's
    hash (as `project_folder` accepts); compared as this system compares file names."""
    name = normcase(project_folder_name(unicodedata.normalize("NFC", directory)))
    folder_name = normcase(folder_name)
    if folder_name == name:
        return True
    return len(name) > MAX_FOLDER_NAME and folder_name.startswith(name[:MAX_FOLDER_NAME] + "-")
