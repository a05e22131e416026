//! Variadic functions, both ways.
//!
//! **Forward** (Rust calls a foreign `int printf(const char *, ...)`): the
//! arguments after the `...` are one tuple, [`VarArgs`], whose element types
//! the compiler checks at each call. A call is a signature of its own
//! ([`Signature::new_variadic`]): one thunk per distinct promoted type list,
//! generated once and kept in a per-thread cache, so a repeated list takes
//! no lock. Rust writes the promoted values into a *pack* (one cell per
//! value, aligned to 8 or 16, `pack_layout`) and calls the thunk with the target, a
//! pointer to the pack and the named arguments; the thunk loads each value
//! where the foreign plan wants it.
//!
//! **Reverse** (foreign code calls Rust as a variadic function): a
//! [`VariadicCallback`]'s thunk moves the named arguments as a callback's do,
//! and hands Rust a [`VaArgs`] cursor over the rest, built as the foreign
//! convention's callee would build it (the plan's
//! [`VaStart`](crate::plan::VaStart)).

use core::any::TypeId;
use core::cell::{Cell, RefCell};
use core::ffi::c_void;
use core::marker::PhantomData;
use core::mem::{ManuallyDrop, MaybeUninit};

use crate::callback::{Block, Callback, CallbackFn};
use crate::conv::{sysv64, win64, AsConv, Conv, StaticConv};
use crate::error::Error;
use crate::hash::WordMap;
use crate::signature::Signature;
use crate::thunk::{self, Shape};
use crate::types::{promoted, ForeignReturn, ForeignType, Scalar, TypeDesc, TypeKind};

/// A value that may be passed after a variadic function's `...`: every
/// [`ForeignType`] except arrays, travelling as C's default argument
/// promotions make it (`f32` as `f64`; `bool`, `i8`, `u8`, `i16`, `u16` as
/// `i32`; see [`promoted`]); `i128`, [`F80`](crate::F80), `__m128` and
/// [`Complex`](crate::Complex) too, placed as gcc places them. Rust types with
/// no C meaning (`char`, `String`, `&str`) are not: passing one is a compile
/// error at the argument, which says the type "cannot cross a foreign ABI
/// boundary"; nor are values aligned to more than 16 bytes.
pub trait VarArg: ForeignType {}

impl<T: ForeignType> VarArg for T {}

/// The arguments after a variadic function's `...` at one call: a tuple of
/// [`VarArg`]s, `()` to `(A1, …, A24)`.
///
/// ```text
/// // With `fn printf(fmt: *const c_char, ...) -> i32;` in a #[foreign_abi] block:
/// unsafe { printf(c"%d %.1f %s\n".as_ptr(), (42, 2.5, name.as_ptr())) };
/// ```
///
/// (The `abi-bridge` crate's documentation has this example running.)
///
/// # Safety
///
/// `DESCS` must describe the promoted elements in order, and `Pack` must be
/// laid out as `pack_layout` says for them. Implemented here for tuples;
/// not meant to be implemented elsewhere.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a list of variadic arguments",
    label = "expected a tuple of the arguments after the `...`",
    note = "give the variadic arguments as one tuple: `()`, `(x,)`, `(x, y)`, … (at most 24), each an integer, float, bool, pointer, C fn pointer or `ForeignType` struct"
)]
pub unsafe trait VarArgs {
    /// The promoted type of each element, in order.
    const DESCS: &'static [&'static TypeDesc];
    /// The values, promoted, in cells as the thunk reads them.
    #[doc(hidden)]
    type Pack;
    /// Promotes the values into their pack, each made fit for code of
    /// convention `To` (a function pointer of another convention becomes a
    /// thunk, as for named arguments).
    #[doc(hidden)]
    fn pack<To: StaticConv>(self) -> Self::Pack;
}

/// One promoted value in a pack: aligned to 8 (or the value's own 16), at
/// least 8 bytes, a multiple of its alignment (so the thunk may read whole
/// eightbytes of it).
#[doc(hidden)]
#[repr(C, align(8))]
pub union PackCell<T> {
    value: ManuallyDrop<T>,
    word: u64,
}

