//! abi-bridge's callbacks against the compilers: for every corpus signature,
//! a gcc-compiled driver (`ms_abi` or `sysv_abi`) makes arguments from a seed
//! and calls a function pointer of that signature and convention, once into
//! a rustc-compiled `extern "win64"` / `extern "sysv64"` function (the
//! oracle) and once into a `Callback::<fn(..) -> R>` of a closure doing the
//! same work. Both must receive exactly the values the driver made (their
//! hash equals ours) and the driver must get back exactly the value made
//! from that hash, leaf for leaf, the same from both.
//!
//! Then the same from a thread C creates with `pthread_create`, and from
//! eight threads creating, calling and dropping callbacks at once while a
//! watcher checks that no mapping is ever writable and executable.

use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};

use abi_bridge::{classify, Conv};
use abi_bridge_tests::corpus::{take_received_hash, SigDef, NAMED_SIGNATURES, SIGNATURES};
use abi_bridge_tests::plan_call::CrashNote;
use abi_bridge_tests::reverse::{take_oracle_hash, CallbackDef, Inbox};

mod generated {
    include!(concat!(env!("OUT_DIR"), "/callbacks.rs"));
}

/// The drivers and Rust callees of `SIGNATURES[index]`.
fn def(index: usize) -> &'static CallbackDef {
    let def = &generated::CALLBACKS[index];
    assert_eq!(def.name, SIGNATURES[index].name, "callbacks.rs and corpus.rs list the signatures in one order");
    def
}

/// Where the driver runs.
#[derive(Clone, Copy, Debug)]
enum On {
    /// On the test's thread.
    ThisThread,
    /// On a thread C makes with `pthread_create`.
    Pthread,
}

/// Runs `def`'s `conv` driver with `seed` into `cb`, on `on`.
fn drive(def: &CallbackDef, conv: Conv, cb: *const core::ffi::c_void, seed: u64, on: On) -> Vec<u64> {
    let note = format!("{} driver ({conv}) seed {seed:#x} into {cb:?} on {on:?}", def.name);
    let _crash_note = CrashNote::new(&note);
    // SAFETY: every `cb` given here is an oracle or a live callback of
    // exactly this signature and convention, callable from any thread.
    unsafe {
        match on {
            On::ThisThread => def.drive(conv, cb, seed),
            On::Pthread => def.drive_on_pthread(conv, cb, seed),
        }
    }
}

/// Everything wrong with driving `sig`'s `conv` driver into a `Callback`
/// (and, unless `on` is a pthread, into the oracle too).
fn check(sig: &SigDef, def: &CallbackDef, conv: Conv, seed: u64, on: On) -> Vec<String> {
    let expected = sig.expected(seed);
    let expected_ret = expected.ret_leaves.clone().unwrap_or_default();
    let mut problems = Vec::new();

    let oracle_ret = match on {
        On::ThisThread => {
            // The oracle is rustc's callee, or gcc's for a signature rustc
            // cannot express (a `long double`); each reports to its own slot.
            let take = if def.oracle_is_gcc { take_received_hash } else { take_oracle_hash };
            let who = if def.oracle_is_gcc { "gcc's" } else { "rustc's" };
            take();
            let ret = drive(def, conv, (def.oracle)(conv), seed, on);
            let received = take();
            if received != expected.hash {
                problems.push(format!("{who} callee received hash {received:#x}, driver sent {:#x}", expected.hash));
            }
            if ret != expected_ret {
                problems.push(format!("from {who} callee the driver got {ret:x?}, expected {expected_ret:x?}"));
            }
            Some(ret)
        }
        On::Pthread => None,
    };

    let inbox = Inbox::new();
    let cb = match (def.make)(conv, &inbox) {
        Ok(cb) => cb,
        Err(e) => return vec![format!("Callback::new: {e}")],
    };
    if !cb.typed_entries_agree() {
        problems.push(format!("as_win64() / as_sysv64() disagree with entry() for {cb:?}"));
    }
    let ret = drive(def, conv, cb.entry(), seed, on);
    drop(cb);
    let delivery = inbox.delivery();
    if delivery.calls != 1 {
        problems.push(format!("the closure ran {} times", delivery.calls));
    }
    if delivery.received != expected.hash {
        problems.push(format!("the closure received hash {:#x}, driver sent {:#x}", delivery.received, expected.hash));
    }
    if ret != expected_ret {
        problems.push(format!("from the callback the driver got {ret:x?}, expected {expected_ret:x?}"));
    }
    if oracle_ret.is_some_and(|o| o != ret) {
        problems.push("the driver got different bytes from the callback and from the oracle callee".to_owned());
    }
    let this_thread = std::thread::current().id();
    match on {
        On::ThisThread if delivery.thread != Some(this_thread) => {
            problems.push(format!("the closure ran on {:?}, not on the driver's thread", delivery.thread));
        }
        On::Pthread if delivery.thread == Some(this_thread) || delivery.thread.is_none() => {
            problems.push(format!("the closure ran on {:?}, not on the C thread", delivery.thread));
        }
        _ => {}
    }
    problems
}

