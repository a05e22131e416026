//! What a value is: the description of every type that may cross a
//! calling-convention boundary, and the [`ForeignType`] trait that gives it.
//!
//! A [`TypeDesc`] is plain `'static` data, built in `const` context by the
//! `ForeignType` impls below and by `#[derive(ForeignType)]`, or at run time by
//! [`TypeDesc::new_struct`] and friends (which intern what they build, so equal
//! descriptions share one allocation for the life of the process).

use core::ffi::c_void;
use core::fmt;
use core::ptr::NonNull;

use crate::conv::Conv;
use crate::layout;

mod complex;
mod f80;
mod vector;

pub use complex::Complex;
pub(crate) use f80::rust_view;
pub use f80::F80;
pub(crate) use vector::{holds_vector256, VECTOR256_REASON};

/// The kind of a scalar value: what the calling conventions distinguish.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scalar {
    /// `int8_t` / `i8`.
    I8,
    /// `int16_t` / `i16`.
    I16,
    /// `int32_t` / `i32`.
    I32,
    /// `int64_t` / `i64` / `isize`.
    I64,
    /// `uint8_t` / `u8`.
    U8,
    /// `uint16_t` / `u16`.
    U16,
    /// `uint32_t` / `u32`.
    U32,
    /// `uint64_t` / `u64` / `usize`.
    U64,
    /// `__int128` / `i128`: 16 bytes aligned to 16 (psABI 3.1.2, and rustc
    /// since 1.77 on x86-64).
    I128,
    /// `unsigned __int128` / `u128`.
    U128,
    /// `_Bool` / `bool`: one byte holding 0 or 1.
    Bool,
    /// `float` / `f32`.
    F32,
    /// `double` / `f64`.
    F64,
    /// `long double` / [`F80`]: the x87 80-bit extended format in 16 bytes
    /// aligned to 16 (psABI 3.1.2; gcc's `ms_abi` and mingw lay it out the
    /// same), of which the first 10 carry the value.
    F80,
    /// A 128-bit SIMD vector: `__m128`, `__m128d` or `__m128i` (16 bytes
    /// aligned to 16; the conventions do not tell the element types apart).
    M128,
    /// A 256-bit AVX vector: `__m256`, `__m256d` or `__m256i` (32 bytes
    /// aligned to 32). Described so that a signature holding one is named
    /// and refused with a reason ([`Error::UnsupportedSignature`](crate::Error::UnsupportedSignature)
    /// at run time, a compile error in `#[foreign_abi]`); no plan or thunk
    /// moves one yet.
    M256,
    /// A data pointer.
    Pointer,
    /// A function pointer, and the convention its type says the function
    /// uses (`None` when the description does not say, e.g. one built at run
    /// time from a manifest). Foreign code calls a function pointer it
    /// receives with its own convention, so a pointer whose stated
    /// convention differs cannot cross to it unconverted.
    FnPointer(Option<Conv>),
}

impl Scalar {
    /// Size in bytes (equal to the alignment for every scalar on x86-64).
    pub const fn size(self) -> usize {
        match self {
            Scalar::I128 | Scalar::U128 => 16,
            Scalar::I8 | Scalar::U8 | Scalar::Bool => 1,
            Scalar::I16 | Scalar::U16 => 2,
            Scalar::I32 | Scalar::U32 | Scalar::F32 => 4,
            Scalar::I64 | Scalar::U64 | Scalar::F64 | Scalar::Pointer | Scalar::FnPointer(_) => 8,
            Scalar::F80 | Scalar::M128 => 16,
            Scalar::M256 => 32,
        }
    }

    /// `true` for `f32` and `f64`, which travel in vector registers (not
    /// `long double`, which never does).
    pub const fn is_float(self) -> bool {
        matches!(self, Scalar::F32 | Scalar::F64)
    }

    /// `true` for the signed integers.
    pub const fn is_signed(self) -> bool {
        matches!(self, Scalar::I8 | Scalar::I16 | Scalar::I32 | Scalar::I64 | Scalar::I128)
    }

