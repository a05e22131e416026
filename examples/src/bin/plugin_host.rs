//! A plugin host on Linux loading an audio-effect plugin built for the
//! Microsoft x64 convention (`gcc -mabi=ms`, see `plugins/echo_plugin.c`),
//! calling it, and letting it call back into Rust closures.
//!
//! Run it with `cargo run -p abi-bridge-examples --bin plugin-host`.

use std::ffi::{c_char, c_void, CStr};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

#[path = "../echo_types.rs"]
mod echo_types;
use echo_types::*;

use abi_bridge::{foreign_abi, Callback, Conv, ForeignType};

/// The services the host offers the plugin; the plugin calls them with its
/// own (win64) convention, so each is a `Callback`'s entry.
#[derive(Clone, Copy, ForeignType)]
#[repr(C)]
struct HostApi {
    log: extern "win64" fn(level: i32, message: *const c_char),
    alloc: extern "win64" fn(bytes: usize) -> *mut c_void,
    progress: extern "win64" fn(fraction: f32),
}

#[foreign_abi(win64, library = EchoPlugin)]
extern "C" {
    /// Name, version and capabilities.
    fn plugin_info() -> PluginInfo;
    /// Hands the plugin the host's services.
    fn plugin_init(host: *const HostApi) -> i32;
    /// Gain plus feedback echo, in place.
    fn plugin_process(samples: *mut f32, n: i32, params: EchoParams) -> Stats;
    /// A formula over seven mixed arguments (three travel on the win64 stack).
    fn plugin_mix(a: i32, b: f64, c: i64, d: f32, e: i32, f: f64, g: f32) -> f64;
    /// Calls `transform` on every sample.
    fn plugin_map(samples: *mut f32, n: i32, transform: &Callback<fn(f32, i32) -> f32>) -> i32;
    /// FNV-1a over the samples' bits.
    fn plugin_checksum(samples: *const f32, n: i32) -> u64;
    /// Not exported by this plugin: `#[optional]` makes that a `None`.
    #[optional]
    fn plugin_reset();
}

const PLUGIN: &str = env!("ECHO_PLUGIN_PATH");

