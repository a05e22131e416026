//! The corpus: every struct and signature the differential tests check,
//! as plain data. A hand-written list of named edge cases comes first, then
//! random shapes drawn with a fixed seed, so every build makes the same corpus.
//!
//! The named entries are written in a C-like notation (`"float a; float b;"`,
//! `"F3 (F3, int32_t)"`) so the list reads like the C it becomes.

/// The seed of the random part of the corpus. Changing it changes the corpus.
const SEED: u64 = 0x00AB_1B41_D6E5_C0DE;
/// Random structs and unions added after the named ones.
const RANDOM_RECORDS: usize = 64;
/// Random signatures added after the named ones.
const RANDOM_SIGNATURES: usize = 320;
/// The largest aggregate in the corpus, in bytes.
const MAX_RECORD_SIZE: usize = 64;
/// The most arguments a signature takes (rustc's `Signature::of` also stops at 16).
const MAX_ARGS: u64 = 16;

/// A scalar C type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Sc {
    I8,
    I16,
    I32,
    I64,
    U8,
    U16,
    U32,
    U64,
    Bool,
    F32,
    F64,
    Ptr,
    CF32,
    CF64,
    F80,
    M128,
    M128D,
    M128I,
    I128,
    U128,
}

impl Sc {
    pub(crate) const ALL: [Sc; 12] =
        [Sc::I8, Sc::I16, Sc::I32, Sc::I64, Sc::U8, Sc::U16, Sc::U32, Sc::U64, Sc::Bool, Sc::F32, Sc::F64, Sc::Ptr];
    /// The complex numbers: apart from [`Sc::ALL`], so that the older random
    /// part of the corpus stays as it was; drawn by `c_kinds`.
    pub(crate) const COMPLEX: [Sc; 2] = [Sc::CF32, Sc::CF64];
    /// `long double`, apart from [`Sc::ALL`] for the same reason.
    pub(crate) const X87: [Sc; 1] = [Sc::F80];
    /// The 128-bit vectors, apart from [`Sc::ALL`] for the same reason.
    pub(crate) const VECTORS: [Sc; 3] = [Sc::M128, Sc::M128D, Sc::M128I];

    /// Whether the C side walks this scalar's leaves with helpers of its
    /// own (`abt_mix_*`, `abt_from_*`, `abt_leaves_*`): the scalars of two
    /// 64-bit-or-smaller leaves that are not complex numbers.
    pub(crate) fn has_leaf_helpers(self) -> bool {
        self.is_wide() || Sc::X87.contains(&self) || Sc::VECTORS.contains(&self)
    }

    /// The real type of a complex number, whose two leaves (real part, then
    /// imaginary part) are values of it.
    pub(crate) fn complex_part(self) -> Option<Sc> {
        match self {
            Sc::CF32 => Some(Sc::F32),
            Sc::CF64 => Some(Sc::F64),
            _ => None,
        }
    }

    /// The Rust expression of the tests' `ValTy`/`FieldTy` (`kind`) for this
    /// scalar: a runtime `Scalar`, or the description the runtime gives a
    /// type that is not one (a complex number is a struct of its parts).
    pub(crate) fn runtime_expr(self, kind: &str) -> String {
        match self {
            Sc::CF32 | Sc::CF64 | Sc::M128D | Sc::M128I => {
                format!("{kind}::Desc(<{} as ForeignType>::DESC)", self.rust_name())
            }
            _ => format!("{kind}::Scalar(Scalar::{})", self.runtime_name()),
        }
    }

    /// The 128-bit integers: apart from [`Sc::ALL`], so that the older
    /// random part of the corpus stays as it was; drawn by `wide_ints`.
    pub(crate) const WIDE: [Sc; 2] = [Sc::I128, Sc::U128];

    /// `true` for `__int128` and `unsigned __int128`, which are two leaves.
    pub(crate) fn is_wide(self) -> bool {
        Sc::WIDE.contains(&self)
    }

    pub(crate) fn size(self) -> usize {
        match self {
            Sc::I8 | Sc::U8 | Sc::Bool => 1,
            Sc::I16 | Sc::U16 => 2,
            Sc::I32 | Sc::U32 | Sc::F32 => 4,
            Sc::I64 | Sc::U64 | Sc::F64 | Sc::Ptr | Sc::CF32 => 8,
            Sc::CF64 | Sc::I128 | Sc::U128 | Sc::F80 | Sc::M128 | Sc::M128D | Sc::M128I => 16,
        }
    }

    pub(crate) fn c_name(self) -> &'static str {
        match self {
            Sc::I8 => "int8_t",
            Sc::I16 => "int16_t",
            Sc::I32 => "int32_t",
            Sc::I64 => "int64_t",
            Sc::U8 => "uint8_t",
            Sc::U16 => "uint16_t",
            Sc::U32 => "uint32_t",
            Sc::U64 => "uint64_t",
            Sc::Bool => "bool",
            Sc::F32 => "float",
            Sc::F64 => "double",
            Sc::Ptr => "void*",
            Sc::CF32 => "_Complex float",
            Sc::CF64 => "_Complex double",
            Sc::F80 => "long double",
            Sc::M128 => "__m128",
            Sc::M128D => "__m128d",
            Sc::M128I => "__m128i",
            Sc::I128 => "__int128",
            Sc::U128 => "unsigned __int128",
        }
    }

    pub(crate) fn rust_name(self) -> &'static str {
        match self {
            Sc::I8 => "i8",
            Sc::I16 => "i16",
            Sc::I32 => "i32",
            Sc::I64 => "i64",
            Sc::U8 => "u8",
            Sc::U16 => "u16",
            Sc::U32 => "u32",
            Sc::U64 => "u64",
            Sc::Bool => "bool",
            Sc::F32 => "f32",
            Sc::F64 => "f64",
            Sc::Ptr => "*const c_void",
            Sc::CF32 => "Complex<f32>",
            Sc::CF64 => "Complex<f64>",
            Sc::F80 => "F80",
            Sc::M128 => "__m128",
            Sc::M128D => "__m128d",
            Sc::M128I => "__m128i",
            Sc::I128 => "i128",
            Sc::U128 => "u128",
        }
    }

    /// The variant of `abi_bridge_runtime::Scalar`.
    pub(crate) fn runtime_name(self) -> &'static str {
        match self {
            Sc::I8 => "I8",
            Sc::I16 => "I16",
            Sc::I32 => "I32",
            Sc::I64 => "I64",
            Sc::U8 => "U8",
            Sc::U16 => "U16",
            Sc::U32 => "U32",
            Sc::U64 => "U64",
            Sc::Bool => "Bool",
            Sc::F32 => "F32",
            Sc::F64 => "F64",
            Sc::Ptr => "Pointer",
            Sc::CF32 | Sc::CF64 => unreachable!("complex numbers are not runtime scalars"),
            Sc::F80 => "F80",
            Sc::M128 | Sc::M128D | Sc::M128I => "M128",
            Sc::I128 => "I128",
            Sc::U128 => "U128",
        }
    }

    /// The suffix of the C helpers `abt_bits_*` / `abt_from_*` for this scalar.
    pub(crate) fn c_helper(self) -> &'static str {
        match self {
            Sc::I8 => "i8",
            Sc::I16 => "i16",
            Sc::I32 => "i32",
            Sc::I64 => "i64",
            Sc::U8 => "u8",
            Sc::U16 => "u16",
            Sc::U32 => "u32",
            Sc::U64 => "u64",
            Sc::Bool => "bool",
            Sc::F32 => "f32",
            Sc::F64 => "f64",
            Sc::Ptr => "ptr",
            Sc::CF32 | Sc::CF64 => unreachable!("a complex number's leaves are its parts"),
            Sc::F80 => "f80",
            Sc::M128 => "m128",
            Sc::M128D => "m128d",
            Sc::M128I => "m128i",
            Sc::I128 => "i128",
            Sc::U128 => "u128",
        }
    }

    fn parse(s: &str) -> Option<Sc> {
        Sc::ALL
            .into_iter()
            .chain(Sc::COMPLEX)
            .chain(Sc::WIDE)
            .chain(Sc::X87)
            .chain(Sc::VECTORS)
            .find(|sc| sc.c_name() == s)
    }
}

