//! A signature's complete plan under one convention: where every part of every
//! argument and of the return value lives.
//!
//! A plan is data. The conventions in [`conv`](mod@crate::conv) fill it in; the
//! code generator only reads it. Its [`Display`](fmt::Display) is what tests
//! and users look at:
//!
//! ```text
//! a0: rcx  a1: xmm1  a2: by-ref(r8)  a3: [rsp+40]  ret: sret(rcx)
//! ```

use core::fmt;

pub use crate::conv::classify;
use crate::conv::Conv;

/// A general-purpose register, numbered as x86-64 encodes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
#[allow(missing_docs)]
pub enum Gpr {
    Rax = 0,
    Rcx = 1,
    Rdx = 2,
    Rbx = 3,
    Rsp = 4,
    Rbp = 5,
    Rsi = 6,
    Rdi = 7,
    R8 = 8,
    R9 = 9,
    R10 = 10,
    R11 = 11,
    R12 = 12,
    R13 = 13,
    R14 = 14,
    R15 = 15,
}

impl Gpr {
    /// Every general-purpose register, by encoding.
    pub const ALL: [Gpr; 16] = [
        Gpr::Rax,
        Gpr::Rcx,
        Gpr::Rdx,
        Gpr::Rbx,
        Gpr::Rsp,
        Gpr::Rbp,
        Gpr::Rsi,
        Gpr::Rdi,
        Gpr::R8,
        Gpr::R9,
        Gpr::R10,
        Gpr::R11,
        Gpr::R12,
        Gpr::R13,
        Gpr::R14,
        Gpr::R15,
    ];

    /// The register's assembler name.
    pub const fn name(self) -> &'static str {
        const NAMES: [&str; 16] = [
            "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14",
            "r15",
        ];
        NAMES[self as usize]
    }
}

/// A register: general-purpose or vector (`xmm0`–`xmm15`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Reg {
    /// A general-purpose register.
    Gpr(Gpr),
    /// A vector register, `xmm0`–`xmm15`.
    Xmm(u8),
}

impl Reg {
    /// The bit of this register in a [`RegSet`].
    const fn bit(self) -> u32 {
        match self {
            Reg::Gpr(g) => 1 << g as u32,
            Reg::Xmm(x) => 1 << (16 + x as u32),
        }
    }
}

impl fmt::Display for Reg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reg::Gpr(g) => f.write_str(g.name()),
            Reg::Xmm(x) => write!(f, "xmm{x}"),
        }
    }
}

/// A set of registers (e.g. the ones a convention's callee preserves).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct RegSet(u32);

impl RegSet {
    /// The empty set.
    pub const EMPTY: RegSet = RegSet(0);

    /// The set of the given registers.
    pub const fn of(regs: &[Reg]) -> RegSet {
        let mut bits = 0;
        let mut i = 0;
        while i < regs.len() {
            bits |= regs[i].bit();
            i += 1;
        }
        RegSet(bits)
    }

    /// Whether `reg` is in the set.
    pub const fn contains(self, reg: Reg) -> bool {
        self.0 & reg.bit() != 0
    }

    /// The registers in `self` but not in `other`.
    pub const fn minus(self, other: RegSet) -> RegSet {
        RegSet(self.0 & !other.0)
    }

    /// The registers in either set.
    pub const fn union(self, other: RegSet) -> RegSet {
        RegSet(self.0 | other.0)
    }

    /// The registers in the set: general-purpose first, by encoding, then vector.
    pub fn iter(self) -> impl Iterator<Item = Reg> {
        let gprs = Gpr::ALL.into_iter().map(Reg::Gpr);
        let xmms = (0..16).map(Reg::Xmm);
        gprs.chain(xmms).filter(move |r| self.contains(*r))
    }
}

impl fmt::Display for RegSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for reg in self.iter() {
            if !first {
                f.write_str(" ")?;
            }
            first = false;
            write!(f, "{reg}")?;
        }
        Ok(())
    }
}

