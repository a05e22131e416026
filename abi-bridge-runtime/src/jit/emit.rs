//! Encoding: each function emits the x86-64 instructions for one kind of move.
//! No calling-convention knowledge lives here; callers say which registers,
//! which addresses and how many bytes.

// dynasm! expands register operands to `.into()` calls even when they are already `u8`.
#![allow(clippy::useless_conversion)]

use dynasmrt::x64::X64Relocation;
use dynasmrt::{dynasm, DynasmApi, DynasmLabelApi, VecAssembler};

use crate::plan::{Ext, Gpr, Reg};

/// The assembler every thunk is generated with; the bytes are then copied
/// into sealed pages by [`crate::memory`], so code must be position-independent
/// (it is: only rip-relative references to its own literals).
pub(crate) type Asm = VecAssembler<X64Relocation>;

/// A memory operand `[base + disp]`, with `base` a general-purpose register
/// (rsp for the thunk's own frame).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Addr {
    pub(crate) base: Gpr,
    pub(crate) disp: i32,
}

impl Addr {
    pub(crate) fn plus(self, bytes: u32) -> Addr {
        Addr { base: self.base, disp: self.disp + bytes as i32 }
    }
}

fn r(g: Gpr) -> u8 {
    g as u8
}

/// `dst <- src` between registers, extending a small integer when `ext` asks.
pub(crate) fn reg_to_reg(a: &mut Asm, dst: Reg, src: Reg, size: u32, ext: Ext) {
    match (dst, src) {
        (Reg::Gpr(d), Reg::Gpr(s)) => match (ext, size) {
            (Ext::Sign32, 1) => dynasm!(a ; .arch x64 ; movsx Rd(r(d)), Rb(r(s))),
            (Ext::Sign32, 2) => dynasm!(a ; .arch x64 ; movsx Rd(r(d)), Rw(r(s))),
            (Ext::Zero32, 1) => dynasm!(a ; .arch x64 ; movzx Rd(r(d)), Rb(r(s))),
            (Ext::Zero32, 2) => dynasm!(a ; .arch x64 ; movzx Rd(r(d)), Rw(r(s))),
            _ if d == s => {}
            _ => dynasm!(a ; .arch x64 ; mov Rq(r(d)), Rq(r(s))),
        },
        (Reg::Xmm(d), Reg::Xmm(s)) => {
            if d != s {
                dynasm!(a ; .arch x64 ; movaps Rx(d), Rx(s));
            }
        }
        (Reg::Xmm(d), Reg::Gpr(s)) => dynasm!(a ; .arch x64 ; movq Rx(d), Rq(r(s))),
        (Reg::Gpr(d), Reg::Xmm(s)) => {
            dynasm!(a ; .arch x64 ; movq Rq(r(d)), Rx(s));
            extend_in_place(a, d, size, ext);
        }
    }
}

/// Extends the low `size` bytes of `g` to 32 bits in place, if `ext` asks.
fn extend_in_place(a: &mut Asm, g: Gpr, size: u32, ext: Ext) {
    if size < 4 && ext != Ext::None {
        reg_to_reg(a, Reg::Gpr(g), Reg::Gpr(g), size, ext);
    }
}