impl<T: ForeignType> PackCell<T> {
    fn new<To: StaticConv>(value: T) -> PackCell<T> {
        const {
            crate::foreign::check_argument(T::DESC, To::CONV);
            check_vararg(T::DESC);
        };
        let value = value.__for_conv(To::CONV);
        let TypeKind::Scalar(scalar) = T::DESC.kind else { return PackCell { value: ManuallyDrop::new(value) } };
        // SAFETY: `T::DESC` says `T` is exactly this scalar, so each read
        // reinterprets all of its bytes as that scalar's Rust type.
        let word = unsafe {
            match scalar {
                Scalar::F32 => f64::from(core::mem::transmute_copy::<T, f32>(&value)).to_bits(),
                Scalar::I8 => i32::from(core::mem::transmute_copy::<T, i8>(&value)) as u32 as u64,
                Scalar::I16 => i32::from(core::mem::transmute_copy::<T, i16>(&value)) as u32 as u64,
                Scalar::U8 | Scalar::Bool => u64::from(core::mem::transmute_copy::<T, u8>(&value)),
                Scalar::U16 => u64::from(core::mem::transmute_copy::<T, u16>(&value)),
                _ => return PackCell { value: ManuallyDrop::new(value) },
            }
        };
        PackCell { word }
    }
}

/// A pack of cells: the first value, then the rest (`()` at the end).
#[doc(hidden)]
#[repr(C)]
pub struct PackCons<H, T>(PackCell<H>, T);

/// The compile-time check of one variadic argument, besides those of named
/// ones (arrays, function pointers of another convention inside structs).
const fn check_vararg(ty: &TypeDesc) {
    if ty.align > 16 {
        panic!("variadic arguments aligned to more than 16 bytes are not supported: pass a pointer to the value");
    }
}

/// One cell of a pack for a value of `ty`: its (size, alignment), as
/// [`PackCell`] has them (at least 8 and a multiple of the alignment).
fn cell(ty: &TypeDesc) -> (u32, u32) {
    let align = ty.align.max(8) as u32;
    ((ty.size.max(8) as u32).next_multiple_of(align), align)
}

/// Where each promoted variadic argument of `sig` sits in its pack: offset
/// and size. The pack nests as [`PackCons`] does (a cell, then the rest of
/// the pack as one struct, aligned to its most aligned cell), so a value
/// aligned to 16 moves the whole rest before it, not just itself.
pub(crate) fn pack_layout(sig: &Signature) -> Vec<(u32, u32)> {
    let fixed = sig.fixed_args().expect("a pack belongs to a variadic signature");
    let args = &sig.args()[fixed..];
    // From the back: where the rest starts inside each cons, and each
    // suffix's (size, alignment) as a struct.
    let mut rest_at = vec![0u32; args.len()];
    let (mut size, mut align) = (0u32, 1u32);
    for (i, ty) in args.iter().enumerate().rev() {
        let (cell_size, cell_align) = cell(ty);
        rest_at[i] = cell_size.next_multiple_of(align);
        let cons_align = cell_align.max(align);
        size = (rest_at[i] + size).next_multiple_of(cons_align);
        align = cons_align;
    }
    let mut at = 0;
    args.iter()
        .zip(rest_at)
        .map(|(ty, rest)| {
            let here = at;
            at += rest;
            (here, ty.size as u32)
        })
        .collect()
}

macro_rules! pack_type {
    () => { () };
    ($first:ident $($rest:ident)*) => { PackCons<$first, pack_type!($($rest)*)> };
}

macro_rules! pack_value {
    ($to:ident;) => { () };
    ($to:ident; $first:ident $($rest:ident)*) => { PackCons(PackCell::new::<$to>($first), pack_value!($to; $($rest)*)) };
}

macro_rules! var_args_impls {
    ($($a:ident)*) => {
        // SAFETY: DESCS promotes each element in order, and the pack nests
        // one 8-aligned cell per element in order, as `pack_layout` lays them out.
        unsafe impl<$($a: VarArg),*> VarArgs for ($($a,)*) {
            const DESCS: &'static [&'static TypeDesc] = &[$(promoted($a::DESC)),*];
            type Pack = pack_type!($($a)*);

            #[allow(non_snake_case, clippy::unused_unit)]
            fn pack<To: StaticConv>(self) -> Self::Pack {
                let ($($a,)*) = self;
                pack_value!(To; $($a)*)
            }
        }
    };
}

macro_rules! for_each_var_arity {
    ($m:ident) => {
        for_each_var_arity!(@ $m
            A24 A23 A22 A21 A20 A19 A18 A17 A16 A15 A14 A13 A12 A11 A10 A9 A8 A7 A6 A5 A4 A3 A2 A1);
    };
    (@ $m:ident $first:ident $($rest:ident)*) => {
        $m!($first $($rest)*);
        for_each_var_arity!(@ $m $($rest)*);
    };
    (@ $m:ident) => {
        $m!();
    };
}

