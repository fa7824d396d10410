"""Session files on disk for tests: copies that do not look live, unless a test wants them to."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path


def aged_copy(source: Path, target: Path, *, seconds_ago: float = 3600) -> Path:
    """A copy last written `seconds_ago`: fresh files are treated as live Claude Code sessions."""
    if source != target:
        shutil.copyfile(source, target)  # not the mode: a corpus checkout may be read-only
    moment = time.time() - seconds_ago
    os.utime(target, (moment, moment))
    return target


def age(path: Path, seconds_ago: float = 3600) -> None:
    aged_copy(path, path, seconds_ago=seconds_ago)
