//! `#[foreign_abi(conv, library = Name)]` on an `extern "C" { .. }` block.

mod args;
mod expand;

pub(crate) use args::ForeignAbiArgs;

use proc_macro2::TokenStream;

/// The code generated for `item` under `args`: every error of the block at
/// once, as compile errors spanned on the tokens at fault.
pub(crate) fn expand(args: ForeignAbiArgs, item: syn::ItemForeignMod) -> TokenStream {
    expand::expand(&args, item).unwrap_or_else(syn::Error::into_compile_error)
}
