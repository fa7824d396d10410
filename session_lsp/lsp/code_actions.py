"""Quick fixes per finding, fix-all per strategy, `source.fixAll.sessionLsp`, and fork.

Edits come from `core.repairs`, exactly as `session-lsp fix` applies them. Clients that can resolve
edits get them lazily; the others (eglot) get them inline.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from lsprotocol import types

from session_lsp.core.analysis import Analysis
from session_lsp.core.findings import Finding
from session_lsp.core.repairs import PAIRING_CODES, Repair, Strategy, repair_all, repairs_for
from session_lsp.lsp.api import Command
from session_lsp.lsp.convert import SOURCE, to_text_edits
from session_lsp.lsp.documents import SessionDocument
from session_lsp.lsp.server import FIX_ALL_KIND, SessionServer


def _wanted(only: Sequence[str] | None, kind: str) -> bool:
    """LSP `only` filtering: a requested kind matches itself and its sub-kinds."""
    return only is None or any(kind == base or kind.startswith(f"{base}.") for base in only)


class _FindingsByKey:
    """The analysis's findings by code and id, and by code and line, looked up for each
    diagnostic a request names (a scan of every finding per diagnostic grew with the square of
    a range's diagnostics)."""

    def __init__(self, analysis: Analysis) -> None:
        self._by_id: dict[tuple[str, str], Finding] = {}
        self._by_line: dict[tuple[str, int], Finding] = {}
        for finding in analysis.findings:
            code = finding.code.value
            if finding.tool_use_id is not None:
                self._by_id.setdefault((code, finding.tool_use_id), finding)
            self._by_line.setdefault((code, finding.span.line), finding)

    def behind(self, diagnostic: types.Diagnostic) -> Finding | None:
        """The current finding behind a diagnostic the client sends back (with or without data):
        the first of its code with its tool id, else the first of its code on its line."""
        data = diagnostic.data if isinstance(diagnostic.data, dict) else {}
        tool_id = data.get("toolUseId")
        line = data.get("line", diagnostic.range.start.line)
        code = str(diagnostic.code)
        found = self._by_id.get((code, tool_id)) if isinstance(tool_id, str) else None
        if found is None and isinstance(line, int):
            found = self._by_line.get((code, line))
        return found


class _TextEditsOnce:
    """Each repair's text edits, made once per request: the one truncation of a file is offered
    for every error in the range, and converting its thousands of deleted lines each time made
    a request over 600 diagnostics take seconds."""

    def __init__(self, document: SessionDocument) -> None:
        self._document = document
        self._made: dict[int, tuple[Repair, list[types.TextEdit]]] = {}

    def __call__(self, repair: Repair) -> list[types.TextEdit]:
        made = self._made.get(id(repair))
        if made is None or made[0] is not repair:
            made = self._made[id(repair)] = (repair, to_text_edits(self._document, repair.edits))
        return made[1]


def fork_helps(analysis: Analysis, repair: Repair) -> bool:
    """Whether a fork with `repair` is a session that resumes: it changes something and leaves
    no pairing error (the API's 400s) unresolved. Else the fork is the same broken session under
    a new id."""
    resolved = set(repair.findings)
    return bool(repair.edits) and all(
        finding in resolved
        for finding in analysis.findings
        if finding.is_error and finding.code in PAIRING_CODES
    )


def _action(
    ls: SessionServer,
    document: SessionDocument,
    repair: Repair,
    kind: str,
    *,
    preferred: bool,
    diagnostics: list[types.Diagnostic] | None,
    data: dict[str, Any],
    text_edits: _TextEditsOnce,
) -> types.CodeAction:
    transcript_format = document.analysis().format
    live = document.being_written and transcript_format is not None
    note = f" ({transcript_format.live_note()})" if live and transcript_format else ""
    title = repair.title + note
    action = types.CodeAction(
        title=title,
        kind=kind,
        diagnostics=diagnostics,
        is_preferred=preferred or None,
        data={"uri": document.uri, "version": document.version, **data},
    )
    if not ls.can_resolve_edits():
        action.edit = ls.workspace_edit(document, text_edits(repair))
    return action


def code_actions(
    ls: SessionServer, params: types.CodeActionParams
) -> list[types.CodeAction | types.Command]:
    document = ls.session_document(params.text_document.uri)
    if document is None:
        return []
    analysis = document.analysis()
    only = params.context.only
    ours = [d for d in params.context.diagnostics if d.source == SOURCE]
    actions: list[types.CodeAction | types.Command] = []
    text_edits = _TextEditsOnce(document)
    if _wanted(only, types.CodeActionKind.QuickFix):
        actions += _quick_fixes(ls, document, analysis, ours, text_edits)
        if ours and analysis.error_count > 1:
            offered = {action.title for action in actions}
            actions += _fix_all_per_strategy(ls, document, analysis, offered, text_edits)
    if only is not None and _wanted(only, FIX_ALL_KIND):
        actions += _source_fix_all(ls, document, analysis, text_edits)
    forks = analysis.format is not None and analysis.format.can_fork
    offers_fork = forks and analysis.error_count and only is None and ours
    if offers_fork and fork_helps(analysis, repair_all(analysis, ls.settings.fix_strategy)):
        actions.append(_fork(ls, document))
    return actions


def _quick_fixes(
    ls: SessionServer,
    document: SessionDocument,
    analysis: Analysis,
    diagnostics: list[types.Diagnostic],
    text_edits: _TextEditsOnce,
) -> list[types.CodeAction | types.Command]:
    """Each repair that applies to each of our diagnostics, the preferred one first. A repair
    several diagnostics share (the file's one truncation) is offered once, for all of them.
    Truncating is never preferred: an editor applies a preferred fix without a menu (VS Code's
    Auto Fix, Neovim's `apply`), and a cut drops every line after it."""
    offered: dict[int, tuple[Repair, types.CodeAction, list[types.Diagnostic]]] = {}
    """By the repair's identity; the repair is held so that its id is not another's."""
    findings = _FindingsByKey(analysis)
    for diagnostic in diagnostics:
        finding = findings.behind(diagnostic)
        if finding is None:
            continue
        for position, repair in enumerate(repairs_for(analysis, finding)):
            shared = offered.get(id(repair))
            if shared is not None and shared[0] is repair:
                shared[2].append(diagnostic)
                continue
            data = {"finding": _finding_key(finding), "title": repair.title}
            named = [diagnostic]
            action = _action(
                ls,
                document,
                repair,
                types.CodeActionKind.QuickFix,
                preferred=position == 0 and repair.strategy is not Strategy.TRUNCATE,
                diagnostics=named,
                data=data,
                text_edits=text_edits,
            )
            offered[id(repair)] = (repair, action, named)
    return [action for _, action, _ in offered.values()]


def _fix_all_per_strategy(
    ls: SessionServer,
    document: SessionDocument,
    analysis: Analysis,
    offered: set[str],
    text_edits: _TextEditsOnce,
) -> list[types.CodeAction | types.Command]:
    actions: list[types.CodeAction | types.Command] = []
    for strategy in Strategy:
        repair = repair_all(analysis, strategy)
        if repair.edits and repair.title not in offered:
            actions.append(
                _action(
                    ls,
                    document,
                    repair,
                    types.CodeActionKind.QuickFix,
                    preferred=False,
                    diagnostics=None,
                    data={"all": strategy.value},
                    text_edits=text_edits,
                )
            )
    return actions


def _source_fix_all(
    ls: SessionServer, document: SessionDocument, analysis: Analysis, text_edits: _TextEditsOnce
) -> list[types.CodeAction | types.Command]:
    """`source.fixAll.sessionLsp`: the default strategy, for fix-on-save. Never while the agent
    may still be writing the file: a save would stub a tool that is still running, and its real
    result would then make a second one."""
    strategy = ls.settings.fix_strategy
    repair = repair_all(analysis, strategy)
    if not repair.edits or document.being_written:
        return []
    return [
        _action(
            ls,
            document,
            repair,
            FIX_ALL_KIND,
            preferred=False,
            diagnostics=None,
            data={"all": strategy.value},
            text_edits=text_edits,
        )
    ]


def _fork(ls: SessionServer, document: SessionDocument) -> types.Command:
    """A bare Command: lsprotocol's own converter misreads a CodeAction that holds a command, and
    a fork has no edit to preview anyway."""
    default = ls.settings.fix_strategy.value
    return types.Command(
        title=f"Fork the session with the {default} repair (original untouched)",
        command=Command.FORK_SESSION,
        arguments=[document.uri, default],
    )


def _finding_key(finding: Finding) -> dict[str, Any]:
    return {"code": finding.code.value, "toolUseId": finding.tool_use_id, "line": finding.span.line}


def resolve(ls: SessionServer, action: types.CodeAction) -> types.CodeAction:
    """Compute the edit of a lazily offered action against the document as it is now."""
    data = action.data if isinstance(action.data, dict) else {}
    document = ls.session_document(data.get("uri", ""))
    if document is None or action.edit is not None:
        return action
    analysis = document.analysis()
    repair: Repair | None = None
    if "all" in data:
        repair = repair_all(analysis, Strategy(data["all"]))
    elif isinstance(data.get("finding"), dict):
        key = data["finding"]
        finding = next(
            (
                f
                for f in analysis.findings
                if f.code.value == key.get("code")
                and f.tool_use_id == key.get("toolUseId")
                and (f.tool_use_id is not None or f.span.line == key.get("line"))
            ),
            None,
        )
        if finding is not None:
            repair = next(
                (r for r in repairs_for(analysis, finding) if r.title == data.get("title")), None
            )
    if repair is not None:
        action.edit = ls.workspace_edit(document, to_text_edits(document, repair.edits))
    return action


def register(server: SessionServer) -> None:
    server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(
            code_action_kinds=[
                types.CodeActionKind.QuickFix,
                types.CodeActionKind.Source,
                FIX_ALL_KIND,
            ],
            resolve_provider=True,
        ),
    )(code_actions)
    server.feature(types.CODE_ACTION_RESOLVE)(resolve)
