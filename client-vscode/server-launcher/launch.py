"""Start the session-lsp language server that ships inside the VS Code extension.

The extension runs ``python -I bundled/tool/launch.py``. The server's dependencies include a
compiled module (msgspec) built for one CPython version and one platform each, so each .vsix is
built for one VS Code target (``bundled/tool/target.txt``, e.g. ``win32-arm64``) and carries one
library folder per Python version (``bundled/libs/cp311``, ``cp312``, ...). This script checks that
the running interpreter is of that target (an x64 Python emulated on an ARM64 machine is not: it
cannot load ARM64 modules), picks the folder of its version, puts it first on ``sys.path`` and runs
``python -m session_lsp serve`` with any extra arguments passed through. Kept compatible with old
Pythons so that running it with one prints the explanation instead of a syntax error.
"""

import os
import platform
import runpy
import sys

try:
    from importlib.machinery import EXTENSION_SUFFIXES
except ImportError:  # Python 2 has no such list; it is refused for its version anyway
    EXTENSION_SUFFIXES = []

BUNDLED_DIRECTORY = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LIBS_DIRECTORY = os.path.join(BUNDLED_DIRECTORY, "libs")
TARGET_FILE = os.path.join(BUNDLED_DIRECTORY, "tool", "target.txt")

# The part of an extension-module suffix that names the platform, per VS Code target
# (`.cpython-312-x86_64-linux-gnu.so`, `.cp312-win_arm64.pyd`). macOS suffixes name no
# architecture (`.cpython-312-darwin.so`), so there the machine decides.
LINUX_SUFFIX_TARGETS = (
    ("-x86_64-linux-gnu.so", "linux-x64"),
    ("-aarch64-linux-gnu.so", "linux-arm64"),
    ("-x86_64-linux-musl.so", "alpine-x64"),
)
WINDOWS_SUFFIX_TARGETS = (("-win_amd64.pyd", "win32-x64"), ("-win_arm64.pyd", "win32-arm64"))
DARWIN_MACHINE_TARGETS = {"x86_64": "darwin-x64", "arm64": "darwin-arm64"}


def running_target(system, machine, extension_suffixes):
    """The VS Code target whose compiled modules this interpreter loads, or None when none is.

    `system` is `sys.platform`, `machine` is `platform.machine()` (the architecture this process
    runs as: x86_64 under Rosetta), `extension_suffixes` the interpreter's own list."""
    if system == "darwin":
        return DARWIN_MACHINE_TARGETS.get(machine)
    if system.startswith("linux"):
        table = LINUX_SUFFIX_TARGETS
    elif system == "win32":
        table = WINDOWS_SUFFIX_TARGETS
    else:
        return None
    for ending, target in table:
        if any(suffix.endswith(ending) for suffix in extension_suffixes):
            return target
    return None


def bundled_versions(libs_directory):
    """The Python versions that have a library folder, e.g. ``["3.11", "3.12"]``."""
    try:
        names = os.listdir(libs_directory)
    except OSError:
        return []
    tags = sorted((name for name in names if name.startswith("cp") and name[2:].isdigit()), key=lambda tag: int(tag[3:] or 0))
    return ["%s.%s" % (tag[2], tag[3:]) for tag in tags]


def choose_library(libs_directory, bundled_target, version, target, executable):
    """(library folder, None) for this interpreter, or (None, the message that says what to use).

    `bundled_target` is the target the bundle was built for (None for a bundle without
    target.txt: one built before there were several), `version` the interpreter's (major, minor),
    `target` what `running_target` says of it."""
    if bundled_target is not None and target != bundled_target:
        return None, (
            "session-lsp: %s runs as %s, but this build of the extension is for %s, whose compiled "
            "modules it cannot load. Use a Python built for %s (on an ARM64 machine, the ARM64 "
            "installer, not x64 under emulation), or set sessionLsp.server.path to an installed "
            "session-lsp executable.\n" % (executable, target or "a platform with no build", bundled_target, bundled_target)
        )
    folder = os.path.join(libs_directory, "cp%d%d" % version)
    if not os.path.isdir(folder):
        return None, (
            "session-lsp: %s is Python %d.%d, but this extension bundles the server for Python %s only. "
            "Set sessionLsp.interpreter to one of those, or sessionLsp.server.path to an installed "
            "session-lsp executable.\n"
            % (executable, version[0], version[1], ", ".join(bundled_versions(libs_directory)) or "(none: the bundle is missing)")
        )
    return folder, None


def read_bundled_target(path):
    try:
        with open(path) as handle:
            return handle.read().strip() or None
    except (IOError, OSError):
        return None


def main():
    target = running_target(sys.platform, platform.machine(), EXTENSION_SUFFIXES)
    folder, message = choose_library(
        LIBS_DIRECTORY, read_bundled_target(TARGET_FILE), tuple(sys.version_info[:2]), target, sys.executable
    )
    if folder is None:
        sys.stderr.write(message)
        sys.exit(2)
    sys.path.insert(0, folder)
    sys.argv = ["session_lsp", "serve"] + sys.argv[1:]
    runpy.run_module("session_lsp", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