/// Where some bytes of a value travel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Loc {
    /// In a register.
    Reg(Reg),
    /// In the caller's outgoing argument area: the slot at `[rsp + offset]` as
    /// the callee sees it on entry (the return address is at `[rsp]`).
    Stack(u32),
}

impl Loc {
    /// The register, if the location is one, as a set.
    fn regs(self) -> RegSet {
        match self {
            Loc::Reg(r) => RegSet::of(&[r]),
            Loc::Stack(_) => RegSet::EMPTY,
        }
    }
}

impl fmt::Display for Loc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Loc::Reg(r) => write!(f, "{r}"),
            Loc::Stack(off) => write!(f, "[rsp+{off}]"),
        }
    }
}

/// What the receiver of a small integer may rely on in the register bits above
/// it, so whoever produces the value (a caller, a callee returning it, or a
/// thunk in between) must establish it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Ext {
    /// Nothing is promised: the upper bits are undefined.
    None,
    /// Sign-extended to 32 bits (sysv64 `int8_t`, `int16_t`).
    Sign32,
    /// Zero-extended to 32 bits (sysv64 `uint8_t`, `uint16_t`, `bool`).
    Zero32,
}

/// Some bytes of a value and where they travel: a scalar, or one eightbyte of
/// an aggregate passed in registers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Piece {
    /// Offset of the first byte within the value.
    pub offset: u32,
    /// Number of bytes (1 to 8, or 16 for a whole vector register: a vector,
    /// or the win64 return of a 128-bit integer in xmm0); exactly these bytes
    /// are read and written, so a thunk never touches memory past the end of
    /// a value.
    pub size: u32,
    /// Where they travel.
    pub loc: Loc,
    /// What the register bits above a small integer hold.
    pub ext: Ext,
}

impl fmt::Display for Piece {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.loc)?;
        // A whole 16-byte register says so: `xmm0` alone reads as its low half.
        if self.size == 16 {
            f.write_str("(128)")?;
        }
        match self.ext {
            Ext::None => Ok(()),
            Ext::Sign32 => f.write_str("(sext)"),
            Ext::Zero32 => f.write_str("(zext)"),
        }
    }
}

/// The pieces of a value that travels directly: one (a scalar, or an
/// aggregate of one eightbyte or one stack slot) or two (an aggregate of two
/// eightbytes, sysv64). No convention splits a value further.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Pieces {
    /// The whole value in one place.
    One(Piece),
    /// Two eightbytes, in order of offset.
    Two([Piece; 2]),
}

impl Pieces {
    /// The pieces, in order of offset.
    pub fn as_slice(&self) -> &[Piece] {
        match self {
            Pieces::One(p) => core::slice::from_ref(p),
            Pieces::Two(ps) => ps,
        }
    }

    /// The pieces, in order of offset, to change one (tests that misplace a piece).
    pub fn as_mut_slice(&mut self) -> &mut [Piece] {
        match self {
            Pieces::One(p) => core::slice::from_mut(p),
            Pieces::Two(ps) => ps,
        }
    }

    /// The pieces, in order of offset.
    pub fn iter(&self) -> core::slice::Iter<'_, Piece> {
        self.as_slice().iter()
    }

    /// 1 or 2.
    #[allow(clippy::len_without_is_empty)] // never empty, by construction
    pub fn len(&self) -> usize {
        self.as_slice().len()
    }

    /// The registers the pieces travel in.
    pub fn regs(&self) -> RegSet {
        self.iter().fold(RegSet::EMPTY, |set, p| set.union(p.loc.regs()))
    }

    /// The size of the value: the end of its last piece.
    pub fn value_size(&self) -> u32 {
        self.iter().map(|p| p.offset + p.size).max().unwrap_or(0)
    }

    /// Whether `other` covers the same bytes in the same chunks (though
    /// perhaps in other places).
    pub fn same_split(&self, other: &Pieces) -> bool {
        self.len() == other.len() && self.iter().zip(other).all(|(p, q)| p.offset == q.offset && p.size == q.size)
    }
}

