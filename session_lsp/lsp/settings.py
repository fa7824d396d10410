"""Server settings from `initializationOptions`, validated so a typo is reported, not fatal."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.alias_generators import to_camel

from session_lsp.core.analysis import LIVE_SECONDS
from session_lsp.core.repairs import Strategy


class ServerSettings(BaseModel):
    """What clients may set (camelCase in JSON, like every LSP client's settings)."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")

    fix_strategy: Strategy = Strategy.STUB
    """The strategy of `source.fixAll.sessionLsp` and the code lens."""
    live_session_seconds: float = Field(default=LIVE_SECONDS, ge=0)
    """A file written this recently is treated as a session Claude Code is still running."""
    debounce_ms: int = Field(default=150, ge=0, le=5000)
    """Delay before diagnostics are published while typing (push clients)."""


def parse_settings(options: Any) -> tuple[ServerSettings, str | None]:
    """The settings, and a message describing what was ignored, if anything was wrong."""
    if options is None:
        return ServerSettings(), None
    if not isinstance(options, dict):
        return ServerSettings(), "initializationOptions must be an object; using defaults"
    try:
        return ServerSettings.model_validate(options), None
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in item['loc'])}: {item['msg']}"
            for item in error.errors()
        )
        return ServerSettings(), f"invalid initializationOptions ({problems}); using defaults"
