//! Table tests of both conventions: a signature in a compact notation, and the
//! plan each convention must give it.
//!
//! Every expected plan was worked out by hand from the rules, never pasted from
//! our own output:
//!
//! - sysv64: x86-64 psABI 3.2.3 and rustc's `callconv/x86_64.rs`. Eightbytes
//!   are INTEGER if any integer overlaps them, else SSE; over 16 bytes or with an
//!   unaligned field, MEMORY. "If there are no registers available for any
//!   eightbyte of an argument, the whole argument is passed on the stack" (and
//!   it takes no register: later arguments still get them). A MEMORY return
//!   takes rdi. The first stack argument is at [rsp+8] on entry. rustc extends
//!   `bool`/8-/16-bit arguments to 32 bits (`extend_integer_width_to(32)`, in
//!   registers and on the stack alike: LLVM promotes them to i32 before
//!   `CCAssignToStack`). It extends such return values only for Darwin
//!   (`is_arg || is_like_darwin`); one plan serves both, so returns are
//!   extended too, which Linux callers simply ignore.
//! - win64: Microsoft's "x64 calling convention". Argument i takes slot i:
//!   rcx/rdx/r8/r9, or xmm i for a float; from slot 4 on, [rsp+40], [rsp+48]…
//!   above the 32-byte shadow space. "Structs/unions of size 8, 16, 32, or 64
//!   bits … are passed as if they were integers of the same size"; others go
//!   as a pointer to a caller-made copy. A return value that is not 1, 2, 4 or
//!   8 bytes goes through a pointer in rcx: "Subsequent arguments are then
//!   shifted one argument to the right." Nothing is extended.
//!
//! - complex numbers: psABI 3.2.3, "Arguments of complex T where T is one
//!   of the types float or double are treated as if they are implemented
//!   as: struct complexT { T real; T imag; };". Microsoft's pages have no
//!   complex type; gcc 12's `ms_abi` code (read from `gcc -S`) passes and
//!   returns `_Complex float` in rcx/rax as 8 integer bytes and
//!   `_Complex double` by reference and through rcx, as that struct.
//! - `long double` (`f80`): psABI 3.2.3, classes X87 and X87UP; "If the
//!   class is X87, X87UP or COMPLEX_X87, it is passed in memory"; "If the
//!   class is X87, the value is returned on the X87 stack in %st0"; X87
//!   merged with any other class is MEMORY. On the stack at a multiple of
//!   16 (gcc 12 reads one after seven `long`s at [rsp+24]). Merge rule (d),
//!   INTEGER, comes before (e), X87 or X87UP to MEMORY: a 16-byte union of
//!   a `long double` and integers covering both eightbytes is INTEGER,
//!   INTEGER (gcc 12 `-S`). win64: gcc's
//!   `ms_abi` (there is no Microsoft rule: MSVC's `long double` is
//!   `double`) passes it by reference and returns it through rcx (gcc 12
//!   `-S`: `fldt (%r8)`, `fstpt (%rcx)`).
//! - vectors (`m128`: `__m128`, `__m128d`, `__m128i`): psABI 3.2.3, SSE
//!   then SSEUP, one whole vector register; merged with another field
//!   SSEUP becomes that field's class (a 16-byte union of a vector and
//!   floats is SSE, SSE: gcc 12 passes `union { __m128 v; float f[4]; }`
//!   in xmm0 and xmm1); more than 16 bytes holding one is MEMORY (gcc 12
//!   reads `struct { __m128 v; float f; }` from [rsp+8]). win64: "__m128
//!   types ... are never passed by immediate value" (by reference to a
//!   16-byte aligned copy) and a bare one is returned in xmm0; a struct
//!   wrapping one is an ordinary 16-byte aggregate (rustc and gcc 12:
//!   by reference, through rcx).
//!
//! The notation: scalars `i8 u8 i16 u16 i32 u32 i64 u64 i128 u128 bool f32
//! f64 ptr fnptr`, `cf32` and `cf64` (`_Complex float`, `_Complex double`),
//! `f80` (`long double`), `m128` (a 128-bit vector); `{a,b}` a C struct;
//! `<a|b>` a C union; `t[n]` an array (as a field
//! only); `packed{a,b}` a struct with no padding and alignment 1; `n*t` in a
//! list is `n` copies of `t`; a signature is `args -> ret` (`void` for none);
//! `named ... variadic -> ret` is a call of a variadic function.
//!
//! Variadic calls: sysv64 classifies named and variadic arguments alike and
//! puts the number of vector registers used in al (psABI 3.2.3, 3.5.7); win64
//! puts a variadic `double` of slots 0–3 in both xmm i and the slot's integer
//! register, and a named one only in xmm i ("Varargs", Microsoft Learn; gcc's
//! ms_abi callers do the same). Variadic arguments are promoted first (C17
//! 6.5.2.2p7): `float` to `double`, `bool`/8-/16-bit integers to `int`.

use super::{sysv64, win64, Conv};
use crate::plan::{classify, CallPlan, Reg, RegSet};
use crate::signature::Signature;
use crate::types::{ForeignType, TypeDesc, TypeKind};

