//! The System V AMD64 convention (x86-64 psABI, section 3.2.3).
//!
//! Reads top to bottom: eightbyte classes of a type, then the registers each
//! argument takes from its classes, with separate budgets for integer and
//! vector registers, then the return value.

use crate::plan::{CallPlan, Ext, Gpr, Loc, PassMode, Piece, Pieces, Reg, RegSet, RetMode, VaStart, Variadic};
use crate::signature::Signature;
use crate::types::{Scalar, TypeDesc, TypeKind};
use crate::Conv;

/// The class of one eightbyte (8-byte chunk) of a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Eightbyte {
    /// Travels in a general-purpose register.
    Integer,
    /// Travels in a vector register.
    Sse,
}

/// How sysv64 classifies a whole type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ArgClass {
    /// Passed in memory: copied onto the stack as an argument, returned
    /// through a hidden pointer.
    Memory,
    /// One eightbyte.
    One(Eightbyte),
    /// Two eightbytes.
    Two(Eightbyte, Eightbyte),
    /// X87 and X87UP: a `long double` (or an aggregate of 16 bytes holding
    /// only one). Passed in memory, returned in `st(0)` (psABI 3.2.3).
    X87,
    /// SSE and SSEUP: a 128-bit vector (or an aggregate of 16 bytes holding
    /// only one), in one whole vector register (psABI 3.2.3: "the class
    /// SSEUP ... is passed and returned in the upper bytes of the last used
    /// vector register").
    Vector128,
}

impl ArgClass {
    /// The class as `#[foreign_type(expect(sysv64 = ".."))]` spells it:
    /// `"memory"`, or the eightbyte classes in order, e.g. `"integer, sse"`.
    pub const fn describe(self) -> &'static str {
        use Eightbyte::{Integer as I, Sse as S};
        match self {
            ArgClass::Memory => "memory",
            ArgClass::One(I) => "integer",
            ArgClass::One(S) => "sse",
            ArgClass::Two(I, I) => "integer, integer",
            ArgClass::Two(I, S) => "integer, sse",
            ArgClass::Two(S, I) => "sse, integer",
            ArgClass::Two(S, S) => "sse, sse",
            ArgClass::X87 => "x87, x87up",
            ArgClass::Vector128 => "sse, sseup",
        }
    }

    /// Every class, in the order of [`ArgClass::describe`]'s table.
    pub const ALL: [ArgClass; 9] = [
        ArgClass::Memory,
        ArgClass::One(Eightbyte::Integer),
        ArgClass::One(Eightbyte::Sse),
        ArgClass::Two(Eightbyte::Integer, Eightbyte::Integer),
        ArgClass::Two(Eightbyte::Integer, Eightbyte::Sse),
        ArgClass::Two(Eightbyte::Sse, Eightbyte::Integer),
        ArgClass::Two(Eightbyte::Sse, Eightbyte::Sse),
        ArgClass::X87,
        ArgClass::Vector128,
    ];

    /// Whether an argument of this class always travels in memory: MEMORY,
    /// and X87 ("If the class is X87, X87UP or COMPLEX_X87, it is passed in
    /// memory", psABI 3.2.3).
    pub const fn in_memory_as_argument(self) -> bool {
        matches!(self, ArgClass::Memory | ArgClass::X87)
    }

    /// `const` equality, for compile-time expectations.
    pub const fn same_as(self, other: ArgClass) -> bool {
        let (a, b) = (self.describe().as_bytes(), other.describe().as_bytes());
        if a.len() != b.len() {
            return false;
        }
        let mut i = 0;
        while i < a.len() {
            if a[i] != b[i] {
                return false;
            }
            i += 1;
        }
        true
    }
}

