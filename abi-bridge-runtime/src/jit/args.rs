//! Arguments: every argument from where the caller's plan puts it to where
//! the callee's plan wants it, as memory writes (step 1) and one parallel
//! register move (step 2), and how the call reaches its target.

use super::emit::{self, Addr, Asm};
use super::frame::{Layout, Mem};
use super::moves::{self, RegMove, Src};
use super::{Generator, Shape, CALL, COPY, CYCLE};
use crate::plan::{Ext, Gpr, Loc, PassMode, Piece, Pieces, Reg, VaStart};

/// One memory write of step 1.
#[derive(Clone, Copy, Debug)]
pub(super) enum MemMove {
    /// `[dst] <- reg`, `width` bytes.
    Store { dst: Mem, src: Reg, width: u32, ext: Ext, size: u32 },
    /// `[dst] <- [src]`, exactly `size` bytes.
    Copy { dst: Mem, src: Mem, size: u32 },
    /// `[dst] <- [[ptr_at] + 0 ..]`, exactly `size` bytes behind a pointer
    /// that itself lives in memory.
    CopyFromPointerAt { dst: Mem, ptr_at: Mem, size: u32 },
    /// `[dst] <- [src]` as one slot, extending a small integer when asked.
    /// Slots are copied 8 bytes at a time on purpose: the caller has just
    /// written them with 8-byte stores, and a 16-byte load spanning two such
    /// stores cannot be store-forwarded (measured: sum10 went from 1.3x to
    /// 2.7x native time when adjacent slots were copied 16 bytes at a time).
    Slot { dst: Mem, src: Mem, width: u32, ext: Ext },
    /// `[dst] <- address of [src]`.
    StoreAddr { dst: Mem, src: Mem },
    /// `[dst] <- value`, 8 bytes (a `va_list`'s offsets).
    StoreConst { dst: Mem, value: u64 },
    /// Two vector eightbytes of one value with one 16-byte store: a callee
    /// that loads the value whole then gets it forwarded from a single store
    /// (two 8-byte stores feeding one 16-byte load stall the load).
    StoreXmmPair { dst: Mem, lo: u8, hi: u8 },
}

