//! Calls a function by following nothing but a [`CallPlan`]: no typed Rust
//! call, no thunk. If the plan is wrong, the callee receives the wrong bytes.
//!
//! Each argument's bytes are placed where the plan says, into a register file
//! (`rdi rsi rdx rcx r8 r9 rax`, `xmm0`–`xmm7`) and a stack image (the
//! outgoing argument area, win64 shadow space at its bottom). One `asm!` block
//! then reserves the area below an `rsp` aligned to the plan's `arg_align`, copies the image
//! there, loads every register, calls, and captures `rax`, `rdx`, `xmm0` and
//! `xmm1` (and pops `st0` when the plan returns there); the return value is
//! read back the way the plan says.
//!
//! Every byte the plan does not fill holds garbage (the shadow space, unused
//! registers, the bytes above a small value), except where a
//! [`Piece`]'s [`Ext`] requires an extension to 32 bits, so a wrong plan cannot
//! pass by luck.

use core::arch::asm;
use core::cell::Cell;
use core::ffi::{c_int, c_void};
use core::marker::PhantomData;
use core::mem::offset_of;
use std::sync::Once;

use abi_bridge::{CallPlan, Signature};
use abi_bridge_runtime::plan::{Ext, Gpr, Loc, PassMode, Piece, Reg, RetMode};

/// What the bytes a plan leaves alone hold during one call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Garbage {
    /// Every general-purpose register byte.
    pub gpr: u64,
    /// Every vector register byte (both halves).
    pub xmm: u64,
    /// Every stack-image byte: the win64 shadow space, the rest of each
    /// 8-byte slot, the alignment padding.
    pub stack: u8,
    /// The hidden return buffer before the call, and the guard bytes after
    /// it, which must still hold it afterwards.
    pub ret: u8,
}

impl Garbage {
    /// The patterns of an ordinary test call.
    pub const A: Garbage = Garbage { gpr: 0xA5A5_A5A5_A5A5_A5A5, xmm: 0x7FF4_DEAD_7FF4_DEAD, stack: 0x5A, ret: 0xE7 };
    /// Patterns that differ from [`Garbage::A`] in every byte: a value that
    /// arrives under both cannot have arrived by matching the garbage.
    pub const B: Garbage = Garbage { gpr: 0x3C3C_3C3C_3C3C_3C3C, xmm: 0x0123_4567_89AB_CDEF, stack: 0xC3, ret: 0x18 };
    /// Both patterns.
    pub const BOTH: [Garbage; 2] = [Garbage::A, Garbage::B];
}

/// While alive, a crash (SIGSEGV or SIGBUS) on this thread prints its note
/// to stderr before the process dies: a wrong plan can hand the callee a
/// garbage pointer, and the test harness would otherwise lose every word of
/// what was being called.
///
/// The handler replaces std's (which only reports stack overflows) for the
/// rest of the process; after printing, it restores the default action, so
/// the fault still ends the process.
pub struct CrashNote<'a>(PhantomData<&'a str>);

thread_local! {
    static NOTE: Cell<(*const u8, usize)> = const { Cell::new((core::ptr::null(), 0)) };
}

extern "C" {
    fn signal(signum: c_int, handler: usize) -> usize;
    fn write(fd: c_int, buf: *const c_void, count: usize) -> isize;
}

/// Linux x86-64 signal numbers and `SIG_DFL`.
const SIGBUS: c_int = 7;
const SIGSEGV: c_int = 11;
const SIG_DFL: usize = 0;

extern "C" fn on_fault(sig: c_int) {
    const HEAD: &str = "\nabi-bridge-tests: crashed while calling\n";
    let (note, len) = NOTE.try_with(Cell::get).unwrap_or((core::ptr::null(), 0));
    // SAFETY: write(2) and signal(2) are async-signal-safe; the note points to
    // `len` bytes the live `CrashNote` borrows.
    unsafe {
        if !note.is_null() {
            write(2, HEAD.as_ptr().cast(), HEAD.len());
            write(2, note.cast(), len);
            write(2, "\n".as_ptr().cast(), 1);
        }
        // Returning re-runs the faulting instruction, which now ends the process.
        signal(sig, SIG_DFL);
    }
}

