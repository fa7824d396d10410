"""The VS Code extension's own suites, run from the one test command.

`npm test` runs the unit tests (stubbed `vscode`); `npm run test:e2e` packages the .vsix and drives
a real VS Code (code-server + Chromium). `.ci/run` installs both through
client-vscode/scripts/ci-setup.sh; locally they skip, saying so, until that has been run.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from tests.support.tools import missing, require_tool

CLIENT = Path(__file__).resolve().parents[2] / "client-vscode"


def _npm(script: str, timeout: int) -> subprocess.CompletedProcess[str]:
    npm = require_tool("npm")
    return subprocess.run(
        [npm, "--prefix", str(CLIENT), "run", script],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env={**os.environ, "FORCE_COLOR": "0"},
    )


def _counts(output: str) -> dict[str, int]:
    """node --test's closing counts, whichever reporter printed them: TAP (`# fail 0`, Node 20's
    default when not on a terminal) or spec (the information sign, U+2139, then `fail 0`: the default from Node 23 on)."""
    found = re.findall(r"^(?:# |\u2139 )(tests|pass|fail|skipped) (\d+)$", output, re.MULTILINE)
    return {name: int(count) for name, count in found}


def test_extension_unit_tests() -> None:
    if not (CLIENT / "node_modules").is_dir():
        missing("client-vscode/node_modules is missing: run client-vscode/scripts/ci-setup.sh")
    result = _npm("test", timeout=600)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    counts = _counts(result.stdout)
    assert counts.get("fail") == 0 and counts.get("pass", 0) > 0, result.stdout[-4000:]


def test_extension_end_to_end_in_code_server() -> None:
    installed = CLIENT / "e2e-env" / "code-server" / "node_modules"
    if not installed.exists():
        missing("code-server is not installed: run client-vscode/scripts/ci-setup.sh")
    result = _npm("test:e2e", timeout=1800)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-4000:]
    counts = _counts(result.stdout)
    assert counts.get("fail") == 0 and counts.get("skipped") == 0, result.stdout[-6000:]
    assert counts.get("pass", 0) > 0, result.stdout[-6000:]
