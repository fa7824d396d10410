#!/usr/bin/env bash
# Fills bundled/ with everything the extension needs to run the server on a machine of one VS Code
# target that has only a Python 3.11-3.14 and no network:
#   bundled/tool/launch.py      picks the library folder matching the running interpreter;
#   bundled/tool/target.txt     the VS Code target the bundle is for (the launcher checks it);
#   bundled/libs/cpXY/          session_lsp + its dependencies for CPython X.Y on that target.
# Usage: bundle-server.sh [TARGET]   (default linux-x64; see targets.txt for the list)
# The dependency list is read from the repository's pyproject.toml, so it has one source of truth.
# Wheels come from the configured package index (PyPI) and must be binary (no build from source):
# a dependency without a wheel for the target stops the build, naming it.
set -euo pipefail

client_directory="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
repository_directory="$(cd "$client_directory/.." && pwd)"
bundle_directory="$client_directory/bundled"
target="${1:-linux-x64}"
python_versions=(${SESSION_LSP_BUNDLE_PYTHONS:-3.11 3.12 3.13 3.14})
python="${PYTHON:-python3}"
export PIP_ROOT_USER_ACTION=ignore

# The pip platform tag per VS Code target: the oldest system each dependency's wheels allow, so
# the widest set of machines runs the bundle. pip widens a manylinux/macosx tag to the older ones.
platform="$(awk -v target="$target" '$1 == target { print $2 }' "$client_directory/scripts/targets.txt")"
if [[ -z "$platform" ]]; then
  echo "bundle-server: unknown target '$target'; known: $(awk '!/^#/ { printf "%s ", $1 }' "$client_directory/scripts/targets.txt")" >&2
  exit 1
fi

if [[ ! -f "$repository_directory/session_lsp/__main__.py" ]]; then
  echo "bundle-server: $repository_directory/session_lsp/__main__.py is missing; cannot bundle the server" >&2
  exit 1
fi

mapfile -t dependencies < <("$python" - "$repository_directory/pyproject.toml" <<'PY'
import sys
import tomllib

with open(sys.argv[1], "rb") as handle:
    print("\n".join(tomllib.load(handle)["project"]["dependencies"]))
PY
)

rm -rf "$bundle_directory"
mkdir -p "$bundle_directory/tool" "$bundle_directory/libs"
cp "$client_directory/server-launcher/launch.py" "$bundle_directory/tool/launch.py"
echo "$target" >"$bundle_directory/tool/target.txt"

for version in "${python_versions[@]}"; do
  tag="cp${version/./}"
  library="$bundle_directory/libs/$tag"
  echo "bundle-server: $target, CPython $version -> bundled/libs/$tag ($platform)"
  "$python" -m pip install --quiet --disable-pip-version-check --no-warn-conflicts --no-compile \
    --target "$library" --implementation cp --python-version "$version" \
    --platform "$platform" --only-binary=:all: "${dependencies[@]}"
  # The server package is copied as Python, rather than built into a wheel inside the
  # repository (which would leave build/ and *.egg-info behind). Its optional C module (a big
  # didOpen unescaped faster) stays out: built for this machine, not the target, and VS Code
  # sends no text that big anyway; the server does the same in Python without it.
  (cd "$repository_directory" && tar --exclude='__pycache__' --exclude='*.pyc' --exclude='*.c' --exclude='*.so' --exclude='*.pyd' -cf - session_lsp) | tar -xf - -C "$library"
  # Console scripts pip generated for the build machine's Python are of no use in the bundle.
  rm -rf "$library/bin"
done

find "$bundle_directory" -name '__pycache__' -type d -prune -exec rm -rf {} +
echo "bundle-server: $(du -sh "$bundle_directory" | cut -f1) in $bundle_directory"