    /// The C spelling of this scalar, used in plans and error messages.
    pub const fn c_name(self) -> &'static str {
        match self {
            Scalar::I8 => "int8_t",
            Scalar::I16 => "int16_t",
            Scalar::I32 => "int32_t",
            Scalar::I64 => "int64_t",
            Scalar::U8 => "uint8_t",
            Scalar::U16 => "uint16_t",
            Scalar::U32 => "uint32_t",
            Scalar::U64 => "uint64_t",
            Scalar::I128 => "__int128",
            Scalar::U128 => "unsigned __int128",
            Scalar::Bool => "bool",
            Scalar::F32 => "float",
            Scalar::F64 => "double",
            Scalar::F80 => "long double",
            Scalar::M128 => "__m128",
            Scalar::M256 => "__m256",
            Scalar::Pointer => "void *",
            Scalar::FnPointer(_) => "void (*)(void)",
        }
    }
}

/// The shape of a type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TypeKind {
    /// A scalar.
    Scalar(Scalar),
    /// A C `struct`: fields at increasing offsets.
    Struct(&'static [Field]),
    /// A C `union`: every field at offset 0.
    Union(&'static [Field]),
    /// A C array, only ever as a field of a struct or union (arrays never
    /// travel by value as arguments in C).
    Array {
        /// The element type.
        elem: &'static TypeDesc,
        /// The number of elements (at least one).
        len: usize,
    },
}

/// A field of a struct or union: its name, where it starts, and its type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Field {
    /// The field's name, for plans and messages.
    pub name: &'static str,
    /// Offset in bytes from the start of the enclosing aggregate.
    pub offset: usize,
    /// The field's type.
    pub ty: &'static TypeDesc,
}

/// Everything the calling conventions need to know about a type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TypeDesc {
    /// The type's name, for plans and messages.
    pub name: &'static str,
    /// Size in bytes, a multiple of `align`, never zero.
    pub size: usize,
    /// Alignment in bytes, a power of two.
    pub align: usize,
    /// The shape.
    pub kind: TypeKind,
}

impl TypeDesc {
    /// The description of a scalar of kind `scalar`, named `name`.
    pub const fn scalar(name: &'static str, scalar: Scalar) -> TypeDesc {
        TypeDesc { name, size: scalar.size(), align: scalar.size(), kind: TypeKind::Scalar(scalar) }
    }

    /// The description of the C array `elem[len]`, named `name`.
    pub const fn array(name: &'static str, elem: &'static TypeDesc, len: usize) -> TypeDesc {
        let (size, align) = layout::array(elem.size, elem.align, len);
        TypeDesc { name, size, align, kind: TypeKind::Array { elem, len } }
    }

    /// The same description under another name (used for `#[repr(transparent)]`
    /// newtypes and fieldless enums, which travel exactly as their inner type).
    pub const fn renamed(&self, name: &'static str) -> TypeDesc {
        TypeDesc { name, size: self.size, align: self.align, kind: self.kind }
    }

    /// The scalar kind, if this is a scalar.
    pub const fn as_scalar(&self) -> Option<Scalar> {
        match self.kind {
            TypeKind::Scalar(s) => Some(s),
            _ => None,
        }
    }

    /// `true` for structs, unions and arrays.
    pub const fn is_aggregate(&self) -> bool {
        !matches!(self.kind, TypeKind::Scalar(_))
    }