/// The type of a struct or union field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum FieldTy {
    Scalar(Sc),
    /// An earlier record of the corpus, by index.
    Record(usize),
    /// `elem[len]`; `elem` is a scalar or a record.
    Array(Box<FieldTy>, usize),
}

/// The type of an argument or return value: arrays never travel by value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ValTy {
    Scalar(Sc),
    Record(usize),
}

/// What a record's attributes change in its layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Attrs {
    /// Plain C layout.
    Plain,
    /// No field aligned past `n`: `__attribute__((packed))` for 1, else
    /// `#pragma pack(n)`; `#[repr(C, packed(n))]` in Rust.
    Packed(usize),
    /// `__attribute__((aligned(n)))`; `#[repr(C, align(n))]` in Rust.
    Aligned(usize),
}

impl Attrs {
    /// The items of the record's Rust `#[repr(..)]`.
    pub(crate) fn rust_repr(self) -> String {
        match self {
            Attrs::Plain => "C".to_owned(),
            Attrs::Packed(1) => "C, packed".to_owned(),
            Attrs::Packed(n) => format!("C, packed({n})"),
            Attrs::Aligned(n) => format!("C, align({n})"),
        }
    }

    /// `abi_bridge_runtime::layout::RecordAttrs` of these attributes.
    pub(crate) fn runtime_expr(self) -> String {
        match self {
            Attrs::Plain => "RecordAttrs::C".to_owned(),
            Attrs::Packed(n) => format!("RecordAttrs::packed({n})"),
            Attrs::Aligned(n) => format!("RecordAttrs::aligned({n})"),
        }
    }
}

/// A C struct or union.
#[derive(Clone, Debug)]
pub(crate) struct Record {
    pub(crate) name: String,
    pub(crate) union: bool,
    pub(crate) attrs: Attrs,
    pub(crate) fields: Vec<(String, FieldTy)>,
    /// Size and alignment by C rules, computed here only to keep sizes in
    /// bounds and to pick a union's active member; the layout test compares
    /// the runtime's own layout against gcc's, not against this.
    pub(crate) size: usize,
    pub(crate) align: usize,
}

impl Record {
    /// The member a union's value lives in: the first of the largest
    /// members. Test values write and read only this member, so its bytes are
    /// the union's value and every other byte is padding.
    pub(crate) fn active_member(&self, records: &[Record]) -> usize {
        let sizes: Vec<usize> = self.fields.iter().map(|(_, ty)| size_align(ty, records).0).collect();
        let max = *sizes.iter().max().expect("records have fields");
        sizes.iter().position(|&s| s == max).expect("max is in the list")
    }
}

/// A signature: argument types and a return type.
#[derive(Clone, Debug)]
pub(crate) struct Sig {
    pub(crate) name: String,
    pub(crate) args: Vec<ValTy>,
    pub(crate) ret: Option<ValTy>,
    /// `true` for the hand-written edge cases.
    pub(crate) named: bool,
}

/// The whole corpus.
pub(crate) struct Corpus {
    pub(crate) records: Vec<Record>,
    pub(crate) named_records: usize,
    pub(crate) sigs: Vec<Sig>,
    pub(crate) named_sigs: usize,
}

impl Corpus {
    pub(crate) fn c_type(&self, ty: ValTy) -> String {
        match ty {
            ValTy::Scalar(s) => s.c_name().to_owned(),
            ValTy::Record(r) => self.records[r].name.clone(),
        }
    }

    pub(crate) fn rust_type(&self, ty: ValTy) -> String {
        match ty {
            ValTy::Scalar(s) => s.rust_name().to_owned(),
            ValTy::Record(r) => self.records[r].name.clone(),
        }
    }

    /// Whether rustc can make `sig`'s calls itself: not when a value is or
    /// holds a `long double`, which Rust has no type for (rustc passes the
    /// Rust `F80` as a 16-byte struct), or a vector, which stable rustc
    /// refuses in `extern` blocks (`simd_ffi`). gcc then plays both sides of
    /// the oracle call, and of the calls of thunks.
    pub(crate) fn rustc_expresses(&self, sig: &Sig) -> bool {
        let gcc_only: Vec<Sc> = Sc::X87.into_iter().chain(Sc::VECTORS).collect();
        !sig.args.iter().chain(&sig.ret).any(|&ty| holds(ty, &gcc_only, &self.records))
    }

    /// The C prototype of `sig` under the name `name`.
    pub(crate) fn c_prototype(&self, sig: &Sig, name: &str) -> String {
        let ret = sig.ret.map_or("void".to_owned(), |r| self.c_type(r));
        let args: Vec<String> = sig.args.iter().enumerate().map(|(i, a)| format!("{} a{i}", self.c_type(*a))).collect();
        let args = if args.is_empty() { "void".to_owned() } else { args.join(", ") };
        format!("{ret} {name}({args})")
    }
}

