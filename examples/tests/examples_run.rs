//! Runs every example program, as a user would, and checks what it prints:
//! the examples are documentation, and these tests keep them true.

use std::process::Command;

fn run(exe: &str) -> String {
    let out = Command::new(exe).output().expect("run example");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{exe} failed ({}):\n{stdout}\n{}", out.status, String::from_utf8_lossy(&out.stderr));
    stdout
}

#[test]
fn plugin_host_runs_the_whole_story() {
    let out = run(env!("CARGO_BIN_EXE_plugin-host"));
    for line in [
        "\"echo (win64 build)\" v1.2.0",
        "[plugin log, level 1] echo plugin initialised",
        "ok: the plugin's checksum equals the host's over the same buffer",
        "ok: the buffer equals the host's own echo of the input",
        "ok: the closure ran once per sample",
        "exported: false; calling it gives None",
        "WITHOUT abi-bridge",
        "million calls/s",
        "9. The same source as a Windows DLL (mingw-w64",
        "ok: the DLL's buffer equals the host's own echo of the input",
        "ok: the DLL's statistics equal the ELF build's",
        "ok: the DLL called the Rust closure once per sample",
        "all checks passed",
    ] {
        assert!(out.contains(line), "missing {line:?} in:\n{out}");
    }
    assert!(!out.contains("MISMATCH"), "{out}");
}

#[test]
fn sort_orders_records_with_a_closure_comparator() {
    let out = run(env!("CARGO_BIN_EXE_sort"));
    assert!(out.contains("ok: the order equals Rust's own sort_by"), "{out}");
}

#[test]
fn sysv64_library_and_a_win64_to_sysv64_thunk() {
    let out = run(env!("CARGO_BIN_EXE_sysv64-library"));
    assert!(out.contains("box_area"), "{out}");
    assert!(out.trim_end().ends_with("ok"), "{out}");
}

#[test]
fn plans_are_printed_for_both_conventions() {
    let out = run(env!("CARGO_BIN_EXE_plans"));
    assert!(out.contains("plugin_process: fn(pointer, i32, EchoParams) -> Stats"), "{out}");
    assert!(out.contains("win64   a0: rdx  a1: r8  a2: by-ref(r9)  ret: sret(rcx)"), "{out}");
    assert!(out.contains("sysv64  a0: rsi  a1: rdx  a2: {xmm0, rcx}  ret: sret(rdi)"), "{out}");
}

#[test]
fn the_readme_quick_start_is_the_quick_start_example_and_runs() {
    let readme = include_str!("../../README.md");
    let start = readme.find("## Quick start\n\n```rust\n").expect("a Quick start section")
        + "## Quick start\n\n```rust\n".len();
    let quoted = &readme[start..start + readme[start..].find("```\n").expect("the block ends")];
    let source = include_str!("../src/bin/quick_start.rs");
    let begin =
        source.find("// README quick start begins\n").expect("begin marker") + "// README quick start begins\n".len();
    let end = source.find("// README quick start ends\n").expect("end marker");
    assert_eq!(
        quoted,
        &source[begin..end],
        "README.md's Quick start must be examples/src/bin/quick_start.rs word for word"
    );
    let out = run(env!("CARGO_BIN_EXE_quick-start"));
    assert!(out.contains("echo (win64 build) v10200: mix = 140"), "{out}");
    assert!(out.contains("faded = [1.0, 0.875, 0.75"), "{out}");
    assert!(out.contains("reset = None"), "{out}");
}
