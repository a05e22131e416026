//! The rules a `#[foreign_abi]` block must follow that can be judged from its
//! syntax, each broken rule a `syn::Error` on the token at fault. Whether a
//! type can cross is judged by the compiler instead (the expansion's
//! `ForeignParam` bounds and constant checks), so type aliases are judged by
//! what they stand for.

use std::collections::HashMap;

use syn::Type;

use super::args::ForeignAbiArgs;
use super::parse::Block;
use crate::errors::Errors;

/// Methods the generated library type has besides one per declaration.
const LIBRARY_METHODS: [&str; 4] = ["load", "load_with", "from_library", "library"];

pub(crate) fn block(args: &ForeignAbiArgs, block: &Block, errors: &mut Errors) {
    if let Some(abi) = &block.abi {
        errors.error(
            abi,
            "write the block as `extern \"C\"`: the foreign convention is the one named in #[foreign_abi(..)]",
        );
    }
    let in_library = args.library.is_some();
    let mut methods: HashMap<String, &syn::Ident> = HashMap::new();
    for d in &block.decls {
        let sig = &d.item.sig;
        if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
            errors.error(&sig.generics, "foreign functions cannot be generic: C has one signature per symbol");
        }
        if let (Some(span), false) = (d.optional, in_library) {
            errors.push(syn::Error::new(
                span,
                "#[optional] needs `library = Name`: linked symbols are resolved by the linker, which has no optional symbols",
            ));
        }
        for p in &d.params {
            array_parameter(&p.ty, errors);
        }
        if let Type::Array(_) = &d.ret {
            errors.error(
                &d.ret,
                "C never returns arrays by value: return a pointer, or wrap the array in a #[repr(C)] struct",
            );
        }
        if in_library {
            let name = d.name().to_string();
            if LIBRARY_METHODS.contains(&name.as_str()) {
                errors.error(
                    d.name(),
                    format!("`{name}` is a method of the generated library type already: declare the function under another name with `#[link_name = \"{}\"]`", d.symbol),
                );
            }
            let mut own = vec![name];
            if d.optional.is_some() {
                own.push(format!("has_{}", d.name()));
            }
            for method in own {
                if let Some(first) = methods.insert(method.clone(), d.name()) {
                    if first != d.name() {
                        errors.error(
                            d.name(),
                            format!("the generated method `{method}` would be defined twice (also by `{first}`): rename one declaration and keep its symbol with `#[link_name]`"),
                        );
                    }
                }
            }
        }
    }
    if in_library {
        if let Some(symbols) = &args.symbols {
            errors.error(
                &symbols.name,
                "`symbols = ..` is for linked blocks; a library's symbol addresses come from `Name::library().symbol(\"name\")`",
            );
        }
    }
}

/// A parameter spelled as an array: C passes a pointer where it writes an array.
fn array_parameter(ty: &Type, errors: &mut Errors) {
    if let Type::Array(a) = ty {
        let elem = &a.elem;
        errors.error(
            ty,
            format!(
                "C never passes arrays by value (a C parameter written `T x[N]` is a pointer): declare it `*const {}` or `&{}`, or wrap the array in a #[repr(C)] struct",
                quote::quote!(#elem),
                quote::quote!(#ty)
            ),
        );
    }
}
