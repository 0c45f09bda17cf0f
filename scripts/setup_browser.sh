#!/usr/bin/env bash
# Prepare this machine for the real-browser test of the visual app (tests/test_browser.py).
#
# 1. Installs Debian's chromium (apt-get) if /usr/bin/chromium is missing. Playwright's own
#    browser download is not used: it needs internet access this project's CI does not have.
# 2. Fills Solara's CDN proxy cache from the npm registry (`abm viz-setup`, with npm), so the
#    page renders offline (without it the page is blank: Solara proxies its JavaScript/CSS
#    from a public CDN).
#    The cache goes to $SOLARA_ASSETS_PROXY_CACHE_DIR, default <repo>/.solara-cache/cdn
#    (git-ignored); tests/test_browser.py and `abm viz` look there.
#
# Idempotent: anything already present is skipped. Usage: scripts/setup_browser.sh
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${SOLARA_ASSETS_PROXY_CACHE_DIR:-$ROOT/.solara-cache/cdn}"

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
# The same as `abm viz-setup` (abmcli/viz_setup.py lists the packages; it needs npm), run from
# this checkout so that the cache goes to <repo>/.solara-cache/cdn unless the variable is set.
export SOLARA_ASSETS_PROXY_CACHE_DIR="$CACHE"
(cd "$ROOT" && python -m abmcli viz-setup)
echo "setup_browser.sh done in $(( $(date +%s) - start )) s"
