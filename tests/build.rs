//! Generates the differential-test corpus and builds its C half.
//!
//! One deterministic corpus (structs, unions and signatures; see
//! `build/corpus.rs`) becomes, in `OUT_DIR`:
//!
//! - `corpus.h`: the records as C typedefs, with helpers that hash, fill and
//!   list the leaves of a value of each.
//! - `corpus.c` and `corpus_random.c`: gcc's layout of each record
//!   (`sizeof`, `_Alignof`, `offsetof` and `sizeof` of every field), and for
//!   each signature (named ones in `corpus.c`) an `ms_abi` and a `sysv_abi`
//!   callee that hash exactly what they received and return a value made from
//!   that hash. Compiled by gcc at `-O2` into a static library; `corpus.c` is
//!   also built into the shared object `libabt_corpus.so` (its path is
//!   `ABT_CORPUS_SO` at compile time) for the library-mode tests.
//! - `drivers.c`: for each signature an `ms_abi` and a `sysv_abi` driver that
//!   calls a function pointer of that signature with arguments made from a
//!   seed: gcc calling Rust callbacks. Compiled with `c/threads.c`, which runs
//!   a driver on a fresh pthread.
//! - `corpus.rs`: the same records as `#[repr(C)]` Rust types, the tables the
//!   tests iterate over, and rustc's typed calls of every callee.
//! - `thunks.rs`: every callee declared through `#[foreign_abi]`, and calls
//!   through those declarations and through `Thunk`s (`tests/thunks_vs_gcc.rs`).
//! - `callbacks.rs`: rustc-compiled callees and `Callback`s for every driver
//!   (`tests/callbacks_vs_gcc.rs`).
//! - `variadic_lists.rs` and `variadic_drivers.c`: random lists of variadic
//!   arguments for the variadic callees of `c/variadic.c`, and gcc callers
//!   of each list (`build/variadic.rs`, `tests/variadic_vs_gcc.rs`).
//!
//! - The Windows PE DLL fixtures of `dll/` (`build/pe_dlls.rs`): their
//!   folder is `ABT_PE_DLLS` at compile time, and `ABT_PE_DLLS_BUILT` says
//!   whether they were built here by mingw-w64 (else they are the checked-in
//!   builds). `dll/pe_abi.c` is also built as an ELF with `-mabi=ms`
//!   (`ABT_PE_ABI_SO`), the DLL's twin.
//!
//! The C builds are independent and run at once.

#[path = "build/corpus.rs"]
mod corpus;
#[path = "build/emit_c.rs"]
mod emit_c;
#[path = "build/emit_callbacks.rs"]
mod emit_callbacks;
#[path = "build/emit_rust.rs"]
mod emit_rust;
#[path = "build/emit_thunks.rs"]
mod emit_thunks;
#[path = "build/pe_dlls.rs"]
mod pe_dlls;
#[path = "build/variadic.rs"]
mod variadic;

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    // trybuild compiles this crate once more, as a dependency of the UI cases
    // (`tests/ui.rs`), with `--cfg trybuild`. No UI case uses the corpus, and
    // generating and compiling it was most of the UI test's time, so that
    // build skips it (and `src/lib.rs` is empty there).
    println!("cargo::rustc-check-cfg=cfg(trybuild)");
    if std::env::var_os("CARGO_CFG_TRYBUILD").is_some() {
        return;
    }
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=build");
    println!("cargo:rerun-if-changed=c");

    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let corpus = corpus::build();
    let write = |name: &str, text: String| std::fs::write(out.join(name), text).expect("write a generated file");
    write("corpus.h", emit_c::emit_header(&corpus));
    write("corpus.c", emit_c::emit_named_callees(&corpus));
    write("corpus_random.c", emit_c::emit_random_callees(&corpus));
    write("drivers.c", emit_c::emit_drivers(&corpus));
    write("corpus.rs", emit_rust::emit(&corpus));
    write("thunks.rs", emit_thunks::emit(&corpus));
    write("callbacks.rs", emit_callbacks::emit(&corpus));
    let lists = variadic::emit();
    write("variadic_lists.rs", lists.rust);
    write("variadic_drivers.c", lists.c);

    std::thread::scope(|s| {
        s.spawn(|| {
            let files = ["c/corpus_support.c".into(), out.join("corpus.c"), out.join("corpus_random.c")];
            static_lib(&out, "abt_corpus", &files);
        });
        s.spawn(|| static_lib(&out, "abt_drivers", &["c/threads.c".into(), out.join("drivers.c")]));
        s.spawn(|| {
            static_lib(&out, "abt_layer", &["c/layer.c".into()]);
            shared_object(&out, "abt_layer", "ABT_LAYER_SO", &["c/layer.c".into()]);
        });
        s.spawn(|| {
            static_lib(&out, "abt_variadic", &["c/variadic.c".into(), out.join("variadic_drivers.c")]);
            shared_object(&out, "abt_variadic", "ABT_VARIADIC_SO", &["c/variadic.c".into()]);
        });
        s.spawn(|| {
            let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets it"));
            let dlls = pe_dlls::provide(&manifest, &out);
            println!("cargo:rustc-env=ABT_PE_DLLS={}", dlls.dir.display());
            println!("cargo:rustc-env=ABT_PE_DLLS_BUILT={}", u8::from(dlls.built));
            shared_object_with(
                &out,
                "abt_pe_abi",
                "ABT_PE_ABI_SO",
                &["dll/pe_abi.c".into()],
                &["-mabi=ms", "-fno-tree-loop-distribute-patterns"],
            );
        });
        shared_object(&out, "abt_corpus", "ABT_CORPUS_SO", &["c/corpus_support.c".into(), out.join("corpus.c")]);
    });
    // The drivers' thread helper calls pthread_create.
    println!("cargo:rustc-link-lib=pthread");
}

/// Compiles `files` into the static library `name`, linked into the crate.
fn static_lib(out: &Path, name: &str, files: &[PathBuf]) {
    cc::Build::new()
        .compiler("gcc")
        .std("c11")
        .opt_level(2)
        .include("c")
        .include(out)
        .files(files)
        .flag("-Wall")
        .flag("-Wextra")
        // gcc notes every complex or vector member whose ABI changed in some
        // past gcc version, and that it changed how 32-byte aligned arguments
        // pass in 4.6: information, not a problem of this code (the corpus
        // tests today's rules).
        .flag("-Wno-psabi")
        .compile(name);
}

/// Builds `files` again as the shared object `lib<name>.so`, which the
/// library-mode tests load at run time from the path in the compile-time
/// variable `env` (`corpus.c`, the named signatures' callees, and
/// `c/layer.c`). `-Bsymbolic` binds the library's own references (the
/// corpus's received-hash slot) inside it, whatever else the process defines.
fn shared_object(out: &Path, name: &str, env: &str, files: &[PathBuf]) {
    shared_object_with(out, name, env, files, &[]);
}

/// [`shared_object`] with extra compiler flags.
fn shared_object_with(out: &Path, name: &str, env: &str, files: &[PathBuf], flags: &[&str]) {
    let so = out.join(format!("lib{name}.so"));
    let status = Command::new("gcc")
        .args(["-shared", "-fPIC", "-O2", "-std=c11", "-Wall", "-Wextra", "-Wno-psabi", "-Wl,-Bsymbolic", "-Ic", "-I"])
        .arg(out)
        .args(flags)
        .arg("-o")
        .arg(&so)
        .args(files)
        .status()
        .expect("run gcc");
    assert!(status.success(), "gcc -shared failed building {}", so.display());
    println!("cargo:rustc-env={env}={}", so.display());
}