impl<'a> CrashNote<'a> {
    /// Prints `note` if this thread crashes before the result is dropped.
    pub fn new(note: &'a str) -> CrashNote<'a> {
        static INSTALL: Once = Once::new();
        INSTALL.call_once(|| {
            // SAFETY: `on_fault` only does async-signal-safe work.
            unsafe {
                signal(SIGSEGV, on_fault as extern "C" fn(c_int) as usize);
                signal(SIGBUS, on_fault as extern "C" fn(c_int) as usize);
            }
        });
        NOTE.with(|n| n.set((note.as_ptr(), note.len())));
        CrashNote(PhantomData)
    }
}

impl Drop for CrashNote<'_> {
    fn drop(&mut self) {
        NOTE.with(|n| n.set((core::ptr::null(), 0)));
    }
}

/// The argument registers the executor loads, in [`Frame::gpr_in`] order.
const GPRS: [Gpr; 7] = [Gpr::Rdi, Gpr::Rsi, Gpr::Rdx, Gpr::Rcx, Gpr::R8, Gpr::R9, Gpr::Rax];
/// Vector registers loaded with arguments (or garbage): xmm0–xmm7.
const XMMS: usize = 8;
/// Guard bytes after the hidden return buffer.
const RET_GUARD: usize = 16;

/// What the `asm!` block reads and writes, through `r12`.
#[repr(C)]
struct Frame {
    /// Loaded into rdi rsi rdx rcx r8 r9 rax before the call.
    gpr_in: [u64; 7],
    /// Loaded into xmm0–xmm7 (all 128 bits) before the call.
    xmm_in: [[u64; 2]; XMMS],
    /// The stack image: copied to `[rsp]` before the call, so the callee
    /// sees image byte `i` at `[rsp + 8 + i]` on entry.
    image: *const u8,
    /// Its length, a multiple of 16.
    image_len: u64,
    /// `-arg_align`: rsp is rounded down to the plan's alignment (16 or 32)
    /// before the image is copied.
    align_mask: u64,
    /// The callee.
    target: *const c_void,
    /// The caller's rsp, restored after the call.
    saved_rsp: u64,
    /// rax, rdx, xmm0 and xmm1 after the call.
    rax: u64,
    rdx: u64,
    xmm0: [u64; 2],
    xmm1: [u64; 2],
    /// Non-zero when the plan returns in st0: the call's value is then
    /// popped from the x87 stack into `st0` (its 10 bytes).
    pop_st0: u64,
    st0: [u8; 16],
}

/// A garbage-filled byte buffer aligned as the plan says by-reference copies
/// are (`arg_align`: 16, or 32 for an `aligned(32)` argument; sret buffers
/// get the same).
struct Aligned {
    chunks: Vec<u128>,
    /// Bytes from the start of `chunks` to the aligned buffer.
    skip: usize,
    len: usize,
}

impl Aligned {
    fn new(len: usize, fill: u8, align: u32) -> Aligned {
        let extra = align as usize - 16;
        let chunks = vec![u128::from_ne_bytes([fill; 16]); (len + extra).div_ceil(16).max(1)];
        let skip = (chunks.as_ptr() as usize).next_multiple_of(align as usize) - chunks.as_ptr() as usize;
        Aligned { chunks, skip, len }
    }

    fn bytes(&self) -> &[u8] {
        // SAFETY: `chunks` holds at least `skip + len` initialized bytes.
        unsafe { core::slice::from_raw_parts(self.chunks.as_ptr().cast::<u8>().add(self.skip), self.len) }
    }

