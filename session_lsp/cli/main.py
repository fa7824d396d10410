"""Argument parsing and dispatch; each command lives in its own module."""

from __future__ import annotations

import argparse
import os
import sys

from session_lsp import __version__
from session_lsp.cli.naming import add_last_argument, expand_names
from session_lsp.cli.output import problem, safe_text_output
from session_lsp.core.repairs import Strategy
from session_lsp.sessions import SessionNameError

EXIT_USAGE = 2
EXIT_READER_GONE = 0
"""`... | head -1`: the reader chose to stop reading, which is no failure of the command."""

SERVER_WORKER_MODULES = (
    "session_lsp.beside",
    "session_lsp.sessions.inspection",
    "session_lsp.sessions.search",
)
"""What the language server's workers run (a rollout's findings, the sessions listed, a search of
them): imported before its zygote is forked, so that no worker imports them again."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="session-lsp",
        description="Find and repair broken Claude Code session transcripts (*.jsonl).",
    )
    parser.add_argument("--version", action="version", version=f"session-lsp {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    check = commands.add_parser("check", help="report what would break a resume")
    check.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="a session file, a folder, a session id or id prefix (default: this directory's sessions)",
    )
    check.add_argument("--format", choices=("text", "json"), default="text")
    check.add_argument(
        "--jobs",
        type=_positive,
        metavar="N",
        help="worker processes for trees (default: the usable cores; 1 checks in this process)",
    )
    add_last_argument(check)

    fix = commands.add_parser("fix", help="repair sessions in place (a backup is kept)")
    fix.add_argument(
        "paths", nargs="*", metavar="PATH", help="a session file, a folder, a session id or prefix"
    )
    add_last_argument(fix)
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
    restore.add_argument("paths", nargs="*", metavar="PATH", help="a session file, id or prefix")
    add_last_argument(restore)
    restore.add_argument(
        "--force", action="store_true", help="restore even a backup that looks damaged"
    )
    _add_session_commands(commands)

    _add_show(commands)
    _add_search(commands)

    serve = commands.add_parser("serve", help="run the language server (stdio by default)")
    mode = serve.add_mutually_exclusive_group()
    mode.add_argument("--stdio", action="store_true", help="talk LSP over stdin/stdout (default)")
    mode.add_argument("--tcp", action="store_true", help="listen on TCP instead")
    serve.add_argument("--host", default="127.0.0.1", help="with --tcp: address to bind")
    serve.add_argument("--port", type=int, default=2087, help="with --tcp: port to bind")
    return parser


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return value


def _add_show(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    show = commands.add_parser("show", help="print the conversation, broken spots marked")
    show.add_argument(
        "session", nargs="?", metavar="PATH", help="a session file, session id or id prefix"
    )
    add_last_argument(show)
    show.add_argument("--format", choices=("text", "markdown", "json"), default="text")
    show.add_argument("--tail", type=int, metavar="N", help="only the last N items")
    show.add_argument("--brief", action="store_true", help="one line per item (an index)")
    show.add_argument(
        "--item",
        type=_positive,
        metavar="N",
        help="print item N (counted from 1, as show numbers them) whole: text, input, result",
    )
    show.add_argument(
        "--segment",
        type=_positive,
        metavar="N",
        help="the history before compaction N (counted from 1, oldest first, as search prints)",
    )


def _add_search(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    search = commands.add_parser(
        "search", help="find text in sessions (every segment, text, input and result), newest first"
    )
    search.add_argument("query", metavar="QUERY", help="plain text, matched ignoring case")
    scope = search.add_mutually_exclusive_group()
    scope.add_argument("--all", action="store_true", help="every project, not only this one")
    scope.add_argument("--project", metavar="DIR", help="the sessions started in DIR")
    search.add_argument("--format", choices=("text", "json"), default="text")
    search.add_argument(
        "--limit", type=_positive, default=10, metavar="N", help="results per session (default 10)"
    )
    search.add_argument(
        "--jobs",
        type=_positive,
        metavar="N",
        help="worker processes (default: the usable cores; 1 searches in this process)",
    )


def _add_session_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sessions = commands.add_parser("sessions", help="list sessions with their health, newest first")
    scope = sessions.add_mutually_exclusive_group()
    scope.add_argument("--all", action="store_true", help="every project, not only this one")
    scope.add_argument("--project", metavar="DIR", help="the sessions started in DIR")
    sessions.add_argument("--broken", action="store_true", help="only sessions that will fail")
    sessions.add_argument("--format", choices=("text", "json"), default="text")

    resume = commands.add_parser(
        "resume",
        help="check, explain, repair, then run claude --resume",
        usage="%(prog)s [ID | --last] [--strategy S] [--yes] [--force] [-- CLAUDE_ARGS...]",
    )
    resume.add_argument(
        "session", nargs="?", metavar="ID", help="a session id, id prefix or file (default: --last)"
    )
    add_last_argument(resume)
    resume.add_argument(
        "--strategy",
        choices=("stub", "purge", "truncate", "fork"),
        help="the repair to use if one is needed (asked on a terminal; --yes takes stub)",
    )
    resume.add_argument("--yes", action="store_true", help="repair without asking")
    resume.add_argument(
        "--force", action="store_true", help="go on even if the session was written seconds ago"
    )


def _split_claude_arguments(argv: list[str]) -> tuple[list[str], list[str]]:
    """`resume ... -- ARGS`: everything after `--` goes to claude untouched."""
    if argv[:1] == ["resume"] and "--" in argv:
        cut = argv.index("--")
        return argv[:cut], argv[cut + 1 :]
    return argv, []


def _run_session_command(
    arguments: argparse.Namespace, claude_arguments: list[str], parser: argparse.ArgumentParser
) -> int:
    if arguments.command == "sessions":
        from session_lsp.cli.sessions import run_sessions

        return run_sessions(
            all_projects=arguments.all,
            project=arguments.project,
            broken_only=arguments.broken,
            output_format=arguments.format,
        )
    if arguments.session is not None and arguments.last:
        parser.error("resume: give either ID or --last, not both")
    from session_lsp.cli.resume import run_resume

    return run_resume(
        arguments.session,
        last=arguments.last,
        strategy=arguments.strategy,
        yes=arguments.yes,
        force=arguments.force,
        claude_arguments=claude_arguments,
    )


def _named_paths(arguments: argparse.Namespace, parser: argparse.ArgumentParser) -> list[str]:
    """PATHs with session names resolved; `check` alone means this directory's sessions."""
    if not arguments.paths and not arguments.last and arguments.command != "check":
        parser.error(f"{arguments.command}: give a PATH, a session id or --last")
    return expand_names(
        arguments.paths, last=arguments.last, default_to_project=arguments.command == "check"
    )


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    argv, claude_arguments = _split_claude_arguments(sys.argv[1:] if argv is None else argv)
    arguments = parser.parse_args(argv)
    if "" in (getattr(arguments, "paths", None) or ()):
        parser.error("PATH must not be empty")
    safe_text_output()
    try:
        status = _run(arguments, claude_arguments, parser)
        if not sys.stdout.closed:  # `serve` closes it on exit
            sys.stdout.flush()  # here, where a reader gone is still caught
    except BrokenPipeError:
        return _reader_gone()
    except KeyboardInterrupt:
        print("session-lsp: interrupted", file=sys.stderr)
        return 130
    except OSError as error:
        # Whatever path the commands did not foresee (a name the system refuses, a folder that
        # vanished): one line naming it, never a traceback.
        where = f"{error.filename}: " if error.filename is not None else ""
        problem(f"{where}{error.strerror or error}")
        return EXIT_USAGE
    return status


