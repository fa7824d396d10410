"""Where sessions live and the project folder name Claude Code gives a working directory."""

from __future__ import annotations

import ntpath
import posixpath
from pathlib import Path, PurePosixPath, PureWindowsPath

import pytest

from session_lsp.sessions.locations import (
    cache_folder,
    claude_config_folder_for,
    first_with_prefix,
    names_project_folder,
    project_folder,
    project_folder_name,
    projects_root,
    projects_root_for,
)

# Reference values computed by Claude Code's own code under Node.js (sanitizePath in
# src/utils/sessionStoragePortable.ts with djb2Hash of src/utils/hash.ts).
LONG_CWD = "/home/user/" + "a-very-long-directory-name-" * 8
LONG_CWD_HASH = "tgsfx"
ASTRAL_CWD = "/tmp/é😀/" + "x" * 250
ASTRAL_CWD_HASH = "h2m8xi"


def test_every_character_outside_ascii_letters_and_digits_becomes_a_hyphen() -> None:
    assert project_folder_name("/Users/foo/my-project") == "-Users-foo-my-project"
    assert project_folder_name("C:\\work\\a.b_c") == "C--work-a-b-c"


def test_a_character_outside_the_bmp_counts_twice_as_in_javascript() -> None:
    assert project_folder_name("/tmp/é😀") == "-tmp----"


def test_a_name_over_200_characters_is_cut_and_gets_the_djb2_hash() -> None:
    name = project_folder_name(LONG_CWD)
    assert name == LONG_CWD.replace("/", "-")[:200] + "-" + LONG_CWD_HASH
    astral = project_folder_name(ASTRAL_CWD)
    assert astral.endswith("-" + ASTRAL_CWD_HASH)
    assert len(astral) == 200 + 1 + len(ASTRAL_CWD_HASH)


def test_a_name_of_exactly_200_characters_is_kept_whole() -> None:
    cwd = "/" + "x" * 199
    assert project_folder_name(cwd) == "-" + "x" * 199


def test_the_root_follows_claude_config_dir_else_home(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("CLAUDE_CONFIG_DIR", raising=False)
    assert projects_root() == tmp_path / ".claude" / "projects"
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(tmp_path / "cfg"))
    assert projects_root() == tmp_path / "cfg" / "projects"


def test_the_cache_follows_xdg_cache_home_else_home(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    assert cache_folder() == tmp_path / ".cache" / "session-lsp"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_folder() == tmp_path / "xdg" / "session-lsp"


def test_a_long_cwd_finds_its_folder_whichever_build_hashed_it(tmp_path: Path) -> None:
    work = tmp_path / ("deep-folder-" * 20)
    work.mkdir()
    root = tmp_path / "projects"
    exact = project_folder_name(str(work.resolve()))
    (root / exact).mkdir(parents=True)
    assert project_folder(work, root) == root / exact
    (root / exact).rename(root / (exact[:200] + "-bunhash64"))
    assert project_folder(work, root) == root / (exact[:200] + "-bunhash64")


def test_a_short_cwd_without_sessions_has_no_folder(tmp_path: Path) -> None:
    (tmp_path / "projects").mkdir()
    assert project_folder(tmp_path, tmp_path / "projects") is None


# Reference values from Claude Code's sanitizePath and djb2Hash run under Node.js on these strings.
WINDOWS_LONG_TAIL = "a-very-long-directory-name-" * 8


@pytest.mark.parametrize(
    ("cwd", "folder"),
    [
        ("C:\\Users\\me\\proj", "C--Users-me-proj"),
        ("\\\\server\\share\\proj", "--server-share-proj"),
        ("\\\\?\\C:\\Users\\me\\proj", "----C--Users-me-proj"),
        (
            "C:\\Users\\me\\" + WINDOWS_LONG_TAIL,
            ("C--Users-me-" + WINDOWS_LONG_TAIL)[:200] + "-v8x2et",
        ),
        (
            "c:\\Users\\me\\" + WINDOWS_LONG_TAIL,
            ("c--Users-me-" + WINDOWS_LONG_TAIL)[:200] + "-rnaphx",
        ),
    ],
)
def test_windows_working_directories_are_named_as_claude_code_names_them(
    cwd: str, folder: str
) -> None:
    assert project_folder_name(cwd) == folder


def test_on_windows_the_root_is_under_userprofile_whatever_home_says() -> None:
    """Git Bash sets HOME to a POSIX-looking path; Node's homedir() reads USERPROFILE."""
    environ = {"USERPROFILE": "C:\\Users\\me", "HOME": "/c/Users/me"}
    root = projects_root_for(environ, "nt", lambda: PureWindowsPath("C:\\nobody"))
    assert root == PureWindowsPath("C:\\Users\\me\\.claude\\projects")
    assert str(root) == "C:\\Users\\me\\.claude\\projects"


def test_on_windows_claude_config_dir_wins_and_is_taken_as_a_windows_path() -> None:
    environ = {"USERPROFILE": "C:\\Users\\me", "CLAUDE_CONFIG_DIR": "D:\\claude"}
    root = projects_root_for(environ, "nt", lambda: PureWindowsPath("C:\\nobody"))
    assert str(root) == "D:\\claude\\projects"


def test_without_userprofile_the_systems_home_is_asked() -> None:
    root = projects_root_for({}, "nt", lambda: PureWindowsPath("C:\\Users\\fallback"))
    assert str(root) == "C:\\Users\\fallback\\.claude\\projects"


def test_the_root_is_nfc_normalised_as_claude_code_normalises_it() -> None:
    decomposed = "/Users/Jose\u0301"
    root = projects_root_for({"HOME": decomposed}, "posix", lambda: PurePosixPath("/"))
    assert str(root) == "/Users/Jos\u00e9/.claude/projects"


def test_a_long_windows_folder_is_found_whatever_the_case_of_its_name() -> None:
    name = project_folder_name("C:\\Users\\me\\" + WINDOWS_LONG_TAIL)
    prefix = name[:200] + "-"
    on_disk = ["c--users-me-other", name[:200].lower() + "-bunhash"]
    assert first_with_prefix(on_disk, prefix, ntpath.normcase) == on_disk[1]
    assert first_with_prefix(on_disk, prefix, posixpath.normcase) is None


def test_on_windows_a_project_folder_names_its_directory_whatever_the_case() -> None:
    """NTFS folds case: `c--users-me-proj` is the folder Claude Code made for C:\\Users\\me\\proj."""
    assert names_project_folder("C:\\Users\\me\\proj", "c--users-me-proj", ntpath.normcase)
    assert not names_project_folder("C:\\Users\\me\\proj", "c--users-me-proj", posixpath.normcase)
    assert not names_project_folder("C:\\Users\\me\\proj", "C--Users-me-other", ntpath.normcase)


def test_the_config_folder_and_the_projects_root_agree_on_every_system() -> None:
    environ = {"USERPROFILE": "C:\\Users\\me", "HOME": "/home/me"}
    for os_name in ("nt", "posix"):
        config = claude_config_folder_for(environ, os_name, lambda: PurePosixPath("/"))
        assert (
            projects_root_for(environ, os_name, lambda: PurePosixPath("/")) == config / "projects"
        )
    assert str(claude_config_folder_for(environ, "nt", lambda: PureWindowsPath("C:\\"))) == (
        "C:\\Users\\me\\.claude"
    )
