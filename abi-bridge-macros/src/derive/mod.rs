//! `#[derive(ForeignType)]`: read the input ([`parse`]), hold it to the rules
//! of the C ABI ([`check`]), and generate the impl ([`expand`]).

mod check;
mod expand;
mod expect;
mod parse;

use proc_macro2::TokenStream;

use crate::errors::Errors;

/// The expansion of `#[derive(ForeignType)]` on `input`: the impl, or, if
/// the input breaks any rule, its errors and the compiler's check of the
/// field types the rules left alone (no impl: one built from a rejected type
/// would just add confusing follow-up errors). Either way every mistake in
/// the input shows in one build.
pub(crate) fn derive(input: &syn::DeriveInput) -> TokenStream {
    let mut errors = Errors::default();
    let input = parse::input(input, &mut errors);
    let checked = check::check(&input, &mut errors);
    match (errors.finish(), checked.shape) {
        (Ok(()), Some(shape)) => expand::expand(&input, &shape),
        (Err(errors), _) => {
            let mut out = errors.to_compile_error();
            out.extend(expand::field_checks(&input, &checked.unjudged));
            out
        }
        (Ok(()), None) => unreachable!("`check::check` records an error whenever it finds no shape"),
    }
}

#[cfg(test)]
mod tests {
    use quote::quote;

    fn derive(input: proc_macro2::TokenStream) -> String {
        super::derive(&syn::parse2(input).unwrap()).to_string()
    }

