//! Parallel moves into registers: every argument register of the callee is
//! written from the caller's registers or memory "at once", so a register is
//! overwritten only after every move that reads it has happened; a cycle
//! (rdi -> rcx while rcx -> rdi) is broken through a scratch register.

use super::emit::{self, Addr, Asm};
use crate::plan::{Ext, Gpr, Reg};

/// Where a register move reads from; `A` is the kind of address: planned
/// (relative to the thunk's frame) or encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Src<A = Addr> {
    /// Another register.
    Reg(Reg),
    /// Memory, `width` bytes (1, 2, 4 or 8).
    Mem(A, u32),
    /// The address of memory (a pointer to a copy).
    AddrOf(A),
}

/// `dst <- src`, the value being `size` bytes, extended as `ext` asks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct RegMove<A = Addr> {
    pub(crate) dst: Reg,
    pub(crate) src: Src<A>,
    pub(crate) size: u32,
    pub(crate) ext: Ext,
}

impl<A> RegMove<A> {
    /// The same move with its address (if any) turned into another kind.
    pub(crate) fn map_addr<B>(self, f: impl FnOnce(A) -> B) -> RegMove<B> {
        let src = match self.src {
            Src::Reg(r) => Src::Reg(r),
            Src::Mem(m, width) => Src::Mem(f(m), width),
            Src::AddrOf(m) => Src::AddrOf(f(m)),
        };
        RegMove { dst: self.dst, src, size: self.size, ext: self.ext }
    }
}

impl RegMove {
    /// The register this move reads, if any (rsp-relative memory reads none:
    /// rsp does not change while moves are made).
    fn reads(&self) -> Option<Reg> {
        match self.src {
            Src::Reg(r) => Some(r),
            Src::Mem(a, _) | Src::AddrOf(a) if a.base != Gpr::Rsp => Some(Reg::Gpr(a.base)),
            _ => None,
        }
    }

    fn is_noop(&self) -> bool {
        self.src == Src::Reg(self.dst) && (self.ext == Ext::None || self.size >= 4)
    }

    fn emit(&self, a: &mut Asm) {
        match (self.src, self.dst) {
            (Src::Reg(s), d) => emit::reg_to_reg(a, d, s, self.size, self.ext),
            (Src::Mem(m, width), d) => emit::load(a, d, m, width, self.ext),
            (Src::AddrOf(m), Reg::Gpr(d)) => emit::lea(a, d, m),
            (Src::AddrOf(_), Reg::Xmm(_)) => {
                unreachable!("pointers travel in general-purpose registers")
            }
        }
    }
}

/// Emits `moves` as if they all happened at once. `gpr_scratch` and
/// `xmm_scratch` must be neither read nor written by any of them.
pub(crate) fn resolve(a: &mut Asm, moves: &[RegMove], gpr_scratch: Gpr, xmm_scratch: u8) {
    let mut pending: Vec<RegMove> = moves.iter().copied().filter(|m| !m.is_noop()).collect();
    while !pending.is_empty() {
        let ready = (0..pending.len()).find(|&i| {
            let dst = pending[i].dst;
            pending.iter().enumerate().all(|(j, m)| j == i || m.reads() != Some(dst))
        });
        match ready {
            Some(i) => {
                pending.remove(i).emit(a);
            }
            None => {
                // Every pending destination is still needed: a cycle. Park the
                // first destination's value in scratch and read it from there.
                let parked = pending[0].dst;
                let scratch = match parked {
                    Reg::Gpr(_) => Reg::Gpr(gpr_scratch),
                    Reg::Xmm(_) => Reg::Xmm(xmm_scratch),
                };
                emit::reg_to_reg(a, scratch, parked, 8, Ext::None);
                for m in &mut pending[1..] {
                    m.src = match m.src {
                        Src::Reg(r) if r == parked => Src::Reg(scratch),
                        Src::Mem(addr, w) if Reg::Gpr(addr.base) == parked => {
                            Src::Mem(Addr { base: gpr_scratch, ..addr }, w)
                        }
                        Src::AddrOf(addr) if Reg::Gpr(addr.base) == parked => {
                            Src::AddrOf(Addr { base: gpr_scratch, ..addr })
                        }
                        other => other,
                    };
                }
            }
        }
    }
}
