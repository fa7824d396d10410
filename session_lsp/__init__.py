"""session-lsp: find and repair broken AI-agent session transcripts."""

__version__ = "0.1.0"
