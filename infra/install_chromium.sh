#!/usr/bin/env bash
# Install Debian's Chromium (and fonts with Arabic and Hebrew glyphs) for the browser tests and `make bench-web`.
#
# Playwright drives /usr/bin/chromium through `executable_path`: its own browser download (`playwright install`)
# needs a CDN that this project's machines cannot reach, while Debian's package comes from the same archive as
# everything else. fonts-noto-core brings Noto Naskh Arabic and Noto Sans Hebrew, so the right-to-left screenshots
# show letters rather than boxes. Idempotent: does nothing when both are there. Needs root (apt-get), as `make test`
# runs on this project's machines.
set -euo pipefail

PACKAGES=()
[[ -x /usr/bin/chromium ]] || PACKAGES+=(chromium)
dpkg-query -W -f='${Status}' fonts-noto-core 2>/dev/null | grep -q "install ok installed" || PACKAGES+=(fonts-noto-core)
[[ ${#PACKAGES[@]} -eq 0 ]] && exit 0

command -v apt-get >/dev/null || {
  echo "install_chromium: apt-get not found; install ${PACKAGES[*]} with this system's package manager" >&2; exit 1; }
SUDO=()
[[ $(id -u) -eq 0 ]] || SUDO=(sudo)
echo "install_chromium: installing ${PACKAGES[*]}" >&2
"${SUDO[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq "${PACKAGES[@]}" >/dev/null
/usr/bin/chromium --version >&2
