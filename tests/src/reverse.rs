//! The reverse paths under test: C calling Rust.
//!
//! Every corpus signature has two C *drivers* (`abt_drive_w_<name>`,
//! `ms_abi`, and `abt_drive_s_<name>`, `sysv_abi`): each makes the arguments
//! from a seed (the values [`Value::generate`] makes from it), calls a
//! function pointer of the signature with its own convention, and writes the
//! leaves of the returned value to a buffer. The Rust callees they call do
//! what the C callees do: hash the leaves of their arguments and return the
//! value made from that hash. An *oracle* callee is an `extern "win64"` /
//! `extern "sysv64"` function compiled by rustc and reports its hash to a
//! per-thread slot ([`take_oracle_hash`]); a callback under test is a
//! closure behind [`abi_bridge::Callback`] and reports to the [`Inbox`] it
//! captures.

use core::cell::Cell;
use core::ffi::{c_int, c_void};
use core::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::thread::ThreadId;

use abi_bridge::{Callback, CallbackFn, Conv, Error};

use crate::value::{hash_leaves, SplitMix64, Value, NOTHING_RECEIVED, RET_SEED};

/// The most leaves a returned value has (a 64-byte array of bytes), with room to spare.
pub const MAX_RET_LEAVES: usize = 128;

/// The return value a callee gives for arguments whose leaves hashed to
/// `received`: the same value a C callee returns.
pub fn reply_for<R: Value>(received: u64) -> R {
    R::generate(&mut SplitMix64::new(received ^ RET_SEED))
}

thread_local! {
    static ORACLE_RECEIVED: Cell<u64> = const { Cell::new(NOTHING_RECEIVED) };
}

/// What an oracle callee does with the leaves of its arguments: notes their
/// hash for this thread and returns the reply to it.
pub fn oracle_reply<R: Value>(leaves: &[u64]) -> R {
    let h = hash_leaves(leaves);
    ORACLE_RECEIVED.set(h);
    reply_for(h)
}

/// The hash the last oracle callee on this thread received, and resets it
/// (to [`NOTHING_RECEIVED`] if none ran since the last take).
pub fn take_oracle_hash() -> u64 {
    ORACLE_RECEIVED.replace(NOTHING_RECEIVED)
}

/// Where a callback's closure reports what it received.
#[derive(Debug)]
pub struct Inbox {
    received: AtomicU64,
    calls: AtomicUsize,
    thread: Mutex<Option<ThreadId>>,
}

impl Default for Inbox {
    fn default() -> Self {
        Inbox::new()
    }
}

/// What a callback's closure received, as its [`Inbox`] saw it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Delivery {
    /// The hash of its arguments' leaves (of the last call).
    pub received: u64,
    /// How many times it was called.
    pub calls: usize,
    /// The thread of the last call.
    pub thread: Option<ThreadId>,
}

impl Inbox {
    /// An inbox nothing was delivered to.
    pub const fn new() -> Inbox {
        Inbox { received: AtomicU64::new(NOTHING_RECEIVED), calls: AtomicUsize::new(0), thread: Mutex::new(None) }
    }

    /// What a callback's closure does with the leaves of its arguments: notes
    /// their hash, the call and its thread, and returns the reply to it.
    pub fn reply<R: Value>(&self, leaves: &[u64]) -> R {
        let h = hash_leaves(leaves);
        self.received.store(h, Ordering::SeqCst);
        self.calls.fetch_add(1, Ordering::SeqCst);
        *self.thread.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(std::thread::current().id());
        reply_for(h)
    }

    /// What was delivered so far.
    pub fn delivery(&self) -> Delivery {
        Delivery {
            received: self.received.load(Ordering::SeqCst),
            calls: self.calls.load(Ordering::SeqCst),
            thread: *self.thread.lock().unwrap_or_else(std::sync::PoisonError::into_inner),
        }
    }
}

/// A live callback of some corpus signature, its type erased.
pub struct CallbackUnderTest<'a> {
    entry: *const c_void,
    conv: Conv,
    typed: [Option<*const c_void>; 2],
    _callback: Box<dyn Send + Sync + 'a>,
}

impl<'a> CallbackUnderTest<'a> {
    /// Wraps `cb`; `typed` holds what its `as_win64()` and `as_sysv64()`
    /// returned, as addresses.
    pub fn new<F: CallbackFn>(cb: Callback<'a, F>, typed: [Option<*const c_void>; 2]) -> Self {
        CallbackUnderTest { entry: cb.entry(), conv: cb.conv(), typed, _callback: Box::new(cb) }
    }

    /// The callback's entry; valid while `self` lives.
    pub fn entry(&self) -> *const c_void {
        self.entry
    }

