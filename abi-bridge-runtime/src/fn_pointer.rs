//! Function pointers handed across a convention boundary. Code calls a
//! function pointer it receives with its own convention, so a pointer to a
//! function of another convention is replaced by a thunk: callable by the
//! receiving code, calling the function with its own convention. A host
//! `extern "C" fn` given to win64 code gets a reverse thunk; an
//! `extern "win64" fn` given to sysv64 code gets a forward one. Such thunks
//! are cached per (conventions, signature, function) and kept for the
//! process, because the receiver may keep the pointer.

use core::ffi::c_void;
use std::cell::RefCell;

use crate::conv::Conv;
use crate::hash::WordMap;
use crate::signature::{FnSignature, Signature};
use crate::thunk::Thunk;

/// `f`, a function of convention `own` and signature `F`, as a pointer that
/// code of convention `caller` can call: `f` itself when the conventions
/// agree, else a thunk kept for the rest of the process.
///
/// # Panics
///
/// If the thunk cannot be made (see [`Thunk::new`]): the system refuses
/// executable memory, or `F` itself cannot cross (it takes or returns function
/// pointers of the wrong convention). The message names the signature.
pub(crate) fn callable_by<F: FnSignature>(caller: Conv, own: Conv, f: *const c_void) -> *const c_void {
    if caller == own {
        return f;
    }
    thread_local! {
        static ENTRIES: RefCell<WordMap<(Conv, Conv, usize, Signature), usize>> = RefCell::new(WordMap::default());
    }
    let sig = Signature::of::<F>();
    let key = (caller, own, f as usize, sig);
    if let Some(entry) = ENTRIES.with(|m| m.borrow().get(&key).copied()) {
        return entry as *const c_void;
    }
    let thunk = Thunk::new(caller, own, &key.3, f)
        .unwrap_or_else(|e| panic!("abi-bridge: cannot hand a {own} function `{}` to {caller} code: {e}", key.3));
    let entry = thunk.entry();
    // The receiver may keep the pointer: the thunk lives for the process.
    core::mem::forget(thunk);
    ENTRIES.with(|m| m.borrow_mut().insert(key, entry as usize));
    entry
}
