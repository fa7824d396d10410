"""The Markdown transcript is inert: checked with a real CommonMark parser, linkify on and off."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from markdown_it.token import Token

from session_lsp.core.analysis import analyse_bytes
from session_lsp.core.markdown import (
    MAX_AGENT_DEPTH,
    expanded_agents,
    fenced,
    inline,
    render_markdown,
    task_list,
)
from session_lsp.core.markdown_prose import prose
from session_lsp.core.plans import Todo
from session_lsp.core.turns import ConversationModel, build_model
from session_lsp.core.turns.agents import agent_model
from tests.support import hostile
from tests.support.claude_records import Builder, three_writes
from tests.support.corpus import (
    CODEMIE_ROLLOUT,
    CODEMIE_TURN_1,
    COMPACTED_2_0,
    CORPUS,
    ROLLOUTS,
    SESSIONS,
    WORKTREES,
)

PARSERS = {
    "commonmark": MarkdownIt("commonmark"),
    "gfm-like": MarkdownIt("gfm-like"),  # tables, strikethrough and bare-URL linkify
}
ACTIVE = {"link_open", "image", "html_block", "html_inline"}
DEEP_MANIFEST = (
    CORPUS
    / "claude-code/daaain-claude-code-log/-src-deep-manifest/a7da6a22-facc-4fcd-8bab-f83c87862004.jsonl"
)


def tokens(parser: MarkdownIt, markdown: str) -> Iterator[Token]:
    for token in parser.parse(markdown):
        yield token
        yield from token.children or ()


def assert_inert(markdown: str) -> None:
    for name, parser in PARSERS.items():
        active = [token for token in tokens(parser, markdown) if token.type in ACTIVE]
        assert not active, f"{name}: {active[:3]}"
        html = parser.render(markdown)
        tag = re.search(r"<(a|img|script|div|b|link|iframe|style)\b", html)
        assert tag is None, f"{name} rendered {tag.group(0) if tag else ''}"


def hostile_markdown(tmp_path: Path) -> str:
    path = hostile.write_hostile(tmp_path / "hostile.jsonl")
    return render_markdown(build_model(analyse_bytes(path.read_bytes()), path), path=str(path))


def test_a_hostile_transcript_renders_no_link_html_or_image(tmp_path: Path) -> None:
    assert_inert(hostile_markdown(tmp_path))


def test_hostile_text_survives_verbatim_inside_code_fences(tmp_path: Path) -> None:
    markdown = hostile_markdown(tmp_path)
    fences = [t.content for t in PARSERS["commonmark"].parse(markdown) if t.type == "fence"]
    assert hostile.OUTPUT + "\n" in fences  # the tool result
    assert hostile.PROMPT + "\n" in fences
    assert "```\nclosing fences\n" in fences, "the reply's own fence is fenced again, whole"


def test_the_assistants_hostile_markdown_shows_as_its_text() -> None:
    for parser in PARSERS.values():
        shown = "".join(
            token.content
            for token in tokens(parser, prose(hostile.OUTPUT))
            if token.type in ("text", "code_inline", "fence", "softbreak", "text_special")
        )
        for payload in hostile.PAYLOADS[:-2]:
            assert payload in shown, (payload, shown)
        assert "closing fences" in shown and "after blank lines" in shown


def test_the_assistants_markdown_renders_as_markdown() -> None:
    reply = "# Done\n\n- **fixed** the `parse()` call\n- see README.md\n\n```py\nx = [1](2)\n```\n"
    parsed = list(tokens(PARSERS["gfm-like"], prose(reply)))
    kinds = [token.type for token in parsed]
    assert "bullet_list_open" in kinds and "strong_open" in kinds and "code_inline" in kinds
    heading = next(token for token in parsed if token.type == "heading_open")
    assert heading.tag == "h3", "a reply's headings sit below the transcript's own"
    fence = next(token for token in parsed if token.type == "fence")
    assert (fence.info, fence.content) == ("py", "x = [1](2)\n")
    assert_inert(prose(reply))


def test_a_plan_is_a_task_list_of_inert_entries() -> None:
    todos = [Todo("Ship [it](javascript:x)", "completed"), Todo("<b>next</b>", "in_progress")]
    rendered = PARSERS["gfm-like"].render(task_list(todos))
    assert rendered.count("<li>") == 2
    assert "[x] <code>Ship [it](javascript:x)</code>" in rendered
    assert "[ ] <code>&lt;b&gt;next&lt;/b&gt;</code> <em>(in progress)</em>" in rendered
    assert_inert(task_list(todos))


def test_an_edit_is_a_diff_fence_and_the_plan_heads_the_transcript() -> None:
    path = DEEP_MANIFEST
    markdown = render_markdown(build_model(analyse_bytes(path.read_bytes()), path))
    fences = [t for t in PARSERS["commonmark"].parse(markdown) if t.type == "fence"]
    diffs = [fence.content for fence in fences if fence.info == "diff"]
    assert any("-main.py.oldscratch\n+main.py.old\n+scratch/\n" in diff for diff in diffs)
    head = markdown.split("\n## 1.", 1)[0]
    assert "**Plan** (item 183):" in head and "- [x] ` Run tests and verify coverage `" in head
    assert "tokens in (" in head


def test_the_header_gives_the_last_requests_context_for_either_format() -> None:
    for path, used in (
        (DEEP_MANIFEST, "8,682,623 tokens in (8,505,166 cached), at least 31,430 out"),
        (CODEMIE_ROLLOUT, "6,055,836 tokens in (4,929,536 cached), 9,118 out"),
    ):
        model = build_model(analyse_bytes(path.read_bytes()), path)
        head = render_markdown(model).split("\n## 1.", 1)[0]
        assert f"{used}, last context {model.context_tokens:,}" in head
        assert model.context_tokens


def test_a_tool_name_with_blank_lines_stays_in_its_heading(tmp_path: Path) -> None:
    parsed = PARSERS["commonmark"].parse(hostile_markdown(tmp_path))
    headings = [
        "".join(child.content for child in parsed[index + 1].children or ())
        for index, token in enumerate(parsed)
        if token.type == "heading_open" and token.tag == "h2"
    ]
    assert len(headings) == 4
    flat_name = " ".join(hostile.TOOL_NAME.split())
    assert sum(flat_name in heading for heading in headings) == 2
    assert not any(t.type == "heading_open" and t.tag == "h1" for t in parsed[3:])


def test_the_broken_call_is_marked_with_its_finding(tmp_path: Path) -> None:
    markdown = hostile_markdown(tmp_path)
    section = markdown.split("` toolu_01DANGLING `", 1)[1]
    assert "NO RESULT (unpaired)" in section.splitlines()[0]
    assert "**ERROR** unpaired-tool-use at line 5:" in section
    assert "**First problem: item 4.**" in markdown


def test_the_header_counts_one_error_in_the_singular() -> None:
    model = build_model(analyse_bytes(CODEMIE_TURN_1.read_bytes()), CODEMIE_TURN_1)
    assert model.errors == 1
    head = render_markdown(model).split("\n## 1.", 1)[0]
    assert f"{len(model.items)} items · 1 error, {model.warnings} warnings" in head


def test_the_real_dangling_session_names_its_broken_call() -> None:
    model = build_model(analyse_bytes(CODEMIE_TURN_1.read_bytes()), CODEMIE_TURN_1)
    markdown = render_markdown(model)
    heading = next(line for line in markdown.splitlines() if "01NNGBKLENmr7j3TfUKZW7rz" in line)
    assert heading.startswith(
        "## 17. Tool ` Bash ` ` toolu_bdrk_01NNGBKLENmr7j3TfUKZW7rz `: NO RESULT"
    )


@pytest.mark.parametrize("path", SESSIONS + ROLLOUTS, ids=lambda path: path.name)
def test_every_corpus_transcript_renders_inert(path: Path) -> None:
    model = build_model(analyse_bytes(path.read_bytes()), path)
    assert_inert(render_markdown(model, path=str(path)))


@pytest.mark.parametrize(
    "text", ["plain", "a ``` run", "````", "`", "ends with backticks ``````", "\n\n\n"]
)
def test_a_fence_is_longer_than_any_backtick_run_inside(text: str) -> None:
    (token,) = PARSERS["commonmark"].parse(fenced(text))
    assert token.type == "fence" and token.content == text + ("" if text.endswith("\n") else "\n")


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("a\n\n<b>[x](command:y)</b>\x1b[31m", "a &lt;b&gt;[x](command:y)&lt;/b&gt; [31m"),
        ("``x` README.md https://e.com", "``x` README.md https://e.com"),
        ("`", "`"),
    ],
)
def test_inline_text_is_one_line_in_a_code_span(text: str, shown: str) -> None:
    for parser in PARSERS.values():
        assert parser.renderInline(inline(text)) == f"<code>{shown}</code>"


MARKUP = st.lists(
    st.sampled_from(
        [
            *"`~<>[]()!:*_#&\\|-. \n\r\tax/\x00=@",
            "javascript:",
            "command:",
            # Domains linkify-it links in other scripts, and the dots hostnames read as dots.
            *("пример", "РФ", "рф", "中国", "xn--p1ai", "ü", "\u3002", "\uff0e", "\uff61"),
            # Block quotes and list items around code, fenced and indented.
            *("> ", "- ", "1. ", "   ", "    ", "```", "~~~"),
        ]
    ),
    max_size=40,
).map("".join)


@settings(max_examples=300)
@given(MARKUP)
def test_any_text_in_a_fence_is_one_fence_holding_exactly_that_text(text: str) -> None:
    for parser in PARSERS.values():
        parsed = parser.parse(fenced(text))
        assert [token.type for token in parsed] == ["fence"]
        # CommonMark normalises line endings and replaces NUL with U+FFFD.
        expected = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "\ufffd")
        assert parsed[0].content == expected + ("" if expected.endswith("\n") else "\n")


@settings(max_examples=500)
@given(MARKUP)
@example("[a](x)")
@example("[a]\n\n[a]: x")
@example("![a](x)")
@example("<a href=x>")
@example("<x:y>")
@example("see a.ax or x@a.ax")
@example("www.a.ax http://a //localhost")
@example("``a`` [b](c) `d")
@example("| a | `b|[c](d)` |\n|---|---|\n| e | f |")
@example("пример.рф ПРИМЕР.РФ x.рф/path a@пример.рф")
@example("- a\n  ```\n  [b](c) <d>\n  ```\n> ```\n> [b](c)\n> ```\n>1. ```\n>   [b](c)")
@example("- a\n\n      [b](c) <d>\n-\n  ```\n  [b](c)")
@example("``a [x](y) ``javascript:x")
def test_any_reply_is_inert_markdown(text: str) -> None:
    assert_inert(prose(text))


@pytest.mark.parametrize(
    "domain",
    ["пример.рф", "ПРИМЕР.РФ", "x.рф/path", "xn--e1afmkfd.xn--p1ai", "münchen.de", "a@пример.рф"],
)
def test_a_domain_in_any_script_is_code_not_a_link(domain: str) -> None:
    """linkify-it (markdown-it's, VS Code's) links these bare; in a code span they are text."""
    assert any(t.type == "link_open" for t in tokens(PARSERS["gfm-like"], domain))
    for text in (domain, f"see ({domain}), then"):
        assert_inert(prose(text))
        assert f"<code>{domain}</code>" in PARSERS["gfm-like"].render(prose(text))


@pytest.mark.parametrize("dot", ["\u3002", "\uff0e", "\uff61"])
def test_a_domain_with_a_wide_dot_is_code_too(dot: str) -> None:
    """Browsers and IDNA read these as dots; a renderer's linkify may too, so they are kept out."""
    for domain in (f"example{dot}com", f"例子{dot}中国", f"пример{dot}рф"):
        assert PARSERS["gfm-like"].render(prose(domain)) == f"<p><code>{domain}</code></p>\n"