/// `dst <- [m]`, reading `width` bytes (1, 2, 4 or 8; 16 into a vector
/// register, unaligned), extending small
/// integers as `ext` asks (zero-extending when it asks nothing).
pub(crate) fn load(a: &mut Asm, dst: Reg, m: Addr, width: u32, ext: Ext) {
    let (b, d) = (r(m.base), m.disp);
    match dst {
        Reg::Gpr(g) => {
            let g = r(g);
            match (width, ext) {
                (1, Ext::Sign32) => dynasm!(a ; .arch x64 ; movsx Rd(g), BYTE [Rq(b) + d]),
                (2, Ext::Sign32) => dynasm!(a ; .arch x64 ; movsx Rd(g), WORD [Rq(b) + d]),
                (1, _) => dynasm!(a ; .arch x64 ; movzx Rd(g), BYTE [Rq(b) + d]),
                (2, _) => dynasm!(a ; .arch x64 ; movzx Rd(g), WORD [Rq(b) + d]),
                (4, _) => dynasm!(a ; .arch x64 ; mov Rd(g), DWORD [Rq(b) + d]),
                (8, _) => dynasm!(a ; .arch x64 ; mov Rq(g), QWORD [Rq(b) + d]),
                _ => unreachable!("load width {width}"),
            }
        }
        Reg::Xmm(x) => match width {
            4 => dynasm!(a ; .arch x64 ; movd Rx(x), DWORD [Rq(b) + d]),
            8 => dynasm!(a ; .arch x64 ; movq Rx(x), QWORD [Rq(b) + d]),
            16 => dynasm!(a ; .arch x64 ; movups Rx(x), [Rq(b) + d]),
            _ => unreachable!("vector load width {width}"),
        },
    }
}

/// `[m] <- src`, writing `width` bytes (1, 2, 4 or 8; 16 from a vector
/// register, unaligned).
pub(crate) fn store(a: &mut Asm, m: Addr, src: Reg, width: u32) {
    let (b, d) = (r(m.base), m.disp);
    match src {
        Reg::Gpr(g) => {
            let g = r(g);
            match width {
                1 => dynasm!(a ; .arch x64 ; mov BYTE [Rq(b) + d], Rb(g)),
                2 => dynasm!(a ; .arch x64 ; mov WORD [Rq(b) + d], Rw(g)),
                4 => dynasm!(a ; .arch x64 ; mov DWORD [Rq(b) + d], Rd(g)),
                8 => dynasm!(a ; .arch x64 ; mov QWORD [Rq(b) + d], Rq(g)),
                _ => unreachable!("store width {width}"),
            }
        }
        Reg::Xmm(x) => match width {
            4 => dynasm!(a ; .arch x64 ; movd DWORD [Rq(b) + d], Rx(x)),
            8 => dynasm!(a ; .arch x64 ; movq QWORD [Rq(b) + d], Rx(x)),
            16 => dynasm!(a ; .arch x64 ; movups [Rq(b) + d], Rx(x)),
            _ => unreachable!("vector store width {width}"),
        },
    }
}

/// The power-of-two chunks (8, 4, 2, 1 bytes) that exactly cover `size` bytes,
/// as (offset, width) pairs, so nothing outside the value is touched.
pub(crate) fn chunks(size: u32) -> impl Iterator<Item = (u32, u32)> {
    let mut offset = 0;
    std::iter::from_fn(move || {
        let left = size - offset;
        let width = [8, 4, 2, 1].into_iter().find(|w| *w <= left)?;
        offset += width;
        Some((offset - width, width))
    })
}

/// Writes exactly `size` bytes of the value in `src` (1 to 8 bytes, or 16
/// from a vector register) to `[m]`, using `scratch` for the sizes that are
/// not a power of two.
pub(crate) fn store_exact(a: &mut Asm, m: Addr, src: Reg, size: u32, scratch: Gpr) {
    if matches!(size, 1 | 2 | 4 | 8 | 16) {
        return store(a, m, src, size);
    }
    reg_to_reg(a, Reg::Gpr(scratch), src, 8, Ext::None);
    let mut shifted = 0;
    for (offset, width) in chunks(size) {
        let shift = (offset - shifted) as i8 * 8;
        if shift > 0 {
            dynasm!(a ; .arch x64 ; shr Rq(r(scratch)), shift);
            shifted = offset;
        }
        store(a, m.plus(offset), Reg::Gpr(scratch), width);
    }
}

