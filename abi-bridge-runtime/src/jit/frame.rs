//! The thunk's frame: its layout, the prologue and epilogue (register saves,
//! stack probes), and the addresses the other parts plan with.
//!
//! From rsp upward after the prologue:
//!
//! ```text
//! [rsp + 0]            the callee's argument area (shadow space + stack args)
//! [rsp + ..]           copies made for the callee (by-reference arguments,
//!                      an sret buffer, the caller's saved sret pointer)
//! [rsp + xmm_area]     vector registers the caller needs preserved
//! [rsp + sub]          pushed general-purpose registers, then the return address
//! ```
//!
//! When the callee expects more than 16-byte alignment (an `aligned(32)`
//! argument on its stack or by reference), rbp is pushed after the other
//! registers and keeps rsp's value from then on, rsp is rounded down to that
//! alignment below the frame, and the caller's stack arguments are read
//! through rbp.
//!
//! The frame's size is known only once every copy is planned, so moves are
//! planned with addresses relative to a [`Base`] and resolved at emission.

use super::emit::{self, Addr, Asm};
use crate::plan::{CallPlan, Gpr, Reg};

/// What an address in the plan is relative to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Base {
    /// rsp at entry: the caller's stack arguments, at the offsets its plan
    /// gives ([`Loc::Stack`](crate::plan::Loc::Stack); the return address is
    /// at 0).
    Entry,
    /// rsp after the prologue: the callee's argument area and our copies.
    Frame,
    /// A pointer held in a register (a caller's by-reference copy or return
    /// buffer, or a pointer the thunk loaded).
    Reg(Gpr),
}

/// A memory operand as planned: `[base + disp]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Mem {
    pub(super) base: Base,
    pub(super) disp: i32,
}

impl Mem {
    /// The first byte behind the pointer in `g`.
    pub(super) fn behind(g: Gpr) -> Mem {
        Mem { base: Base::Reg(g), disp: 0 }
    }

    /// The caller's stack argument at entry offset `o`.
    pub(super) fn incoming(o: u32) -> Mem {
        Mem { base: Base::Entry, disp: o as i32 }
    }

    /// The callee's stack argument at (its) entry offset `o`, as written
    /// before the call pushes the return address.
    pub(super) fn outgoing(o: u32) -> Mem {
        Mem { base: Base::Frame, disp: o as i32 - 8 }
    }

    /// `bytes` further on.
    pub(super) fn plus(self, bytes: u32) -> Mem {
        Mem { disp: self.disp + bytes as i32, ..self }
    }
}

/// The frame as it is being planned.
#[derive(Debug)]
pub(super) struct Frame {
    /// General-purpose registers the caller expects to survive and the callee
    /// may clobber: pushed on entry.
    gpr_saves: Vec<Gpr>,
    /// Likewise for vector registers, saved whole below the pushes.
    xmm_saves: Vec<u8>,
    /// Bytes in use below the xmm saves: the argument area, then copies.
    top: u32,
    /// What rsp is aligned to at the call and every copy is aligned to:
    /// the callee's `arg_align` (16, or 32 for an `aligned(32)` argument).
    align: u32,
}

/// Stack pages are touched one by one when a frame spans more than this
/// (Linux's guard page below a thread's stack is one page; a single `sub`
/// larger than that could step over it).
const PAGE: u32 = 4096;

impl Frame {
    pub(super) fn new(caller: &CallPlan, callee: &CallPlan) -> Frame {
        // The caller expects these to survive the call; the callee does not
        // promise to keep them, so the thunk saves them itself.
        let clobbered = caller.preserved.minus(callee.preserved);
        let gpr_saves = clobbered.iter().filter_map(|r| if let Reg::Gpr(g) = r { Some(g) } else { None }).collect();
        let xmm_saves = clobbered.iter().filter_map(|r| if let Reg::Xmm(x) = r { Some(x) } else { None }).collect();
        let align = callee.arg_align.max(16);
        Frame { gpr_saves, xmm_saves, top: callee.arg_area.next_multiple_of(align), align }
    }

    /// A copy area of at least `size` bytes aligned as the callee expects
    /// its by-reference copies (16 at least), rounded to whole eightbytes so
    /// pieces can be written 8 bytes at a time.
    pub(super) fn temp(&mut self, size: u32) -> Mem {
        let at = self.top.next_multiple_of(self.align);
        self.top = at + size.next_multiple_of(16);
        Mem { base: Base::Frame, disp: at as i32 }
    }

