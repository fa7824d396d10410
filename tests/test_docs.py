"""The documentation the code points at exists in the repository and names no local machine."""

from __future__ import annotations

import re
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
