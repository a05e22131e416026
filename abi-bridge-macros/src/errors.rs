//! All the mistakes found in one macro input, reported together so the user
//! fixes them in one round instead of one per build.

use quote::ToTokens;
use std::fmt::Display;

/// The errors found so far in one input.
#[derive(Default)]
pub(crate) struct Errors {
    all: Option<syn::Error>,
}

impl Errors {
    /// Records an error spanning `tokens` (from their first to their last
    /// token, so the whole offending type or attribute is underlined).
    pub(crate) fn error(&mut self, tokens: impl ToTokens, message: impl Display) {
        self.push(syn::Error::new_spanned(tokens, message));
    }

    /// Records an error already built, e.g. by a `syn` parser.
    pub(crate) fn push(&mut self, error: syn::Error) {
        match &mut self.all {
            Some(all) => all.combine(error),
            None => self.all = Some(error),
        }
    }

    /// `Ok` if nothing was recorded, else every error combined.
    pub(crate) fn finish(self) -> syn::Result<()> {
        self.all.map_or(Ok(()), Err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proc_macro2::Span;

    #[test]
    fn collects_every_error_in_order() {
        let mut errors = Errors::default();
        assert!(Errors::default().finish().is_ok());
        errors.push(syn::Error::new(Span::call_site(), "first"));
        errors.push(syn::Error::new(Span::call_site(), "second"));
        let messages: Vec<String> = errors.finish().unwrap_err().into_iter().map(|e| e.to_string()).collect();
        assert_eq!(messages, ["first", "second"]);
    }
}
