//! The rules of the C ABI that a `#[derive(ForeignType)]` input must follow.
//! Each broken rule is an error on the token at fault that says what to do
//! instead; what passes becomes a [`Shape`] the expansion can rely on.
//! Whether a field's type has a `ForeignType` description is not a rule
//! checked here: only the compiler knows, so the expansion asks it.

use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{Fields, Ident, Member, Type};

use super::parse::{Body, Input, ReprKind};
use crate::errors::Errors;

/// How a checked input travels across a foreign call.
pub(crate) enum Shape<'a> {
    /// A `#[repr(C)]` struct or union, laid out by C's rules from its fields.
    Record {
        /// `true` for a union: every field at offset 0.
        union: bool,
        /// `packed(N)` and `align(N)`, if given.
        packing: Packing,
        /// The fields, in declaration order.
        fields: Vec<RecordField<'a>>,
    },
    /// A fieldless enum, which travels as its integer `repr`.
    Enum {
        /// The integer type named in `#[repr(..)]`.
        repr: Ident,
    },
    /// A `#[repr(transparent)]` newtype, which travels as its one field that
    /// is not `PhantomData`.
    Transparent {
        /// That field's type.
        inner: &'a Type,
    },
}

/// What `#[repr(packed(N))]` and `#[repr(align(N))]` ask of a record's
/// layout (at most one of them: rustc rejects the pair).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Packing {
    /// `packed(N)`: no field aligned past `N`.
    pub(crate) max_field_align: Option<usize>,
    /// `align(N)`: the record aligned to at least `N`.
    pub(crate) min_align: Option<usize>,
}

/// A field of a struct or union.
pub(crate) struct RecordField<'a> {
    /// How `offset_of!` names it: an identifier or a tuple index.
    pub(crate) member: Member,
    /// Its name in the type description (`"x"`, or `"0"` in a tuple struct).
    pub(crate) name: String,
    /// Its type.
    pub(crate) ty: &'a Type,
}

/// What the checks made of an input.
pub(crate) struct Checked<'a> {
    /// How the input travels; `None` only if a broken rule leaves it no
    /// shape (an enum without an integer repr, a newtype without a field).
    /// Meaningful only if no rule is broken.
    pub(crate) shape: Option<Shape<'a>>,
    /// The types of the described fields that broke no rule here. Whether
    /// they are `ForeignType`s only the compiler can tell, and it must tell
    /// even when the input is rejected for another mistake, so that all of
    /// them show in one build.
    pub(crate) unjudged: Vec<&'a Type>,
}

/// Holds `input` to the rules, recording in `errors` every rule it breaks.
pub(crate) fn check<'a>(input: &Input<'a>, errors: &mut Errors) -> Checked<'a> {
    unverified_reprs(input, errors);
    let mut unjudged = Vec::new();
    let shape = match input.body {
        Body::Struct(fields) if has(input, &ReprKind::Transparent) => transparent(input, fields, &mut unjudged, errors),
        Body::Struct(fields) => record(input, false, fields.iter().collect(), &mut unjudged, errors),
        Body::Union(fields) => record(input, true, fields.named.iter().collect(), &mut unjudged, errors),
        Body::Enum(_) => fieldless_enum(input, errors),
    };
    if input.concrete_type().is_none() {
        for expect in &input.expects {
            errors.error(
                &expect.lit,
                format!(
                    "`expect(..)` needs a type without type or const parameters: how `{}` travels depends on them",
                    input.ident
                ),
            );
        }
    }
    Checked { shape, unjudged }
}

fn has(input: &Input<'_>, kind: &ReprKind) -> bool {
    input.reprs.iter().any(|r| r.kind == *kind)
}

/// `repr` items whose layouts abi-bridge has not compared with gcc's.
fn unverified_reprs(input: &Input<'_>, errors: &mut Errors) {
    for repr in &input.reprs {
        match &repr.kind {
            // C has no record both packed and over-aligned through one
            // attribute, and rustc rejects the pair (E0587).
            ReprKind::Align(_) if input.reprs.iter().any(|r| matches!(r.kind, ReprKind::Packed(_))) => errors.error(
                &repr.tokens,
                "`align(N)` together with `packed`: a record is either packed (fields aligned to at most N, C's \
                 `#pragma pack(N)`) or over-aligned (C's `__attribute__((aligned(N)))`), not both; to align a \
                 packed record, wrap it in an aligned one",
            ),
            ReprKind::Rust => errors.error(
                &repr.tokens,
                "`#[repr(Rust)]` leaves the layout to rustc, so C code would read the wrong bytes; \
                 use `#[repr(C)]` to derive `ForeignType`",
            ),
            // Enums and newtypes travel as their integer or field, which the
            // attribute would no longer be: only records are laid out anew.
            ReprKind::Packed(_) | ReprKind::Align(_) if !is_record(input) => errors.error(
                &repr.tokens,
                format!(
                    "`{}` on `{}`, which travels as its integer or field: packing and over-alignment apply to \
                     `#[repr(C)]` structs and unions only; wrap the value in such a struct instead",
                    repr.tokens, input.ident
                ),
            ),
            _ => {}
        }
    }
}

/// Whether the input is laid out by C's record rules (not an enum or a
/// transparent newtype).
fn is_record(input: &Input<'_>) -> bool {
    match input.body {
        Body::Struct(_) => !has(input, &ReprKind::Transparent),
        Body::Union(_) => true,
        Body::Enum(_) => false,
    }
}