/// `true` if a value of `ty` holds one of `scalars`.
pub(crate) fn holds(ty: ValTy, scalars: &[Sc], records: &[Record]) -> bool {
    fn field(ty: &FieldTy, scalars: &[Sc], records: &[Record]) -> bool {
        match ty {
            FieldTy::Scalar(s) => scalars.contains(s),
            FieldTy::Record(r) => records[*r].fields.iter().any(|(_, f)| field(f, scalars, records)),
            FieldTy::Array(elem, _) => field(elem, scalars, records),
        }
    }
    match ty {
        ValTy::Scalar(s) => scalars.contains(&s),
        ValTy::Record(r) => field(&FieldTy::Record(r), scalars, records),
    }
}

/// Size and alignment of a field type by C rules.
pub(crate) fn size_align(ty: &FieldTy, records: &[Record]) -> (usize, usize) {
    match ty {
        // A complex number is aligned as its parts.
        FieldTy::Scalar(s) => (s.size(), s.complex_part().map_or(s.size(), Sc::size)),
        FieldTy::Record(r) => (records[*r].size, records[*r].align),
        FieldTy::Array(elem, len) => {
            let (size, align) = size_align(elem, records);
            (size * len, align)
        }
    }
}

fn layout(union: bool, fields: &[(String, FieldTy)], records: &[Record]) -> (usize, usize) {
    layout_with(union, Attrs::Plain, fields, records)
}

fn layout_with(union: bool, attrs: Attrs, fields: &[(String, FieldTy)], records: &[Record]) -> (usize, usize) {
    let (mut end, mut align) = (0, 1);
    if let Attrs::Aligned(n) = attrs {
        align = n;
    }
    for (_, ty) in fields {
        let (s, a) = size_align(ty, records);
        let a = if let Attrs::Packed(n) = attrs { a.min(n) } else { a };
        align = align.max(a);
        end = if union { end.max(s) } else { end.next_multiple_of(a) + s };
    }
    (end.next_multiple_of(align), align)
}

/// splitmix64: a tiny deterministic generator (the same one the tests use).
pub(crate) struct SplitMix64(pub(crate) u64);

impl SplitMix64 {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// `true` with probability `percent`%.
    pub(crate) fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

struct Builder {
    records: Vec<Record>,
    sigs: Vec<Sig>,
}

impl Builder {
    fn record_index(&self, name: &str) -> Option<usize> {
        self.records.iter().position(|r| r.name == name)
    }

    /// A field or value type by its C name: a scalar or an earlier record.
    fn parse_type(&self, name: &str) -> ValTy {
        let name = name.trim();
        if let Some(s) = Sc::parse(name) {
            return ValTy::Scalar(s);
        }
        match self.record_index(name) {
            Some(r) => ValTy::Record(r),
            None => panic!("corpus: unknown type `{name}`"),
        }
    }

    /// Adds a record from C field declarations: `"float a; int8_t b[3];"`.
    fn add(&mut self, name: &str, union: bool, decls: &str) {
        self.add_with(name, union, Attrs::Plain, decls);
    }

    /// As [`Builder::add`], packed or over-aligned.
    fn add_with(&mut self, name: &str, union: bool, attrs: Attrs, decls: &str) {
        assert!(self.record_index(name).is_none(), "corpus: duplicate record `{name}`");
        let mut fields = Vec::new();
        for decl in decls.split(';').map(str::trim).filter(|d| !d.is_empty()) {
            let (ty, field) = decl.rsplit_once(' ').unwrap_or_else(|| panic!("corpus: bad field `{decl}`"));
            let ty = match self.parse_type(ty) {
                ValTy::Scalar(s) => FieldTy::Scalar(s),
                ValTy::Record(r) => FieldTy::Record(r),
            };
            let (field, ty) = match field.split_once('[') {
                Some((field, len)) => {
                    let len = len.trim_end_matches(']').parse().expect("array length");
                    (field, FieldTy::Array(Box::new(ty), len))
                }
                None => (field, ty),
            };
            fields.push((field.to_owned(), ty));
        }
        self.push_record_with(name.to_owned(), union, attrs, fields);
    }

    fn push_record(&mut self, name: String, union: bool, fields: Vec<(String, FieldTy)>) {
        self.push_record_with(name, union, Attrs::Plain, fields);
    }

    fn push_record_with(&mut self, name: String, union: bool, attrs: Attrs, fields: Vec<(String, FieldTy)>) {
        let (size, align) = layout_with(union, attrs, &fields, &self.records);
        assert!((1..=MAX_RECORD_SIZE).contains(&size), "corpus: `{name}` is {size} bytes");
        self.records.push(Record { name, union, attrs, fields, size, align });
    }

    fn strukt(&mut self, name: &str, decls: &str) {
        self.add(name, false, decls);
    }

    fn union(&mut self, name: &str, decls: &str) {
        self.add(name, true, decls);
    }