/// Copies of at least this many bytes are a loop, 64 bytes per turn; the
/// rest (and smaller copies) is unrolled, 8 bytes per load/store pair, which
/// costs 2 bytes of code per byte copied (a 4 KiB struct made 8 KiB of
/// code). Measured on an AMD EPYC with `cargo test -p abi-bridge-runtime --lib
/// loop_copy_threshold -- --ignored --nocapture` (warm caches): the loop is
/// as fast as the unrolled copy at 64 and 128 bytes and faster from 192 on
/// (256 bytes: 7.0 ns against 9.5; 1 KiB: 13 against 22; 4 KiB: 52 against
/// 72), and its code does not grow with the size.
pub(crate) const LOOP_COPY_FROM: u32 = 64;

/// Bytes one turn of the copy loop moves.
const LOOP_STEP: u32 = 64;

/// Copies exactly `size` bytes from `[src]` to `[dst]` through `scratch`
/// (and `xmm`, for a loop), which neither address may use as its base.
pub(crate) fn copy(a: &mut Asm, dst: Addr, src: Addr, size: u32, scratch: Gpr, xmm: u8) {
    debug_assert!(dst.base != scratch && src.base != scratch, "the copy's scratch is not an address base");
    let looped = if size >= LOOP_COPY_FROM { size / LOOP_STEP * LOOP_STEP } else { 0 };
    if looped > 0 {
        copy_loop(a, dst, src, looped, scratch, xmm);
    }
    copy_unrolled(a, dst.plus(looped), src.plus(looped), size - looped, scratch);
}

/// Copies exactly `size` bytes, one load/store pair per power-of-two chunk.
fn copy_unrolled(a: &mut Asm, dst: Addr, src: Addr, size: u32, scratch: Gpr) {
    for (offset, width) in chunks(size) {
        load(a, Reg::Gpr(scratch), src.plus(offset), width, Ext::None);
        store(a, dst.plus(offset), Reg::Gpr(scratch), width);
    }
}

/// Copies `bytes` (a non-zero multiple of [`LOOP_STEP`]) from `[src]` to
/// `[dst]`, 16 bytes at a time through `xmm`, with `index` counting up from
/// `-bytes` to 0 (so one `add` both steps and ends the loop). Unaligned
/// loads and stores: neither end need be aligned. Reads exactly the bytes it
/// copies.
fn copy_loop(a: &mut Asm, dst: Addr, src: Addr, bytes: u32, index: Gpr, xmm: u8) {
    debug_assert!(bytes > 0 && bytes.is_multiple_of(LOOP_STEP));
    let (i, n, step) = (r(index), bytes as i32, LOOP_STEP as i32);
    let (sb, sd, db, dd) = (r(src.base), src.disp + n, r(dst.base), dst.disp + n);
    dynasm!(a ; .arch x64
        ; mov Rq(i), -n
        ; next:
        ; movups Rx(xmm), [Rq(sb) + Rq(i) + sd]
        ; movups [Rq(db) + Rq(i) + dd], Rx(xmm)
        ; movups Rx(xmm), [Rq(sb) + Rq(i) + sd + 16]
        ; movups [Rq(db) + Rq(i) + dd + 16], Rx(xmm)
        ; movups Rx(xmm), [Rq(sb) + Rq(i) + sd + 32]
        ; movups [Rq(db) + Rq(i) + dd + 32], Rx(xmm)
        ; movups Rx(xmm), [Rq(sb) + Rq(i) + sd + 48]
        ; movups [Rq(db) + Rq(i) + dd + 48], Rx(xmm)
        ; add Rq(i), step
        ; jnz <next
    );
}

/// Moves rsp down `pages` times by `page` bytes, writing to each page as it
/// is taken (a stack probe), with `counter` counting the pages.
pub(crate) fn probe_pages(a: &mut Asm, pages: u32, page: u32, counter: Gpr) {
    let (c, pages, page) = (r(counter), pages as i32, page as i32);
    dynasm!(a ; .arch x64
        ; mov Rd(c), pages
        ; next:
        ; sub rsp, page
        ; mov QWORD [rsp], 0
        ; dec Rd(c)
        ; jnz <next
    );
}