/// A `#[repr(C)]` struct or union; every field is described.
fn record<'a>(
    input: &Input<'a>,
    union: bool,
    fields: Vec<&'a syn::Field>,
    unjudged: &mut Vec<&'a Type>,
    errors: &mut Errors,
) -> Option<Shape<'a>> {
    let keyword = if union { "union" } else { "struct" };
    if !has(input, &ReprKind::C) && !has(input, &ReprKind::Rust) {
        errors.error(
            input.ident,
            format!(
                "`{}` needs `#[repr(C)]` to derive `ForeignType`: without it rustc may reorder and pad the fields \
                 as it likes, so C code would read the wrong bytes; add `#[repr(C)]` above `{keyword} {}`",
                input.ident, input.ident
            ),
        );
    }
    if fields.is_empty() {
        errors.error(input.ident, zero_sized_message(input.ident));
    }
    unjudged.extend(fields.iter().map(|field| &field.ty));
    let fields = fields
        .into_iter()
        .enumerate()
        .map(|(i, field)| {
            let member = match &field.ident {
                Some(ident) => Member::Named(ident.clone()),
                None => Member::Unnamed(syn::Index { index: i as u32, span: field.ty.span() }),
            };
            let name = match &field.ident {
                Some(ident) => ident.unraw().to_string(),
                None => i.to_string(),
            };
            RecordField { member, name, ty: &field.ty }
        })
        .collect();
    Some(Shape::Record { union, packing: packing(input), fields })
}

/// The record's `packed(N)` and `align(N)`.
fn packing(input: &Input<'_>) -> Packing {
    input.reprs.iter().fold(Packing::default(), |packing, repr| match repr.kind {
        ReprKind::Packed(n) => Packing { max_field_align: Some(n), ..packing },
        ReprKind::Align(n) => Packing { min_align: Some(n), ..packing },
        _ => packing,
    })
}

fn zero_sized_message(ident: &Ident) -> String {
    format!(
        "`{ident}` has no fields, but C has no zero-sized types, so it cannot cross a foreign ABI boundary; \
         add a field, or leave it out of foreign signatures"
    )
}

/// A `#[repr(transparent)]` struct: exactly one field that is not `PhantomData`,
/// the only one described.
fn transparent<'a>(
    input: &Input<'a>,
    fields: &'a Fields,
    unjudged: &mut Vec<&'a Type>,
    errors: &mut Errors,
) -> Option<Shape<'a>> {
    let mut inner = fields.iter().filter(|field| !is_phantom_data(&field.ty));
    let Some(first) = inner.next() else {
        errors.error(input.ident, zero_sized_message(input.ident));
        return None;
    };
    for extra in inner {
        errors.error(
            &extra.ty,
            format!(
                "`#[repr(transparent)]` `{}` travels as its one field that is not `PhantomData`, but this is a \
                 second one; remove it, or make it `PhantomData`",
                input.ident
            ),
        );
    }
    unjudged.push(&first.ty);
    Some(Shape::Transparent { inner: &first.ty })
}

/// Whether `ty` is `PhantomData<..>` under any path; the one zero-sized
/// field type the derive recognises beside a transparent newtype's field.
fn is_phantom_data(ty: &Type) -> bool {
    match ty {
        Type::Path(path) => path.qself.is_none() && path.path.segments.last().is_some_and(|s| s.ident == "PhantomData"),
        Type::Group(group) => is_phantom_data(&group.elem),
        Type::Paren(paren) => is_phantom_data(&paren.elem),
        _ => false,
    }
}

/// A fieldless enum with an integer `repr`.
fn fieldless_enum<'a>(input: &Input<'a>, errors: &mut Errors) -> Option<Shape<'a>> {
    let Body::Enum(variants) = input.body else { unreachable!("called for enums only") };
    if variants.is_empty() {
        errors.error(
            input.ident,
            format!(
                "`{}` has no variants, so no value of it can cross a foreign ABI boundary; add the C enum's \
                 constants as variants",
                input.ident
            ),
        );
    }
    for variant in variants {
        if !matches!(variant.fields, Fields::Unit) {
            errors.error(
                &variant.fields,
                format!(
                    "`{}::{}` carries data, but `#[derive(ForeignType)]` supports only fieldless enums with an \
                     integer repr; for a C tagged union, derive it on a `#[repr(C)]` struct holding an integer tag \
                     and a `#[repr(C)]` union of the payloads",
                    input.ident, variant.ident
                ),
            );
        }
    }
    let int = input.reprs.iter().find_map(|r| match &r.kind {
        ReprKind::Int(int) => Some(int.clone()),
        _ => None,
    });
    if int.is_none() {
        // Point at `#[repr(C)]` if that is what was written instead of an integer.
        let at = input.reprs.iter().find(|r| r.kind == ReprKind::C).map(|r| &r.tokens);
        let message = format!(
            "`{}` needs an integer `#[repr(..)]` to derive `ForeignType`: a C enum travels as its underlying \
             integer type, and Rust must be told which one it is; add `#[repr(i32)]` (C's `int`, what most \
             compilers pick) or the C enum's underlying type",
            input.ident
        );
        match at {
            Some(c) => errors.error(c, message),
            None => errors.error(input.ident, message),
        }
    }
    Some(Shape::Enum { repr: int? })
}
