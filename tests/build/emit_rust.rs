//! The Rust half of the corpus, `include!`d by `tests/src/corpus.rs`: the
//! same records as `#[repr(C)]` types, the record and signature tables, and
//! rustc's typed calls of every callee (`extern "win64"` and `extern "sysv64"`).

use std::fmt::Write;

use crate::corpus::{Corpus, FieldTy, Sig, ValTy};
use crate::emit_c::{callee_name, driver_name, record_decl};

fn rust_field_type(c: &Corpus, ty: &FieldTy) -> String {
    match ty {
        FieldTy::Scalar(s) => s.rust_name().to_owned(),
        FieldTy::Record(r) => c.records[*r].name.clone(),
        FieldTy::Array(elem, len) => format!("[{}; {len}]", rust_field_type(c, elem)),
    }
}

fn field_ty_expr(ty: &FieldTy) -> String {
    match ty {
        FieldTy::Scalar(s) => s.runtime_expr("FieldTy"),
        FieldTy::Record(r) => format!("FieldTy::Record({r})"),
        FieldTy::Array(elem, len) => format!("FieldTy::Array(&{}, {len})", field_ty_expr(elem)),
    }
}

fn val_ty_expr(ty: ValTy) -> String {
    match ty {
        ValTy::Scalar(s) => s.runtime_expr("ValTy"),
        ValTy::Record(r) => format!("ValTy::Record({r})"),
    }
}

fn c_field_decl(c: &Corpus, name: &str, ty: &FieldTy) -> String {
    match ty {
        FieldTy::Scalar(s) => format!("{} {name}", s.c_name()),
        FieldTy::Record(r) => format!("{} {name}", c.records[*r].name),
        FieldTy::Array(elem, len) => format!("{}[{len}]", c_field_decl(c, name, elem)),
    }
}

fn emit_records(c: &Corpus, out: &mut String) {
    for r in &c.records {
        let name = &r.name;
        let decl = record_decl(c, r);
        let kw = if r.union { "union" } else { "struct" };
        writeln!(out, "/// `{decl}`: {} bytes, aligned to {}.", r.size, r.align).unwrap();
        if r.union {
            let active = &r.fields[r.active_member(&c.records)].0;
            writeln!(out, "///\n/// Test values live in `{active}`, the first of the largest members.").unwrap();
            out.push_str("#[derive(Clone, Copy, abi_bridge::ForeignType)]\n");
        } else {
            out.push_str("#[derive(Clone, Copy, Debug, abi_bridge::ForeignType)]\n");
        }
        writeln!(out, "#[repr({})]\npub {kw} {name} {{", r.attrs.rust_repr()).unwrap();
        for (field, ty) in &r.fields {
            writeln!(out, "    /// C field `{}`.", c_field_decl(c, field, ty)).unwrap();
            writeln!(out, "    pub {field}: {},", rust_field_type(c, ty)).unwrap();
        }
        out.push_str("}\n");

        writeln!(out, "impl Value for {name} {{").unwrap();
        if r.union {
            let active = &r.fields[r.active_member(&c.records)].0;
            writeln!(
                out,
                "    fn generate(st: &mut SplitMix64) -> Self {{ {name} {{ {active}: Value::generate(st) }} }}"
            )
            .unwrap();
            writeln!(out, "    fn leaves(&self, out: &mut Vec<u64>) {{").unwrap();
            writeln!(
                out,
                "        // SAFETY: corpus values are only ever written through `{active}`, the active member."
            )
            .unwrap();
            writeln!(out, "        unsafe {{ self.{active} }}.leaves(out)\n    }}\n}}").unwrap();
            writeln!(out, "impl core::fmt::Debug for {name} {{").unwrap();
            writeln!(out, "    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {{").unwrap();
            writeln!(
                out,
                "        // SAFETY: corpus values are only ever written through `{active}`, the active member."
            )
            .unwrap();
            writeln!(
                out,
                "        f.debug_struct(\"{name}\").field(\"{active}\", &unsafe {{ self.{active} }}).finish()"
            )
            .unwrap();
            out.push_str("    }\n}\n");
        } else {
            let inits: Vec<String> = r.fields.iter().map(|(f, _)| format!("{f}: Value::generate(st)")).collect();
            writeln!(out, "    fn generate(st: &mut SplitMix64) -> Self {{ {name} {{ {} }} }}", inits.join(", "))
                .unwrap();
            // `{ self.f }` copies the field out: a packed one may not be borrowed.
            let leaves: Vec<String> = r.fields.iter().map(|(f, _)| format!("{{ self.{f} }}.leaves(out);")).collect();
            writeln!(out, "    fn leaves(&self, out: &mut Vec<u64>) {{ {} }}\n}}", leaves.join(" ")).unwrap();
        }
        out.push('\n');
    }
}

