//! Turning two plans into code: a thunk reads every argument where the
//! caller's plan puts it, writes it where the callee's plan wants it, calls,
//! and moves the return value back.
//!
//! Nothing here knows a convention's rules: which registers the callee may
//! clobber, where arguments go, which small integers need extending and how
//! much stack the callee expects all come from the two [`CallPlan`]s.
//!
//! The thunk's frame, from rsp upward after its prologue:
//!
//! ```text
//! [rsp + 0]            the callee's argument area (shadow space + stack args)
//! [rsp + temps]        copies made for the callee (by-reference arguments,
//!                      an sret buffer, the caller's saved sret pointer)
//! [rsp + xmm_saves]    vector registers the caller needs preserved
//! [rsp + frame]        pushed general-purpose registers, then the return address
//! ```
//!
//! Code is emitted in three steps: (1) everything written to memory (stack
//! arguments, copies), which reads argument registers but writes none; (2) the
//! argument registers, as one parallel move; (3) the call and the return value.

mod emit;
mod moves;

use emit::{Addr, Asm};
use moves::{RegMove, Src};

use crate::plan::{CallPlan, Ext, Gpr, Loc, PassMode, Piece, Reg, RegSet, RetMode};

/// Where the thunk finds its context pointer (a call target, or a closure's
/// environment), if it has one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Context {
    /// In a register, put there by a trampoline stub.
    InReg(Gpr),
    /// As the caller's first argument (a pointer); the remaining caller
    /// arguments pair with the callee's.
    FirstArg,
}

/// What the thunk calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Target {
    /// The context pointer.
    Context,
    /// The address stored at the start of the context (a closure's shim,
    /// whose own data follows it): one code blob serves every closure type.
    AtContext,
}

/// Everything that decides a thunk's code.
#[derive(Clone, Debug)]
pub(crate) struct Bridge<'a> {
    /// The plan the thunk is called with.
    pub(crate) caller: &'a CallPlan,
    /// The plan it calls with.
    pub(crate) callee: &'a CallPlan,
    pub(crate) context: Context,
    pub(crate) target: Target,
    /// The callee's first argument is the context pointer (closure shims).
    pub(crate) context_to_callee: bool,
}

/// Scratch registers: volatile in every convention and never an argument.
/// r11 carries memory-to-memory copies; rax breaks register cycles before the
/// call; r10 may hold the context from a trampoline stub, and after the call
/// carries odd-sized stores into the caller's return buffer.
const COPY: Gpr = Gpr::R11;
const CYCLE: Gpr = Gpr::Rax;
const CALL: Gpr = Gpr::R10;

/// Generates the thunk's machine code (position-independent).
pub(crate) fn generate(bridge: &Bridge<'_>) -> Vec<u8> {
    Generator::new(bridge).run()
}

/// One memory write of step 1.
#[derive(Clone, Copy, Debug)]
enum MemMove {
    /// `[dst] <- reg`, `width` bytes.
    Store { dst: Addr, src: Reg, width: u32, ext: Ext, size: u32 },
    /// `[dst] <- [src]`, exactly `size` bytes.
    Copy { dst: Addr, src: Addr, size: u32 },
    /// `[dst] <- [[ptr_at] + 0 ..]`, exactly `size` bytes behind a pointer
    /// that itself lives in memory.
    CopyFromPointerAt { dst: Addr, ptr_at: Addr, size: u32 },
    /// `[dst] <- [src]` as one slot, extending a small integer when asked.
    /// Slots are copied 8 bytes at a time on purpose: the caller has just
    /// written them with 8-byte stores, and a 16-byte load spanning two such
    /// stores cannot be store-forwarded (measured: sum10 went from 1.3x to
    /// 2.7x native time when adjacent slots were copied 16 bytes at a time).
    Slot { dst: Addr, src: Addr, width: u32, ext: Ext },
    /// `[dst] <- address of [src]`.
    StoreAddr { dst: Addr, src: Addr },
    /// Two vector eightbytes of one value with one 16-byte store: a callee
    /// that loads the value whole then gets it forwarded from a single store
    /// (two 8-byte stores feeding one 16-byte load stall the load).
    StoreXmmPair { dst: Addr, lo: u8, hi: u8 },
}