    /// Adds a named signature from a C-like type: `"F3 (F3, int32_t)"`.
    fn sig(&mut self, name: &str, ty: &str) {
        assert!(self.sigs.iter().all(|s| s.name != name), "corpus: duplicate signature `{name}`");
        let (ret, args) = ty.split_once('(').unwrap_or_else(|| panic!("corpus: bad signature `{ty}`"));
        let ret = match ret.trim() {
            "void" => None,
            r => Some(self.parse_type(r)),
        };
        let args = args.trim().trim_end_matches(')');
        let args = args.split(',').map(str::trim).filter(|a| !a.is_empty()).map(|a| self.parse_type(a)).collect();
        self.sigs.push(Sig { name: name.to_owned(), args, ret, named: true });
    }
}

/// `n` copies of `ty`, comma-separated, for long argument lists.
fn rep(ty: &str, n: usize) -> String {
    vec![ty; n].join(", ")
}

/// The named structs and unions: the classic edge cases of both conventions.
fn named_records(b: &mut Builder) {
    // Floats: sysv64 SSE eightbytes, win64 integers when 4 or 8 bytes.
    b.strukt("F1", "float a;");
    b.strukt("D1", "double a;");
    b.strukt("F2", "float a; float b;");
    b.strukt("F3", "float a; float b; float c;");
    b.strukt("F4", "float a; float b; float c; float d;");
    b.strukt("D2", "double a; double b;");
    b.strukt("FloatArr3", "float a[3];");
    b.strukt("FloatFloatDouble", "float a; float b; double c;");
    b.strukt("DoubleFloat", "double a; float b;");
    // Mixed eightbytes: INTEGER wins within an eightbyte.
    b.strukt("CharDouble", "int8_t c; double d;");
    b.strukt("IntFloat", "int32_t i; float f;");
    b.strukt("FloatInt", "float f; int32_t i;");
    b.strukt("FloatIntFloat", "float a; int32_t b; float c;");
    b.strukt("ByteFloat", "uint8_t a; float b;");
    b.strukt("LongLong", "int64_t a; int64_t b;");
    b.strukt("LongDouble", "int64_t a; double b;");
    b.strukt("DoubleLong", "double a; int64_t b;");
    b.strukt("ShortDouble", "int16_t a; double b;");
    b.strukt("I64Char", "int64_t a; int8_t b;");
    // One struct of each size the conventions treat differently.
    b.strukt("Sz1", "uint8_t a;");
    b.strukt("Sz2", "uint8_t a; int8_t b;");
    b.strukt("Sz3", "uint8_t a; uint8_t b; uint8_t c;");
    b.strukt("Sz4", "int16_t a; uint8_t b; bool c;");
    b.strukt("Sz5", "uint8_t a[5];");
    b.strukt("Sz6", "int16_t a; uint16_t b; int16_t c;");
    b.strukt("Sz7", "int8_t a[3]; uint8_t b; bool c; uint8_t d[2];");
    b.strukt("Sz8", "int32_t a; int16_t b; int8_t c;");
    b.strukt("Sz9", "uint8_t a[8]; int8_t b;");
    b.strukt("Sz12", "int32_t a; int32_t b; int32_t c;");
    b.strukt("Chars15", "int8_t c[15];");
    b.strukt("Sz16", "int64_t a; uint32_t b; int16_t c;");
    b.strukt("Sz17", "uint8_t a[17];");
    b.strukt("Sz24", "int64_t a; double b; int32_t c;");
    b.strukt("Sz32", "double a[4];");
    b.strukt("Sz64", "int64_t a[8];");
    b.strukt("Big", "double a; int64_t b; double c;");
    b.strukt("Shorts3", "int16_t a[3];");
    // Unions: the eightbyte class merges over every member.
    b.union("UFloatInt", "float f; int32_t i;");
    b.union("UDoubleChars3", "double d; int8_t c[3];");
    b.union("UI64Floats3", "int64_t i; float f[3];");
    b.union("UFloat2Double", "F2 f; double d;");
    b.union("UBytes6Short", "uint8_t b[6]; int16_t s;");
    // Nesting.
    b.strukt("Char1", "int8_t c;");
    b.strukt("NestedCharDouble", "Char1 a; double d;");
    b.strukt("NestedF2Float", "F2 p; float z;");
    b.strukt("UnionAndFloat", "UFloatInt u; float f;");
    b.strukt("ArrayOfF2", "F2 p[2];");
    b.strukt("NestedDeep", "int8_t a; NestedCharDouble n; uint16_t b;");
    // bool and pointers.
    b.strukt("Bools", "bool a; bool b; int32_t c;");
    b.strukt("Bool1", "bool a;");
    b.strukt("Ptr1", "void* p;");
    b.strukt("PtrInt", "void* p; int32_t n;");
    b.strukt("PtrDouble", "void* p; double d;");
}

/// The named signatures: each pins one rule of one convention.
fn named_signatures(b: &mut Builder) {
    // 12-byte all-float struct: sysv64 xmm0 + xmm1 (4 bytes), win64 by reference / sret.
    b.sig("f3_roundtrip", "F3 (F3)");
    b.sig("f3_arg", "int32_t (int32_t, F3, float)");
    b.sig("f3_ret", "F3 (float, int64_t)");
    // {char; double} after five integers: sysv64 r9 + xmm0.
    b.sig("char_double_after_five_ints", &format!("int64_t ({}, CharDouble)", rep("int32_t", 5)));
    b.sig("char_double_after_six_ints", &format!("int64_t ({}, CharDouble, int8_t)", rep("int32_t", 6)));
    // Two eightbytes with one register of their kind left: all of it goes to
    // the stack, and the next argument still takes the free register.
    b.sig("long_long_straddles_last_int", &format!("void ({}, LongLong, int64_t)", rep("int64_t", 5)));
    b.sig("d2_straddles_last_xmm", &format!("double ({}, D2, double)", rep("double", 7)));
    b.sig("long_double_one_int_left", &format!("double ({}, LongDouble, double)", rep("int64_t", 5)));
    b.sig("long_double_no_int_left", &format!("int64_t ({}, LongDouble, int64_t, double)", rep("int64_t", 6)));
    b.sig("double_long_one_xmm_left", &format!("int64_t ({}, DoubleLong, double)", rep("double", 7)));
    // Returns of every awkward size.
    b.sig("ret_sz1", "Sz1 (int32_t)");
    b.sig("ret_sz2", "Sz2 (int32_t)");
    b.sig("ret_sz3", "Sz3 (int32_t)");
    b.sig("ret_sz4", "Sz4 (int32_t)");
    b.sig("ret_sz5", "Sz5 (int32_t)");
    b.sig("ret_sz6", "Sz6 (int32_t)");
    b.sig("ret_sz7", "Sz7 (int32_t)");
    b.sig("ret_sz8", "Sz8 (int32_t)");
    b.sig("ret_sz9", "Sz9 (int32_t)");
    b.sig("ret_sz12", "Sz12 (int32_t)");
    b.sig("ret_sz15", "Chars15 (int32_t)");
    b.sig("ret_sz16", "Sz16 (int32_t)");
    b.sig("ret_sz17", "Sz17 (int32_t)");
    b.sig("ret_sz64", "Sz64 (int32_t)");
    // Single-field float structs: integers for win64, SSE for sysv64.
    b.sig("f1_roundtrip", "F1 (F1)");
    b.sig("d1_roundtrip", "D1 (D1)");
    b.sig("f1_d1_mixed", "F1 (F1, D1, int32_t, F1, D1)");
    b.sig("f2_roundtrip", "F2 (F2, F2)");
    b.sig("d2_roundtrip", "D2 (D2)");
    b.sig("int_float_ret", "IntFloat (FloatInt)");
    b.sig("float_int_ret", "FloatInt (IntFloat)");
    b.sig("long_double_ret", "LongDouble (DoubleLong)");
    b.sig("double_long_ret", "DoubleLong (LongDouble)");
    // Small integers: sysv64 callers extend them; win64 leaves garbage above.
    b.sig("small_ints", "int8_t (int8_t, uint16_t, bool, int16_t, uint8_t)");
    b.sig("small_ints_on_stack", &format!("uint16_t ({}, int8_t, uint16_t, bool, int16_t)", rep("int64_t", 6)));
    b.sig("ret_bool", "bool (bool, bool)");
    b.sig("ret_u16", "uint16_t (uint16_t)");
    b.sig("ret_i8", "int8_t (int8_t)");
    // Stack spill with mixed integers and floats.
    b.sig(
        "spill_mixed_14",
        "double (int32_t, double, int64_t, float, uint8_t, double, int16_t, float, int64_t, double, uint32_t, float, int64_t, double)",
    );
    b.sig("spill_ints_12", &format!("int64_t ({})", rep("int64_t", 12)));
    b.sig("spill_16_args", "float (double, int8_t, Sz3, float, F2, uint64_t, D1, bool, Sz12, int16_t, void*, F3, double, uint32_t, Sz5, float)");
    // Large structs by value, then stack arguments after them.
    b.sig("big_then_stack", &format!("int64_t (int32_t, Big, {}, double, int32_t)", rep("int64_t", 6)));
    b.sig("sz64_then_stack", &format!("double (Sz64, {}, Sz24, float)", rep("double", 9)));
    b.sig("big_roundtrip", "Big (Big)");
    // Hidden return pointer plus four arguments: win64 shifts every slot.
    b.sig("sret_plus_4_args", "Big (int64_t, double, int32_t, float)");
    b.sig("sret_plus_4_floats", "Sz24 (double, float, double, float)");
    b.sig("sret_plus_4_structs", "F3 (Sz12, F1, D2, Sz3)");
    // All floats: sysv64 runs out of xmm registers at the ninth.
    b.sig("all_double_9", &format!("double ({})", rep("double", 9)));
    b.sig("all_float_10", &format!("float ({}, {})", rep("double", 5), rep("float", 5)));
    b.sig("all_float_12_f2", &format!("F2 ({}, F2, F2)", rep("float", 10)));
    // win64 slots are positional: floats and integers share them.
    b.sig("win64_positional", "double (int32_t, double, int32_t, float, double, int64_t)");
    b.sig("by_ref_on_stack", &format!("int32_t ({}, Sz12, F3, Sz3)", rep("int64_t", 4)));
    // Unions, nesting, bool and pointers.
    b.sig("unions", "UFloatInt (UFloatInt, UDoubleChars3, UI64Floats3, UFloat2Double, UBytes6Short)");
    b.sig("ret_union_i64_floats3", "UI64Floats3 (UI64Floats3)");
    b.sig("nested", "NestedCharDouble (NestedCharDouble, NestedF2Float, UnionAndFloat, ArrayOfF2, NestedDeep)");
    b.sig("bools_and_pointers", "PtrDouble (Bools, Bool1, void*, Ptr1, PtrInt, bool)");
    b.sig("ret_pointer", "void* (void*, int32_t)");
    b.sig("void_void", "void ()");
    b.sig("scalars_only_ret_float", "float (float)");
    b.sig("sizes_by_value", "int64_t (Sz1, Sz2, Sz3, Sz4, Sz5, Sz6, Sz7, Sz8, Sz9, Chars15, Sz16, Sz17)");
}

/// A random field type: mostly scalars, some arrays, some earlier records.
fn random_field(rng: &mut SplitMix64, records: &[Record]) -> FieldTy {
    let scalar = |rng: &mut SplitMix64| FieldTy::Scalar(Sc::ALL[rng.below(Sc::ALL.len() as u64) as usize]);
    let small_records: Vec<usize> = (0..records.len()).filter(|&i| records[i].size <= 24).collect();
    match rng.below(100) {
        0..=64 => scalar(rng),
        65..=79 => FieldTy::Array(Box::new(scalar(rng)), 1 + rng.below(8) as usize),
        80..=94 => FieldTy::Record(small_records[rng.below(small_records.len() as u64) as usize]),
        _ => {
            let r = small_records[rng.below(small_records.len() as u64) as usize];
            FieldTy::Array(Box::new(FieldTy::Record(r)), 1 + rng.below(3) as usize)
        }
    }
}

fn random_records(b: &mut Builder, rng: &mut SplitMix64) {
    let mut made = 0;
    while made < RANDOM_RECORDS {
        let union = rng.chance(15);
        let count = 1 + rng.below(6) as usize;
        let prefix = if union { "f" } else { "m" };
        let fields: Vec<(String, FieldTy)> =
            (0..count).map(|i| (format!("{prefix}{i}"), random_field(rng, &b.records))).collect();
        let (size, _) = layout(union, &fields, &b.records);
        if size > MAX_RECORD_SIZE {
            continue;
        }
        let name = format!("{}{made:02}", if union { "RandU" } else { "RandS" });
        b.push_record(name, union, fields);
        made += 1;
    }
}

fn random_val(rng: &mut SplitMix64, records: usize, record_percent: u64) -> ValTy {
    if rng.chance(record_percent) {
        ValTy::Record(rng.below(records as u64) as usize)
    } else {
        ValTy::Scalar(Sc::ALL[rng.below(Sc::ALL.len() as u64) as usize])
    }
}

fn random_signatures(b: &mut Builder, rng: &mut SplitMix64) {
    let records = b.records.len();
    for i in 0..RANDOM_SIGNATURES {
        let count = rng.below(MAX_ARGS + 1) as usize;
        let args = (0..count).map(|_| random_val(rng, records, 45)).collect();
        let ret = if rng.chance(20) { None } else { Some(random_val(rng, records, 50)) };
        b.sigs.push(Sig { name: format!("rand_{i:03}"), args, ret, named: false });
    }
}

/// The C types of issue 10 as kinds of the corpus: `_Complex float` and
/// `_Complex double` (`Complex<f32>`, `Complex<f64>`) and the 128-bit
/// integers, which rustc can express,
/// `long double` (`F80`) and the 128-bit vectors, which it cannot (see
/// [`Corpus::rustc_expresses`]). Each kind has named edge cases and random
/// shapes of its own, drawn from its own seed after the rest of the corpus,
/// so that adding a kind left every earlier shape as it was.
mod c_kinds {
    use super::{rep, Builder, FieldTy, Sc, SplitMix64, ValTy, MAX_RECORD_SIZE};

