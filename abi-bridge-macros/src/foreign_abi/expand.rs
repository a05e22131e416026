//! Expansion of `#[foreign_abi(conv)]` and `#[foreign_abi(conv, library = Name)]`.
//!
//! Each declaration becomes a typed Rust function (or method) whose body calls
//! generated code through one function pointer, passing the foreign symbol's
//! address as an extra first argument. Everything else (code generation,
//! loading, wrapping host callbacks) is ordinary Rust in
//! `abi_bridge::__private`.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{FnArg, ForeignItem, ForeignItemFn, Ident, ItemForeignMod, Pat, ReturnType, Type};

use super::args::{Conv, ForeignAbiArgs};

/// How one parameter crosses to the foreign side.
enum Param {
    /// Passed as it is.
    Plain,
    /// A host `extern "C"` function (or `Option` of one): wrapped in a reverse
    /// thunk so foreign code can call it with its own convention.
    HostFn { optional: bool, fn_ty: Box<Type> },
    /// `&Callback<F>`: its entry address.
    Callback,
}

/// One declaration, parsed.
struct Decl {
    item: ForeignItemFn,
    symbol: String,
    optional: bool,
    params: Vec<(Ident, Type, Param)>,
    ret: Type,
}

pub(crate) fn expand(args: &ForeignAbiArgs, block: ItemForeignMod) -> syn::Result<TokenStream> {
    let library = args.library.as_ref();
    let mut errors: Option<syn::Error> = None;
    let mut push = |e: syn::Error| match &mut errors {
        Some(all) => all.combine(e),
        None => errors = Some(e),
    };
    if let Some(abi) = block.abi.name.as_ref() {
        if abi.value() != "C" {
            push(syn::Error::new(
                abi.span(),
                "write the block as `extern \"C\"`: the foreign convention is the one named in #[foreign_abi(..)]",
            ));
        }
    }
    let mut decls = Vec::new();
    for item in block.items {
        match item {
            ForeignItem::Fn(f) => match parse_decl(f, library.is_some()) {
                Ok(d) => decls.push(d),
                Err(e) => push(e),
            },
            other => push(syn::Error::new(other.span(), "#[foreign_abi] blocks may only declare functions")),
        }
    }
    if let Some(e) = errors {
        return Err(e);
    }
    let conv = conv_tokens(args.conv, args.conv_span);
    Ok(match library {
        None => decls.iter().map(|d| linked_fn(&conv, d)).collect(),
        Some(name) => library_struct(&conv, name, &block.attrs, &decls),
    })
}

fn conv_tokens(conv: Conv, span: Span) -> TokenStream {
    match conv {
        Conv::SysV64 => quote_spanned!(span=> ::abi_bridge::Conv::SysV64),
        Conv::Win64 => quote_spanned!(span=> ::abi_bridge::Conv::Win64),
    }
}

fn parse_decl(mut item: ForeignItemFn, in_library: bool) -> syn::Result<Decl> {
    let sig = &item.sig;
    if let Some(v) = &sig.variadic {
        return Err(syn::Error::new(
            v.span(),
            "variadic foreign functions are not supported: declare one function per argument list you call",
        ));
    }
    if !sig.generics.params.is_empty() {
        return Err(syn::Error::new(sig.generics.span(), "foreign functions cannot be generic"));
    }
    let mut symbol = sig.ident.to_string();
    let mut optional = false;
    let mut errors = Vec::new();
    item.attrs.retain(|attr| {
        if attr.path().is_ident("link_name") {
            match &attr.meta {
                syn::Meta::NameValue(syn::MetaNameValue { value: syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. }), .. }) => symbol = s.value(),
                _ => errors.push(syn::Error::new(attr.span(), "expected #[link_name = \"symbol\"]")),
            }
            false
        } else if attr.path().is_ident("optional") {
            if !in_library {
                errors.push(syn::Error::new(attr.span(), "#[optional] needs `library = Name`: linked symbols are resolved by the linker, which has no optional symbols"));
            }
            optional = true;
            false
        } else {
            true
        }
    });
    if let Some(e) = errors.into_iter().reduce(|mut a, b| {
        a.combine(b);
        a
    }) {
        return Err(e);
    }
    let mut params = Vec::new();
    for (i, input) in item.sig.inputs.iter().enumerate() {
        let FnArg::Typed(pt) = input else {
            return Err(syn::Error::new(input.span(), "foreign functions take no `self`"));
        };
        let name = match &*pt.pat {
            Pat::Ident(p) => p.ident.clone(),
            _ => format_ident!("__arg{i}"),
        };
        let kind = classify_param(&pt.ty);
        params.push((name, (*pt.ty).clone(), kind));
    }
    let ret = match &item.sig.output {
        ReturnType::Default => syn::parse_quote!(()),
        ReturnType::Type(_, t) => (**t).clone(),
    };
    Ok(Decl { item, symbol, optional, params, ret })
}