for_each_var_arity!(var_args_impls);

/// The most elements a [`VarArgs`] tuple may have.
pub const MAX_VAR_ARGS: usize = 24;

/// A variadic `#[foreign_abi]` declaration: what its calls share.
#[doc(hidden)]
#[derive(Debug)]
pub struct VariadicDecl {
    /// The function's name, for messages.
    pub name: &'static str,
    /// The foreign convention.
    pub conv: Conv,
    /// The named arguments, as the generated code passes them.
    pub fixed: &'static [&'static TypeDesc],
    /// The return type.
    pub ret: Option<&'static TypeDesc>,
}

/// A variadic declaration named by a type (one the expansion defines per
/// declaration), so that each call shape gets a constant of its own.
#[doc(hidden)]
pub trait VariadicFn {
    /// The declaration.
    const DECL: VariadicDecl;
}

/// One call shape: a declaration and a list of variadic types.
#[derive(Debug, PartialEq)]
struct CallShape {
    decl: VariadicDecl,
    args: &'static [&'static TypeDesc],
}

impl PartialEq for VariadicDecl {
    fn eq(&self, other: &Self) -> bool {
        (self.name, self.conv, self.fixed, self.ret) == (other.name, other.conv, other.fixed, other.ret)
    }
}

/// Entries of the per-thread table of recent call shapes.
const RECENT: usize = 64;

thread_local! {
    /// Recent call shapes of this thread and their code, by the address of
    /// the shape's constant (direct-mapped: a shape's slot is a constant,
    /// so the hot path reads one slot and compares one word).
    static RECENT_CALLS: [Cell<(usize, usize)>; RECENT] = const { [const { Cell::new((0, 0)) }; RECENT] };
    /// The shape's address as the call site that missed saw it, for the
    /// first-call function it then calls (the compiler may give the same
    /// constant another address in that function's code).
    static MISSED: Cell<usize> = const { Cell::new(0) };
    /// Every variadic call shape this thread made.
    static CALLS: RefCell<WordMap<usize, usize>> = RefCell::new(WordMap::default());
}

/// The slot of a call shape in the per-thread table: a hash of what it
/// says, computed at compile time (shapes that share a slot take turns).
const fn slot(shape: &CallShape) -> usize {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let name = shape.decl.name.as_bytes();
    let mut i = 0;
    while i < name.len() {
        h = (h ^ name[i] as u64).wrapping_mul(0x100_0000_01b3);
        i += 1;
    }
    let mut i = 0;
    while i < shape.args.len() {
        let ty = shape.args[i];
        h = (h ^ (ty.size as u64) ^ (ty.name.len() as u64) << 16).wrapping_mul(0x100_0000_01b3);
        i += 1;
    }
    (h ^ h >> 32) as usize % RECENT
}

/// The generated code for calling the declaration `D` with the variadic
/// arguments `V` (`unsafe extern "C-unwind" fn(target, pack: *const
/// V::Pack, named..) -> R`) if this thread made that call recently, else
/// `first_call`: a function of the same type that makes the code (with
/// [`variadic_code_made`]) and calls it. The hot path reads one thread-local
/// slot, compares one word and calls nothing, so no argument has to
/// survive a call.
#[doc(hidden)]
#[inline]
pub fn variadic_code<D: VariadicFn, V: VarArgs>(_args: &V, first_call: *const c_void) -> *const c_void {
    let key = shape::<D, V>() as *const CallShape as usize;
    let (last, code) = RECENT_CALLS.with(|r| r[const { slot(shape::<D, V>()) }].get());
    if last == key {
        code as *const c_void
    } else {
        MISSED.set(key);
        first_call
    }
}

/// The constant describing the call shape (`D`, `V`).
const fn shape<D: VariadicFn, V: VarArgs>() -> &'static CallShape {
    const { &CallShape { decl: D::DECL, args: V::DESCS } }
}

/// The generated code for calling `D` with the variadic arguments `V`, made
/// on this thread's first such call (and shared with every thread through
/// the code cache), and remembered for the call site that just missed.
///
/// # Panics
///
/// If the code cannot be made (the system refuses executable memory); the
/// message names the function being called.
#[doc(hidden)]
#[inline(never)]
pub fn variadic_code_made<D: VariadicFn, V: VarArgs>() -> *const c_void {
    made(shape::<D, V>())
}

