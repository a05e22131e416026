#!/usr/bin/env bash
# Installs what the tests and examples need beyond the Rust toolchain: gcc
# (Debian's package also brings binutils' `ar`, which the cc crate uses).
# Does nothing when it is there; CI runs it before every test run, so it stays
# quiet and prints only what it installs or why it cannot.
set -euo pipefail
command -v gcc >/dev/null 2>&1 && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  echo "setup: gcc is missing and there is no apt-get here; install gcc, then run the tests" >&2
  exit 1
fi
sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)
echo "setup: installing gcc" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends gcc libc6-dev >/dev/null