    /// Describes, at run time, a C struct with the given fields in order; the
    /// offsets, size and alignment follow C layout rules. Equal descriptions are
    /// interned, so building the same struct twice allocates once.
    ///
    /// ```
    /// use abi_bridge_runtime::{ForeignType, TypeDesc, TypeKind};
    ///
    /// // struct Sample { uint8_t channel; double value; uint16_t flags; }
    /// let sample = TypeDesc::new_struct("Sample", &[("channel", u8::DESC), ("value", f64::DESC), ("flags", u16::DESC)])?;
    /// assert_eq!((sample.size, sample.align), (24, 8));
    /// let TypeKind::Struct(fields) = sample.kind else { unreachable!() };
    /// let offsets: Vec<usize> = fields.iter().map(|f| f.offset).collect();
    /// assert_eq!(offsets, [0, 8, 16]);
    /// // Interned: the same description is the same allocation.
    /// let again = TypeDesc::new_struct("Sample", &[("channel", u8::DESC), ("value", f64::DESC), ("flags", u16::DESC)])?;
    /// assert!(core::ptr::eq(sample, again));
    /// # Ok::<(), abi_bridge_runtime::types::TypeError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`TypeError::Empty`] if `fields` is empty (C has no zero-sized structs).
    pub fn new_struct(name: &str, fields: &[(&str, &'static TypeDesc)]) -> Result<&'static TypeDesc, TypeError> {
        Self::new_record(name, fields, false, layout::RecordAttrs::C)
    }

    /// Describes, at run time, a packed C struct: as [`TypeDesc::new_struct`],
    /// with no field aligned past `max_field_align` (1 for
    /// `__attribute__((packed))` and `#[repr(C, packed)]`, N for
    /// `#pragma pack(N)` and `#[repr(C, packed(N))]`).
    ///
    /// ```
    /// use abi_bridge_runtime::{classify, Conv, ForeignType, Signature, TypeDesc};
    ///
    /// // struct __attribute__((packed)) Wire { char tag; int value; }
    /// let wire = TypeDesc::new_struct_packed("Wire", &[("tag", u8::DESC), ("value", i32::DESC)], 1)?;
    /// assert_eq!((wire.size, wire.align), (5, 1));
    /// // sysv64: an unaligned field makes it MEMORY; win64 goes by size.
    /// let sig = Signature::new(&[wire], None)?;
    /// assert_eq!(classify(Conv::SysV64, &sig).to_string(), "a0: [rsp+8; 5 bytes]  ret: void");
    /// assert_eq!(classify(Conv::Win64, &sig).to_string(), "a0: by-ref(rcx)  ret: void");
    /// # Ok::<(), abi_bridge_runtime::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`TypeError::Empty`] if `fields` is empty, [`TypeError::Alignment`] if
    /// `max_field_align` is not a power of two.
    pub fn new_struct_packed(
        name: &str,
        fields: &[(&str, &'static TypeDesc)],
        max_field_align: usize,
    ) -> Result<&'static TypeDesc, TypeError> {
        check_power_of_two(name, max_field_align)?;
        Self::new_record(name, fields, false, layout::RecordAttrs::packed(max_field_align))
    }

    /// Describes, at run time, a packed C union: as [`TypeDesc::new_union`],
    /// with no member aligned past `max_field_align` (so the union is aligned
    /// to at most that). See [`TypeDesc::new_struct_packed`].
    ///
    /// # Errors
    ///
    /// As [`TypeDesc::new_struct_packed`].
    pub fn new_union_packed(
        name: &str,
        fields: &[(&str, &'static TypeDesc)],
        max_field_align: usize,
    ) -> Result<&'static TypeDesc, TypeError> {
        check_power_of_two(name, max_field_align)?;
        Self::new_record(name, fields, true, layout::RecordAttrs::packed(max_field_align))
    }

    /// This struct or union aligned to at least `align`
    /// (`__attribute__((aligned(N)))`, `#[repr(C, align(N))]`): its size
    /// rounds up to the new alignment, no field moves.
    ///
    /// ```
    /// use abi_bridge_runtime::{ForeignType, TypeDesc};
    ///
    /// let pair = TypeDesc::new_struct("Pair", &[("a", i64::DESC), ("b", i64::DESC)])?;
    /// let wide = pair.with_align(32)?;
    /// assert_eq!((wide.size, wide.align), (32, 32));
    /// # Ok::<(), abi_bridge_runtime::types::TypeError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`TypeError::Alignment`] if `align` is not a power of two, or if this
    /// is not a struct or union.
    pub fn with_align(&'static self, align: usize) -> Result<&'static TypeDesc, TypeError> {
        check_power_of_two(self.name, align)?;
        if !matches!(self.kind, TypeKind::Struct(_) | TypeKind::Union(_)) {
            return Err(TypeError::Alignment { name: self.name.to_owned(), align });
        }
        let align = align.max(self.align);
        let size = layout::align_up(self.size, align);
        Ok(intern::desc(TypeDesc { size, align, ..*self }))
    }

    /// Describes, at run time, a C union of the given fields. See
    /// [`TypeDesc::new_struct`].
    ///
    /// # Errors
    ///
    /// [`TypeError::Empty`] if `fields` is empty.
    pub fn new_union(name: &str, fields: &[(&str, &'static TypeDesc)]) -> Result<&'static TypeDesc, TypeError> {
        Self::new_record(name, fields, true, layout::RecordAttrs::C)
    }

    /// Describes, at run time, a C array `elem[len]`, for use as a field.
    ///
    /// # Errors
    ///
    /// [`TypeError::Empty`] if `len` is zero.
    pub fn new_array(elem: &'static TypeDesc, len: usize) -> Result<&'static TypeDesc, TypeError> {
        if len == 0 {
            return Err(TypeError::Empty { name: format!("{}[0]", elem.name) });
        }
        let name = intern::string(&format!("{}[{len}]", elem.name));
        Ok(intern::desc(TypeDesc::array(name, elem, len)))
    }

    fn new_record(
        name: &str,
        fields: &[(&str, &'static TypeDesc)],
        union: bool,
        attrs: layout::RecordAttrs,
    ) -> Result<&'static TypeDesc, TypeError> {
        if fields.is_empty() {
            return Err(TypeError::Empty { name: name.to_owned() });
        }
        let mut placed = Vec::with_capacity(fields.len());
        let mut record = layout::RecordLayout::with_attrs(union, attrs);
        for &(field_name, ty) in fields {
            let offset = record.place(ty.size, ty.align);
            placed.push(Field { name: intern::string(field_name), offset, ty });
        }
        let fields = intern::fields(placed);
        let name = intern::string(name);
        let kind = if union { TypeKind::Union(fields) } else { TypeKind::Struct(fields) };
        Ok(intern::desc(TypeDesc { name, size: record.size(), align: record.align(), kind }))
    }

    /// Calls `visit(offset, scalar)` for every scalar inside this type, at its
    /// offset from `base`, in increasing field order (union members overlap).
    pub fn for_each_scalar(&self, base: usize, visit: &mut impl FnMut(usize, Scalar)) {
        match self.kind {
            TypeKind::Scalar(s) => visit(base, s),
            TypeKind::Struct(fields) | TypeKind::Union(fields) => {
                for field in fields {
                    field.ty.for_each_scalar(base + field.offset, visit);
                }
            }
            TypeKind::Array { elem, len } => {
                for i in 0..len {
                    elem.for_each_scalar(base + i * elem.size, visit);
                }
            }
        }
    }
}

/// Shallow on purpose: name, size, alignment and shape, not every nested
/// field, so that looking up thunk caches stays cheap. Equal descriptions
/// still hash equally; unequal ones that collide are told apart by the deep
/// `Eq`.
impl core::hash::Hash for TypeDesc {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        let shape = match self.kind {
            TypeKind::Scalar(s) => s.size() as u64 | u64::from(s.is_float()) << 4 | u64::from(s.is_signed()) << 5,
            TypeKind::Struct(fields) => 0x100 | fields.len() as u64,
            TypeKind::Union(fields) => 0x200 | fields.len() as u64,
            TypeKind::Array { len, .. } => 0x300 | len as u64,
        };
        state.write(self.name.as_bytes());
        state.write_u64((self.size as u64) << 32 ^ (self.align as u64) << 24 ^ shape);
    }
}

/// The type a value of type `ty` travels as when it is a variadic argument:
/// C's default argument promotions (C17 6.5.2.2p6-7) turn `float` into
/// `double` and every integer narrower than `int` (`_Bool`, `char`,
/// `short`, signed or not) into `int`, because `int` can hold all of their
/// values (6.3.1.1p2). Every other type travels as itself.
pub const fn promoted(ty: &'static TypeDesc) -> &'static TypeDesc {
    match ty.kind {
        TypeKind::Scalar(Scalar::F32) => <f64 as ForeignType>::DESC,
        TypeKind::Scalar(Scalar::I8 | Scalar::I16 | Scalar::U8 | Scalar::U16 | Scalar::Bool) => {
            <i32 as ForeignType>::DESC
        }
        _ => ty,
    }
}

impl fmt::Display for TypeDesc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

/// `Ok` if `align` is a power of two, as every C alignment is.
fn check_power_of_two(name: &str, align: usize) -> Result<(), TypeError> {
    if align.is_power_of_two() {
        Ok(())
    } else {
        Err(TypeError::Alignment { name: name.to_owned(), align })
    }
}

/// A run-time type description that C cannot express.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TypeError {
    /// A packing or alignment that is not a power of two, or an alignment
    /// asked of a type that is not a struct or union.
    #[error(
        "`{name}` cannot be packed or aligned to {align}: C alignments are powers of two, set on structs and unions"
    )]
    Alignment {
        /// The type's name.
        name: String,
        /// The alignment asked for.
        align: usize,
    },
    /// A struct or union without fields, or an array of length zero.
    #[error("`{name}` has no fields; C has no zero-sized types, so it cannot cross a foreign ABI boundary")]
    Empty {
        /// The type's name.
        name: String,
    },
}

/// Interning of run-time descriptions: each distinct one is leaked once.
mod intern {
    use std::collections::HashSet;
    use std::sync::{Mutex, PoisonError};

    use super::{Field, TypeDesc};

    static DESCS: Mutex<Option<HashSet<&'static TypeDesc>>> = Mutex::new(None);
    static FIELDS: Mutex<Option<HashSet<&'static [Field]>>> = Mutex::new(None);
    static STRINGS: Mutex<Option<HashSet<&'static str>>> = Mutex::new(None);

    fn intern<T: ?Sized + Eq + core::hash::Hash + 'static>(
        set: &Mutex<Option<HashSet<&'static T>>>,
        value: &T,
        leak: impl FnOnce() -> &'static T,
    ) -> &'static T {
        let mut set = set.lock().unwrap_or_else(PoisonError::into_inner);
        let set = set.get_or_insert_with(HashSet::new);
        if let Some(existing) = set.get(value) {
            return existing;
        }
        let leaked = leak();
        set.insert(leaked);
        leaked
    }

    pub(super) fn desc(desc: TypeDesc) -> &'static TypeDesc {
        intern(&DESCS, &desc, || Box::leak(Box::new(desc)))
    }

    pub(super) fn fields(fields: Vec<Field>) -> &'static [Field] {
        intern(&FIELDS, &fields[..], || Box::leak(fields.clone().into_boxed_slice()))
    }

    pub(super) fn string(s: &str) -> &'static str {
        intern(&STRINGS, s, || Box::leak(s.to_owned().into_boxed_str()))
    }
}

/// A Rust type that may cross a foreign calling-convention boundary, with its
/// exact C description.
///
/// Implemented here for the integers (`i128` and `u128` included), `bool`,
/// `f32`, `f64`, [`Complex<f32>`] and [`Complex<f64>`] (`_Complex
/// float`/`double`), [`F80`] (`long double`), `core::arch::x86_64`'s
/// `__m128`, `__m128d` and `__m128i` (and `__m256`, `__m256d` and `__m256i`,
/// described but refused in signatures until thunks move them), raw
/// pointers, references and `NonNull` (and `Option` of those three) to a
/// [`ForeignPointee`], C-ABI function pointers (`extern "C"`, `extern "win64"`,
/// `extern "efiapi"`, `extern "sysv64"`, safe or `unsafe`) whose arguments
/// are `ForeignType`s, and `Option` of them, and arrays (as struct fields).
/// Derive it with `#[derive(ForeignType)]` for `#[repr(C)]` structs and unions,
/// fieldless enums with an integer `repr`, and `#[repr(transparent)]`
/// newtypes; the derive checks at compile time that rustc's layout matches C's.
///
/// # Safety
///
/// `DESC` must describe `Self` exactly: its size, alignment, and the type and
/// offset of every field. Thunks move values by that description; a wrong one
/// makes them read or write the wrong bytes. Prefer the derive, which checks it.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot cross a foreign ABI boundary",
    label = "not a `ForeignType`",
    note = "only C-compatible types can be passed to or from foreign code: integers up to 64 bits, bool, f32, f64, raw pointers, `Option<&T>`, `extern \"C\"` fn pointers, and `#[repr(C)]` types with `#[derive(ForeignType)]`",
    note = "for strings pass `*const c_char` (e.g. from `CString::as_ptr`); for buffers pass `*const u8` and a length; for closures use `abi_bridge::Callback`, made for the foreign function's convention"
)]
pub unsafe trait ForeignType: Sized {
    /// The exact C description of `Self`.
    const DESC: &'static TypeDesc;

