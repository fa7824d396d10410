"""Codex CLI rollouts (`~/.codex/sessions/**/rollout-*.jsonl`): everything that knows their format."""