def test_prose_that_only_looks_like_a_domain_stays_text() -> None:
    assert prose("e.g. i.e. 3.14 v1.2") == "e.g. i.e. 3.14 v1.2\n"


FASTHOOKS_REPLY = """3. Files:
   - **`number_generator.py`** (created in message 5)
     - Content:
     ```python
     numbers = [random.randint(1, 100) for _ in range(5)]
     ```
     - File size: 179 bytes
"""
SPOTTER_REPLY = """> Dependencies to add:
> ```elixir
> {:credo, "~> 1.7", only: [:dev, :test], runtime: false}
> ```
> **Steps:**
"""


@pytest.mark.parametrize(
    ("reply", "code", "container"),
    [
        (
            FASTHOOKS_REPLY,
            "numbers = [random.randint(1, 100) for _ in range(5)]\n",
            "list_item_open",
        ),
        (
            SPOTTER_REPLY,
            '{:credo, "~> 1.7", only: [:dev, :test], runtime: false}\n',
            "blockquote_open",
        ),
        ("- run\n  ```\n  ```` [x](y) <b>\n  ```\n- done", "```` [x](y) <b>\n", "list_item_open"),
        ("> 1. run\n>    ~~~sh\n>    a[0] <b>\n>    ~~~", "a[0] <b>\n", "blockquote_open"),
        ("- run:\n\n      x = a[0] <b>\n\n- done", "x = a[0] <b>\n", "list_item_open"),
        ("> run:\n>\n>     x = a[0] <b>", "x = a[0] <b>\n", "blockquote_open"),
    ],
)
def test_code_in_a_list_item_or_block_quote_stays_code_in_it(
    reply: str, code: str, container: str
) -> None:
    """As CommonMark reads it: verbatim, no backslash added, under the same quote or item."""
    for parser in PARSERS.values():
        parsed = parser.parse(prose(reply))
        (block,) = [t for t in parsed if t.type in ("fence", "code_block")]
        assert block.content == code
        opened = [t.type for t in parsed[: parsed.index(block)] if t.nesting == 1]
        assert container in opened
    assert_inert(prose(reply))


