//! The Microsoft x64 convention ("x64 calling convention", Microsoft Learn).
//!
//! Reads top to bottom: how a type travels, then the positional slots (the
//! i-th argument takes the i-th register of its kind, or the i-th stack slot),
//! then the return value.

use crate::plan::{CallPlan, Ext, Gpr, Loc, PassMode, Piece, Pieces, Reg, RegSet, RetMode, VaStart, Variadic};
use crate::signature::Signature;
use crate::types::{Scalar, TypeDesc};
use crate::Conv;

/// How win64 passes a type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ArgClass {
    /// In a general-purpose register (integers, pointers, and aggregates of
    /// size 1, 2, 4 or 8 — even when their fields are floats).
    Integer,
    /// In a vector register (`float`, `double`).
    Sse,
    /// As a pointer to a caller-owned copy (every other aggregate).
    ByRef,
}

impl ArgClass {
    /// The class as `#[foreign_type(expect(win64 = ".."))]` spells it.
    pub const fn describe(self) -> &'static str {
        match self {
            ArgClass::Integer => "integer",
            ArgClass::Sse => "sse",
            ArgClass::ByRef => "by-ref",
        }
    }

    /// Every class.
    pub const ALL: [ArgClass; 3] = [ArgClass::Integer, ArgClass::Sse, ArgClass::ByRef];

    /// `const` equality, for compile-time expectations.
    pub const fn same_as(self, other: ArgClass) -> bool {
        self as u8 == other as u8
    }
}

/// How win64 passes (and, except for 128-bit integers, returns) a value of
/// type `ty`.
pub const fn classify_type(ty: &TypeDesc) -> ArgClass {
    match ty.as_scalar() {
        Some(s) if s.is_float() => ArgClass::Sse,
        // Microsoft's pages do not cover `__int128`; gcc, clang and rustc
        // (`x86_win64.rs`: "i128 ... passed indirectly") pass it by reference
        // to a 16-byte-aligned copy, as any 16-byte value. Microsoft's `long
        // double` is `double`; gcc's `ms_abi` (and mingw) keep the 16-byte x87
        // type and pass it the same way, returned through a hidden pointer
        // (gcc 12 `-S`). "__m128 types, arrays, and strings are never passed
        // by immediate value. Instead, a pointer is passed to memory allocated
        // by the caller" (aligned to 16); returned in xmm0, see `classify`.
        Some(s) if s.size() > 8 => ArgClass::ByRef,
        Some(_) => ArgClass::Integer,
        // Aggregates of size 1, 2, 4 or 8 go as if they were an integer of
        // that size; any other size goes by pointer to a caller-made copy.
        None => match ty.size {
            1 | 2 | 4 | 8 => ArgClass::Integer,
            _ => ArgClass::ByRef,
        },
    }
}

/// Where a win64 function returns a 128-bit integer (`__int128`, `i128`,
/// `u128`): the rule is the compilers', since Microsoft's convention has no
/// such type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WideIntReturn {
    /// The whole value in xmm0, low eightbyte first: gcc 12, clang (LLVM's
    /// `RetCC_X86_Win64_C` gives `i128` to xmm0) and rustc (`x86_win64.rs`
    /// casts an `i128` return to a 16-byte vector).
    Xmm0,
    /// Through a hidden pointer, like any other 16-byte aggregate: where gcc
    /// trunk is moving.
    Sret,
}

/// The rule abi-bridge follows: the one of the compilers that build the code
/// it meets today (gcc 12, clang, rustc 1.95). A change here changes every
/// win64 plan returning `i128` or `u128` and nothing else.
pub const WIDE_INT_RETURN: WideIntReturn = WideIntReturn::Xmm0;

/// `true` for `i128` and `u128`.
fn is_wide_int(ty: &TypeDesc) -> bool {
    matches!(ty.as_scalar(), Some(Scalar::I128 | Scalar::U128))
}

/// The integer registers of slots 0–3; slot i's vector register is xmm i.
const INT_ARGS: [Gpr; 4] = [Gpr::Rcx, Gpr::Rdx, Gpr::R8, Gpr::R9];
/// The caller always reserves 32 bytes above the return address for the callee
/// to spill its four register arguments (the shadow space).
const SHADOW_SPACE: u32 = 32;

/// rbx, rbp, rdi, rsi, r12–r15 and xmm6–xmm15 survive a call.
pub const PRESERVED: RegSet = RegSet::of(&[
    Reg::Gpr(Gpr::Rbx),
    Reg::Gpr(Gpr::Rbp),
    Reg::Gpr(Gpr::Rdi),
    Reg::Gpr(Gpr::Rsi),
    Reg::Gpr(Gpr::R12),
    Reg::Gpr(Gpr::R13),
    Reg::Gpr(Gpr::R14),
    Reg::Gpr(Gpr::R15),
    Reg::Xmm(6),
    Reg::Xmm(7),
    Reg::Xmm(8),
    Reg::Xmm(9),
    Reg::Xmm(10),
    Reg::Xmm(11),
    Reg::Xmm(12),
    Reg::Xmm(13),
    Reg::Xmm(14),
    Reg::Xmm(15),
]);

