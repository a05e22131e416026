//! Procedural macros of abi-bridge.
use proc_macro::TokenStream;
/// placeholder
#[proc_macro_derive(ForeignType, attributes(foreign_type))]
pub fn derive_foreign_type(_input: TokenStream) -> TokenStream { TokenStream::new() }