fn made(shape: &'static CallShape) -> *const c_void {
    // The address the call site compares: the one it saw, once checked to
    // be a constant of this same shape (anything else keeps our own).
    let missed = MISSED.replace(0);
    // SAFETY: a non-zero MISSED is the address of a `CallShape` constant.
    let key = if missed != 0 && unsafe { &*(missed as *const CallShape) } == shape {
        missed
    } else {
        shape as *const CallShape as usize
    };
    let code = match CALLS.with(|c| c.borrow().get(&key).copied()) {
        Some(code) => code,
        None => {
            let CallShape { decl, args } = shape;
            let sig = Signature::new_variadic(decl.fixed, args, decl.ret)
                .unwrap_or_else(|e| panic!("abi-bridge: cannot call `{}`: {e}", decl.name));
            let code = thunk::code(Conv::HOST, decl.conv, &sig, Shape::TargetAndPack)
                .unwrap_or_else(|e| panic!("abi-bridge: cannot generate the thunk for `{}` ({sig}): {e}", decl.name));
            CALLS.with(|c| c.borrow_mut().insert(key, code as usize));
            code as usize
        }
    };
    RECENT_CALLS.with(|r| r[slot(shape)].set((key, code)));
    code as *const c_void
}

/// The variadic arguments of one call of a [`VariadicCallback`], read in
/// order with [`VaArgs::next`].
///
/// Reading a type other than the one the caller passed (after promotion)
/// reads garbage, as C's `va_arg` does; reading past the last argument reads
/// whatever lies there. Both are the caller's promise, so reads are `unsafe`.
#[derive(Debug)]
pub struct VaArgs<'call> {
    cursor: Cursor,
    _call: PhantomData<&'call mut ()>,
}

#[derive(Debug)]
enum Cursor {
    /// The thunk's `va_list` over its register save area and the stack.
    SysV64(*mut sysv64::VaList),
    /// A list of the win64 8-byte slots (the spilled register slots, then
    /// the stack ones), as a sysv64 `va_list` with no registers left.
    Win64(sysv64::VaList),
}

impl VaArgs<'_> {
    /// The cursor over what the thunk built for a `conv` caller.
    ///
    /// # Safety
    ///
    /// `raw` is the pointer a variadic closure thunk passes, for `conv`.
    unsafe fn from_raw(conv: Conv, raw: *mut c_void) -> Self {
        let cursor = match conv {
            Conv::SysV64 => Cursor::SysV64(raw.cast()),
            Conv::Win64 => Cursor::Win64(sysv64::VaList::of_stack_slots(raw.cast())),
        };
        VaArgs { cursor, _call: PhantomData }
    }

    /// The next argument, read as `T` after C's promotions: an `f32` is read
    /// as the `double` the caller passed and narrowed, a `bool`, `i8`, `u8`,
    /// `i16` or `u16` as the `int` and converted as C converts it.
    ///
    /// # Safety
    ///
    /// The caller passed another argument, of type `T` (or of a type that
    /// `T` promotes to the same).
    pub unsafe fn next<T: VarArg>(&mut self) -> T {
        let ty = promoted(T::DESC);
        let mut buf = MaybeUninit::<[u64; 2]>::uninit();
        let mut value = MaybeUninit::<T>::uninit();
        let dst = if core::ptr::eq(ty, T::DESC) { value.as_mut_ptr().cast::<u8>() } else { buf.as_mut_ptr().cast() };
        // SAFETY: the caller promises the argument; `dst` has room for `ty`.
        unsafe { self.read(ty, dst) };
        if core::ptr::eq(ty, T::DESC) {
            // SAFETY: `read` wrote all of `T`.
            return unsafe { value.assume_init() };
        }
        // SAFETY: `read` wrote the promoted scalar; `T` is the scalar its
        // description says, so these conversions are exact reinterpretations.
        unsafe {
            let word = buf.assume_init()[0];
            match T::DESC.as_scalar() {
                Some(Scalar::F32) => core::mem::transmute_copy(&(f64::from_bits(word) as f32)),
                Some(Scalar::Bool) => core::mem::transmute_copy(&u8::from(word as u32 != 0)),
                Some(Scalar::I8 | Scalar::U8) => core::mem::transmute_copy(&(word as u8)),
                Some(Scalar::I16 | Scalar::U16) => core::mem::transmute_copy(&(word as u16)),
                _ => unreachable!("only these scalars are promoted"),
            }
        }
    }

    /// Reads the next argument, of (promoted) type `ty`, into `dst`: for
    /// types known only at run time.
    ///
    /// # Safety
    ///
    /// As for [`VaArgs::next`]; `dst` is valid for `ty.size` bytes.
    pub unsafe fn read(&mut self, ty: &TypeDesc, dst: *mut u8) {
        // SAFETY: forwarded from the caller.
        unsafe {
            match &mut self.cursor {
                Cursor::SysV64(list) => (**list).read(ty, dst),
                Cursor::Win64(list) => win64::va_arg(&mut list.overflow_arg_area, ty, dst),
            }
        }
    }

    /// The arguments not read yet, as this host's `va_list`, for its
    /// `vprintf` family: `vsnprintf(buf, n, fmt, args.host_va_list())`.
    /// Reading through it moves this cursor on as well (for a sysv64 caller
    /// it is the very list; for win64, its copy).
    ///
    /// For a win64 caller, the list reads the caller's 8-byte slots as a
    /// sysv64 `va_list` whose registers are used up: every integer up to 64
    /// bits, pointer and `double` reads right (`%d %ld %lld %u %x %c %p %s
    /// %f %e %g`), which is everything `printf` formats except `long double`
    /// (`%Lf`). A struct argument would be read wrong (win64 passes it by
    /// pointer unless its size is 1, 2, 4 or 8), as would `va_arg` of
    /// a struct of 9 to 16 bytes on the host side.
    #[cfg(not(windows))]
    pub fn host_va_list(&mut self) -> *mut c_void {
        match &mut self.cursor {
            Cursor::SysV64(list) => list.cast(),
            Cursor::Win64(list) => (list as *mut sysv64::VaList).cast(),
        }
    }
}