    /// `self` made fit for code of convention `conv` to use: the identity,
    /// except for a function pointer of another convention, which becomes a
    /// thunk that `conv` code can call (cached for the process). What
    /// `#[foreign_abi]` applies to each argument.
    ///
    /// # Panics
    ///
    /// If the thunk cannot be made: the system refuses executable memory, or
    /// the pointer's own signature cannot cross (see [`crate::Thunk::new`]).
    #[doc(hidden)]
    fn __for_conv(self, conv: Conv) -> Self {
        let _ = conv;
        self
    }
}

/// A type that a reference or `NonNull` handed to foreign code may point at:
/// every [`ForeignType`], and `c_void`. Implement it for an opaque handle type
/// that C code only ever sees through pointers (`struct Opaque { _p: [u8; 0] }`).
///
/// It exists so that a reference to a Rust value C cannot read (a `String`,
/// an [`abi_bridge::Callback`](crate::Callback)) is a compile error rather
/// than a pointer to the wrong thing: pass a callback itself (`&Callback<..>`
/// as a `#[foreign_abi]` argument) or its [`entry`](crate::Callback::entry).
#[diagnostic::on_unimplemented(
    message = "foreign code cannot be handed a pointer to `{Self}`",
    label = "`{Self}` is not a `ForeignPointee`",
    note = "references passed to foreign code must point at a `ForeignType` (or `c_void`); for an opaque handle type, `impl abi_bridge::ForeignPointee for {Self} {{}}`"
)]
pub trait ForeignPointee {}

