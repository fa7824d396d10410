"""The pure core: reading, replay, rules and repairs. Nothing here knows about LSP."""