/// A Rust closure that foreign code calls as a variadic C function, e.g.
/// `int log(int level, const char *fmt, ...)`: `F` names the named
/// arguments and the return type (`fn(i32, *const c_char) -> i32`), and the
/// closure gets them and a [`VaArgs`] cursor over the rest.
///
/// ```
/// use abi_bridge_runtime::{Conv, VariadicCallback};
///
/// // int sum(int n, ...), called by win64 code.
/// let sum = VariadicCallback::<fn(i32) -> i64>::new(Conv::Win64, |n, args| {
///     (0..n).map(|_| unsafe { args.next::<i64>() }).sum()
/// })?;
/// // What win64 code would do with the entry:
/// let f: unsafe extern "win64" fn(i32, ...) -> i64 = unsafe { core::mem::transmute(sum.entry()) };
/// assert_eq!(unsafe { f(3, 1i64, 20i64, 300i64) }, 321);
/// # Ok::<(), abi_bridge_runtime::Error>(())
/// ```
///
/// Like [`Callback`], it may be called from any thread while it lives.
pub struct VariadicCallback<'env, F: CallbackFn, C: AsConv = Conv> {
    inner: Callback<'env, F, C>,
}

impl<F: CallbackFn, C: AsConv> VariadicCallback<'_, F, C> {
    /// The address foreign code calls, with the callback's convention, as a
    /// variadic function.
    pub fn entry(&self) -> *const c_void {
        self.inner.entry()
    }

    /// The convention foreign code must call it with.
    pub fn conv(&self) -> Conv {
        self.inner.conv()
    }
}

impl<F: CallbackFn, C: AsConv> core::fmt::Debug for VariadicCallback<'_, F, C> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("VariadicCallback").field("conv", &self.conv()).field("entry", &self.entry()).finish()
    }
}

thread_local! {
    /// Variadic reverse-thunk code per (named signature type, convention).
    static CLOSURE_CODE: RefCell<WordMap<(TypeId, Conv), usize>> = RefCell::new(WordMap::default());
}

fn variadic_closure_code<F: CallbackFn>(conv: Conv) -> Result<*const u8, Error> {
    let key = (TypeId::of::<F>(), conv);
    if let Some(code) = CLOSURE_CODE.with(|c| c.borrow().get(&key).copied()) {
        return Ok(code as *const u8);
    }
    let named = Signature::of::<F>();
    let sig = Signature::new_variadic(named.args(), &[], named.ret())?;
    sig.check_crossing(conv, Conv::HOST)?;
    let code = thunk::code(conv, Conv::HOST, &sig, Shape::VariadicClosure)?;
    CLOSURE_CODE.with(|c| c.borrow_mut().insert(key, code as usize));
    Ok(code)
}

