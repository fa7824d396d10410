"""Reading the files of a listing: a file whose analysis fails is unreadable, the others listed."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from session_lsp import parallel
from session_lsp.core.analysis import analyse_bytes
from session_lsp.sessions import Health, inspection, list_sessions
from session_lsp.sessions.cache import SessionCache
from tests.sessions.tree import CLEAN, DAMAGED, LIVE, build_tree


@pytest.mark.parametrize("workers", [1, 2])
def test_a_session_whose_analysis_raises_is_listed_unreadable_and_the_others_as_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    tree = build_tree(tmp_path)
    os.utime(tree.session(LIVE))  # stays live however long the pool takes to start
    before = {s.session_id: s.health for s in list_sessions(tree.root, cache=SessionCache(None))}
    failing = tree.session(DAMAGED).read_bytes()

    def analysis_failing_on_one_file(data: Any, **options: Any) -> Any:
        if bytes(data) == failing:
            raise ValueError("a bug in the analysis")
        return analyse_bytes(data, **options)

    monkeypatch.setattr(inspection, "analyse_bytes", analysis_failing_on_one_file)
    monkeypatch.setattr(inspection, "worker_count", lambda: workers)
    monkeypatch.setattr(parallel, "PARALLEL_FROM_BYTES", 0)
    after = {s.session_id: s.health for s in list_sessions(tree.root, cache=SessionCache(None))}
    assert after == before | {DAMAGED: Health.UNREADABLE}
    assert after[CLEAN] is Health.OK