impl<'a> IntoIterator for &'a Pieces {
    type Item = &'a Piece;
    type IntoIter = core::slice::Iter<'a, Piece>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl fmt::Display for Pieces {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Pieces::One(one) => write!(f, "{one}"),
            Pieces::Two([a, b]) => write!(f, "{{{a}, {b}}}"),
        }
    }
}

/// How one argument travels.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum PassMode {
    /// The value itself, in one or two pieces (scalars, and aggregates that a
    /// convention passes in registers or in one stack slot).
    Direct(Pieces),
    /// The whole aggregate (or `long double`) copied by value into the
    /// argument area at `[rsp + offset]` on entry (sysv64 MEMORY and X87
    /// classes).
    Stack {
        /// Offset of the copy on entry, as in [`Loc::Stack`].
        offset: u32,
        /// Size of the value in bytes (its slot is rounded up to 8).
        size: u32,
    },
    /// A pointer to a caller-owned copy, which the callee may modify; the
    /// pointer travels at `loc` (win64 aggregates not of size 1, 2, 4 or 8).
    /// win64 callers align such copies to 16 bytes.
    Indirect(Loc),
}

impl fmt::Display for PassMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PassMode::Direct(pieces) => write!(f, "{pieces}"),
            PassMode::Stack { offset, size } => write!(f, "[rsp+{offset}; {size} bytes]"),
            PassMode::Indirect(loc) => write!(f, "by-ref({loc})"),
        }
    }
}

/// How the return value travels.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum RetMode {
    /// Nothing is returned.
    Void,
    /// The value itself, in one or two return registers.
    Direct(Pieces),
    /// The caller passes a pointer to space for the value in `pointer` (the
    /// hidden argument); the callee writes the value there and returns the
    /// same pointer in `rax`.
    Sret {
        /// The register that carries the hidden pointer.
        pointer: Gpr,
    },
    /// On the x87 register stack, in `st(0)` (its 10 bytes are the whole
    /// value): sysv64 `long double`. The caller pops it.
    St0,
}

impl fmt::Display for RetMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RetMode::Void => f.write_str("void"),
            RetMode::Direct(pieces) => write!(f, "{pieces}"),
            RetMode::Sret { pointer } => write!(f, "sret({})", pointer.name()),
            RetMode::St0 => f.write_str("st0"),
        }
    }
}

/// Where the callee of a variadic function finds the arguments after the
/// named ones: what its `va_start` sets up, and what a reverse thunk builds
/// for Rust to walk.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum VaStart {
    /// win64: every variadic argument is one 8-byte slot (a value of size 1,
    /// 2, 4 or 8, or a pointer to a copy). Slots 0–3 arrive in registers,
    /// which the callee stores into the shadow space (`spill`: each register
    /// and its entry offset), so that the list is contiguous from `first`.
    Slots {
        /// The registers of the variadic slots among 0–3, and where each goes.
        spill: Vec<(Gpr, u32)>,
        /// Entry offset of the first variadic slot.
        first: u32,
    },
    /// sysv64 (psABI 3.5.7): the callee saves the integer argument
    /// registers and the vector ones in a register save area (`gprs` at 8
    /// bytes each, then `xmms` vector registers at 16 bytes each), and its
    /// `va_list` (`gp_offset`, `fp_offset`, `overflow_arg_area`,
    /// `reg_save_area`) starts past the registers the named arguments used,
    /// then goes on with the stack.
    RegisterSave {
        /// The integer argument registers, in order.
        gprs: Vec<Gpr>,
        /// The vector argument registers: xmm0 up to this one, exclusive.
        xmms: u8,
        /// Offset in the save area of the first integer register left for
        /// variadic arguments (48 once all six are used).
        gp_offset: u32,
        /// Offset in the save area of the first vector register left for
        /// variadic arguments (176 once all eight are used).
        fp_offset: u32,
        /// Entry offset of the first variadic argument passed on the stack.
        overflow: u32,
    },
}