/// The win64 plan of `sig`.
pub fn classify(sig: &Signature) -> CallPlan {
    let ret = match sig.ret() {
        None => RetMode::Void,
        // 128-bit integers: see `WIDE_INT_RETURN` (otherwise by-ref, as below).
        Some(ty) if is_wide_int(ty) && WIDE_INT_RETURN == WideIntReturn::Xmm0 => {
            RetMode::Direct(Pieces::One(whole(ty, Loc::Reg(Reg::Xmm(0)))))
        }
        // "__m128 types ... are returned in XMM0" (a bare vector only: a
        // struct holding one is a 16-byte aggregate, returned through rcx).
        Some(ty) if ty.as_scalar() == Some(Scalar::M128) => {
            RetMode::Direct(Pieces::One(whole(ty, Loc::Reg(Reg::Xmm(0)))))
        }
        Some(ty) => match classify_type(ty) {
            ArgClass::Integer => RetMode::Direct(Pieces::One(whole(ty, Loc::Reg(Reg::Gpr(Gpr::Rax))))),
            ArgClass::Sse => RetMode::Direct(Pieces::One(whole(ty, Loc::Reg(Reg::Xmm(0))))),
            // The hidden pointer takes slot 0 (rcx) and shifts every argument
            // one slot to the right; the callee echoes it in rax.
            ArgClass::ByRef => RetMode::Sret { pointer: INT_ARGS[0] },
        },
    };
    let first_slot = usize::from(matches!(ret, RetMode::Sret { .. }));

    let args = sig
        .args()
        .iter()
        .enumerate()
        .map(|(i, ty)| {
            let slot = first_slot + i;
            let class = classify_type(ty);
            let loc = match (slot, class) {
                (0..=3, ArgClass::Sse) => Loc::Reg(Reg::Xmm(slot as u8)),
                (0..=3, _) => Loc::Reg(Reg::Gpr(INT_ARGS[slot])),
                // Slot 4 and on live above the shadow space, 8 bytes each.
                _ => Loc::Stack(8 + SHADOW_SPACE + 8 * (slot as u32 - 4)),
            };
            match class {
                ArgClass::ByRef => PassMode::Indirect(loc),
                ArgClass::Integer | ArgClass::Sse => PassMode::Direct(Pieces::One(whole(ty, loc))),
            }
        })
        .collect::<Vec<_>>();

    let slots = first_slot + args.len();
    let variadic = sig.fixed_args().map(|fixed| variadic(&args, first_slot, fixed));
    // By-reference copies are aligned to their type (16 at least, as
    // Microsoft asks: "aligned on a 16-byte boundary").
    let by_ref = sig.args().iter().zip(&args).filter(|(_, mode)| matches!(mode, PassMode::Indirect(_)));
    let arg_align = by_ref.fold(16, |align, (ty, _)| align.max(ty.align as u32));
    CallPlan {
        conv: Conv::Win64,
        arg_align,
        args,
        ret,
        arg_area: SHADOW_SPACE + 8 * slots.saturating_sub(4) as u32,
        shadow_space: SHADOW_SPACE,
        preserved: PRESERVED,
        variadic,
    }
}

/// What a variadic call adds ("x64 calling convention", Microsoft Learn,
/// "Varargs"): arguments take the same slots as named ones, but a floating
/// point variadic argument in slots 0–3 must also be in the slot's integer
/// register, because the callee spills rcx, rdx, r8 and r9 into the shadow
/// space and reads every variadic argument from memory (gcc does so, and
/// gcc's callers copy only the variadic doubles, not the named ones).
fn variadic(args: &[PassMode], first_slot: usize, fixed: usize) -> Variadic {
    let gpr_copies = args
        .iter()
        .enumerate()
        .skip(fixed)
        .filter_map(|(i, arg)| match arg {
            PassMode::Direct(Pieces::One(Piece { loc: Loc::Reg(Reg::Xmm(x)), .. })) => Some((i, INT_ARGS[*x as usize])),
            _ => None,
        })
        .collect();
    let first = first_slot + fixed;
    let spill = (first..4).map(|slot| (INT_ARGS[slot], 8 + 8 * slot as u32)).collect();
    Variadic {
        fixed,
        vector_regs_used: None,
        gpr_copies,
        va_start: VaStart::Slots { spill, first: 8 + 8 * first as u32 },
    }
}

/// The whole value in one location. win64 leaves the upper bits of a small
/// integer's register undefined.
fn whole(ty: &TypeDesc, loc: Loc) -> Piece {
    Piece { offset: 0, size: ty.size as u32, loc, ext: Ext::None }
}

/// Reads the variadic argument of type `ty` (already promoted) in the 8-byte
/// slot at `*slot` into `dst`, and steps to the next slot: a value of size 1,
/// 2, 4 or 8 (and every scalar) is in the slot, any other aggregate is
/// behind the pointer the slot holds.
///
/// # Safety
///
/// `*slot` must point at a live slot holding an argument of type `ty`, and
/// `dst` must be valid for `ty.size` bytes.
pub unsafe fn va_arg(slot: &mut *mut u8, ty: &TypeDesc, dst: *mut u8) {
    // SAFETY: the caller promises the slot and what it holds.
    unsafe {
        let src = match classify_type(ty) {
            ArgClass::ByRef => slot.cast::<*const u8>().read_unaligned(),
            ArgClass::Integer | ArgClass::Sse => slot.cast_const(),
        };
        core::ptr::copy_nonoverlapping(src, dst, ty.size);
        *slot = slot.add(8);
    }
}
