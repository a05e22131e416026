//! Calls into win64 code and callbacks from it, side by side in one run:
//! rustc's native `extern "win64"` call (the limit), abi-bridge's
//! `#[foreign_abi]` method and `Thunk`, and libffi's FFI_WIN64 mode; and a
//! variadic call (`variadic/*`), rustc's against `#[foreign_abi]`'s with a
//! type list it has seen before and a `Thunk` of that list.
//!
//! `cargo bench -p abi-bridge-bench` times them with criterion. With
//! `ABI_BRIDGE_ICOUNT=<case>:<n>` the binary instead runs one case `n` times
//! and exits, for `scripts/icount.sh` to count instructions per call under
//! callgrind (exact and repeatable where timings on a shared machine are not).

// Every `unsafe` block here calls a function of benches/c/bench.c (or a thunk
// made for it) with exactly the signature bench.c defines; that is the one
// promise each of them makes, stated once instead of at forty call sites.
#![allow(clippy::undocumented_unsafe_blocks)]

use std::ffi::c_void;
use std::hint::black_box;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use abi_bridge::{foreign_abi, Callback, Conv, ForeignType, Signature, Thunk};
use criterion::{criterion_group, Criterion};
use libffi::middle::{Arg, Cif, Closure, CodePtr, Type};

#[derive(Clone, Copy, Debug, PartialEq, ForeignType)]
/// `struct Vec2 { double x, y; }` of bench.c: 16 bytes, by reference under win64.
#[repr(C)]
pub struct Vec2 {
    x: f64,
    y: f64,
}

#[foreign_abi(win64, library = BenchLib)]
extern "C" {
    fn add2(a: i32, b: i32) -> i32;
    fn mix6(a: i32, b: f64, c: i64, d: f32, e: i32, f: f64) -> f64;
    fn vadd(a: Vec2, b: Vec2) -> Vec2;
    fn sum10(a: i64, b: i64, c: i64, d: i64, e: i64, f: i64, g: i64, h: i64, i: i64, j: i64) -> i64;
    fn call_cb(cb: extern "win64" fn(i32) -> i32, x: i32) -> i32;
    fn vfmt3(fmt: *const std::ffi::c_char, ...) -> i64;
}

/// Compiles `benches/c/<name>.c` with gcc into a shared object (once per run).
fn build_c(name: &str, source: &str) -> PathBuf {
    let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("lib{name}.so"));
    let status = Command::new("gcc")
        .args(["-O2", "-shared", "-fPIC", "-o"])
        .arg(&out)
        .arg(source)
        .status()
        .expect("gcc runs (scripts/setup.sh installs it)");
    assert!(status.success(), "gcc failed on {source}");
    out
}

type Add2 = extern "win64" fn(i32, i32) -> i32;
type Mix6 = extern "win64" fn(i32, f64, i64, f32, i32, f64) -> f64;
type Vadd = extern "win64" fn(Vec2, Vec2) -> Vec2;
type Sum10 = extern "win64" fn(i64, i64, i64, i64, i64, i64, i64, i64, i64, i64) -> i64;
type CallCb = extern "win64" fn(extern "win64" fn(i32) -> i32, i32) -> i32;
type Vfmt3 = unsafe extern "win64" fn(*const std::ffi::c_char, ...) -> i64;

/// bench.c built by mingw-w64 as a Windows DLL, if mingw-w64 is installed.
fn build_dll() -> Option<PathBuf> {
    let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("abi_bridge_bench.dll");
    let status = Command::new("x86_64-w64-mingw32-gcc")
        .args(["-O2", "-shared", "-o"])
        .arg(&out)
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/benches/c/bench.c"))
        .status()
        .ok()?;
    status.success().then_some(out)
}

/// Everything the cases call, set up once.
struct Fixture {
    lib: BenchLib,
    native: (Add2, Mix6, Vadd, Sum10, CallCb),
    thunks: (Thunk, Thunk, Thunk, Thunk),
    variadic: (Vfmt3, Thunk),
    raw: libloading::Library,
    /// The same functions in a real DLL, and rustc's call of `add2` through
    /// the gate `Library::symbol` hands out.
    dll: Option<(BenchLib, Add2)>,
}