def test_indented_code_is_code_without_backslashes() -> None:
    for parser in PARSERS.values():
        html = parser.render(prose("Run:\n\n    x = a[0] <b>\n"))
        assert "x = a[0] &lt;b&gt;\n</code></pre>" in html and "\\" not in html


@pytest.mark.parametrize(
    ("reply", "tag"),
    [("Title\n===", "h3"), ("Title\nmore\n---", "h4"), ("> - Title\n>   ===", "h3")],
)
def test_an_underlined_heading_is_moved_down_as_a_hash_one(reply: str, tag: str) -> None:
    for parser in PARSERS.values():
        (heading,) = [t for t in parser.parse(prose(reply)) if t.type == "heading_open"]
        assert heading.tag == tag


def test_a_bar_in_inline_code_shows_bare_outside_a_table() -> None:
    for parser in PARSERS.values():
        assert parser.render(prose("Use `a | b`, or a|b.com")) == (
            "<p>Use <code>a | b</code>, or <code>a|b.com</code></p>\n"
        )
    table = PARSERS["gfm-like"].render(prose("| a | `b|c` |\n|---|---|\n| `d|e` | f |"))
    assert "<th><code>b|c</code></th>" in table and "<td><code>d|e</code></td>" in table


@settings(max_examples=300)
@given(MARKUP)
def test_any_text_inline_is_one_code_span(text: str) -> None:
    for parser in PARSERS.values():
        (paragraph_inline,) = [t for t in parser.parse(f"x {inline(text)} y") if t.type == "inline"]
        kinds = [child.type for child in paragraph_inline.children or ()]
        assert kinds == ["text", "code_inline", "text"], kinds