fn main() -> Result<(), abi_bridge::Error> {
    if std::env::args().any(|a| a == "--wrong-call") {
        wrong_call();
        return Ok(());
    }
    println!("abi-bridge plugin host: a win64 plugin on {} {}", std::env::consts::ARCH, std::env::consts::OS);
    println!("plugin: {PLUGIN} (built with gcc -mabi=ms)\n");
    // SAFETY: our own plugin, whose declarations above match echo_plugin.c.
    let plugin = unsafe { EchoPlugin::load(PLUGIN)? };

    // 1. A 16-byte struct returned through win64's hidden pointer.
    // SAFETY: (for every plugin call below) the declarations match the C code.
    let info = unsafe { plugin.plugin_info() };
    // SAFETY: the plugin returns a pointer to a static C string.
    let name = unsafe { CStr::from_ptr(info.name) }.to_string_lossy();
    println!("1. plugin_info()                       struct returned through a hidden pointer");
    println!(
        "   -> \"{name}\" v{}.{}.{}, capabilities {:#05b}",
        info.version >> 16,
        (info.version >> 8) & 0xff,
        info.version & 0xff,
        info.capabilities
    );

    // 2. A table of host callbacks: three closures, called with win64.
    let allocations: Mutex<Vec<Vec<u8>>> = Mutex::new(Vec::new());
    let progress_calls = AtomicUsize::new(0);
    let log = Callback::<fn(i32, *const c_char)>::new(Conv::Win64, |level, message| {
        // SAFETY: the plugin passes NUL-terminated strings.
        let message = unsafe { CStr::from_ptr(message) }.to_string_lossy();
        println!("   [plugin log, level {level}] {message}");
    })?;
    let alloc = Callback::<fn(usize) -> *mut c_void>::new(Conv::Win64, |bytes| {
        let mut buffer = vec![0u8; bytes];
        let ptr = buffer.as_mut_ptr().cast();
        allocations.lock().unwrap().push(buffer);
        ptr
    })?;
    let progress = Callback::<fn(f32)>::new(Conv::Win64, |fraction| {
        progress_calls.fetch_add(1, Ordering::Relaxed);
        println!("   [plugin progress] {:>3.0}%", fraction * 100.0);
    })?;
    let host = HostApi {
        log: log.as_win64().expect("win64 callback"),
        alloc: alloc.as_win64().expect("win64 callback"),
        progress: progress.as_win64().expect("win64 callback"),
    };
    println!("\n2. plugin_init(&HostApi)               a table of three Rust closures");
    // SAFETY: `host` and the callbacks in it outlive every plugin call below.
    let rc = unsafe { plugin.plugin_init(&host) };
    println!("   -> {rc}");

    // 3. A 12-byte struct by reference, a 24-byte struct back by hidden pointer.
    let n = 4096;
    let mut samples: Vec<f32> = (0..n).map(|i| ((i as f32) * 0.05).sin() * 0.8).collect();
    let params = EchoParams { gain: 0.5, feedback: 0.25, delay: 32 };
    let expected = echo_in_rust(&samples, params);
    println!("\n3. plugin_process(buf, {n}, {params:?})");
    println!("                                        12-byte struct by reference, 24-byte result by hidden pointer");
    // SAFETY: `samples` holds `n` floats.
    let stats = unsafe { plugin.plugin_process(samples.as_mut_ptr(), n as i32, params) };
    let ours = fnv1a(&samples);
    println!("   -> peak {:.4}, rms {:.4}, checksum {:#018x}", stats.peak, stats.rms, stats.checksum);
    check("the plugin's checksum equals the host's over the same buffer", stats.checksum == ours);
    check("the buffer equals the host's own echo of the input", samples == expected);
    check("the plugin reported progress through the closure 4 times", progress_calls.load(Ordering::Relaxed) == 4);
    check("the plugin allocated through the host", allocations.lock().unwrap().len() == 1);

    // 4. Seven mixed arguments: the fifth and later go on the win64 stack.
    // SAFETY: plain values only.
    let mix = unsafe { plugin.plugin_mix(1, 2.0, 3, 4.0, 5, 6.0, 7.0) };
    let want = 1.0 + 2.0 * 2.0 + 3.0 * 3.0 + 4.0 * 4.0 + 5.0 * 5.0 + 6.0 * 6.0 + 7.0 * 7.0;
    println!("\n4. plugin_mix(1, 2.0, 3, 4.0, 5, 6.0, 7.0)   seven arguments, three on the stack");
    println!("   -> {mix}");
    check("equals 1 + 2*2 + 3*3 + 4*4 + 5*5 + 6*6 + 7*7", mix == want);

    // 5. The plugin calls a Rust closure once per sample.
    let calls = AtomicUsize::new(0);
    let fade = Callback::<fn(f32, i32) -> f32>::new(Conv::Win64, |x, i| {
        calls.fetch_add(1, Ordering::Relaxed);
        x * (1.0 - i as f32 / n as f32)
    })?;
    let want: Vec<f32> = samples.iter().enumerate().map(|(i, x)| x * (1.0 - i as f32 / n as f32)).collect();
    println!("\n5. plugin_map(buf, {n}, &closure)          the plugin calls a Rust closure per sample");
    // SAFETY: `samples` holds `n` floats; `fade` is a win64 callback.
    let mapped = unsafe { plugin.plugin_map(samples.as_mut_ptr(), n as i32, &fade) };
    println!("   -> {mapped}");
    check("the closure ran once per sample", calls.load(Ordering::Relaxed) == n);
    check(
        "the plugin's checksum of the result equals the host's",
        // SAFETY: `samples` holds `n` floats.
        unsafe { plugin.plugin_checksum(samples.as_ptr(), n as i32) } == fnv1a(&want),
    );

    // 6. An optional symbol the plugin does not export.
    println!("\n6. plugin_reset()                       declared #[optional]");
    // SAFETY: an optional function without arguments.
    println!("   -> exported: {}; calling it gives {:?}", plugin.has_plugin_reset(), unsafe { plugin.plugin_reset() });

    // 7. The same calls without abi-bridge, in a child process.
    println!("\n7. WITHOUT abi-bridge: the same calls through plain `extern \"C\"` fn pointers (child process)");
    let out = Command::new(std::env::current_exe().expect("own path")).arg("--wrong-call").output().expect("run child");
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        println!("   {line}");
    }
    if !out.status.success() {
        println!("   -> the child died ({}): arguments and the hidden pointer were in the wrong registers", out.status);
    }
    println!("   (with abi-bridge: name \"{name}\", plugin_mix(..) = {mix})");

    // 8. Throughput.
    println!("\n8. Throughput");
    let iterations = 5_000_000;
    let start = Instant::now();
    let mut acc = 0.0;
    for i in 0..iterations {
        // SAFETY: plain values only.
        acc += unsafe { plugin.plugin_mix(i, 2.0, 3, 4.0, 5, 6.0, 7.0) };
    }
    let per_sec = iterations as f64 / start.elapsed().as_secs_f64();
    std::hint::black_box(acc);
    println!("   thunked calls of plugin_mix: {:>6.1} million calls/s", per_sec / 1e6);
    let mut big = vec![0.5f32; 1 << 20];
    let count = Callback::<fn(f32, i32) -> f32>::new(Conv::Win64, |x, _| x * 0.999)?;
    let start = Instant::now();
    let rounds = 5;
    for _ in 0..rounds {
        // SAFETY: `big` holds `len` floats; `count` is a win64 callback.
        unsafe { plugin.plugin_map(big.as_mut_ptr(), big.len() as i32, &count) };
    }
    let per_sec = (rounds * big.len()) as f64 / start.elapsed().as_secs_f64();
    println!("   callbacks into a closure:    {:>6.1} million calls/s", per_sec / 1e6);

    // 9. The same plugin as a real Windows DLL.
    let dll = env!("ECHO_PLUGIN_DLL");
    println!(
        "\n9. The same source as a Windows DLL (mingw-w64, {}), loaded without Wine",
        env!("ECHO_PLUGIN_DLL_ORIGIN")
    );
    println!("   {dll}");
    // SAFETY: the same plugin source, built by mingw-w64; `Library::open`
    // recognises the PE image and binds its C-runtime imports.
    let windows = unsafe { EchoPlugin::load(dll)? };
    // SAFETY: (for every call below) the declarations match the C code, and
    // `host` and its callbacks outlive the plugin's use of them.
    let info = unsafe { windows.plugin_info() };
    // SAFETY: a pointer to a static C string inside the DLL.
    let dll_name = unsafe { CStr::from_ptr(info.name) }.to_string_lossy();
    println!("   plugin_info() -> \"{dll_name}\" v{:#x}", info.version);
    // SAFETY: as above.
    let rc = unsafe { windows.plugin_init(&host) };
    let mut dll_samples: Vec<f32> = (0..n).map(|i| ((i as f32) * 0.05).sin() * 0.8).collect();
    // SAFETY: `dll_samples` holds `n` floats.
    let dll_stats = unsafe { windows.plugin_process(dll_samples.as_mut_ptr(), n as i32, params) };
    println!(
        "   plugin_process(..) -> peak {:.4}, rms {:.4}, checksum {:#018x}",
        dll_stats.peak, dll_stats.rms, dll_stats.checksum
    );
    check("the DLL initialised and logged through the host's closure", rc == 0);
    check("the DLL's buffer equals the host's own echo of the input", dll_samples == expected);
    check(
        "the DLL's statistics equal the ELF build's",
        (dll_stats.peak, dll_stats.rms, dll_stats.checksum) == (stats.peak, stats.rms, stats.checksum),
    );
    // SAFETY: plain values only.
    check(
        "the DLL's plugin_mix equals the ELF build's",
        unsafe { windows.plugin_mix(1, 2.0, 3, 4.0, 5, 6.0, 7.0) } == mix,
    );
    calls.store(0, Ordering::Relaxed);
    // SAFETY: `dll_samples` holds `n` floats; `fade` is a win64 callback.
    unsafe { windows.plugin_map(dll_samples.as_mut_ptr(), n as i32, &fade) };
    check("the DLL called the Rust closure once per sample", calls.load(Ordering::Relaxed) == n);
    check(
        "the DLL's checksum of the result equals the host's",
        // SAFETY: `dll_samples` holds `n` floats.
        unsafe { windows.plugin_checksum(dll_samples.as_ptr(), n as i32) } == fnv1a(&want),
    );
    println!("\nall checks passed");
    Ok(())
}