/// Recognises, by syntax, the parameters that need wrapping.
fn classify_param(ty: &Type) -> Param {
    let is_host_fn = |ty: &Type| match ty {
        Type::BareFn(f) => f.abi.as_ref().is_some_and(|abi| abi.name.as_ref().is_none_or(|n| n.value() == "C")),
        _ => false,
    };
    if is_host_fn(ty) {
        return Param::HostFn { optional: false, fn_ty: Box::new(ty.clone()) };
    }
    match ty {
        Type::Path(p) => {
            let last = p.path.segments.last();
            if let Some(seg) = last.filter(|s| s.ident == "Option") {
                if let syn::PathArguments::AngleBracketed(args) = &seg.arguments {
                    if let Some(syn::GenericArgument::Type(inner)) = args.args.first() {
                        if is_host_fn(inner) {
                            return Param::HostFn { optional: true, fn_ty: Box::new(inner.clone()) };
                        }
                    }
                }
            }
            Param::Plain
        }
        Type::Reference(r) => match &*r.elem {
            Type::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "Callback") => Param::Callback,
            _ => Param::Plain,
        },
        _ => Param::Plain,
    }
}

impl Decl {
    /// The parameter types the generated code sees: wrapped parameters are
    /// plain pointers by then.
    fn foreign_types(&self) -> Vec<TokenStream> {
        self.params
            .iter()
            .map(|(_, ty, kind)| match kind {
                Param::Plain => quote!(#ty),
                Param::HostFn { .. } | Param::Callback => quote!(*const ::core::ffi::c_void),
            })
            .collect()
    }

    /// Expressions converting each parameter to its foreign form.
    fn foreign_args(&self, conv: &TokenStream) -> Vec<TokenStream> {
        self.params
            .iter()
            .map(|(name, ty, kind)| match kind {
                Param::Plain => quote!(#name),
                Param::HostFn { optional: false, fn_ty } => {
                    quote_spanned!(ty.span()=> ::abi_bridge::__private::host_fn::<#fn_ty>(#conv, #name as *const ::core::ffi::c_void))
                }
                Param::HostFn { optional: true, fn_ty } => {
                    quote_spanned!(ty.span()=> match #name {
                        ::core::option::Option::Some(f) => ::abi_bridge::__private::host_fn::<#fn_ty>(#conv, f as *const ::core::ffi::c_void),
                        ::core::option::Option::None => ::core::ptr::null(),
                    })
                }
                Param::Callback => quote_spanned!(ty.span()=> ::abi_bridge::__private::callback_entry(#name, #conv)),
            })
            .collect()
    }

    /// Compile-time checks that every parameter and the return type can cross.
    fn type_checks(&self) -> TokenStream {
        let checks = self
            .params
            .iter()
            .filter(|(_, _, k)| matches!(k, Param::Plain))
            .map(|(_, ty, _)| quote_spanned!(ty.span()=> ::abi_bridge::__private::assert_foreign::<#ty>();));
        let ret = &self.ret;
        let ret_check = quote_spanned!(ret.span()=> ::abi_bridge::__private::assert_returnable::<#ret>(););
        quote!(const _: () = { #(#checks)* #ret_check };)
    }

    fn public_params(&self) -> Vec<TokenStream> {
        self.params.iter().map(|(name, ty, _)| quote!(#name: #ty)).collect()
    }
}

/// `#[foreign_abi(conv)]`: a function calling the linked symbol.
fn linked_fn(conv: &TokenStream, d: &Decl) -> TokenStream {
    let ForeignItemFn { attrs, vis, sig, .. } = &d.item;
    let name = &sig.ident;
    let symbol = &d.symbol;
    let ret = &d.ret;
    let params = d.public_params();
    let types = d.foreign_types();
    let names: Vec<_> = d.params.iter().map(|(n, _, _)| n).collect();
    let args = d.foreign_args(conv);
    let checks = d.type_checks();
    let first_params = names.iter().zip(&types).map(|(n, t)| quote!(#n: #t));
    quote! {
        #(#attrs)*
        #vis unsafe fn #name(#(#params),*) -> #ret {
            #checks
            unsafe extern "C" {
                #[link_name = #symbol]
                fn __abi_bridge_symbol();
            }
            type __Entry = unsafe extern "C-unwind" fn(*const ::core::ffi::c_void #(, #types)*) -> #ret;
            // The generated code, made on the first call; every later call is
            // one load and one indirect call.
            static __ENTRY: ::core::sync::atomic::AtomicPtr<()> =
                ::core::sync::atomic::AtomicPtr::new(__first_call as *mut ());
            unsafe extern "C-unwind" fn __first_call(__target: *const ::core::ffi::c_void #(, #first_params)*) -> #ret {
                let code = ::abi_bridge::__private::first_call::<fn(#(#types),*) -> #ret>(#conv, &__ENTRY, ::core::stringify!(#name));
                // SAFETY: the code has exactly the type `__Entry`.
                let entry: __Entry = unsafe { ::core::mem::transmute(code) };
                // SAFETY: forwarded unchanged from the caller's own promise.
                unsafe { entry(__target #(, #names)*) }
            }
            // SAFETY: `__ENTRY` only ever holds `__first_call` or the code for this signature.
            let entry: __Entry = unsafe { ::core::mem::transmute(__ENTRY.load(::core::sync::atomic::Ordering::Acquire)) };
            // SAFETY: the caller promises the symbol has this signature.
            unsafe { entry(__abi_bridge_symbol as *const ::core::ffi::c_void #(, #args)*) }
        }
    }
}

/// `#[foreign_abi(conv, library = Name)]`: a type that loads the library.
fn library_struct(conv: &TokenStream, lib: &Ident, attrs: &[syn::Attribute], decls: &[Decl]) -> TokenStream {
    let fields: Vec<_> = decls.iter().map(|d| format_ident!("__{}", d.item.sig.ident)).collect();
    let field_decls = decls.iter().zip(&fields).map(|(d, f)| {
        if d.optional {
            quote!(#f: ::core::option::Option<(*const ::core::ffi::c_void, *const ::core::ffi::c_void)>)
        } else {
            quote!(#f: (*const ::core::ffi::c_void, *const ::core::ffi::c_void))
        }
    });
    let symbols = decls.iter().map(|d| &d.symbol);
    let optional = decls.iter().map(|d| d.optional);
    let sigs = decls.iter().map(|d| {
        let types = d.foreign_types();
        let ret = &d.ret;
        quote!(::abi_bridge::Signature::of::<fn(#(#types),*) -> #ret>())
    });
    let inits = decls.iter().zip(&fields).enumerate().map(|(i, (d, f))| {
        if d.optional {
            quote!(#f: targets[#i].map(|t| (t, codes[#i])))
        } else {
            quote!(#f: (targets[#i].expect("required symbols were resolved"), codes[#i]))
        }
    });
    let methods = decls.iter().zip(&fields).map(|(d, f)| library_method(conv, d, f));
    let n = decls.len();
    let doc = format!(
        "The functions of a shared object loaded at run time, called with the `{}` convention.",
        conv_name(conv)
    );
    quote! {
        #(#attrs)*
        #[doc = #doc]
        pub struct #lib {
            __library: ::abi_bridge::Library,
            #(#field_decls,)*
        }

        // SAFETY: the fields are code addresses in a library kept open by
        // `__library` and immutable generated code; calling them is what the
        // `unsafe` methods are for, from any thread.
        unsafe impl ::core::marker::Send for #lib {}
        // SAFETY: as above; nothing is mutated through `&self`.
        unsafe impl ::core::marker::Sync for #lib {}

        impl ::core::fmt::Debug for #lib {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.debug_struct(::core::stringify!(#lib)).field("library", &self.__library.name()).finish_non_exhaustive()
            }
        }

        impl #lib {
            /// Opens the shared object at `path`, resolves every declared
            /// symbol and generates every thunk, so that a missing symbol is
            /// reported here rather than at its first call.
            ///
            /// # Safety
            ///
            /// Opening the library runs its initialisation code, and every
            /// declaration must match the function the library really exports.
            ///
            /// # Errors
            ///
            /// [`abi_bridge::Error::LoadLibrary`] if it cannot be opened (the
            /// loader's message is the `source()`), [`abi_bridge::Error::MissingSymbol`]
            /// naming the first required symbol it lacks, or
            /// [`abi_bridge::Error::ExecutableMemory`].
            pub unsafe fn load(path: impl ::core::convert::AsRef<::std::ffi::OsStr>) -> ::core::result::Result<Self, ::abi_bridge::Error> {
                // SAFETY: the caller vouches for the library.
                Self::__resolve(unsafe { ::abi_bridge::Library::open(path)? })
            }

            /// Uses a library the caller opened with libloading.
            ///
            /// # Safety
            ///
            /// Every declaration must match the function the library exports.
            ///
            /// # Errors
            ///
            /// As for [`Self::load`], without the loading.
            pub unsafe fn from_library(library: ::abi_bridge::__private::libloading::Library) -> ::core::result::Result<Self, ::abi_bridge::Error> {
                Self::__resolve(::abi_bridge::Library::from_libloading(library, ::core::stringify!(#lib)))
            }

            fn __resolve(library: ::abi_bridge::Library) -> ::core::result::Result<Self, ::abi_bridge::Error> {
                let names: [&str; #n] = [#(#symbols),*];
                let optional: [bool; #n] = [#(#optional),*];
                let mut targets = [::core::option::Option::None; #n];
                for i in 0..#n {
                    targets[i] = ::abi_bridge::__private::resolve(&library, names[i], optional[i])?;
                }
                let codes = ::abi_bridge::__private::entries(#conv, &[#(#sigs),*])?;
                ::core::result::Result::Ok(Self { __library: library, #(#inits,)* })
            }

            /// The library these functions come from.
            pub fn library(&self) -> &::abi_bridge::Library {
                &self.__library
            }

            #(#methods)*
        }
    }
}

fn conv_name(conv: &TokenStream) -> &'static str {
    if conv.to_string().contains("SysV64") {
        "sysv64"
    } else {
        "win64"
    }
}

fn library_method(conv: &TokenStream, d: &Decl, field: &Ident) -> TokenStream {
    let ForeignItemFn { attrs, vis, sig, .. } = &d.item;
    let name = &sig.ident;
    let ret = &d.ret;
    let params = d.public_params();
    let types = d.foreign_types();
    let args = d.foreign_args(conv);
    let checks = d.type_checks();
    let call = quote! {
        type __Entry = unsafe extern "C-unwind" fn(*const ::core::ffi::c_void #(, #types)*) -> #ret;
        // SAFETY: the code was generated for exactly this signature.
        let entry: __Entry = unsafe { ::core::mem::transmute(code) };
        // SAFETY: the caller promises the symbol has this signature.
        unsafe { entry(target #(, #args)*) }
    };
    if d.optional {
        let has = format_ident!("has_{}", name);
        let has_doc = format!("Whether the library exports `{}`.", d.symbol);
        quote! {
            #(#attrs)*
            ///
            /// Optional: `None` when the library does not export the symbol.
            #vis unsafe fn #name(&self, #(#params),*) -> ::core::option::Option<#ret> {
                #checks
                let (target, code) = self.#field?;
                ::core::option::Option::Some({ #call })
            }

            #[doc = #has_doc]
            #vis fn #has(&self) -> bool {
                self.#field.is_some()
            }
        }
    } else {
        quote! {
            #(#attrs)*
            #vis unsafe fn #name(&self, #(#params),*) -> #ret {
                #checks
                let (target, code) = self.#field;
                #call
            }
        }
    }
}