def _worktrees_model() -> ConversationModel:
    return build_model(analyse_bytes(WORKTREES.read_bytes()), WORKTREES)


def test_sub_agents_with_their_own_file_are_expanded_quoted_under_their_call() -> None:
    markdown = render_markdown(_worktrees_model(), path=str(WORKTREES), load_agent=agent_model)
    files = sorted((WORKTREES.parent / WORKTREES.stem / "subagents").glob("agent-*.jsonl"))
    assert len(files) == 6
    assert markdown.count("> **Sub-agent conversation**") == len(files)
    assert "> ## 1. User · line 1" in markdown
    assert_inert(markdown)


def test_without_a_loader_no_sub_agent_file_is_read() -> None:
    markdown = render_markdown(_worktrees_model(), path=str(WORKTREES))
    assert "Sub-agent conversation" not in markdown


def test_sub_agents_loaded_before_the_rendering_render_as_those_loaded_during_it() -> None:
    """What the server renders with the sub-agents it read in a worker thread (`expanded_agents`)
    is what a rendering that reads them itself gives, to the deepest level expanded."""
    model = _worktrees_model()
    loaded = expanded_agents(model, agent_model)
    assert len(loaded) == 6 and all(found is not None for found in loaded.values())
    by_itself = render_markdown(model, path=str(WORKTREES), load_agent=agent_model)
    assert render_markdown(model, path=str(WORKTREES), load_agent=loaded.get) == by_itself
    naming_itself = expanded_agents(model, lambda _path: model)
    assert render_markdown(model, load_agent=naming_itself.get) == render_markdown(
        model, load_agent=lambda _path: model
    )


def test_a_sub_agent_that_names_itself_is_expanded_only_so_deep() -> None:
    model = _worktrees_model()
    markdown = render_markdown(model, load_agent=lambda _path: model)
    deepest = "> " * MAX_AGENT_DEPTH + "**Sub-agent conversation**"
    assert f"\n{deepest}" in markdown
    assert "> " + deepest not in markdown


def test_an_emptied_plan_heads_the_transcript_as_emptied() -> None:
    session = Builder()
    session.prompt("u1", None, "done?")
    session.call("a1", "u1", "toolu_T", "TodoWrite", todos=[])
    session.result("r1", "a1", "toolu_T")
    head = render_markdown(build_model(analyse_bytes(session.data()))).split("\n## 1.", 1)[0]
    assert head.endswith("**Plan** (item 2):\n\n*(emptied: no steps)*\n")


def test_a_compaction_summary_is_the_models_markdown_rendered_inert() -> None:
    path = COMPACTED_2_0
    markdown = render_markdown(build_model(analyse_bytes(path.read_bytes()), path))
    section = markdown.split("\n## 1. Compaction", 1)[1].split("\n## 2.", 1)[0]
    assert "```" not in section and "\nAnalysis:\n" in section
    assert_inert(markdown)


def test_a_change_never_made_is_headed_as_such_in_the_markdown() -> None:
    model = build_model(analyse_bytes(three_writes().data()))
    heads = [line for line in render_markdown(model).splitlines() if line.startswith("Change")]
    assert heads == ["Change:", "Change (not applied):", "Change (not confirmed):"]
    assert [item.tool.applied for item in model.items if item.tool is not None] == [
        True,
        False,
        None,
    ]
