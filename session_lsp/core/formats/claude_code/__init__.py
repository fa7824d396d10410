"""Claude Code sessions (`~/.claude/projects/*/*.jsonl`): everything that knows their format."""