/// (signature, sysv64 plan, sysv64 `arg_area`, win64 plan, win64 `arg_area`).
type Case = (&'static str, &'static str, u32, &'static str, u32);

const CASES: &[Case] = &[
    // ---- variadic calls ----
    (
        "ptr ... f64,i32,f64 -> i32",
        "a0: rdi  ...  a1: xmm0  a2: rsi  a3: xmm1  al: 2  ret: rax",
        0,
        "a0: rcx  ...  a1: xmm1+rdx  a2: r8  a3: xmm3+r9  ret: rax",
        32,
    ),
    (
        "ptr ... f32,i8,u16,bool -> void",
        "a0: rdi  ...  a1: xmm0  a2: rsi  a3: rdx  a4: rcx  al: 1  ret: void",
        0,
        "a0: rcx  ...  a1: xmm1+rdx  a2: r8  a3: r9  a4: [rsp+40]  ret: void",
        40,
    ),
    (
        "f64,ptr ... f64 -> f64",
        "a0: xmm0  a1: rdi  ...  a2: xmm1  al: 2  ret: xmm0",
        0,
        "a0: xmm0  a1: rdx  ...  a2: xmm2+r8  ret: xmm0",
        32,
    ),
    (
        "ptr ... {f64,f64,f64},f64 -> {i64,i64,i64}",
        "a0: rsi  ...  a1: [rsp+8; 24 bytes]  a2: xmm0  al: 1  ret: sret(rdi)",
        24,
        "a0: rdx  ...  a1: by-ref(r8)  a2: xmm3+r9  ret: sret(rcx)",
        32,
    ),
    (
        "ptr ... i32,i32,i32,f64 -> void",
        "a0: rdi  ...  a1: rsi  a2: rdx  a3: rcx  a4: xmm0  al: 1  ret: void",
        0,
        "a0: rcx  ...  a1: rdx  a2: r8  a3: r9  a4: [rsp+40]  ret: void",
        40,
    ),
    ("ptr ... -> i32", "a0: rdi  ...  al: 0  ret: rax", 0, "a0: rcx  ...  ret: rax", 32),
    (
        "ptr ... 9*f64 -> void",
        "a0: rdi  ...  a1: xmm0  a2: xmm1  a3: xmm2  a4: xmm3  a5: xmm4  a6: xmm5  a7: xmm6  a8: xmm7  a9: [rsp+8]  al: 8  ret: void",
        8,
        "a0: rcx  ...  a1: xmm1+rdx  a2: xmm2+r8  a3: xmm3+r9  a4: [rsp+40]  a5: [rsp+48]  a6: [rsp+56]  a7: [rsp+64]  a8: [rsp+72]  a9: [rsp+80]  ret: void",
        80,
    ),
    // ---- every scalar kind ----
    (
        "i8,u8,i16,u16,bool -> void",
        "a0: rdi(sext)  a1: rsi(zext)  a2: rdx(sext)  a3: rcx(zext)  a4: r8(zext)  ret: void",
        0,
        "a0: rcx  a1: rdx  a2: r8  a3: r9  a4: [rsp+40]  ret: void",
        40,
    ),
    (
        "i32,u32,i64,u64,ptr,fnptr -> void",
        "a0: rdi  a1: rsi  a2: rdx  a3: rcx  a4: r8  a5: r9  ret: void",
        0,
        "a0: rcx  a1: rdx  a2: r8  a3: r9  a4: [rsp+40]  a5: [rsp+48]  ret: void",
        48,
    ),
    ("f32,f64 -> f32", "a0: xmm0  a1: xmm1  ret: xmm0", 0, "a0: xmm0  a1: xmm1  ret: xmm0", 32),
    ("f64 -> f64", "a0: xmm0  ret: xmm0", 0, "a0: xmm0  ret: xmm0", 32),
    (" -> void", "ret: void", 0, "ret: void", 32),
    ("i8 -> f32", "a0: rdi(sext)  ret: xmm0", 0, "a0: rcx  ret: xmm0", 32),
    (" -> i8", "ret: rax(sext)", 0, "ret: rax", 32),
    (" -> u8", "ret: rax(zext)", 0, "ret: rax", 32),
    (" -> i16", "ret: rax(sext)", 0, "ret: rax", 32),
    (" -> u16", "ret: rax(zext)", 0, "ret: rax", 32),
    (" -> bool", "ret: rax(zext)", 0, "ret: rax", 32),
    ("u32 -> i64", "a0: rdi  ret: rax", 0, "a0: rcx  ret: rax", 32),
    ("ptr -> u32", "a0: rdi  ret: rax", 0, "a0: rcx  ret: rax", 32),
    ("u64 -> fnptr", "a0: rdi  ret: rax", 0, "a0: rcx  ret: rax", 32),
    ("fnptr -> ptr", "a0: rdi  ret: rax", 0, "a0: rcx  ret: rax", 32),
    // ---- 128-bit integers ----
    // sysv64: two INTEGER eightbytes (psABI 3.2.3: "__int128 ... as if it
    // were struct { long low, high; }"), a register pair or all of it on the
    // stack at a multiple of 16 (gcc 12 and rustc 1.95 both read an i128
    // after seven i64 at [rsp+24]). win64: by reference, like any 16-byte
    // value (rustc `x86_win64.rs`, LLVM `CC_X86_Win64_C`: "i128 ... passed
    // indirectly"), and returned in xmm0 (gcc 12, clang, rustc; see
    // `win64::WIDE_INT_RETURN`).
    ("i128 -> i128", "a0: {rdi, rsi}  ret: {rax, rdx}", 0, "a0: by-ref(rcx)  ret: xmm0(128)", 32),
    ("u128,i32 -> u128", "a0: {rdi, rsi}  a1: rdx  ret: {rax, rdx}", 0, "a0: by-ref(rcx)  a1: rdx  ret: xmm0(128)", 32),
    // After five integers only r9 is left: the i128 goes to the stack, the
    // next integer still takes r9 (gcc: `s1` reads [rsp+8], [rsp+16], r9).
    (
        "5*i32,i128,i64 -> i128",
        "a0: rdi  a1: rsi  a2: rdx  a3: rcx  a4: r8  a5: {[rsp+8], [rsp+16]}  a6: r9  ret: {rax, rdx}",
        16,
        "a0: rcx  a1: rdx  a2: r8  a3: r9  a4: [rsp+40]  a5: by-ref([rsp+48])  a6: [rsp+56]  ret: xmm0(128)",
        56,
    ),
    // On the stack at a multiple of 16 from the start of the argument area.
    (
        "7*i64,u128 -> i64",
        "a0: rdi  a1: rsi  a2: rdx  a3: rcx  a4: r8  a5: r9  a6: [rsp+8]  a7: {[rsp+24], [rsp+32]}  ret: rax",
        32,
        "a0: rcx  a1: rdx  a2: r8  a3: r9  a4: [rsp+40]  a5: [rsp+48]  a6: [rsp+56]  a7: by-ref([rsp+64])  ret: rax",
        64,
    ),
    // A struct holding an i128 is aligned to 16 too: on the stack at [rsp+24]
    // (gcc: `s5` reads the field at [rsp+40]). Returned as two INTEGERs by
    // sysv64, through a hidden pointer by win64 (a 16-byte aggregate).
    (
        "7*i64,{u8,i128} -> {i128}",
        "a0: rdi  a1: rsi  a2: rdx  a3: rcx  a4: r8  a5: r9  a6: [rsp+8]  a7: [rsp+24; 32 bytes]  ret: {rax, rdx}",
        48,
        "a0: rdx  a1: r8  a2: r9  a3: [rsp+40]  a4: [rsp+48]  a5: [rsp+56]  a6: [rsp+64]  a7: by-ref([rsp+72])  ret: sret(rcx)",
        72,
    ),
    // ---- packed and over-aligned records ----
    // sysv64: a field at an offset that is not a multiple of its alignment
    // makes the record MEMORY (psABI 3.2.3: "If it has unaligned fields, it
    // has class MEMORY"; gcc's `classify_argument` checks each field's bit
    // position); win64 goes by size only. gcc 12 and rustc: `p2`, `s3`, `s3r`.
    (
        "packed{u8,i32},i64 -> packed{u8,i32}",
        "a0: [rsp+8; 5 bytes]  a1: rsi  ret: sret(rdi)",
        8,
        "a0: by-ref(rdx)  a1: r8  ret: sret(rcx)",
        32,
    ),
    ("pack2{u8,i32} -> i32", "a0: [rsp+8; 6 bytes]  ret: rax", 8, "a0: by-ref(rcx)  ret: rax", 32),
    ("packed{u8,u8,u16,u32} -> packed{u8,u8,u16,u32}", "a0: rdi  ret: rax", 0, "a0: rcx  ret: rax", 32),
    // `aligned(16)` around one long: one INTEGER eightbyte (the second is
    // padding, NO_CLASS) for sysv64 (gcc `a16`, `a16r`, and rustc); 16 bytes
    // for win64, so by reference and returned through a hidden pointer.
    ("align16{i64},i64 -> align16{i64}", "a0: rdi  a1: rsi  ret: rax", 0, "a0: by-ref(rdx)  a1: r8  ret: sret(rcx)", 32),
    // `aligned(32)` on the stack sits at a multiple of 32 from the start of
    // the argument area (gcc 12 `s2b` and rustc read it at [rsp+40]).
    (
        "7*i64,align32{i64},i64 -> void",
        "a0: rdi  a1: rsi  a2: rdx  a3: rcx  a4: r8  a5: r9  a6: [rsp+8]  a7: [rsp+40; 32 bytes]  a8: [rsp+72]  ret: void",
        72,
        "a0: rcx  a1: rdx  a2: r8  a3: r9  a4: [rsp+40]  a5: [rsp+48]  a6: [rsp+56]  a7: by-ref([rsp+64])  a8: [rsp+72]  ret: void",
        72,
    ),
    // ---- running out of integer registers ----
    (
        "6*i64 -> i64",
        "a0: rdi  a1: rsi  a2: rdx  a3: rcx  a4: r8  a5: r9  ret: rax",
        0,
        "a0: rcx  a1: rdx  a2: r8  a3: r9  a4: [rsp+40]  a5: [rsp+48]  ret: rax",
        48,
    ),
    (
        "7*i32 -> void",
        "a0: rdi  a1: rsi  a2: rdx  a3: rcx  a4: r8  a5: r9  a6: [rsp+8]  ret: void",
        8,
        "a0: rcx  a1: rdx  a2: r8  a3: r9  a4: [rsp+40]  a5: [rsp+48]  a6: [rsp+56]  ret: void",
        56,
    ),
    (
        "8*u64 -> void",
        "a0: rdi  a1: rsi  a2: rdx  a3: rcx  a4: r8  a5: r9  a6: [rsp+8]  a7: [rsp+16]  ret: void",
        16,
        "a0: rcx  a1: rdx  a2: r8  a3: r9  a4: [rsp+40]  a5: [rsp+48]  a6: [rsp+56]  a7: [rsp+64]  ret: void",
        64,
    ),
    (
        "7*i16 -> i16",
        "a0: rdi(sext)  a1: rsi(sext)  a2: rdx(sext)  a3: rcx(sext)  a4: r8(sext)  a5: r9(sext)  \
         a6: [rsp+8](sext)  ret: rax(sext)",
        8,
        "a0: rcx  a1: rdx  a2: r8  a3: r9  a4: [rsp+40]  a5: [rsp+48]  a6: [rsp+56]  ret: rax",
        56,
    ),
    // ---- running out of vector registers ----
    (
        "8*f64 -> f64",
        "a0: xmm0  a1: xmm1  a2: xmm2  a3: xmm3  a4: xmm4  a5: xmm5  a6: xmm6  a7: xmm7  ret: xmm0",
        0,
        "a0: xmm0  a1: xmm1  a2: xmm2  a3: xmm3  a4: [rsp+40]  a5: [rsp+48]  a6: [rsp+56]  a7: [rsp+64]  ret: xmm0",
        64,
    ),
    (
        "9*f32 -> void",
        "a0: xmm0  a1: xmm1  a2: xmm2  a3: xmm3  a4: xmm4  a5: xmm5  a6: xmm6  a7: xmm7  a8: [rsp+8]  ret: void",
        8,
        "a0: xmm0  a1: xmm1  a2: xmm2  a3: xmm3  a4: [rsp+40]  a5: [rsp+48]  a6: [rsp+56]  a7: [rsp+64]  \
         a8: [rsp+72]  ret: void",
        72,
    ),
    // sysv64 counts the two kinds apart, and stack slots follow argument order.
    (
        "9*f64,7*i64 -> void",
        "a0: xmm0  a1: xmm1  a2: xmm2  a3: xmm3  a4: xmm4  a5: xmm5  a6: xmm6  a7: xmm7  a8: [rsp+8]  \
         a9: rdi  a10: rsi  a11: rdx  a12: rcx  a13: r8  a14: r9  a15: [rsp+16]  ret: void",
        16,
        "a0: xmm0  a1: xmm1  a2: xmm2  a3: xmm3  a4: [rsp+40]  a5: [rsp+48]  a6: [rsp+56]  a7: [rsp+64]  \
         a8: [rsp+72]  a9: [rsp+80]  a10: [rsp+88]  a11: [rsp+96]  a12: [rsp+104]  a13: [rsp+112]  \
         a14: [rsp+120]  a15: [rsp+128]  ret: void",
        128,
    ),
    // ---- win64 positional slots (Microsoft's own examples) ----
    (
        // "func1(int a, float b, int c, int d, int e): a in RCX, b in XMM1, c in R8, d in R9, e pushed on stack"
        "i32,f32,i32,i32,i32 -> i64",
        "a0: rdi  a1: xmm0  a2: rsi  a3: rdx  a4: rcx  ret: rax",
        0,
        "a0: rcx  a1: xmm1  a2: r8  a3: r9  a4: [rsp+40]  ret: rax",
        40,
    ),
    (
        // "func3(int a, double b, int c, float d, int e, float f)":
        // "a in RCX, b in XMM1, c in R8, d in XMM3, f then e pushed on stack"
        "i32,f64,i32,f32,i32,f32 -> void",
        "a0: rdi  a1: xmm0  a2: rsi  a3: xmm1  a4: rdx  a5: xmm2  ret: void",
        0,
        "a0: rcx  a1: xmm1  a2: r8  a3: xmm3  a4: [rsp+40]  a5: [rsp+48]  ret: void",
        48,
    ),
    (
        // "func2(float a, double b, float c, double d, float e, float f)":
        // "a in XMM0, b in XMM1, c in XMM2, d in XMM3, f then e pushed on stack"
        "f32,f64,f32,f64,f32,f32 -> void",
        "a0: xmm0  a1: xmm1  a2: xmm2  a3: xmm3  a4: xmm4  a5: xmm5  ret: void",
        0,
        "a0: xmm0  a1: xmm1  a2: xmm2  a3: xmm3  a4: [rsp+40]  a5: [rsp+48]  ret: void",
        48,
    ),
    (
        "i32,f64,i8 -> void",
        "a0: rdi  a1: xmm0  a2: rsi(sext)  ret: void",
        0,
        "a0: rcx  a1: xmm1  a2: r8  ret: void",
        32,
    ),
    (
        "f64,ptr,f32,u8 -> void",
        "a0: xmm0  a1: rdi  a2: xmm1  a3: rsi(zext)  ret: void",
        0,
        "a0: xmm0  a1: rdx  a2: xmm2  a3: r9  ret: void",
        32,
    ),
    // ---- small structs: sysv64 by eightbyte class, win64 in a GPR if 1/2/4/8 bytes ----
    ("{i32,i32} -> {i32,i32}", "a0: rdi  ret: rax", 0, "a0: rcx  ret: rax", 32),
    ("{f32,f32} -> {f32,f32}", "a0: xmm0  ret: xmm0", 0, "a0: rcx  ret: rax", 32),
    ("{f32} -> {f32}", "a0: xmm0  ret: xmm0", 0, "a0: rcx  ret: rax", 32),
    ("{f64},f32 -> {f64}", "a0: xmm0  a1: xmm1  ret: xmm0", 0, "a0: rcx  a1: xmm1  ret: rax", 32),
    ("{u8,u8,u8} -> {u8,u8,u8}", "a0: rdi  ret: rax", 0, "a0: by-ref(rdx)  ret: sret(rcx)", 32),
    (
        "{u8,u16},{u8},{u8[2]} -> {u16,u8}",
        "a0: rdi  a1: rsi  a2: rdx  ret: rax",
        0,
        "a0: rcx  a1: rdx  a2: r8  ret: rax",
        32,
    ),
    ("{i64,i64} -> {i64,i64}", "a0: {rdi, rsi}  ret: {rax, rdx}", 0, "a0: by-ref(rdx)  ret: sret(rcx)", 32),
    ("{f64,f64} -> {f64,f64}", "a0: {xmm0, xmm1}  ret: {xmm0, xmm1}", 0, "a0: by-ref(rdx)  ret: sret(rcx)", 32),
    ("{f32,f32,f32} -> {f32,f32,f32}", "a0: {xmm0, xmm1}  ret: {xmm0, xmm1}", 0, "a0: by-ref(rdx)  ret: sret(rcx)", 32),
    (
        "{f32,f32,f32},{f32,f32,f32} -> void",
        "a0: {xmm0, xmm1}  a1: {xmm2, xmm3}  ret: void",
        0,
        "a0: by-ref(rcx)  a1: by-ref(rdx)  ret: void",
        32,
    ),
    // ---- an aggregate whose eightbytes do not all fit goes wholly to the stack ----
    (
        // One integer register left: {char, double} needs one of each, so it fits.
        "5*i32,{u8,f64} -> void",
        "a0: rdi  a1: rsi  a2: rdx  a3: rcx  a4: r8  a5: {r9, xmm0}  ret: void",
        0,
        "a0: rcx  a1: rdx  a2: r8  a3: r9  a4: [rsp+40]  a5: by-ref([rsp+48])  ret: void",
        48,
    ),
    (
        // Needs two, one is left: to the stack, and r9 goes to the next argument.
        "5*i64,{i64,i64},i64 -> void",
        "a0: rdi  a1: rsi  a2: rdx  a3: rcx  a4: r8  a5: [rsp+8; 16 bytes]  a6: r9  ret: void",
        16,
        "a0: rcx  a1: rdx  a2: r8  a3: r9  a4: [rsp+40]  a5: by-ref([rsp+48])  a6: [rsp+56]  ret: void",
        56,
    ),
    (
        "7*f64,{f64,f64},f64 -> void",
        "a0: xmm0  a1: xmm1  a2: xmm2  a3: xmm3  a4: xmm4  a5: xmm5  a6: xmm6  a7: [rsp+8; 16 bytes]  \
         a8: xmm7  ret: void",
        16,
        "a0: xmm0  a1: xmm1  a2: xmm2  a3: xmm3  a4: [rsp+40]  a5: [rsp+48]  a6: [rsp+56]  \
         a7: by-ref([rsp+64])  a8: [rsp+72]  ret: void",
        72,
    ),
    (
        // No integer register left: the SSE half does not take xmm0 either.
        "6*i64,{i64,f64},f64 -> void",
        "a0: rdi  a1: rsi  a2: rdx  a3: rcx  a4: r8  a5: r9  a6: [rsp+8; 16 bytes]  a7: xmm0  ret: void",
        16,
        "a0: rcx  a1: rdx  a2: r8  a3: r9  a4: [rsp+40]  a5: [rsp+48]  a6: by-ref([rsp+56])  a7: [rsp+64]  ret: void",
        64,
    ),
    (
        // psABI figure 3.5 without its long double and vector arguments:
        // func(int e, int f, structparm s, int g, int h, double m, double n, int i, int j, int k).
        "i32,i32,{i32,i32,f64},i32,i32,f64,f64,i32,i32,i32 -> void",
        "a0: rdi  a1: rsi  a2: {rdx, xmm0}  a3: rcx  a4: r8  a5: xmm1  a6: xmm2  a7: r9  a8: [rsp+8]  \
         a9: [rsp+16]  ret: void",
        16,
        "a0: rcx  a1: rdx  a2: by-ref(r8)  a3: r9  a4: [rsp+40]  a5: [rsp+48]  a6: [rsp+56]  a7: [rsp+64]  \
         a8: [rsp+72]  a9: [rsp+80]  ret: void",
        80,
    ),
    // ---- large aggregates: sysv64 MEMORY (copied onto the stack), win64 by reference ----
    ("{i64,i64,i64} -> void", "a0: [rsp+8; 24 bytes]  ret: void", 24, "a0: by-ref(rcx)  ret: void", 32),
    (
        "{u8[20]},i32 -> void",
        "a0: [rsp+8; 20 bytes]  a1: rdi  ret: void",
        24,
        "a0: by-ref(rcx)  a1: rdx  ret: void",
        32,
    ),
    // ---- hidden return pointer: rdi (sysv64), rcx shifting the slots (win64) ----
    ("i32 -> {i64,i64,i64}", "a0: rsi  ret: sret(rdi)", 0, "a0: rdx  ret: sret(rcx)", 32),
    (
        "6*i32 -> {f64,f64,f64}",
        "a0: rsi  a1: rdx  a2: rcx  a3: r8  a4: r9  a5: [rsp+8]  ret: sret(rdi)",
        8,
        "a0: rdx  a1: r8  a2: r9  a3: [rsp+40]  a4: [rsp+48]  a5: [rsp+56]  ret: sret(rcx)",
        56,
    ),
    (
        // "struct1 func3(int a, double b, int c, float d)": "Caller allocates memory for
        // struct1 returned and passes pointer in RCX, a in RDX, b in XMM2, c in R9, d pushed on the stack"
        "i32,f64,i32,f32 -> {i64,i64,i64}",
        "a0: rsi  a1: xmm0  a2: rdx  a3: xmm1  ret: sret(rdi)",
        0,
        "a0: rdx  a1: xmm2  a2: r9  a3: [rsp+40]  ret: sret(rcx)",
        40,
    ),
    (
        "f64,i32,f32,i64,{f64,f64} -> {u8,u8,u8}",
        "a0: xmm0  a1: rdi  a2: xmm1  a3: rsi  a4: {xmm2, xmm3}  ret: rax",
        0,
        "a0: xmm1  a1: r8  a2: xmm3  a3: [rsp+40]  a4: by-ref([rsp+48])  ret: sret(rcx)",
        48,
    ),
    (
        "{i64,i64,i64},{i64,i64,i64} -> {i64,i64,i64}",
        "a0: [rsp+8; 24 bytes]  a1: [rsp+32; 24 bytes]  ret: sret(rdi)",
        48,
        "a0: by-ref(rdx)  a1: by-ref(r8)  ret: sret(rcx)",
        32,
    ),
    // ---- eightbytes that mix fields ----
    ("{i32,f32,f32} -> {i32,f32,f32}", "a0: {rdi, xmm0}  ret: {rax, xmm0}", 0, "a0: by-ref(rdx)  ret: sret(rcx)", 32),
    ("{f32,f32,i32} -> {f32,f32,i32}", "a0: {xmm0, rdi}  ret: {xmm0, rax}", 0, "a0: by-ref(rdx)  ret: sret(rcx)", 32),
    ("{f32,i32,f64} -> {f32,i32,f64}", "a0: {rdi, xmm0}  ret: {rax, xmm0}", 0, "a0: by-ref(rdx)  ret: sret(rcx)", 32),
    // The inner struct (8 bytes at offset 4) straddles the eightbytes.
    ("{i32,{i16,i16,f32}} -> void", "a0: {rdi, xmm0}  ret: void", 0, "a0: by-ref(rcx)  ret: void", 32),
    ("{u8[10]} -> {u8[10]}", "a0: {rdi, rsi}  ret: {rax, rdx}", 0, "a0: by-ref(rdx)  ret: sret(rcx)", 32),
    // ---- unions: every member at offset 0, classes merged ----
    ("<f32|i32> -> <f32|i32>", "a0: rdi  ret: rax", 0, "a0: rcx  ret: rax", 32),
    ("<f64|f32> -> <f64|f32>", "a0: xmm0  ret: xmm0", 0, "a0: rcx  ret: rax", 32),
    ("<{f32,f32}|f64> -> void", "a0: xmm0  ret: void", 0, "a0: rcx  ret: void", 32),
    ("<f64|i32[3]> -> <f64|i32[3]>", "a0: {rdi, rsi}  ret: {rax, rdx}", 0, "a0: by-ref(rdx)  ret: sret(rcx)", 32),
    ("<f32[3]|f64> -> <f32[3]|f64>", "a0: {xmm0, xmm1}  ret: {xmm0, xmm1}", 0, "a0: by-ref(rdx)  ret: sret(rcx)", 32),
    ("<i64[3]|f64> -> void", "a0: [rsp+8; 24 bytes]  ret: void", 24, "a0: by-ref(rcx)  ret: void", 32),
    ("{i32,<f32|u8>} -> void", "a0: rdi  ret: void", 0, "a0: rcx  ret: void", 32),
    // ---- arrays in structs: each element is a field ----
    ("{f32[4]} -> {f32[4]}", "a0: {xmm0, xmm1}  ret: {xmm0, xmm1}", 0, "a0: by-ref(rdx)  ret: sret(rcx)", 32),
    ("{f32[2]} -> {f32[2]}", "a0: xmm0  ret: xmm0", 0, "a0: rcx  ret: rax", 32),
    ("{f64[3]} -> {f64[3]}", "a0: [rsp+8; 24 bytes]  ret: sret(rdi)", 24, "a0: by-ref(rdx)  ret: sret(rcx)", 32),
    ("{u8[3],f32} -> {u8[3],f32}", "a0: rdi  ret: rax", 0, "a0: rcx  ret: rax", 32),
    ("{f32[2],i64} -> {f32[2],i64}", "a0: {xmm0, rdi}  ret: {xmm0, rax}", 0, "a0: by-ref(rdx)  ret: sret(rcx)", 32),
    // ---- struct returns in every register mix ----
    (" -> {i64,f64}", "ret: {rax, xmm0}", 0, "ret: sret(rcx)", 32),
    (" -> {f64,i64}", "ret: {xmm0, rax}", 0, "ret: sret(rcx)", 32),
    (" -> {i32,i32,i32}", "ret: {rax, rdx}", 0, "ret: sret(rcx)", 32),
    (" -> {u8,u8}", "ret: rax", 0, "ret: rax", 32),
    (" -> {f64}", "ret: xmm0", 0, "ret: rax", 32),
    // Return registers are not argument registers: nothing is consumed.
    (
        "{i64,f64},i64 -> {i64,f64}",
        "a0: {rdi, xmm0}  a1: rsi  ret: {rax, xmm0}",
        0,
        "a0: by-ref(rdx)  a1: r8  ret: sret(rcx)",
        32,
    ),
    // ---- packed: an unaligned field makes the whole value MEMORY (sysv64) ----
    (
        "packed{u8,i32} -> packed{u8,i32}",
        "a0: [rsp+8; 5 bytes]  ret: sret(rdi)",
        8,
        "a0: by-ref(rdx)  ret: sret(rcx)",
        32,
    ),
    ("packed{i32,u8} -> packed{i32,u8}", "a0: rdi  ret: rax", 0, "a0: by-ref(rdx)  ret: sret(rcx)", 32),
    // ---- complex numbers: the struct of their two parts ----
    // sysv64: cf32 one SSE eightbyte (both parts in xmm0's low 8 bytes),
    // cf64 two. win64 (gcc 12 `wf`/`wd`): cf32 in a GPR like any 8-byte
    // value, cf64 by reference, a cf64 return through the hidden pointer.
    ("cf32 -> cf32", "a0: xmm0  ret: xmm0", 0, "a0: rcx  ret: rax", 32),
    ("cf64 -> cf64", "a0: {xmm0, xmm1}  ret: {xmm0, xmm1}", 0, "a0: by-ref(rdx)  ret: sret(rcx)", 32),
    ("cf32,cf64,i32 -> cf32", "a0: xmm0  a1: {xmm1, xmm2}  a2: rdi  ret: xmm0", 0, "a0: rcx  a1: by-ref(rdx)  a2: r8  ret: rax", 32),
    // Seven doubles leave one xmm: the cf64 goes to the stack whole and the
    // double after it still takes xmm7.
    (
        "7*f64,cf64,f64 -> cf64",
        "a0: xmm0  a1: xmm1  a2: xmm2  a3: xmm3  a4: xmm4  a5: xmm5  a6: xmm6  a7: [rsp+8; 16 bytes]  a8: xmm7  ret: {xmm0, xmm1}",
        16,
        "a0: xmm1  a1: xmm2  a2: xmm3  a3: [rsp+40]  a4: [rsp+48]  a5: [rsp+56]  a6: [rsp+64]  a7: by-ref([rsp+72])  a8: [rsp+80]  ret: sret(rcx)",
        80,
    ),
    // ---- 128-bit vectors ----
    (
        "m128,i32,m128 -> m128",
        "a0: xmm0(128)  a1: rdi  a2: xmm1(128)  ret: xmm0(128)",
        0,
        "a0: by-ref(rcx)  a1: rdx  a2: by-ref(r8)  ret: xmm0(128)",
        32,
    ),
    // Vector registers are counted apart from integer ones.
    (
        "6*i64,i32,m128 -> i32",
        "a0: rdi  a1: rsi  a2: rdx  a3: rcx  a4: r8  a5: r9  a6: [rsp+8]  a7: xmm0(128)  ret: rax",
        8,
        "a0: rcx  a1: rdx  a2: r8  a3: r9  a4: [rsp+40]  a5: [rsp+48]  a6: [rsp+56]  a7: by-ref([rsp+64])  ret: rax",
        64,
    ),
    // After eight doubles: on the stack, 16 bytes at a multiple of 16 (gcc `s9`).
    (
        "8*f64,m128,i64 -> m128",
        "a0: xmm0  a1: xmm1  a2: xmm2  a3: xmm3  a4: xmm4  a5: xmm5  a6: xmm6  a7: xmm7  a8: [rsp+8; 16 bytes]  a9: rdi  ret: xmm0(128)",
        16,
        "a0: xmm0  a1: xmm1  a2: xmm2  a3: xmm3  a4: [rsp+40]  a5: [rsp+48]  a6: [rsp+56]  a7: [rsp+64]  a8: by-ref([rsp+72])  a9: [rsp+80]  ret: xmm0(128)",
        80,
    ),
    // A struct wrapping a vector: the same register in sysv64, an ordinary
    // 16-byte aggregate in win64.
    ("{m128} -> {m128}", "a0: xmm0(128)  ret: xmm0(128)", 0, "a0: by-ref(rdx)  ret: sret(rcx)", 32),
    ("{m128,f32} -> {m128,f32}", "a0: [rsp+8; 32 bytes]  ret: sret(rdi)", 32, "a0: by-ref(rdx)  ret: sret(rcx)", 32),
    ("<m128|f32[4]> -> <m128|f32[4]>", "a0: {xmm0, xmm1}  ret: {xmm0, xmm1}", 0, "a0: by-ref(rdx)  ret: sret(rcx)", 32),
    ("<m128|i64[2]> -> <m128|i64[2]>", "a0: {rdi, rsi}  ret: {rax, rdx}", 0, "a0: by-ref(rdx)  ret: sret(rcx)", 32),
    // ---- long double ----
    ("i64,f80,i32 -> f80", "a0: rdi  a1: [rsp+8; 16 bytes]  a2: rsi  ret: st0", 16, "a0: rdx  a1: by-ref(r8)  a2: r9  ret: sret(rcx)", 32),
    // After seven doubles (xmm0-6) an f80 still goes to the stack, and the
    // double after it takes xmm7 (gcc: `s2` reads [rsp+8] and xmm7).
    (
        "7*f64,f80,f64 -> f80",
        "a0: xmm0  a1: xmm1  a2: xmm2  a3: xmm3  a4: xmm4  a5: xmm5  a6: xmm6  a7: [rsp+8; 16 bytes]  a8: xmm7  ret: st0",
        16,
        "a0: xmm1  a1: xmm2  a2: xmm3  a3: [rsp+40]  a4: [rsp+48]  a5: [rsp+56]  a6: [rsp+64]  a7: by-ref([rsp+72])  a8: [rsp+80]  ret: sret(rcx)",
        80,
    ),
    // After seven integers: the f80 at the next multiple of 16 (gcc `s6`).
    (
        "7*i64,f80,i64 -> f64",
        "a0: rdi  a1: rsi  a2: rdx  a3: rcx  a4: r8  a5: r9  a6: [rsp+8]  a7: [rsp+24; 16 bytes]  a8: [rsp+40]  ret: xmm0",
        40,
        "a0: rcx  a1: rdx  a2: r8  a3: r9  a4: [rsp+40]  a5: [rsp+48]  a6: [rsp+56]  a7: by-ref([rsp+64])  a8: [rsp+72]  ret: xmm0",
        72,
    ),
    // A struct of one is X87 too: memory in, st0 out (gcc `s3`); with a
    // double beside it in a union, MEMORY both ways (gcc `s4`).
    ("{f80} -> {f80}", "a0: [rsp+8; 16 bytes]  ret: st0", 16, "a0: by-ref(rdx)  ret: sret(rcx)", 32),
    ("<f80|f64> -> <f80|f64>", "a0: [rsp+8; 16 bytes]  ret: sret(rdi)", 16, "a0: by-ref(rdx)  ret: sret(rcx)", 32),
    ("<f80|f80> -> <f80|f80>", "a0: [rsp+8; 16 bytes]  ret: st0", 16, "a0: by-ref(rdx)  ret: sret(rcx)", 32),
    // Merged with INTEGER halves: two INTEGER eightbytes (gcc `u2`, `r2`).
    ("<f80|i64[2]> -> <f80|i64[2]>", "a0: {rdi, rsi}  ret: {rax, rdx}", 0, "a0: by-ref(rdx)  ret: sret(rcx)", 32),
    ("{f80,i32} -> {f80,i32}", "a0: [rsp+8; 32 bytes]  ret: sret(rdi)", 32, "a0: by-ref(rdx)  ret: sret(rcx)", 32),
    // In a struct: the parts are fields like any other.
    ("{cf32,i32} -> {cf32,i32}", "a0: {xmm0, rdi}  ret: {xmm0, rax}", 0, "a0: by-ref(rdx)  ret: sret(rcx)", 32),
];

#[test]
fn plans_match_the_conventions() {
    let mut wrong = Vec::new();
    for &(text, sysv, sysv_area, win, win_area) in CASES {
        let sig = signature(text);
        for (conv, want, want_area) in [(Conv::SysV64, sysv, sysv_area), (Conv::Win64, win, win_area)] {
            let plan = classify(conv, &sig);
            let got = plan.to_string();
            if got != want || plan.arg_area != want_area {
                wrong.push(format!(
                    "{conv} `{text}`:\n  want {want}  (arg_area {want_area})\n  got  {got}  (arg_area {})",
                    plan.arg_area
                ));
            }
            check_invariants(conv, &plan, text);
        }
    }
    assert!(wrong.is_empty(), "{} of {} plans differ:\n{}", wrong.len(), 2 * CASES.len(), wrong.join("\n"));
}

/// What every plan of a convention shares, whatever the signature.
fn check_invariants(conv: Conv, plan: &CallPlan, text: &str) {
    let (shadow, preserved) = match conv {
        Conv::SysV64 => (0, sysv64::PRESERVED),
        Conv::Win64 => (32, win64::PRESERVED),
    };
    assert_eq!(plan.conv, conv, "`{text}`");
    assert_eq!(plan.shadow_space, shadow, "{conv} `{text}`");
    assert_eq!(plan.preserved, preserved, "{conv} `{text}`");
    assert!(plan.arg_area >= shadow && plan.arg_area.is_multiple_of(8), "{conv} `{text}`: arg_area {}", plan.arg_area);
}

#[test]
fn plans_say_how_aligned_the_callee_wants_its_arguments() {
    // sysv64: rsp 32-aligned at the call when a 32-aligned value is on the
    // stack (gcc realigns its frame for `s2b`); win64: copies aligned to
    // their type, stricter than gcc's 16.
    let cases = [
        ("7*i64,align32{i64},i64 -> void", 32, 32),
        ("align32{f32,f32} -> void", 32, 32),
        ("align16{i64} -> align32{i64}", 16, 16),
        ("i128,{u8,i128} -> void", 16, 16),
        ("{f64,f64,f64},packed{u8,i32} -> void", 16, 16),
    ];
    for (text, sysv, win) in cases {
        let sig = signature(text);
        assert_eq!(classify(Conv::SysV64, &sig).arg_align, sysv, "sysv64 `{text}`");
        assert_eq!(classify(Conv::Win64, &sig).arg_align, win, "win64 `{text}`");
    }
}

#[test]
fn callee_preserved_registers() {
    // psABI figure 3.4: rbx, rbp, r12–r15 "preserved across function calls".
    assert_eq!(sysv64::PRESERVED.to_string(), "rbx rbp r12 r13 r14 r15");
    // Microsoft: RBX, RBP, RDI, RSI, RSP, R12–R15 and XMM6–XMM15 are nonvolatile.
    assert_eq!(
        win64::PRESERVED.to_string(),
        "rbx rbp rsi rdi r12 r13 r14 r15 xmm6 xmm7 xmm8 xmm9 xmm10 xmm11 xmm12 xmm13 xmm14 xmm15"
    );
    // What a thunk from win64 into sysv64 code must save itself.
    assert_eq!(
        win64::PRESERVED.minus(sysv64::PRESERVED).to_string(),
        "rsi rdi xmm6 xmm7 xmm8 xmm9 xmm10 xmm11 xmm12 xmm13 xmm14 xmm15"
    );
}

#[test]
fn argument_registers_include_the_hidden_pointer() {
    let cases = [
        ("i32 -> {i64,i64,i64}", "rsi rdi", "rcx rdx"),
        ("{f64},f32 -> {f64}", "xmm0 xmm1", "rcx xmm1"),
        ("5*i64,{i64,i64},i64 -> void", "rcx rdx rsi rdi r8 r9", "rcx rdx r8 r9"),
        ("{i64,i64,i64} -> void", "", "rcx"),
    ];
    for (text, sysv, win) in cases {
        let sig = signature(text);
        assert_eq!(classify(Conv::SysV64, &sig).arg_regs().to_string(), sysv, "sysv64 `{text}`");
        assert_eq!(classify(Conv::Win64, &sig).arg_regs().to_string(), win, "win64 `{text}`");
    }
    assert!(classify(Conv::Win64, &signature("f32 -> void")).arg_regs().contains(Reg::Xmm(0)));
    assert_eq!(classify(Conv::SysV64, &signature(" -> void")).arg_regs(), RegSet::EMPTY);
}

#[test]
fn static_signatures_plan_like_run_time_ones() {
    let pairs = [
        (Signature::of::<fn(i8, u8, i16, u16, bool)>(), "i8,u8,i16,u16,bool -> void"),
        (
            Signature::of::<fn(i32, u32, i64, u64, *const u8, extern "C" fn()) -> f32>(),
            "i32,u32,i64,u64,ptr,fnptr -> f32",
        ),
        (Signature::of::<fn(f32, f64, isize, usize) -> u16>(), "f32,f64,i64,u64 -> u16"),
    ];
    for (sig, text) in pairs {
        for conv in Conv::ALL {
            assert_eq!(classify(conv, &sig), classify(conv, &signature(text)), "{conv} `{text}`");
        }
    }
}

/// (type, sysv64 class, win64 class).
const CLASSES: &[(&str, &str, &str)] = &[
    ("i8", "integer", "integer"),
    ("u16", "integer", "integer"),
    ("bool", "integer", "integer"),
    ("u64", "integer", "integer"),
    ("ptr", "integer", "integer"),
    ("fnptr", "integer", "integer"),
    ("f32", "sse", "sse"),
    ("f64", "sse", "sse"),
    ("{f32}", "sse", "integer"),
    ("{f32,f32}", "sse", "integer"),
    ("{f64}", "sse", "integer"),
    ("{f32,i32}", "integer", "integer"),
    ("{u16,u8}", "integer", "integer"),
    ("{u8[8]}", "integer", "integer"),
    ("{u8[6]}", "integer", "by-ref"),
    ("{u8,u8,u8}", "integer", "by-ref"),
    ("{i64,i64}", "integer, integer", "by-ref"),
    ("{i64,f64}", "integer, sse", "by-ref"),
    ("{f64,i64}", "sse, integer", "by-ref"),
    ("{f64,f64}", "sse, sse", "by-ref"),
    ("{f32,f32,f32}", "sse, sse", "by-ref"),
    ("{i32,f32,f32}", "integer, sse", "by-ref"),
    ("{u8,f64}", "integer, sse", "by-ref"),
    ("{f32[2],i64}", "sse, integer", "by-ref"),
    ("{u8[16]}", "integer, integer", "by-ref"),
    ("{u8[17]}", "memory", "by-ref"),
    ("{f64,f64,f64}", "memory", "by-ref"),
    ("<f32|i32>", "integer", "integer"),
    ("<f64|i32[3]>", "integer, integer", "by-ref"),
    ("<f32[3]|f64>", "sse, sse", "by-ref"),
    ("<i64[3]|f64>", "memory", "by-ref"),
    ("i128", "integer, integer", "by-ref"),
    ("u128", "integer, integer", "by-ref"),
    ("{i128}", "integer, integer", "by-ref"),
    ("{u8,i128}", "memory", "by-ref"),
    ("<i128|f64>", "integer, integer", "by-ref"),
    ("packed{u8,i32}", "memory", "by-ref"),
    ("packed{i32,u8}", "integer", "by-ref"),
    ("packed{u8,u8,u16,u32}", "integer", "integer"),
    ("cf32", "sse", "integer"),
    ("cf64", "sse, sse", "by-ref"),
    ("{cf32}", "sse", "integer"),
    ("{cf32,f32}", "sse, sse", "by-ref"),
    ("<cf32|i64>", "integer", "integer"),
    ("f80", "x87, x87up", "by-ref"),
    ("{f80}", "x87, x87up", "by-ref"),
    ("{f80[1]}", "x87, x87up", "by-ref"),
    ("<f80|f80>", "x87, x87up", "by-ref"),
    ("<f80|f64>", "memory", "by-ref"),
    ("<f80|i8>", "memory", "by-ref"),
    // INTEGER wins over X87 and X87UP (merge rule (d) comes before (e)):
    // gcc 12 passes these in rdi and rsi.
    ("<f80|i64[2]>", "integer, integer", "by-ref"),
    ("<f80|i16[5]>", "integer, integer", "by-ref"),
    ("<f80|i32>", "memory", "by-ref"),
    ("<f80|f32>", "memory", "by-ref"),
    ("{f80,f80}", "memory", "by-ref"),
    ("m128", "sse, sseup", "by-ref"),
    ("{m128}", "sse, sseup", "by-ref"),
    ("{m128[1]}", "sse, sseup", "by-ref"),
    ("<m128|f32[4]>", "sse, sse", "by-ref"),
    ("<m128|i64[2]>", "integer, integer", "by-ref"),
    ("{m128,f32}", "memory", "by-ref"),
    ("{m128,m128}", "memory", "by-ref"),
    ("pack2{u8,i32}", "memory", "by-ref"),
    ("pack2{u8,i16}", "integer", "integer"),
    // Alignment is judged at the field's offset in the whole value (gcc's
    // `bit_offset % mode_alignment`, rustc's `off.is_aligned`): the i16 is
    // at 3 in the first, at 2 in the second.
    ("{u8,u8,packed{u8,i16}}", "memory", "by-ref"),
    ("{u8,packed{u8,i16}}", "integer", "integer"),
    ("align16{i64}", "integer", "by-ref"),
    ("align16{f32}", "sse", "by-ref"),
    ("align16{f64,f64}", "sse, sse", "by-ref"),
    ("align32{i64}", "memory", "by-ref"),
];

#[test]
fn types_classify_like_the_conventions() {
    let mut wrong = Vec::new();
    for &(text, sysv, win) in CLASSES {
        let ty = Parser::new(text).whole_type();
        let (got_sysv, got_win) = (sysv64::classify_type(ty).describe(), win64::classify_type(ty).describe());
        if (got_sysv, got_win) != (sysv, win) {
            wrong.push(format!("`{text}`: want sysv64 {sysv:?}, win64 {win:?}; got {got_sysv:?}, {got_win:?}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn classes_describe_themselves() {
    use sysv64::Eightbyte::{Integer as I, Sse as S};
    let sysv = [
        (sysv64::ArgClass::Memory, "memory"),
        (sysv64::ArgClass::One(I), "integer"),
        (sysv64::ArgClass::One(S), "sse"),
        (sysv64::ArgClass::Two(I, I), "integer, integer"),
        (sysv64::ArgClass::Two(I, S), "integer, sse"),
        (sysv64::ArgClass::Two(S, I), "sse, integer"),
        (sysv64::ArgClass::Two(S, S), "sse, sse"),
        (sysv64::ArgClass::X87, "x87, x87up"),
        (sysv64::ArgClass::Vector128, "sse, sseup"),
    ];
    for (class, text) in sysv {
        assert_eq!(class.describe(), text);
    }
    assert_eq!(sysv64::ArgClass::ALL, sysv.map(|(c, _)| c));
    for a in sysv64::ArgClass::ALL {
        for b in sysv64::ArgClass::ALL {
            assert_eq!(a.same_as(b), a == b, "{a:?} vs {b:?}");
        }
    }

    let win =
        [(win64::ArgClass::Integer, "integer"), (win64::ArgClass::Sse, "sse"), (win64::ArgClass::ByRef, "by-ref")];
    for (class, text) in win {
        assert_eq!(class.describe(), text);
    }
    assert_eq!(win64::ArgClass::ALL, win.map(|(c, _)| c));
    for a in win64::ArgClass::ALL {
        for b in win64::ArgClass::ALL {
            assert_eq!(a.same_as(b), a == b, "{a:?} vs {b:?}");
        }
    }
}

#[test]
fn the_notation_lays_types_out_like_c() {
    let ty = |text| Parser::new(text).whole_type();
    let shape = |text| {
        let t: &TypeDesc = ty(text);
        (t.size, t.align)
    };
    assert_eq!(shape("{u8,f64}"), (16, 8));
    assert_eq!(shape("{i32,{i16,i16,f32}}"), (12, 4));
    assert_eq!(shape("<f64|i32[3]>"), (16, 8));
    assert_eq!(shape("<f32[3]|f64>"), (16, 8));
    assert_eq!(shape("packed{u8,i32}"), (5, 1));
    assert_eq!(shape("{u8[20]}"), (20, 1));
    let TypeKind::Struct(fields) = ty("{i32,{i16,i16,f32}}").kind else { panic!("a struct") };
    assert_eq!(fields[1].offset, 4);
    let sig = signature("2*i8,{f32,f32} -> <f32|i32>");
    assert_eq!(sig.args().len(), 3);
    assert_eq!(sig.ret().map(|t| t.size), Some(4));
}

// ---- the notation ----

fn signature(text: &str) -> Signature {
    let (args, ret) = text.split_once("->").unwrap_or_else(|| panic!("`{text}`: expected `args -> ret`"));
    let list = |args: &str| if args.trim().is_empty() { Vec::new() } else { Parser::new(args).whole_list() };
    let ret = match ret.trim() {
        "void" => None,
        ret => Some(Parser::new(ret).whole_type()),
    };
    match args.split_once("...") {
        Some((named, variadic)) => Signature::new_variadic(&list(named), &list(variadic), ret),
        None => Signature::new(&list(args), ret),
    }
    .unwrap_or_else(|e| panic!("`{text}`: {e}"))
}

#[test]
fn variadic_plans_say_where_the_list_starts() {
    use crate::plan::{Gpr, VaStart};
    let va_start = |conv, text| classify(conv, &signature(text)).variadic.expect("a variadic plan").va_start;
    // sysv64: the named int and double used rdi and xmm0; the stack is untouched.
    assert_eq!(
        va_start(Conv::SysV64, "i32,f64 ... -> void"),
        VaStart::RegisterSave {
            gprs: vec![Gpr::Rdi, Gpr::Rsi, Gpr::Rdx, Gpr::Rcx, Gpr::R8, Gpr::R9],
            xmms: 8,
            gp_offset: 8,
            fp_offset: 48 + 16,
            overflow: 8,
        }
    );
    // A named MEMORY struct and a hidden return pointer move both on.
    let VaStart::RegisterSave { gp_offset, overflow, .. } =
        va_start(Conv::SysV64, "{i64,i64,i64} ... -> {i64,i64,i64}")
    else {
        unreachable!()
    };
    assert_eq!((gp_offset, overflow), (8, 32));
    // win64: the slots after the named ones, spilled into the shadow space.
    assert_eq!(
        va_start(Conv::Win64, "i32,f64 ... i32 -> void"),
        VaStart::Slots { spill: vec![(Gpr::R8, 24), (Gpr::R9, 32)], first: 24 }
    );
    // The hidden return pointer takes slot 0; five named arguments leave no register.
    assert_eq!(
        va_start(Conv::Win64, "ptr ... -> {i64,i64,i64}"),
        VaStart::Slots { spill: vec![(Gpr::R8, 24), (Gpr::R9, 32)], first: 24 }
    );
    assert_eq!(va_start(Conv::Win64, "5*i32 ... -> void"), VaStart::Slots { spill: vec![], first: 48 });
}

struct Parser<'a> {
    rest: &'a str,
}

impl<'a> Parser<'a> {
    fn new(text: &'a str) -> Parser<'a> {
        Parser { rest: text }
    }

    fn whole_type(mut self) -> &'static TypeDesc {
        let ty = self.ty();
        self.end();
        ty
    }

    fn whole_list(mut self) -> Vec<&'static TypeDesc> {
        let list = self.list(",");
        self.end();
        list
    }

    fn end(&mut self) {
        assert!(self.rest.trim().is_empty(), "unexpected `{}`", self.rest);
    }

    fn eat(&mut self, token: &str) -> bool {
        self.rest = self.rest.trim_start();
        match self.rest.strip_prefix(token) {
            Some(rest) => {
                self.rest = rest;
                true
            }
            None => false,
        }
    }

    fn expect(&mut self, token: &str) {
        assert!(self.eat(token), "expected `{token}` at `{}`", self.rest);
    }

    fn word(&mut self) -> &'a str {
        self.rest = self.rest.trim_start();
        let end = self.rest.find(|c: char| !c.is_ascii_alphanumeric()).unwrap_or(self.rest.len());
        let (word, rest) = self.rest.split_at(end);
        self.rest = rest;
        word
    }

    /// `t sep t sep ...`, where `n*t` is `n` copies of `t`.
    fn list(&mut self, sep: &str) -> Vec<&'static TypeDesc> {
        let mut list = Vec::new();
        loop {
            let before = self.rest;
            let count = match self.word().parse::<usize>() {
                Ok(n) => {
                    self.expect("*");
                    n
                }
                Err(_) => {
                    self.rest = before;
                    1
                }
            };
            let ty = self.ty();
            list.extend(std::iter::repeat_n(ty, count));
            if !self.eat(sep) {
                return list;
            }
        }
    }

    fn ty(&mut self) -> &'static TypeDesc {
        self.rest = self.rest.trim_start();
        let start = self.rest;
        let mut ty = if self.eat("packed{") || self.eat("pack2{") {
            let max_field_align = if start.starts_with("pack2") { 2 } else { 1 };
            let fields = self.list(",");
            self.expect("}");
            TypeDesc::new_struct_packed(spelled(start, self.rest), &named(&fields), max_field_align).unwrap()
        } else if self.eat("align16{") || self.eat("align32{") {
            let align = if start.starts_with("align16") { 16 } else { 32 };
            let fields = self.list(",");
            self.expect("}");
            TypeDesc::new_struct(spelled(start, self.rest), &named(&fields)).unwrap().with_align(align).unwrap()
        } else if self.eat("{") {
            let fields = self.list(",");
            self.expect("}");
            TypeDesc::new_struct(spelled(start, self.rest), &named(&fields)).unwrap()
        } else if self.eat("<") {
            let members = self.list("|");
            self.expect(">");
            TypeDesc::new_union(spelled(start, self.rest), &named(&members)).unwrap()
        } else {
            scalar(self.word())
        };
        while self.eat("[") {
            let len = self.word().parse().unwrap_or_else(|_| panic!("expected a length at `{}`", self.rest));
            self.expect("]");
            ty = TypeDesc::new_array(ty, len).unwrap();
        }
        ty
    }
}

