//! The return value: before the call, where the callee will put it (the
//! caller's buffer passed on, a buffer of ours, or the caller's pointer kept
//! for later); after the call, from the callee's registers or memory to where
//! the caller wants it.

use super::args::whole_register;
use super::emit::{self, Addr, Asm};
use super::frame::Layout;
use super::moves::{self, RegMove, Src};
use super::{Generator, MemMove, CALL, COPY};
use crate::plan::{Ext, Gpr, Loc, Piece, Pieces, Reg, RetMode};

impl Generator<'_> {
    /// Before the call: where the callee's return value will go.
    pub(super) fn plan_return_before_call(&mut self) {
        let (rc, rt) = (&self.b.caller.ret, &self.b.callee.ret);
        match (rc, rt) {
            // Both return through memory: hand the caller's buffer on.
            (RetMode::Sret { pointer: from }, RetMode::Sret { pointer: to }) => {
                self.regs.push(pointer_move(*to, Src::Reg(Reg::Gpr(*from))));
            }
            // The caller wants memory, the callee uses registers (or st0):
            // keep the caller's pointer to store them through after the call.
            (RetMode::Sret { pointer }, RetMode::Direct(_) | RetMode::St0) => {
                let slot = self.frame.temp(8);
                self.saved_sret = Some(slot);
                self.mem.push(MemMove::Store { dst: slot, src: Reg::Gpr(*pointer), width: 8, ext: Ext::None, size: 8 });
            }
            // The callee writes memory, the caller wants registers: a buffer of ours.
            (RetMode::Direct(pieces), RetMode::Sret { pointer }) => {
                let buf = self.frame.temp(pieces.value_size());
                self.ret_temp = Some(buf);
                self.regs.push(pointer_move(*pointer, Src::AddrOf(buf)));
            }
            (RetMode::Direct(pc), RetMode::Direct(pt)) if !pc.same_split(pt) && WholeXmm::of(pc, pt).is_none() => {
                self.ret_temp = Some(self.frame.temp(pc.value_size()));
            }
            // st0 on one side only: the value passes through a buffer of ours
            // (x87 loads and stores take memory, never another register).
            (RetMode::Direct(pieces), RetMode::St0) => {
                self.ret_temp = Some(self.frame.temp(pieces.value_size().max(X87_BYTES)));
            }
            (RetMode::St0, RetMode::Direct(pieces)) => {
                self.ret_temp = Some(self.frame.temp(pieces.value_size().max(X87_BYTES)));
            }
            (RetMode::St0, RetMode::Sret { pointer }) => {
                let buf = self.frame.temp(X87_BYTES);
                self.ret_temp = Some(buf);
                self.regs.push(pointer_move(*pointer, Src::AddrOf(buf)));
            }
            _ => {}
        }
    }

    /// After the call: the callee's return value to where the caller wants it.
    pub(super) fn emit_return(&self, a: &mut Asm, layout: &Layout) {
        let (rc, rt) = (&self.b.caller.ret, &self.b.callee.ret);
        match (rc, rt) {
            // The callee echoed the caller's own buffer in rax; or st0 stays.
            (RetMode::Void, _) | (RetMode::Sret { .. }, RetMode::Sret { .. }) | (RetMode::St0, RetMode::St0) => {}
            (RetMode::Direct(pc), RetMode::Direct(pt)) if pc.same_split(pt) => {
                let moves: Vec<RegMove> = pc
                    .iter()
                    .zip(pt)
                    .map(|(c, t)| RegMove {
                        dst: reg_of(c.loc),
                        src: Src::Reg(reg_of(t.loc)),
                        size: c.size,
                        ext: c.ext,
                    })
                    .collect();
                let busy = self.b.caller.ret_regs().union(self.b.callee.ret_regs());
                moves::resolve(a, &moves, COPY, self.xmm_scratch(busy));
            }
            (RetMode::Direct(pc), RetMode::Direct(pt)) if WholeXmm::of(pc, pt).is_some() => {
                let busy = self.b.caller.ret_regs().union(self.b.callee.ret_regs());
                let x = self.xmm_scratch(busy);
                match WholeXmm::of(pc, pt) {
                    Some(WholeXmm::FromGprs { xmm, lo, hi }) => emit::gpr_pair_to_xmm(a, xmm, lo, hi, x),
                    Some(WholeXmm::ToGprs { xmm, lo, hi }) => emit::xmm_to_gpr_pair(a, lo, hi, xmm, x),
                    None => unreachable!("matched above"),
                }
            }
            (RetMode::Direct(pc), rt) => {
                let buf = layout.resolve(self.ret_temp.expect("a return buffer was planned"));
                match rt {
                    RetMode::Direct(pt) => {
                        for t in pt {
                            emit::store(a, buf.plus(t.offset), reg_of(t.loc), whole_register(t.size));
                        }
                    }
                    // Pops st0, leaving the x87 stack empty as the caller expects.
                    RetMode::St0 => emit::fstp_x87(a, buf),
                    RetMode::Void | RetMode::Sret { .. } => {}
                }
                for c in pc {
                    let width = if matches!(c.size, 1 | 2 | 4 | 8) { c.size } else { whole_register(c.size) };
                    emit::load(a, reg_of(c.loc), buf.plus(c.offset), width, c.ext);
                }
            }
            (RetMode::Sret { .. }, RetMode::Direct(pt)) => {
                // Store exactly the value's bytes into the caller's buffer and
                // return its address in rax, as a callee using sret must.
                let slot = layout.resolve(self.saved_sret.expect("the caller's pointer was saved"));
                emit::load(a, Reg::Gpr(COPY), slot, 8, Ext::None);
                let buf = Addr { base: COPY, disp: 0 };
                for t in pt {
                    emit::store_exact(a, buf.plus(t.offset), reg_of(t.loc), t.size, CALL);
                }
                emit::reg_to_reg(a, Reg::Gpr(Gpr::Rax), Reg::Gpr(COPY), 8, Ext::None);
            }
            (RetMode::Sret { .. }, RetMode::St0) => {
                // The 10 bytes of the value into the caller's buffer, popping st0.
                let slot = layout.resolve(self.saved_sret.expect("the caller's pointer was saved"));
                emit::load(a, Reg::Gpr(COPY), slot, 8, Ext::None);
                emit::fstp_x87(a, Addr { base: COPY, disp: 0 });
                emit::reg_to_reg(a, Reg::Gpr(Gpr::Rax), Reg::Gpr(COPY), 8, Ext::None);
            }
            (RetMode::St0, rt) => {
                let buf = layout.resolve(self.ret_temp.expect("a return buffer was planned"));
                if let RetMode::Direct(pt) = rt {
                    for t in pt {
                        emit::store(a, buf.plus(t.offset), reg_of(t.loc), whole_register(t.size));
                    }
                }
                emit::fld_x87(a, buf);
            }
            (RetMode::Sret { .. }, RetMode::Void) => {
                unreachable!("both plans describe one signature")
            }
        }
    }
}

