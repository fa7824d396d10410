"""One .vsix per VS Code target, each holding only its own platform's compiled modules.

`scripts/check_vsix.py` is the check that `npm run package:all` runs after each build; here it is
run on a fresh build (one target by default: building all seven takes minutes, see
bench/bench_package.py; `SESSION_LSP_VSIX_TARGETS=all` builds and checks every one) and on forged
archives that each break one rule, so that the check itself is known to catch what it claims.
"""

from __future__ import annotations

import importlib.util
import io
import os
import struct
import subprocess
import sys
import zipfile
from pathlib import Path
from types import ModuleType

import pytest

from tests.support.tools import missing, require_tool

CLIENT = Path(__file__).resolve().parents[2] / "client-vscode"
LAUNCHER = CLIENT / "server-launcher" / "launch.py"


def _load(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


check_vsix = _load(CLIENT / "scripts" / "check_vsix.py", "check_vsix")
launch = _load(LAUNCHER, "bundled_launch_under_test")
TARGETS: list[str] = list(check_vsix.TARGETS)


def _targets_to_build() -> list[str]:
    chosen = os.environ.get("SESSION_LSP_VSIX_TARGETS", "darwin-arm64")
    return TARGETS if chosen == "all" else chosen.split(",")


@pytest.mark.parametrize("target", _targets_to_build())
def test_a_built_vsix_holds_only_its_targets_compiled_modules(target: str) -> None:
    if not (CLIENT / "node_modules").is_dir():
        missing("client-vscode/node_modules is missing: run client-vscode/scripts/ci-setup.sh")
    npm = require_tool("npm")
    built = subprocess.run(
        [npm, "--prefix", str(CLIENT), "run", "build"], capture_output=True, text=True, check=False
    )
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    packaged = subprocess.run(
        ["bash", str(CLIENT / "scripts" / "package.sh"), target],
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
        env={**os.environ, "PYTHON": sys.executable},
    )
    assert packaged.returncode == 0, packaged.stdout[-3000:] + packaged.stderr[-3000:]
    archive = CLIENT / "dist" / f"session-lsp-{target}.vsix"
    assert check_vsix.check(archive, target) == []
    with zipfile.ZipFile(archive) as opened:
        modules = [name for name in opened.namelist() if "/msgspec/_core" in name]
    assert len(modules) == 4, modules  # one msgspec per bundled CPython


# --- forged archives: each breaks one rule ------------------------------------------------------


def _elf(machine: int, libc: bytes) -> bytes:
    return b"\x7fELF\x02\x01\x01" + bytes(11) + struct.pack("<H", machine) + bytes(40) + libc


def _pe(machine: int) -> bytes:
    return b"MZ" + bytes(58) + struct.pack("<I", 64) + b"PE\0\0" + struct.pack("<H", machine)


def _macho(cputype: int) -> bytes:
    return b"\xcf\xfa\xed\xfe" + struct.pack("<i", cputype) + bytes(24)


def _module_for(target: str, digits: str) -> tuple[str, bytes]:
    """msgspec's extension module as the target's wheel for CPython 3.<digits> names it."""
    spec = check_vsix.TARGETS[target]
    name = "_core" + spec.suffix.format(v=digits)
    if spec.binary_format == "elf":
        return name, _elf(spec.machine, spec.libc)
    if spec.binary_format == "pe":
        return name, _pe(spec.machine)
    return name, _macho(spec.machine)


WHEEL_PLATFORM = {
    "linux-x64": "manylinux_2_17_x86_64.manylinux2014_x86_64",
    "linux-arm64": "manylinux_2_17_aarch64.manylinux2014_aarch64",
    "alpine-x64": "musllinux_1_2_x86_64",
    "darwin-x64": "macosx_10_9_x86_64",
    "darwin-arm64": "macosx_11_0_arm64",
    "win32-x64": "win_amd64",
    "win32-arm64": "win_arm64",
}


def _archive(target: str, extra: dict[str, bytes] | None = None, drop: str = "") -> bytes:
    files: dict[str, bytes] = {
        "extension.vsixmanifest": f'<Identity TargetPlatform="{target}"/>'.encode(),
        "extension/bundled/tool/launch.py": LAUNCHER.read_bytes(),
        "extension/bundled/tool/target.txt": f"{target}\n".encode(),
    }
    for digits in ("311", "312", "313", "314"):
        library = f"extension/bundled/libs/cp{digits}/"
        name, data = _module_for(target, digits)
        files[library + "msgspec/" + name] = data
        files[library + "msgspec-0.23.0.dist-info/WHEEL"] = (
            f"Wheel-Version: 1.0\nTag: cp{digits}-cp{digits}-{WHEEL_PLATFORM[target]}\n".encode()
        )
        files[library + "pygls-2.1.1.dist-info/WHEEL"] = b"Tag: py3-none-any\n"
    files.update(extra or {})
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            if not (drop and name.startswith(drop)):
                archive.writestr(name, data)
    return buffer.getvalue()


def _problems(tmp_path: Path, target: str, data: bytes) -> list[str]:
    path = tmp_path / f"{target}.vsix"
    path.write_bytes(data)
    problems: list[str] = check_vsix.check(path, target)
    return problems


@pytest.mark.parametrize("target", TARGETS)
def test_a_forged_archive_of_the_right_platform_passes(tmp_path: Path, target: str) -> None:
    assert _problems(tmp_path, target, _archive(target)) == []


@pytest.mark.parametrize(
    ("target", "foreign"),
    [
        ("win32-arm64", "win32-x64"),
        ("darwin-x64", "darwin-arm64"),
        ("alpine-x64", "linux-x64"),
        ("linux-arm64", "linux-x64"),
    ],
)
def test_a_module_of_another_platform_is_found_whatever_its_name(
    tmp_path: Path, target: str, foreign: str
) -> None:
    _, data = _module_for(foreign, "312")
    # Named as the target's own module, so only its header gives it away.
    name, _ = _module_for(target, "312")
    forged = _archive(target, {f"extension/bundled/libs/cp312/msgspec/{name}": data})
    assert any(
        foreign != target and "msgspec/" + name in p for p in _problems(tmp_path, target, forged)
    )


def test_a_compiled_file_hidden_under_another_name_is_found(tmp_path: Path) -> None:
    forged = _archive("win32-x64", {"extension/media/readme.txt": _elf(0x3E, b"libc.so.6")})
    problems = _problems(tmp_path, "win32-x64", forged)
    assert any("extension/media/readme.txt" in problem for problem in problems)


def test_a_wheel_of_another_python_version_is_found(tmp_path: Path) -> None:
    forged = _archive(
        "linux-x64",
        {
            "extension/bundled/libs/cp313/msgspec-0.23.0.dist-info/WHEEL": b"Tag: cp312-cp312-manylinux2014_x86_64\n"
        },
    )
    assert any("not for CPython 3.13" in p for p in _problems(tmp_path, "linux-x64", forged))


def test_a_module_for_another_python_version_is_found(tmp_path: Path) -> None:
    name, data = _module_for("darwin-arm64", "312")
    forged = _archive("darwin-arm64", {f"extension/bundled/libs/cp311/msgspec/{name}": data})
    assert any(
        "not a module CPython 3.11 loads" in p for p in _problems(tmp_path, "darwin-arm64", forged)
    )


def test_a_missing_python_version_is_found(tmp_path: Path) -> None:
    forged = _archive("linux-x64", drop="extension/bundled/libs/cp314/")
    assert any("bundled Python versions" in p for p in _problems(tmp_path, "linux-x64", forged))


def test_a_glibc_module_in_the_alpine_build_is_found(tmp_path: Path) -> None:
    name, _ = _module_for("alpine-x64", "311")
    forged = _archive(
        "alpine-x64", {f"extension/bundled/libs/cp311/msgspec/{name}": _elf(0x3E, b"libc.so.6")}
    )
    assert any("libc.musl" in p for p in _problems(tmp_path, "alpine-x64", forged))


def test_a_bundle_that_says_another_target_is_found(tmp_path: Path) -> None:
    forged = _archive("win32-x64", {"extension/bundled/tool/target.txt": b"linux-x64\n"})
    assert any("target.txt" in p for p in _problems(tmp_path, "win32-x64", forged))


# --- the launcher on each platform -----------------------------------------------------------

# What `importlib.machinery.EXTENSION_SUFFIXES` is on each target (CPython 3.12).
REAL_SUFFIXES = {
    "linux-x64": ("linux", "x86_64", [".cpython-312-x86_64-linux-gnu.so", ".abi3.so", ".so"]),
    "linux-arm64": ("linux", "aarch64", [".cpython-312-aarch64-linux-gnu.so", ".abi3.so", ".so"]),
    "alpine-x64": ("linux", "x86_64", [".cpython-312-x86_64-linux-musl.so", ".abi3.so", ".so"]),
    "darwin-x64": ("darwin", "x86_64", [".cpython-312-darwin.so", ".abi3.so", ".so"]),
    "darwin-arm64": ("darwin", "arm64", [".cpython-312-darwin.so", ".abi3.so", ".so"]),
    "win32-x64": ("win32", "AMD64", [".cp312-win_amd64.pyd", ".pyd"]),
    "win32-arm64": ("win32", "ARM64", [".cp312-win_arm64.pyd", ".pyd"]),
}


@pytest.mark.parametrize("target", TARGETS)
def test_the_launcher_knows_each_targets_interpreter(target: str) -> None:
    system, machine, suffixes = REAL_SUFFIXES[target]
    assert launch.running_target(system, machine, suffixes) == target


def test_an_emulated_x64_python_on_windows_arm_is_told_to_use_an_arm64_one(tmp_path: Path) -> None:
    (tmp_path / "cp312").mkdir()
    system, machine, suffixes = REAL_SUFFIXES["win32-x64"]
    running = launch.running_target(system, machine, suffixes)
    folder, message = launch.choose_library(
        str(tmp_path), "win32-arm64", (3, 12), running, "py.exe"
    )
    assert folder is None
    assert "py.exe runs as win32-x64" in message and "for win32-arm64" in message


def test_the_launcher_picks_the_running_versions_folder(tmp_path: Path) -> None:
    for tag in ("cp311", "cp312", "cp313", "cp314"):
        (tmp_path / tag).mkdir()
    for minor in (11, 12, 13, 14):
        folder, _ = launch.choose_library(str(tmp_path), "linux-x64", (3, minor), "linux-x64", "py")
        assert folder == str(tmp_path / f"cp3{minor}")
    folder, message = launch.choose_library(str(tmp_path), "linux-x64", (3, 15), "linux-x64", "py")
    assert folder is None and "3.11, 3.12, 3.13, 3.14 only" in message
