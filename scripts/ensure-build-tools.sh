#!/usr/bin/env bash
# Makes sure the tools that build jail-native are installed: gcc and make (Debian's
# build-essential) and libseccomp's static library and header (libseccomp-dev). Installs the
# missing packages with apt-get, which needs root.
set -euo pipefail

missing=()
if ! command -v gcc > /dev/null 2>&1 || ! command -v make > /dev/null 2>&1; then
    missing+=(build-essential)
fi
if ! dpkg-query --show --showformat='${Status}' libseccomp-dev 2> /dev/null \
    | grep --quiet 'install ok installed'; then
    missing+=(libseccomp-dev)
fi
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
echo "Installing Debian's ${missing[*]} (needs root)"
apt-get update -q > /dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" > /dev/null
