//! Generates the differential-test corpus and builds its C half.
//!
//! One deterministic corpus (structs, unions and signatures; see
//! `build/corpus.rs`) becomes, in `OUT_DIR`:
//!
//! - `corpus.c`: the records as C typedefs, gcc's layout of each
//!   (`sizeof`, `_Alignof`, `offsetof` and `sizeof` of every field), and for
//!   each signature an `ms_abi` and a `sysv_abi` callee that hash exactly what
//!   they received and return a value made from that hash. Compiled by gcc at
//!   `-O2` into a static library.
//! - `corpus.rs`: the same records as `#[repr(C)]` Rust types, the tables the
//!   tests iterate over, and rustc's typed calls of every callee.

#[path = "build/corpus.rs"]
mod corpus;
#[path = "build/emit_c.rs"]
mod emit_c;
#[path = "build/emit_rust.rs"]
mod emit_rust;

use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=build");
    println!("cargo:rerun-if-changed=c");

    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let corpus = corpus::build();
    let c_file = out.join("corpus.c");
    std::fs::write(&c_file, emit_c::emit(&corpus)).expect("write corpus.c");
    std::fs::write(out.join("corpus.rs"), emit_rust::emit(&corpus)).expect("write corpus.rs");

    cc::Build::new()
        .compiler("gcc")
        .std("c11")
        .opt_level(2)
        .include("c")
        .file("c/corpus_support.c")
        .file(&c_file)
        .flag("-Wall")
        .flag("-Wextra")
        .compile("abt_corpus");
}
