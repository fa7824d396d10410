"""Quick fixes and fix-all apply the core's repairs: the same bytes as `session-lsp fix`."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient, client_capabilities

from session_lsp.core.analysis import analyse_bytes
from session_lsp.core.edits import apply_edits, join_lines
from session_lsp.core.repairs import Strategy, repair_all
from tests.lsp import sessions
from tests.lsp.support import OpenDocument, edits_in, fresh_uri
from tests.support.corpus import CODEMIE_TURN_1, DANGLING_END_ROLLOUT

pytestmark = pytest.mark.asyncio(loop_scope="module")

BROKEN_ROLLOUT = DANGLING_END_ROLLOUT
"""A rollout whose last function call has no output."""


def _cli_repair(text: str, strategy: Strategy) -> str:
    analysis = analyse_bytes(text.encode())
    return join_lines(apply_edits(analysis.lines, repair_all(analysis, strategy).edits)).decode()


async def test_stub_quick_fix_is_preferred_and_makes_the_session_clean(
    client: LanguageClient,
) -> None:
    text = sessions.dangling(note="日本語 🙂 before")
    document = OpenDocument(client, fresh_uri(client), text)
    (diagnostic,) = await document.diagnostics()
    actions = [a for a in await document.actions(diagnostic) if isinstance(a, types.CodeAction)]
    titles = [a.title for a in actions]
    assert titles[:3] == [
        "Insert a stub tool_result for toolu_01BASH",
        "Remove the unanswered call toolu_01BASH",
        "Truncate: drops 1 of 4 lines (0 prompts, 1 tool call)",
    ]
    assert actions[0].is_preferred and not actions[1].is_preferred
    lazy = client.init.capabilities.code_action_provider.resolve_provider  # type: ignore[attr-defined]
    assert lazy
    edits = await document.resolved_edits(actions[0])
    document.change(edits)
    assert await document.diagnostics() == []
    assert await document.server_text() == document.text
    assert document.text == _cli_repair(text, Strategy.STUB)


@pytest.mark.parametrize("strategy", list(Strategy), ids=str)
async def test_each_quick_fix_equals_the_cli_repair(
    client: LanguageClient, strategy: Strategy
) -> None:
    text = sessions.EXAMPLE.read_text(encoding="utf-8")
    document = OpenDocument(client, fresh_uri(client), text)
    diagnostic = (await document.diagnostics())[0]
    actions = [a for a in await document.actions(diagnostic) if isinstance(a, types.CodeAction)]
    wanted = [a for a in actions if a.title.startswith(f"Fix all ({strategy.value})")] or [
        a for a in actions if a.title.startswith("Truncate")
    ]
    edits = await document.resolved_edits(wanted[0])
    document.change(edits)
    assert document.text == _cli_repair(text, strategy)
    assert [
        d for d in await document.diagnostics() if d.severity == types.DiagnosticSeverity.Error
    ] == []


async def test_source_fix_all_kind_applies_the_default_strategy(client: LanguageClient) -> None:
    text = sessions.EXAMPLE.read_text(encoding="utf-8")
    document = OpenDocument(client, fresh_uri(client), text)
    await document.diagnostics()
    actions = await document.actions(only=["source.fixAll"])
    (fix_all,) = [a for a in actions if isinstance(a, types.CodeAction)]
    assert fix_all.kind == "source.fixAll.sessionLsp"
    document.change(await document.resolved_edits(fix_all))
    assert document.text == _cli_repair(text, Strategy.STUB)
    assert await document.diagnostics() == []
    assert [a for a in await document.actions(only=["quickfix"]) if "Fork" in a.title] == []


async def test_edits_are_versioned_where_the_client_supports_document_changes(
    client: LanguageClient,
) -> None:
    document = OpenDocument(client, fresh_uri(client), sessions.dangling())
    (diagnostic,) = await document.diagnostics()
    action = next(a for a in await document.actions(diagnostic) if isinstance(a, types.CodeAction))
    if action.edit is None:
        action = await client.code_action_resolve_async(action)
    assert action.edit is not None
    workspace = client.init.capabilities  # type: ignore[attr-defined]
    assert workspace is not None
    if action.edit.document_changes:
        (change,) = action.edit.document_changes
        assert isinstance(change, types.TextDocumentEdit)
        assert change.text_document.version == document.version
    else:
        assert edits_in(action.edit, document.uri)


async def test_fix_all_command_sends_workspace_apply_edit(client: LanguageClient) -> None:
    text = sessions.dangling()
    document = OpenDocument(client, fresh_uri(client), text)
    await document.diagnostics()
    before = len(client.applied_edits)  # type: ignore[attr-defined]
    result = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="sessionLsp.fixAll", arguments=[document.uri, "purge"])
    )
    assert result["applied"] is True
    params = client.applied_edits[before]  # type: ignore[attr-defined]
    document.change(edits_in(params.edit, document.uri))
    assert document.text == _cli_repair(text, Strategy.PURGE)
    assert await document.diagnostics() == []


async def test_fork_is_offered_as_a_command(client: LanguageClient) -> None:
    document = OpenDocument(client, fresh_uri(client), sessions.dangling())
    (diagnostic,) = await document.diagnostics()
    forks = [a for a in await document.actions(diagnostic) if "Fork the session" in a.title]
    assert len(forks) == 1
    (command,) = forks
    assert isinstance(command, types.Command) and command.command == "sessionLsp.forkSession"
    assert list(command.arguments or []) == [document.uri, "stub"]


async def test_fork_is_not_offered_for_a_codex_rollout_which_cannot_be_forked(
    client: LanguageClient,
) -> None:
    """It always failed there ("no sessionId"): a rollout's id lives in its name and first line."""
    text = BROKEN_ROLLOUT.read_text(encoding="utf-8")
    document = OpenDocument(client, fresh_uri(client, "rollout.jsonl"), text)
    (diagnostic,) = [d for d in await document.diagnostics() if d.code == "unpaired-tool-use"]
    titles = [a.title for a in await document.actions(diagnostic)]
    assert titles and not [title for title in titles if "Fork" in title]


