"""Checks that a .vsix built for one VS Code target holds nothing another platform would need.

Usage: check_vsix.py ARCHIVE TARGET   (exit 0 when the archive is right, 1 with the problems)

Per bundled Python version (`extension/bundled/libs/cpXY`): every wheel's tags (`*.dist-info/WHEEL`)
are pure Python or for that version and the target's platform; every extension module's file name
ends with the suffix that version loads on the target; and every compiled file anywhere in the
archive (found by its magic number, whatever its name) is an ELF, Mach-O or PE file of the
target's architecture (and, on Linux, of its C library). The bundled launcher, imported from the
archive, picks each version's folder when run by an interpreter of the target, and refuses one of
another target. Run by scripts/package.sh after each build and by the tests.
"""

from __future__ import annotations

import importlib.util
import re
import struct
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

PYTHON_VERSIONS = ((3, 11), (3, 12), (3, 13), (3, 14))
LIBS = "extension/bundled/libs/"


@dataclass(frozen=True)
class Target:
    """What a target's compiled files look like."""

    name: str
    binary_format: str  # "elf", "macho" or "pe"
    machine: int  # ELF e_machine, Mach-O cputype or PE Machine
    wheel_platform: re.Pattern[str]
    suffix: str  # the extension-module suffix, `{v}` for the version digits (`312`)
    libc: bytes | None = None  # the C library an ELF module needs (glibc or musl)
    # What the launcher is told about an interpreter of this target.
    system: str = ""
    machine_name: str = ""


TARGETS = {
    target.name: target
    for target in (
        Target("linux-x64", "elf", 0x3E, re.compile(r"(manylinux\w*|linux)_x86_64"), ".cpython-{v}-x86_64-linux-gnu.so", b"libc.so.6", "linux", "x86_64"),
        Target("linux-arm64", "elf", 0xB7, re.compile(r"(manylinux\w*|linux)_aarch64"), ".cpython-{v}-aarch64-linux-gnu.so", b"libc.so.6", "linux", "aarch64"),
        Target("alpine-x64", "elf", 0x3E, re.compile(r"musllinux_\d+_\d+_x86_64"), ".cpython-{v}-x86_64-linux-musl.so", b"libc.musl-x86_64.so.1", "linux", "x86_64"),
        Target("darwin-x64", "macho", 0x01000007, re.compile(r"macosx_\d+_\d+_(x86_64|universal2|intel)"), ".cpython-{v}-darwin.so", None, "darwin", "x86_64"),
        Target("darwin-arm64", "macho", 0x0100000C, re.compile(r"macosx_\d+_\d+_(arm64|universal2)"), ".cpython-{v}-darwin.so", None, "darwin", "arm64"),
        Target("win32-x64", "pe", 0x8664, re.compile(r"win_amd64"), ".cp{v}-win_amd64.pyd", None, "win32", "AMD64"),
        Target("win32-arm64", "pe", 0xAA64, re.compile(r"win_arm64"), ".cp{v}-win_arm64.pyd", None, "win32", "ARM64"),
    )
}
COMPILED_NAME = re.compile(r"\.(so|pyd|dylib|dll|exe)(\.\d+)*$")


