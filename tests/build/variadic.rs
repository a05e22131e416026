//! The variadic corpus: random lists of promoted argument types (fixed seed),
//! each a descriptor string (one character per argument, see
//! `c/variadic.c`) and literal values, for
//!
//! - `variadic_lists.rs`: one `variadic_list!` per list, which the test
//!   (`tests/variadic_vs_gcc.rs`) expands into calls of gcc's variadic
//!   callees through rustc's own variadic call (the oracle), `#[foreign_abi]`
//!   declarations and `Thunk`s;
//! - `variadic_drivers.c`: per list an `ms_abi` and a `sysv_abi` call of a
//!   function pointer with the same values: gcc calling Rust's variadic
//!   callbacks (or gcc's callees, for the expected result).

use std::fmt::Write;

use crate::corpus::SplitMix64;

/// Lists generated (at least 200 per convention, as issue 10 asks).
const LISTS: usize = 240;
/// The most variadic arguments in one list.
const MAX_ARGS: u64 = 20;

/// How a list's callee is declared (by list index, in turn).
#[derive(Clone, Copy)]
enum Variant {
    /// `uint64_t f(const char *desc, ...)`.
    Plain,
    /// `uint64_t f(double x, int32_t n, const char *desc, ...)`.
    Named,
    /// `struct va_b24 f(const char *desc, ...)`.
    Sret,
}

impl Variant {
    fn of(i: usize) -> Variant {
        [Variant::Plain, Variant::Named, Variant::Sret][i % 3]
    }

    fn rust(self) -> &'static str {
        match self {
            Variant::Plain => "plain",
            Variant::Named => "named",
            Variant::Sret => "sret",
        }
    }
}

/// One argument: its descriptor character, its Rust value as the wrapper
/// takes it, as rustc's variadic call must spell it (promoted), and in C.
struct Arg {
    code: char,
    rust: String,
    oracle: String,
    c: String,
}

fn int(rng: &mut SplitMix64, bits: u32) -> i64 {
    (rng.next() >> (64 - bits)) as i64 - (1 << (bits - 1))
}

/// An exactly representable float value (a multiple of 1/8).
fn float(rng: &mut SplitMix64) -> f64 {
    int(rng, 20) as f64 / 8.0
}

fn arg(rng: &mut SplitMix64) -> Arg {
    const CODES: &[u8] = b"iiichzllddddfppSFTVMB";
    let code = CODES[rng.below(CODES.len() as u64) as usize] as char;
    let same = |rust: String, c: String| Arg { code, oracle: rust.clone(), rust, c };
    match code {
        'i' => {
            let v = int(rng, 31);
            same(format!("{v}i32"), format!("(int32_t){v}"))
        }
        'c' => {
            let v = int(rng, 8);
            Arg { code, rust: format!("{v}i8"), oracle: format!("{v}i32"), c: format!("(signed char){v}") }
        }
        'h' => {
            let v = rng.below(65536);
            Arg { code, rust: format!("{v}u16"), oracle: format!("{v}i32"), c: format!("(unsigned short){v}") }
        }
        'z' => {
            let v = rng.chance(50);
            Arg {
                code,
                rust: format!("{v}"),
                oracle: format!("{}i32", u8::from(v)),
                c: format!("(_Bool){}", u8::from(v)),
            }
        }
        'l' => {
            let v = int(rng, 63);
            same(format!("{v}i64"), format!("(int64_t){v}LL"))
        }
        'd' => {
            let v = float(rng);
            same(format!("{v:?}f64"), format!("{v:?}"))
        }
        'f' => {
            let v = float(rng);
            Arg { code, rust: format!("{v:?}f32"), oracle: format!("{v:?}f64"), c: format!("{v:?}f") }
        }
        'p' => {
            let v = rng.next() >> 16;
            same(format!("{v:#x}usize as *const c_void"), format!("(void *){v:#x}ULL"))
        }
        'S' => {
            let (a, b) = (int(rng, 31), int(rng, 31));
            same(format!("S8 {{ a: {a}, b: {b} }}"), format!("(struct va_s8){{{a}, {b}}}"))
        }
        'F' => {
            let (x, y) = (float(rng), float(rng));
            same(format!("F8 {{ x: {x:?}, y: {y:?} }}"), format!("(struct va_f8){{{x:?}f, {y:?}f}}"))
        }
        'T' => {
            let (a, b, c) = (rng.below(256), rng.below(256), rng.below(256));
            same(format!("T3 {{ a: {a}, b: {b}, c: {c} }}"), format!("(struct va_t3){{{a}, {b}, {c}}}"))
        }
        'V' => {
            let (x, y) = (float(rng), float(rng));
            same(format!("V16 {{ x: {x:?}, y: {y:?} }}"), format!("(struct va_v16){{{x:?}, {y:?}}}"))
        }
        'M' => {
            let (x, y) = (float(rng), int(rng, 63));
            same(format!("M16 {{ x: {x:?}, y: {y} }}"), format!("(struct va_m16){{{x:?}, {y}LL}}"))
        }
        'B' => {
            let (a, b, c) = (int(rng, 63), int(rng, 63), int(rng, 63));
            same(format!("B24 {{ a: {a}, b: {b}, c: {c} }}"), format!("(struct va_b24){{{a}LL, {b}LL, {c}LL}}"))
        }
        _ => unreachable!(),
    }
}

