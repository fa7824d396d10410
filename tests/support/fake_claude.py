"""A fake `claude` for the resume tests: it records its arguments, its process id (the same as
session-lsp's when it was exec'd), its directory, and whether the session it was asked to resume
was clean at the moment it started."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

FAKE_CLAUDE = f"""#!{sys.executable}
import json, os, sys
from pathlib import Path
from session_lsp.cli.resume import CHOICE_HELP, explain
from session_lsp.core.analysis import analyse_bytes
from session_lsp.sessions.metadata import read_metadata
root = Path(os.environ["CLAUDE_CONFIG_DIR"]) / "projects"
session_id = sys.argv[sys.argv.index("--resume") + 1]
files = list(root.glob(f"*/{{session_id}}.jsonl"))
clean = len(files) == 1 and analyse_bytes(files[0].read_bytes()).error_count == 0
record = {{"argv": sys.argv[1:], "pid": os.getpid(), "cwd": os.getcwd(), "clean": clean,
          "tty": sys.stdin.isatty()}}
with open(os.environ["FAKE_CLAUDE_LOG"], "a") as log:
    log.write(json.dumps(record) + "\\n")
"""


class Claude:
    def __init__(self, base: Path) -> None:
        self.bin = base / "bin"
        self.bin.mkdir()
        executable = self.bin / "claude"
        executable.write_text(FAKE_CLAUDE)
        executable.chmod(0o755)
        self.log = base / "claude.log"

    @property
    def path(self) -> str:
        return f"{self.bin}{os.pathsep}{os.environ.get('PATH', '')}"

    def calls(self) -> list[dict[str, object]]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines()]