/// The text a type was parsed from, to name it.
fn spelled<'a>(start: &'a str, rest: &str) -> &'a str {
    &start[..start.len() - rest.len()]
}

fn named(types: &[&'static TypeDesc]) -> Vec<(&'static str, &'static TypeDesc)> {
    const NAMES: [&str; 16] =
        ["f0", "f1", "f2", "f3", "f4", "f5", "f6", "f7", "f8", "f9", "f10", "f11", "f12", "f13", "f14", "f15"];
    types.iter().enumerate().map(|(i, &ty)| (NAMES[i], ty)).collect()
}

fn scalar(name: &str) -> &'static TypeDesc {
    match name {
        "i8" => i8::DESC,
        "u8" => u8::DESC,
        "i16" => i16::DESC,
        "u16" => u16::DESC,
        "i32" => i32::DESC,
        "u32" => u32::DESC,
        "i64" => i64::DESC,
        "u64" => u64::DESC,
        "i128" => i128::DESC,
        "u128" => u128::DESC,
        "bool" => bool::DESC,
        "f32" => f32::DESC,
        "f64" => f64::DESC,
        "ptr" => <*const u8>::DESC,
        "fnptr" => <extern "C" fn()>::DESC,
        "cf32" => crate::Complex::<f32>::DESC,
        "cf64" => crate::Complex::<f64>::DESC,
        "f80" => crate::F80::DESC,
        "m128" => <core::arch::x86_64::__m128>::DESC,
        other => panic!("unknown scalar `{other}`"),
    }
}
