#!/usr/bin/env bash
# Installs what the tests and examples need beyond the Rust toolchain:
# - gcc (Debian's package also brings binutils' `ar`, which the cc crate uses);
# - mingw-w64's gcc and g++, which build the Windows DLL fixtures from their
#   sources (without them the checked-in builds in tests/dll/bin are used, and
#   the test that compares them with a fresh build has nothing to compare);
# - clang and lld-link, which build the DLL with Microsoft's conventions.
# Installs only what is missing; CI runs it before every test run, so it stays
# quiet and prints only what it installs or why it cannot.
set -euo pipefail
packages=()
command -v gcc >/dev/null 2>&1 || packages+=(gcc libc6-dev)
command -v x86_64-w64-mingw32-gcc >/dev/null 2>&1 || packages+=(gcc-mingw-w64-x86-64-win32)
command -v x86_64-w64-mingw32-g++ >/dev/null 2>&1 || packages+=(g++-mingw-w64-x86-64-win32)
command -v clang >/dev/null 2>&1 || packages+=(clang)
command -v lld-link >/dev/null 2>&1 || packages+=(lld)
[ ${#packages[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  echo "setup: missing ${packages[*]} and there is no apt-get here; install them, then run the tests" >&2
  exit 1
fi
sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)
echo "setup: installing ${packages[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