impl<T: ForeignType> ForeignPointee for T {}
impl ForeignPointee for c_void {}

macro_rules! scalar_impls {
    ($($t:ty => $s:ident),* $(,)?) => {$(
        // SAFETY: the description matches the primitive's x86-64 size, alignment and kind.
        unsafe impl ForeignType for $t {
            const DESC: &'static TypeDesc = &TypeDesc::scalar(stringify!($t), Scalar::$s);
        }
    )*};
}

scalar_impls! {
    i8 => I8, i16 => I16, i32 => I32, i64 => I64, isize => I64,
    u8 => U8, u16 => U16, u32 => U32, u64 => U64, usize => U64,
    i128 => I128, u128 => U128,
    bool => Bool, f32 => F32, f64 => F64,
}

const POINTER: TypeDesc = TypeDesc::scalar("pointer", Scalar::Pointer);

// SAFETY: thin raw pointers are one 8-byte pointer on x86-64.
unsafe impl<T> ForeignType for *const T {
    const DESC: &'static TypeDesc = &POINTER;
}
// SAFETY: as for `*const T`.
unsafe impl<T> ForeignType for *mut T {
    const DESC: &'static TypeDesc = &POINTER;
}

/// References and `NonNull`, and `Option` of them (null for `None`): one
/// 8-byte pointer each, to a type foreign code may be handed.
macro_rules! pointee_pointer_impls {
    ($($ptr:ty),* $(,)?) => {$(
        // SAFETY: a reference or `NonNull` to a sized type is one 8-byte
        // pointer, and `Option` of one uses null for `None`.
        unsafe impl<T: ForeignPointee> ForeignType for $ptr {
            const DESC: &'static TypeDesc = &POINTER;
        }
    )*};
}

