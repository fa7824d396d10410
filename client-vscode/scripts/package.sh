#!/usr/bin/env bash
# Packages one .vsix per VS Code target: dist/session-lsp-<target>.vsix, each with the server and
# its dependencies for that target only, then checks each archive (scripts/check_vsix.py): every
# compiled module is for that target and for each bundled Python, nothing of another platform.
# Usage: package.sh TARGET...   or   package.sh all   (every target of scripts/targets.txt).
# Expects `npm run build` to have run (dist/extension.js).
set -euo pipefail

client_directory="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$client_directory"
python="${PYTHON:-python3}"
repository="$(node -p 'require("./package.json").repository.url.replace(/\.git$/, "")')"

if [[ "${1:-}" == "all" ]]; then
  mapfile -t targets < <(awk '!/^#/ && NF { print $1 }' scripts/targets.txt)
else
  targets=("$@")
fi
if ((${#targets[@]} == 0)); then
  echo "package: name the targets, or 'all'" >&2
  exit 1
fi

mkdir -p dist
for target in "${targets[@]}"; do
  started=$SECONDS
  bash scripts/bundle-server.sh "$target"
  archive="dist/session-lsp-$target.vsix"
  # The README's images as the marketplace shows them: from the repository's client-vscode/ folder.
  npx --no-install vsce package --target "$target" --out "$archive" \
    --baseContentUrl "$repository/blob/HEAD/client-vscode" --baseImagesUrl "$repository/raw/HEAD/client-vscode"
  "$python" scripts/check_vsix.py "$archive" "$target"
  # vsce reads the archive back as publishing does (neither vsce nor ovsx has an offline dry run).
  npx --no-install vsce generate-manifest --packagePath "$archive" --out "$archive.manifest" >/dev/null
  rm -f "$archive.manifest"
  echo "package: $archive in $((SECONDS - started)) s"
done