fn emit_record_table(c: &Corpus, out: &mut String) {
    out.push_str("/// Every struct and union of the corpus, the named edge cases first.\n");
    out.push_str("pub static RECORDS: &[RecordDef] = &[\n");
    for r in &c.records {
        let name = &r.name;
        let fields: Vec<String> =
            r.fields.iter().map(|(f, ty)| format!("FieldDef {{ name: \"{f}\", ty: {} }}", field_ty_expr(ty))).collect();
        let offsets: Vec<String> = r.fields.iter().map(|(f, _)| format!("offset_of!({name}, {f})")).collect();
        writeln!(
            out,
            "    RecordDef {{ name: \"{name}\", union: {}, attrs: {}, c_decl: \"{}\", fields: &[{}], \
             rustc: RustcLayout {{ size: size_of::<{name}>(), align: align_of::<{name}>(), offsets: &[{}] }} }},",
            r.union,
            r.attrs.runtime_expr(),
            record_decl(c, r),
            fields.join(", "),
            offsets.join(", ")
        )
        .unwrap();
    }
    out.push_str("];\n\n");

    out.push_str("/// `<T as ForeignType>::DESC` of every record, in [`RECORDS`] order.\n");
    out.push_str("pub fn derived_descs() -> Vec<&'static TypeDesc> {\n    vec![\n");
    for r in &c.records {
        writeln!(out, "        <{} as ForeignType>::DESC,", r.name).unwrap();
    }
    out.push_str("    ]\n}\n\n");

    let fields: usize = c.records.iter().map(|r| r.fields.len()).sum();
    writeln!(out, "const C_RECORDS: usize = {};\nconst C_FIELDS: usize = {fields};", c.records.len()).unwrap();
    out.push_str("extern \"C\" {\n    static abt_records: [CRecordLayout; C_RECORDS];\n");
    out.push_str("    static abt_fields: [CFieldLayout; C_FIELDS];\n}\n\n");
}

/// `fn name(a0: A0, ..) -> R`, for declarations.
pub(crate) fn rust_prototype(c: &Corpus, sig: &Sig, name: &str) -> String {
    let args: Vec<String> = sig.args.iter().enumerate().map(|(i, a)| format!("a{i}: {}", c.rust_type(*a))).collect();
    format!("fn {name}({}){}", args.join(", "), rust_ret(c, sig))
}

/// ` -> R`, or nothing for `void`.
pub(crate) fn rust_ret(c: &Corpus, sig: &Sig) -> String {
    sig.ret.map_or(String::new(), |r| format!(" -> {}", c.rust_type(r)))
}

/// The function type `fn(A0, ..) -> R` that names the signature in Rust.
pub(crate) fn rust_fn_type(c: &Corpus, sig: &Sig) -> String {
    let args: Vec<String> = sig.args.iter().map(|a| c.rust_type(*a)).collect();
    format!("fn({}){}", args.join(", "), rust_ret(c, sig))
}

