//! The arguments of `#[foreign_abi(..)]`: a calling convention, then
//! optionally `library = Name`.

use proc_macro2::Span;
use syn::parse::{Parse, ParseStream};
use syn::{Ident, Token};

use crate::errors::Errors;

/// A calling convention the foreign functions were compiled for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Conv {
    /// `sysv64`.
    SysV64,
    /// `win64`, also spelled `efiapi` (UEFI uses the Microsoft x64 convention).
    Win64,
}

impl Conv {
    /// The names the macro accepts, as `abi_bridge::Conv::NAMES` lists them.
    pub(crate) const NAMES: [&'static str; 3] = ["sysv64", "win64", "efiapi"];

    /// The canonical name, for generated docs.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Conv::SysV64 => "sysv64",
            Conv::Win64 => "win64",
        }
    }

    /// Parses a convention name; `efiapi` is win64.
    pub(crate) fn from_name(name: &str) -> Option<Conv> {
        match name {
            "sysv64" => Some(Conv::SysV64),
            "win64" | "efiapi" => Some(Conv::Win64),
            _ => None,
        }
    }
}

/// `#[foreign_abi(conv)]` or `#[foreign_abi(conv, library = Name)]`.
#[derive(Debug)]
pub(crate) struct ForeignAbiArgs {
    /// The convention of the foreign functions.
    pub(crate) conv: Conv,
    /// Where the convention was named, for errors about it.
    pub(crate) conv_span: Span,
    /// With `library = Name`: the type to generate, which loads the functions
    /// from a shared object at run time. Without: the linker resolves them.
    pub(crate) library: Option<Ident>,
    /// With `symbols = [vis] name`: a module of functions returning each
    /// linked symbol's raw address.
    pub(crate) symbols: Option<Symbols>,
}

/// `symbols = pub(crate) name`.
#[derive(Debug)]
pub(crate) struct Symbols {
    pub(crate) vis: syn::Visibility,
    pub(crate) name: Ident,
}

/// "`sysv64`, `win64`, `efiapi`", for messages.
fn accepted_convs() -> String {
    Conv::NAMES.map(|n| format!("`{n}`")).join(", ")
}

impl Parse for ForeignAbiArgs {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        if input.is_empty() {
            return Err(input.error(format!(
                "`#[foreign_abi]` needs the calling convention the functions were compiled for: one of {}",
                accepted_convs()
            )));
        }
        let conv_ident = input.step(|cursor| match cursor.ident() {
            Some((ident, rest)) => Ok((ident, rest)),
            None => Err(syn::Error::new(
                cursor.span(),
                format!("expected a calling convention: one of {}", accepted_convs()),
            )),
        })?;
        let mut errors = Errors::default();
        let conv = Conv::from_name(&conv_ident.to_string());
        if conv.is_none() {
            errors.error(
                &conv_ident,
                format!("unknown calling convention `{conv_ident}`: expected one of {}", accepted_convs()),
            );
        }

        let mut library = None;
        let mut symbols = None;
        while !input.is_empty() {
            input.parse::<Token![,]>()?;
            if input.is_empty() {
                break; // a trailing comma
            }
            let key: Ident = input.parse()?;
            if key == "symbols" {
                input.parse::<Token![=]>()?;
                let vis: syn::Visibility = input.parse()?;
                let name: Ident = input.parse()?;
                if symbols.is_some() {
                    errors.error(&key, "`symbols` is given twice");
                }
                symbols = Some(Symbols { vis, name });
                continue;
            }
            if key != "library" {
                errors.error(
                    &key,
                    format!("unknown `#[foreign_abi]` argument `{key}`: expected `library = Name` or `symbols = name`"),
                );
                // Skip the value so the remaining arguments are still checked.
                while !input.is_empty() && !input.peek(Token![,]) {
                    input.parse::<proc_macro2::TokenTree>()?;
                }
                continue;
            }
            input.parse::<Token![=]>()?;
            let name: Ident = input.parse()?;
            if library.is_some() {
                errors.error(&key, "`library` is given twice");
            }
            library = Some(name);
        }

        errors.finish()?;
        Ok(ForeignAbiArgs {
            conv: conv.expect("an unknown convention is an error above"),
            conv_span: conv_ident.span(),
            library,
            symbols,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(tokens: &str) -> syn::Result<ForeignAbiArgs> {
        syn::parse_str(tokens)
    }

    fn messages(tokens: &str) -> Vec<String> {
        parse(tokens).unwrap_err().into_iter().map(|e| e.to_string()).collect()
    }

    #[test]
    fn accepts_each_convention_and_a_library() {
        assert_eq!(parse("sysv64").unwrap().conv, Conv::SysV64);
        assert_eq!(parse("win64").unwrap().conv, Conv::Win64);
        assert_eq!(parse("efiapi").unwrap().conv, Conv::Win64);
        let args = parse("win64, library = MathPlugin").unwrap();
        assert_eq!(args.library.unwrap(), "MathPlugin");
        assert!(parse("win64,").unwrap().library.is_none());
    }

    #[test]
    fn an_unknown_convention_lists_the_accepted_ones() {
        assert_eq!(
            messages("stdcall"),
            ["unknown calling convention `stdcall`: expected one of `sysv64`, `win64`, `efiapi`"]
        );
        assert_eq!(messages("\"win64\""), ["expected a calling convention: one of `sysv64`, `win64`, `efiapi`"]);
    }

    #[test]
    fn every_mistake_is_reported_at_once() {
        assert_eq!(
            messages("fastcall, libary = X, library = A, library = B"),
            [
                "unknown calling convention `fastcall`: expected one of `sysv64`, `win64`, `efiapi`",
                "unknown `#[foreign_abi]` argument `libary`: expected `library = Name` or `symbols = name`",
                "`library` is given twice",
            ]
        );
    }
}