    fn bytes_mut(&mut self) -> &mut [u8] {
        // SAFETY: as for `bytes`, and we hold the only reference.
        unsafe { core::slice::from_raw_parts_mut(self.chunks.as_mut_ptr().cast::<u8>().add(self.skip), self.len) }
    }

    fn addr(&mut self) -> u64 {
        self.bytes_mut().as_mut_ptr() as u64
    }
}

/// The registers and stack image of one call, being filled from a plan.
struct Placement {
    garbage: Garbage,
    gprs: [u64; 7],
    xmms: [[u64; 2]; XMMS],
    image: Vec<u8>,
    /// Image bytes below this offset are shadow space: no argument may land there.
    shadow: usize,
    /// The registers written so far (each at most once).
    used: Vec<Reg>,
}

impl Placement {
    fn claim(&mut self, reg: Reg) -> Result<(), String> {
        if self.used.contains(&reg) {
            return Err(format!("the plan puts two things in {reg}"));
        }
        self.used.push(reg);
        Ok(())
    }

    /// Writes `bytes` (at most 8, or 16 into a vector register) to `loc`,
    /// above which the register or slot keeps its garbage unless `ext` asks
    /// for an extension.
    fn put(&mut self, loc: Loc, bytes: &[u8], ext: Ext) -> Result<(), String> {
        match loc {
            Loc::Reg(reg @ Reg::Gpr(g)) => {
                self.claim(reg)?;
                let i = GPRS.iter().position(|&r| r == g).ok_or_else(|| format!("{g:?} carries no argument"))?;
                self.gprs[i] = extended(bytes, ext, self.garbage.gpr)?;
            }
            Loc::Reg(reg @ Reg::Xmm(x)) => {
                self.claim(reg)?;
                if ext != Ext::None {
                    return Err(format!("an extension into xmm{x}"));
                }
                let x = usize::from(x);
                if x >= XMMS {
                    return Err(format!("xmm{x} carries no argument"));
                }
                // A vector fills the whole register; anything else its low half.
                match bytes.len() {
                    16 => {
                        let (lo, hi) = bytes.split_at(8);
                        self.xmms[x] = [lo, hi].map(|half| u64::from_le_bytes(half.try_into().expect("8 bytes")));
                    }
                    _ => self.xmms[x][0] = extended(bytes, Ext::None, self.garbage.xmm)?,
                }
            }
            Loc::Stack(offset) => {
                let at = self.stack_offset(offset, 8)?;
                let word = extended(bytes, ext, u64::from_ne_bytes([self.garbage.stack; 8]))?;
                // Only the value's bytes (or the extended 4) are written; the
                // rest of the slot keeps its garbage.
                let n = if ext == Ext::None { bytes.len() } else { bytes.len().max(4) };
                self.image[at..at + n].copy_from_slice(&word.to_le_bytes()[..n]);
            }
        }
        Ok(())
    }

    /// The image offset of `[rsp + offset]` on entry, checked to leave `len`
    /// bytes inside the argument area and outside the shadow space.
    fn stack_offset(&self, offset: u32, len: usize) -> Result<usize, String> {
        let at = (offset as usize).checked_sub(8).ok_or("a stack argument over the return address")?;
        if at < self.shadow {
            return Err(format!("a stack argument at [rsp+{offset}], inside the shadow space"));
        }
        if at + len > self.image.len() {
            return Err(format!("a stack argument at [rsp+{offset}] past the argument area"));
        }
        Ok(at)
    }
}

