#!/usr/bin/env bash
# Installs what the tests and examples need beyond the Rust toolchain: gcc.
set -euo pipefail
if ! command -v gcc >/dev/null 2>&1; then
  echo "setup: installing gcc" >&2
  apt-get update -qq && apt-get install -y -qq gcc >/dev/null
fi
