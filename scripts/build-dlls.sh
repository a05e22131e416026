#!/usr/bin/env bash
# Builds the Windows PE DLL fixtures (tests/dll/*, the example plugins) with
# mingw-w64, reproducibly: the same sources and compiler give the same bytes
# (no timestamps, no paths, no symbol table), so the checked-in copies can be
# compared with a fresh build.
#
#   scripts/build-dlls.sh OUT_DIR     # build every DLL into OUT_DIR
#
# tests/build.rs and examples/build.rs run it when mingw-w64 is installed and
# otherwise use the checked-in builds (tests/dll/bin);
# to refresh those after changing a source:
#
#   scripts/build-dlls.sh tests/dll/bin
set -euo pipefail
out=${1:?usage: scripts/build-dlls.sh OUT_DIR}
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$out/dep" "$out/msvc"
out=$(cd "$out" && pwd)
cc=${MINGW_CC:-x86_64-w64-mingw32-gcc}
cxx=${MINGW_CXX:-x86_64-w64-mingw32-g++}
dlltool=${MINGW_DLLTOOL:-x86_64-w64-mingw32-dlltool}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$root"

# -s: no symbol table (it would name the build's paths); the timestamp field
# stays zero; -ffile-prefix-map keeps __FILE__-like strings path-free; the
# automatic image base would hash the output path, so every DLL gets the
# default base (loading a second one exercises relocation too).
common=(-O2 -Wall -Werror -shared -s -Wl,--no-insert-timestamp -Wl,--disable-auto-image-base "-ffile-prefix-map=$root/=")

dll() { # name, then compiler and arguments
    local name=$1
    shift
    "$@" "${common[@]}" -o "$out/$name.dll"
}

"$dlltool" -d tests/dll/host.def -l "$tmp/libhost.a"

dll pe_abi "$cc" tests/dll/pe_abi.c
# -static-libgcc: __thread (emulated TLS) would otherwise import libgcc_s_seh-1.dll.
dll pe_crt "$cc" tests/dll/pe_crt.c "$tmp/libhost.a" -static-libgcc
dll pe_unresolved "$cc" tests/dll/pe_unresolved.c
dll pe_refuse "$cc" tests/dll/pe_refuse.c "$tmp/libhost.a"
# A preferred base the test occupies first, so the loader must relocate.
dll pe_reloc "$cc" tests/dll/pe_reloc.c -Wl,--image-base=0x7e0000000000
dll pe_cpp "$cxx" tests/dll/pe_cpp.cpp -static-libgcc -static-libstdc++
# Against the UCRT instead of msvcrt: gcc 12 has no -mcrtdll, so the default
# libraries are named by hand with libucrt in msvcrt's place.
dll pe_ucrt "$cc" tests/dll/pe_ucrt.c -D_UCRT -nodefaultlibs \
    -Wl,--start-group -lmingw32 -lgcc -lgcc_eh -lmingwex -lucrt -lkernel32 -Wl,--end-group
dll dep/pe_dep_lib "$cc" tests/dll/dep/pe_dep_lib.c
dll dep/pe_dep_main "$cc" tests/dll/dep/pe_dep_main.c tests/dll/dep/pe_dep_main.def "$out/dep/pe_dep_lib.dll"
dll echo_plugin "$cc" examples/plugins/echo_plugin.c

# Microsoft's conventions without Microsoft's tools: clang and lld-link (no C
# runtime; /Brepro for reproducible bytes). Where they are not installed the
# checked-in build stands in.
msvc=tests/dll/msvc/pe_msvc.c
if command -v "${CLANG:-clang}" >/dev/null 2>&1 && command -v "${LLD_LINK:-lld-link}" >/dev/null 2>&1; then
    "${CLANG:-clang}" --target=x86_64-pc-windows-msvc -O2 -Wall -Werror -c "$msvc" -o "$tmp/pe_msvc.obj"
    "${LLD_LINK:-lld-link}" /dll /nodefaultlib /entry:_DllMainCRTStartup /Brepro "/implib:$tmp/pe_msvc.lib" "/out:$out/msvc/pe_msvc.dll" "$tmp/pe_msvc.obj" >/dev/null
elif [ "$out/msvc" != "$root/tests/dll/bin/msvc" ]; then
    cp "$root/tests/dll/bin/msvc/pe_msvc.dll" "$out/msvc/"
fi
