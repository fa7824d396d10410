"""What `session-lsp serve` does before it answers its first message."""

from __future__ import annotations

import gc

import pytest

from session_lsp.lsp import main
from session_lsp.lsp.server import SessionServer
from tests.support.garbage import cyclic_garbage


def test_serving_first_freezes_what_the_server_holds_from_its_start_garbage_collected_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Its modules, classes and converters are kept to the end: out of the collector's sight,
    no full collection walks them again; garbage of the start-up is collected, not kept."""

    alive = cyclic_garbage()
    frozen_before = gc.get_freeze_count()
    started: list[int] = []
    monkeypatch.setattr(SessionServer, "start_io", lambda server: started.append(1))
    gc.disable()
    try:
        main.serve()
        assert started == [1]
        assert gc.get_freeze_count() > frozen_before
        assert alive() is None
    finally:
        gc.enable()
        gc.unfreeze()
