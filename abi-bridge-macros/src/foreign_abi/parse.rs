//! Reading an `extern "C" { .. }` block under `#[foreign_abi]`: what each
//! declaration says, with no judgement of whether it is allowed (that is
//! `check`). Anything that cannot even be read is recorded in `Errors` and
//! the item skipped, so every mistake of the block is reported at once.

use proc_macro2::Span;
use quote::format_ident;
use syn::spanned::Spanned;
use syn::{Attribute, FnArg, ForeignItem, ForeignItemFn, Ident, ItemForeignMod, Pat, ReturnType, Type};

use crate::errors::Errors;

/// The block, read.
pub(crate) struct Block {
    /// `extern "C"`'s ABI string, if it is not `"C"` (checked later).
    pub(crate) abi: Option<syn::LitStr>,
    /// The block's own `#[cfg(..)]` attributes: they apply to everything generated.
    pub(crate) cfgs: Vec<Attribute>,
    /// Its `#[link(..)]` attributes: they belong on the extern declarations.
    pub(crate) links: Vec<Attribute>,
    /// Its other attributes (docs, lints).
    pub(crate) attrs: Vec<Attribute>,
    pub(crate) decls: Vec<Decl>,
}

/// One function declaration.
pub(crate) struct Decl {
    /// The function as written, less the attributes read below.
    pub(crate) item: ForeignItemFn,
    /// Its `#[cfg(..)]` attributes: every generated piece of it carries them.
    pub(crate) cfgs: Vec<Attribute>,
    /// Its other attributes (docs, lints), for the generated function.
    pub(crate) attrs: Vec<Attribute>,
    /// The symbol: `#[link_name]`, else the function's name.
    pub(crate) symbol: String,
    /// Where `#[optional]` was written, if it was.
    pub(crate) optional: Option<Span>,
    pub(crate) params: Vec<Param>,
    /// The return type (`()` when none is written).
    pub(crate) ret: Type,
    /// For a variadic function (`...` last): the name of the generated
    /// parameter that takes the variadic arguments (`args: ...` names it;
    /// else a hygienic `args`).
    pub(crate) variadic: Option<Ident>,
}

/// One parameter.
pub(crate) struct Param {
    /// The user's name for it, or a generated one for a pattern such as `_`
    /// (hygienic, so it cannot collide with anything the user wrote).
    pub(crate) name: Ident,
    pub(crate) ty: Type,
}

impl Decl {
    /// The function's name.
    pub(crate) fn name(&self) -> &Ident {
        &self.item.sig.ident
    }
}

pub(crate) fn block(item: ItemForeignMod, errors: &mut Errors) -> Block {
    let abi = item.abi.name.clone().filter(|abi| abi.value() != "C");
    let (cfgs, rest): (Vec<_>, Vec<_>) = item.attrs.into_iter().partition(|a| a.path().is_ident("cfg"));
    let (links, attrs) = rest.into_iter().partition(|a| a.path().is_ident("link"));
    let mut decls = Vec::new();
    for item in item.items {
        match item {
            ForeignItem::Fn(f) => decls.push(decl(f, errors)),
            other => errors.error(&other, "#[foreign_abi] blocks may only declare functions"),
        }
    }
    Block { abi, cfgs, links, attrs, decls }
}

fn decl(mut item: ForeignItemFn, errors: &mut Errors) -> Decl {
    let mut symbol = item.sig.ident.to_string();
    let mut optional = None;
    let mut cfgs = Vec::new();
    let mut attrs = Vec::new();
    for attr in std::mem::take(&mut item.attrs) {
        if attr.path().is_ident("link_name") {
            match &attr.meta {
                syn::Meta::NameValue(syn::MetaNameValue {
                    value: syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. }),
                    ..
                }) => symbol = s.value(),
                _ => errors.error(&attr, "expected #[link_name = \"symbol\"]"),
            }
        } else if attr.path().is_ident("optional") {
            optional = Some(attr.span());
        } else if attr.path().is_ident("cfg") {
            cfgs.push(attr);
        } else {
            attrs.push(attr);
        }
    }
    let mut params = Vec::new();
    for (i, input) in item.sig.inputs.iter().enumerate() {
        let FnArg::Typed(pt) = input else {
            errors.error(input, "foreign functions take no `self`");
            continue;
        };
        let name = match &*pt.pat {
            Pat::Ident(p) if p.by_ref.is_none() && p.subpat.is_none() => p.ident.clone(),
            _ => format_ident!("arg{}", i, span = Span::mixed_site()),
        };
        params.push(Param { name, ty: (*pt.ty).clone() });
    }
    let ret = match &item.sig.output {
        ReturnType::Default => syn::parse_quote!(()),
        ReturnType::Type(_, t) => (**t).clone(),
    };
    let variadic = item.sig.variadic.as_ref().map(|v| match v.pat.as_ref().map(|(pat, _)| &**pat) {
        Some(Pat::Ident(p)) if p.by_ref.is_none() && p.subpat.is_none() => p.ident.clone(),
        _ => format_ident!("args", span = Span::mixed_site()),
    });
    Decl { item, cfgs, attrs, symbol, optional, params, ret, variadic }
}
