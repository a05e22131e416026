//! Generating code for a checked `#[foreign_abi]` block.
//!
//! Each declaration becomes a typed Rust function (or method) whose body
//! converts every argument with `ForeignParam` (chosen by type), and calls
//! generated code through one function pointer, passing the foreign symbol's
//! address as an extra first argument. Everything else (code generation,
//! loading, wrapping callbacks) is ordinary Rust in `abi_bridge::__private`.
//!
//! Hygiene: locals are `Span::mixed_site()` (no user name can reach them, nor
//! they a user name); the few items the expansion must name are spelled
//! `__abi_bridge_*` and live inside the generated function bodies, except one
//! hidden function per linked block; every path is absolute (`::core`,
//! `::abi_bridge`), so user items named `Option`, `core` or `abi_bridge` change
//! nothing. Every generated piece of a declaration carries its `#[cfg]`.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Attribute, Ident, Type};

use super::args::{Conv, ForeignAbiArgs};
use super::parse::{Block, Decl};

/// The tokens of a declaration that every expansion needs.
struct Parts<'a> {
    d: &'a Decl,
    /// `::abi_bridge::__private::Win64` or `SysV64`.
    conv: &'a TokenStream,
    /// One hygienic local per parameter, holding its converted value.
    locals: Vec<Ident>,
}

/// What every generated function of a declaration is made of.
struct Body<'a> {
    params: Vec<TokenStream>,
    ret: &'a Type,
    entry_type: TokenStream,
    checks: TokenStream,
    conversions: TokenStream,
    locals: &'a [Ident],
}

