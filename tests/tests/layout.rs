//! Our C layout of every corpus record equals gcc's: size, alignment, and the
//! offset and size of every field, as gcc itself reports them (`sizeof`,
//! `_Alignof`, `offsetof`). Checked for the run-time descriptions built by
//! `TypeDesc::new_struct` / `new_union` / `new_array`, for rustc's layout of
//! the `#[repr(C)]` Rust types, and for `#[derive(ForeignType)]`'s `DESC`
//! (which must also describe the same shape as the run-time description, down
//! to every nested scalar).

use abi_bridge_runtime::{TypeDesc, TypeKind};
use abi_bridge_tests::corpus::{derived_descs, gcc_layouts, record_descs, GccLayout, NAMED_RECORDS, RECORDS};

/// Every difference between gcc's layout and `desc`, as readable lines.
fn differences(gcc: &GccLayout, desc: &TypeDesc) -> Vec<String> {
    let mut diffs = Vec::new();
    if (desc.size, desc.align) != (gcc.size, gcc.align) {
        diffs.push(format!("size/align {}/{} (gcc: {}/{})", desc.size, desc.align, gcc.size, gcc.align));
    }
    let fields = match desc.kind {
        TypeKind::Struct(fields) | TypeKind::Union(fields) => fields,
        _ => return vec![format!("described as {:?}, not a struct or union", desc.kind)],
    };
    if fields.len() != gcc.fields.len() {
        diffs.push(format!("{} fields (gcc: {})", fields.len(), gcc.fields.len()));
    }
    for (field, (name, offset, size)) in fields.iter().zip(&gcc.fields) {
        if (field.name, field.offset, field.ty.size) != (name.as_str(), *offset, *size) {
            diffs.push(format!(
                "field `{}` at {} ({} bytes) (gcc: `{name}` at {offset} ({size} bytes))",
                field.name, field.offset, field.ty.size
            ));
        }
    }
    diffs
}

#[test]
fn run_time_descriptions_match_gcc() {
    let gcc = gcc_layouts();
    assert_eq!(gcc.len(), RECORDS.len(), "gcc's table and the corpus disagree on the number of records");
    let mut failures = Vec::new();
    let mut fields = 0;
    for ((record, gcc), desc) in RECORDS.iter().zip(&gcc).zip(record_descs()) {
        assert_eq!(record.name, gcc.name, "gcc's table is not in corpus order");
        fields += gcc.fields.len();
        for diff in differences(gcc, desc) {
            failures.push(format!("{}: {diff}", record.c_decl));
        }
    }
    assert!(failures.is_empty(), "our layout differs from gcc's:\n{}", failures.join("\n"));
    println!(
        "layout: {} records ({NAMED_RECORDS} named, {} random), {fields} fields: run-time descriptions match gcc",
        RECORDS.len(),
        RECORDS.len() - NAMED_RECORDS
    );
}

#[test]
fn rustc_repr_c_matches_gcc() {
    let mut failures = Vec::new();
    for (record, gcc) in RECORDS.iter().zip(gcc_layouts()) {
        let rustc = &record.rustc;
        if (rustc.size, rustc.align) != (gcc.size, gcc.align) {
            failures.push(format!(
                "{}: rustc size/align {}/{} (gcc: {}/{})",
                record.c_decl, rustc.size, rustc.align, gcc.size, gcc.align
            ));
        }
        let gcc_offsets: Vec<usize> = gcc.fields.iter().map(|f| f.1).collect();
        if rustc.offsets != gcc_offsets {
            failures.push(format!("{}: rustc offsets {:?} (gcc: {gcc_offsets:?})", record.c_decl, rustc.offsets));
        }
    }
    assert!(failures.is_empty(), "rustc's #[repr(C)] layout differs from gcc's:\n{}", failures.join("\n"));
    println!("layout: {} records: rustc's #[repr(C)] layout matches gcc", RECORDS.len());
}

#[test]
fn derived_descriptions_match_gcc() {
    let mut failures = Vec::new();
    for ((record, gcc), desc) in RECORDS.iter().zip(gcc_layouts()).zip(derived_descs()) {
        for diff in differences(&gcc, desc) {
            failures.push(format!("{}: {diff}", record.c_decl));
        }
    }
    assert!(failures.is_empty(), "#[derive(ForeignType)] differs from gcc:\n{}", failures.join("\n"));
    println!("layout: {} records: #[derive(ForeignType)] descriptions match gcc", RECORDS.len());
}

/// Where `a` and `b` first differ in anything but names: size, alignment,
/// kind, and recursively every field's offset and type.
fn shape_difference(a: &TypeDesc, b: &TypeDesc, path: &str) -> Option<String> {
    if (a.size, a.align) != (b.size, b.align) {
        return Some(format!("{path}: size/align {}/{} vs {}/{}", a.size, a.align, b.size, b.align));
    }
    match (a.kind, b.kind) {
        (TypeKind::Scalar(x), TypeKind::Scalar(y)) if x == y => None,
        (TypeKind::Struct(f), TypeKind::Struct(g)) | (TypeKind::Union(f), TypeKind::Union(g)) if f.len() == g.len() => {
            f.iter().zip(g).find_map(|(f, g)| {
                let path = format!("{path}.{}", f.name);
                if f.offset != g.offset {
                    return Some(format!("{path}: offset {} vs {}", f.offset, g.offset));
                }
                shape_difference(f.ty, g.ty, &path)
            })
        }
        (TypeKind::Array { elem: x, len: n }, TypeKind::Array { elem: y, len: m }) if n == m => {
            shape_difference(x, y, &format!("{path}[]"))
        }
        (x, y) => Some(format!("{path}: {x:?} vs {y:?}")),
    }
}

#[test]
fn derived_descriptions_have_the_run_time_shape() {
    let mut failures = Vec::new();
    for ((record, derived), run_time) in RECORDS.iter().zip(derived_descs()).zip(record_descs()) {
        if let Some(diff) = shape_difference(derived, run_time, record.name) {
            failures.push(format!("{}: derived vs run-time: {diff}", record.c_decl));
        }
    }
    assert!(failures.is_empty(), "#[derive(ForeignType)] and TypeDesc::new_* disagree:\n{}", failures.join("\n"));
    println!("layout: {} records: #[derive(ForeignType)] and run-time descriptions have the same shape", RECORDS.len());
}