    /// The whole expansion for the simplest struct: the layout computed from
    /// the fields' descriptions, rustc's layout asserted against it, and the
    /// description evaluated at the definition.
    #[test]
    fn struct_expansion() {
        let offset = |field: &str| {
            format!(
                "#[derive(ForeignType)]: rustc places `Vec2::{field}` at another offset than C does, so the \
                 `ForeignType` description of this field's type or an earlier one's is wrong"
            )
        };
        let (x_offset, y_offset) = (offset("x"), offset("y"));
        let size = "#[derive(ForeignType)]: rustc's size of `Vec2` is not C's, so the `ForeignType` description of a \
                    field's type is wrong";
        let align = "#[derive(ForeignType)]: rustc's alignment of `Vec2` is not C's, so the `ForeignType` \
                     description of a field's type is wrong";
        let expected = quote! {
            const _: () = {
                #[automatically_derived]
                unsafe impl ::abi_bridge::__private::ForeignType for Vec2 {
                    const DESC: &'static ::abi_bridge::__private::TypeDesc = &{
                        let __abi_bridge_descs = [
                            <f64 as ::abi_bridge::__private::ForeignType>::DESC,
                            <f64 as ::abi_bridge::__private::ForeignType>::DESC
                        ];
                        let __abi_bridge_layout = ::abi_bridge::__private::c_layout(false, ::abi_bridge::__private::RecordAttrs::C, &__abi_bridge_descs);
                        ::core::assert!(
                            ::abi_bridge::__private::offset_of!(Self, x) == __abi_bridge_layout.offsets[0],
                            #x_offset
                        );
                        ::core::assert!(
                            ::abi_bridge::__private::offset_of!(Self, y) == __abi_bridge_layout.offsets[1],
                            #y_offset
                        );
                        ::core::assert!(
                            ::abi_bridge::__private::size_of::<Self>() == __abi_bridge_layout.size,
                            #size
                        );
                        ::core::assert!(
                            ::abi_bridge::__private::align_of::<Self>() == __abi_bridge_layout.align,
                            #align
                        );
                        ::abi_bridge::__private::TypeDesc {
                            name: "Vec2",
                            size: __abi_bridge_layout.size,
                            align: __abi_bridge_layout.align,
                            kind: ::abi_bridge::__private::TypeKind::Struct(&[
                                ::abi_bridge::__private::Field {
                                    name: "x",
                                    offset: __abi_bridge_layout.offsets[0],
                                    ty: __abi_bridge_descs[0]
                                },
                                ::abi_bridge::__private::Field {
                                    name: "y",
                                    offset: __abi_bridge_layout.offsets[1],
                                    ty: __abi_bridge_descs[1]
                                }
                            ]),
                        }
                    };
                }
                let _ = <Vec2 as ::abi_bridge::__private::ForeignType>::DESC;
            };
        };
        assert_eq!(
            derive(quote!(
                #[repr(C)]
                struct Vec2 {
                    x: f64,
                    y: f64,
                }
            )),
            expected.to_string()
        );
    }

    #[test]
    fn enums_and_newtypes_are_renamed_descriptions() {
        let e = derive(quote!(
            #[repr(u16)]
            enum Mode {
                A,
                B,
            }
        ));
        assert!(e.contains(&quote!(&<u16 as ::abi_bridge::__private::ForeignType>::DESC.renamed("Mode")).to_string()));
        let t = derive(quote!(
            #[repr(transparent)]
            struct Id<T>(u32, PhantomData<T>);
        ));
        assert!(t.contains(&quote!(&<u32 as ::abi_bridge::__private::ForeignType>::DESC.renamed("Id")).to_string()));
        // No bound on `T`: the described field does not name it.
        assert!(!t.contains("where"), "{t}");
    }

    #[test]
    fn generic_records_bound_the_fields_that_name_a_parameter() {
        let out = derive(quote!(
            #[repr(C)]
            struct Pair<T> {
                a: [T; 2],
                b: u8,
                c: *const T,
            }
        ));
        let bounds =
            quote!(where [T; 2]: ::abi_bridge::__private::ForeignType, *const T: ::abi_bridge::__private::ForeignType);
        assert!(out.contains(&bounds.to_string()), "{out}");
        // Nothing to evaluate before `T` is known.
        assert!(!out.contains("let _ ="));
    }

    #[test]
    fn an_expectation_panics_for_every_other_class() {
        let out = derive(quote! {
            #[repr(C)]
            #[foreign_type(expect(win64 = "by-ref"))]
            struct Vec2 { x: f64, y: f64 }
        });
        assert_eq!(out.matches("panic !").count(), 2, "{out}");
        assert!(out.contains(r#"does not hold: win64 passes `Vec2` as \"integer\""#), "{out}");
        assert!(out.contains(r#"does not hold: win64 passes `Vec2` as \"sse\""#), "{out}");
    }

    #[test]
    fn a_rejected_input_expands_to_its_errors_only() {
        let out = derive(quote!(
            struct Big {
                a: u128,
            }
        ));
        assert_eq!(out.matches("compile_error").count(), 1, "{out}");
        assert!(!out.contains("impl"), "{out}");
    }

    /// One rejected field must not hide the others: the compiler is asked
    /// about every field type the rules did not judge, each on its own.
    #[test]
    fn a_rejected_input_leaves_its_other_fields_to_the_compiler() {
        let out = derive(quote!(
            #[repr(C)]
            #[foreign_type(expect(win64 = "register"))]
            struct Mixed<'a, T, const N: usize> {
                a: i128,
                b: String,
                c: [Option<u128>; 2],
                d: &'a str,
                e: [u8; N],
                f: Vec<T>,
            }
        ));
        assert_eq!(out.matches("compile_error").count(), 1, "{out}");
        assert!(!out.contains("impl"), "{out}");
        let checks = quote! {
            const _: () = {
                #[allow(dead_code)]
                fn __abi_bridge_field_types<'a, T, const N: usize>() {
                    let _ = <i128 as ::abi_bridge::__private::ForeignType>::DESC;
                    let _ = <String as ::abi_bridge::__private::ForeignType>::DESC;
                    let _ = <[Option<u128>; 2] as ::abi_bridge::__private::ForeignType>::DESC;
                    let _ = <&'a str as ::abi_bridge::__private::ForeignType>::DESC;
                    let _ = <[u8; N] as ::abi_bridge::__private::ForeignType>::DESC;
                }
            };
        };
        assert!(out.ends_with(&checks.to_string()), "{out}");
    }
}
