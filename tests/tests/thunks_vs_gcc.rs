//! abi-bridge's forward paths against the compilers: every corpus signature
//! is called
//!
//! - through `#[foreign_abi(win64)]` / `#[foreign_abi(sysv64)]` declarations
//!   of its gcc callees (`ms_abi`, `sysv_abi`), linked;
//! - through `Thunk::new(Conv::Win64, Conv::SysV64, ..)` into the `sysv_abi`
//!   callee, called by rustc as an `extern "win64" fn`, and the other way
//!   round (plus the identity pairs, which must be harmless);
//! - for some named signatures, through `#[foreign_abi(conv, library = ..)]`
//!   into the shared-object build of the same C;
//!
//! with the arguments rustc's own typed call of the callee gets from the
//! same seed. The callee must receive exactly the values sent (its hash of
//! them equals ours) and return exactly the value it makes from that hash,
//! leaf for leaf (every field's value bits, floats by their bits), the same
//! as rustc's typed call got.

use std::io::Write;

use abi_bridge::{classify, Conv, Thunk};
use abi_bridge_tests::corpus::{Expected, SigDef, TypedOutcome, NAMED_SIGNATURES, SIGNATURES};
use abi_bridge_tests::forward::Route;
use abi_bridge_tests::plan_call::CrashNote;

mod generated {
    include!(concat!(env!("OUT_DIR"), "/thunks.rs"));
}

/// Seeds per call: the signature's own, and its complement.
fn seeds(sig: &SigDef, conv: Conv) -> [u64; 2] {
    [sig.seed(conv), !sig.seed(conv)]
}

/// Everything wrong with `got`, given what a correct call gives and what
/// rustc's typed call of the same callee with the same seed got.
fn problems(expected: &Expected, got: &TypedOutcome, typed: &TypedOutcome) -> Vec<String> {
    let mut problems = Vec::new();
    if got.arg_leaves != expected.arg_leaves {
        problems.push(format!("sent {:x?}, meant to send {:x?}", got.arg_leaves, expected.arg_leaves));
    }
    if got.received_hash != expected.hash {
        problems.push(format!("callee received hash {:#x}, sent {:#x}", got.received_hash, expected.hash));
    }
    if got.ret_leaves != expected.ret_leaves {
        problems.push(format!("returned {:x?}, callee returned {:x?}", got.ret_leaves, expected.ret_leaves));
    }
    if typed.received_hash != expected.hash || typed.ret_leaves != got.ret_leaves {
        problems.push(format!(
            "rustc's typed call: received {:#x}, returned {:x?}; this call returned {:x?}",
            typed.received_hash, typed.ret_leaves, got.ret_leaves
        ));
    }
    problems
}

/// A failure report: the signature, the plans involved and what differed.
fn report(sig: &SigDef, what: &str, convs: &[Conv], problems: &[String]) -> String {
    let signature = sig.signature();
    let mut text = format!("{} [{}] {what}", sig.name, sig.c_decl);
    for &conv in convs {
        text += &format!("\n    {conv} plan: {}", classify(conv, &signature));
    }
    for p in problems {
        text += &format!("\n    {p}");
    }
    // Straight to stderr too, past the harness's capture: a later failure may
    // crash the process before the assert.
    let _ = writeln!(std::io::stderr(), "{text}");
    text
}

fn call_fn(index: usize) -> generated::Call {
    let (name, call) = generated::CALLS[index];
    assert_eq!(name, SIGNATURES[index].name, "thunks.rs and corpus.rs list the signatures in one order");
    call
}

#[test]
fn foreign_abi_declarations_agree_with_gcc_and_rustc() {
    assert_eq!(generated::CALLS.len(), SIGNATURES.len());
    let mut failures = Vec::new();
    for (i, sig) in SIGNATURES.iter().enumerate() {
        let call = call_fn(i);
        for conv in [Conv::Win64, Conv::SysV64] {
            for seed in seeds(sig, conv) {
                let what = format!("#[foreign_abi({conv})] seed {seed:#x}");
                let note = format!("{} [{}] {what}", sig.name, sig.c_decl);
                let crash_note = CrashNote::new(&note);
                let got = call(Route::Macro(conv), seed);
                drop(crash_note);
                let typed = (sig.typed)(conv, seed);
                let p = problems(&sig.expected(seed), &got, &typed);
                if !p.is_empty() {
                    failures.push(report(sig, &what, &[conv], &p));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} #[foreign_abi] calls disagree:\n{}", failures.len(), failures.join("\n"));
    println!(
        "thunks_vs_gcc: {} signatures ({NAMED_SIGNATURES} named) x 2 #[foreign_abi] blocks (win64, sysv64) agree with gcc and rustc",
        SIGNATURES.len()
    );
}

#[test]
fn thunks_in_both_directions_agree_with_gcc_and_rustc() {
    let pairs = [
        (Conv::Win64, Conv::SysV64),
        (Conv::SysV64, Conv::Win64),
        (Conv::Win64, Conv::Win64),
        (Conv::SysV64, Conv::SysV64),
    ];
    let mut failures = Vec::new();
    for (i, sig) in SIGNATURES.iter().enumerate() {
        let call = call_fn(i);
        let signature = (sig.of)();
        for (from, to) in pairs {
            let thunk = Thunk::new(from, to, &signature, (sig.entry)(to))
                .unwrap_or_else(|e| panic!("Thunk::new({from}, {to}) for {} [{}]: {e}", sig.name, sig.c_decl));
            for seed in seeds(sig, to) {
                let what = format!("Thunk {from} -> {to} seed {seed:#x}");
                let note = format!("{} [{}] {what}", sig.name, sig.c_decl);
                let crash_note = CrashNote::new(&note);
                let got = call(Route::Thunk { from, entry: thunk.entry() }, seed);
                drop(crash_note);
                let typed = (sig.typed)(to, seed);
                let p = problems(&sig.expected(seed), &got, &typed);
                if !p.is_empty() {
                    failures.push(report(sig, &what, &[from, to], &p));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} thunk calls disagree:\n{}", failures.len(), failures.join("\n"));
    println!(
        "thunks_vs_gcc: {} signatures x 2 Thunk directions (win64 -> sysv64, sysv64 -> win64; and both identities) agree with gcc and rustc",
        SIGNATURES.len()
    );
}

#[test]
fn library_declarations_agree_with_gcc_and_rustc() {
    let path = env!("ABT_CORPUS_SO");
    let libs = generated::CorpusLibs::load(path).unwrap_or_else(|e| panic!("loading {path}: {e}"));
    let mut failures = Vec::new();
    for &(name, call) in generated::LIBRARY_CALLS {
        let sig = SIGNATURES.iter().find(|s| s.name == name).expect("library signatures are corpus signatures");
        for conv in [Conv::Win64, Conv::SysV64] {
            for seed in seeds(sig, conv) {
                let what = format!("#[foreign_abi({conv}, library = ..)] seed {seed:#x}");
                let note = format!("{} [{}] {what}", sig.name, sig.c_decl);
                let crash_note = CrashNote::new(&note);
                let got = call(&libs, conv, seed);
                drop(crash_note);
                let typed = (sig.typed)(conv, seed);
                let p = problems(&sig.expected(seed), &got, &typed);
                if !p.is_empty() {
                    failures.push(report(sig, &what, &[conv], &p));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} library calls disagree:\n{}", failures.len(), failures.join("\n"));
    println!(
        "thunks_vs_gcc: {} named signatures x 2 #[foreign_abi(.., library = ..)] blocks agree with gcc (libabt_corpus.so) and rustc",
        generated::LIBRARY_CALLS.len()
    );
}
