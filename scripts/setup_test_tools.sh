#!/usr/bin/env bash
# Prepare this machine for the whole test suite (the README's test command runs it):
#
# 1. scripts/setup_browser.sh: Debian's chromium and Solara's offline assets, for the
#    real-browser test of the app (tests/test_browser.py). Required: it stops on failure.
# 2. pdflatex (Debian's texlive-latex-base and texlive-latex-recommended, about 65 MB,
#    under a minute), for the compile tests of the paper tables (tests/test_report.py:
#    every shipped .tex table compiles and fits the page). Optional: if apt-get cannot
#    install it, a warning is printed and those two tests are skipped (they say why).
#
# Idempotent: anything already present is skipped. Usage: scripts/setup_test_tools.sh
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/scripts/setup_browser.sh"

if command -v pdflatex >/dev/null 2>&1; then
  echo "pdflatex: already installed ($(pdflatex --version 2>/dev/null | head -1))"
else
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  echo "pdflatex: installing texlive-latex-base texlive-latex-recommended with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  pkgs=(texlive-latex-base texlive-latex-recommended)
  if ! { $SUDO apt-get install -y --no-install-recommends "${pkgs[@]}" >/dev/null \
         || { $SUDO apt-get update >/dev/null && \
              $SUDO apt-get install -y --no-install-recommends "${pkgs[@]}" >/dev/null; }; }; then
    echo "warning: could not install pdflatex; the LaTeX compile tests will be skipped" >&2
  fi
fi
