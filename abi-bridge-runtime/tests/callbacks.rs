//! What foreign code relies on when it calls a callback: panics never unwind
//! into it, overlapping `FnMut` calls are caught, exhaustion is an error,
//! threads it creates itself can call, and a million callbacks fit.
//!
//! Tests that abort or change process-wide limits run in a child process
//! (see `support`).

mod support;

use abi_bridge_runtime::{live_trampolines, set_trampoline_limit, Callback, Conv, Error};
use support::in_child;

fn aborted(status: std::process::ExitStatus) -> bool {
    use std::os::unix::process::ExitStatusExt;
    status.signal() == Some(libc::SIGABRT)
}

/// The cases the child runs; does nothing in the parent.
#[test]
fn child_cases() {
    let Some(case) = support::child_case() else { return };
    match case.as_str() {
        "panic" => {
            let cb = Callback::<fn(i32) -> i32>::new(Conv::Win64, |x| {
                if x == 7 {
                    panic!("the closure panicked on {x}");
                }
                x
            })
            .unwrap();
            cb.as_win64().unwrap()(7);
            println!("unreachable: the panic returned");
        }
        "reentrant" => {
            let cell = std::cell::Cell::new(core::ptr::null::<core::ffi::c_void>());
            let cell = &cell;
            struct Ptr<'a>(&'a std::cell::Cell<*const core::ffi::c_void>);
            // SAFETY: the test runs on one thread.
            unsafe impl Send for Ptr<'_> {}
            let p = Ptr(cell);
            let cb = Callback::<fn(i32) -> i32>::new_mut(Conv::Win64, move |x| {
                let p = &p;
                if x > 0 {
                    // SAFETY: the cell holds this callback's own win64 entry.
                    let me: extern "win64" fn(i32) -> i32 = unsafe { core::mem::transmute(p.0.get()) };
                    return me(x - 1);
                }
                x
            })
            .unwrap();
            cell.set(cb.entry());
            cb.as_win64().unwrap()(1);
        }
        "exhausted" => {
            let base = live_trampolines();
            set_trampoline_limit(base + 10);
            let kept: Vec<_> = (0..10).map(|i| Callback::<fn() -> i32>::new(Conv::Win64, move || i).unwrap()).collect();
            match Callback::<fn() -> i32>::new(Conv::Win64, || 0) {
                Err(Error::Exhausted { capacity, .. }) => {
                    eprintln!("exhausted at {capacity}: {}", Error::Exhausted { resource: "trampoline pool", capacity })
                }
                other => panic!("expected Exhausted, got {other:?}"),
            }
            drop(kept);
            // Freed slots are reused.
            Callback::<fn() -> i32>::new(Conv::Win64, || 0).unwrap();
            eprintln!("reuse ok");
        }
        "million" => {
            let rss_kib = || {
                let status = std::fs::read_to_string("/proc/self/status").unwrap();
                let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap().to_owned();
                line.split_whitespace().nth(1).unwrap().parse::<u64>().unwrap()
            };
            let before = rss_kib();
            let cbs: Vec<_> = (0..1_000_000i32)
                .map(|i| Callback::<fn(i32) -> i32>::new(Conv::Win64, move |x| x + i).unwrap())
                .collect();
            let after = rss_kib();
            for i in [0usize, 1, 4095, 4096, 500_000, 999_999] {
                assert_eq!(cbs[i].as_win64().unwrap()(1), 1 + i as i32);
            }
            eprintln!("million: {} KiB resident for 1,000,000 live callbacks", after - before);
            assert!(after - before < 128 * 1024, "{} KiB", after - before);
        }
        other => panic!("unknown case {other}"),
    }
}

#[test]
fn a_panicking_closure_prints_its_message_and_aborts() {
    let (status, stderr) = in_child("panic");
    assert!(aborted(status), "status {status}, stderr:\n{stderr}");
    assert!(stderr.contains("the closure panicked on 7"), "stderr:\n{stderr}");
    assert!(!stderr.contains("unreachable"));
}

#[test]
fn overlapping_calls_of_a_mutable_closure_abort() {
    let (status, stderr) = in_child("reentrant");
    assert!(aborted(status), "status {status}, stderr:\n{stderr}");
    assert!(stderr.contains("called again while a call was still running"), "stderr:\n{stderr}");
}

#[test]
fn an_exhausted_pool_is_an_error_and_freed_slots_are_reused() {
    let (status, stderr) = in_child("exhausted");
    assert!(status.success(), "status {status}, stderr:\n{stderr}");
    assert!(stderr.contains("trampoline pool exhausted"), "stderr:\n{stderr}");
    assert!(stderr.contains("reuse ok"), "stderr:\n{stderr}");
}

#[test]
fn a_million_live_callbacks_fit_in_128_mib() {
    let (status, stderr) = in_child("million");
    assert!(status.success(), "status {status}, stderr:\n{stderr}");
    println!("{}", stderr.lines().find(|l| l.starts_with("million:")).unwrap_or(""));
}

#[test]
fn closures_may_borrow_their_environment() {
    let mut log = Vec::new();
    {
        let cb = Callback::<fn(i32)>::new_mut(Conv::Win64, |x| log.push(x)).unwrap();
        let f = cb.as_win64().unwrap();
        f(1);
        f(2);
    }
    assert_eq!(log, [1, 2]);
}

extern "C" fn run_on_foreign_thread(arg: *mut libc::c_void) -> *mut libc::c_void {
    // SAFETY: the argument is the callback's win64 entry, alive while the thread runs.
    let f: extern "win64" fn(i32) -> i32 = unsafe { core::mem::transmute(arg) };
    f(20) as isize as *mut libc::c_void
}

#[test]
fn a_thread_rust_did_not_create_can_call() {
    let cb = Callback::<fn(i32) -> i32>::new(Conv::Win64, |x| x + 22).unwrap();
    let mut thread: libc::pthread_t = 0;
    let mut ret: *mut libc::c_void = core::ptr::null_mut();
    // SAFETY: a raw pthread running a function that only calls the callback,
    // joined before the callback is dropped.
    unsafe {
        assert_eq!(
            libc::pthread_create(&mut thread, core::ptr::null(), run_on_foreign_thread, cb.entry() as *mut _),
            0
        );
        assert_eq!(libc::pthread_join(thread, &mut ret), 0);
    }
    assert_eq!(ret as isize, 42);
}
