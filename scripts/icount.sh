#!/usr/bin/env bash
# Instructions per call for every benchmark case, counted by callgrind (exact
# and repeatable, unlike timings on a shared machine). Each case runs at two
# iteration counts; the difference divided by the extra iterations cancels
# every cost outside the loop (loading, thunk creation, process start).
#
#   scripts/icount.sh            # every case
#   scripts/icount.sh add2       # cases whose name contains "add2"
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v valgrind >/dev/null 2>&1; then
  echo "icount: installing valgrind" >&2
  apt-get update -qq && apt-get install -y -qq valgrind >/dev/null
fi
bench=$(cargo bench -p abi-bridge-bench --bench calls --no-run --message-format=json 2>/dev/null |
  grep -o '"executable":"[^"]*calls-[^"]*"' | tail -1 | cut -d'"' -f4)
[ -x "$bench" ] || { echo "icount: could not build the benchmark binary" >&2; exit 1; }
n1=20000
n2=120000
count() { # case iterations -> total instructions
  local out
  out=$(mktemp)
  ABI_BRIDGE_ICOUNT="$1:$2" valgrind --tool=callgrind --callgrind-out-file="$out" "$bench" >/dev/null 2>&1
  grep -E '^(summary|totals):' "$out" | head -1 | awk '{print $2}'
  rm -f "$out"
}
printf '%-24s %12s\n' case instr/call
"$bench" --list-cases | grep -- "${1:-}" | while read -r case; do
  a=$(count "$case" $n1)
  b=$(count "$case" $n2)
  awk -v a="$a" -v b="$b" -v n=$((n2 - n1)) -v c="$case" 'BEGIN { printf "%-24s %12.1f\n", c, (b - a) / n }'
done