pointee_pointer_impls!(&T, &mut T, NonNull<T>, Option<&T>, Option<&mut T>, Option<NonNull<T>>);

impl TypeDesc {
    /// The description of a function pointer whose type says it uses `conv`
    /// (`None`: not stated).
    pub const fn fn_pointer(conv: Option<Conv>) -> &'static TypeDesc {
        const UNSTATED: TypeDesc = TypeDesc::scalar("fn pointer", Scalar::FnPointer(None));
        const SYSV64: TypeDesc = TypeDesc::scalar("extern \"sysv64\" fn", Scalar::FnPointer(Some(Conv::SysV64)));
        const WIN64: TypeDesc = TypeDesc::scalar("extern \"win64\" fn", Scalar::FnPointer(Some(Conv::Win64)));
        match conv {
            None => &UNSTATED,
            Some(Conv::SysV64) => &SYSV64,
            Some(Conv::Win64) => &WIN64,
        }
    }

    /// The convention stated by the first function pointer inside this type
    /// (itself, a field, or an element, at any depth) whose stated convention
    /// is not `conv`: such a value cannot be handed to `conv` code as it is,
    /// because that code would call the pointer with the wrong convention.
    pub const fn fn_pointer_not_of(&self, conv: Conv) -> Option<Conv> {
        match self.kind {
            TypeKind::Scalar(Scalar::FnPointer(Some(stated))) => {
                if stated as u8 == conv as u8 {
                    None
                } else {
                    Some(stated)
                }
            }
            TypeKind::Scalar(_) => None,
            TypeKind::Struct(fields) | TypeKind::Union(fields) => {
                let mut i = 0;
                while i < fields.len() {
                    if let Some(stated) = fields[i].ty.fn_pointer_not_of(conv) {
                        return Some(stated);
                    }
                    i += 1;
                }
                None
            }
            TypeKind::Array { elem, .. } => elem.fn_pointer_not_of(conv),
        }
    }
}

