"""Running the CLI as a user does: a separate process, no colours."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "interrupted-parallel-tools.jsonl"
NO_COLOR: Mapping[str, str] = MappingProxyType({"NO_COLOR": "1"})


def run_cli(*arguments: str, env: Mapping[str, str] = NO_COLOR) -> subprocess.CompletedProcess[str]:
    """`session-lsp ARGUMENTS` with `env` added to this process's environment (by default, one
    that turns colours off)."""
    return subprocess.run(
        [sys.executable, "-m", "session_lsp", *arguments],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO,
        env={**os.environ, **env},
    )