fn symbol(lib: &libloading::Library, name: &str) -> *const c_void {
    // SAFETY: only the address is read.
    unsafe { *lib.get::<*const c_void>(name.as_bytes()).expect("bench symbol") }
}

impl Fixture {
    fn new() -> Fixture {
        let path = build_c("abi_bridge_bench", concat!(env!("CARGO_MANIFEST_DIR"), "/benches/c/bench.c"));
        // SAFETY: our own bench library, with no initialisers.
        let lib = unsafe { BenchLib::load(&path) }.expect("load bench library");
        // SAFETY: as above.
        let raw = unsafe { libloading::Library::new(&path) }.expect("load bench library");
        let (a, m, v, s, c) = (
            symbol(&raw, "add2"),
            symbol(&raw, "mix6"),
            symbol(&raw, "vadd"),
            symbol(&raw, "sum10"),
            symbol(&raw, "call_cb"),
        );
        // SAFETY: each symbol is a win64 function of exactly this type (bench.c).
        let native = unsafe {
            (
                core::mem::transmute::<*const c_void, Add2>(a),
                core::mem::transmute::<*const c_void, Mix6>(m),
                core::mem::transmute::<*const c_void, Vadd>(v),
                core::mem::transmute::<*const c_void, Sum10>(s),
                core::mem::transmute::<*const c_void, CallCb>(c),
            )
        };
        let thunk = |sig: Signature, target| Thunk::new(Conv::HOST, Conv::Win64, &sig, target).expect("thunk");
        let thunks = (
            thunk(Signature::of::<fn(i32, i32) -> i32>(), a),
            thunk(Signature::of::<fn(i32, f64, i64, f32, i32, f64) -> f64>(), m),
            thunk(Signature::of::<fn(Vec2, Vec2) -> Vec2>(), v),
            thunk(Signature::of::<fn(i64, i64, i64, i64, i64, i64, i64, i64, i64, i64) -> i64>(), s),
        );
        let vfmt3 = symbol(&raw, "vfmt3");
        let pointer = <*const std::ffi::c_char>::DESC;
        let vsig = Signature::new_variadic(&[pointer], &[i32::DESC, f64::DESC, pointer], Some(i64::DESC)).unwrap();
        // SAFETY: vfmt3 is a variadic win64 function of this type (bench.c).
        let variadic = (unsafe { core::mem::transmute::<*const c_void, Vfmt3>(vfmt3) }, thunk(vsig, vfmt3));
        let dll = build_dll().map(|path| {
            // SAFETY: bench.c as a DLL, with the C runtime's initialisers only.
            let dll = unsafe { BenchLib::load(&path) }.expect("load bench DLL");
            let gate = dll.library().symbol("add2").expect("add2");
            // SAFETY: a win64 function of this type behind its gate.
            (dll, unsafe { core::mem::transmute::<*const c_void, Add2>(gate) })
        });
        Fixture { lib, native, thunks, raw, variadic, dll }
    }
}

/// A plain Rust function: what every callback path ends up calling.
#[inline(never)]
fn times_three(x: i32) -> i32 {
    x.wrapping_mul(3)
}

/// rustc's own shim: a win64 function that forwards to ordinary Rust.
extern "win64" fn rustc_shim(x: i32) -> i32 {
    times_three(x)
}

unsafe extern "C" fn libffi_callback(
    _cif: &libffi::low::ffi_cif,
    result: &mut i32,
    args: *const *const c_void,
    _: &(),
) {
    // SAFETY: libffi passes one pointer to the i32 argument.
    *result = times_three(unsafe { *(*args).cast::<i32>() });
}

fn win64_cif(args: Vec<Type>, ret: Type) -> Cif {
    Cif::new_with_abi(args, ret, libffi::raw::ffi_abi_FFI_WIN64)
}

fn vec2_type() -> Type {
    Type::structure([Type::f64(), Type::f64()])
}