/// Implements `ForeignType` for function pointers of every arity, with the
/// convention each ABI string means on x86-64.
macro_rules! fn_pointer_impls {
    ($($arg:ident)*) => {
        fn_pointer_impls!(@abi "C" [Conv::HOST] $($arg)*);
        fn_pointer_impls!(@abi "win64" [Conv::Win64] $($arg)*);
        fn_pointer_impls!(@abi "efiapi" [Conv::Win64] $($arg)*);
        fn_pointer_impls!(@abi "sysv64" [Conv::SysV64] $($arg)*);
    };
    (@abi $abi:literal [$conv:expr] $($arg:ident)*) => {
        fn_pointer_impls!(@one [extern $abi fn($($arg),*) -> R] [$conv] $($arg)*);
        fn_pointer_impls!(@one [unsafe extern $abi fn($($arg),*) -> R] [$conv] $($arg)*);
    };
    (@one [$f:ty] [$conv:expr] $($arg:ident)*) => {
        // SAFETY: a function pointer is one 8-byte code address.
        unsafe impl<R: ForeignReturn, $($arg: ForeignType),*> ForeignType for $f {
            const DESC: &'static TypeDesc = TypeDesc::fn_pointer(Some($conv));

            fn __for_conv(self, conv: Conv) -> Self {
                let entry = crate::fn_pointer::callable_by::<$f>(conv, $conv, self as *const c_void);
                // SAFETY: `entry` is a code address callable with this signature
                // (by `conv` code); a function pointer may hold any non-null one.
                unsafe { core::mem::transmute::<*const c_void, $f>(entry) }
            }
        }
        // SAFETY: `Option<fn>` uses null for `None`, so it is one code address too.
        unsafe impl<R: ForeignReturn, $($arg: ForeignType),*> ForeignType for Option<$f> {
            const DESC: &'static TypeDesc = TypeDesc::fn_pointer(Some($conv));

            fn __for_conv(self, conv: Conv) -> Self {
                self.map(|f| f.__for_conv(conv))
            }
        }
    };
}