impl<'a> Parts<'a> {
    fn body(&'a self) -> Body<'a> {
        Body {
            params: self.public_params(),
            ret: self.ret(),
            entry_type: self.entry_type(),
            checks: self.checks(),
            conversions: self.conversions(),
            locals: &self.locals,
        }
    }

    fn new(d: &'a Decl, conv: &'a TokenStream) -> Self {
        let locals =
            (0..d.params.len()).map(|i| format_ident!("__abi_bridge_arg{}", i, span = Span::mixed_site())).collect();
        Parts { d, conv, locals }
    }

    /// `<T as ForeignParam<Conv>>`, spanned on the parameter's type so that a
    /// type that cannot cross is reported there.
    fn param_trait(&self, ty: &Type) -> TokenStream {
        let conv = self.conv;
        quote_spanned!(ty.span()=> <#ty as ::abi_bridge::__private::ForeignParam<#conv>>)
    }

    /// The types the generated code receives, after conversion.
    fn foreign_types(&self) -> Vec<TokenStream> {
        self.d
            .params
            .iter()
            .map(|p| {
                let tr = self.param_trait(&p.ty);
                quote_spanned!(p.ty.span()=> #tr::Foreign)
            })
            .collect()
    }

    fn ret(&self) -> &Type {
        &self.d.ret
    }

    /// The type of the generated code: host `extern "C"`, the target first
    /// (then, for a variadic function, the pack of variadic values).
    fn entry_type(&self) -> TokenStream {
        let types = self.foreign_types();
        let ret = self.ret();
        let pack = self.d.variadic.as_ref().map(|_| quote!(*const ::core::ffi::c_void,));
        quote!(unsafe extern "C-unwind" fn(*const ::core::ffi::c_void, #pack #(#types),*) -> #ret)
    }

    /// The descriptions of the named arguments, as a constant slice.
    fn fixed_descs(&self) -> TokenStream {
        let descs = self
            .foreign_types()
            .into_iter()
            .zip(&self.d.params)
            .map(|(t, p)| quote_spanned!(p.ty.span()=> <#t as ::abi_bridge::__private::ForeignType>::DESC));
        quote!(&[#(#descs),*])
    }

    /// The signature the code is generated for, as an expression.
    fn signature(&self) -> TokenStream {
        let descs = self.fixed_descs();
        let ret = self.ret();
        quote! {
            ::abi_bridge::__private::Signature::from_static(
                const { #descs },
                <#ret as ::abi_bridge::__private::ForeignReturn>::RETURN_DESC,
            )
        }
    }

    /// Compile-time checks of every parameter and of the return type,
    /// evaluated by `cargo check`.
    fn checks(&self) -> TokenStream {
        let conv = self.conv;
        let params = self.d.params.iter().map(|p| {
            let tr = self.param_trait(&p.ty);
            quote_spanned!(p.ty.span()=> let () = #tr::CHECK;)
        });
        let ret = self.ret();
        let ret_check = quote_spanned! {ret.span()=>
            ::abi_bridge::__private::check_return(
                <#ret as ::abi_bridge::__private::ForeignReturn>::RETURN_DESC,
                <#conv as ::abi_bridge::__private::StaticConv>::CONV,
            );
        };
        quote!(const _: () = { #(#params)* #ret_check };)
    }

    /// `let convertedN = <T as ForeignParam<_>>::into_foreign(name);` for each parameter.
    fn conversions(&self) -> TokenStream {
        let lets = self.d.params.iter().zip(&self.locals).map(|(p, local)| {
            let tr = self.param_trait(&p.ty);
            let name = &p.name;
            let value = quote_spanned!(p.ty.span()=> #tr::into_foreign(#name));
            quote_spanned!(Span::mixed_site()=> let #local = #value;)
        });
        quote!(#(#lets)*)
    }

    /// The public parameter list (for a variadic function, one more
    /// parameter takes the variadic arguments as a tuple).
    fn public_params(&self) -> Vec<TokenStream> {
        let named = self.d.params.iter().map(|p| {
            let (name, ty) = (&p.name, &p.ty);
            quote!(#name: #ty)
        });
        let variadic = self.d.variadic.as_ref().map(|name| {
            let dots = self.d.item.sig.variadic.as_ref().map_or(Span::call_site(), |v| v.dots.spans[0]);
            let bound = quote_spanned!(dots=> ::abi_bridge::VarArgs);
            quote!(#name: impl #bound)
        });
        named.chain(variadic).collect()
    }

    /// The call of a variadic function's code, given the target: the code
    /// for this call's list of variadic types if this thread made that call
    /// last, else a first-call function that makes it and calls it; called
    /// with the target, the pack of variadic values and the named arguments.
    fn variadic_call(&self, target: TokenStream) -> TokenStream {
        let va = self.d.variadic.as_ref().expect("a variadic declaration");
        let (conv, ret, locals) = (self.conv, self.ret(), &self.locals);
        let (fixed, entry_type, name) = (self.fixed_descs(), self.entry_type(), self.d.name().to_string());
        let foreign_types = self.foreign_types();
        quote_spanned! {Span::mixed_site()=>
            struct __AbiBridgeDecl;
            impl ::abi_bridge::__private::VariadicFn for __AbiBridgeDecl {
                const DECL: ::abi_bridge::__private::VariadicDecl = ::abi_bridge::__private::VariadicDecl {
                    name: #name,
                    conv: <#conv as ::abi_bridge::__private::StaticConv>::CONV,
                    fixed: #fixed,
                    ret: <#ret as ::abi_bridge::__private::ForeignReturn>::RETURN_DESC,
                };
            }
            #[allow(improper_ctypes_definitions)] // `__m128` arguments: see `linked_fn`
            unsafe extern "C-unwind" fn __abi_bridge_first_call<__AbiBridgeV: ::abi_bridge::VarArgs>(
                __abi_bridge_target: *const ::core::ffi::c_void,
                __abi_bridge_pack: *const ::core::ffi::c_void
                #(, #locals: #foreign_types)*
            ) -> #ret {
                let __abi_bridge_code = ::abi_bridge::__private::variadic_code_made::<__AbiBridgeDecl, __AbiBridgeV>();
                // SAFETY: the code was generated for exactly these named and variadic types.
                let __abi_bridge_entry: #entry_type = unsafe { ::core::mem::transmute(__abi_bridge_code) };
                // SAFETY: forwarded unchanged from the caller's own promise.
                unsafe { __abi_bridge_entry(__abi_bridge_target, __abi_bridge_pack #(, #locals)*) }
            }
            fn __abi_bridge_first_call_of<__AbiBridgeV: ::abi_bridge::VarArgs>(_: &__AbiBridgeV) -> *const ::core::ffi::c_void {
                __abi_bridge_first_call::<__AbiBridgeV> as *const ::core::ffi::c_void
            }
            let __abi_bridge_code =
                ::abi_bridge::__private::variadic_code::<__AbiBridgeDecl, _>(&#va, __abi_bridge_first_call_of(&#va));
            let __abi_bridge_pack = ::abi_bridge::VarArgs::pack::<#conv>(#va);
            // SAFETY: the code (or the first-call function) has exactly this type.
            let __abi_bridge_entry: #entry_type = unsafe { ::core::mem::transmute(__abi_bridge_code) };
            // SAFETY: the caller promises the symbol is a variadic function
            // with these named arguments, which takes these variadic ones.
            unsafe {
                __abi_bridge_entry(#target, &__abi_bridge_pack as *const _ as *const ::core::ffi::c_void #(, #locals)*)
            }
        }
    }
}

pub(crate) fn expand(args: &ForeignAbiArgs, block: &Block) -> TokenStream {
    let conv = match args.conv {
        Conv::SysV64 => quote_spanned!(args.conv_span=> ::abi_bridge::__private::SysV64),
        Conv::Win64 => quote_spanned!(args.conv_span=> ::abi_bridge::__private::Win64),
    };
    match &args.library {
        None => linked(args, &conv, block),
        Some(name) => library(&conv, args.conv, name, block),
    }
}

/// `#[foreign_abi(conv)]`: functions calling linked symbols, and the block's
/// code made together on the first call of any of them.
fn linked(args: &ForeignAbiArgs, conv: &TokenStream, block: &Block) -> TokenStream {
    let block_fn = block_fn_name(block);
    let block_cfgs = &block.cfgs;
    // A variadic function has one code per list of variadic types, made at
    // its calls: it has no entry in the block's table.
    let sigs = block.decls.iter().enumerate().filter(|(_, d)| d.variadic.is_none()).map(|(i, d)| {
        let cfgs = &d.cfgs;
        let sig = Parts::new(d, conv).signature();
        quote_spanned!(Span::mixed_site()=> #(#cfgs)* { __abi_bridge_sigs[#i] = ::core::option::Option::Some(#sig); })
    });
    let n = block.decls.len();
    let fns = block.decls.iter().enumerate().map(|(i, d)| linked_fn(block, conv, &block_fn, i, d));
    let symbols = args.symbols.as_ref().map(|s| {
        let (vis, name) = (&s.vis, &s.name);
        let links = &block.links;
        let fns = block.decls.iter().map(|d| {
            let (cfgs, name, symbol) = (&d.cfgs, d.name(), &d.symbol);
            let doc = format!("The address of the symbol `{symbol}`, as the linker resolved it.");
            quote! {
                #(#cfgs)*
                #[doc = #doc]
                #[allow(non_snake_case, clippy::type_complexity)]
                pub fn #name() -> *const ::core::ffi::c_void {
                    #(#links)*
                    unsafe extern "C" {
                        #[link_name = #symbol]
                        fn __abi_bridge_symbol();
                    }
                    __abi_bridge_symbol as *const ::core::ffi::c_void
                }
            }
        });
        quote! {
            #(#block_cfgs)*
            /// The raw addresses of the symbols of a `#[foreign_abi]` block.
            #vis mod #name {
                #(#fns)*
            }
        }
    });
    let conv_value = quote!(<#conv as ::abi_bridge::__private::StaticConv>::CONV);
    let block_fn_item = quote_spanned! {Span::mixed_site()=>
        fn #block_fn(__abi_bridge_index: usize, __abi_bridge_name: &str) -> *const ::core::ffi::c_void {
            static __ABI_BRIDGE_BLOCK: ::abi_bridge::__private::LinkedBlock = ::abi_bridge::__private::LinkedBlock::new();
            __ABI_BRIDGE_BLOCK.code(__abi_bridge_index, __abi_bridge_name, #conv_value, || {
                let mut __abi_bridge_sigs: ::std::vec::Vec<::core::option::Option<::abi_bridge::__private::Signature>> =
                    ::std::vec![::core::option::Option::None; #n];
                #(#sigs)*
                __abi_bridge_sigs
            })
        }
    };
    quote! {
        #(#block_cfgs)*
        #[doc(hidden)]
        #[allow(non_snake_case, clippy::type_complexity)]
        #block_fn_item
        #(#fns)*
        #symbols
    }
}

/// The hidden function of a linked block: a name no user writes, distinct
/// for distinct blocks in one module (it depends on every declaration).
fn block_fn_name(block: &Block) -> Ident {
    // FNV-1a over the declarations' names and symbols: stable across builds.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for d in &block.decls {
        for byte in d.name().to_string().bytes().chain([0]).chain(d.symbol.bytes()).chain([0]) {
            hash = (hash ^ u64::from(byte)).wrapping_mul(0x100_0000_01b3);
        }
    }
    format_ident!("__abi_bridge_block_{:016x}", hash)
}

fn linked_fn(block: &Block, conv: &TokenStream, block_fn: &Ident, index: usize, d: &Decl) -> TokenStream {
    let p = Parts::new(d, conv);
    let (cfgs, attrs, vis, name, symbol) = (&d.cfgs, &d.attrs, &d.item.vis, d.name(), &d.symbol);
    let (block_cfgs, links, block_attrs) = (&block.cfgs, &block.links, &block.attrs);
    let Body { params, ret, entry_type, checks, conversions, locals } = p.body();
    let foreign_types = p.foreign_types();
    let name_str = name.to_string();
    let symbol_decl = quote_spanned! {Span::mixed_site()=>
        #(#links)*
        unsafe extern "C" {
            #[link_name = #symbol]
            fn __abi_bridge_symbol();
        }
    };
    // The user's parameters are converted first, in a scope holding no item
    // of ours; the items the call needs live in an inner block, where no
    // parameter is named (so a parameter may be called anything).
    let body = if d.variadic.is_some() {
        let call =
            p.variadic_call(quote_spanned!(Span::mixed_site()=> __abi_bridge_symbol as *const ::core::ffi::c_void));
        quote_spanned! {Span::mixed_site()=>
            #checks
            #conversions
            {
                #symbol_decl
                #call
            }
        }
    } else {
        quote_spanned! {Span::mixed_site()=>
        #checks
        #conversions
        {
            #symbol_decl
            // The generated code, made on the first call (for the whole
            // block); every later call is one load and one indirect call.
            static __ABI_BRIDGE_ENTRY: ::core::sync::atomic::AtomicPtr<()> =
                ::core::sync::atomic::AtomicPtr::new(__abi_bridge_first_call as *mut ());
            // rustc passes `__m128` as C does, but lints it as not FFI-safe
            // (its layout is not `repr(C)`); the runtime describes it exactly.
            #[allow(improper_ctypes_definitions)]
            unsafe extern "C-unwind" fn __abi_bridge_first_call(
                __abi_bridge_target: *const ::core::ffi::c_void
                #(, #locals: #foreign_types)*
            ) -> #ret {
                let __abi_bridge_code = #block_fn(#index, #name_str);
                __ABI_BRIDGE_ENTRY.store(__abi_bridge_code as *mut (), ::core::sync::atomic::Ordering::Release);
                // SAFETY: the code was generated for exactly this signature.
                let __abi_bridge_entry: #entry_type = unsafe { ::core::mem::transmute(__abi_bridge_code) };
                // SAFETY: forwarded unchanged from the caller's own promise.
                unsafe { __abi_bridge_entry(__abi_bridge_target #(, #locals)*) }
            }
            // SAFETY: the slot only ever holds the first-call shim or the
            // code for this signature, both of this type.
            let __abi_bridge_entry: #entry_type =
                unsafe { ::core::mem::transmute(__ABI_BRIDGE_ENTRY.load(::core::sync::atomic::Ordering::Acquire)) };
            // SAFETY: the caller promises the symbol has this signature.
            unsafe { __abi_bridge_entry(__abi_bridge_symbol as *const ::core::ffi::c_void #(, #locals)*) }
        }
        }
    };
    quote! {
        #(#block_cfgs)*
        #(#cfgs)*
        #(#block_attrs)*
        #(#attrs)*
        #[allow(non_snake_case, clippy::type_complexity)]
        #vis unsafe fn #name(#(#params),*) -> #ret {
            #body
        }
    }
}

/// `#[foreign_abi(conv, library = Name)]`: a type that loads the library.
fn library(conv: &TokenStream, conv_name: Conv, lib: &Ident, block: &Block) -> TokenStream {
    let (block_cfgs, block_attrs) = (&block.cfgs, &block.attrs);
    let library = format_ident!("__abi_bridge_library");
    let field_decls = block.decls.iter().map(|d| {
        let (cfgs, name) = (&d.cfgs, d.name());
        let pair = quote!((*const ::core::ffi::c_void, *const ::core::ffi::c_void));
        if d.optional.is_some() {
            quote!(#(#cfgs)* #name: ::core::option::Option<#pair>)
        } else {
            quote!(#(#cfgs)* #name: #pair)
        }
    });
    let resolves = block.decls.iter().enumerate().map(|(i, d)| {
        let (cfgs, symbol, optional) = (&d.cfgs, &d.symbol, d.optional.is_some());
        let target = format_ident!("__abi_bridge_target{}", i, span = Span::mixed_site());
        // A variadic function's codes are made at its calls.
        let sig = d.variadic.is_none().then(|| {
            let sig = Parts::new(d, conv).signature();
            quote_spanned!(Span::mixed_site()=> #(#cfgs)* __abi_bridge_sigs.push(#sig);)
        });
        quote_spanned! {Span::mixed_site()=>
            #(#cfgs)*
            let #target = ::abi_bridge::__private::resolve(&__abi_bridge_library, #symbol, #optional)?;
            #sig
        }
    });
    let inits = block.decls.iter().enumerate().map(|(i, d)| {
        let (cfgs, name) = (&d.cfgs, d.name());
        let target = format_ident!("__abi_bridge_target{}", i, span = Span::mixed_site());
        let code = match d.variadic {
            None => quote_spanned!(Span::mixed_site()=> __abi_bridge_codes.next().expect("one code per signature")),
            Some(_) => quote!(::core::ptr::null()),
        };
        if d.optional.is_some() {
            quote_spanned!(Span::mixed_site()=> #(#cfgs)* #name: { let __abi_bridge_code = #code; #target.map(|__abi_bridge_target| (__abi_bridge_target, __abi_bridge_code)) })
        } else {
            quote_spanned!(Span::mixed_site()=> #(#cfgs)* #name: (#target.expect("a required symbol was resolved"), #code))
        }
    });
    let methods = block.decls.iter().map(|d| library_method(conv, d));
    let doc = format!(
        "The functions of a shared object loaded at run time, called with the `{}` convention.",
        conv_name.name()
    );
    let conv_value = quote!(<#conv as ::abi_bridge::__private::StaticConv>::CONV);
    let resolve = quote_spanned! {Span::mixed_site()=>
        fn __abi_bridge_resolve(__abi_bridge_library: ::abi_bridge::Library) -> ::core::result::Result<Self, ::abi_bridge::Error> {
            let mut __abi_bridge_sigs = ::std::vec::Vec::new();
            #(#resolves)*
            let mut __abi_bridge_codes = ::abi_bridge::__private::entries(#conv_value, &__abi_bridge_sigs)?.into_iter();
            ::core::result::Result::Ok(Self { #(#inits,)* #library: __abi_bridge_library })
        }
    };
    quote! {
        #(#block_cfgs)*
        #(#block_attrs)*
        #[doc = #doc]
        #[allow(non_snake_case, clippy::type_complexity)]
        pub struct #lib {
            #(#field_decls,)*
            #library: ::abi_bridge::Library,
        }

        #(#block_cfgs)*
        // SAFETY: the fields are code addresses in a library kept open by
        // the `Library` field and immutable generated code; calling them is
        // what the `unsafe` methods are for, from any thread.
        unsafe impl ::core::marker::Send for #lib {}
        #(#block_cfgs)*
        // SAFETY: as above; nothing is mutated through `&self`.
        unsafe impl ::core::marker::Sync for #lib {}

        #(#block_cfgs)*
        impl ::core::fmt::Debug for #lib {
            fn fmt(&self, __abi_bridge_f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                __abi_bridge_f.debug_struct(::core::stringify!(#lib)).field("library", &self.#library.name()).finish_non_exhaustive()
            }
        }

        #(#block_cfgs)*
        impl #lib {
            /// Opens the shared object at the given path, resolves every declared
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
            pub unsafe fn load(__abi_bridge_path: impl ::core::convert::AsRef<::std::ffi::OsStr>) -> ::core::result::Result<Self, ::abi_bridge::Error> {
                // SAFETY: the caller vouches for the library.
                Self::__abi_bridge_resolve(unsafe { ::abi_bridge::Library::open(__abi_bridge_path)? })
            }

            /// Opens the library at `path` as [`load`](Self::load) does, with
            /// options for a Windows DLL: the host's own imports, strict
            /// binding, folders for dependent DLLs
            /// ([`abi_bridge::pe::LoadOptions`]).
            ///
            /// # Safety
            ///
            /// As for [`load`](Self::load); the host's imports must be what
            /// the DLL expects.
            ///
            /// # Errors
            ///
            /// As for [`load`](Self::load).
            pub unsafe fn load_with(
                __abi_bridge_path: impl ::core::convert::AsRef<::std::ffi::OsStr>,
                __abi_bridge_options: ::abi_bridge::pe::LoadOptions,
            ) -> ::core::result::Result<Self, ::abi_bridge::Error> {
                // SAFETY: the caller vouches for the library and its imports.
                Self::__abi_bridge_resolve(unsafe { ::abi_bridge::Library::open_with(__abi_bridge_path, __abi_bridge_options)? })
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
            pub unsafe fn from_library(__abi_bridge_library: ::abi_bridge::__private::libloading::Library) -> ::core::result::Result<Self, ::abi_bridge::Error> {
                Self::__abi_bridge_resolve(::abi_bridge::Library::from_libloading(__abi_bridge_library, ::core::stringify!(#lib)))
            }

            #resolve

            /// The library these functions come from.
            pub fn library(&self) -> &::abi_bridge::Library {
                &self.#library
            }

            #(#methods)*
        }
    }
}

fn library_method(conv: &TokenStream, d: &Decl) -> TokenStream {
    let p = Parts::new(d, conv);
    let (cfgs, attrs, vis, name) = (&d.cfgs, &d.attrs, &d.item.vis, d.name());
    let Body { params, ret, entry_type, checks, conversions, locals } = p.body();
    let call = if d.variadic.is_some() {
        let call = p.variadic_call(quote_spanned!(Span::mixed_site()=> __abi_bridge_target));
        quote_spanned! {Span::mixed_site()=>
            #checks
            #conversions
            let _ = __abi_bridge_code;
            #call
        }
    } else {
        quote_spanned! {Span::mixed_site()=>
            #checks
            #conversions
            // SAFETY: the code was generated for exactly this signature.
            let __abi_bridge_entry: #entry_type = unsafe { ::core::mem::transmute(__abi_bridge_code) };
            // SAFETY: the caller promises the symbol has this signature.
            unsafe { __abi_bridge_entry(__abi_bridge_target #(, #locals)*) }
        }
    };
    let allow: Attribute = syn::parse_quote!(#[allow(non_snake_case, clippy::type_complexity)]);
    // The receiver is hygienic like the body that uses it.
    let receiver = quote_spanned!(Span::mixed_site()=> &self);
    if d.optional.is_some() {
        let has = format_ident!("has_{}", name);
        let has_doc = format!("Whether the library exports `{}`.", d.symbol);
        let fetch = quote_spanned!(Span::mixed_site()=> let (__abi_bridge_target, __abi_bridge_code) = self.#name?;);
        quote! {
            #(#cfgs)*
            #(#attrs)*
            ///
            /// Optional: `None` when the library does not export the symbol.
            #allow
            #vis unsafe fn #name(#receiver, #(#params),*) -> ::core::option::Option<#ret> {
                #fetch
                ::core::option::Option::Some({ #call })
            }

            #(#cfgs)*
            #[doc = #has_doc]
            #allow
            #vis fn #has(&self) -> bool {
                self.#name.is_some()
            }
        }
    } else {
        let fetch = quote_spanned!(Span::mixed_site()=> let (__abi_bridge_target, __abi_bridge_code) = self.#name;);
        quote! {
            #(#cfgs)*
            #(#attrs)*
            #allow
            #vis unsafe fn #name(#receiver, #(#params),*) -> #ret {
                #fetch
                #call
            }
        }
    }
}