async def test_codex_quick_fixes_name_the_output_and_the_stub_makes_the_rollout_clean(
    client: LanguageClient,
) -> None:
    text = BROKEN_ROLLOUT.read_text(encoding="utf-8")
    document = OpenDocument(client, fresh_uri(client, "rollout.jsonl"), text)
    (diagnostic,) = [d for d in await document.diagnostics() if d.code == "unpaired-tool-use"]
    call_id = (diagnostic.data or {})["toolUseId"]
    actions = [a for a in await document.actions(diagnostic) if isinstance(a, types.CodeAction)]
    titles = [a.title for a in actions]
    assert titles[:2] == [
        f"Insert a stub output for {call_id}",
        f"Remove the unanswered call {call_id}",
    ]
    assert not any("tool_result" in title for title in titles)
    document.change(await document.resolved_edits(actions[0]))
    assert [d for d in await document.diagnostics() if d.code == "unpaired-tool-use"] == []
    assert document.text == _cli_repair(text, Strategy.STUB)


def _bad_lines_in_the_middle(count: int = 1) -> str:
    """A healthy session with one line that is no JSON after an answered call (and with
    `count` 2, a second one before the next call's result)."""
    lines = sessions.dangling().split("\n")[:3]
    call = sessions.line(sessions.call("a2", "r1", "toolu_01LS", "Bash", {"command": "ls"}, 3))
    answer = sessions.line(sessions.result("r2", "a2", "toolu_01LS", "a b", 4))
    bad = ['{"type":"user", oops', '{"type":"user", oops again']
    between = bad[1:count]
    return "\n".join([*lines, bad[0], call, *between, answer])


async def _lens_title(client: LanguageClient, document: OpenDocument) -> str:
    (lens,) = (
        await client.text_document_code_lens_async(
            types.CodeLensParams(text_document=document.identifier)
        )
        or []
    )
    assert lens.command is not None
    return lens.command.title


async def test_a_bad_line_is_removed_not_cut_and_a_fork_that_repairs_nothing_is_not_offered(
    client: LanguageClient,
) -> None:
    document = OpenDocument(client, fresh_uri(client), _bad_lines_in_the_middle())
    (diagnostic,) = await document.diagnostics()
    assert diagnostic.code == "invalid-json"
    actions = await document.actions(diagnostic)
    remove, cut = [a for a in actions if isinstance(a, types.CodeAction)]
    assert remove.title == "Remove the unreadable line 4" and remove.is_preferred
    assert cut.title.startswith("Truncate: drops 3 of 6 lines") and not cut.is_preferred
    assert not [a for a in actions if "Fork" in a.title]
    assert await _lens_title(client, document) == (
        "1 problem · no stub repair applies: see each one's quick fixes"
    )
    with pytest.raises(Exception, match="the stub repair changes nothing in this session"):
        await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="sessionLsp.forkSession", arguments=[document.uri])
        )


async def test_one_truncation_is_offered_once_for_every_diagnostic_it_clears(
    client: LanguageClient,
) -> None:
    document = OpenDocument(client, fresh_uri(client), _bad_lines_in_the_middle(2))
    diagnostics = await document.diagnostics()
    assert [d.code for d in diagnostics] == ["invalid-json", "invalid-json"]
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=document.identifier,
            range=types.Range(start=diagnostics[0].range.start, end=diagnostics[1].range.end),
            context=types.CodeActionContext(diagnostics=diagnostics),
        )
    )
    cuts = [a for a in actions or [] if a.title.startswith("Truncate")]
    assert len(cuts) == 1
    assert isinstance(cuts[0], types.CodeAction)
    assert list(cuts[0].diagnostics or []) == diagnostics


async def test_fix_on_save_never_repairs_a_session_that_is_still_being_written(
    client: LanguageClient, tmp_path: Path
) -> None:
    """A save would stub a tool still running, and its real result would then be a second one:
    `session-lsp fix` refuses such a file without --force. The quick fixes stay, saying so."""
    path = tmp_path / "live.jsonl"
    shutil.copy(CODEMIE_TURN_1, path)
    old = time.time() - 3600
    os.utime(path, (old, old))
    document = OpenDocument(client, path.as_uri(), path.read_text(encoding="utf-8"))
    await document.diagnostics()
    assert [a.title for a in await document.actions(only=["source.fixAll"])] == [
        "Fix all (stub): 1 problem"
    ]
    assert await _lens_title(client, document) == "1 problem · Fix all (stub)"
    refreshes = client.lens_refreshes  # type: ignore[attr-defined]
    os.utime(path, None)  # Claude Code appends: the file on disk was just written
    assert await document.codes_becoming(["live-session"]) == ["live-session"]
    workspace = client_capabilities(client.preset).workspace  # type: ignore[attr-defined]
    lenses = workspace.code_lens if workspace is not None else None
    if lenses is not None and lenses.refresh_support:  # the lens is asked for again, no edit
        assert client.lens_refreshes > refreshes  # type: ignore[attr-defined]
    assert await document.actions(only=["source.fixAll"]) == []
    assert await _lens_title(client, document) == (
        "Still being written: judged again when the session stops"
    )