/// One benchmark case: a name and a closure doing one call.
type Case<'a> = (&'static str, Box<dyn FnMut() + 'a>);

fn cases(fx: &Fixture) -> Vec<Case<'_>> {
    let (add2, mix6, vadd, sum10, call_cb) = fx.native;
    // SAFETY (all `transmute`s below): each thunk is callable with the host
    // convention and exactly the signature it was made for.
    let t_add2: extern "C" fn(i32, i32) -> i32 = unsafe { core::mem::transmute(fx.thunks.0.entry()) };
    let t_mix6: extern "C" fn(i32, f64, i64, f32, i32, f64) -> f64 =
        unsafe { core::mem::transmute(fx.thunks.1.entry()) };
    let t_vadd: extern "C" fn(Vec2, Vec2) -> Vec2 = unsafe { core::mem::transmute(fx.thunks.2.entry()) };
    let t_sum10: extern "C" fn(i64, i64, i64, i64, i64, i64, i64, i64, i64, i64) -> i64 =
        unsafe { core::mem::transmute(fx.thunks.3.entry()) };
    let ffi_add2 = win64_cif(vec![Type::i32(), Type::i32()], Type::i32());
    let ffi_mix6 =
        win64_cif(vec![Type::i32(), Type::f64(), Type::i64(), Type::f32(), Type::i32(), Type::f64()], Type::f64());
    let ffi_vadd = win64_cif(vec![vec2_type(), vec2_type()], vec2_type());
    let ffi_sum10 = win64_cif(vec![Type::i64(); 10], Type::i64());
    let ffi_call_cb = win64_cif(vec![Type::pointer(), Type::i32()], Type::i32());
    let code = |name| CodePtr(symbol(&fx.raw, name).cast_mut());
    let (p_add2, p_mix6, p_vadd, p_sum10, p_call_cb) =
        (code("add2"), code("mix6"), code("vadd"), code("sum10"), code("call_cb"));

    let cb = Callback::<fn(i32) -> i32>::new(Conv::Win64, times_three).expect("callback");
    let cb_fn = cb.as_win64().expect("win64 callback");
    let closure_cif = win64_cif(vec![Type::i32()], Type::i32());
    let closure = Box::leak(Box::new(Closure::new(closure_cif, libffi_callback, &())));
    // SAFETY: the closure's code is a win64 function of this type while it lives (leaked).
    let ffi_cb: extern "win64" fn(i32) -> i32 = unsafe { core::mem::transmute(*closure.code_ptr()) };
    let lib = &fx.lib;
    let (vfmt3, ref vthunk) = fx.variadic;
    let t_vfmt3: unsafe extern "C" fn(*const std::ffi::c_char, ...) -> i64 =
        unsafe { core::mem::transmute(vthunk.entry()) };
    let fmt = c"%d %f %s".as_ptr();
    let v = Vec2 { x: 1.0, y: 2.0 };
    let (a, b) = (black_box(3), black_box(4));
    // SAFETY (every call below): the functions have these signatures (bench.c).
    let mut dll_cases: Vec<Case<'_>> = Vec::new();
    if let Some((dll, gate)) = &fx.dll {
        let gate = *gate;
        dll_cases.push(("add2/dll_gate", Box::new(move || _ = black_box(gate(black_box(a), b)))));
        dll_cases.push(("add2/dll_foreign_abi", Box::new(move || _ = black_box(unsafe { dll.add2(black_box(a), b) }))));
    }
    let mut all: Vec<Case<'_>> = vec![
        ("add2/native", Box::new(move || _ = black_box(add2(black_box(a), b)))),
        ("add2/foreign_abi", Box::new(move || _ = black_box(unsafe { lib.add2(black_box(a), b) }))),
        ("add2/thunk", Box::new(move || _ = black_box(t_add2(black_box(a), b)))),
        (
            "add2/libffi",
            Box::new(move || {
                let (a, b) = (black_box(a), b);
                _ = black_box(unsafe { ffi_add2.call::<i32>(p_add2, &[Arg::new(&a), Arg::new(&b)]) })
            }),
        ),
        ("mix6/native", Box::new(move || _ = black_box(mix6(black_box(1), 2.0, 3, 4.0, 5, 6.0)))),
        ("mix6/foreign_abi", Box::new(move || _ = black_box(unsafe { lib.mix6(black_box(1), 2.0, 3, 4.0, 5, 6.0) }))),
        ("mix6/thunk", Box::new(move || _ = black_box(t_mix6(black_box(1), 2.0, 3, 4.0, 5, 6.0)))),
        (
            "mix6/libffi",
            Box::new(move || {
                let (a, b, c, d, e, f) = (black_box(1i32), 2.0f64, 3i64, 4.0f32, 5i32, 6.0f64);
                let args = [Arg::new(&a), Arg::new(&b), Arg::new(&c), Arg::new(&d), Arg::new(&e), Arg::new(&f)];
                _ = black_box(unsafe { ffi_mix6.call::<f64>(p_mix6, &args) })
            }),
        ),
        ("vadd/native", Box::new(move || _ = black_box(vadd(black_box(v), v)))),
        ("vadd/foreign_abi", Box::new(move || _ = black_box(unsafe { lib.vadd(black_box(v), v) }))),
        ("vadd/thunk", Box::new(move || _ = black_box(t_vadd(black_box(v), v)))),
        (
            "vadd/libffi",
            Box::new(move || {
                // libffi's win64 path rewrites avalue[] for by-reference
                // structs, so the argument array is rebuilt for every call.
                let (a, b) = (black_box(v), v);
                _ = black_box(unsafe { ffi_vadd.call::<Vec2>(p_vadd, &[Arg::new(&a), Arg::new(&b)]) })
            }),
        ),
        ("sum10/native", Box::new(move || _ = black_box(sum10(black_box(1), 2, 3, 4, 5, 6, 7, 8, 9, 10)))),
        (
            "sum10/foreign_abi",
            Box::new(move || _ = black_box(unsafe { lib.sum10(black_box(1), 2, 3, 4, 5, 6, 7, 8, 9, 10) })),
        ),
        ("sum10/thunk", Box::new(move || _ = black_box(t_sum10(black_box(1), 2, 3, 4, 5, 6, 7, 8, 9, 10)))),
        (
            "sum10/libffi",
            Box::new(move || {
                let x: [i64; 10] = black_box([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
                let args: Vec<Arg> = x.iter().map(Arg::new).collect();
                _ = black_box(unsafe { ffi_sum10.call::<i64>(p_sum10, &args) })
            }),
        ),
        ("callback/rustc_shim", Box::new(move || _ = black_box(call_cb(rustc_shim, black_box(a))))),
        (
            "callback/abi_bridge",
            Box::new(move || {
                let _keep = &cb;
                _ = black_box(call_cb(cb_fn, black_box(a)))
            }),
        ),
        ("callback/libffi", Box::new(move || _ = black_box(call_cb(ffi_cb, black_box(a))))),
        ("variadic/native", Box::new(move || _ = black_box(unsafe { vfmt3(fmt, black_box(a), 2.5, fmt) }))),
        ("variadic/foreign_abi", Box::new(move || _ = black_box(unsafe { lib.vfmt3(fmt, (black_box(a), 2.5, fmt)) }))),
        ("variadic/thunk", Box::new(move || _ = black_box(unsafe { t_vfmt3(fmt, black_box(a), 2.5, fmt) }))),
        (
            "callback/libffi_call",
            Box::new(move || {
                let (f, x) = (ffi_cb as *const c_void, black_box(a));
                _ = black_box(unsafe { ffi_call_cb.call::<i32>(p_call_cb, &[Arg::new(&f), Arg::new(&x)]) })
            }),
        ),
    ];
    all.extend(dll_cases);
    all
}

