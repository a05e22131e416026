//! The trampoline pool's accounting, seen from the public API: the limit
//! bounds live trampolines (callbacks, thunks, wrapped host functions), the
//! live count is exact, and free slots parked in any thread's cache never
//! count against either.
//!
//! The limit and the counts are process-wide, so each case runs in a fresh
//! child process (see `support`).

mod support;

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;

use abi_bridge_runtime::{live_trampolines, set_trampoline_limit, Callback, Conv, Error, Signature, Thunk};

type Cb = Callback<'static, fn(i32) -> i32>;

fn callback() -> Result<Cb, Error> {
    Callback::<fn(i32) -> i32>::new(Conv::Win64, |x| x)
}

/// A thunk for a distinct (never called) target, so thunks are not shared.
fn thunk(n: usize) -> Thunk {
    let sig = Signature::of::<fn(i32) -> i32>();
    Thunk::new(Conv::SysV64, Conv::Win64, &sig, (0x1000 + 16 * n) as *const _).unwrap()
}

fn expect_exhausted(result: Result<Cb, Error>, limit: usize) {
    match result {
        Err(Error::Exhausted { capacity, .. }) => assert_eq!(capacity, limit),
        other => panic!("expected Exhausted at {limit}, got {other:?}"),
    }
}

/// Four threads each create 60 callbacks and drop them, then stay alive (or
/// exit, if `exit`); the main thread must then get all `LIMIT` slots.
fn others_parked_free_slots(exit: bool) {
    const LIMIT: usize = 256;
    set_trampoline_limit(LIMIT);
    let parked = Arc::new(Barrier::new(5));
    let release = Arc::new(Barrier::new(5));
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let (parked, release) = (parked.clone(), release.clone());
            thread::spawn(move || {
                let cbs: Vec<_> = (0..60).map(|_| callback().unwrap()).collect();
                drop(cbs);
                if !exit {
                    parked.wait();
                    release.wait();
                }
            })
        })
        .collect();
    let workers = if exit {
        workers.into_iter().for_each(|w| w.join().unwrap());
        Vec::new()
    } else {
        parked.wait();
        workers
    };
    assert_eq!(live_trampolines(), 0, "nothing is alive");
    let mine: Vec<_> = (0..LIMIT).map(|i| callback().unwrap_or_else(|e| panic!("callback {i}: {e}"))).collect();
    assert_eq!(live_trampolines(), LIMIT);
    expect_exhausted(callback(), LIMIT);
    drop(mine);
    assert_eq!(live_trampolines(), 0);
    if !exit {
        release.wait();
        workers.into_iter().for_each(|w| w.join().unwrap());
    }
}