    /// Whether `as_win64()` / `as_sysv64()` gave the entry for the
    /// callback's own convention and nothing for the other one.
    pub fn typed_entries_agree(&self) -> bool {
        let expected = match self.conv {
            Conv::Win64 => [Some(self.entry), None],
            Conv::SysV64 => [None, Some(self.entry)],
        };
        self.typed == expected
    }
}

impl core::fmt::Debug for CallbackUnderTest<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CallbackUnderTest").field("entry", &self.entry).field("conv", &self.conv).finish()
    }
}

/// A generated `ms_abi` driver: `size_t abt_drive_w_<name>(const void *cb,
/// uint64_t seed, uint64_t *out)`.
pub type DriverWin64 = unsafe extern "win64" fn(*const c_void, u64, *mut u64) -> usize;
/// A generated `sysv_abi` driver: `size_t abt_drive_s_<name>(..)`.
pub type DriverSysV64 = unsafe extern "sysv64" fn(*const c_void, u64, *mut u64) -> usize;

/// Makes a callback of one signature, reporting to the inbox.
pub type MakeCallback = for<'a> fn(Conv, &'a Inbox) -> Result<CallbackUnderTest<'a>, Error>;

/// The drivers and Rust callees of one corpus signature.
#[derive(Debug)]
pub struct CallbackDef {
    /// The signature's name.
    pub name: &'static str,
    /// Its `ms_abi` driver.
    pub drive_win64: DriverWin64,
    /// Its `sysv_abi` driver.
    pub drive_sysv64: DriverSysV64,
    /// The oracle callee for `conv` (`extern "win64"` or `extern "sysv64"`).
    pub oracle: fn(Conv) -> *const c_void,
    /// `true` when the oracle is the C callee of the corpus, which reports
    /// to [`take_received_hash`](crate::corpus::take_received_hash) (rustc
    /// cannot express the signature: it holds a `long double`); otherwise
    /// it is rustc's and reports to [`take_oracle_hash`].
    pub oracle_is_gcc: bool,
    /// A `Callback` for `conv` whose closure reports to the inbox.
    pub make: MakeCallback,
}

/// Runs the `conv` one of a signature's two drivers with `seed`, calling
/// `cb`; the leaves of what `cb` returned, as the driver saw them.
///
/// # Safety
///
/// `cb` must be callable with `conv` and the drivers' signature.
pub unsafe fn drive(
    drive_win64: DriverWin64,
    drive_sysv64: DriverSysV64,
    conv: Conv,
    cb: *const c_void,
    seed: u64,
) -> Vec<u64> {
    let mut out = [0u64; MAX_RET_LEAVES];
    // SAFETY: the driver writes at most the leaves of one corpus value
    // (at most 64) to `out`; the caller vouches for `cb`.
    let n = unsafe {
        match conv {
            Conv::Win64 => drive_win64(cb, seed, out.as_mut_ptr()),
            Conv::SysV64 => drive_sysv64(cb, seed, out.as_mut_ptr()),
        }
    };
    out[..n].to_vec()
}

extern "C" {
    fn abt_drive_on_pthread(
        ms_abi: c_int,
        driver: *const c_void,
        cb: *const c_void,
        seed: u64,
        out: *mut u64,
        written: *mut usize,
    ) -> c_int;
}

impl CallbackDef {
    /// Runs the `conv` driver with `seed`, calling `cb`; the leaves of
    /// what `cb` returned, as the driver saw them.
    ///
    /// # Safety
    ///
    /// `cb` must be callable with `conv` and this signature.
    pub unsafe fn drive(&self, conv: Conv, cb: *const c_void, seed: u64) -> Vec<u64> {
        // SAFETY: the caller's promise.
        unsafe { drive(self.drive_win64, self.drive_sysv64, conv, cb, seed) }
    }

    /// As [`CallbackDef::drive`], but the driver runs on a thread that C
    /// creates with `pthread_create` (and joins before returning).
    ///
    /// # Safety
    ///
    /// As for [`CallbackDef::drive`]; `cb` must also be callable from any thread.
    pub unsafe fn drive_on_pthread(&self, conv: Conv, cb: *const c_void, seed: u64) -> Vec<u64> {
        let mut out = [0u64; MAX_RET_LEAVES];
        let mut written = 0;
        let (ms_abi, driver) = match conv {
            Conv::Win64 => (1, self.drive_win64 as *const c_void),
            Conv::SysV64 => (0, self.drive_sysv64 as *const c_void),
        };
        // SAFETY: as for `drive`; the C side joins the thread before returning,
        // so `out` and `written` outlive every use.
        let err = unsafe { abt_drive_on_pthread(ms_abi, driver, cb, seed, out.as_mut_ptr(), &mut written) };
        assert_eq!(err, 0, "pthread_create or pthread_join failed");
        out[..written].to_vec()
    }
}
