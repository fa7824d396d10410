"""Cyclic garbage, to tell a collection that ran before a freeze from one that did not."""

from __future__ import annotations

import weakref


class _Node:
    self: _Node


def cyclic_garbage() -> weakref.ref[object]:
    """An object only a reference cycle keeps, gone once a collection runs: a freeze before one
    would keep it for good."""
    node = _Node()
    node.self = node
    return weakref.ref(node)