    /// A kind of value and how its random part is drawn.
    pub(super) struct Kind {
        /// The seed of the kind's random part.
        pub(super) seed: u64,
        /// Its scalars.
        scalars: &'static [Sc],
        /// Names of its random structs, unions and signatures.
        names: [&'static str; 3],
        /// Whether rustc cannot express its values, so that gcc plays both
        /// sides of the calls that check them (see `Corpus::rustc_expresses`).
        gcc_only: bool,
        /// Its named records and signatures.
        pub(super) named_records: fn(&mut Builder),
        pub(super) named_signatures: fn(&mut Builder),
    }

    /// Random records holding at least one value of the kind, per kind.
    const RANDOM_RECORDS: usize = 16;
    /// Random signatures with at least one value of the kind (argument,
    /// return or inside a record), mixed with every older kind, per kind.
    const RANDOM_SIGNATURES: usize = 120;

    pub(super) const COMPLEX: Kind = Kind {
        seed: 0xC0A1_E7F0_0080_5EED,
        scalars: &Sc::COMPLEX,
        names: ["CplxS", "CplxU", "cplx"],
        gcc_only: false,
        named_records: |b| {
            b.strukt("CplxF", "_Complex float z;");
            b.strukt("CplxD", "_Complex double z;");
            // sysv64: the float part's eightbyte is SSE, the int's INTEGER.
            b.strukt("CplxFInt", "_Complex float z; int32_t n;");
            // 12 bytes, the complex number at 4: two SSE eightbytes, by-ref in win64.
            b.strukt("FloatCplxF", "float a; _Complex float z;");
            b.strukt("CplxFArr2", "_Complex float z[2];");
            b.union("UCplxDLongs", "_Complex double z; int64_t i[2];");
        },
        named_signatures: |b| {
            b.sig("cf32_roundtrip", "_Complex float (_Complex float)");
            b.sig("cf64_roundtrip", "_Complex double (_Complex double)");
            b.sig("cf32_ret_from_floats", "_Complex float (float, float)");
            b.sig("complex_mix", "_Complex double (_Complex float, double, _Complex double, int32_t, _Complex float)");
            // Seven doubles leave one xmm: the complex double goes to the
            // stack whole and the double after it still takes xmm7.
            b.sig(
                "cf64_after_seven_doubles",
                &format!("_Complex double ({}, _Complex double, double)", rep("double", 7)),
            );
            b.sig(
                "complex_on_stack",
                &format!("_Complex float ({}, _Complex float, _Complex double, int8_t)", rep("double", 9)),
            );
            // win64: the hidden return pointer shifts four arguments.
            b.sig("cf64_ret_plus_4_args", "_Complex double (int64_t, double, int32_t, float)");
            b.sig("complex_structs", "CplxFInt (CplxF, CplxD, CplxFInt, FloatCplxF, CplxFArr2, UCplxDLongs)");
            b.sig("complex_union_ret", "UCplxDLongs (_Complex float, UCplxDLongs)");
        },
    };