/// The eightbyte classes of `ty` (psABI 3.2.3, "Classification").
pub const fn classify_type(ty: &TypeDesc) -> ArgClass {
    // A vector is SSE then SSEUP. Alone (or wrapped), it stays one register;
    // merged with other fields, SSEUP meets SSE or INTEGER and becomes that
    // (merge rule (f)), so a 16-byte union of a vector and floats is two
    // SSE eightbytes (gcc 12 passes `union { __m128 v; float f[4]; }` in
    // xmm0 and xmm1); a larger aggregate holding one is MEMORY ("If the
    // size of the aggregate exceeds two eightbytes and the first eightbyte
    // isn't SSE or any other eightbyte isn't SSEUP").
    let (vector, other) = vector_and_other(ty);
    if vector && !other && ty.size == 16 {
        return ArgClass::Vector128;
    }
    // Anything else larger than two eightbytes is MEMORY.
    if ty.size > 16 {
        return ArgClass::Memory;
    }
    // Each eightbyte starts as NO_CLASS (None) and merges the class of
    // every field overlapping it. A misaligned field makes it MEMORY.
    let mut classes: [Option<Merged>; 2] = [None, None];
    if !merge(&mut classes, ty, 0) {
        return ArgClass::Memory;
    }
    // Post merger cleanup: MEMORY anywhere makes the value MEMORY; X87UP
    // must follow X87 (a `long double` merged with nothing, or only with
    // another one), else the value is MEMORY too.
    match classes {
        [Some(Merged::X87), Some(Merged::X87Up)] => ArgClass::X87,
        [Some(a), None] => match a.eightbyte() {
            Some(a) => ArgClass::One(a),
            None => ArgClass::Memory,
        },
        [Some(a), Some(b)] => match (a.eightbyte(), b.eightbyte()) {
            (Some(a), Some(b)) => ArgClass::Two(a, b),
            _ => ArgClass::Memory,
        },
        // C places a type's first field at offset 0, so the first eightbyte
        // always has a class.
        [None, _] => ArgClass::Memory,
    }
}

/// A class of the psABI's lattice while eightbytes are merged (3.2.3,
/// "Classification"); SSEUP merges as SSE here (see `classify_type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Merged {
    Integer,
    Sse,
    X87,
    X87Up,
    Memory,
}

impl Merged {
    /// psABI 3.2.3, step 4: the class of an eightbyte holding fields of
    /// classes `self` and `other`. The order of the rules matters: INTEGER
    /// wins over X87 (gcc 12 passes `union { long double x; long long
    /// i[2]; }` in rdi and rsi), which makes MEMORY only with SSE (`union {
    /// long double x; float f; }` is read from [rsp+8]).
    const fn merge(slot: Option<Merged>, other: Merged) -> Merged {
        use Merged::{Integer, Memory, Sse, X87Up, X87};
        match (slot, other) {
            // (a) equal classes, (b) NO_CLASS and another.
            (None, c) => c,
            (Some(Integer), Integer) => Integer,
            (Some(Sse), Sse) => Sse,
            (Some(X87), X87) => X87,
            (Some(X87Up), X87Up) => X87Up,
            // (c) MEMORY, (d) INTEGER, (e) X87 or X87UP; (f) SSE is left
            // only with SSE, rule (a).
            (Some(Memory), _) | (_, Memory) => Memory,
            (Some(Integer), _) | (_, Integer) => Integer,
            (Some(X87 | X87Up), _) | (_, X87 | X87Up) => Memory,
        }
    }

    /// The register class of a merged eightbyte, `None` for the classes
    /// that never travel in a general or vector register on their own.
    const fn eightbyte(self) -> Option<Eightbyte> {
        match self {
            Merged::Integer => Some(Eightbyte::Integer),
            Merged::Sse => Some(Eightbyte::Sse),
            Merged::X87 | Merged::X87Up | Merged::Memory => None,
        }
    }
}

/// Whether `ty` holds a 128-bit vector, and whether it holds any other scalar.
const fn vector_and_other(ty: &TypeDesc) -> (bool, bool) {
    match ty.kind {
        TypeKind::Scalar(s) => {
            let vector = matches!(s, Scalar::M128);
            (vector, !vector)
        }
        TypeKind::Struct(fields) | TypeKind::Union(fields) => {
            let (mut found, mut other) = (false, false);
            let mut i = 0;
            while i < fields.len() {
                let (f, o) = vector_and_other(fields[i].ty);
                found |= f;
                other |= o;
                i += 1;
            }
            (found, other)
        }
        TypeKind::Array { elem, .. } => vector_and_other(elem),
    }
}

/// Merges the classes of every scalar of `ty` (at `base`) into `classes`;
/// `false` if a field is not at a multiple of its alignment.
const fn merge(classes: &mut [Option<Merged>; 2], ty: &TypeDesc, base: usize) -> bool {
    if !base.is_multiple_of(ty.align) {
        return false;
    }
    match ty.kind {
        TypeKind::Scalar(s) => {
            // psABI 3.2.3: `__int128` is two INTEGER eightbytes, as if it were
            // `struct { long low, high; }`; a `long double` X87 then X87UP; a
            // vector merged with other fields two SSE ones (its SSEUP half
            // merges as SSE: see `classify_type`); every other scalar is one.
            let mut eightbyte = base / 8;
            while eightbyte < (base + s.size()).div_ceil(8) {
                let class = match s {
                    Scalar::F80 if eightbyte == base / 8 => Merged::X87,
                    Scalar::F80 => Merged::X87Up,
                    Scalar::M128 => Merged::Sse,
                    _ if s.is_float() => Merged::Sse,
                    _ => Merged::Integer,
                };
                classes[eightbyte] = Some(Merged::merge(classes[eightbyte], class));
                eightbyte += 1;
            }
            true
        }
        TypeKind::Struct(fields) | TypeKind::Union(fields) => {
            let mut i = 0;
            while i < fields.len() {
                if !merge(classes, fields[i].ty, base + fields[i].offset) {
                    return false;
                }
                i += 1;
            }
            true
        }
        TypeKind::Array { elem, len } => {
            let mut i = 0;
            while i < len {
                if !merge(classes, elem, base + i * elem.size) {
                    return false;
                }
                i += 1;
            }
            true
        }
    }
}

