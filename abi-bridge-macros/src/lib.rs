//! Procedural macros of [abi-bridge](https://docs.rs/abi-bridge):
//! `#[derive(ForeignType)]` and `#[foreign_abi(..)]`.
//!
//! Use them through the `abi-bridge` crate, which re-exports both; the code
//! they generate names `::abi_bridge::__private`, so it only compiles in
//! crates that depend on `abi-bridge`.
//!
//! The entry points below stay thin. Each macro lives in its own module,
//! split the same way: reading the input (`parse`), enforcing the rules of
//! the C ABI (`check`), and generating code (`expand`). Every mistake becomes
//! a `syn::Error` spanned on the token at fault, and all mistakes of one input
//! are reported together.

mod derive;
mod errors;
mod foreign_abi;

use proc_macro::TokenStream;
use syn::parse_macro_input;

/// Describes a `#[repr(C)]` struct or union, a fieldless enum with an integer
/// `repr`, or a `#[repr(transparent)]` newtype for foreign calls, by
/// implementing `abi_bridge::ForeignType`.
///
/// The derive computes the C layout of the type from its fields' own
/// descriptions and asserts at compile time that rustc laid the type out
/// identically (size, alignment, and every field's offset). `#[repr(C,
/// packed)]`, `#[repr(C, packed(N))]` and `#[repr(C, align(N))]` are laid out
/// as gcc's `__attribute__((packed))`, `#pragma pack(N)` and
/// `__attribute__((aligned(N)))`; `i128` and `u128` fields as `__int128`.
/// Types that C cannot express are compile errors: structs without
/// `#[repr(C)]`, `packed` together with `align`, zero-sized structs, and
/// enums that carry data.
///
/// An optional `#[foreign_type(expect(win64 = "..", sysv64 = ".."))]` states
/// how each convention passes the type; the build fails if it does not. win64
/// classes are `"integer"`, `"sse"` and `"by-ref"`; sysv64 classes are
/// `"memory"` (also for a packed struct with a field off its alignment), or
/// one or two eightbyte classes such as `"integer"` or `"sse, integer"`.
///
/// (Runnable examples live in the `abi-bridge` crate's documentation and in
/// `tests/ui/pass/`: a proc-macro crate cannot run its own macros in doctests.)
///
/// ```text
/// #[derive(Clone, Copy, ForeignType)]
/// #[repr(C)]
/// #[foreign_type(expect(win64 = "by-ref", sysv64 = "sse, sse"))]
/// struct Vec2 { x: f64, y: f64 }
/// ```
#[proc_macro_derive(ForeignType, attributes(foreign_type))]
pub fn derive_foreign_type(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as syn::DeriveInput);
    derive::derive(&input).into()
}

/// Makes the functions of an `extern "C" { .. }` block callable although they
/// were compiled for another calling convention: `#[foreign_abi(win64)]`,
/// `#[foreign_abi(sysv64)]` or `#[foreign_abi(efiapi)]`, optionally followed by
/// `library = Name` to load them from a shared object at run time, or
/// `symbols = [vis] name` to also get the linked symbols' raw addresses.
///
/// Write the block as `extern "C"`; the convention in the attribute is the
/// one the foreign code uses. (Runnable examples are on this macro's page in
/// the `abi-bridge` crate, which re-exports it.)
///
/// - Without `library`: each declaration becomes an `unsafe fn` with the same
///   name, visibility, attributes and docs, calling the symbol the linker
///   resolves (`#[link_name = ".."]` is honoured; the block's `#[link(..)]`
///   goes on the symbol declarations). The first call of any function of the
///   block generates the code of all of them, together; every later call is
///   one load and one indirect call.
/// - With `symbols = name`: a module `name` with one function per declaration
///   returning the symbol's raw address (to build a `Thunk`, or hand it on).
/// - With `library = Name`: a `pub struct Name` with `unsafe fn load(path)`
///   (opens the shared object, resolves every declared symbol and generates
///   every thunk up front, so a missing symbol is an `Error::MissingSymbol`
///   naming it and the library), `unsafe fn from_library(libloading::Library)`,
///   `fn library()`, and one `unsafe fn` method per declaration.
///   `#[optional]` on a declaration makes a missing symbol harmless: its method
///   returns `Option<R>` and `has_<name>()` says whether it exists.
/// - `#[cfg(..)]` on a declaration removes every piece of it (a compiled-out
///   declaration's symbol is never required).
///
/// How each argument crosses is decided by its *type*, through
/// `abi_bridge::__private::ForeignParam`, so type aliases behave as what they
/// stand for:
///
/// - a `ForeignType` passes as it is, except a function pointer of another
///   convention (`extern "C" fn(..)` handed to win64 code, `extern "win64"
///   fn(..)` handed to sysv64 code, or `Option` of one): it is replaced by a
///   thunk the foreign code can call with its own convention, made once per
///   function and kept for the process;
/// - `&Callback<F, C>` and `Option<&Callback<F, C>>` pass the callback's entry
///   (or null). A callback whose type names its convention (`Win64`,
///   `SysV64`) is checked at compile time; one made with a run-time `Conv` is
///   checked when called, and a mismatch panics before the foreign call.
///
/// Checked at compile time, each with a message on the type at fault: every
/// parameter and the return type can cross; no parameter is an array (C passes
/// pointers); a struct argument holds no function pointer of another
/// convention (the foreign code would call it with its own), nor does the
/// return value. Declarations take any number of parameters.
///
/// Calling a generated function is `unsafe`: the declaration must match what
/// the foreign code really is, and pointers passed must be valid for it.
#[proc_macro_attribute]
pub fn foreign_abi(args: TokenStream, item: TokenStream) -> TokenStream {
    let args = parse_macro_input!(args as foreign_abi::ForeignAbiArgs);
    let item = parse_macro_input!(item as syn::ItemForeignMod);
    foreign_abi::expand(args, item).into()
}