/// Stores the low halves of `lo` and `hi` as 16 contiguous bytes at `[m]`,
/// combining them in the vector register `x`.
pub(crate) fn store_xmm_pair(a: &mut Asm, m: Addr, lo: u8, hi: u8, x: u8) {
    dynasm!(a ; .arch x64
        ; movaps Rx(x), Rx(lo)
        ; movlhps Rx(x), Rx(hi)
        ; movups [Rq(r(m.base)) + m.disp], Rx(x)
    );
}

/// Pushes the 10-byte x87 value at `[m]` onto the x87 stack (`st0`).
pub(crate) fn fld_x87(a: &mut Asm, m: Addr) {
    dynasm!(a ; .arch x64 ; fld TWORD [Rq(r(m.base)) + m.disp]);
}

/// Pops `st0` into the 10 bytes at `[m]`.
pub(crate) fn fstp_x87(a: &mut Asm, m: Addr) {
    dynasm!(a ; .arch x64 ; fstp TWORD [Rq(r(m.base)) + m.disp]);
}

/// The 16-byte value in vector register `src` into `lo` (low eightbyte) and
/// `hi`, through the vector register `x` (SSE2 only: no `pextrq`).
pub(crate) fn xmm_to_gpr_pair(a: &mut Asm, lo: Gpr, hi: Gpr, src: u8, x: u8) {
    dynasm!(a ; .arch x64
        ; movq Rq(r(lo)), Rx(src)
        ; movhlps Rx(x), Rx(src)
        ; movq Rq(r(hi)), Rx(x)
    );
}

/// `lo` (low eightbyte) and `hi` joined into vector register `dst`, through
/// the vector register `x`. In registers, because two 8-byte stores read
/// back by one 16-byte load cannot be store-forwarded.
pub(crate) fn gpr_pair_to_xmm(a: &mut Asm, dst: u8, lo: Gpr, hi: Gpr, x: u8) {
    dynasm!(a ; .arch x64
        ; movq Rx(dst), Rq(r(lo))
        ; movq Rx(x), Rq(r(hi))
        ; punpcklqdq Rx(dst), Rx(x)
    );
}

/// `dst <- value` (32 bits, zero-extended to 64).
pub(crate) fn mov_imm32(a: &mut Asm, dst: Gpr, value: u32) {
    dynasm!(a ; .arch x64 ; mov Rd(r(dst)), value as i32);
}

/// `[m] <- value`, 8 bytes, through `scratch`.
pub(crate) fn store_const(a: &mut Asm, m: Addr, value: u64, scratch: Gpr) {
    dynasm!(a ; .arch x64 ; mov Rq(r(scratch)), QWORD value as i64);
    store(a, m, Reg::Gpr(scratch), 8);
}

/// `dst <- address of [m]`.
pub(crate) fn lea(a: &mut Asm, dst: Gpr, m: Addr) {
    dynasm!(a ; .arch x64 ; lea Rq(r(dst)), [Rq(r(m.base)) + m.disp]);
}

pub(crate) fn push(a: &mut Asm, g: Gpr) {
    dynasm!(a ; .arch x64 ; push Rq(r(g)));
}

pub(crate) fn pop(a: &mut Asm, g: Gpr) {
    dynasm!(a ; .arch x64 ; pop Rq(r(g)));
}

/// `rsp -= bytes` (negative to release).
pub(crate) fn adjust_rsp(a: &mut Asm, bytes: i32) {
    match bytes {
        0 => {}
        b if b > 0 => dynasm!(a ; .arch x64 ; sub rsp, b),
        b => dynasm!(a ; .arch x64 ; add rsp, -b),
    }
}

/// Rounds rsp down to a multiple of `align` (a power of two).
pub(crate) fn align_rsp_down(a: &mut Asm, align: u32) {
    let mask = -(align as i32);
    dynasm!(a ; .arch x64 ; and rsp, mask);
}

/// Saves a whole vector register to a 16-byte-aligned frame slot.
pub(crate) fn save_xmm(a: &mut Asm, m: Addr, x: u8) {
    dynasm!(a ; .arch x64 ; movaps [Rq(r(m.base)) + m.disp], Rx(x));
}