/// The named arguments of a `Named` list `i`, in Rust and in C.
fn named(i: usize) -> (String, String) {
    let x = i as f64 + 0.25;
    (format!("{x:?}f64, {}i32", -(i as i64)), format!("{x:?}, {}", -(i as i64)))
}

pub(crate) struct Output {
    pub(crate) rust: String,
    pub(crate) c: String,
}

pub(crate) fn emit() -> Output {
    let mut rng = SplitMix64(0x7661_7261_7267_7321);
    let mut rust = String::from("// Generated by build/variadic.rs.\n\n");
    let mut c = String::from("// Generated by build/variadic.rs.\n\n#include \"variadic.h\"\n\n");
    c.push_str("typedef uint64_t (__attribute__((ms_abi)) *plain_ms)(const char *, ...);\n");
    c.push_str("typedef uint64_t (__attribute__((sysv_abi)) *plain_sysv)(const char *, ...);\n");
    c.push_str("typedef uint64_t (__attribute__((ms_abi)) *named_ms)(double, int32_t, const char *, ...);\n");
    c.push_str("typedef uint64_t (__attribute__((sysv_abi)) *named_sysv)(double, int32_t, const char *, ...);\n");
    c.push_str("typedef struct va_b24 (__attribute__((ms_abi)) *sret_ms)(const char *, ...);\n");
    c.push_str("typedef struct va_b24 (__attribute__((sysv_abi)) *sret_sysv)(const char *, ...);\n\n");
    let mut table = String::from("static LISTS: &[List] = &[\n");
    for i in 0..LISTS {
        let n = rng.below(MAX_ARGS + 1) as usize;
        let args: Vec<Arg> = (0..n).map(|_| arg(&mut rng)).collect();
        let desc: String = args.iter().map(|a| a.code).collect();
        let variant = Variant::of(i);
        let join = |f: &dyn Fn(&Arg) -> &str| args.iter().map(|a| f(a).to_owned()).collect::<Vec<_>>().join(", ");
        let (ours, oracle, cvals) = (join(&|a| &a.rust), join(&|a| &a.oracle), join(&|a| &a.c));
        let (rust_named, c_named) = match variant {
            Variant::Named => {
                let (r, c) = named(i);
                (format!("{r}, "), format!("{c}, "))
            }
            _ => (String::new(), String::new()),
        };
        let tuple = if n == 1 { format!("({ours},)") } else { format!("({ours})") };
        writeln!(
            rust,
            "variadic_list!(list_{i}, {}, [{rust_named}], c\"{desc}\", {tuple}, [{oracle}], abt_vdrive_ms_{i}, abt_vdrive_sysv_{i});",
            variant.rust()
        )
        .unwrap();
        writeln!(table, "    List {{ desc: \"{desc}\", run: list_{i} }},").unwrap();
        let comma = if n == 0 { "" } else { ", " };
        for conv in ["ms", "sysv"] {
            let call = format!("(({}_{conv})f)({c_named}\"{desc}\"{comma}{cvals})", variant.rust());
            let result = match variant {
                Variant::Sret => format!("struct va_b24 r = {call};\n    return fold_b24(r);"),
                _ => format!("return {call};"),
            };
            writeln!(c, "uint64_t abt_vdrive_{conv}_{i}(const void *f) {{\n    {result}\n}}\n").unwrap();
        }
    }
    table.push_str("];\n");
    rust.push_str(&table);
    writeln!(rust, "unsafe extern \"C\" {{").unwrap();
    for i in 0..LISTS {
        writeln!(
            rust,
            "    fn abt_vdrive_ms_{i}(f: *const c_void) -> u64;\n    fn abt_vdrive_sysv_{i}(f: *const c_void) -> u64;"
        )
        .unwrap();
    }
    rust.push_str("}\n");
    let fold = "static uint64_t fold_b24(struct va_b24 r) {\n    return (uint64_t)r.a ^ (uint64_t)r.b * 31 ^ (uint64_t)r.c * 131;\n}\n\n";
    let at = c.find("uint64_t abt_vdrive").unwrap_or(c.len());
    c.insert_str(at, fold);
    Output { rust, c }
}
