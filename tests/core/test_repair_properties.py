"""Repairs on arbitrarily damaged real sessions never raise, and what they write checks clean."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from session_lsp.core.analysis import analyse_bytes
from session_lsp.core.edits import apply_edits, join_lines
from session_lsp.core.repairs import PAIRING_CODES, Strategy, remaining_pairing_errors, repair_all
from tests.core.test_properties import mutated_sessions

EXAMPLES = int(os.environ.get("SESSION_LSP_FUZZ_EXAMPLES", "150"))


@settings(max_examples=EXAMPLES, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_sessions(), st.sampled_from(list(Strategy)))
def test_repairs_of_mutated_sessions_are_valid_or_refused(data: bytes, strategy: Strategy) -> None:
    before = analyse_bytes(data)
    repair = repair_all(before, strategy)
    leftover = remaining_pairing_errors(before, repair)
    repaired = join_lines(apply_edits(before.lines, repair.edits))
    after = analyse_bytes(repaired)
    pairing_after = [f for f in after.findings if f.code in PAIRING_CODES and f.is_error]
    assert [(f.code, f.span) for f in pairing_after] == [(f.code, f.span) for f in leftover]
    if not leftover:
        again = repair_all(after, strategy)
        assert join_lines(apply_edits(after.lines, again.edits)) == repaired, (
            "a second run changes nothing"
        )
