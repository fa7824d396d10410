"""What a big didOpen's pieces took is given back to the system where the C library can."""

from __future__ import annotations

import platform
import sys

from session_lsp.lsp import freed_memory
from tests.support.tools import missing


def test_the_memory_a_big_body_freed_can_be_given_back_where_glibc_is() -> None:
    if sys.platform != "linux" or platform.libc_ver()[0] != "glibc":
        missing("malloc_trim is glibc's: this system has another C library")
    assert freed_memory.MALLOC_TRIM is not None
    freed_memory.give_back_freed_memory()