/// `a0, a1, ..`: the argument names generated code uses.
pub(crate) fn arg_names(sig: &Sig) -> String {
    (0..sig.args.len()).map(|i| format!("a{i}")).collect::<Vec<_>>().join(", ")
}

/// The body of a function of `seed` that makes `sig`'s arguments from it
/// (named `a0, a1, ..`, their leaves in `args`), evaluates the unsafe
/// expression `call` (justified by `safety`), and returns
/// `{outcome}(args, ret_leaves)`.
pub(crate) fn typed_call_body(c: &Corpus, sig: &Sig, safety: &str, call: &str, outcome: &str) -> String {
    let mut out = String::new();
    if sig.args.is_empty() {
        out.push_str("    let _ = seed;\n    let args = Vec::new();\n");
    } else {
        out.push_str("    let mut st = SplitMix64::new(seed);\n    let mut args = Vec::new();\n");
    }
    for (i, a) in sig.args.iter().enumerate() {
        writeln!(out, "    let a{i} = <{} as Value>::generate(&mut st);", c.rust_type(*a)).unwrap();
        writeln!(out, "    a{i}.leaves(&mut args);").unwrap();
    }
    writeln!(out, "    // SAFETY: {safety}").unwrap();
    if sig.ret.is_some() {
        writeln!(out, "    let r = unsafe {{ {call} }};").unwrap();
        out.push_str("    let mut ret = Vec::new();\n    r.leaves(&mut ret);\n");
        writeln!(out, "    {outcome}(args, Some(ret))").unwrap();
    } else {
        writeln!(out, "    unsafe {{ {call} }};").unwrap();
        writeln!(out, "    {outcome}(args, None)").unwrap();
    }
    out
}

/// `gcc_call_<name>(conv, target, seed)` for a signature rustc cannot
/// call: gcc's `conv` driver (made from `seed`) calls `target`, and the
/// arguments' leaves are the ones `Value` makes from the same seed.
fn emit_gcc_call(c: &Corpus, sig: &Sig, out: &mut String) {
    let name = &sig.name;
    writeln!(
        out,
        "/// gcc's own call of `{name}`: the driver of `conv` (gcc) calling `target` with arguments made from `seed`."
    )
    .unwrap();
    out.push_str("///\n/// # Safety\n///\n/// `target` must be callable with `conv` and this signature.\n");
    writeln!(out, "pub unsafe fn gcc_call_{name}(conv: Conv, target: *const c_void, seed: u64) -> TypedOutcome {{")
        .unwrap();
    if sig.args.is_empty() {
        out.push_str("    let args = Vec::new();\n");
    } else {
        out.push_str("    let mut st = SplitMix64::new(seed);\n    let mut args = Vec::new();\n");
    }
    for a in &sig.args {
        writeln!(out, "    <{} as Value>::generate(&mut st).leaves(&mut args);", c.rust_type(*a)).unwrap();
    }
    out.push_str("    // SAFETY: `target` is callable with `conv` and this signature (the caller's promise).\n");
    writeln!(
        out,
        "    let ret = unsafe {{ crate::reverse::drive({}, {}, conv, target, seed) }};",
        driver_name(sig, 'w'),
        driver_name(sig, 's')
    )
    .unwrap();
    let ret = if sig.ret.is_some() { "Some(ret)" } else { "{ let _ = ret; None }" };
    writeln!(out, "    TypedOutcome::new(args, {ret})\n}}").unwrap();
}