    /// 128-bit integers (`__int128`, `unsigned __int128`), which rustc
    /// expresses as `i128` and `u128`.
    pub(super) const WIDE: Kind = Kind {
        seed: 0x1128_0000_5EED_0128,
        scalars: &Sc::WIDE,
        names: ["WideS", "WideU", "wide"],
        gcc_only: false,
        named_records: |b| {
            b.strukt("Wide1", "__int128 a;");
            b.strukt("UWide1", "unsigned __int128 a;");
            // Aligned to 16: 15 bytes of padding after the char.
            b.strukt("CharWide", "int8_t c; __int128 x;");
            b.strukt("WideDouble", "unsigned __int128 a; double d;");
            b.strukt("WideArr2", "__int128 a[2];");
            b.union("UWideDouble", "__int128 i; double d;");
        },
        named_signatures: |b| {
            b.sig("i128_roundtrip", "__int128 (__int128)");
            b.sig("u128_pair", "unsigned __int128 (unsigned __int128, unsigned __int128, int32_t)");
            // Only r9 is left after five integers: all of the i128 goes to the
            // stack, and the next integer still takes r9.
            b.sig("i128_after_five_ints", &format!("__int128 ({}, __int128, int64_t)", rep("int32_t", 5)));
            // On the stack at a multiple of 16 from the argument area's start.
            b.sig("u128_after_seven_ints", &format!("int64_t ({}, unsigned __int128)", rep("int64_t", 7)));
            b.sig("i128_five_pairs", "__int128 (__int128, __int128, __int128, __int128, __int128, double)");
            // win64: an sret-free return in xmm0 with four arguments before it.
            b.sig("i128_ret_plus_4_args", "unsigned __int128 (int64_t, double, int32_t, float)");
            b.sig("wide_structs", "CharWide (Wide1, CharWide, WideDouble, UWideDouble, UWide1)");
            b.sig("wide_structs_on_stack", &format!("Wide1 ({}, CharWide, Wide1, WideArr2)", rep("int64_t", 7)));
            b.sig("wide_union_ret", "UWideDouble (float, UWideDouble)");
        },
    };

    pub(super) const X87: Kind = Kind {
        seed: 0x0080_87F8_05EE_D087,
        scalars: &Sc::X87,
        names: ["ExtS", "ExtU", "f80"],
        gcc_only: true,
        named_records: |b| {
            // sysv64 X87, X87UP: memory as an argument, st0 as a return.
            b.strukt("Ext1", "long double x;");
            // More than 16 bytes, or X87 merged with another class: MEMORY.
            b.strukt("ExtInt", "long double x; int32_t n;");
            b.strukt("CharExt", "int8_t c; long double x;");
            b.union("UExtDouble", "long double x; double d;");
            b.union("UExtExt", "long double x; long double y;");
            b.strukt("ExtArr2", "long double x[2];");
        },
        named_signatures: |b| {
            b.sig("f80_roundtrip", "long double (long double)");
            b.sig("f80_between_ints", "long double (int64_t, long double, int32_t)");
            // After seven doubles the long double still goes to the stack,
            // and the double after it takes xmm7.
            b.sig("f80_after_seven_doubles", &format!("long double ({}, long double, double)", rep("double", 7)));
            // After seven integers: at the next multiple of 16.
            b.sig("f80_after_seven_ints", &format!("double ({}, long double, int64_t)", rep("int64_t", 7)));
            b.sig("f80_pairs", "long double (long double, long double, long double, double, long double)");
            // win64: the hidden return pointer shifts four arguments.
            b.sig("f80_ret_plus_4_args", "long double (int64_t, double, int32_t, float)");
            b.sig("f80_structs", "Ext1 (Ext1, ExtInt, CharExt, UExtDouble, UExtExt, ExtArr2)");
            b.sig("f80_union_ret", "UExtExt (float, UExtExt)");
            b.sig("f80_union_double_ret", "UExtDouble (UExtDouble, long double)");
            b.sig("f80_arg_void_ret", "void (long double, int32_t)");
        },
    };

