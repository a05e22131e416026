//! `#[foreign_abi(conv, library = Name)]` on an `extern "C" { .. }` block,
//! split as the derive is: reading the attribute (`args`) and the block
//! (`parse`), enforcing the rules that syntax can judge (`check`), and
//! generating code (`expand`). All mistakes of one block are collected and
//! reported together.

mod args;
mod check;
mod expand;
mod parse;

pub(crate) use args::ForeignAbiArgs;

use proc_macro2::TokenStream;

use crate::errors::Errors;

/// The code generated for `item` under `args`, or every error of the block
/// at once, as compile errors spanned on the tokens at fault.
pub(crate) fn expand(args: ForeignAbiArgs, item: syn::ItemForeignMod) -> TokenStream {
    let mut errors = Errors::default();
    let block = parse::block(item, &mut errors);
    check::block(&args, &block, &mut errors);
    match errors.finish() {
        Ok(()) => expand::expand(&args, &block),
        Err(e) => e.into_compile_error(),
    }
}