fn calls(c: &mut Criterion) {
    let fx = Fixture::new();
    let mut group = c.benchmark_group("calls");
    for (name, mut case) in cases(&fx) {
        group.bench_function(name, |b| b.iter(&mut case));
    }
    group.finish();
}

fn creation(c: &mut Criterion) {
    let fx = Fixture::new();
    let target = symbol(&fx.raw, "sum10");
    let mut group = c.benchmark_group("creation");
    let mut n = 0u64;
    group.bench_function("thunk/cold", |b| {
        // A signature never seen before: code is generated and published.
        b.iter(|| {
            n += 1;
            let name = format!("S{n}");
            let s = abi_bridge::TypeDesc::new_struct(&name, &[("a", i64::DESC), ("b", f32::DESC)]).unwrap();
            let sig = Signature::new(&[s, i32::DESC], Some(s)).unwrap();
            black_box(Thunk::new(Conv::HOST, Conv::Win64, &sig, target).unwrap())
        })
    });
    let sig = Signature::of::<fn(i64, i64, i64, i64, i64, i64, i64, i64, i64, i64) -> i64>();
    let mut t = 0usize;
    group.bench_function("thunk/cached_code", |b| {
        // Known signature, new target: only a trampoline slot is taken.
        b.iter(|| {
            t += 16;
            black_box(Thunk::new(Conv::HOST, Conv::Win64, &sig, (target as usize + t) as *const c_void).unwrap())
        })
    });
    let live: Vec<_> =
        (0..10_000).map(|i| Callback::<fn(i32) -> i32>::new(Conv::Win64, move |x| x + i).unwrap()).collect();
    group.bench_function("callback/alloc_free_10k_live", |b| {
        b.iter(|| black_box(Callback::<fn(i32) -> i32>::new(Conv::Win64, |x| x + 1).unwrap()))
    });
    drop(live);
    group.finish();
}