    pub(super) const VECTORS: Kind = Kind {
        seed: 0x5EED_0128_0B17_5EED,
        scalars: &Sc::VECTORS,
        names: ["VecS", "VecU", "m128"],
        gcc_only: true,
        named_records: |b| {
            // sysv64 SSE, SSEUP: one whole xmm. win64: a 16-byte aggregate,
            // unlike the bare vector (returned through rcx, not in xmm0).
            b.strukt("WrapM128", "__m128 v;");
            // More than 16 bytes: MEMORY in sysv64.
            b.strukt("M128Float", "__m128 v; float f;");
            // SSEUP merged with SSE or INTEGER: two SSE or INTEGER eightbytes.
            b.union("UM128Floats", "__m128 v; float f[4];");
            b.union("UM128Longs", "__m128i v; int64_t i[2];");
            b.strukt("CharM128d", "int8_t c; __m128d v;");
        },
        named_signatures: |b| {
            b.sig("m128_roundtrip", "__m128 (__m128)");
            b.sig("m128_mix", "__m128d (__m128, int32_t, __m128d, double, __m128i)");
            // Integer registers used up: the vector still takes xmm0.
            b.sig("m128_after_seven_ints", &format!("__m128i ({}, __m128i, int64_t)", rep("int64_t", 7)));
            // Vector registers used up: on the stack at a multiple of 16.
            b.sig("m128_after_eight_doubles", &format!("__m128 ({}, __m128, int64_t)", rep("double", 8)));
            // win64: a bare vector comes back in xmm0, whatever the other slots hold.
            b.sig("m128_ret_plus_4_args", "__m128 (int64_t, double, int32_t, float)");
            b.sig("vector_structs", "WrapM128 (WrapM128, M128Float, UM128Floats, UM128Longs, CharM128d)");
            b.sig("m128_float_struct_ret", "M128Float (__m128, float)");
            b.sig("vector_union_ret", "UM128Floats (UM128Floats, __m128i)");
        },
    };

    /// Every kind above in the same records and signatures.
    pub(super) const MIXED: Kind = Kind {
        seed: 0x0011_C0DE_0A11_5EED,
        scalars: &[Sc::CF32, Sc::CF64, Sc::F80, Sc::M128, Sc::M128D, Sc::M128I],
        names: ["MixS", "MixU", "mix"],
        gcc_only: true,
        named_records: |b| {
            b.strukt("CplxAndVector", "_Complex float z; __m128 v;");
        },
        named_signatures: |b| {
            b.sig(
                "new_kinds_together",
                "long double (_Complex float, __m128, long double, _Complex double, __m128i, int32_t, CplxAndVector)",
            );
        },
    };

    fn pick(rng: &mut SplitMix64, scalars: &[Sc]) -> Sc {
        scalars[rng.below(scalars.len() as u64) as usize]
    }

    /// A random record with at least one of the kind's values among older kinds.
    pub(super) fn random_records(b: &mut Builder, rng: &mut SplitMix64, kind: &Kind) {
        let mut made = 0;
        while made < RANDOM_RECORDS {
            let union = rng.chance(20);
            let count = 1 + rng.below(4) as usize;
            let at = rng.below(count as u64) as usize;
            let prefix = if union { "f" } else { "m" };
            let fields: Vec<(String, FieldTy)> = (0..count)
                .map(|i| {
                    let ty = if i == at {
                        let v = FieldTy::Scalar(pick(rng, kind.scalars));
                        if rng.chance(20) {
                            FieldTy::Array(Box::new(v), 2)
                        } else {
                            v
                        }
                    } else {
                        super::random_field(rng, &b.records)
                    };
                    (format!("{prefix}{i}"), ty)
                })
                .collect();
            if super::layout(union, &fields, &b.records).0 > MAX_RECORD_SIZE {
                continue;
            }
            let name = if union { kind.names[1] } else { kind.names[0] };
            b.push_record(format!("{name}{made:02}"), union, fields);
            made += 1;
        }
    }

    /// Random signatures mixing the kind's values (a third of the values)
    /// with every older scalar and record.
    pub(super) fn random_signatures(b: &mut Builder, rng: &mut SplitMix64, kind: &Kind) {
        let records = &b.records;
        let own_records: Vec<usize> =
            (0..records.len()).filter(|&r| super::holds(ValTy::Record(r), kind.scalars, records)).collect();
        // gcc's own ms_abi caller copies a by-reference argument aligned to
        // more than 16 only to 16 (the corpus's callees flag that), so where
        // gcc plays both sides such records are drawn again.
        let usable = |ty: &ValTy| !kind.gcc_only || !matches!(ty, ValTy::Record(r) if records[*r].align > 16);
        let val = |rng: &mut SplitMix64| loop {
            let ty = match rng.below(100) {
                0..=19 => ValTy::Scalar(pick(rng, kind.scalars)),
                20..=34 => ValTy::Record(own_records[rng.below(own_records.len() as u64) as usize]),
                _ => super::random_val(rng, records.len(), 40),
            };
            if usable(&ty) {
                break ty;
            }
        };
        let wanted = |ty: ValTy| super::holds(ty, kind.scalars, records);
        super::random_signatures_of(&mut b.sigs, rng, RANDOM_SIGNATURES, kind.names[2], val, wanted);
    }
}

/// Packed and over-aligned records (`__attribute__((packed))`,
/// `#pragma pack(N)`, `__attribute__((aligned(N)))`): named edge cases and
/// random shapes from their own seed, after the rest of the corpus.
mod packing {
    use super::{rep, Attrs, Builder, FieldTy, Sc, SplitMix64, ValTy, MAX_RECORD_SIZE};

    /// The seed of this part.
    pub(super) const SEED: u64 = 0x9AC4_ED00_A119_4ED5;
    /// Random packed or over-aligned records.
    const RANDOM_RECORDS: usize = 24;
    /// Random signatures with at least one packed or over-aligned value,
    /// mixed with every older kind.
    const RANDOM_SIGNATURES: usize = 100;

    pub(super) fn named_records(b: &mut Builder) {
        // `{char; int}` packed: `i` at 1, MEMORY for sysv64, 5 bytes by
        // reference for win64.
        b.add_with("PackedCharInt", false, Attrs::Packed(1), "int8_t c; int32_t i;");
        b.add_with("Pack2CharInt", false, Attrs::Packed(2), "int8_t c; int32_t i;");
        // Packed, every field aligned anyway: classified as usual.
        b.add_with("PackedAligned8", false, Attrs::Packed(1), "uint32_t a; uint16_t b; uint8_t c; uint8_t d;");
        b.add_with("PackedFloats", false, Attrs::Packed(1), "int8_t c; float f; double d;");
        b.add_with("PackedWide", false, Attrs::Packed(1), "int8_t c; __int128 x;");
        b.add_with("Pack4Mixed", false, Attrs::Packed(4), "int16_t s; double d; int8_t c[3];");
        // One INTEGER (or SSE) eightbyte and one of padding for sysv64.
        b.add_with("Long16", false, Attrs::Aligned(16), "int64_t a;");
        b.add_with("Float16", false, Attrs::Aligned(16), "float a;");
        // 32-aligned: MEMORY for sysv64, at a multiple of 32 on its stack.
        b.add_with("Block32", false, Attrs::Aligned(32), "int64_t a; double b;");
        b.add_with("Byte32", false, Attrs::Aligned(32), "int8_t a;");
        b.add_with("UAligned16", true, Attrs::Aligned(16), "int32_t i; float f;");
        // Packed unions: every member at 0, the union aligned to at most N.
        b.add_with("UPacked", true, Attrs::Packed(1), "int32_t i; int8_t c[5];");
        b.add_with("UPack2", true, Attrs::Packed(2), "double d; int16_t s[3];");
        // An over-aligned record nested in a plain one.
        b.strukt("HoldsBlock32", "int8_t tag; Block32 inner;");
    }

