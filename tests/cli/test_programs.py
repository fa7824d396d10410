"""Finding `claude` and quoting printed commands, under POSIX and Windows rules alike."""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path

import pytest

from session_lsp.cli.programs import (
    command_line,
    find_program,
    quote_word,
    quote_word_for_windows,
)


def files(*paths: str) -> object:
    present = {path.lower() for path in paths}
    return lambda path: path.lower() in present


def test_on_windows_claude_exe_is_found_before_claude_cmd_in_the_same_folder() -> None:
    environ = {"PATH": "C:\\Users\\me\\AppData\\Roaming\\npm", "PATHEXT": ".COM;.EXE;.BAT;.CMD"}
    found = find_program(
        "claude",
        environ,
        "nt",
        files(
            "C:\\Users\\me\\AppData\\Roaming\\npm\\claude.cmd",
            "C:\\Users\\me\\AppData\\Roaming\\npm\\claude.exe",
        ),
    )
    assert found == "C:\\Users\\me\\AppData\\Roaming\\npm\\claude.exe"


def test_on_windows_npms_claude_cmd_is_found_and_its_shell_script_and_ps1_are_not() -> None:
    folder = "C:\\Users\\me\\AppData\\Roaming\\npm"
    environ = {"PATH": folder, "PATHEXT": ".COM;.EXE;.BAT;.CMD;.PS1"}
    only_scripts = files(f"{folder}\\claude", f"{folder}\\claude.ps1")
    assert find_program("claude", environ, "nt", only_scripts) is None
    with_shim = files(f"{folder}\\claude", f"{folder}\\claude.ps1", f"{folder}\\claude.cmd")
    assert find_program("claude", environ, "nt", with_shim) == f"{folder}\\claude.cmd"


def test_on_windows_relative_empty_and_drive_relative_path_entries_are_skipped() -> None:
    """Each would let the current folder (a transcript's project) supply `claude`."""
    environ = {"PATH": ';.;bin;C:tools;\\tools;"C:\\Program Files\\Claude";\\\\host\\share\\bin'}
    anywhere = files(
        "claude.exe",
        ".\\claude.exe",
        "bin\\claude.exe",
        "C:tools\\claude.exe",
        "\\tools\\claude.exe",
        "\\\\host\\share\\bin\\claude.exe",
    )
    assert find_program("claude", environ, "nt", anywhere) == "\\\\host\\share\\bin\\claude.exe"
    installed = files("C:\\Program Files\\Claude\\claude.exe", "\\\\host\\share\\bin\\claude.exe")
    assert (
        find_program("claude", environ, "nt", installed) == "C:\\Program Files\\Claude\\claude.exe"
    )


def test_on_posix_only_absolute_path_entries_are_searched() -> None:
    environ = {"PATH": ":.:bin:/usr/local/bin"}
    assert (
        find_program("claude", environ, "posix", files("claude", "./claude", "bin/claude")) is None
    )
    assert (
        find_program("claude", environ, "posix", files("/usr/local/bin/claude"))
        == "/usr/local/bin/claude"
    )


@pytest.mark.parametrize(
    ("word", "powershell", "cmd"),
    [
        (
            "3f2a9c1e-0b7d-4e8f-9a6b-1c2d3e4f5a6b",
            "3f2a9c1e-0b7d-4e8f-9a6b-1c2d3e4f5a6b",
            "3f2a9c1e-0b7d-4e8f-9a6b-1c2d3e4f5a6b",
        ),
        ("C:\\Users\\me\\proj", "C:\\Users\\me\\proj", "C:\\Users\\me\\proj"),
        ("C:\\Program Files\\x", "'C:\\Program Files\\x'", '"C:\\Program Files\\x"'),
        (";id;#abc", "';id;#abc'", '";id;#abc"'),
        ("a&calc", "'a&calc'", '"a&calc"'),
        ("it's", "'it''s'", '"it\'s"'),
        ("it\u2019s $(calc)", "'it\u2019\u2019s $(calc)'", '"it\u2019s $(calc)"'),
        ("%PATH%", "'%PATH%'", None),
        ('say "hi"', None, None),
        ("C:\\dir with space\\", "'C:\\dir with space\\'", '"C:\\dir with space\\\\"'),
        ("a=b,c", "'a=b,c'", '"a=b,c"'),
        ("", "''", '""'),
    ],
)
def test_each_windows_shell_gets_a_word_it_reads_as_that_word_or_none(
    word: str, powershell: str | None, cmd: str | None
) -> None:
    assert quote_word(word, "powershell") == powershell
    assert quote_word(word, "cmd") == cmd


@pytest.mark.parametrize("word", [";id;#abc", "$(id)", "`id`", "a'b", "-", "x\ny", "é", ""])
def test_a_posix_quoted_word_reaches_the_program_unchanged(word: str) -> None:
    quoted = quote_word(word, "posix")
    assert quoted is not None
    echoed = subprocess.run(
        ["sh", "-c", f"printf %s {quoted}"], capture_output=True, text=True, check=True
    ).stdout
    assert echoed == word


@pytest.mark.parametrize(
    ("word", "written"),
    [
        ("3f2a9c1e-0b7d-4e8f-9a6b-1c2d3e4f5a6b", "3f2a9c1e-0b7d-4e8f-9a6b-1c2d3e4f5a6b"),
        ("C:\\Program Files\\x", '"C:\\Program Files\\x"'),
        (";id;#abc", '";id;#abc"'),
        ("a$b", None),  # PowerShell expands $b inside double quotes
        ("a`b", None),
        ("100%", None),  # cmd expands %...% inside quotes
        ("a\u201cb", None),  # PowerShell reads a typographic double quote as "
    ],
)
def test_one_form_for_both_windows_shells_or_none(word: str, written: str | None) -> None:
    assert quote_word_for_windows(word) == written


def test_a_printed_command_is_quoted_for_the_system_it_is_printed_on() -> None:
    words = ["C:\\Users\\me\\.local\\bin\\claude.exe", "--resume", ";id;#abc"]
    assert command_line(words, "nt") == 'C:\\Users\\me\\.local\\bin\\claude.exe --resume ";id;#abc"'
    assert command_line(["claude", "--resume", "100%"], "nt") is None
    assert shlex.split(command_line(["claude", "--resume", ";id;#abc"], "posix") or "") == [
        "claude",
        "--resume",
        ";id;#abc",
    ]


def test_on_this_machine_only_an_executable_file_is_found(tmp_path: Path) -> None:
    plain, runnable = tmp_path / "plain", tmp_path / "runnable"
    for folder in (plain, runnable):
        folder.mkdir()
        (folder / "claude").write_text("#!/bin/sh\n")
    (runnable / "claude").chmod(0o755)
    (plain / "claude").chmod(0o644)
    (tmp_path / "dir" / "claude").mkdir(parents=True)
    environ = {"PATH": f"{tmp_path / 'dir'}:{plain}:{runnable}"}
    assert find_program("claude", environ, "posix") == str(runnable / "claude")
