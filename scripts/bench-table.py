#!/usr/bin/env python3
"""Builds the README's results table from `cargo bench -p abi-bridge-bench` output
(criterion) and `scripts/icount.sh` output.

    cargo bench -p abi-bridge-bench --bench calls > bench.txt
    scripts/icount.sh > icount.txt
    scripts/bench-table.py bench.txt icount.txt
"""
import re
import sys

bench, icount = open(sys.argv[1]).read(), open(sys.argv[2]).read()
times = {}
name = None
for line in bench.splitlines():
    m = re.match(r"^((?:calls|creation)/\S+)", line)
    if m:
        name = m.group(1)
    t = re.search(r"time:\s+\[([\d.]+) (\S+) ([\d.]+) (\S+) ([\d.]+) (\S+)\]", line)
    if t and name:
        scale = {"ns": 1, "µs": 1e3, "us": 1e3, "ms": 1e6}
        lo, mid, hi = (float(t.group(i)) * scale[t.group(i + 1)] for i in (1, 3, 5))
        times[name] = (lo, mid, hi)
        name = None
instr = {}
for line in icount.splitlines():
    parts = line.split()
    if len(parts) == 2 and "/" in parts[0]:
        instr[parts[0]] = float(parts[1])

print("| case | ns/call (median, [low, high]) | instructions/call | vs native (time, instr) | vs libffi (time) |")
print("|---|---|---|---|---|")
for case in instr:
    group, impl = case.split("/")
    native = "rustc_shim" if group == "callback" else "native"
    t = times.get(f"calls/{case}")
    tn = times.get(f"calls/{group}/{native}")
    tl = times.get(f"calls/{group}/libffi")
    if not t:
        continue
    vs_native = f"{t[1] / tn[1]:.2f}x, {instr[case] / instr[f'{group}/{native}']:.2f}x" if tn else ""
    vs_ffi = f"{tl[1] / t[1]:.1f}x faster" if tl and impl not in ("libffi", "libffi_call") else ""
    print(f"| {case} | {t[1]:.2f} [{t[0]:.2f}, {t[2]:.2f}] | {instr[case]:.0f} | {vs_native} | {vs_ffi} |")
print()
print("| creation | time (median, [low, high]) |")
print("|---|---|")
for case, (lo, mid, hi) in times.items():
    if case.startswith("creation/"):
        unit, div = ("µs", 1e3) if mid >= 1e3 else ("ns", 1)
        print(f"| {case[len('creation/'):]} | {mid / div:.2f} {unit} [{lo / div:.2f}, {hi / div:.2f}] |")
