//! Reading a `#[derive(ForeignType)]` input: its shape, its `#[repr(..)]`
//! attributes and its `#[foreign_type(..)]` expectations, before any rule of
//! the C ABI is checked.

use proc_macro2::TokenStream;
use quote::{quote, ToTokens};
use syn::meta::ParseNestedMeta;
use syn::punctuated::Punctuated;
use syn::{Attribute, Data, DeriveInput, Fields, FieldsNamed, Generics, Ident, LitStr, Token, Variant};

use super::expect::ExpectConv;
use crate::errors::Errors;

/// The parts of a derive input that the checks and the expansion read.
pub(crate) struct Input<'a> {
    /// The type's name.
    pub(crate) ident: &'a Ident,
    /// Its generic parameters, as written.
    pub(crate) generics: &'a Generics,
    /// Its fields or variants.
    pub(crate) body: Body<'a>,
    /// Every item of every `#[repr(..)]`, in order.
    pub(crate) reprs: Vec<Repr>,
    /// Every `expect(..)` entry of `#[foreign_type(..)]`, in order.
    pub(crate) expects: Vec<Expect>,
}

/// The fields or variants of the input.
pub(crate) enum Body<'a> {
    /// A struct with named, tuple or no fields.
    Struct(&'a Fields),
    /// A union (always named fields).
    Union(&'a FieldsNamed),
    /// An enum.
    Enum(&'a Punctuated<Variant, Token![,]>),
}

/// One item of a `#[repr(..)]` attribute, such as `C` or `packed(2)`.
pub(crate) struct Repr {
    /// What the item asks for.
    pub(crate) kind: ReprKind,
    /// The item's tokens, for errors that point at it.
    pub(crate) tokens: TokenStream,
}

/// The `repr` items that matter to the C ABI.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ReprKind {
    /// `C`.
    C,
    /// `transparent`.
    Transparent,
    /// `Rust`.
    Rust,
    /// `u8`, `i32`, ..., `u128`: an enum's discriminant type.
    Int(Ident),
    /// `packed` (`N = 1`) or `packed(N)`: no field aligned past `N`.
    Packed(usize),
    /// `align(N)`: the record aligned to at least `N`.
    Align(usize),
    /// Anything else; rustc judges it.
    Other,
}

/// `win64 = ".."` or `sysv64 = ".."` inside `#[foreign_type(expect(..))]`.
pub(crate) struct Expect {
    /// The convention the expectation is about.
    pub(crate) conv: ExpectConv,
    /// The expected class, as an index into `conv.classes()`.
    pub(crate) class: usize,
    /// The string the user wrote, which errors point at.
    pub(crate) lit: LitStr,
}

impl Input<'_> {
    /// The input as a concrete type, if it has one: `Name`, or `Name<'static>`
    /// when its only parameters are lifetimes (which do not change a layout).
    /// Types with type or const parameters have no `DESC` until instantiated.
    pub(crate) fn concrete_type(&self) -> Option<TokenStream> {
        let ident = self.ident;
        if self.generics.type_params().next().is_some() || self.generics.const_params().next().is_some() {
            return None;
        }
        let lifetimes = self.generics.lifetimes().map(|_| quote!('static));
        Some(if self.generics.params.is_empty() { quote!(#ident) } else { quote!(#ident<#(#lifetimes),*>) })
    }
}

const INT_REPRS: [&str; 12] = ["u8", "i8", "u16", "i16", "u32", "i32", "u64", "i64", "usize", "isize", "u128", "i128"];

/// Reads `input`, recording malformed attributes in `errors`.
pub(crate) fn input<'a>(input: &'a DeriveInput, errors: &mut Errors) -> Input<'a> {
    let body = match &input.data {
        Data::Struct(data) => Body::Struct(&data.fields),
        Data::Union(data) => Body::Union(&data.fields),
        Data::Enum(data) => Body::Enum(&data.variants),
    };
    let mut reprs = Vec::new();
    let mut expects = Vec::new();
    for attr in &input.attrs {
        if attr.path().is_ident("repr") {
            if let Err(e) = repr(attr, &mut reprs) {
                errors.push(e);
            }
        } else if attr.path().is_ident("foreign_type") {
            foreign_type(attr, &mut expects, errors);
        }
    }
    Input { ident: &input.ident, generics: &input.generics, body, reprs, expects }
}

fn repr(attr: &Attribute, reprs: &mut Vec<Repr>) -> syn::Result<()> {
    attr.parse_nested_meta(|meta| {
        let mut tokens = meta.path.to_token_stream();
        // The `N` of `packed(N)` and `align(N)`; rustc reports malformed ones.
        let mut number = None;
        if meta.input.peek(syn::token::Paren) {
            let group = meta.input.parse::<proc_macro2::Group>()?;
            number = syn::parse2::<syn::LitInt>(group.stream()).ok().and_then(|n| n.base10_parse::<usize>().ok());
            tokens.extend(group.into_token_stream());
        }
        let kind = match meta.path.get_ident() {
            Some(ident) if ident == "C" => ReprKind::C,
            Some(ident) if ident == "transparent" => ReprKind::Transparent,
            Some(ident) if ident == "Rust" => ReprKind::Rust,
            Some(ident) if ident == "packed" && tokens.to_string() == "packed" => ReprKind::Packed(1),
            Some(ident) if ident == "packed" => number.map_or(ReprKind::Other, ReprKind::Packed),
            Some(ident) if ident == "align" => number.map_or(ReprKind::Other, ReprKind::Align),
            Some(ident) if INT_REPRS.iter().any(|int| ident == int) => ReprKind::Int(ident.clone()),
            _ => ReprKind::Other,
        };
        reprs.push(Repr { kind, tokens });
        Ok(())
    })
}

/// `#[foreign_type(expect(win64 = "..", sysv64 = ".."))]`.
fn foreign_type(attr: &Attribute, expects: &mut Vec<Expect>, errors: &mut Errors) {
    let parsed = attr.parse_nested_meta(|meta| {
        if meta.path.is_ident("expect") {
            meta.parse_nested_meta(|entry| expectation(entry, expects, errors))
        } else {
            Err(meta.error(format!(
                "unknown `foreign_type` argument `{}`: expected `expect(win64 = \"..\", sysv64 = \"..\")`",
                meta.path.to_token_stream()
            )))
        }
    });
    if let Err(e) = parsed {
        errors.push(e);
    }
}

/// One `conv = "class"` entry of `expect(..)`. Mistakes in the key or the
/// class are recorded and parsing goes on, so each entry gets its own error.
fn expectation(entry: ParseNestedMeta<'_>, expects: &mut Vec<Expect>, errors: &mut Errors) -> syn::Result<()> {
    let conv = entry.path.get_ident().and_then(|key| ExpectConv::from_key(&key.to_string()));
    let lit: LitStr = entry.value()?.parse()?;
    let Some(conv) = conv else {
        let keys = ExpectConv::KEYS.map(|k| format!("`{k}`")).join(" or ");
        errors.error(
            &entry.path,
            format!("unknown convention `{}` in `expect(..)`: expected {keys}", entry.path.to_token_stream()),
        );
        return Ok(());
    };
    let Some(class) = conv.class_index(&lit.value()) else {
        errors.error(
            &lit,
            format!("{:?} is not a {} class: expected one of {}", lit.value(), conv.name(), conv.accepted()),
        );
        return Ok(());
    };
    if expects.iter().any(|e| e.conv == conv) {
        errors.error(&entry.path, format!("`{}` is expected twice", conv.name()));
        return Ok(());
    }
    expects.push(Expect { conv, class, lit });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(tokens: TokenStream) -> (Vec<ReprKind>, Vec<(ExpectConv, usize)>, Vec<String>) {
        let derive: DeriveInput = syn::parse2(tokens).unwrap();
        let mut errors = Errors::default();
        let input = input(&derive, &mut errors);
        let reprs = input.reprs.iter().map(|r| r.kind.clone()).collect();
        let expects = input.expects.iter().map(|e| (e.conv, e.class)).collect();
        let messages = errors.finish().err().into_iter().flatten().map(|e| e.to_string()).collect();
        (reprs, expects, messages)
    }

    #[test]
    fn reads_every_repr_item() {
        let (reprs, _, errors) = read(quote::quote! {
            #[repr(C, packed(2))] #[repr(align(8), u16, simd, packed)]
            struct S { a: u8 }
        });
        let u16_ident = Ident::new("u16", proc_macro2::Span::call_site());
        let expected = [
            ReprKind::C,
            ReprKind::Packed(2),
            ReprKind::Align(8),
            ReprKind::Int(u16_ident),
            ReprKind::Other,
            ReprKind::Packed(1),
        ];
        assert_eq!(reprs, expected);
        assert!(errors.is_empty());
    }

    #[test]
    fn reads_expectations() {
        let (_, expects, errors) = read(quote::quote! {
            #[foreign_type(expect(win64 = "by-ref", sysv64 = "sse, sse"))]
            struct S { a: u8 }
        });
        assert_eq!(expects, [(ExpectConv::Win64, 2), (ExpectConv::SysV64, 6)]);
        assert!(errors.is_empty());
    }

    #[test]
    fn reports_every_bad_expectation() {
        let (_, expects, errors) = read(quote::quote! {
            #[foreign_type(expect(win64 = "memory", aarch64 = "x0", sysv64 = "sse", sysv64 = "sse"))]
            #[foreign_type(layout = "C")]
            struct S { a: u8 }
        });
        assert_eq!(expects, [(ExpectConv::SysV64, 2)]);
        assert_eq!(
            errors,
            [
                r#""memory" is not a win64 class: expected one of "integer", "sse", "by-ref""#,
                "unknown convention `aarch64` in `expect(..)`: expected `win64` or `sysv64`",
                "`sysv64` is expected twice",
                r#"unknown `foreign_type` argument `layout`: expected `expect(win64 = "..", sysv64 = "..")`"#,
            ]
        );
    }
}
