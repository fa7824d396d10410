"""How a count reads in the texts a person sees: `1 error`, `2 errors`, `1,024 items`."""

from __future__ import annotations


def counted(number: int, one: str, many: str | None = None) -> str:
    """`number` and its noun, plural unless it is one (`many` where adding an s is wrong)."""
    return f"{number:,} {one if number == 1 else many or one + 's'}"


def numbered_up_to(count: int, one: str) -> str:
    """What a person may ask for by number, counted from 1: `items 1 to 5`, `item 1 only`,
    `no items`."""
    if count == 0:
        return f"no {one}s"
    return f"{one} 1 only" if count == 1 else f"{one}s 1 to {count:,}"
