//! The C half of the corpus, in three files:
//!
//! - `corpus.h`: the records as typedefs, and per record the inline helpers
//!   that hash a value, fill one from the generator, and list its leaves;
//! - `corpus.c`: gcc's layout table, and for every named signature an
//!   `ms_abi` and a `sysv_abi` callee that hash what they received and return
//!   values made from that hash; `corpus_random.c`: the same callees for the
//!   random signatures (apart, so the shared-object build, which only needs
//!   named signatures, compiles a sixth of the callees);
//! - `drivers.c`: for every signature an `ms_abi` and a `sysv_abi` *driver*
//!   that makes the arguments from a seed, calls a function pointer of that
//!   signature and convention with them, and lists the leaves of what it got
//!   back: gcc as the caller of a callback.

use std::fmt::Write;

use crate::corpus::{Attrs, Corpus, FieldTy, Record, Sc, Sig, ValTy};

/// The C symbol of `sig`'s callee with the given ABI (`w` for ms_abi, `s` for sysv_abi).
pub(crate) fn callee_name(sig: &Sig, abi: char) -> String {
    format!("abt_{abi}_{}", sig.name)
}

/// The C symbol of `sig`'s driver with the given ABI (`w` for ms_abi, `s` for sysv_abi).
pub(crate) fn driver_name(sig: &Sig, abi: char) -> String {
    format!("abt_drive_{abi}_{}", sig.name)
}

/// The two ABIs: the letter in symbol names and gcc's attribute.
const ABIS: [(char, &str); 2] = [('w', "ms_abi"), ('s', "sysv_abi")];

fn field_decl(c: &Corpus, name: &str, ty: &FieldTy) -> String {
    match ty {
        FieldTy::Scalar(s) => format!("{} {name};", s.c_name()),
        FieldTy::Record(r) => format!("{} {name};", c.records[*r].name),
        FieldTy::Array(elem, len) => {
            let elem = match **elem {
                FieldTy::Scalar(s) => s.c_name().to_owned(),
                FieldTy::Record(r) => c.records[r].name.clone(),
                FieldTy::Array(..) => unreachable!("the corpus has no arrays of arrays"),
            };
            format!("{elem} {name}[{len}];")
        }
    }
}

/// The C definition of a record, on one line (also used in Rust docs).
pub(crate) fn record_decl(c: &Corpus, r: &Record) -> String {
    let kw = if r.union { "union" } else { "struct" };
    let attr = match r.attrs {
        Attrs::Packed(1) => "__attribute__((packed)) ".to_owned(),
        Attrs::Aligned(n) => format!("__attribute__((aligned({n}))) "),
        Attrs::Plain | Attrs::Packed(_) => String::new(),
    };
    let fields: Vec<String> = r.fields.iter().map(|(name, ty)| field_decl(c, name, ty)).collect();
    format!("{kw} {attr}{} {{ {} }}", r.name, fields.join(" "))
}

/// The `#pragma pack(n)` that must surround a record's definition, if any
/// (gcc's spelling of packing to more than one byte).
fn pragma_pack(r: &Record) -> Option<usize> {
    match r.attrs {
        Attrs::Packed(n) if n > 1 => Some(n),
        _ => None,
    }
}

/// What to do with every leaf of a value: the three walks the C side makes.
#[derive(Clone, Copy)]
enum Walk {
    /// Hash each leaf into `h`.
    Hash,
    /// Set each leaf from the generator `st`.
    Fill,
    /// Append each leaf's bits to the array at `o`.
    Leaves,
}

impl Walk {
    fn scalar(self, s: Sc, place: &str) -> String {
        // A complex number is two leaves of its real type, real part first
        // (gcc's `__real__` and `__imag__` are lvalues).
        if let Some(part) = s.complex_part() {
            return format!(
                "{} {}",
                self.scalar(part, &format!("__real__ {place}")),
                self.scalar(part, &format!("__imag__ {place}"))
            );
        }
        let k = s.c_helper();
        // A 128-bit integer is two leaves, low half first; a `long double`
        // its significand then its sign and exponent; a vector its two 64-bit
        // halves. The generator draws both, and the hash and the leaf list
        // take both.
        if s.has_leaf_helpers() {
            return match self {
                Walk::Hash => format!("h = abt_mix_{k}(h, {place});"),
                Walk::Fill => format!("{place} = abt_from_{k}(st);"),
                Walk::Leaves => format!("o = abt_leaves_{k}(o, {place});"),
            };
        }
        match self {
            Walk::Hash => format!("h = abt_mix(h, abt_bits_{k}({place}));"),
            Walk::Fill => format!("{place} = abt_from_{k}(abt_next(st));"),
            Walk::Leaves => format!("*o++ = abt_bits_{k}({place});"),
        }
    }