/// Integer arguments, in order.
const INT_ARGS: [Gpr; 6] = [Gpr::Rdi, Gpr::Rsi, Gpr::Rdx, Gpr::Rcx, Gpr::R8, Gpr::R9];
/// Vector arguments: xmm0–xmm7.
const SSE_ARGS: u8 = 8;
/// Integer return eightbytes, in order; vector ones use xmm0, xmm1.
const INT_RETS: [Gpr; 2] = [Gpr::Rax, Gpr::Rdx];

/// rbx, rbp and r12–r15 survive a call; every vector register is clobbered.
pub const PRESERVED: RegSet = RegSet::of(&[
    Reg::Gpr(Gpr::Rbx),
    Reg::Gpr(Gpr::Rbp),
    Reg::Gpr(Gpr::R12),
    Reg::Gpr(Gpr::R13),
    Reg::Gpr(Gpr::R14),
    Reg::Gpr(Gpr::R15),
]);

/// The sysv64 plan of `sig`.
pub fn classify(sig: &Signature) -> CallPlan {
    let mut regs = Budget { int: 0, sse: 0 };
    let mut stack = 8; // the first stack argument sits right above the return address

    let ret = match sig.ret() {
        None => RetMode::Void,
        Some(ty) => match classify_type(ty) {
            // MEMORY return: the caller passes the buffer in rdi, which costs an
            // integer register; the callee echoes it in rax.
            ArgClass::Memory => {
                regs.int = 1;
                RetMode::Sret { pointer: INT_ARGS[0] }
            }
            // "If the class is X87, the value is returned on the X87 stack in
            // %st0 together with X87UP."
            ArgClass::X87 => RetMode::St0,
            class => {
                let mut ret_regs = Budget { int: 0, sse: 0 };
                let pieces = pieces(ty, class, &mut |eb| match eb {
                    Eightbyte::Integer => Reg::Gpr(INT_RETS[ret_regs.take_int()]),
                    Eightbyte::Sse => Reg::Xmm(ret_regs.take_sse() as u8),
                });
                RetMode::Direct(pieces)
            }
        },
    };

    // psABI 3.2.3: "the named and the variadic arguments are classified
    // alike"; the callee's va_start needs to know what the named ones used.
    let fixed = sig.fixed_args();
    let mut va_start = None;
    let args = sig
        .args()
        .iter()
        .enumerate()
        .map(|(i, ty)| {
            if fixed == Some(i) {
                va_start = Some(register_save(&regs, stack));
            }
            let class = classify_type(ty);
            let (need_int, need_sse) = register_needs(class);
            // An argument goes in registers only if all its eightbytes fit;
            // otherwise all of it goes on the stack and no register is used.
            let fits = !class.in_memory_as_argument()
                && regs.int + need_int <= INT_ARGS.len()
                && regs.sse + need_sse <= SSE_ARGS as usize;
            if fits {
                PassMode::Direct(pieces(ty, class, &mut |eb| match eb {
                    Eightbyte::Integer => Reg::Gpr(INT_ARGS[regs.take_int()]),
                    Eightbyte::Sse => Reg::Xmm(regs.take_sse() as u8),
                }))
            } else {
                let offset = stack_slot(stack, ty);
                stack = offset + ty.size.next_multiple_of(8) as u32;
                // A `long double` or a vector travels whole in its 16-byte
                // slot, as an aggregate in memory does.
                if ty.is_aggregate() || matches!(class, ArgClass::X87 | ArgClass::Vector128) {
                    PassMode::Stack { offset, size: ty.size as u32 }
                } else {
                    PassMode::Direct(stack_pieces(ty, offset))
                }
            }
        })
        .collect::<Vec<_>>();

    // psABI 3.5.7: for a call of a variadic function, al holds an upper
    // bound on the vector registers used (gcc's callee only tests it for
    // zero before saving xmm0-7: al = 0 with vector arguments loses them).
    let variadic = fixed.map(|fixed| Variadic {
        fixed,
        vector_regs_used: Some(regs.sse as u8),
        gpr_copies: Vec::new(),
        va_start: va_start.unwrap_or_else(|| register_save(&regs, stack)),
    });
    // psABI 3.2.2: rsp is 16-aligned at a call, and 32-aligned when a
    // 32-aligned argument is on the stack (gcc's caller realigns its frame).
    let on_stack = sig.args().iter().zip(&args).filter(|(_, mode)| matches!(mode, PassMode::Stack { .. }));
    let arg_align = on_stack.fold(16, |align, (ty, _)| align.max(ty.align as u32));
    CallPlan {
        conv: Conv::SysV64,
        args,
        ret,
        arg_area: stack - 8,
        shadow_space: 0,
        preserved: PRESERVED,
        arg_align,
        variadic,
    }
}