    /// Whether the prologue saves `xmm{x}` (so the thunk may use it).
    pub(super) fn saves_xmm(&self, x: u8) -> bool {
        self.xmm_saves.contains(&x)
    }

    /// The finished layout: every copy is planned.
    pub(super) fn layout(&self) -> Layout {
        let xmm_area = self.top.next_multiple_of(16);
        let raw = xmm_area + 16 * self.xmm_saves.len() as u32;
        // At entry rsp is 8 past a multiple of 16 (the return address); the
        // call inside must happen with rsp a multiple of 16.
        let pushed = 8 * self.gpr_saves.len() as u32;
        // More than 16: the frame is realigned below rbp (see `Layout`).
        let (sub, realign) =
            if self.align > 16 { (raw, Some(self.align)) } else { (raw + (16 - (8 + pushed + raw) % 16) % 16, None) };
        Layout { gpr_saves: self.gpr_saves.clone(), xmm_saves: self.xmm_saves.clone(), xmm_area, sub, pushed, realign }
    }
}

/// The frame's final layout, which resolves planned addresses and emits the
/// prologue and epilogue.
#[derive(Debug)]
pub(super) struct Layout {
    gpr_saves: Vec<Gpr>,
    xmm_saves: Vec<u8>,
    /// Offset of the xmm save area from rsp after the prologue.
    xmm_area: u32,
    /// Bytes the prologue subtracts from rsp after the pushes.
    sub: u32,
    /// Bytes pushed.
    pushed: u32,
    /// When the callee expects more than 16-byte alignment: the prologue
    /// also pushes rbp, keeps the entry rsp there (caller's stack arguments
    /// are then read through rbp) and rounds rsp down to this alignment.
    realign: Option<u32>,
}

impl Layout {
    /// The operand that reaches `m` between prologue and epilogue.
    pub(super) fn resolve(&self, m: Mem) -> Addr {
        match m.base {
            // rbp holds rsp right after the pushes and its own push.
            Base::Entry if self.realign.is_some() => Addr { base: Gpr::Rbp, disp: m.disp + (self.pushed + 8) as i32 },
            Base::Entry => Addr { base: Gpr::Rsp, disp: m.disp + (self.sub + self.pushed) as i32 },
            Base::Frame => Addr { base: Gpr::Rsp, disp: m.disp },
            Base::Reg(g) => Addr { base: g, disp: m.disp },
        }
    }

    fn xmm_slot(&self, i: usize) -> Addr {
        Addr { base: Gpr::Rsp, disp: (self.xmm_area + 16 * i as u32) as i32 }
    }

    /// Pushes, allocates and saves. Argument registers are live here, so the
    /// only register written is `scratch` (and only for a frame of a page or more).
    pub(super) fn prologue(&self, a: &mut Asm, scratch: Gpr) {
        for &g in &self.gpr_saves {
            emit::push(a, g);
        }
        if self.realign.is_some() {
            emit::push(a, Gpr::Rbp);
            emit::reg_to_reg(a, Reg::Gpr(Gpr::Rbp), Reg::Gpr(Gpr::Rsp), 8, crate::plan::Ext::None);
        }
        // A frame of a page or more is allocated a page at a time, each page
        // touched as it is taken, as compilers' stack probes do: the first
        // fault then lands in the guard page, never past it. The remainder
        // (under a page) is covered by the call's push of its return address.
        // Consecutive touches (the pushes or the caller's return address,
        // each probe, then the call's push) are never more than a page apart.
        let rest = if self.sub >= PAGE {
            emit::probe_pages(a, self.sub / PAGE, PAGE, scratch);
            self.sub % PAGE
        } else {
            self.sub
        };
        emit::adjust_rsp(a, rest as i32);
        if let Some(align) = self.realign {
            emit::align_rsp_down(a, align);
        }
        for (i, &x) in self.xmm_saves.iter().enumerate() {
            emit::save_xmm(a, self.xmm_slot(i), x);
        }
    }

    /// Restores, releases and returns.
    pub(super) fn epilogue(&self, a: &mut Asm) {
        for (i, &x) in self.xmm_saves.iter().enumerate() {
            emit::restore_xmm(a, x, self.xmm_slot(i));
        }
        if self.realign.is_some() {
            emit::reg_to_reg(a, Reg::Gpr(Gpr::Rsp), Reg::Gpr(Gpr::Rbp), 8, crate::plan::Ext::None);
            emit::pop(a, Gpr::Rbp);
        } else {
            emit::adjust_rsp(a, -(self.sub as i32));
        }
        for &g in self.gpr_saves.iter().rev() {
            emit::pop(a, g);
        }
        emit::ret(a);
    }
}
