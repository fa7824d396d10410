"""The pure core: reading, replay, rules and repairs. Nothing here knows about LSP."""

# The format registry first: the line reader decodes Claude Code records from inside it.
import session_lsp.core.formats  # noqa: F401