fn emit_signatures(c: &Corpus, out: &mut String) {
    for (abi, letter) in [("win64", 'w'), ("sysv64", 's')] {
        writeln!(out, "extern \"{abi}\" {{").unwrap();
        for sig in &c.sigs {
            if c.rustc_expresses(sig) {
                writeln!(out, "    {};", rust_prototype(c, sig, &callee_name(sig, letter))).unwrap();
            } else {
                // Declared for its address only: rustc cannot express the
                // signature. Its driver calls it (`gcc_call_<name>`).
                writeln!(out, "    fn {}();", callee_name(sig, letter)).unwrap();
                let driver = driver_name(sig, letter);
                writeln!(out, "    fn {driver}(cb: *const c_void, seed: u64, out: *mut u64) -> usize;").unwrap();
            }
        }
        out.push_str("}\n\n");
    }

    for sig in &c.sigs {
        let (w, s) = (callee_name(sig, 'w'), callee_name(sig, 's'));
        let name = &sig.name;
        writeln!(out, "fn entry_{name}(conv: Conv) -> *const c_void {{").unwrap();
        writeln!(out, "    match conv {{ Conv::Win64 => {w} as *const c_void, Conv::SysV64 => {s} as *const c_void }}")
            .unwrap();
        out.push_str("}\n");
        if !c.rustc_expresses(sig) {
            // gcc on both sides: the callee's own driver calls it.
            emit_gcc_call(c, sig, out);
            writeln!(out, "fn typed_{name}(conv: Conv, seed: u64) -> TypedOutcome {{").unwrap();
            out.push_str("    // SAFETY: the entry is the C callee of this signature compiled for `conv`.\n");
            writeln!(out, "    unsafe {{ gcc_call_{name}(conv, entry_{name}(conv), seed) }}\n}}").unwrap();
            writeln!(out, "fn of_{name}() -> Signature {{ Signature::of::<{}>() }}", rust_fn_type(c, sig)).unwrap();
            continue;
        }

        let fn_type = rust_fn_type(c, sig);
        writeln!(out, "fn of_{name}() -> Signature {{ Signature::of::<{fn_type}>() }}").unwrap();
        let args = arg_names(sig);
        let call = format!("match conv {{ Conv::Win64 => {w}({args}), Conv::SysV64 => {s}({args}) }}");
        writeln!(out, "fn typed_{name}(conv: Conv, seed: u64) -> TypedOutcome {{").unwrap();
        out.push_str(&typed_call_body(
            c,
            sig,
            "each callee is the C function of exactly this signature, compiled\n    // (by gcc) for the convention its extern block declares.",
            &call,
            "TypedOutcome::new",
        ));
        out.push_str("}\n");
    }
    out.push('\n');

    out.push_str("/// Every signature of the corpus, the named edge cases first.\n");
    out.push_str("pub static SIGNATURES: &[SigDef] = &[\n");
    for sig in &c.sigs {
        let name = &sig.name;
        let args: Vec<String> = sig.args.iter().map(|a| val_ty_expr(*a)).collect();
        let ret = sig.ret.map_or("None".to_owned(), |r| format!("Some({})", val_ty_expr(r)));
        writeln!(
            out,
            "    SigDef {{ name: \"{name}\", named: {}, c_decl: \"{}\", args: &[{}], ret: {ret}, \
             entry: entry_{name}, typed: typed_{name}, of: of_{name} }},",
            sig.named,
            c.c_prototype(sig, name),
            args.join(", ")
        )
        .unwrap();
    }
    out.push_str("];\n");
}

/// The generated Rust source.
pub(crate) fn emit(c: &Corpus) -> String {
    let mut out = String::new();
    out.push_str("// Generated by tests/build.rs from the corpus in tests/build/corpus.rs. Do not edit.\n\n");
    writeln!(out, "/// How many records of [`RECORDS`] are hand-written edge cases (they come first).").unwrap();
    writeln!(out, "pub const NAMED_RECORDS: usize = {};", c.named_records).unwrap();
    writeln!(out, "/// How many signatures of [`SIGNATURES`] are hand-written edge cases (they come first).").unwrap();
    writeln!(out, "pub const NAMED_SIGNATURES: usize = {};\n", c.named_sigs).unwrap();
    emit_records(c, &mut out);
    emit_record_table(c, &mut out);
    emit_signatures(c, &mut out);
    out
}