/// The C type and the description of argument kind `k`.
fn plugin_type(k: u32) -> (&'static str, &'static abi_bridge::TypeDesc) {
    match k % 4 {
        0 => ("int32_t", i32::DESC),
        1 => ("double", f64::DESC),
        2 => ("int64_t", i64::DESC),
        _ => ("float", f32::DESC),
    }
}

/// A win64 plugin of 500 functions with 500 distinct signatures (0–12
/// arguments of four kinds), and those signatures.
fn plugin500() -> (PathBuf, Vec<String>, Vec<Signature>) {
    let mut c = String::from("#include <stdint.h>\n");
    let (mut names, mut sigs) = (Vec::new(), Vec::new());
    for i in 0..500u32 {
        let n = i % 13;
        let kinds: Vec<u32> = (0..n).map(|j| (i / 13 + j * 7 + j * j) % 4).collect();
        let ret = plugin_type(i / 7);
        let params: Vec<String> =
            kinds.iter().enumerate().map(|(j, &k)| format!("{} a{j}", plugin_type(k).0)).collect();
        let body: Vec<String> = (0..n).map(|j| format!("a{j}")).collect();
        let params = if params.is_empty() { "void".to_owned() } else { params.join(", ") };
        let body = if body.is_empty() { "0".to_owned() } else { body.join(" + ") };
        c += &format!("__attribute__((ms_abi)) {} f{i}({params}) {{ return ({}) ({body}); }}\n", ret.0, ret.0);
        names.push(format!("f{i}"));
        let args: Vec<_> = kinds.iter().map(|&k| plugin_type(k).1).collect();
        sigs.push(Signature::new(&args, Some(ret.1)).expect("scalar signature"));
    }
    let src = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("plugin500.c");
    std::fs::write(&src, c).expect("write plugin500.c");
    let lib = build_c("abi_bridge_plugin500", src.to_str().expect("utf-8 path"));
    (lib, names, sigs)
}

/// What `#[foreign_abi(win64, library = ..)]`'s `load` does: open, resolve
/// every symbol, generate every thunk together.
fn load_plugin(
    path: &std::path::Path,
    names: &[String],
    sigs: &[Signature],
) -> (abi_bridge::Library, Vec<*const c_void>) {
    // SAFETY: our own generated plugin.
    let lib = unsafe { abi_bridge::Library::open(path) }.expect("open plugin500");
    let targets: Vec<_> = names.iter().map(|n| lib.symbol(n).expect("symbol")).collect();
    let codes = abi_bridge::__private::entries(Conv::Win64, sigs).expect("thunks");
    black_box(&targets);
    (lib, codes)
}

