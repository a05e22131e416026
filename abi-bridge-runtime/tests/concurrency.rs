//! Many threads creating, calling and dropping thunks at once, while another
//! thread watches `/proc/self/maps` for any mapping that is writable and
//! executable at the same time.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};

use abi_bridge_runtime::{Conv, ForeignType, Signature, Thunk, TypeDesc};

extern "win64" fn sum_win64(a: i64, b: i64, c: i64, d: i64, e: i64, f: i64) -> i64 {
    a + 2 * b + 3 * c + 4 * d + 5 * e + 6 * f
}

extern "sysv64" fn sum_sysv64(a: i64, b: i64, c: i64, d: i64, e: i64, f: i64) -> i64 {
    a + 2 * b + 3 * c + 4 * d + 5 * e + 6 * f
}

/// Mappings that are both writable and executable, as `/proc/self/maps` lines.
fn writable_and_executable() -> Vec<String> {
    abi_bridge_runtime::__private::writable_and_executable_mappings().expect("/proc/self/maps is readable on Linux")
}

#[test]
fn eight_threads_create_call_and_drop_thunks_and_no_page_is_ever_writable_and_executable() {
    assert!(writable_and_executable().is_empty(), "W+X mappings before the test: {:?}", writable_and_executable());
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

    let i64d = <i64 as ForeignType>::DESC;
    let barrier = Arc::new(Barrier::new(8));
    let workers: Vec<_> = (0..8)
        .map(|t| {
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                barrier.wait();
                for round in 0..300usize {
                    // Overlapping signatures: the same six-integer shape with
                    // distinct struct names, so threads race to generate code
                    // for the same and for new signatures.
                    let name = format!("Pair{}", (t + round) % 24);
                    let pair = TypeDesc::new_struct(&name, &[("a", i64d), ("b", i64d)]).unwrap();
                    let _unused = Signature::new(&[pair, i64d], Some(pair)).unwrap();
                    let sig = Signature::of::<fn(i64, i64, i64, i64, i64, i64) -> i64>();
                    let (from, to, target) = match round % 4 {
                        0 => (Conv::SysV64, Conv::Win64, sum_win64 as *const ()),
                        1 => (Conv::Win64, Conv::SysV64, sum_sysv64 as *const ()),
                        2 => (Conv::SysV64, Conv::SysV64, sum_sysv64 as *const ()),
                        _ => (Conv::Win64, Conv::Win64, sum_win64 as *const ()),
                    };
                    let thunk = Thunk::new(from, to, &sig, target.cast()).unwrap();
                    // Generate fresh code too: a signature unique to this round.
                    let fresh = Signature::new(&vec![i64d; 1 + (t * 300 + round) % 13], Some(pair)).unwrap();
                    Thunk::new(Conv::SysV64, Conv::Win64, &fresh, sum_win64 as *const _).unwrap();
                    let (a, b) = (t as i64, round as i64);
                    let expected = a + 2 * b + 3 + 8 + 15 + 24;
                    let got = match from {
                        Conv::SysV64 => {
                            // SAFETY: the thunk is callable as sysv64 with this signature.
                            let f: extern "sysv64" fn(i64, i64, i64, i64, i64, i64) -> i64 =
                                unsafe { core::mem::transmute(thunk.entry()) };
                            f(a, b, 1, 2, 3, 4)
                        }
                        Conv::Win64 => {
                            // SAFETY: the thunk is callable as win64 with this signature.
                            let f: extern "win64" fn(i64, i64, i64, i64, i64, i64) -> i64 =
                                unsafe { core::mem::transmute(thunk.entry()) };
                            f(a, b, 1, 2, 3, 4)
                        }
                    };
                    assert_eq!(got, expected, "thread {t} round {round}: {from} -> {to}");
                }
            })
        })
        .collect();
    for w in workers {
        w.join().expect("worker thread");
    }
    stop.store(true, Ordering::Relaxed);
    let bad = watcher.join().expect("watcher thread");
    assert!(scans.load(Ordering::Relaxed) > 0, "the watcher scanned /proc/self/maps");
    assert!(bad.is_empty(), "writable and executable mappings seen: {bad:?}");
    println!(
        "concurrency: 8 threads x 300 rounds, {} scans of /proc/self/maps, no W+X mapping",
        scans.load(Ordering::Relaxed)
    );
}