    fn record(self, name: &str, place: &str) -> String {
        match self {
            Walk::Hash => format!("h = abt_hash_{name}(h, &{place});"),
            Walk::Fill => format!("abt_fill_{name}(st, &{place});"),
            Walk::Leaves => format!("o = abt_leaves_{name}(o, &{place});"),
        }
    }
}

/// Statements applying `walk` to every leaf of the lvalue `place` of type `ty`.
fn walk_place(c: &Corpus, out: &mut String, walk: Walk, place: &str, ty: &FieldTy, depth: usize) {
    match ty {
        FieldTy::Scalar(s) => writeln!(out, "    {}", walk.scalar(*s, place)).unwrap(),
        FieldTy::Record(r) => writeln!(out, "    {}", walk.record(&c.records[*r].name, place)).unwrap(),
        FieldTy::Array(elem, len) => {
            let i = format!("i{depth}");
            writeln!(out, "    for (int {i} = 0; {i} < {len}; {i}++) {{").unwrap();
            walk_place(c, out, walk, &format!("{place}[{i}]"), elem, depth + 1);
            out.push_str("    }\n");
        }
    }
}

fn val_field(ty: ValTy) -> FieldTy {
    match ty {
        ValTy::Scalar(s) => FieldTy::Scalar(s),
        ValTy::Record(r) => FieldTy::Record(r),
    }
}

/// `corpus.h`: the records and their helpers, one record at a time (nested
/// records always come earlier in the corpus).
pub(crate) fn emit_header(c: &Corpus) -> String {
    let mut out = String::new();
    out.push_str("/* Generated by tests/build.rs from the corpus in tests/build/corpus.rs. Do not edit. */\n");
    out.push_str("#ifndef ABT_CORPUS_H\n#define ABT_CORPUS_H\n\n#include \"corpus_support.h\"\n\n");
    for r in &c.records {
        let name = &r.name;
        if let Some(n) = pragma_pack(r) {
            writeln!(out, "#pragma pack(push, {n})").unwrap();
        }
        writeln!(out, "typedef {} {name};", record_decl(c, r)).unwrap();
        if pragma_pack(r).is_some() {
            out.push_str("#pragma pack(pop)\n");
        }
        // A union's value is its active member; its other bytes are padding.
        let members: Vec<&(String, FieldTy)> =
            if r.union { vec![&r.fields[r.active_member(&c.records)]] } else { r.fields.iter().collect() };
        let helpers = [
            (Walk::Hash, format!("uint64_t abt_hash_{name}(uint64_t h, const {name} *v)"), "    return h;\n"),
            (Walk::Fill, format!("void abt_fill_{name}(uint64_t *st, {name} *v)"), ""),
            (Walk::Leaves, format!("uint64_t *abt_leaves_{name}(uint64_t *o, const {name} *v)"), "    return o;\n"),
        ];
        for (walk, proto, tail) in helpers {
            writeln!(out, "static inline {proto} {{").unwrap();
            for (field, ty) in &members {
                walk_place(c, &mut out, walk, &format!("v->{field}"), ty, 0);
            }
            out.push_str(tail);
            out.push_str("}\n");
        }
        out.push('\n');
    }
    out.push_str("#endif\n");
    out
}

/// `corpus.c`: gcc's layout of every record and two callees per named signature.
pub(crate) fn emit_named_callees(c: &Corpus) -> String {
    let mut out = String::new();
    out.push_str("/* Generated by tests/build.rs from the corpus in tests/build/corpus.rs. Do not edit. */\n");
    out.push_str("#include \"corpus.h\"\n\n");

    out.push_str("const struct abt_field_layout abt_fields[] = {\n");
    for r in &c.records {
        for (field, _) in &r.fields {
            let name = &r.name;
            writeln!(out, "    {{\"{field}\", offsetof({name}, {field}), sizeof((({name} *)0)->{field})}},").unwrap();
        }
    }
    out.push_str("};\n");
    out.push_str("const struct abt_record_layout abt_records[] = {\n");
    let mut first = 0;
    for r in &c.records {
        let (name, n) = (&r.name, r.fields.len());
        writeln!(out, "    {{\"{name}\", sizeof({name}), _Alignof({name}), {first}, {n}}},").unwrap();
        first += n;
    }
    out.push_str("};\n\n");
    emit_callees(c, &mut out, c.sigs.iter().filter(|s| s.named));
    out
}

