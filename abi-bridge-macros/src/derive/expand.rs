//! The code `#[derive(ForeignType)]` generates: the `ForeignType` impl whose
//! `DESC` is computed in `const` context, the assertions that rustc's layout
//! is C's, and the expectations' checks, all inside one `const _: () = { .. };`.

use proc_macro2::{Literal, Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::{Generics, Ident, LitStr, Type};

use super::check::{Packing, RecordField, Shape};
use super::expect::ExpectConv;
use super::parse::{Expect, Input};

/// A local variable of the generated code. The mixed-site span keeps the
/// user's own locals out of it, and the prefix keeps out the user's items: a
/// `const c: u8` in scope would turn `let c = ..` into a constant pattern,
/// which no span can prevent.
fn local(name: &str) -> Ident {
    Ident::new(&format!("__abi_bridge_{name}"), Span::mixed_site())
}

/// The generated code of a checked input.
pub(crate) fn expand(input: &Input<'_>, shape: &Shape<'_>) -> TokenStream {
    let ident = input.ident;
    let generics = bounded_generics(input.generics, shape);
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    let desc = match shape {
        Shape::Record { union, packing, fields } => record_desc(input, *union, *packing, fields),
        Shape::Enum { repr } => renamed_desc(input, &repr.to_token_stream()),
        Shape::Transparent { inner } => renamed_desc(input, &inner.to_token_stream()),
    };
    // Evaluating `DESC` runs the layout assertions now, even if the type is
    // never used. A generic type has no `DESC` until it is instantiated, so
    // its assertions run wherever an instance's `DESC` is used.
    let checks = input.concrete_type().map(|ty| {
        let expects = input.expects.iter().map(|expect| expectation(&ty, input.ident, expect));
        quote! {
            let _ = <#ty as ::abi_bridge::__private::ForeignType>::DESC;
            #(#expects)*
        }
    });
    quote! {
        const _: () = {
            #[automatically_derived]
            unsafe impl #impl_generics ::abi_bridge::__private::ForeignType for #ident #ty_generics #where_clause {
                const DESC: &'static ::abi_bridge::__private::TypeDesc = #desc;
            }
            #checks
        };
    }
}

/// The input's generics, plus `FieldType: ForeignType` for every described
/// field whose type names a type parameter, so that `DESC` exists exactly
/// when those fields have one (`*const T` needs nothing of `T`). Field types
/// that name no type parameter get no bound: the body of `DESC` requires
/// them, so a field without a description is an error at the definition
/// (a bound would only make the impl silently never apply).
fn bounded_generics(generics: &Generics, shape: &Shape<'_>) -> Generics {
    let mut generics = generics.clone();
    let params = type_params(&generics);
    let described: Vec<&Type> = match shape {
        Shape::Record { fields, .. } => fields.iter().map(|f| f.ty).collect(),
        Shape::Transparent { inner } => vec![inner],
        Shape::Enum { .. } => vec![],
    };
    for ty in described {
        if names_any(ty.to_token_stream(), &params) {
            let predicate = syn::parse_quote_spanned!(ty.span()=> #ty: ::abi_bridge::__private::ForeignType);
            generics.make_where_clause().predicates.push(predicate);
        }
    }
    generics
}

/// The names of the type parameters of `generics`.
fn type_params(generics: &Generics) -> Vec<Ident> {
    generics.type_params().map(|p| p.ident.clone()).collect()
}

/// The code of a rejected input, which gets no impl (it would only add
/// follow-up errors): `<F as ForeignType>::DESC` for each field type `F` of
/// `unjudged`, so that the compiler reports every one without a description,
/// on that type, in the same build as the input's other mistakes. They sit in
/// a function with the input's generics, whose lifetimes and const
/// parameters a field may name. Types naming a type parameter are left out:
/// the impl would have bounded them, so only an instance could be wrong.
pub(crate) fn field_checks(input: &Input<'_>, unjudged: &[&Type]) -> TokenStream {
    let params = type_params(input.generics);
    let descs: Vec<TokenStream> =
        unjudged.iter().filter(|ty| !names_any(ty.to_token_stream(), &params)).map(|ty| field_desc(ty)).collect();
    if descs.is_empty() {
        return TokenStream::new();
    }
    let (generics, _, where_clause) = input.generics.split_for_impl();
    let function = local("field_types");
    quote! {
        const _: () = {
            #[allow(dead_code)]
            fn #function #generics() #where_clause {
                #(let _ = #descs;)*
            }
        };
    }
}

/// Whether `tokens` contain any of `idents`, at any depth.
fn names_any(tokens: TokenStream, idents: &[Ident]) -> bool {
    tokens.into_iter().any(|token| match token {
        proc_macro2::TokenTree::Ident(ident) => idents.contains(&ident),
        proc_macro2::TokenTree::Group(group) => names_any(group.stream(), idents),
        _ => false,
    })
}