impl Generator<'_> {
    /// Pairs the caller's arguments with the callee's and plans each move.
    pub(super) fn plan_args(&mut self) {
        let b = self.b;
        let (caller, callee) = (&b.caller.args[..], &b.callee.args[..]);
        let named = b.callee.variadic.as_ref().map_or(callee.len(), |v| v.fixed);
        let (caller_args, callee_args) = match b.shape {
            Shape::Trampoline { .. } => (caller, callee),
            Shape::TargetFirst => (&caller[1..], callee),
            Shape::TargetAndPack => (&caller[2..], &callee[..named]),
            Shape::Closure { .. } => (caller, &callee[1..]),
            Shape::VariadicClosure { .. } => (caller, &callee[1..callee.len() - 1]),
        };
        assert_eq!(caller_args.len(), callee_args.len(), "both plans describe one signature");
        for (src, dst) in caller_args.iter().zip(callee_args) {
            self.plan_arg(src, dst);
        }
        match b.shape {
            Shape::Closure { block } => self.plan_arg(&pointer_in(block), &callee[0]),
            Shape::VariadicClosure { block } => {
                self.plan_arg(&pointer_in(block), &callee[0]);
                let va = self.plan_va_start();
                match callee.last() {
                    Some(PassMode::Direct(Pieces::One(p))) => self.pointer_to(p.loc, va),
                    other => unreachable!("the va pointer is a pointer argument, not {other:?}"),
                }
            }
            Shape::TargetAndPack => {
                let pack = match &caller[1] {
                    PassMode::Direct(Pieces::One(Piece { loc: Loc::Reg(Reg::Gpr(g)), .. })) => *g,
                    other => unreachable!("the pack pointer is the second argument, in a register, not {other}"),
                };
                assert_eq!(b.pack.len(), callee.len() - named, "one pack cell per variadic argument");
                for (&(offset, size), dst) in b.pack.iter().zip(&callee[named..]) {
                    let value = Mem::behind(pack).plus(offset);
                    // The pack is this call's own: each value owns whole
                    // eightbytes, and a callee may have a copy by reference.
                    self.memory_to(value, size, dst, true, |g, loc| {
                        let copy = g.frame.temp(size);
                        g.mem.push(MemMove::Copy { dst: copy, src: value, size });
                        g.pointer_to(loc, copy);
                    });
                }
            }
            Shape::Trampoline { .. } | Shape::TargetFirst => {}
        }
        self.plan_gpr_copies();
    }

    /// A variadic callee's floating-point values that must also be in a
    /// general register: one more move from wherever the vector register's
    /// value comes from.
    fn plan_gpr_copies(&mut self) {
        let Some(variadic) = &self.b.callee.variadic else { return };
        for &(arg, g) in &variadic.gpr_copies {
            let PassMode::Direct(Pieces::One(Piece { loc: Loc::Reg(xmm), .. })) = self.b.callee.args[arg] else {
                unreachable!("a copied argument travels in a vector register")
            };
            let feed = self.regs.iter().find(|m| m.dst == xmm).expect("every argument register is written").src;
            self.regs.push(RegMove { dst: Reg::Gpr(g), src: feed, size: 8, ext: Ext::None });
        }
    }

    /// Builds what the caller's plan says a variadic callee's `va_start`
    /// finds, and returns where the Rust side's cursor starts.
    fn plan_va_start(&mut self) -> Mem {
        let va_start = &self.b.caller.variadic.as_ref().expect("a variadic closure's caller plan is variadic").va_start;
        let whole = |g: Gpr| Reg::Gpr(g);
        match va_start {
            VaStart::Slots { spill, first } => {
                for &(g, offset) in spill {
                    let dst = Mem::incoming(offset);
                    self.mem.push(MemMove::Store { dst, src: whole(g), width: 8, ext: Ext::None, size: 8 });
                }
                Mem::incoming(*first)
            }
            VaStart::RegisterSave { gprs, xmms, gp_offset, fp_offset, overflow } => {
                let gp_area = 8 * gprs.len() as u32;
                let save = self.frame.temp(gp_area + 16 * u32::from(*xmms));
                for (i, &g) in gprs.iter().enumerate() {
                    let dst = save.plus(8 * i as u32);
                    self.mem.push(MemMove::Store { dst, src: whole(g), width: 8, ext: Ext::None, size: 8 });
                }
                // Whole registers: a variadic `__m128` is read from its slot.
                for x in 0..*xmms {
                    let dst = save.plus(gp_area + 16 * u32::from(x));
                    self.mem.push(MemMove::Store { dst, src: Reg::Xmm(x), width: 16, ext: Ext::None, size: 16 });
                }
                // The va_list, laid out as the convention's `VaList` type says.
                use crate::conv::sysv64::VaList;
                use core::mem::{offset_of, size_of};
                let list = self.frame.temp(size_of::<VaList>() as u32);
                let at = |offset: usize| list.plus(offset as u32);
                let offsets = u64::from(*gp_offset) | u64::from(*fp_offset) << 32;
                debug_assert_eq!(offset_of!(VaList, fp_offset), offset_of!(VaList, gp_offset) + 4);
                self.mem.push(MemMove::StoreConst { dst: at(offset_of!(VaList, gp_offset)), value: offsets });
                self.mem.push(MemMove::StoreAddr {
                    dst: at(offset_of!(VaList, overflow_arg_area)),
                    src: Mem::incoming(*overflow),
                });
                self.mem.push(MemMove::StoreAddr { dst: at(offset_of!(VaList, reg_save_area)), src: save });
                list
            }
        }
    }

    /// Decides how the call instruction reaches its target (after
    /// [`plan_args`](Self::plan_args), whose register moves it must not
    /// disturb): the register it calls, or calls through.
    pub(super) fn plan_call_target(&mut self) -> Gpr {
        let context = match self.b.shape {
            Shape::Trampoline { target: g } | Shape::Closure { block: g } | Shape::VariadicClosure { block: g } => {
                Loc::Reg(Reg::Gpr(g))
            }
            Shape::TargetFirst | Shape::TargetAndPack => match &self.b.caller.args[0] {
                PassMode::Direct(Pieces::One(p)) => p.loc,
                other => unreachable!("the target is a pointer argument, not {other}"),
            },
        };
        let written = |r: Reg| self.regs.iter().any(|m| m.dst == r);
        let src = match context {
            // Call through the register directly unless a move overwrites it.
            Loc::Reg(Reg::Gpr(g)) if !written(Reg::Gpr(g)) => return g,
            Loc::Reg(r) => Src::Reg(r),
            Loc::Stack(o) => Src::Mem(Mem::incoming(o), 8),
        };
        self.regs.push(RegMove { dst: Reg::Gpr(CALL), src, size: 8, ext: Ext::None });
        CALL
    }

    /// Moves one argument from the caller's plan to the callee's.
    fn plan_arg(&mut self, src: &PassMode, dst: &PassMode) {
        match (src, dst) {
            (PassMode::Direct(ps), PassMode::Direct(pd)) if ps.same_split(pd) => {
                for (p, q) in ps.iter().zip(pd) {
                    self.piece_to_piece(p, q);
                }
            }
            (PassMode::Direct(ps), _) => {
                let size = ps.value_size();
                match dst {
                    // Pieces straight into the callee's stack copy.
                    PassMode::Stack { offset, .. } => self.pieces_to_memory(ps, Mem::outgoing(*offset)),
                    // A copy the callee owns, and a pointer to it.
                    PassMode::Indirect(loc) => {
                        let copy = self.frame.temp(size);
                        self.pieces_to_memory(ps, copy);
                        self.pointer_to(*loc, copy);
                    }
                    // Split differently: through memory.
                    PassMode::Direct(pd) => {
                        let copy = self.frame.temp(size);
                        self.pieces_to_memory(ps, copy);
                        for q in pd {
                            self.memory_to_piece(copy.plus(q.offset), q, true);
                        }
                    }
                }
            }
            (PassMode::Stack { offset, size }, _) => {
                // The caller's copy on its stack belongs to this call, so the
                // callee may have it by reference.
                let value = Mem::incoming(*offset);
                self.memory_to(value, *size, dst, true, |g, loc| g.pointer_to(loc, value));
            }
            (PassMode::Indirect(ptr_loc), _) => {
                let size = indirect_size(dst);
                match *ptr_loc {
                    Loc::Reg(Reg::Gpr(p)) => {
                        // The caller's copy is the callee's to modify: pass it on.
                        self.memory_to(Mem::behind(p), size, dst, false, |g, loc| {
                            g.reg_or_slot(loc, Src::Reg(Reg::Gpr(p)), 8)
                        });
                    }
                    Loc::Stack(o) => {
                        let ptr_at = Mem::incoming(o);
                        match dst {
                            PassMode::Indirect(loc) => self.reg_or_slot(*loc, Src::Mem(ptr_at, 8), 8),
                            _ => {
                                let copy = self.frame.temp(size);
                                self.mem.push(MemMove::CopyFromPointerAt { dst: copy, ptr_at, size });
                                self.memory_to(copy, size, dst, true, |_, _| unreachable!());
                            }
                        }
                    }
                    Loc::Reg(Reg::Xmm(_)) => {
                        unreachable!("pointers travel in general-purpose registers")
                    }
                }
            }
        }
    }

    /// Moves a value that sits in memory at `value` to the callee's plan.
    /// `ours` says whether reads may round up to whole eightbytes (our own
    /// copies and stack slots) or must be exact (the caller's memory).
    fn memory_to(&mut self, value: Mem, size: u32, dst: &PassMode, ours: bool, by_ref: impl FnOnce(&mut Self, Loc)) {
        match dst {
            PassMode::Direct(pd) => {
                let needs_copy = !ours && pd.iter().any(|q| !matches!(q.size, 1 | 2 | 4 | 8 | 16));
                let value = if needs_copy {
                    let copy = self.frame.temp(size);
                    self.mem.push(MemMove::Copy { dst: copy, src: value, size });
                    copy
                } else {
                    value
                };
                for q in pd {
                    self.memory_to_piece(value.plus(q.offset), q, ours || needs_copy);
                }
            }
            PassMode::Stack { offset, size } => {
                self.mem.push(MemMove::Copy { dst: Mem::outgoing(*offset), src: value, size: *size })
            }
            PassMode::Indirect(loc) => by_ref(self, *loc),
        }
    }

    /// Puts the address `target` at `loc`.
    fn pointer_to(&mut self, loc: Loc, target: Mem) {
        match loc {
            Loc::Reg(r) => self.regs.push(RegMove { dst: r, src: Src::AddrOf(target), size: 8, ext: Ext::None }),
            Loc::Stack(o) => self.mem.push(MemMove::StoreAddr { dst: Mem::outgoing(o), src: target }),
        }
    }

    /// Puts a register's or memory's value at `loc` (register or stack slot).
    fn reg_or_slot(&mut self, loc: Loc, src: Src<Mem>, size: u32) {
        match (loc, src) {
            (Loc::Reg(r), src) => self.regs.push(RegMove { dst: r, src, size, ext: Ext::None }),
            (Loc::Stack(o), Src::Reg(r)) => {
                self.mem.push(MemMove::Store { dst: Mem::outgoing(o), src: r, width: 8, ext: Ext::None, size })
            }
            (Loc::Stack(o), Src::Mem(m, w)) => {
                self.mem.push(MemMove::Slot { dst: Mem::outgoing(o), src: m, width: w, ext: Ext::None })
            }
            (Loc::Stack(o), Src::AddrOf(m)) => self.mem.push(MemMove::StoreAddr { dst: Mem::outgoing(o), src: m }),
        }
    }

    fn piece_to_piece(&mut self, p: &Piece, q: &Piece) {
        match p.loc {
            Loc::Reg(r) => match q.loc {
                Loc::Reg(d) => self.regs.push(RegMove { dst: d, src: Src::Reg(r), size: q.size, ext: q.ext }),
                Loc::Stack(o) => {
                    self.mem.push(MemMove::Store { dst: Mem::outgoing(o), src: r, width: 8, ext: q.ext, size: q.size })
                }
            },
            // A stack slot is a whole eightbyte: reading all of it is safe.
            Loc::Stack(o) => self.memory_to_piece(Mem::incoming(o), q, true),
        }
    }

    /// Writes all of a caller's pieces into memory we own at `dst`.
    fn pieces_to_memory(&mut self, ps: &Pieces, dst: Mem) {
        if let Pieces::Two(
            [Piece { offset: 0, size: 8, loc: Loc::Reg(Reg::Xmm(lo)), .. }, Piece { offset: 8, size: 8, loc: Loc::Reg(Reg::Xmm(hi)), .. }],
        ) = *ps
        {
            self.mem.push(MemMove::StoreXmmPair { dst, lo, hi });
            return;
        }
        for p in ps {
            self.piece_to_memory(p, dst.plus(p.offset));
        }
    }

    /// Writes a caller's piece into memory we own (whole eightbytes allowed).
    fn piece_to_memory(&mut self, p: &Piece, dst: Mem) {
        match p.loc {
            Loc::Reg(r) => self.mem.push(MemMove::Store {
                dst,
                src: r,
                width: whole_register(p.size),
                ext: Ext::None,
                size: p.size,
            }),
            Loc::Stack(o) => self.mem.push(MemMove::Copy { dst, src: Mem::incoming(o), size: 8 }),
        }
    }

    /// Loads a callee piece from memory; `round_up` allows reading the whole
    /// eightbyte (memory we own), else odd sizes were copied out first.
    fn memory_to_piece(&mut self, m: Mem, q: &Piece, round_up: bool) {
        let width = match q.size {
            1 | 2 | 4 | 8 | 16 => q.size,
            _ => {
                debug_assert!(round_up, "odd-sized pieces are read from our own copies");
                8
            }
        };
        match q.loc {
            Loc::Reg(d) => self.regs.push(RegMove { dst: d, src: Src::Mem(m, width), size: q.size, ext: q.ext }),
            Loc::Stack(o) => self.mem.push(MemMove::Slot { dst: Mem::outgoing(o), src: m, width, ext: q.ext }),
        }
    }

    /// Step 1: memory. Reads argument registers, writes only memory, COPY,
    /// CYCLE and `spare_xmm` (a vector register no plan uses).
    pub(super) fn emit_memory(&self, a: &mut Asm, layout: &Layout, spare_xmm: u8) {
        let at = |m: Mem| layout.resolve(m);
        for m in &self.mem {
            match *m {
                MemMove::StoreXmmPair { dst, lo, hi } => emit::store_xmm_pair(a, at(dst), lo, hi, spare_xmm),
                MemMove::Store { dst, src, width, ext, size } => {
                    if ext != Ext::None && size < 4 {
                        emit::reg_to_reg(a, Reg::Gpr(COPY), src, size, ext);
                        emit::store(a, at(dst), Reg::Gpr(COPY), width);
                    } else {
                        emit::store(a, at(dst), src, width);
                    }
                }
                MemMove::Copy { dst, src, size } => emit::copy(a, at(dst), at(src), size, COPY, spare_xmm),
                MemMove::CopyFromPointerAt { dst, ptr_at, size } => {
                    emit::load(a, Reg::Gpr(CYCLE), at(ptr_at), 8, Ext::None);
                    emit::copy(a, at(dst), Addr { base: CYCLE, disp: 0 }, size, COPY, spare_xmm);
                }
                MemMove::Slot { dst, src, width, ext } => {
                    emit::load(a, Reg::Gpr(COPY), at(src), width, ext);
                    emit::store(a, at(dst), Reg::Gpr(COPY), 8);
                }
                MemMove::StoreConst { dst, value } => emit::store_const(a, at(dst), value, COPY),
                MemMove::StoreAddr { dst, src } => {
                    emit::lea(a, COPY, at(src));
                    emit::store(a, at(dst), Reg::Gpr(COPY), 8);
                }
            }
        }
    }

    /// Step 2: argument registers, all at once.
    pub(super) fn emit_registers(&self, a: &mut Asm, layout: &Layout, spare_xmm: u8) {
        let regs: Vec<RegMove> = self.regs.iter().map(|m| m.map_addr(|addr| layout.resolve(addr))).collect();
        moves::resolve(a, &regs, CYCLE, spare_xmm);
    }
}

/// The width that moves all of a piece of `size` bytes through memory we
/// own (rounded up to whole eightbytes): 8, or 16 for a piece that fills a
/// vector register (a vector, or win64's `i128` return in xmm0).
pub(super) fn whole_register(size: u32) -> u32 {
    if size > 8 {
        16
    } else {
        8
    }
}

/// A pointer passed in register `g`, as a plan would describe it.
fn pointer_in(g: Gpr) -> PassMode {
    PassMode::Direct(Pieces::One(Piece { offset: 0, size: 8, loc: Loc::Reg(Reg::Gpr(g)), ext: Ext::None }))
}

/// The size of a value the callee receives as `dst`, when the caller passed
/// it by reference (and so its plan does not say).
fn indirect_size(dst: &PassMode) -> u32 {
    match dst {
        PassMode::Direct(pd) => pd.value_size(),
        PassMode::Stack { size, .. } => *size,
        // Pass-through: the size is not needed.
        PassMode::Indirect(_) => 0,
    }
}
