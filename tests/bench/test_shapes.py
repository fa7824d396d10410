"""bench/shapes.py makes the shapes it claims: clean sessions whose replay has the expected form.

The shapes benchmark trusts these files (a keystroke's cost means nothing on a file that does not
replay as the shape says), so the replay of each is checked here on a small size.
"""

from __future__ import annotations

from pathlib import Path

from session_lsp.core.analysis import analyse_bytes
from tests.bench.support import bench_module

shapes = bench_module("shapes")


def test_a_tool_run_is_one_prompt_then_each_call_answered(tmp_path: Path) -> None:
    path = tmp_path / "run.jsonl"
    assert shapes.tool_run(path, 300) == 602
    analysis = analyse_bytes(path.read_bytes())
    assert analysis.findings == []
    roles = [message.role for message in analysis.conversation.messages]
    assert roles == ["user"] + ["assistant", "user"] * 300 + ["assistant"]


def test_consecutive_users_merge_into_one_message(tmp_path: Path) -> None:
    path = tmp_path / "users.jsonl"
    assert shapes.consecutive_users(path, 500) == 502
    analysis = analyse_bytes(path.read_bytes())
    assert analysis.findings == []
    assert [len(message.parts) for message in analysis.conversation.messages] == [501, 1]


def test_the_repeated_real_session_chains_every_copy_with_unicode(tmp_path: Path) -> None:
    once = analyse_bytes(shapes.real_session_path().read_bytes()).conversation
    path = tmp_path / "repeated.jsonl"
    lines = shapes.repeated_real_session(path, 3 * shapes.real_session_path().stat().st_size)
    data = path.read_bytes()
    analysis = analyse_bytes(data)
    assert analysis.findings == []
    source_lines = sum(1 for line in shapes.real_session_path().read_bytes().splitlines() if line)
    copies = lines // source_lines
    assert copies >= 3 and lines == copies * source_lines
    assert len(analysis.conversation.chain) == copies * len(once.chain)
    assert "解析器".encode() in data and "🚀".encode() in data
