"""Argument parsing and dispatch; each command lives in its own module."""

from __future__ import annotations

import argparse
import sys

from session_lsp import __version__
from session_lsp.core.repairs import Strategy

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

    fix = commands.add_parser("fix", help="repair sessions in place (a backup is kept)")
    fix.add_argument("paths", nargs="+", metavar="PATH", help="a session file or a folder")
    fix.add_argument(
        "--strategy",
        choices=[strategy.value for strategy in Strategy],
        default=Strategy.STUB.value,
        help="stub: answer dangling calls with an error result (default); purge: remove them;"
        " truncate: cut after the last consistent point",
    )
    fix.add_argument("--dry-run", action="store_true", help="print a unified diff, write nothing")
    fix.add_argument("--no-backup", action="store_true", help="do not keep a backup")
    fix.add_argument(
        "--fork", action="store_true", help="write the repair as a new session, original untouched"
    )
    fix.add_argument(
        "--force", action="store_true", help="repair even if the file was written seconds ago"
    )

    restore = commands.add_parser("restore", help="put the newest backup back")
    restore.add_argument("paths", nargs="+", metavar="PATH")

    _add_show(commands)

    serve = commands.add_parser("serve", help="run the language server (stdio by default)")
    mode = serve.add_mutually_exclusive_group()
    mode.add_argument("--stdio", action="store_true", help="talk LSP over stdin/stdout (default)")
    mode.add_argument("--tcp", action="store_true", help="listen on TCP instead")
    serve.add_argument("--host", default="127.0.0.1", help="with --tcp: address to bind")
    serve.add_argument("--port", type=int, default=2087, help="with --tcp: port to bind")
    return parser


def _add_show(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    show = commands.add_parser("show", help="print the conversation, broken spots marked")
    show.add_argument("session", metavar="PATH", help="a session file, session id or id prefix")
    show.add_argument("--format", choices=("text", "markdown", "json"), default="text")
    show.add_argument("--tail", type=int, metavar="N", help="only the last N items")


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    arguments = parser.parse_args(argv)
    try:
        if arguments.command == "check":
            from session_lsp.cli.check import run_check

            return run_check(arguments.paths, arguments.format)
        if arguments.command == "fix":
            from session_lsp.cli.fix import run_fix

            return run_fix(
                arguments.paths,
                Strategy(arguments.strategy),
                dry_run=arguments.dry_run,
                backup=not arguments.no_backup,
                fork=arguments.fork,
                force=arguments.force,
            )
        if arguments.command == "show":
            from session_lsp.cli.show import run_show

            return run_show(arguments.session, arguments.format, arguments.tail)
        if arguments.command == "serve":
            from session_lsp.lsp.main import serve

            return serve(tcp=arguments.tcp, host=arguments.host, port=arguments.port)
        if arguments.command == "restore":
            from session_lsp.cli.fix import run_restore

            return run_restore(arguments.paths)
    except KeyboardInterrupt:
        print("session-lsp: interrupted", file=sys.stderr)
        return 130
    parser.error(f"unknown command {arguments.command}")
    return EXIT_USAGE
