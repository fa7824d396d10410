"""Argument parsing and dispatch; each command lives in its own module."""

from __future__ import annotations

import argparse
import sys

from session_lsp import __version__

EXIT_USAGE = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="session-lsp",
        description="Find and repair broken Claude Code session transcripts (*.jsonl).",
    )
    parser.add_argument("--version", action="version", version=f"session-lsp {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    check = commands.add_parser("check", help="report what would break a resume")
    check.add_argument("paths", nargs="+", metavar="PATH", help="a session file or a folder")
    check.add_argument("--format", choices=("text", "json"), default="text")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    arguments = parser.parse_args(argv)
    try:
        if arguments.command == "check":
            from session_lsp.cli.check import run_check

            return run_check(arguments.paths, arguments.format)
    except KeyboardInterrupt:
        print("session-lsp: interrupted", file=sys.stderr)
        return 130
    parser.error(f"unknown command {arguments.command}")
    return EXIT_USAGE
