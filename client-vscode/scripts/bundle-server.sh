#!/usr/bin/env bash
# Fills bundled/ with everything the extension needs to run the server on a machine that has only
# a Python >= 3.11 and no network:
#   bundled/tool/launch.py      picks the library folder matching the running interpreter;
#   bundled/libs/cpXY/          session_lsp + its dependencies for CPython X.Y on linux x64.
# The dependency list is read from the repository's pyproject.toml, so it has one source of truth.
# Wheels come from the configured package index (PyPI); pip's cache makes re-runs fast.
set -euo pipefail

client_directory="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
repository_directory="$(cd "$client_directory/.." && pwd)"
bundle_directory="$client_directory/bundled"
python_versions=(${SESSION_LSP_BUNDLE_PYTHONS:-3.11 3.12 3.13 3.14})
# manylinux2014 = glibc 2.17: the widest linux x64 compatibility the dependencies offer.
platform="manylinux2014_x86_64"
python="${PYTHON:-python3}"
export PIP_ROOT_USER_ACTION=ignore

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

for version in "${python_versions[@]}"; do
  tag="cp${version/./}"
  target="$bundle_directory/libs/$tag"
  echo "bundle-server: dependencies for CPython $version -> bundled/libs/$tag"
  "$python" -m pip install --quiet --disable-pip-version-check --no-warn-conflicts --no-compile \
    --target "$target" --implementation cp --python-version "$version" \
    --platform "$platform" --only-binary=:all: "${dependencies[@]}"
  # The server package itself is pure Python: copy it rather than build a wheel inside the
  # repository (which would leave build/ and *.egg-info behind).
  (cd "$repository_directory" && tar --exclude='__pycache__' --exclude='*.pyc' -cf - session_lsp) | tar -xf - -C "$target"
  # Console scripts pip generated for the build machine's Python are of no use in the bundle.
  rm -rf "$target/bin"
done

find "$bundle_directory" -name '__pycache__' -type d -prune -exec rm -rf {} +
echo "bundle-server: $(du -sh "$bundle_directory" | cut -f1) in $bundle_directory"