macro_rules! variadic_callback_arity {
    ($($a:ident)*) => {
        impl<'env, V: AsConv, R: ForeignReturn + 'static, $($a: ForeignType + 'static),*> VariadicCallback<'env, fn($($a),*) -> R, V> {
            /// A variadic callback for foreign code using convention `conv`
            /// that runs `closure` with the named arguments and a cursor
            /// over the variadic ones.
            ///
            /// # Errors
            ///
            /// As for [`Callback::new`].
            pub fn new<Cl>(conv: V, closure: Cl) -> Result<Self, Error>
            where
                Cl: Fn($($a,)* &mut VaArgs<'_>) -> R + Send + Sync + 'env,
            {
                #[allow(non_snake_case)]
                extern "C" fn shim<Cl: Fn($($a,)* &mut VaArgs<'_>) -> R, R, $($a,)* const WIN64: bool>(
                    block: *const Block<Cl>,
                    $($a: $a,)*
                    va: *mut c_void,
                ) -> R {
                    let conv = if WIN64 { Conv::Win64 } else { Conv::SysV64 };
                    // SAFETY: the reverse thunk passes the block this shim was
                    // stored in, and the list it built for a `conv` caller.
                    let (block, mut args) = unsafe { (&*block, VaArgs::from_raw(conv, va)) };
                    (block.closure())($($a,)* &mut args)
                }
                let shim = match conv.conv() {
                    Conv::Win64 => shim::<Cl, R, $($a,)* true> as *const (),
                    Conv::SysV64 => shim::<Cl, R, $($a,)* false> as *const (),
                };
                let code = variadic_closure_code::<fn($($a),*) -> R>(conv.conv())?;
                Ok(VariadicCallback { inner: Callback::with_code(conv, code, Block::new(shim, closure))? })
            }
        }
    };
}

for_each_arity!(variadic_callback_arity);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SysV64;

    #[test]
    fn the_pack_is_laid_out_as_the_thunk_reads_it() {
        let big = TypeDesc::new_struct("Big", &[("a", u64::DESC), ("b", u64::DESC), ("c", u8::DESC)]).unwrap();
        let sig = Signature::new_variadic(&[], &[u8::DESC, f64::DESC, big, f32::DESC], None).unwrap();
        // Promoted u8 and f32, each in whole eightbytes.
        assert_eq!(pack_layout(&sig), [(0, 4), (8, 8), (16, 24), (40, 8)]);
        // (An array stands for a 24-byte value here; as an argument it is refused.)
        type Pack = <(u8, f64, [u64; 3], f32) as VarArgs>::Pack;
        assert_eq!((size_of::<Pack>(), align_of::<Pack>()), (48, 8));
        // The values, promoted, where the layout says.
        let pack = (200u8, 2.5f64, 7i8, -1.5f32).pack::<SysV64>();
        // SAFETY: the pack is 32 bytes of plain data, each cell initialised
        // in its promoted part, which is all that is read.
        let word = |at: usize| unsafe { (&pack as *const _ as *const u8).add(at).cast::<u64>().read() };
        assert_eq!(word(0) as u32, 200);
        assert_eq!(f64::from_bits(word(8)), 2.5);
        assert_eq!(word(16) as u32 as i32, 7);
        assert_eq!(f64::from_bits(word(24)), -1.5);
    }

    #[test]
    fn values_aligned_to_16_move_the_rest_of_the_pack() {
        use crate::F80;
        // i32, then i128 (align 16): the cons holding the i128 and what
        // follows starts at 16, not 8.
        let sig =
            Signature::new_variadic(&[], &[i32::DESC, i128::DESC, f64::DESC, F80::DESC, i32::DESC], None).unwrap();
        let layout = pack_layout(&sig);
        let pack = (1i32, -2i128, 3.5f64, F80::from_f64(4.25), 5i32).pack::<SysV64>();
        let base = &pack as *const _ as usize;
        let at = |p: *const u8| p as usize - base;
        let offsets = [
            at((&pack.0 as *const PackCell<i32>).cast()),
            at((&pack.1 .0 as *const PackCell<i128>).cast()),
            at((&pack.1 .1 .0 as *const PackCell<f64>).cast()),
            at((&pack.1 .1 .1 .0 as *const PackCell<F80>).cast()),
            at((&pack.1 .1 .1 .1 .0 as *const PackCell<i32>).cast()),
        ];
        let ours: Vec<usize> = layout.iter().map(|&(o, _)| o as usize).collect();
        assert_eq!(ours, offsets);
        assert_eq!(layout.iter().map(|&(_, n)| n).collect::<Vec<_>>(), [4, 16, 8, 16, 4]);
    }
}
