"""The documentation the code points at exists in the repository and names no local machine."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from session_lsp.core.findings import Code
from session_lsp.lsp.convert import DOCS_URL

REPO = Path(__file__).resolve().parents[1]
REPOSITORY_URL = "https://github.com/session-lsp/session-lsp/blob/main/"


def _headings(path: Path) -> set[str]:
    return {
        match.group(1).strip()
        for match in re.finditer(r"^#{1,6} (.+)$", path.read_text(encoding="utf-8"), re.MULTILINE)
    }


def test_the_diagnostics_link_points_at_a_page_of_the_repository() -> None:
    assert DOCS_URL.startswith(REPOSITORY_URL) and DOCS_URL.endswith("#")
    page = REPO / DOCS_URL.removeprefix(REPOSITORY_URL).removesuffix("#")
    assert page.is_file(), f"{page.relative_to(REPO)} is missing"


@pytest.mark.parametrize("code", list(Code), ids=str)
def test_every_finding_code_has_its_heading_on_the_linked_page(code: Code) -> None:
    page = REPO / DOCS_URL.removeprefix(REPOSITORY_URL).removesuffix("#")
    assert code.value in _headings(page), f"no heading `{code.value}` in {page.name}"


DOCUMENTS = [
    REPO / "README.md",
    REPO / "bench" / "bench_lsp.py",
    REPO / "client-vscode" / "test" / "e2e" / "harness.ts",
    *sorted((REPO / "docs").glob("*.md")),
]
MACHINE_PATHS = re.compile(r"/work/|/root/|/opt/session-lsp")
"""Where this project's checkouts, home and caches sat on the machines it was written on (an
illustrative `/home/me/app` in an example output is fine)."""


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda path: str(path.relative_to(REPO)))
def test_no_document_names_a_path_of_the_machine_it_was_written_on(path: Path) -> None:
    found = MACHINE_PATHS.findall(path.read_text(encoding="utf-8"))
    assert found == [], f"{path.relative_to(REPO)} names {found}"


def _quick_start() -> list[str]:
    """The commands of the README's quick start, in order."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quick start\n", 1)[1].split("\n## ", 1)[0]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    return [line for line in block.splitlines() if line.strip()]


def test_the_quick_start_is_two_commands_that_each_make_their_own_environment() -> None:
    check, tests = _quick_start()
    for command in (check, tests):
        assert command.startswith("python3 -m venv .venv && .venv/bin/pip install -e ")
    assert "session-lsp check examples/" in check
    example = check.rsplit(" ", 1)[1]
    assert (REPO / example).is_file(), example
    assert tests.endswith(".venv/bin/python -m pytest")


def test_ci_runs_the_readmes_test_command_as_written() -> None:
    _, tests = _quick_start()
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert tests in ci.splitlines()


_FENCE = re.compile(r"^\s*(```|~~~)")
_LINK = re.compile(r"\[[^\]]*\]\(<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\)")
_EXTERNAL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")


def _prose_lines(text: str) -> list[str]:
    """The lines outside fenced code blocks ("" for the others, so numbers stay)."""
    lines: list[str] = []
    fenced = False
    for line in text.splitlines():
        if _FENCE.match(line):
            fenced = not fenced
            lines.append("")
        else:
            lines.append("" if fenced else line)
    return lines


def _slug(heading: str) -> str:
    """A heading's anchor as GitHub makes it: the text as shown (link text, no backticks),
    lower case, without punctuation, each space a hyphen."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading).replace("`", "")
    return re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    """Every heading's anchor; a repeated one gets -1, -2, ... as on GitHub."""
    seen: Counter[str] = Counter()
    found: set[str] = set()
    for line in _prose_lines(path.read_text(encoding="utf-8")):
        heading = re.match(r"^#{1,6} (.+?)(?: #+)?\s*$", line)
        if heading is not None:
            slug = _slug(heading.group(1))
            found.add(f"{slug}-{seen[slug]}" if seen[slug] else slug)
            seen[slug] += 1
    return found


def broken_links(document: Path) -> list[str]:
    """Each relative link of a Markdown document whose file, or whose `#anchor` in a Markdown
    file, does not exist, as `line: target`."""
    broken: list[str] = []
    for number, line in enumerate(_prose_lines(document.read_text(encoding="utf-8")), 1):
        for link in _LINK.finditer(re.sub(r"`[^`]*`", "", line)):  # none in inline code
            target = link.group(1)
            if _EXTERNAL.match(target):
                continue
            name, _, anchor = target.partition("#")
            linked = (document.parent / name) if name else document
            if not linked.exists():
                broken.append(f"{number}: {target} (no such file)")
            elif anchor and linked.suffix == ".md" and anchor not in _anchors(linked):
                broken.append(f"{number}: {target} (no such heading)")
    return broken


MARKDOWN = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]


@pytest.mark.parametrize("path", MARKDOWN, ids=lambda path: str(path.relative_to(REPO)))
def test_every_relative_link_names_a_file_and_heading_that_exist(path: Path) -> None:
    assert broken_links(path) == []


def test_the_link_check_finds_a_missing_file_a_missing_heading_and_reads_headings_as_github(
    tmp_path: Path,
) -> None:
    (tmp_path / "other.md").write_text(
        "# Title\n## `session-lsp fix` and restore\n## Notes\n## Notes\n```\n# not a heading\n```\n",
        encoding="utf-8",
    )
    document = tmp_path / "page.md"
    document.write_text(
        "[a](other.md#session-lsp-fix-and-restore) [b](other.md#notes-1) [c](#here)\n"
        "# Here\n"
        "[d](gone.md) [e](other.md#not-a-heading) [f](other.md#notes-2)\n"
        "`[g](gone.md)` [h](https://example.com/gone.md)\n"
        "```\n[i](gone.md)\n```\n",
        encoding="utf-8",
    )
    assert broken_links(document) == [
        "3: gone.md (no such file)",
        "3: other.md#not-a-heading (no such heading)",
        "3: other.md#notes-2 (no such heading)",
    ]