/// `<ty as ForeignType>::DESC`. The type keeps its own tokens' spans, so a
/// type without a description is reported on the field's type, with the
/// trait's explanation. The tokens around it must not take the type's span:
/// rustc would then take the whole path for the type and suggest borrowing
/// it (`&String`), which is a pointer C cannot use.
fn field_desc(ty: &Type) -> TokenStream {
    quote!(<#ty as ::abi_bridge::__private::ForeignType>::DESC)
}

/// A struct's or union's description, laid out by C's rules from its fields'
/// descriptions, after asserting that rustc placed every byte the same way.
fn record_desc(input: &Input<'_>, union: bool, packing: Packing, fields: &[RecordField<'_>]) -> TokenStream {
    let ident = input.ident;
    let name = ident.to_string();
    let (descs, c) = (local("descs"), local("layout"));
    let field_descs = fields.iter().map(|f| field_desc(f.ty));
    let offset_checks = fields.iter().enumerate().map(|(i, field)| {
        let i = Literal::usize_unsuffixed(i);
        let member = &field.member;
        let message = format!(
            "#[derive(ForeignType)]: rustc places `{name}::{}` at another offset than C does, so the `ForeignType` \
             description of this field's type or an earlier one's is wrong",
            field.name
        );
        quote_spanned! {member.span()=>
            ::core::assert!(::abi_bridge::__private::offset_of!(Self, #member) == #c.offsets[#i], #message);
        }
    });
    let mismatch = |what: &str| {
        format!(
            "#[derive(ForeignType)]: rustc's {what} of `{name}` is not C's, so the `ForeignType` description of \
             a field's type is wrong"
        )
    };
    let (size_message, align_message) = (mismatch("size"), mismatch("alignment"));
    let kind = if union { quote!(Union) } else { quote!(Struct) };
    let attrs = match packing {
        Packing { max_field_align: Some(n), .. } => {
            let n = Literal::usize_unsuffixed(n);
            quote!(::abi_bridge::__private::RecordAttrs::packed(#n))
        }
        Packing { min_align: Some(n), .. } => {
            let n = Literal::usize_unsuffixed(n);
            quote!(::abi_bridge::__private::RecordAttrs::aligned(#n))
        }
        Packing { max_field_align: None, min_align: None } => quote!(::abi_bridge::__private::RecordAttrs::C),
    };
    let field_entries = fields.iter().enumerate().map(|(i, field)| {
        let i = Literal::usize_unsuffixed(i);
        let field_name = &field.name;
        quote!(::abi_bridge::__private::Field { name: #field_name, offset: #c.offsets[#i], ty: #descs[#i] })
    });
    let size_check = quote_spanned! {ident.span()=>
        ::core::assert!(::abi_bridge::__private::size_of::<Self>() == #c.size, #size_message);
        ::core::assert!(::abi_bridge::__private::align_of::<Self>() == #c.align, #align_message);
    };
    quote! {
        &{
            let #descs = [#(#field_descs),*];
            let #c = ::abi_bridge::__private::c_layout(#union, #attrs, &#descs);
            #(#offset_checks)*
            #size_check
            ::abi_bridge::__private::TypeDesc {
                name: #name,
                size: #c.size,
                align: #c.align,
                kind: ::abi_bridge::__private::TypeKind::#kind(&[#(#field_entries),*]),
            }
        }
    }
}

/// The description of `inner` under the input's name: enums travel as their
/// integer repr, transparent newtypes as their field.
fn renamed_desc(input: &Input<'_>, inner: &TokenStream) -> TokenStream {
    let name = input.ident.to_string();
    quote!(&<#inner as ::abi_bridge::__private::ForeignType>::DESC.renamed(#name))
}

/// A `const` that fails the build, on the expectation's string, if the
/// convention classifies the type otherwise. Const panics take only literal
/// messages, so there is one `panic!` per class the type could have instead.
fn expectation(ty: &TokenStream, ident: &Ident, expect: &Expect) -> TokenStream {
    let conv = Ident::new(expect.conv.name(), Span::call_site());
    let span = expect.lit.span();
    let class = local("class");
    let arms = expect.conv.classes().iter().enumerate().filter(|&(i, _)| i != expect.class).map(|(i, actual)| {
        let i = Literal::usize_unsuffixed(i);
        let message = LitStr::new(&mismatch_message(expect.conv, expect.class, ident, actual), span);
        quote_spanned! {span=>
            if #class.same_as(::abi_bridge::__private::#conv::ArgClass::ALL[#i]) {
                ::core::panic!(#message);
            }
        }
    });
    quote_spanned! {span=>
        const _: () = {
            let #class = ::abi_bridge::__private::#conv::classify_type(
                <#ty as ::abi_bridge::__private::ForeignType>::DESC,
            );
            #(#arms)*
        };
    }
}

fn mismatch_message(conv: ExpectConv, expected: usize, ident: &syn::Ident, actual: &str) -> String {
    let conv_name = conv.name();
    let expected = conv.classes()[expected];
    format!(
        "#[foreign_type(expect({conv_name} = \"{expected}\"))] does not hold: {conv_name} passes `{ident}` as \
         \"{actual}\""
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mismatch_messages_quote_both_classes() {
        let ident = syn::Ident::new("Vec3", Span::call_site());
        assert_eq!(
            mismatch_message(ExpectConv::SysV64, 6, &ident, "memory"),
            r#"#[foreign_type(expect(sysv64 = "sse, sse"))] does not hold: sysv64 passes `Vec3` as "memory""#
        );
    }
}