/// `corpus_random.c`: two callees per random signature.
pub(crate) fn emit_random_callees(c: &Corpus) -> String {
    let mut out = String::new();
    out.push_str("/* Generated by tests/build.rs from the corpus in tests/build/corpus.rs. Do not edit. */\n");
    out.push_str("#include \"corpus.h\"\n\n");
    emit_callees(c, &mut out, c.sigs.iter().filter(|s| !s.named));
    out
}

/// An `ms_abi` and a `sysv_abi` callee for each of `sigs`.
fn emit_callees<'a>(c: &Corpus, out: &mut String, sigs: impl Iterator<Item = &'a Sig>) {
    for sig in sigs {
        for (abi, attr) in ABIS {
            let proto = c.c_prototype(sig, &callee_name(sig, abi));
            writeln!(out, "__attribute__(({attr}, noinline)) {proto} {{").unwrap();
            out.push_str("    uint64_t h = ABT_HASH_INIT;\n");
            for (i, a) in sig.args.iter().enumerate() {
                walk_place(c, out, Walk::Hash, &format!("a{i}"), &val_field(*a), 0);
            }
            // A record aligned to 16 or more must arrive at its alignment:
            // on the sysv64 stack (rsp realigned by the caller) and as a
            // win64 by-reference copy. If not, the hash is spoiled.
            for (i, a) in sig.args.iter().enumerate() {
                if let ValTy::Record(r) = a {
                    if c.records[*r].align >= 16 {
                        let ty = &c.records[*r].name;
                        writeln!(out, "    if (abt_misaligned(&a{i}, _Alignof({ty}))) h = ~h;").unwrap();
                    }
                }
            }
            out.push_str("    abt_note_received(h);\n");
            if let Some(ret) = sig.ret {
                out.push_str("    uint64_t state = h ^ ABT_RET_SEED;\n    uint64_t *st = &state;\n");
                writeln!(out, "    {} r;", c.c_type(ret)).unwrap();
                walk_place(c, out, Walk::Fill, "r", &val_field(ret), 0);
                out.push_str("    return r;\n");
            }
            out.push_str("}\n");
        }
    }
}

/// `drivers.c`: two drivers per signature.
///
/// `size_t abt_drive_w_<name>(const void *cb, uint64_t seed, uint64_t *out)`
/// (`ms_abi`; `abt_drive_s_` is `sysv_abi`) fills each argument from the
/// generator seeded with `seed` (the values `Value::generate` makes from that
/// seed in Rust), calls `cb` as a function of the signature with the
/// driver's own convention, writes the leaves of the returned value to
/// `out` and returns how many it wrote (0 for `void`).
pub(crate) fn emit_drivers(c: &Corpus) -> String {
    let mut out = String::new();
    out.push_str("/* Generated by tests/build.rs from the corpus in tests/build/corpus.rs. Do not edit. */\n");
    out.push_str("#include \"corpus.h\"\n\n");
    for sig in &c.sigs {
        let ret = sig.ret.map_or("void".to_owned(), |r| c.c_type(r));
        let arg_types: Vec<String> = sig.args.iter().map(|a| c.c_type(*a)).collect();
        let params = if arg_types.is_empty() { "void".to_owned() } else { arg_types.join(", ") };
        let names: Vec<String> = (0..sig.args.len()).map(|i| format!("a{i}")).collect();
        for (abi, attr) in ABIS {
            let driver = driver_name(sig, abi);
            writeln!(out, "typedef {ret} (__attribute__(({attr})) *{driver}_cb)({params});").unwrap();
            writeln!(
                out,
                "__attribute__(({attr}, noinline)) size_t {driver}(const void *cb, uint64_t seed, uint64_t *out) {{"
            )
            .unwrap();
            if sig.args.is_empty() {
                out.push_str("    (void)seed;\n");
            } else {
                out.push_str("    uint64_t state = seed;\n    uint64_t *st = &state;\n");
            }
            for (i, a) in sig.args.iter().enumerate() {
                writeln!(out, "    {} a{i};", c.c_type(*a)).unwrap();
                walk_place(c, &mut out, Walk::Fill, &format!("a{i}"), &val_field(*a), 0);
            }
            let call = format!("(({driver}_cb)cb)({})", names.join(", "));
            match sig.ret {
                Some(ret) => {
                    writeln!(out, "    {} r = {call};", c.c_type(ret)).unwrap();
                    out.push_str("    uint64_t *o = out;\n");
                    walk_place(c, &mut out, Walk::Leaves, "r", &val_field(ret), 0);
                    out.push_str("    return (size_t)(o - out);\n");
                }
                None => {
                    writeln!(out, "    {call};").unwrap();
                    out.push_str("    (void)out;\n    return 0;\n");
                }
            }
            out.push_str("}\n");
        }
    }
    out
}
