"""A zygote forked from the test process, as `session-lsp serve` forks one, and made this
process's for whatever starts workers while the test runs."""

from __future__ import annotations

import sys
from collections.abc import Iterator

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
