"""Server settings from `initializationOptions`, validated so a typo is reported, not fatal.

msgspec, not pydantic: importing pydantic cost about 300 ms of every server start for three
fields (`bench/bench_startup.py`). Each option is checked on its own, so one bad value falls back
to its default and the others still apply.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

from session_lsp.core.analysis import LIVE_SECONDS
from session_lsp.core.repairs import Strategy


class ServerSettings(msgspec.Struct, frozen=True, rename="camel"):
    """What clients may set (camelCase in JSON, like every LSP client's settings)."""

    fix_strategy: Strategy = Strategy.STUB
    """The strategy of `source.fixAll.sessionLsp` and the code lens."""
    live_session_seconds: Annotated[float, msgspec.Meta(ge=0)] = LIVE_SECONDS
    """A file written this recently is treated as a session Claude Code is still running."""
    debounce_ms: Annotated[int, msgspec.Meta(ge=0, le=5000)] = 150
    """Delay before diagnostics are published while typing (push clients)."""

    def to_json(self) -> dict[str, Any]:
        return msgspec.to_builtins(self)  # type: ignore[no-any-return]


_FIELDS = {field.encode_name: field.name for field in msgspec.structs.fields(ServerSettings)}


def parse_settings(options: Any) -> tuple[ServerSettings, str | None]:
    """The settings, and a message describing what was ignored, if anything was wrong."""
    if options is None:
        return ServerSettings(), None
    if not isinstance(options, dict):
        return ServerSettings(), "initializationOptions must be an object; using defaults"
    accepted: dict[str, Any] = {}
    problems: list[str] = []
    for key, value in options.items():
        if key not in _FIELDS:
            continue  # other clients' options, or newer ones: not an error
        try:
            msgspec.convert({key: value}, ServerSettings)
        except msgspec.ValidationError as error:
            problems.append(str(error).split(" - at ", 1)[0] + f" for {key}")
            continue
        accepted[key] = value
    settings = msgspec.convert(accepted, ServerSettings)
    if problems:
        return (
            settings,
            f"ignored invalid initializationOptions ({'; '.join(problems)}); their defaults apply",
        )
    return settings, None