/// `bytes` in the low bytes of `garbage`, extended to 32 bits as `ext` says.
fn extended(bytes: &[u8], ext: Ext, garbage: u64) -> Result<u64, String> {
    if bytes.is_empty() || bytes.len() > 8 {
        return Err(format!("a piece of {} bytes", bytes.len()));
    }
    let mut word = garbage.to_le_bytes();
    word[..bytes.len()].copy_from_slice(bytes);
    let raw = u64::from_le_bytes(word);
    let bits = 8 * bytes.len() as u32;
    let low = if bits == 64 { raw } else { raw & ((1 << bits) - 1) };
    let high = garbage & 0xFFFF_FFFF_0000_0000;
    Ok(match ext {
        Ext::None => raw,
        _ if bits > 16 => return Err(format!("an extension of a {}-byte piece", bytes.len())),
        Ext::Zero32 => high | low,
        Ext::Sign32 => high | u64::from((((low << (64 - bits)) as i64) >> (64 - bits)) as u32),
    })
}

/// Calls `target` by following `plan`, the plan of `sig`, with the arguments'
/// bytes `args`, every other byte holding `garbage`; returns the bytes of the
/// returned value (`None` for `void`).
///
/// # Errors
///
/// A message when the plan cannot be followed (two values in one register, a
/// stack slot outside the argument area or inside the shadow space, a piece
/// outside its value, ...) or when the callee broke the plan's promises about
/// the return (rax not echoing the hidden return pointer, writes past the
/// return buffer).
///
/// # Safety
///
/// `target` must be a function of signature `sig` compiled for `plan.conv`,
/// that may be called with the values in `args`; if the plan is wrong, the
/// callee may read or write anything.
pub unsafe fn call_by_plan(
    plan: &CallPlan,
    sig: &Signature,
    target: *const c_void,
    args: &[Vec<u8>],
    garbage: Garbage,
) -> Result<Option<Vec<u8>>, String> {
    if args.len() != sig.args().len() || plan.args.len() != sig.args().len() {
        return Err(format!(
            "{} argument values, {} in the plan, {} in the signature",
            args.len(),
            plan.args.len(),
            sig.args().len()
        ));
    }
    let area = plan.arg_area as usize;
    let mut p = Placement {
        garbage,
        gprs: [garbage.gpr; 7],
        xmms: [[garbage.xmm; 2]; XMMS],
        image: vec![garbage.stack; area.next_multiple_of(16)],
        shadow: plan.shadow_space as usize,
        used: Vec::new(),
    };
    // Copies the callee gets pointers to; they must live until it returns.
    let mut copies = Vec::new();

    for (i, ((mode, value), ty)) in plan.args.iter().zip(args).zip(sig.args()).enumerate() {
        if value.len() != ty.size {
            return Err(format!("a{i}: {} bytes given for a {}-byte `{}`", value.len(), ty.size, ty.name));
        }
        let at = |e: String| format!("a{i}: {e}");
        match mode {
            PassMode::Direct(pieces) => {
                for &Piece { offset, size, loc, ext } in pieces {
                    let bytes = value
                        .get(offset as usize..(offset + size) as usize)
                        .ok_or_else(|| at(format!("piece {offset}+{size} outside the value")))?;
                    p.put(loc, bytes, ext).map_err(at)?;
                }
            }
            PassMode::Stack { offset, size } => {
                if *size as usize != value.len() {
                    return Err(at(format!("{size} bytes on the stack for a {}-byte value", value.len())));
                }
                let o = p.stack_offset(*offset, value.len().next_multiple_of(8)).map_err(at)?;
                p.image[o..o + value.len()].copy_from_slice(value);
            }
            PassMode::Indirect(loc) => {
                let mut copy = Aligned::new(value.len(), garbage.stack, plan.arg_align);
                copy.bytes_mut().copy_from_slice(value);
                let addr = copy.addr();
                copies.push(copy);
                if let Loc::Reg(Reg::Xmm(_)) = loc {
                    return Err(at(format!("a pointer in {loc}")));
                }
                p.put(*loc, &addr.to_le_bytes(), Ext::None).map_err(at)?;
            }
        }
    }

    let ret_ty = sig.ret();
    let mut sret = None;
    if let RetMode::Sret { pointer } = plan.ret {
        let ty = ret_ty.ok_or("sret for a void function")?;
        let mut buf = Aligned::new(ty.size + RET_GUARD, garbage.ret, plan.arg_align);
        p.put(Loc::Reg(Reg::Gpr(pointer)), &buf.addr().to_le_bytes(), Ext::None).map_err(|e| format!("ret: {e}"))?;
        sret = Some(buf);
    }

    let mut frame = Frame {
        gpr_in: p.gprs,
        xmm_in: p.xmms,
        image: p.image.as_ptr(),
        image_len: p.image.len() as u64,
        align_mask: u64::from(plan.arg_align).wrapping_neg(),
        target,
        saved_rsp: 0,
        rax: 0,
        rdx: 0,
        xmm0: [0; 2],
        xmm1: [0; 2],
        pop_st0: u64::from(plan.ret == RetMode::St0),
        st0: [garbage.ret; 16],
    };
    // SAFETY: `frame` is filled as `run` expects; the caller promises the
    // target follows the plan's signature and convention.
    unsafe { run(&mut frame) };
    drop(copies);

    match (&plan.ret, ret_ty) {
        (RetMode::Void, None) => Ok(None),
        (RetMode::Direct(pieces), Some(ty)) => {
            let mut bytes = vec![garbage.ret; ty.size];
            for &Piece { offset, size, loc, .. } in pieces {
                // A piece of more than 8 bytes fills a whole vector register
                // (a vector, win64's i128 in xmm0); general registers hold 8.
                let (word, room) = match loc {
                    Loc::Reg(Reg::Gpr(Gpr::Rax)) => (u128::from(frame.rax), 8),
                    Loc::Reg(Reg::Gpr(Gpr::Rdx)) => (u128::from(frame.rdx), 8),
                    Loc::Reg(Reg::Xmm(0)) => (u128::from(frame.xmm0[0]) | u128::from(frame.xmm0[1]) << 64, 16),
                    Loc::Reg(Reg::Xmm(1)) => (u128::from(frame.xmm1[0]) | u128::from(frame.xmm1[1]) << 64, 16),
                    other => return Err(format!("ret: a piece returned in {other}")),
                };
                if size > room {
                    return Err(format!("ret: a {size}-byte piece in {loc}"));
                }
                let dst = bytes
                    .get_mut(offset as usize..(offset + size) as usize)
                    .ok_or_else(|| format!("ret: piece {offset}+{size} outside the value"))?;
                dst.copy_from_slice(&word.to_le_bytes()[..size as usize]);
            }
            Ok(Some(bytes))
        }
        (RetMode::St0, Some(ty)) => {
            // The 10 bytes of the x87 value; the rest is padding.
            let mut bytes = vec![garbage.ret; ty.size];
            bytes[..10].copy_from_slice(&frame.st0[..10]);
            Ok(Some(bytes))
        }
        (RetMode::Sret { .. }, Some(ty)) => {
            let mut buf = sret.expect("made above");
            if frame.rax != buf.addr() {
                return Err(format!("ret: rax is {:#x}, not the hidden return pointer {:#x}", frame.rax, buf.addr()));
            }
            let (value, guard) = buf.bytes().split_at(ty.size);
            if guard.iter().any(|&b| b != garbage.ret) {
                return Err("ret: the callee wrote past the end of the return buffer".to_owned());
            }
            Ok(Some(value.to_vec()))
        }
        (mode, ty) => Err(format!("ret: mode `{mode}` for return type {ty:?}")),
    }
}

