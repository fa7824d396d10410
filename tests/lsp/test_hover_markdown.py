"""No transcript string can leave its container in a hover, whatever it holds.

The hover's Markdown is parsed with a real CommonMark parser (markdown-it-py): transcript text
must come back only as code (spans and fenced blocks), byte for byte, and the structure around
it must be exactly the one the same hover has with harmless text.
"""

from __future__ import annotations

import re
from datetime import UTC
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from session_lsp.lsp.hover import INLINE_CHARS, ToolCallView, render

PARSER = MarkdownIt("commonmark")
CONTROLS = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\x85]")
"""Flattened to spaces in a code span, then each run of white space becomes one space."""
LIVE = {"link_open", "image", "html_inline", "html_block", "autolink"}
META = [*"`~<>[]()!*_#-+=|\\&:;/\"' \n\r\t\x00", "```", "\n\n", "\r\n", "](", "<img", "]: "]

hostile_text = st.lists(st.sampled_from(META) | st.text(max_size=5), max_size=40).map("".join)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | hostile_text,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(hostile_text, children, max_size=4)
    ),
    max_leaves=12,
)
moments = st.none() | st.datetimes(timezones=st.none() | st.just(UTC))
views = st.builds(
    ToolCallView,
    name=hostile_text,
    tool_use_id=hostile_text,
    status=st.sampled_from(["answered", "unpaired: no result in the next message"]),
    input=st.none() | json_values,
    result=st.none() | hostile_text,
    called=moments,
    answered=moments,
    is_result=st.booleans(),
    other_lines=st.lists(st.integers(min_value=0, max_value=10**6), max_size=3).map(tuple),
)


def _tokens(markdown: str) -> list[Any]:
    found = []
    for token in PARSER.parse(markdown):
        found.append(token)
        found.extend(token.children or ())
    return found


def _structure(markdown: str) -> list[tuple[str, str]]:
    """Everything a renderer would interpret, with code contents left out."""
    return [
        (token.type, "" if token.type in ("code_inline", "fence") else token.content)
        for token in _tokens(markdown)
        if token.type != "inline"
    ]


def _normalized(text: str) -> str:
    """What CommonMark reads: \\r\\n and \\r are line endings, NUL is U+FFFD."""
    return re.sub(r"\r\n?", "\n", text).replace("\x00", "\ufffd")


def _harmless(view: ToolCallView) -> ToolCallView:
    return ToolCallView(
        name="x",
        tool_use_id="x",
        status=view.status,
        input=None if view.input is None else "x",
        result=None if view.result is None else "x",
        called=view.called,
        answered=view.answered,
        is_result=view.is_result,
        other_lines=view.other_lines,
    )


@settings(max_examples=200)
@given(views)
def test_transcript_text_renders_only_as_code(view: ToolCallView) -> None:
    markdown = render(view)
    tokens = _tokens(markdown)
    assert not {token.type for token in tokens} & LIVE, markdown
    assert _structure(markdown) == _structure(render(_harmless(view))), markdown
    spans = [token.content for token in tokens if token.type == "code_inline"]
    for content, original in zip(spans, (view.name, view.tool_use_id), strict=True):
        flat = " ".join(CONTROLS.sub(" ", original).split())
        if len(flat) > INLINE_CHARS:
            flat = flat[: INLINE_CHARS - 1] + "…"
        # CommonMark strips the padding spaces unless the span holds nothing but spaces.
        assert content == (f" {flat} " if not flat.strip(" ") else flat)
    fences = [token.content for token in tokens if token.type == "fence"]
    assert len(fences) == (view.input is not None) + (view.result is not None)
    if view.result is not None:
        shown = fences[-1][:-1]
        assert _normalized(view.result).startswith(shown.split("\n… (")[0]), markdown


def test_a_tool_name_with_blank_lines_stays_in_its_code_span() -> None:
    """The reported injection: blank lines ended the span and the rest rendered live."""
    name = (
        "Bash\n\n[x](command:workbench.action.terminal.new) <img src=x onerror=alert(1)>\n\n"
        "![](https://example.invalid/p.png)"
    )
    markdown = render(ToolCallView(name=name, tool_use_id="toolu_01\n\n<b>", status="answered"))
    types = {token.type for token in _tokens(markdown)}
    assert not types & LIVE and "code_inline" in types, markdown
