"""The Python package as users get it: an sdist and a wheel built by `python -m build`, installed
as a tool by pipx and by uv, from the source folder and from the built wheel, with the
`session-lsp` console script working from the tool's own environment.

Each install makes a fresh virtual environment and fetches the dependencies from the package
index (about 10 s each with a warm cache), so the builds are shared by the whole module.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

from tests.support.tools import missing, require_tool

REPOSITORY = Path(__file__).resolve().parents[1]
DAMAGED = (
    b'{"type":"user","uuid":"u1","parentUuid":null,"sessionId":"s1",'
    b'"message":{"role":"user","content":"hi"}}\n'
    b'{"type":"assistant","uuid":"a1","parentUuid":"u1","sessionId":"s1","message":'
    b'{"role":"assistant","id":"m1","content":[{"type":"tool_use","id":"toolu_1",'
    b'"name":"Bash","input":{"command":"ls"}}]}}\n'
    b'{"type":"user","uuid":"u2","parentUuid":"a1","sessionId":"s1",'
    b'"message":{"role":"user","content":"next"}}\n'
)


def _package_modules(root: Path) -> set[str]:
    return {
        path.relative_to(root).as_posix()
        for path in (root / "session_lsp").rglob("*.py")
        if "__pycache__" not in path.parts
    }


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What a clone holds of the package (no build/ or egg-info left in the work tree)."""
    folder = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPOSITORY / name, folder / name)
    shutil.copytree(
        REPOSITORY / "session_lsp",
        folder / "session_lsp",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
    )
    return folder


@pytest.fixture(scope="module")
def built(source: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    if importlib.util.find_spec("build") is None:
        missing("the `build` package is not installed (pip install -e '.[test]')")
    out = tmp_path_factory.mktemp("dist")
    result = subprocess.run(
        [sys.executable, "-m", "build", "--sdist", "--wheel", "--outdir", str(out), str(source)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "deprecated" not in result.stdout + result.stderr, "the metadata uses a deprecated form"
    (sdist,) = out.glob("*.tar.gz")
    (wheel,) = out.glob("*.whl")
    return {"sdist": sdist, "wheel": wheel}


def test_the_wheel_holds_every_module_the_console_script_and_the_metadata(
    built: dict[str, Path], source: Path
) -> None:
    project = tomllib.loads((source / "pyproject.toml").read_text())["project"]
    with zipfile.ZipFile(built["wheel"]) as wheel:
        names = set(wheel.namelist())
        info = f"session_lsp-{project['version']}.dist-info"
        entry_points = wheel.read(f"{info}/entry_points.txt").decode()
        metadata = Parser().parsestr(wheel.read(f"{info}/METADATA").decode())
        tag = wheel.read(f"{info}/WHEEL").decode()
    assert {name for name in names if name.endswith(".py")} == _package_modules(source)
    assert "session-lsp = session_lsp.cli.main:main" in entry_points
    assert metadata["Requires-Python"] == ">=3.11"
    assert metadata["License-Expression"] == "MIT"
    required = [item for item in metadata.get_all("Requires-Dist") or [] if "extra ==" not in item]
    assert sorted(required) == sorted(item.replace(" ", "") for item in project["dependencies"])
    # The C module, built where a compiler is, makes it a wheel for this platform only.
    if not any(re.fullmatch(r"session_lsp/_native\..+\.so", name) for name in names):
        missing("no C compiler here: the wheel was built without its C module")
    assert re.search(r"^Tag: cp3\d+-cp3\d+-\w+$", tag, re.MULTILINE), tag


def test_the_sdist_builds_the_same_package(built: dict[str, Path], source: Path) -> None:
    with tarfile.open(built["sdist"]) as sdist:
        names = sdist.getnames()
    prefix = names[0].split("/")[0] + "/"
    inside = {name.removeprefix(prefix) for name in names}
    assert {"pyproject.toml", "README.md", "PKG-INFO"} <= inside
    assert {name for name in inside if name.endswith(".py")} >= _package_modules(source)
    native = {
        "_native.c",
        "lsp/_json_string.c",
        "core/_byte_search.c",
        "core/_newline_offsets.c",
        "core/_offsets.h",
    }
    assert {f"session_lsp/{source}" for source in native} <= inside


def _install(installer: str, spec: str, home: Path) -> Path:
    """Installs `spec` as a tool in a private home; returns the folder of its scripts."""
    program = require_tool(installer)
    bin_dir = home / "bin"
    environment = {**os.environ}
    if installer == "pipx":
        environment.update(PIPX_HOME=str(home / "pipx"), PIPX_BIN_DIR=str(bin_dir))
        environment.update(PIPX_MAN_DIR=str(home / "man"))
        command = [program, "install", "--python", sys.executable, spec]
    else:
        environment.update(UV_TOOL_DIR=str(home / "uv"), UV_TOOL_BIN_DIR=str(bin_dir))
        command = [program, "tool", "install", "--python", sys.executable, spec]
    environment.pop("PYTHONPATH", None)  # the tool must run from its own environment
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=600, check=False, env=environment
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return bin_dir


@pytest.mark.parametrize("installer", ["pipx", "uv"])
@pytest.mark.parametrize("origin", ["source folder", "wheel"])
def test_a_tool_install_gives_a_working_session_lsp_command(
    installer: str, origin: str, built: dict[str, Path], source: Path, tmp_path: Path
) -> None:
    spec = str(source if origin == "source folder" else built["wheel"])
    bin_dir = _install(installer, spec, tmp_path / "home")
    script = bin_dir / ("session-lsp.exe" if os.name == "nt" else "session-lsp")
    session = tmp_path / "s1.jsonl"
    session.write_bytes(DAMAGED)
    environment = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    version = subprocess.run(
        [str(script), "--version"], capture_output=True, text=True, env=environment, check=False
    )
    assert version.returncode == 0 and version.stdout.startswith("session-lsp "), version
    checked = subprocess.run(
        [str(script), "check", str(session)],
        capture_output=True,
        text=True,
        env=environment,
        cwd=tmp_path,
        check=False,
    )
    assert checked.returncode == 1, checked.stdout + checked.stderr
    assert "unpaired-tool-use" in checked.stdout
    # The command runs the copy installed in the tool's environment, not this checkout.
    interpreter = script.read_text(errors="replace").splitlines()[0].removeprefix("#!").split()[0]
    where = subprocess.run(
        [interpreter, "-c", "import session_lsp; print(session_lsp.__file__)"],
        capture_output=True,
        text=True,
        env=environment,
        cwd=tmp_path,  # not this checkout, which `-c` would put first on sys.path
        check=True,
    ).stdout.strip()
    assert Path(where).is_relative_to(tmp_path / "home"), where
