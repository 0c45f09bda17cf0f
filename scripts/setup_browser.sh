#!/usr/bin/env bash
# Prepare this machine for the real-browser test of the visual app (tests/test_browser.py).
#
# 1. Installs Debian's chromium (apt-get) if /usr/bin/chromium is missing. Playwright's own
#    browser download is not used: it needs internet access this project's CI does not have.
# 2. Fills Solara's CDN proxy cache from the npm registry, so the page renders offline
#    (without it the page is blank: Solara proxies its JavaScript/CSS from a public CDN).
#    The cache goes to $SOLARA_ASSETS_PROXY_CACHE_DIR, default <repo>/.solara-cache/cdn
#    (git-ignored); tests/test_browser.py and `abm viz` look there.
#
# Idempotent: anything already present is skipped. Usage: scripts/setup_browser.sh
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${SOLARA_ASSETS_PROXY_CACHE_DIR:-$ROOT/.solara-cache/cdn}"

# Packages (name@version exactly as in the URL /_solara/cdn/NAME@VERSION/...) that the pages
# of solara 1.64.1 request. Bump them with solara (the server log says "Could not load URL").
PACKAGES=(
  "@widgetti/solara-vuetify-app@10.1.1"
  "@widgetti/solara-vuetify3-app@5.2.0"
  "font-awesome@4.5.0"
  "requirejs@2.3.6"
  "@widgetti/vue-grid-layout@2.3.13-alpha.2"
)

start=$(date +%s)

# -- 1. chromium ---------------------------------------------------------------------------
if [ -x /usr/bin/chromium ]; then
  echo "chromium: already installed ($(/usr/bin/chromium --version 2>/dev/null | head -1))"
else
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  echo "chromium: installing with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get install -y --no-install-recommends chromium \
    || { $SUDO apt-get update && $SUDO apt-get install -y --no-install-recommends chromium; }
fi

# -- 2. Solara's offline asset cache -------------------------------------------------------
if ! command -v npm >/dev/null 2>&1; then
  echo "error: npm is needed to fill the Solara asset cache (apt-get install -y npm)" >&2
  exit 1
fi
mkdir -p "$CACHE"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
for pkg in "${PACKAGES[@]}"; do
  dest="$CACHE/$pkg"
  if [ -f "$dest/package.json" ]; then
    echo "assets: $pkg already cached"
    continue
  fi
  echo "assets: fetching $pkg from the npm registry"
  tarball="$(cd "$tmp" && npm pack --silent "$pkg" | tail -1)"
  rm -rf "$dest.partial"
  mkdir -p "$dest.partial"
  tar -xzf "$tmp/$tarball" -C "$dest.partial" --strip-components=1
  rm -rf "$dest"
  mv "$dest.partial" "$dest"
  rm -f "$tmp/$tarball"
done
echo "assets: cache ready in $CACHE"
echo "setup_browser.sh done in $(( $(date +%s) - start )) s"