/// The entry offset of a stack argument of type `ty` when the previous one
/// ended at `stack`: every stack argument takes whole 8-byte slots, and one
/// whose type is aligned past 8 (`__int128`, `long double`, a vector, a
/// struct holding one, an `aligned(32)` struct) starts at a multiple of its
/// alignment within the argument area, which begins at entry offset 8
/// (psABI 3.2.3, "the size of each argument gets rounded up to eightbytes"
/// and figure 3.4's note on 16-byte alignment; gcc 12 and rustc place an
/// `aligned(32)` struct at 32, gcc 12 reads a `long double` after seven
/// `long`s at [rsp+24]).
fn stack_slot(stack: u32, ty: &TypeDesc) -> u32 {
    8 + (stack - 8).next_multiple_of(ty.align.max(8) as u32)
}

/// A scalar on the stack: one piece, or one per eightbyte for `__int128`,
/// which never splits between registers and stack but is two words in
/// memory like any other 16-byte value.
fn stack_pieces(ty: &TypeDesc, offset: u32) -> Pieces {
    let piece = |i: u32| {
        let size = (ty.size as u32 - 8 * i).min(8);
        Piece { offset: 8 * i, size, loc: Loc::Stack(offset + 8 * i), ext: ext(ty) }
    };
    if ty.size > 8 {
        Pieces::Two([piece(0), piece(1)])
    } else {
        Pieces::One(piece(0))
    }
}

/// Where a `va_list` starts once the named arguments have taken `regs` and
/// the stack up to entry offset `stack`.
fn register_save(regs: &Budget, stack: u32) -> VaStart {
    let gp_area = 8 * INT_ARGS.len() as u32;
    VaStart::RegisterSave {
        gprs: INT_ARGS.to_vec(),
        xmms: SSE_ARGS,
        gp_offset: 8 * regs.int as u32,
        fp_offset: gp_area + 16 * regs.sse as u32,
        overflow: stack,
    }
}

/// Registers used so far, of each kind.
struct Budget {
    int: usize,
    sse: usize,
}

impl Budget {
    fn take_int(&mut self) -> usize {
        self.int += 1;
        self.int - 1
    }
    fn take_sse(&mut self) -> usize {
        self.sse += 1;
        self.sse - 1
    }
}

pub(crate) fn register_needs(class: ArgClass) -> (usize, usize) {
    let count = |eb| match eb {
        Eightbyte::Integer => (1, 0),
        Eightbyte::Sse => (0, 1),
    };
    match class {
        ArgClass::Memory | ArgClass::X87 => (0, 0),
        ArgClass::Vector128 => (0, 1),
        ArgClass::One(a) => count(a),
        ArgClass::Two(a, b) => (count(a).0 + count(b).0, count(a).1 + count(b).1),
    }
}

/// One piece per eightbyte, each in the register `next` gives for its class.
/// The last piece covers only the bytes that remain, so nothing past the end
/// of the value is ever read or written.
fn pieces(ty: &TypeDesc, class: ArgClass, next: &mut impl FnMut(Eightbyte) -> Reg) -> Pieces {
    let mut piece = |i: u32, eb| {
        let offset = 8 * i;
        let size = (ty.size as u32 - offset).min(8);
        Piece { offset, size, loc: Loc::Reg(next(eb)), ext: ext(ty) }
    };
    match class {
        ArgClass::Memory | ArgClass::X87 => unreachable!("MEMORY and X87 values do not travel in registers"),
        // All 16 bytes in one vector register.
        ArgClass::Vector128 => {
            Pieces::One(Piece { offset: 0, size: 16, loc: Loc::Reg(next(Eightbyte::Sse)), ext: Ext::None })
        }
        ArgClass::One(a) => Pieces::One(piece(0, a)),
        ArgClass::Two(a, b) => Pieces::Two([piece(0, a), piece(1, b)]),
    }
}