fn plugin_load(c: &mut Criterion) {
    let (path, names, sigs) = plugin500();
    let bytes_before = abi_bridge::generated_code_bytes();
    let start = std::time::Instant::now();
    let (_lib, mut codes) = load_plugin(&path, &names, &sigs);
    let cold = start.elapsed();
    codes.sort();
    codes.dedup();
    let bytes = abi_bridge::generated_code_bytes() - bytes_before;
    println!(
        "plugin500: first load (500 symbols, {} distinct signatures) {:.2} ms; {:.0} bytes of code per signature generated",
        codes.len(),
        cold.as_secs_f64() * 1e3,
        bytes as f64 / codes.len() as f64
    );
    c.bench_function("creation/load_500_function_plugin_warm", |b| {
        b.iter(|| black_box(load_plugin(&path, &names, &sigs)))
    });
}

/// A mingw-w64 DLL with 46 imports and 18 exports (`tests/dll/pe_crt.c`):
/// opened, every export resolved and a thunk made for each, as
/// `#[foreign_abi(win64, library = ..)]`'s `load` does; the first load (in
/// this process) printed, later ones (signatures cached) timed.
fn dll_load(c: &mut Criterion) {
    let path = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/dll/bin/pe_crt.dll"));
    let data = std::fs::read(&path).expect("the checked-in pe_crt.dll");
    let image = abi_bridge::pe::PeImage::parse(&data).expect("parses");
    let names: Vec<String> = image.exports().expect("exports").into_iter().filter_map(|e| e.name).collect();
    let imports = image.imports().expect("imports").len();
    // Each export gets a signature of its own shape, as a real block would.
    let sigs: Vec<Signature> = (0..names.len())
        .map(|i| {
            let args: Vec<_> = (0..i % 7).map(|j| if j % 2 == 0 { i64::DESC } else { f64::DESC }).collect();
            Signature::new(&args, Some(i32::DESC)).expect("scalar signature")
        })
        .collect();
    let options = || {
        let notify = Callback::<fn(i32, i32), abi_bridge::Win64>::new(abi_bridge::Win64, |_, _| {}).expect("callback");
        abi_bridge::pe::LoadOptions::new().import_callback("host.dll", "host_notify", notify)
    };
    let load = |options| {
        // SAFETY: the test fixture DLL, whose DllMain calls only host_notify.
        let lib = unsafe { abi_bridge::Library::open_with(&path, options) }.expect("open pe_crt.dll");
        let targets: Vec<_> = names.iter().map(|n| lib.symbol(n).expect("export")).collect();
        let codes = abi_bridge::__private::entries(Conv::Win64, &sigs).expect("thunks");
        black_box((&targets, &codes));
        lib
    };
    let start = std::time::Instant::now();
    drop(load(options()));
    println!(
        "pe_crt.dll: first load ({imports} imports, {} exports, thunks included) {:.2} ms",
        names.len(),
        start.elapsed().as_secs_f64() * 1e3
    );
    c.bench_function("creation/load_pe_crt_dll_cached", |b| {
        b.iter_batched(options, |o| drop(load(o)), criterion::BatchSize::SmallInput)
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(2)).warm_up_time(Duration::from_millis(500));
    targets = calls, creation, plugin_load, dll_load
}

fn main() {
    if let Ok(spec) = std::env::var("ABI_BRIDGE_ICOUNT") {
        let (name, n) = spec.split_once(':').expect("ABI_BRIDGE_ICOUNT=<case>:<iterations>");
        let n: u64 = n.parse().expect("iterations");
        let fx = Fixture::new();
        let mut all = cases(&fx);
        let (_, case) = all.iter_mut().find(|(c, _)| *c == name).unwrap_or_else(|| panic!("no case {name}"));
        for _ in 0..n {
            case();
        }
        return;
    }
    if std::env::args().any(|a| a == "--list-cases") {
        let fx = Fixture::new();
        cases(&fx).iter().for_each(|(name, _)| println!("{name}"));
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