pub(crate) fn restore_xmm(a: &mut Asm, x: u8, m: Addr) {
    dynasm!(a ; .arch x64 ; movaps Rx(x), [Rq(r(m.base)) + m.disp]);
}

/// `call [g]`: calls the address stored where `g` points.
pub(crate) fn call_at(a: &mut Asm, g: Gpr) {
    dynasm!(a ; .arch x64 ; call QWORD [Rq(r(g))]);
}

pub(crate) fn call_reg(a: &mut Asm, g: Gpr) {
    dynasm!(a ; .arch x64 ; call Rq(r(g)));
}

pub(crate) fn ret(a: &mut Asm) {
    dynasm!(a ; .arch x64 ; ret);
}

/// The finished, position-independent code.
pub(crate) fn finish(a: Asm) -> Vec<u8> {
    a.finalize().expect("thunk code has no unresolved references")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Code that copies `size` bytes from `[rsi]` to `[rdi]` as `body` emits
    /// it, callable as `extern "sysv64" fn(dst, src)`.
    fn copier(body: impl FnOnce(&mut Asm, Addr, Addr)) -> extern "sysv64" fn(*mut u8, *const u8) {
        let mut a = Asm::new(0);
        body(&mut a, Addr { base: Gpr::Rdi, disp: 0 }, Addr { base: Gpr::Rsi, disp: 0 });
        ret(&mut a);
        let code = crate::memory::publish(&[&finish(a)]).expect("executable memory");
        // SAFETY: the code reads `size` bytes at rsi, writes them at rdi, and
        // clobbers only r11 and xmm0, which sysv64 lets a callee clobber.
        unsafe { core::mem::transmute::<*const u8, extern "sysv64" fn(*mut u8, *const u8)>(code[0]) }
    }

    #[test]
    fn copies_write_exactly_the_bytes_they_copy() {
        for size in (0..=200).chain([4093, 4096, 4103]) {
            let f = copier(|a, dst, src| copy(a, dst, src, size, Gpr::R11, 0));
            let src: Vec<u8> = (0..size).map(|i| (i * 7 + 1) as u8).collect();
            let mut dst = vec![0xEEu8; size as usize + 32];
            f(dst[16..].as_mut_ptr(), src.as_ptr());
            assert_eq!(&dst[16..16 + size as usize], &src[..], "{size} bytes");
            assert!(dst[..16].iter().chain(&dst[16 + size as usize..]).all(|b| *b == 0xEE), "{size}: outside touched");
        }
    }

    /// The measurement behind [`LOOP_COPY_FROM`].
    #[test]
    #[ignore = "a measurement: run with --ignored --nocapture"]
    fn loop_copy_threshold() {
        let time = |f: extern "sysv64" fn(*mut u8, *const u8), dst: &mut [u8], src: &[u8]| {
            let mut best = f64::MAX;
            for _ in 0..5 {
                let start = std::time::Instant::now();
                for _ in 0..200_000 {
                    f(std::hint::black_box(dst.as_mut_ptr()), std::hint::black_box(src.as_ptr()));
                }
                best = best.min(start.elapsed().as_nanos() as f64 / 200_000.0);
            }
            best
        };
        for size in [64, 128, 192, 256, 512, 1024, 4096] {
            let unrolled = copier(|a, dst, src| copy_unrolled(a, dst, src, size, Gpr::R11));
            let looped = copier(|a, dst, src| {
                let n = size / LOOP_STEP * LOOP_STEP;
                copy_loop(a, dst, src, n, Gpr::R11, 0);
                copy_unrolled(a, dst.plus(n), src.plus(n), size - n, Gpr::R11);
            });
            let (src, mut dst) = (vec![1u8; size as usize], vec![0u8; size as usize]);
            let (u, l) = (time(unrolled, &mut dst, &src), time(looped, &mut dst, &src));
            eprintln!("{size:5} bytes: unrolled {u:6.1} ns, loop {l:6.1} ns");
        }
    }
}