/// Reserves the stack image below an rsp aligned as the plan asks, loads the argument
/// registers, calls, and captures the return registers.
///
/// # Safety
///
/// `frame.image` must point to `frame.image_len` readable bytes (a multiple
/// of 16) and `frame.target` to a function that, called with those registers
/// and that stack, returns normally.
unsafe fn run(frame: &mut Frame) {
    // SAFETY: the caller's promise. rsp is saved in the frame and restored
    // after the call; r12 (the frame) survives the call in both conventions;
    // every register either convention lets the callee clobber is declared
    // clobbered (clobber_abi("C") is sysv64's set, a superset of win64's).
    unsafe {
        asm!(
            "mov [r12 + {saved}], rsp",
            "mov rcx, [r12 + {len}]",
            "sub rsp, rcx",
            "and rsp, [r12 + {mask}]",
            "mov rsi, [r12 + {image}]",
            "mov rdi, rsp",
            "rep movsb",
            "movdqu xmm0, [r12 + {xin}]",
            "movdqu xmm1, [r12 + {xin} + 16]",
            "movdqu xmm2, [r12 + {xin} + 32]",
            "movdqu xmm3, [r12 + {xin} + 48]",
            "movdqu xmm4, [r12 + {xin} + 64]",
            "movdqu xmm5, [r12 + {xin} + 80]",
            "movdqu xmm6, [r12 + {xin} + 96]",
            "movdqu xmm7, [r12 + {xin} + 112]",
            "mov rdi, [r12 + {gin}]",
            "mov rsi, [r12 + {gin} + 8]",
            "mov rdx, [r12 + {gin} + 16]",
            "mov rcx, [r12 + {gin} + 24]",
            "mov r8, [r12 + {gin} + 32]",
            "mov r9, [r12 + {gin} + 40]",
            "mov rax, [r12 + {gin} + 48]",
            "call qword ptr [r12 + {target}]",
            "mov [r12 + {rax}], rax",
            "mov [r12 + {rdx}], rdx",
            "movdqu [r12 + {xmm0}], xmm0",
            "movdqu [r12 + {xmm1}], xmm1",
            "cmp qword ptr [r12 + {pop_st0}], 0",
            "je 2f",
            "fstp tbyte ptr [r12 + {st0}]",
            "2:",
            "mov rsp, [r12 + {saved}]",
            in("r12") frame as *mut Frame,
            saved = const offset_of!(Frame, saved_rsp),
            len = const offset_of!(Frame, image_len),
            mask = const offset_of!(Frame, align_mask),
            image = const offset_of!(Frame, image),
            xin = const offset_of!(Frame, xmm_in),
            gin = const offset_of!(Frame, gpr_in),
            target = const offset_of!(Frame, target),
            rax = const offset_of!(Frame, rax),
            rdx = const offset_of!(Frame, rdx),
            xmm0 = const offset_of!(Frame, xmm0),
            xmm1 = const offset_of!(Frame, xmm1),
            pop_st0 = const offset_of!(Frame, pop_st0),
            st0 = const offset_of!(Frame, st0),
            clobber_abi("C"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extensions_keep_garbage_above_32_bits() {
        assert_eq!(extended(&[0x80], Ext::Sign32, Garbage::A.gpr).unwrap(), 0xA5A5_A5A5_FFFF_FF80);
        assert_eq!(extended(&[0x80], Ext::Zero32, Garbage::A.gpr).unwrap(), 0xA5A5_A5A5_0000_0080);
        assert_eq!(extended(&[0x01, 0x80], Ext::Sign32, Garbage::A.gpr).unwrap(), 0xA5A5_A5A5_FFFF_8001);
        assert_eq!(extended(&[0x7F], Ext::None, Garbage::A.gpr).unwrap(), 0xA5A5_A5A5_A5A5_A57F);
        assert!(extended(&[1, 2, 3, 4], Ext::Sign32, Garbage::A.gpr).is_err());
    }

    #[test]
    fn the_two_garbage_patterns_differ_in_every_byte() {
        let (a, b) = (Garbage::A, Garbage::B);
        let differ = |x: u64, y: u64| x.to_le_bytes().iter().zip(y.to_le_bytes()).all(|(p, q)| *p != q);
        assert!(differ(a.gpr, b.gpr) && differ(a.xmm, b.xmm) && a.stack != b.stack && a.ret != b.ret);
    }
}