/// The bytes of an x87 value in memory (`fld`/`fstp` of a tbyte).
const X87_BYTES: u32 = 10;
/// A 16-byte return value that one side has in a whole vector register and
/// the other in two general registers (win64's and sysv64's `i128`): moved
/// between registers, never through memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum WholeXmm {
    /// The caller wants `xmm`; the callee returns `lo`, `hi`.
    FromGprs { xmm: u8, lo: Gpr, hi: Gpr },
    /// The caller wants `lo`, `hi`; the callee returns `xmm`.
    ToGprs { xmm: u8, lo: Gpr, hi: Gpr },
}

impl WholeXmm {
    /// The case of the caller's pieces `pc` and the callee's `pt`, if it is one.
    fn of(pc: &Pieces, pt: &Pieces) -> Option<WholeXmm> {
        let whole = |p: &Pieces| match *p {
            Pieces::One(Piece { offset: 0, size: 16, loc: Loc::Reg(Reg::Xmm(x)), .. }) => Some(x),
            _ => None,
        };
        let pair = |p: &Pieces| match *p {
            Pieces::Two(
                [Piece { offset: 0, size: 8, loc: Loc::Reg(Reg::Gpr(lo)), .. }, Piece { offset: 8, size: 8, loc: Loc::Reg(Reg::Gpr(hi)), .. }],
            ) => Some((lo, hi)),
            _ => None,
        };
        match (whole(pc), pair(pt), pair(pc), whole(pt)) {
            (Some(xmm), Some((lo, hi)), _, _) => Some(WholeXmm::FromGprs { xmm, lo, hi }),
            (_, _, Some((lo, hi)), Some(xmm)) => Some(WholeXmm::ToGprs { xmm, lo, hi }),
            _ => None,
        }
    }
}

/// A move of the hidden return pointer into `dst`.
fn pointer_move<A>(dst: Gpr, src: Src<A>) -> RegMove<A> {
    RegMove { dst: Reg::Gpr(dst), src, size: 8, ext: Ext::None }
}

/// The register a return value's piece travels in.
fn reg_of(loc: Loc) -> Reg {
    match loc {
        Loc::Reg(r) => r,
        Loc::Stack(_) => unreachable!("returns travel in registers"),
    }
}