/// What a variadic call adds to a plan.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Variadic {
    /// The number of named arguments: `args[..fixed]`; the rest are this
    /// call's variadic arguments.
    pub fixed: usize,
    /// sysv64: the number of vector registers carrying arguments, which the
    /// caller puts in `al` (the psABI makes it an upper bound; it is exact here).
    pub vector_regs_used: Option<u8>,
    /// win64: variadic arguments that travel in a vector register and also,
    /// the same bits, in a general register (index of the argument, register).
    pub gpr_copies: Vec<(usize, Gpr)>,
    /// Where the callee finds the variadic arguments.
    pub va_start: VaStart,
}

/// The complete plan of one signature under one convention: what
/// [`classify`] returns and what thunks are generated from.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CallPlan {
    /// The convention this plan follows.
    pub conv: Conv,
    /// How each argument travels, in order.
    pub args: Vec<PassMode>,
    /// How the return value travels.
    pub ret: RetMode,
    /// Bytes the caller reserves for the callee right above the return
    /// address: the shadow space plus every stack argument, a multiple of 8.
    pub arg_area: u32,
    /// Bytes at the bottom of `arg_area` that the callee may use as scratch
    /// and that carry no argument (win64's 32-byte shadow space).
    pub shadow_space: u32,
    /// Registers the callee must leave as it found them.
    pub preserved: RegSet,
    /// The alignment the callee may rely on for rsp at the call (so for the
    /// argument area) and for each copy it gets by reference: 16, or the
    /// alignment of a more aligned argument on the stack or by reference (an
    /// `aligned(32)` struct). gcc only aligns a by-reference copy to 16;
    /// abi-bridge gives the type's alignment, the stricter rule.
    pub arg_align: u32,
    /// For a call of a variadic function: where the `...` is, and what the
    /// convention asks of such calls.
    pub variadic: Option<Variadic>,
}

impl CallPlan {
    /// The registers that carry arguments or the hidden return pointer.
    pub fn arg_regs(&self) -> RegSet {
        let mut regs = RegSet::EMPTY;
        for arg in &self.args {
            match arg {
                PassMode::Direct(pieces) => regs = regs.union(pieces.regs()),
                PassMode::Indirect(loc) => regs = regs.union(loc.regs()),
                PassMode::Stack { .. } => {}
            }
        }
        if let RetMode::Sret { pointer } = self.ret {
            regs = regs.union(RegSet::of(&[Reg::Gpr(pointer)]));
        }
        for &(_, g) in self.variadic.iter().flat_map(|v| &v.gpr_copies) {
            regs = regs.union(RegSet::of(&[Reg::Gpr(g)]));
        }
        regs
    }

    /// The registers the return value travels in (none for void and sret:
    /// the echoed pointer in rax is not the value).
    pub fn ret_regs(&self) -> RegSet {
        match &self.ret {
            RetMode::Direct(pieces) => pieces.regs(),
            RetMode::Void | RetMode::Sret { .. } | RetMode::St0 => RegSet::EMPTY,
        }
    }
}

impl fmt::Display for CallPlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let variadic = self.variadic.as_ref();
        for (i, arg) in self.args.iter().enumerate() {
            if variadic.is_some_and(|v| v.fixed == i) {
                f.write_str("...  ")?;
            }
            write!(f, "a{i}: {arg}")?;
            if let Some((_, g)) = variadic.and_then(|v| v.gpr_copies.iter().find(|(arg, _)| *arg == i)) {
                write!(f, "+{}", g.name())?;
            }
            f.write_str("  ")?;
        }
        if let Some(v) = variadic {
            if v.fixed == self.args.len() {
                f.write_str("...  ")?;
            }
            if let Some(n) = v.vector_regs_used {
                write!(f, "al: {n}  ")?;
            }
        }
        write!(f, "ret: {}", self.ret)
    }
}