for_each_arity!(fn_pointer_impls);

// SAFETY: `[T; N]` is `N` elements of `T` at stride `size_of::<T>()`, which
// C lays out the same way; `N == 0` is rejected at compile time.
unsafe impl<T: ForeignType, const N: usize> ForeignType for [T; N] {
    const DESC: &'static TypeDesc = &{
        assert!(N > 0, "zero-length arrays cannot cross a foreign ABI boundary: C has no zero-sized types");
        TypeDesc::array("array", T::DESC, N)
    };
}

/// A type that may be returned from a foreign function: `()` or any
/// [`ForeignType`].
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned across a foreign ABI boundary",
    label = "not `()` or a `ForeignType`",
    note = "foreign functions return `()`, integers up to 64 bits, bool, f32, f64, raw pointers, `extern \"C\"` fn pointers, or `#[repr(C)]` types with `#[derive(ForeignType)]`; return owned Rust data through an out-pointer argument instead"
)]
pub trait ForeignReturn {
    /// The description of the returned value, `None` for `()`.
    const RETURN_DESC: Option<&'static TypeDesc>;
}

impl ForeignReturn for () {
    const RETURN_DESC: Option<&'static TypeDesc> = None;
}

impl<T: ForeignType> ForeignReturn for T {
    const RETURN_DESC: Option<&'static TypeDesc> = Some(<T as ForeignType>::DESC);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_time_structs_are_interned_and_laid_out() {
        let a = TypeDesc::new_struct("CharDouble", &[("c", u8::DESC), ("d", f64::DESC)]).unwrap();
        let b = TypeDesc::new_struct("CharDouble", &[("c", u8::DESC), ("d", f64::DESC)]).unwrap();
        assert!(core::ptr::eq(a, b));
        assert_eq!((a.size, a.align), (16, 8));
        assert_eq!(
            a.kind,
            TypeKind::Struct(&[
                Field { name: "c", offset: 0, ty: u8::DESC },
                Field { name: "d", offset: 8, ty: f64::DESC },
            ])
        );
        assert!(TypeDesc::new_struct("Empty", &[]).is_err());
    }

    #[test]
    fn run_time_structs_may_be_packed_and_over_aligned() {
        let fields = [("c", u8::DESC), ("i", i32::DESC)];
        let packed = TypeDesc::new_struct_packed("P", &fields, 1).unwrap();
        assert_eq!((packed.size, packed.align), (5, 1));
        let TypeKind::Struct(placed) = packed.kind else { panic!("a struct") };
        assert_eq!(placed[1].offset, 1);
        let union = TypeDesc::new_union_packed("U", &[("d", f64::DESC), ("c", <[u8; 9]>::DESC)], 2).unwrap();
        assert_eq!((union.size, union.align), (10, 2));
        let pack2 = TypeDesc::new_struct_packed("P2", &fields, 2).unwrap();
        assert_eq!((pack2.size, pack2.align), (6, 2));
        let wide = TypeDesc::new_struct("A", &fields).unwrap().with_align(32).unwrap();
        assert_eq!((wide.size, wide.align), (32, 32));
        assert!(TypeDesc::new_struct_packed("P3", &fields, 3).is_err());
        assert!(wide.with_align(24).is_err());
        assert!(i32::DESC.with_align(16).is_err());
    }

    #[test]
    fn arrays_are_described_by_c_layout() {
        let a = <[u16; 3]>::DESC;
        assert_eq!((a.size, a.align), (6, 2));
        let r = TypeDesc::new_array(a, 2).unwrap();
        assert_eq!((r.size, r.align, r.name), (12, 2, "array[2]"));
        assert!(TypeDesc::new_array(a, 0).is_err());
    }
}
