"""Start the session-lsp language server that ships inside the VS Code extension.

The extension runs ``python -I bundled/tool/launch.py``. The server's dependencies include compiled
modules (pydantic-core, msgspec) built for one CPython version each, so the extension carries one
library folder per version (``bundled/libs/cp311``, ``cp312``, ...). This script picks the folder of
the running interpreter, puts it first on ``sys.path`` and runs ``python -m session_lsp serve``
with any extra arguments passed through. Kept compatible with old Pythons so that running it with
one prints the explanation instead of a syntax error.
"""

import os
import runpy
import sys

BUNDLED_DIRECTORY = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LIBS_DIRECTORY = os.path.join(BUNDLED_DIRECTORY, "libs")


def bundled_versions():
    """The Python versions that have a library folder, e.g. ``["3.11", "3.12"]``."""
    try:
        names = os.listdir(LIBS_DIRECTORY)
    except OSError:
        return []
    tags = sorted((name for name in names if name.startswith("cp") and name[2:].isdigit()), key=lambda tag: int(tag[3:] or 0))
    return ["%s.%s" % (tag[2], tag[3:]) for tag in tags]


def main():
    version = sys.version_info
    tag = "cp%d%d" % (version[0], version[1])
    library_folder = os.path.join(LIBS_DIRECTORY, tag)
    if not os.path.isdir(library_folder):
        sys.stderr.write(
            "session-lsp: %s is Python %d.%d, but this extension bundles the server for Python %s only. "
            "Set sessionLsp.interpreter to one of those, or sessionLsp.server.path to an installed "
            "session-lsp executable.\n"
            % (sys.executable, version[0], version[1], ", ".join(bundled_versions()) or "(none: the bundle is missing)")
        )
        sys.exit(2)
    sys.path.insert(0, library_folder)
    sys.argv = ["session_lsp", "serve"] + sys.argv[1:]
    runpy.run_module("session_lsp", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
