//! Encoding: each function emits the x86-64 instructions for one kind of move.
//! No calling-convention knowledge lives here; callers say which registers,
//! which addresses and how many bytes.

// dynasm! expands register operands to `.into()` calls even when they are already `u8`.
#![allow(clippy::useless_conversion)]

use dynasmrt::x64::X64Relocation;
use dynasmrt::{dynasm, DynasmApi, VecAssembler};

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

/// `dst <- [m]`, reading `width` bytes (1, 2, 4 or 8), extending small
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
            _ => unreachable!("vector load width {width}"),
        },
    }
}

/// `[m] <- src`, writing `width` bytes (1, 2, 4 or 8).
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

/// Writes exactly `size` bytes of the value in `src` (1 to 8 bytes) to `[m]`,
/// using `scratch` for the sizes that are not a power of two.
pub(crate) fn store_exact(a: &mut Asm, m: Addr, src: Reg, size: u32, scratch: Gpr) {
    if matches!(size, 1 | 2 | 4 | 8) {
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

/// Copies exactly `size` bytes from `[src]` to `[dst]` through `scratch`.
pub(crate) fn copy(a: &mut Asm, dst: Addr, src: Addr, size: u32, scratch: Gpr) {
    for (offset, width) in chunks(size) {
        load(a, Reg::Gpr(scratch), src.plus(offset), width, Ext::None);
        store(a, dst.plus(offset), Reg::Gpr(scratch), width);
    }
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