def _reader_gone() -> int:
    """Point stdout at /dev/null so that the interpreter's final flush does not fail again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return EXIT_READER_GONE


def _run(
    arguments: argparse.Namespace, claude_arguments: list[str], parser: argparse.ArgumentParser
) -> int:
    if arguments.command in {"sessions", "resume"}:
        return _run_session_command(arguments, claude_arguments, parser)
    if arguments.command in {"check", "fix", "restore"}:
        try:
            arguments.paths = _named_paths(arguments, parser)
        except SessionNameError as error:
            problem(str(error))
            return EXIT_USAGE
    if arguments.command == "check":
        from session_lsp.cli.check import run_check
        from session_lsp.parallel import usable_cores

        jobs = arguments.jobs if arguments.jobs is not None else usable_cores()
        return run_check(arguments.paths, arguments.format, jobs)
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

        if (arguments.session is None) == (not arguments.last):
            parser.error("show: give either PATH or --last")
        if arguments.item is not None:
            from session_lsp.cli.show_item import run_show_item

            if arguments.format == "markdown" or arguments.tail is not None:
                parser.error("show --item: prints text or json, without --tail")
            return run_show_item(
                arguments.session, arguments.item, arguments.format, arguments.segment
            )
        return run_show(
            arguments.session,
            arguments.format,
            arguments.tail,
            brief=arguments.brief,
            segment=arguments.segment,
        )
    if arguments.command == "search":
        from session_lsp.cli.search import run_search
        from session_lsp.parallel import usable_cores

        return run_search(
            arguments.query,
            all_projects=arguments.all,
            project=arguments.project,
            output_format=arguments.format,
            limit=arguments.limit,
            jobs=arguments.jobs if arguments.jobs is not None else usable_cores(),
        )
    if arguments.command == "serve":
        from session_lsp.zygote import start_zygote

        zygote = start_zygote(SERVER_WORKER_MODULES)  # before the server's modules and threads
        from session_lsp.lsp.main import serve

        try:
            return serve(tcp=arguments.tcp, host=arguments.host, port=arguments.port)
        finally:
            if zygote is not None:
                zygote.close()
    if arguments.command == "restore":
        from session_lsp.cli.fix import run_restore

        return run_restore(arguments.paths, force=arguments.force)
    parser.error(f"unknown command {arguments.command}")
    return EXIT_USAGE