/// The plugin's functions called as if they were host functions: what a
/// host without abi-bridge would do.
fn wrong_call() {
    // SAFETY: deliberately wrong, in a child process: the symbols are win64
    // functions, called here with the sysv64 convention.
    unsafe {
        let lib = libloading::Library::new(PLUGIN).expect("load plugin");
        let mix: libloading::Symbol<extern "C" fn(i32, f64, i64, f32, i32, f64, f32) -> f64> =
            lib.get(b"plugin_mix").expect("symbol");
        println!(
            "-> plugin_mix(1, 2.0, 3, 4.0, 5, 6.0, 7.0) returned {} (expected 140)",
            mix(1, 2.0, 3, 4.0, 5, 6.0, 7.0)
        );
        let info: libloading::Symbol<extern "C" fn() -> PluginInfo> = lib.get(b"plugin_info").expect("symbol");
        let info = info();
        println!("-> plugin_info() returned name pointer {:p} (not the plugin's string)", info.name);
        let name = CStr::from_ptr(info.name).to_string_lossy();
        println!("-> reading it as the name gives {name:?}");
    }
}

fn check(what: &str, ok: bool) {
    println!("   {} {what}", if ok { "ok:" } else { "MISMATCH:" });
    assert!(ok, "check failed: {what}");
}

/// What `plugin_process` computes, done in Rust.
fn echo_in_rust(input: &[f32], p: EchoParams) -> Vec<f32> {
    let mut delayed = vec![0.0f32; p.delay.max(1) as usize];
    input
        .iter()
        .enumerate()
        .map(|(i, &x)| {
            let inp = x * p.gain;
            let slot = i % p.delay as usize;
            let out = inp + p.feedback * delayed[slot];
            delayed[slot] = out;
            out
        })
        .collect()
}

/// FNV-1a over the samples' bits, as `plugin_checksum` does.
fn fnv1a(samples: &[f32]) -> u64 {
    let mut h: u64 = 1469598103934665603;
    for s in samples {
        for b in s.to_bits().to_le_bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(1099511628211);
        }
    }
    h
}
