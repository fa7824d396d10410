"""A zygote forked from the test process, as `session-lsp serve` forks one, and made this
process's for whatever starts workers while the test runs."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from session_lsp import zygote as zygote_module
from session_lsp.zygote import Zygote


@pytest.fixture
def zygote(monkeypatch: pytest.MonkeyPatch) -> Iterator[Zygote]:
    if not sys.platform.startswith("linux"):
        pytest.skip("the server forks a zygote on Linux only")
    forked = Zygote.fork()
    assert forked is not None
    monkeypatch.setattr(zygote_module, "_RUNNING", [forked])
    yield forked
    forked.close()


def ended(pid: int, *, within: float = 10.0, waited_for: bool = True) -> bool:
    """Whether process `pid` ends within `within` seconds. `waited_for`: and is waited for by
    its parent (a zombie is no end); else a zombie counts, as one left for init to wait for."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):  # gone, or reaped while being read
            return True
        if state == "Z" and not waited_for:
            return True
        time.sleep(0.01)
    return False
