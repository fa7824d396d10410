"""Session names on the command line: what `check`, `fix`, `restore` and `show` accept as PATH.

A PATH argument may also be a session id, a unique id prefix (8+ characters) or `--last`;
`check` with no PATH at all means the current directory's sessions, Claude Code's and Codex's. Existing paths always win
over names, so a file that happens to look like an id prefix is still that file.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from session_lsp.files import exists
from session_lsp.sessions import resolve_session
from session_lsp.sessions.naming import looks_like_session_id, this_directory_sessions


def add_last_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--last",
        action="store_true",
        help="the session `claude --continue` would resume in the current directory",
    )


def expand_names(arguments: list[str], *, last: bool, default_to_project: bool) -> list[str]:
    """PATH arguments with every session name replaced by its file; raises SessionNameError.

    `default_to_project`: no argument at all means the current directory's project folder and
    the Codex rollouts started there."""
    expanded: list[str] = []
    for argument in arguments:
        if not exists(Path(argument)) and looks_like_session_id(argument):
            expanded.append(str(resolve_session(argument)))
        else:
            expanded.append(argument)
    if last:
        expanded.append(str(resolve_session(last=True)))
    if not arguments and not last and default_to_project:
        expanded += [str(path) for path in this_directory_sessions()]
    return expanded