struct Generator<'a> {
    b: &'a Bridge<'a>,
    /// Step 1, in order.
    mem: Vec<MemMove>,
    /// Step 2, all at once.
    regs: Vec<RegMove>,
    /// Bytes of the frame below the xmm saves: argument area, then temps.
    frame_top: u32,
    /// Where the caller's sret pointer is kept across the call.
    saved_sret: Option<Addr>,
    /// Where the callee writes a return value the caller wants in registers.
    ret_temp: Option<Addr>,
    gpr_saves: Vec<Gpr>,
    xmm_saves: Vec<u8>,
    /// Frame size below the pushes; known once temps are allocated. Addresses
    /// of the caller's stack arguments are made relative to `ENTRY` until then.
    sub: u32,
}

/// Placeholder base for "rsp at entry"; rewritten to rsp + frame once the
/// frame size is known.
const ENTRY: Gpr = Gpr::Rbp;

impl<'a> Generator<'a> {
    fn new(b: &'a Bridge<'a>) -> Generator<'a> {
        // The caller expects these to survive the call; the callee does not
        // promise to keep them, so the thunk saves them itself.
        let clobbered = b.caller.preserved.minus(b.callee.preserved);
        let gpr_saves = clobbered.iter().filter_map(|r| if let Reg::Gpr(g) = r { Some(g) } else { None }).collect();
        let xmm_saves = clobbered.iter().filter_map(|r| if let Reg::Xmm(x) = r { Some(x) } else { None }).collect();
        Generator {
            b,
            mem: Vec::new(),
            regs: Vec::new(),
            frame_top: b.callee.arg_area.next_multiple_of(16),
            saved_sret: None,
            ret_temp: None,
            gpr_saves,
            xmm_saves,
            sub: 0,
        }
    }

    /// A 16-byte-aligned copy area of at least `size` bytes in the frame,
    /// rounded to whole eightbytes so pieces can be written 8 bytes at a time.
    fn temp(&mut self, size: u32) -> Addr {
        let at = self.frame_top;
        self.frame_top += size.next_multiple_of(16);
        Addr { base: Gpr::Rsp, disp: at as i32 }
    }

    /// The caller's stack argument at entry offset `o`.
    fn incoming(o: u32) -> Addr {
        Addr { base: ENTRY, disp: o as i32 }
    }

    /// The callee's stack argument at entry offset `o`, as written before the call.
    fn outgoing(o: u32) -> Addr {
        Addr { base: Gpr::Rsp, disp: o as i32 - 8 }
    }

    fn run(mut self) -> Vec<u8> {
        let b = self.b;
        let caller_args = match b.context {
            Context::FirstArg => &b.caller.args[1..],
            _ => &b.caller.args[..],
        };
        let callee_args = if b.context_to_callee { &b.callee.args[1..] } else { &b.callee.args[..] };
        assert_eq!(caller_args.len(), callee_args.len(), "both plans describe one signature");

        self.plan_return_before_call();
        for (src, dst) in caller_args.iter().zip(callee_args) {
            self.plan_arg(src, dst);
        }
        let context = self.context_source();
        if b.context_to_callee {
            let ctx = context.clone().expect("a context to pass");
            let dst = &b.callee.args[0];
            self.plan_arg(&ctx, dst);
        }
        let call_reg = self.plan_call_target(context);
        self.emit(call_reg)
    }

    /// The context pointer as the caller's first argument or a stub's register.
    fn context_source(&self) -> Option<PassMode> {
        let pointer = |loc| PassMode::Direct(vec![Piece { offset: 0, size: 8, loc, ext: Ext::None }]);
        match self.b.context {
            Context::InReg(g) => Some(pointer(Loc::Reg(Reg::Gpr(g)))),
            Context::FirstArg => Some(self.b.caller.args[0].clone()),
        }
    }

    /// Moves one argument from the caller's plan to the callee's.
    fn plan_arg(&mut self, src: &PassMode, dst: &PassMode) {
        match (src, dst) {
            (PassMode::Direct(ps), PassMode::Direct(pd)) if same_split(ps, pd) => {
                for (p, q) in ps.iter().zip(pd) {
                    self.piece_to_piece(p, q);
                }
            }
            (PassMode::Direct(ps), _) => {
                let size = value_size(ps);
                match dst {
                    // Pieces straight into the callee's stack copy.
                    PassMode::Stack { offset, .. } => self.pieces_to_memory(ps, Self::outgoing(*offset)),
                    // A copy the callee owns, and a pointer to it.
                    PassMode::Indirect(loc) => {
                        let copy = self.temp(size);
                        self.pieces_to_memory(ps, copy);
                        self.pointer_to(*loc, copy);
                    }
                    // Split differently: through memory.
                    PassMode::Direct(pd) => {
                        let copy = self.temp(size);
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
                let value = Self::incoming(*offset);
                self.memory_to(value, *size, dst, true, |g, loc| g.pointer_to(loc, value));
            }
            (PassMode::Indirect(ptr_loc), _) => {
                let size = indirect_size(dst);
                match *ptr_loc {
                    Loc::Reg(Reg::Gpr(p)) => {
                        let value = Addr { base: p, disp: 0 };
                        // The caller's copy is the callee's to modify: pass it on.
                        self.memory_to(value, size, dst, false, |g, loc| g.reg_or_slot(loc, Src::Reg(Reg::Gpr(p)), 8));
                    }
                    Loc::Stack(o) => {
                        let ptr_at = Self::incoming(o);
                        match dst {
                            PassMode::Indirect(loc) => self.reg_or_slot(*loc, Src::Mem(ptr_at, 8), 8),
                            _ => {
                                let copy = self.temp(size);
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
    fn memory_to(&mut self, value: Addr, size: u32, dst: &PassMode, ours: bool, by_ref: impl FnOnce(&mut Self, Loc)) {
        match dst {
            PassMode::Direct(pd) => {
                let needs_copy = !ours && pd.iter().any(|q| !matches!(q.size, 1 | 2 | 4 | 8));
                let value = if needs_copy {
                    let copy = self.temp(size);
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
                self.mem.push(MemMove::Copy { dst: Self::outgoing(*offset), src: value, size: *size })
            }
            PassMode::Indirect(loc) => by_ref(self, *loc),
        }
    }

    /// Puts the address `target` at `loc`.
    fn pointer_to(&mut self, loc: Loc, target: Addr) {
        match loc {
            Loc::Reg(r) => self.regs.push(RegMove { dst: r, src: Src::AddrOf(target), size: 8, ext: Ext::None }),
            Loc::Stack(o) => self.mem.push(MemMove::StoreAddr { dst: Self::outgoing(o), src: target }),
        }
    }

    /// Puts a register's or memory's value at `loc` (register or stack slot).
    fn reg_or_slot(&mut self, loc: Loc, src: Src, size: u32) {
        match (loc, src) {
            (Loc::Reg(r), src) => self.regs.push(RegMove { dst: r, src, size, ext: Ext::None }),
            (Loc::Stack(o), Src::Reg(r)) => {
                self.mem.push(MemMove::Store { dst: Self::outgoing(o), src: r, width: 8, ext: Ext::None, size })
            }
            (Loc::Stack(o), Src::Mem(m, w)) => {
                self.mem.push(MemMove::Slot { dst: Self::outgoing(o), src: m, width: w, ext: Ext::None })
            }
            (Loc::Stack(o), Src::AddrOf(m)) => self.mem.push(MemMove::StoreAddr { dst: Self::outgoing(o), src: m }),
        }
    }

    fn piece_to_piece(&mut self, p: &Piece, q: &Piece) {
        match p.loc {
            Loc::Reg(r) => match q.loc {
                Loc::Reg(d) => self.regs.push(RegMove { dst: d, src: Src::Reg(r), size: q.size, ext: q.ext }),
                Loc::Stack(o) => {
                    self.mem.push(MemMove::Store { dst: Self::outgoing(o), src: r, width: 8, ext: q.ext, size: q.size })
                }
            },
            // A stack slot is a whole eightbyte: reading all of it is safe.
            Loc::Stack(o) => self.memory_to_piece(Self::incoming(o), q, true),
        }
    }

    /// Writes all of a caller's pieces into memory we own at `dst`.
    fn pieces_to_memory(&mut self, ps: &[Piece], dst: Addr) {
        if let [Piece { offset: 0, size: 8, loc: Loc::Reg(Reg::Xmm(lo)), .. }, Piece { offset: 8, size: 8, loc: Loc::Reg(Reg::Xmm(hi)), .. }] =
            ps
        {
            self.mem.push(MemMove::StoreXmmPair { dst, lo: *lo, hi: *hi });
            return;
        }
        for p in ps {
            self.piece_to_memory(p, dst.plus(p.offset));
        }
    }

    /// Writes a caller's piece into memory we own (whole eightbytes allowed).
    fn piece_to_memory(&mut self, p: &Piece, dst: Addr) {
        match p.loc {
            Loc::Reg(r) => self.mem.push(MemMove::Store { dst, src: r, width: 8, ext: Ext::None, size: p.size }),
            Loc::Stack(o) => self.mem.push(MemMove::Copy { dst, src: Self::incoming(o), size: 8 }),
        }
    }

    /// Loads a callee piece from memory; `round_up` allows reading the whole
    /// eightbyte (memory we own), else odd sizes were copied out first.
    fn memory_to_piece(&mut self, m: Addr, q: &Piece, round_up: bool) {
        let width = match q.size {
            1 | 2 | 4 | 8 => q.size,
            _ => {
                debug_assert!(round_up, "odd-sized pieces are read from our own copies");
                8
            }
        };
        match q.loc {
            Loc::Reg(d) => self.regs.push(RegMove { dst: d, src: Src::Mem(m, width), size: q.size, ext: q.ext }),
            Loc::Stack(o) => self.mem.push(MemMove::Slot { dst: Self::outgoing(o), src: m, width, ext: q.ext }),
        }
    }

    /// Before the call: where the callee's return value will go.
    fn plan_return_before_call(&mut self) {
        let (rc, rt) = (&self.b.caller.ret, &self.b.callee.ret);
        match (rc, rt) {
            // Both return through memory: hand the caller's buffer on.
            (RetMode::Sret { pointer: from }, RetMode::Sret { pointer: to }) => {
                self.regs.push(pointer_move(*to, Src::Reg(Reg::Gpr(*from))));
            }
            // The caller wants memory, the callee uses registers: keep the
            // caller's pointer to store the registers through after the call.
            (RetMode::Sret { pointer }, RetMode::Direct(_)) => {
                let slot = self.temp(8);
                self.saved_sret = Some(slot);
                self.mem.push(MemMove::Store { dst: slot, src: Reg::Gpr(*pointer), width: 8, ext: Ext::None, size: 8 });
            }
            // The callee writes memory, the caller wants registers: a buffer of ours.
            (RetMode::Direct(pieces), RetMode::Sret { pointer }) => {
                let buf = self.temp(value_size(pieces));
                self.ret_temp = Some(buf);
                self.regs.push(pointer_move(*pointer, Src::AddrOf(buf)));
            }
            (RetMode::Direct(pc), RetMode::Direct(pt)) if !same_split(pc, pt) => {
                self.ret_temp = Some(self.temp(value_size(pc)));
            }
            _ => {}
        }
    }

    /// Decides how the call instruction reaches its target.
    fn plan_call_target(&mut self, context: Option<PassMode>) -> Gpr {
        let loc = match context {
            Some(PassMode::Direct(p)) => p[0].loc,
            _ => unreachable!("a context to call"),
        };
        let written = |r: Reg| self.regs.iter().any(|m| m.dst == r);
        match loc {
            // Call through the register directly unless a move overwrites it.
            Loc::Reg(Reg::Gpr(g)) if !written(Reg::Gpr(g)) && g != COPY && g != CYCLE => g,
            Loc::Reg(r) => {
                self.regs.push(RegMove { dst: Reg::Gpr(CALL), src: Src::Reg(r), size: 8, ext: Ext::None });
                CALL
            }
            Loc::Stack(o) => {
                self.regs.push(RegMove {
                    dst: Reg::Gpr(CALL),
                    src: Src::Mem(Self::incoming(o), 8),
                    size: 8,
                    ext: Ext::None,
                });
                CALL
            }
        }
    }

    /// A vector register neither plan uses and the caller lets us clobber
    /// (or that we save anyway).
    fn xmm_scratch(&self, busy: RegSet) -> u8 {
        (0..16)
            .find(|&x| {
                let r = Reg::Xmm(x);
                !busy.contains(r) && (!self.b.caller.preserved.contains(r) || self.xmm_saves.contains(&x))
            })
            .expect("x86-64 has a spare vector register for every plan")
    }

    fn emit(mut self, call_reg: Gpr) -> Vec<u8> {
        let b = self.b;
        let xmm_area = self.frame_top.next_multiple_of(16);
        let raw = xmm_area + 16 * self.xmm_saves.len() as u32;
        // At entry rsp is 8 past a multiple of 16 (the return address); the
        // call inside must happen with rsp a multiple of 16.
        let pushed = 8 * self.gpr_saves.len() as u32;
        self.sub = raw + (16 - (8 + pushed + raw) % 16) % 16;
        let entry = (self.sub + pushed) as i32;
        let fix = |m: Addr| {
            if m.base == ENTRY {
                Addr { base: Gpr::Rsp, disp: m.disp + entry }
            } else {
                m
            }
        };

        let mut a = Asm::new(0);
        for &g in &self.gpr_saves {
            emit::push(&mut a, g);
        }
        emit::adjust_rsp(&mut a, self.sub as i32);
        let xmm_slot = |i: usize| Addr { base: Gpr::Rsp, disp: (xmm_area + 16 * i as u32) as i32 };
        for (i, &x) in self.xmm_saves.iter().enumerate() {
            emit::save_xmm(&mut a, xmm_slot(i), x);
        }

        // Step 1: memory. Reads argument registers, writes only memory, COPY
        // and a vector register no plan uses.
        let busy = b.caller.arg_regs.union(b.callee.arg_regs);
        let spare_xmm = self.xmm_scratch(busy);
        for m in &self.mem {
            match *m {
                MemMove::StoreXmmPair { dst, lo, hi } => emit::store_xmm_pair(&mut a, fix(dst), lo, hi, spare_xmm),
                MemMove::Store { dst, src, width, ext, size } => {
                    if ext != Ext::None && size < 4 {
                        emit::reg_to_reg(&mut a, Reg::Gpr(COPY), src, size, ext);
                        emit::store(&mut a, fix(dst), Reg::Gpr(COPY), width);
                    } else {
                        emit::store(&mut a, fix(dst), src, width);
                    }
                }
                MemMove::Copy { dst, src, size } => emit::copy(&mut a, fix(dst), fix(src), size, COPY),
                MemMove::CopyFromPointerAt { dst, ptr_at, size } => {
                    emit::load(&mut a, Reg::Gpr(CYCLE), fix(ptr_at), 8, Ext::None);
                    emit::copy(&mut a, fix(dst), Addr { base: CYCLE, disp: 0 }, size, COPY);
                }
                MemMove::Slot { dst, src, width, ext } => {
                    emit::load(&mut a, Reg::Gpr(COPY), fix(src), width, ext);
                    emit::store(&mut a, fix(dst), Reg::Gpr(COPY), 8);
                }
                MemMove::StoreAddr { dst, src } => {
                    emit::lea(&mut a, COPY, fix(src));
                    emit::store(&mut a, fix(dst), Reg::Gpr(COPY), 8);
                }
            }
        }

        // Step 2: argument registers, all at once.
        let regs: Vec<RegMove> = self
            .regs
            .iter()
            .map(|m| RegMove {
                src: match m.src {
                    Src::Mem(addr, w) => Src::Mem(fix(addr), w),
                    Src::AddrOf(addr) => Src::AddrOf(fix(addr)),
                    s => s,
                },
                ..*m
            })
            .collect();
        moves::resolve(&mut a, &regs, CYCLE, spare_xmm);

        // Step 3: the call, then the return value.
        match b.target {
            Target::Context => emit::call_reg(&mut a, call_reg),
            Target::AtContext => emit::call_at(&mut a, call_reg),
        }
        self.emit_return(&mut a);

        for (i, &x) in self.xmm_saves.iter().enumerate() {
            emit::restore_xmm(&mut a, x, xmm_slot(i));
        }
        emit::adjust_rsp(&mut a, -(self.sub as i32));
        for &g in self.gpr_saves.iter().rev() {
            emit::pop(&mut a, g);
        }
        emit::ret(&mut a);
        emit::finish(a)
    }

    /// After the call: the callee's return value to where the caller wants it.
    fn emit_return(&self, a: &mut Asm) {
        let (rc, rt) = (&self.b.caller.ret, &self.b.callee.ret);
        let ret_regs = |ps: &[Piece]| RegSet::of(&ps.iter().filter_map(|p| reg_of(p.loc)).collect::<Vec<_>>());
        match (rc, rt) {
            // The callee echoed the caller's own buffer in rax.
            (RetMode::Void, _) | (RetMode::Sret { .. }, RetMode::Sret { .. }) => {}
            (RetMode::Direct(pc), RetMode::Direct(pt)) if same_split(pc, pt) => {
                let moves: Vec<RegMove> = pc
                    .iter()
                    .zip(pt)
                    .map(|(c, t)| RegMove {
                        dst: reg_of(c.loc).expect("returns travel in registers"),
                        src: Src::Reg(reg_of(t.loc).expect("returns travel in registers")),
                        size: c.size,
                        ext: c.ext,
                    })
                    .collect();
                let busy = ret_regs(pc).union(ret_regs(pt));
                moves::resolve(a, &moves, COPY, self.xmm_scratch(busy));
            }
            (RetMode::Direct(pc), rt) => {
                let buf = self.ret_temp.expect("a return buffer was planned");
                if let RetMode::Direct(pt) = rt {
                    for t in pt {
                        let src = reg_of(t.loc).expect("returns travel in registers");
                        emit::store(a, buf.plus(t.offset), src, 8);
                    }
                }
                for c in pc {
                    let width = if matches!(c.size, 1 | 2 | 4 | 8) { c.size } else { 8 };
                    emit::load(
                        a,
                        reg_of(c.loc).expect("returns travel in registers"),
                        buf.plus(c.offset),
                        width,
                        c.ext,
                    );
                }
            }
            (RetMode::Sret { .. }, RetMode::Direct(pt)) => {
                // Store exactly the value's bytes into the caller's buffer and
                // return its address in rax, as a callee using sret must.
                let slot = self.saved_sret.expect("the caller's pointer was saved");
                emit::load(a, Reg::Gpr(COPY), slot, 8, Ext::None);
                let buf = Addr { base: COPY, disp: 0 };
                for t in pt {
                    let src = reg_of(t.loc).expect("returns travel in registers");
                    emit::store_exact(a, buf.plus(t.offset), src, t.size, CALL);
                }
                emit::reg_to_reg(a, Reg::Gpr(Gpr::Rax), Reg::Gpr(COPY), 8, Ext::None);
            }
            (RetMode::Sret { .. }, RetMode::Void) => {
                unreachable!("both plans describe one signature")
            }
        }
    }
}

/// A move of the hidden return pointer into `dst`.
fn pointer_move(dst: Gpr, src: Src) -> RegMove {
    RegMove { dst: Reg::Gpr(dst), src, size: 8, ext: Ext::None }
}

fn reg_of(loc: Loc) -> Option<Reg> {
    match loc {
        Loc::Reg(r) => Some(r),
        Loc::Stack(_) => None,
    }
}

/// Two piece lists cover the same bytes in the same chunks.
fn same_split(a: &[Piece], b: &[Piece]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(p, q)| p.offset == q.offset && p.size == q.size)
}

/// The size of a value given as pieces.
fn value_size(pieces: &[Piece]) -> u32 {
    pieces.iter().map(|p| p.offset + p.size).max().unwrap_or(0)
}

/// The size of a value the callee receives as `dst`, when the caller passed
/// it by reference (and so its plan does not say).
fn indirect_size(dst: &PassMode) -> u32 {
    match dst {
        PassMode::Direct(pd) => value_size(pd),
        PassMode::Stack { size, .. } => *size,
        // Pass-through: the size is not needed.
        PassMode::Indirect(_) => 0,
    }
}

#[cfg(test)]
mod tests {
    use crate::thunk::{generate_for_test, Shape};
    use crate::{Conv, ForeignType, Signature};

    fn disassemble(code: &[u8]) -> Vec<String> {
        use iced_x86::{Decoder, DecoderOptions, Formatter, IntelFormatter};
        let mut decoder = Decoder::new(64, code, DecoderOptions::NONE);
        let mut formatter = IntelFormatter::new();
        let mut lines = Vec::new();
        for insn in &mut decoder {
            let mut text = String::new();
            formatter.format(&insn, &mut text);
            lines.push(text);
            if insn.mnemonic() == iced_x86::Mnemonic::Ret {
                break;
            }
        }
        lines
    }

    fn code(from: Conv, to: Conv, sig: Signature, shape: Shape) -> Vec<String> {
        disassemble(&generate_for_test(from, to, &sig, shape))
    }

    #[test]
    fn a_two_int_call_into_win64_is_five_instructions() {
        // The target arrives as the first argument (rdi); the callee gets its
        // shadow space and the two ints in rcx and rdx (already there).
        let sig = Signature::of::<fn(i32, i32) -> i32>();
        assert_eq!(
            code(Conv::SysV64, Conv::Win64, sig, Shape::TargetFirst),
            ["sub rsp,28h", "mov rcx,rsi", "call rdi", "add rsp,28h", "ret"]
        );
    }

    #[test]
    fn stack_arguments_are_copied_slot_by_slot() {
        // sysv64 has the target in rdi, five integers in rsi..r9 and five on
        // its stack; win64 wants four in rcx..r9 and six above the shadow space.
        let sig = Signature::of::<fn(i64, i64, i64, i64, i64, i64, i64, i64, i64, i64) -> i64>();
        let code = code(Conv::SysV64, Conv::Win64, sig, Shape::TargetFirst);
        assert_eq!(code.iter().filter(|l| l.starts_with("mov [rsp+")).count(), 6, "{code:#?}");
        assert_eq!(code.first().map(String::as_str), Some("sub rsp,58h"));
        assert!(!code.iter().any(|l| l.starts_with("movups")), "{code:#?}");
    }

    #[test]
    fn two_vector_eightbytes_become_one_sixteen_byte_copy() {
        // Vec2 arrives in xmm0/xmm1 and xmm2/xmm3; win64 wants pointers to
        // copies, each written with one 16-byte store (see StoreXmmPair).
        let vec2 = crate::TypeDesc::new_struct("Vec2", &[("x", f64::DESC), ("y", f64::DESC)]).unwrap();
        let sig = Signature::new(&[vec2, vec2], Some(vec2)).unwrap();
        let code = code(Conv::SysV64, Conv::Win64, sig, Shape::TargetFirst);
        assert_eq!(code.iter().filter(|l| l.starts_with("movups [rsp")).count(), 2, "{code:#?}");
        assert_eq!(code.iter().filter(|l| l.starts_with("movlhps")).count(), 2, "{code:#?}");
    }

    #[test]
    fn win64_callers_keep_rdi_rsi_and_xmm6_to_xmm15() {
        let sig = Signature::of::<fn(i32, i32) -> i32>();
        let code = code(Conv::Win64, Conv::SysV64, sig, Shape::Trampoline);
        assert_eq!(&code[..2], ["push rsi", "push rdi"]);
        let saved: Vec<_> = code.iter().filter(|l| l.starts_with("movaps [rsp")).collect();
        assert_eq!(saved.len(), 10, "{code:#?}");
        assert_eq!(&code[code.len() - 3..], ["pop rdi", "pop rsi", "ret"]);
    }
}
