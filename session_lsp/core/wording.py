"""How a count reads in the texts a person sees: `1 error`, `2 errors`, `1,024 items`."""

from __future__ import annotations


def counted(number: int, one: str, many: str | None = None) -> str:
    """`number` and its noun, plural unless it is one (`many` where adding an s is wrong)."""
    return f"{number:,} {one if number == 1 else many or one + 's'}"