/// sysv64 callers extend `bool`, 8- and 16-bit integers to 32 bits, and
/// compilers (clang, rustc) rely on it.
fn ext(ty: &TypeDesc) -> Ext {
    match ty.as_scalar() {
        Some(Scalar::I8 | Scalar::I16) => Ext::Sign32,
        Some(Scalar::U8 | Scalar::U16 | Scalar::Bool) => Ext::Zero32,
        _ => Ext::None,
    }
}

/// A sysv64 `va_list` (psABI 3.5.7, figure 3.34): what `va_start` sets up and
/// `va_arg` walks; the host's `vprintf` family takes a pointer to one.
/// Copying it is `va_copy`: the copy walks the same arguments on its own.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct VaList {
    /// Offset in `reg_save_area` of the next integer register to read;
    /// 48 once all six are used.
    pub gp_offset: u32,
    /// Offset in `reg_save_area` of the next vector register to read;
    /// 176 once all eight are used.
    pub fp_offset: u32,
    /// The next variadic argument passed on the stack.
    pub overflow_arg_area: *mut u8,
    /// rdi, rsi, rdx, rcx, r8, r9 (8 bytes each), then xmm0–xmm7 (16 each).
    pub reg_save_area: *mut u8,
}

/// `gp_offset` once every integer register is used.
pub const GP_AREA: u32 = 8 * INT_ARGS.len() as u32;
/// `fp_offset` once every vector register is used.
pub const FP_AREA: u32 = GP_AREA + 16 * SSE_ARGS as u32;

impl VaList {
    /// A list that reads 8-byte stack slots from `slots` only: both register
    /// areas are marked used up, so every `va_arg` takes the overflow path.
    pub fn of_stack_slots(slots: *mut u8) -> VaList {
        VaList {
            gp_offset: GP_AREA,
            fp_offset: FP_AREA,
            overflow_arg_area: slots,
            reg_save_area: core::ptr::null_mut(),
        }
    }

    /// `va_arg(list, ty)` (psABI 3.5.7, "The va_arg Macro"): writes the next
    /// argument, of type `ty` (already promoted), to `dst`.
    ///
    /// # Safety
    ///
    /// The list must be live and have another argument, and that argument
    /// must have type `ty`; `dst` must be valid for `ty.size` bytes.
    pub unsafe fn read(&mut self, ty: &TypeDesc, dst: *mut u8) {
        let class = classify_type(ty);
        let (int, sse) = register_needs(class);
        let in_registers = !class.in_memory_as_argument()
            && self.gp_offset as usize + 8 * int <= GP_AREA as usize
            && self.fp_offset as usize + 16 * sse <= FP_AREA as usize;
        if in_registers && class == ArgClass::Vector128 {
            // One whole vector register (SSE, SSEUP): its 16-byte save slot.
            // SAFETY: the save area holds this register; `dst` has room.
            unsafe { core::ptr::copy_nonoverlapping(self.reg_save_area.add(self.fp_offset as usize), dst, 16) };
            self.fp_offset += 16;
        } else if in_registers {
            let eightbytes = match class {
                ArgClass::One(a) => [Some(a), None],
                ArgClass::Two(a, b) => [Some(a), Some(b)],
                ArgClass::Memory | ArgClass::X87 | ArgClass::Vector128 => {
                    unreachable!("MEMORY and X87 values are not in registers; vectors are read above")
                }
            };
            for (i, eb) in eightbytes.into_iter().enumerate() {
                let Some(eb) = eb else { break };
                let offset = match eb {
                    Eightbyte::Integer => &mut self.gp_offset,
                    Eightbyte::Sse => &mut self.fp_offset,
                };
                let size = (ty.size - 8 * i).min(8);
                // SAFETY: the save area holds this register; `dst` has room.
                unsafe {
                    core::ptr::copy_nonoverlapping(self.reg_save_area.add(*offset as usize), dst.add(8 * i), size)
                };
                *offset += if eb == Eightbyte::Integer { 8 } else { 16 };
            }
        } else {
            // Stack arguments take whole eightbytes, aligned to 16 when the
            // type is (`__int128`, psABI 3.5.7 step 7 of `va_arg`).
            let at = self.overflow_arg_area.map_addr(|a| a.next_multiple_of(ty.align.max(8)));
            // SAFETY: the caller promises the argument is there.
            unsafe {
                core::ptr::copy_nonoverlapping(at, dst, ty.size);
                self.overflow_arg_area = at.add(ty.size.next_multiple_of(8));
            }
        }
    }
}