    pub(super) fn named_signatures(b: &mut Builder) {
        b.sig("packed_char_int", "PackedCharInt (PackedCharInt, int64_t)");
        b.sig("pack2_char_int", "Pack2CharInt (int32_t, Pack2CharInt)");
        b.sig("packed_aligned_fields", "PackedAligned8 (PackedAligned8, PackedFloats)");
        b.sig("packed_wide", "PackedWide (PackedWide, __int128, Pack4Mixed)");
        b.sig("aligned16_in_registers", "Long16 (Long16, Float16, UAligned16, int32_t)");
        b.sig("aligned16_on_stack", &format!("Float16 ({}, Long16, float)", rep("int64_t", 6)));
        // `aligned(32)` structs on the stack: at a multiple of 32.
        b.sig("aligned32_on_stack", &format!("int64_t ({}, Block32, int64_t)", rep("int64_t", 7)));
        b.sig("aligned32_pair_on_stack", "Byte32 (Block32, int8_t, Byte32, double)");
        b.sig("aligned32_after_four", "Block32 (int64_t, double, int32_t, float, Block32)");
        b.sig("aligned32_nested", "HoldsBlock32 (HoldsBlock32, Byte32)");
        b.sig("packed_unions", "UPack2 (UPacked, UPack2, UPacked)");
    }

    /// A random field of a packed record: scalars and arrays of them only
    /// (the C helpers take the address of record fields, and a packed
    /// member's address is not fit for that).
    fn packed_field(rng: &mut SplitMix64) -> FieldTy {
        let scalars: Vec<Sc> = Sc::ALL.into_iter().chain(Sc::WIDE).collect();
        let scalar = FieldTy::Scalar(scalars[rng.below(scalars.len() as u64) as usize]);
        if rng.chance(20) {
            FieldTy::Array(Box::new(scalar), 1 + rng.below(4) as usize)
        } else {
            scalar
        }
    }

    pub(super) fn random_records(b: &mut Builder, rng: &mut SplitMix64) {
        let mut made = 0;
        while made < RANDOM_RECORDS {
            let attrs = match rng.below(6) {
                0 | 1 => Attrs::Packed(1),
                2 => Attrs::Packed(2 << rng.below(2)),
                3 | 4 => Attrs::Aligned(16),
                _ => Attrs::Aligned(32),
            };
            let union = rng.chance(20);
            let count = 1 + rng.below(5) as usize;
            let prefix = if union { "f" } else { "m" };
            let fields: Vec<(String, FieldTy)> = (0..count)
                .map(|i| {
                    let ty = match attrs {
                        Attrs::Packed(_) => packed_field(rng),
                        _ => super::random_field(rng, &b.records),
                    };
                    (format!("{prefix}{i}"), ty)
                })
                .collect();
            if super::layout_with(union, attrs, &fields, &b.records).0 > MAX_RECORD_SIZE {
                continue;
            }
            let name = match (attrs, union) {
                (Attrs::Packed(_), false) => format!("PackS{made:02}"),
                (Attrs::Packed(_), true) => format!("PackU{made:02}"),
                (_, false) => format!("AlignS{made:02}"),
                (_, true) => format!("AlignU{made:02}"),
            };
            b.push_record_with(name, union, attrs, fields);
            made += 1;
        }
    }

    /// Random signatures: a third of the values packed or over-aligned.
    pub(super) fn random_signatures(b: &mut Builder, rng: &mut SplitMix64) {
        let records = &b.records;
        let special: Vec<usize> = (0..records.len()).filter(|&r| records[r].attrs != Attrs::Plain).collect();
        let val = |rng: &mut SplitMix64| match rng.below(100) {
            0..=34 => ValTy::Record(special[rng.below(special.len() as u64) as usize]),
            _ => super::random_val(rng, records.len(), 40),
        };
        let wanted = |ty: ValTy| matches!(ty, ValTy::Record(r) if special.contains(&r));
        super::random_signatures_of(&mut b.sigs, rng, RANDOM_SIGNATURES, "packing", val, wanted);
    }
}

/// `count` random signatures named `{prefix}_000` on, of up to
/// [`MAX_ARGS`] arguments and a return value (or `void`) drawn by `val`,
/// each with at least one `wanted` value.
fn random_signatures_of(
    sigs: &mut Vec<Sig>,
    rng: &mut SplitMix64,
    count: usize,
    prefix: &str,
    val: impl Fn(&mut SplitMix64) -> ValTy,
    wanted: impl Fn(ValTy) -> bool,
) {
    let mut made = 0;
    while made < count {
        let args: Vec<ValTy> = (0..rng.below(MAX_ARGS + 1)).map(|_| val(rng)).collect();
        let ret = if rng.chance(15) { None } else { Some(val(rng)) };
        if args.iter().chain(&ret).any(|&ty| wanted(ty)) {
            sigs.push(Sig { name: format!("{prefix}_{made:03}"), args, ret, named: false });
            made += 1;
        }
    }
}

/// The corpus every build generates.
pub(crate) fn build() -> Corpus {
    let mut b = Builder { records: Vec::new(), sigs: Vec::new() };
    let mut rng = SplitMix64(SEED);
    named_records(&mut b);
    let mut named_records = b.records.len();
    random_records(&mut b, &mut rng);
    named_signatures(&mut b);
    random_signatures(&mut b, &mut rng);

    let run = |b: &mut Builder, kind: c_kinds::Kind| {
        let mut rng = SplitMix64(kind.seed);
        let before = b.records.len();
        (kind.named_records)(b);
        let named = b.records.len() - before;
        (kind.named_signatures)(b);
        c_kinds::random_records(b, &mut rng, &kind);
        c_kinds::random_signatures(b, &mut rng, &kind);
        named
    };
    named_records += run(&mut b, c_kinds::COMPLEX);

    named_records += run(&mut b, c_kinds::WIDE);

    let mut rng = SplitMix64(packing::SEED);
    let before = b.records.len();
    packing::named_records(&mut b);
    named_records += b.records.len() - before;
    packing::named_signatures(&mut b);
    packing::random_records(&mut b, &mut rng);
    packing::random_signatures(&mut b, &mut rng);

    for kind in [c_kinds::X87, c_kinds::VECTORS, c_kinds::MIXED] {
        named_records += run(&mut b, kind);
    }

    let named_sigs = b.sigs.iter().filter(|s| s.named).count();
    Corpus { records: b.records, named_records, sigs: b.sigs, named_sigs }
}
