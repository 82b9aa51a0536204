#!/usr/bin/env bash
# Installs the Debian 12 packages student_etl needs to build, run and test. Does nothing when
# they are all present; otherwise refreshes the package lists first.
set -euo pipefail

packages=(
  make g++ pkg-config
  postgresql-15 postgresql-server-dev-15 postgresql-15-cron postgresql-15-pgtap
  libcsv-dev libssl-dev libgtest-dev libtap-parser-sourcehandler-pgtap-perl
  clang libclang-rt-14-dev
  python3 python3-yaml
)
missing=()
# Node.js and npm for the stack validators (test/stack/): Debian's, unless some node is present.
command -v npm >/dev/null || packages+=(nodejs npm)
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  [ "$(id -u)" = 0 ] || { echo "install-deps: run as root (or install: ${missing[*]})" >&2; exit 1; }
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
