"""What may import what (docs/architecture.md): the registry is the one place that names the
formats, formats depend only on the layer beneath them, and the core knows nothing of LSP."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "session_lsp"
FORMATS = PACKAGE / "core" / "formats"
FORMAT_PACKAGES = sorted(
    path.name for path in FORMATS.iterdir() if (path / "__init__.py").is_file()
)

NAMING_A_FORMAT_ALLOWED = {
    "core/reading.py": "the line reader decodes every line into Claude Code's record envelope",
    "sessions/metadata.py": "the sessions listing reads Claude Code's projects folder",
    "cli/resume.py": "resume starts Claude Code",
}
"""Modules outside the format packages that still name one, and why (docs/architecture.md)."""

ABOVE_THE_FORMATS = (
    "session_lsp.core.analysis",
    "session_lsp.core.repairs",
    "session_lsp.core.content",
    "session_lsp.core.glued",
    "session_lsp.core.markdown",
    "session_lsp.core.turns.build",
    "session_lsp.lsp",
    "session_lsp.cli",
    "session_lsp.sessions",
    "session_lsp.disk",
)
"""Modules that run the formats: a format importing one of them would be an import circle."""


def _imports(path: Path) -> set[str]:
    """Every module a file imports, `if TYPE_CHECKING:` blocks included."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module is not None:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _within(module: str, packages: tuple[str, ...]) -> bool:
    return any(module == package or module.startswith(f"{package}.") for package in packages)


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _name(path: Path) -> str:
    return path.relative_to(PACKAGE).as_posix()


def _format_of(path: Path) -> str | None:
    parts = path.relative_to(FORMATS).parts if path.is_relative_to(FORMATS) else ()
    return parts[0] if len(parts) > 1 else None


def test_there_are_format_packages_to_check() -> None:
    assert {"claude_code", "codex"} <= set(FORMAT_PACKAGES)


@pytest.mark.parametrize("path", _modules(), ids=_name)
def test_only_a_format_and_the_registry_name_a_format(path: Path) -> None:
    own = _format_of(path)
    named = {
        fmt
        for fmt in FORMAT_PACKAGES
        for module in _imports(path)
        if _within(module, (f"session_lsp.core.formats.{fmt}",))
    }
    allowed = {own} if own else set()
    if path == FORMATS / "__init__.py" or _name(path) in NAMING_A_FORMAT_ALLOWED:
        allowed = set(FORMAT_PACKAGES)
    assert named <= allowed, f"{_name(path)} names {sorted(named - allowed)}"


@pytest.mark.parametrize("path", sorted(FORMATS.rglob("*.py")), ids=_name)
def test_a_format_imports_nothing_that_runs_the_formats(path: Path) -> None:
    above = {m for m in _imports(path) if _within(m, ABOVE_THE_FORMATS)}
    assert not above, f"{_name(path)} imports {sorted(above)}"


@pytest.mark.parametrize("path", sorted((PACKAGE / "core").rglob("*.py")), ids=_name)
def test_the_core_knows_nothing_of_lsp_or_the_command_line(path: Path) -> None:
    outside = {
        m
        for m in _imports(path)
        if _within(m, ("session_lsp.lsp", "session_lsp.cli", "lsprotocol", "pygls"))
    }
    assert not outside, f"{_name(path)} imports {sorted(outside)}"
