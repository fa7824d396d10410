"""Tests that need an outside tool: skip locally when it is missing, fail in CI."""

from __future__ import annotations

import os
import shutil

import pytest


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def missing(message: str) -> None:
    """A missing prerequisite: a skip hides a gap in CI, so there it is a failure."""
    if in_ci():
        pytest.fail(f"{message} (CI=true: everything the tests use must be installed)")
    pytest.skip(message)


def require_tool(name: str, search_path: str | None = None) -> str:
    """The tool's path, looked up on `search_path` (default: PATH)."""
    path = shutil.which(name, path=search_path)
    if path is None:
        missing(f"{name} is not installed, so this test cannot run")
        raise AssertionError("unreachable")
    return path
