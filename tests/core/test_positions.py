"""Columns are Unicode code points, exact after emoji and CJK text."""

from __future__ import annotations

import json

from session_lsp.core.analysis import analyse_bytes


def test_tool_id_column_after_emoji_and_cjk_is_counted_in_code_points() -> None:
    prompt = {
        "parentUuid": None,
        "type": "user",
        "message": {"role": "user", "content": "修复 🙂"},
        "uuid": "u1",
        "timestamp": "2026-01-01T00:00:00.000Z",
    }
    call = {
        "parentUuid": "u1",
        "type": "assistant",
        "note": "日本語🙂🎉 text before the id",
        "message": {
            "id": "msg_1",
            "role": "assistant",
            "content": [{"type": "tool_use", "id": "toolu_01ABC", "name": "Bash", "input": {}}],
        },
        "uuid": "a1",
        "timestamp": "2026-01-01T00:00:01.000Z",
    }
    lines = [json.dumps(r, ensure_ascii=False, separators=(",", ":")) for r in (prompt, call)]
    (finding,) = analyse_bytes(("\n".join(lines) + "\n").encode()).findings
    expected = lines[1].index("toolu_01ABC")
    assert lines[1][:expected].count("🙂") == 1, "the prefix holds astral characters"
    assert (finding.span.line, finding.span.start, finding.span.end) == (1, expected, expected + 11)