def binary_kind(data: bytes) -> tuple[str, int] | None:
    """(format, machine) of a compiled file, or None when `data` is not one."""
    if data[:4] == b"\x7fELF" and len(data) >= 20:
        order = "<" if data[5] == 1 else ">"
        return "elf", struct.unpack(order + "H", data[18:20])[0]
    if data[:4] in (b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe") and len(data) >= 8:
        return "macho", struct.unpack("<i", data[4:8])[0]
    if data[:4] == b"\xca\xfe\xba\xbe" and len(data) >= 8:  # a fat (universal) Mach-O: every slice
        count = struct.unpack(">I", data[4:8])[0]
        if count > 16:  # a Java class file shares the magic; its "count" is a version, >= 45
            return None
        machines = {struct.unpack(">i", data[8 + 20 * i : 12 + 20 * i])[0] for i in range(count)}
        return "macho-fat", sum(1 << (m & 0xFF) for m in machines)
    if data[:2] == b"MZ" and len(data) >= 64:
        offset = struct.unpack("<I", data[60:64])[0]
        if data[offset : offset + 4] == b"PE\0\0":
            return "pe", struct.unpack("<H", data[offset + 4 : offset + 6])[0]
    return None


def _binary_problem(name: str, data: bytes, target: Target) -> str | None:
    kind = binary_kind(data)
    if kind is None:
        return None
    form, machine = kind
    if form == "macho-fat" and target.binary_format == "macho":
        if machine & (1 << (target.machine & 0xFF)):
            return None
        return f"{name}: a universal Mach-O without a slice for {target.name}"
    if form != target.binary_format or machine != target.machine:
        return f"{name}: compiled for {form} machine {machine:#x}, not {target.name}"
    if target.libc is not None and target.libc not in data:
        return f"{name}: does not link {target.libc.decode()} ({target.name}'s C library)"
    return None


def _wheel_problems(name: str, text: str, target: Target, version: tuple[int, int]) -> list[str]:
    problems = []
    digits = f"{version[0]}{version[1]}"
    for line in text.splitlines():
        if not line.startswith("Tag:"):
            continue
        interpreter, abi, platforms = line[4:].strip().split("-")
        if abi == "none" and platforms == "any":
            continue
        if interpreter != f"cp{digits}" and not (abi == "abi3" and interpreter <= f"cp{digits}"):
            problems.append(f"{name}: tag {line[4:].strip()} is not for CPython {version[0]}.{version[1]}")
        for platform_tag in platforms.split("."):
            if not target.wheel_platform.fullmatch(platform_tag):
                problems.append(f"{name}: platform tag {platform_tag} is not {target.name}")
    return problems


def _launcher_problems(archive: zipfile.ZipFile, target: Target) -> list[str]:
    """Runs the bundled launcher's choice for an interpreter of each version on the target."""
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "launch.py"
        source.write_bytes(archive.read("extension/bundled/tool/launch.py"))
        spec = importlib.util.spec_from_file_location("bundled_launch", source)
        assert spec is not None and spec.loader is not None
        launcher = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(launcher)
        libs = Path(folder) / "libs"
        for name in archive.namelist():
            if name.startswith(LIBS) and name.count("/") >= 4:  # extension/bundled/libs/cpXY/...
                (libs / name.split("/")[3]).mkdir(parents=True, exist_ok=True)
        bundled = archive.read("extension/bundled/tool/target.txt").decode().strip()
        problems = []
        if bundled != target.name:
            problems.append(f"bundled/tool/target.txt says {bundled!r}, not {target.name}")
        for version in PYTHON_VERSIONS:
            suffixes = [target.suffix.format(v=f"{version[0]}{version[1]}"), ".abi3.so", ".so"]
            running = launcher.running_target(target.system, target.machine_name, suffixes)
            if running != target.name:
                problems.append(f"the launcher takes a {target.name} Python {version} for {running}")
            chosen, message = launcher.choose_library(str(libs), bundled, version, running, "python")
            if chosen != str(libs / f"cp{version[0]}{version[1]}"):
                problems.append(f"the launcher picks {chosen} for Python {version}: {message}")
        for other in TARGETS.values():
            if other.name == target.name or (other.system == "darwin") != (target.system == "darwin"):
                continue
            suffixes = [other.suffix.format(v="312")]
            running = launcher.running_target(other.system, other.machine_name, suffixes)
            chosen, message = launcher.choose_library(str(libs), bundled, (3, 12), running, "python")
            if chosen is not None or other.name not in (message or ""):
                problems.append(f"the launcher runs a {other.name} Python with the {target.name} bundle")
        return problems


def check(archive_path: Path, target_name: str) -> list[str]:
    """Every problem of the archive, as sentences; empty when it is right for `target_name`."""
    target = TARGETS[target_name]
    problems: list[str] = []
    with zipfile.ZipFile(archive_path) as archive:
        manifest = archive.read("extension.vsixmanifest").decode()
        if f'TargetPlatform="{target.name}"' not in manifest:
            problems.append(f"extension.vsixmanifest does not name TargetPlatform {target.name}")
        names = archive.namelist()
        found = sorted({n.split("/")[3] for n in names if n.startswith(LIBS) and n.count("/") >= 4})
        expected = [f"cp{major}{minor}" for major, minor in PYTHON_VERSIONS]
        if found != expected:
            problems.append(f"bundled Python versions are {found}, expected {expected}")
        compiled_per_version = dict.fromkeys(expected, 0)
        for name in names:
            path = PurePosixPath(name)
            data = archive.read(name)
            problem = _binary_problem(name, data, target)
            if problem:
                problems.append(problem)
            tag = path.parts[3] if name.startswith(LIBS) and len(path.parts) > 4 else None
            version = (int(tag[2]), int(tag[3:])) if tag in compiled_per_version else None
            if path.name == "WHEEL" and path.parent.name.endswith(".dist-info"):
                if version is None:
                    problems.append(f"{name}: a wheel outside the library folders")
                else:
                    problems.extend(_wheel_problems(name, data.decode(), target, version))
            if binary_kind(data) is not None or COMPILED_NAME.search(path.name):
                if version is None:
                    problems.append(f"{name}: a compiled file outside the library folders")
                    continue
                compiled_per_version[tag] += 1  # type: ignore[index]
                digits = f"{version[0]}{version[1]}"
                allowed = (target.suffix.format(v=digits), ".abi3.so" if target.system != "win32" else ".pyd")
                if not path.name.endswith(allowed):
                    problems.append(f"{name}: not a module CPython {version[0]}.{version[1]} loads on {target.name}")
            if "/bin/" in name and name.startswith(LIBS):
                problems.append(f"{name}: a console script of the build machine")
        for tag, count in compiled_per_version.items():
            if tag in found and count == 0:
                problems.append(f"{LIBS}{tag}: no compiled module (msgspec's is expected)")
        problems.extend(_launcher_problems(archive, target))
    return problems


def main(arguments: list[str]) -> int:
    if len(arguments) != 2 or arguments[1] not in TARGETS:
        print(f"usage: check_vsix.py ARCHIVE TARGET  (TARGET: {', '.join(TARGETS)})", file=sys.stderr)
        return 2
    problems = check(Path(arguments[0]), arguments[1])
    for problem in problems:
        print(f"check_vsix: {arguments[0]}: {problem}", file=sys.stderr)
    if not problems:
        print(f"check_vsix: {arguments[0]}: every compiled module is for {arguments[1]} and CPython 3.11-3.14")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