/// A failure report: the signature, the plans of both sides and what differed.
fn report(sig: &SigDef, conv: Conv, seed: u64, on: On, problems: &[String]) -> String {
    let signature = sig.signature();
    let mut text = format!("{} [{}] {conv} callback, seed {seed:#x}, on {on:?}", sig.name, sig.c_decl);
    text += &format!("\n    caller ({conv}) plan: {}", classify(conv, &signature));
    text += &format!("\n    host ({}) plan: {}", Conv::HOST, classify(Conv::HOST, &signature));
    for p in problems {
        text += &format!("\n    {p}");
    }
    let _ = writeln!(std::io::stderr(), "{text}");
    text
}

fn check_all(on: On) -> Vec<String> {
    assert_eq!(generated::CALLBACKS.len(), SIGNATURES.len());
    let mut failures = Vec::new();
    for (i, sig) in SIGNATURES.iter().enumerate() {
        for conv in [Conv::Win64, Conv::SysV64] {
            let seeds = match on {
                On::ThisThread => vec![sig.seed(conv), !sig.seed(conv)],
                On::Pthread => vec![sig.seed(conv)],
            };
            for seed in seeds {
                let p = check(sig, def(i), conv, seed, on);
                if !p.is_empty() {
                    failures.push(report(sig, conv, seed, on, &p));
                }
            }
        }
    }
    failures
}

#[test]
fn callbacks_agree_with_gcc_and_rustc_on_every_signature() {
    let failures = check_all(On::ThisThread);
    assert!(failures.is_empty(), "{} callback calls disagree:\n{}", failures.len(), failures.join("\n"));
    println!(
        "callbacks_vs_gcc: {} signatures ({NAMED_SIGNATURES} named) x 2 conventions: gcc drivers get the same from Callbacks as from rustc's callees",
        SIGNATURES.len()
    );
}

#[test]
fn callbacks_called_from_a_c_pthread() {
    let failures = check_all(On::Pthread);
    assert!(failures.is_empty(), "{} callback calls from a pthread disagree:\n{}", failures.len(), failures.join("\n"));
    println!(
        "callbacks_vs_gcc: {} signatures x 2 conventions called from a fresh pthread (pthread_create in C)",
        SIGNATURES.len()
    );
}

/// Mappings that are both writable and executable, as `/proc/self/maps` lines.
fn writable_and_executable() -> Vec<String> {
    abi_bridge::__private::writable_and_executable_mappings().expect("/proc/self/maps is readable on Linux")
}

#[test]
fn eight_threads_churn_callbacks_and_no_page_is_ever_writable_and_executable() {
    const THREADS: usize = 8;
    const ROUNDS: usize = 250;
    /// Signatures the threads share: each round picks one of these, so
    /// threads race to make, call and drop callbacks of the same signatures.
    const SHARED: usize = 48;

    let stop = Arc::new(AtomicBool::new(false));
    let scans = Arc::new(AtomicUsize::new(0));
    let watcher = {
        let (stop, scans) = (stop.clone(), scans.clone());
        std::thread::spawn(move || {
            let mut bad = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                bad.extend(writable_and_executable());
                scans.fetch_add(1, Ordering::Relaxed);
            }
            bad
        })
    };

    let barrier = Arc::new(Barrier::new(THREADS));
    let workers: Vec<_> = (0..THREADS)
        .map(|t| {
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                barrier.wait();
                let mut failures = Vec::new();
                // Callbacks kept alive across rounds, so frees and allocations interleave.
                let inboxes: Vec<Inbox> = (0..3).map(|_| Inbox::new()).collect();
                let mut held = Vec::new();
                for round in 0..ROUNDS {
                    // Every seventh signature of the corpus (named and random
                    // alike): each thread walks that list from its own start.
                    let i = (t * 7 + round) % SHARED * (SIGNATURES.len() / SHARED);
                    let (sig, def) = (&SIGNATURES[i], def(i));
                    let conv = if (t + round) % 2 == 0 { Conv::Win64 } else { Conv::SysV64 };
                    let seed = sig.seed(conv) ^ (t * ROUNDS + round) as u64;
                    let p = check(sig, def, conv, seed, On::ThisThread);
                    if !p.is_empty() {
                        failures.push(report(sig, conv, seed, On::ThisThread, &p));
                    }
                    // Hold a few other live callbacks, dropping the oldest.
                    let inbox = &inboxes[round % 3];
                    held.push((def.make)(conv, inbox).expect("Callback::new"));
                    if held.len() > 2 {
                        held.remove(0);
                    }
                }
                drop(held);
                failures
            })
        })
        .collect();
    let mut failures = Vec::new();
    for w in workers {
        failures.extend(w.join().expect("worker thread"));
    }
    stop.store(true, Ordering::Relaxed);
    let bad = watcher.join().expect("watcher thread");
    assert!(failures.is_empty(), "{} concurrent callback calls disagree:\n{}", failures.len(), failures.join("\n"));
    assert!(scans.load(Ordering::Relaxed) > 0, "the watcher scanned /proc/self/maps");
    assert!(bad.is_empty(), "writable and executable mappings seen: {bad:?}");
    println!(
        "callbacks_vs_gcc: {THREADS} threads x {ROUNDS} rounds making, calling and dropping callbacks of {SHARED} shared signatures; {} scans of /proc/self/maps, no W+X mapping",
        scans.load(Ordering::Relaxed)
    );
}