/// Eight threads race to the limit without freeing: exactly the limit
/// succeeds, whoever wins.
fn racing_to_the_limit() {
    const LIMIT: usize = 100;
    set_trampoline_limit(LIMIT);
    let start = Arc::new(Barrier::new(8));
    let held: Vec<Vec<Cb>> = (0..8)
        .map(|_| {
            let start = start.clone();
            thread::spawn(move || {
                start.wait();
                let mut mine = Vec::new();
                loop {
                    match callback() {
                        Ok(cb) => mine.push(cb),
                        Err(e) => {
                            expect_exhausted(Err(e), LIMIT);
                            return mine;
                        }
                    }
                }
            })
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|w| w.join().unwrap())
        .collect();
    assert_eq!(held.iter().map(Vec::len).sum::<usize>(), LIMIT);
    assert_eq!(live_trampolines(), LIMIT);
    drop(held);
    assert_eq!(live_trampolines(), 0);
}

/// Eight threads churn (create, keep a few, drop) while a watcher samples
/// the count and what the threads hold: neither ever passes the limit.
fn churning_under_the_limit() {
    const LIMIT: usize = 40;
    set_trampoline_limit(LIMIT);
    let stop = Arc::new(AtomicBool::new(false));
    let held = Arc::new(AtomicUsize::new(0));
    let watcher = {
        let (stop, held) = (stop.clone(), held.clone());
        thread::spawn(move || {
            let mut most = (0, 0);
            while !stop.load(Ordering::Relaxed) {
                most.0 = most.0.max(live_trampolines());
                most.1 = most.1.max(held.load(Ordering::SeqCst));
            }
            most
        })
    };
    let start = Arc::new(Barrier::new(8));
    let churners: Vec<_> = (0..8)
        .map(|t| {
            let (start, held) = (start.clone(), held.clone());
            thread::spawn(move || {
                start.wait();
                let mut mine = Vec::new();
                for round in 0..20_000usize {
                    if (round + t) % 3 == 0 && !mine.is_empty() || mine.len() == 8 {
                        held.fetch_sub(1, Ordering::SeqCst);
                        mine.pop();
                    } else if let Ok(cb) = callback() {
                        held.fetch_add(1, Ordering::SeqCst);
                        mine.push(cb);
                    }
                }
                held.fetch_sub(mine.len(), Ordering::SeqCst);
            })
        })
        .collect();
    churners.into_iter().for_each(|w| w.join().unwrap());
    stop.store(true, Ordering::Relaxed);
    let (most_counted, most_held) = watcher.join().unwrap();
    eprintln!("churn: at most {most_counted} counted, {most_held} held, limit {LIMIT}");
    assert!(most_counted <= LIMIT, "{most_counted} live trampolines with a limit of {LIMIT}");
    assert!(most_held <= LIMIT, "{most_held} callbacks held with a limit of {LIMIT}");
    assert_eq!(live_trampolines(), 0);
}

/// One thread takes a whole block's worth of slots, frees them and exits;
/// the main thread then gets exactly those slots back (nothing stays parked
/// with the dead thread).
fn exited_caches_return() {
    const N: usize = 4096;
    let theirs: HashSet<usize> = thread::spawn(|| {
        let cbs: Vec<_> = (0..N).map(|_| callback().unwrap()).collect();
        cbs.iter().map(|cb| cb.entry() as usize).collect()
    })
    .join()
    .unwrap();
    assert_eq!(theirs.len(), N);
    let mine: Vec<_> = (0..N).map(|_| callback().unwrap()).collect();
    let mine: HashSet<usize> = mine.iter().map(|cb| cb.entry() as usize).collect();
    assert_eq!(mine.len(), N);
    assert!(mine == theirs, "{} of the exited thread's slots were not reused", theirs.difference(&mine).count());
}

/// Eight threads hold callbacks and thunks (and have free slots parked in
/// their caches): the count is exactly what is alive. They move through the
/// steps together with the main thread, which checks the count between steps.
fn exact_count() {
    let step = Arc::new(Barrier::new(9));
    let workers: Vec<_> = (0..8)
        .map(|t| {
            let step = step.clone();
            thread::spawn(move || {
                let mut cbs: Vec<_> = (0..100).map(|_| callback().unwrap()).collect();
                let thunks: Vec<_> = (0..50).map(|i| thunk(t * 50 + i)).collect();
                cbs.truncate(30);
                step.wait(); // held
                step.wait(); // checked
                drop((cbs, thunks));
                step.wait(); // dropped
                step.wait(); // checked
            })
        })
        .collect();
    step.wait();
    assert_eq!(live_trampolines(), 8 * (30 + 50));
    step.wait();
    step.wait();
    assert_eq!(live_trampolines(), 0, "threads dropped everything, still alive");
    step.wait();
    workers.into_iter().for_each(|w| w.join().unwrap());
    assert_eq!(live_trampolines(), 0, "threads exited");
}

/// The cases the child runs; does nothing in the parent.
#[test]
fn child_cases() {
    let Some(case) = support::child_case() else { return };
    match case.as_str() {
        "parked_in_exited_threads" => others_parked_free_slots(true),
        "parked_in_live_threads" => others_parked_free_slots(false),
        "racing" => racing_to_the_limit(),
        "churning" => churning_under_the_limit(),
        "exited_caches_return" => exited_caches_return(),
        "exact_count" => exact_count(),
        other => panic!("unknown case {other}"),
    }
}

fn run(case: &str) {
    let (status, stderr) = support::in_child(case);
    assert!(status.success(), "case {case}: status {status}, stderr:\n{stderr}");
}

#[test]
fn free_slots_parked_by_exited_threads_do_not_count() {
    run("parked_in_exited_threads");
}

#[test]
fn free_slots_parked_by_live_threads_do_not_count() {
    run("parked_in_live_threads");
}

#[test]
fn exactly_the_limit_succeeds_when_eight_threads_race_to_it() {
    run("racing");
}

#[test]
fn the_limit_holds_while_eight_threads_churn() {
    run("churning");
}

#[test]
fn an_exited_threads_free_slots_go_back_to_the_pool() {
    run("exited_caches_return");
}

#[test]
fn the_live_count_is_exact_and_zero_when_everything_is_dropped() {
    run("exact_count");
}
