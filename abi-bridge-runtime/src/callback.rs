//! Callbacks: Rust closures that foreign code calls with its own convention.
//!
//! A callback is a trampoline slot (see the `trampoline` module) whose context is a
//! heap block `{ shim, closure }`. Foreign code calls the slot's stub; the stub
//! puts the block's address in r10 and jumps to a reverse thunk generated once
//! per (convention, signature); that thunk moves the arguments to the host
//! convention, passes the block as an extra first argument and calls the shim
//! stored at the block's start, which calls the closure. The shim is an
//! `extern "C"` function, so a panic in the closure aborts the process (after
//! the panic hook prints the message) instead of unwinding into foreign frames.

use core::any::TypeId;
use core::ffi::c_void;
use core::marker::PhantomData;
use core::ptr::NonNull;
use core::sync::atomic::{AtomicBool, Ordering};
use std::cell::RefCell;

use crate::conv::{AsConv, Conv};
use crate::error::Error;
use crate::hash::WordMap;
use crate::signature::{FnSignature, Signature};
use crate::thunk::{self, Shape};
use crate::trampoline::{Slot, TRAMPOLINES};
use crate::types::{ForeignReturn, ForeignType};

/// A function type `fn(A1, …, An) -> R` (n ≤ 32) that names a callback's
/// signature, with the foreign function-pointer types Rust can name for it.
pub trait CallbackFn: FnSignature + Copy + 'static {
    /// `extern "win64" fn(A1, …, An) -> R`.
    type Win64: Copy;
    /// `extern "sysv64" fn(A1, …, An) -> R`.
    type SysV64: Copy;
}

/// A closure that can serve a callback of signature `F`: `Fn(A1, …, An) -> R`.
/// Implemented for every such closure; not meant to be implemented by hand.
///
/// # Safety
///
/// `shim` must return an `extern "C" fn(*const Block<Self>, A1, …, An) -> R`.
pub unsafe trait CallbackClosure<F: CallbackFn>: Sized {
    /// The shim for a shared (`Fn`) closure.
    #[doc(hidden)]
    fn shim() -> *const ();
}

/// A closure that can serve a callback of signature `F` mutably:
/// `FnMut(A1, …, An) -> R`.
///
/// # Safety
///
/// As for [`CallbackClosure`], with `Block<Exclusive<Self>>`.
pub unsafe trait CallbackClosureMut<F: CallbackFn>: Sized {
    /// The shim for a mutable (`FnMut`) closure.
    #[doc(hidden)]
    fn shim_mut() -> *const ();
}

/// The heap block a callback's context points at: the shim first (the
/// reverse thunk calls `[context]`), then how to drop the block, then the
/// closure.
#[doc(hidden)]
#[repr(C)]
pub struct Block<C> {
    shim: *const (),
    drop: unsafe fn(NonNull<()>),
    closure: C,
}

impl<C> Block<C> {
    pub(crate) fn new(shim: *const (), closure: C) -> Self {
        unsafe fn drop_block<C>(p: NonNull<()>) {
            // SAFETY: `p` came from `Box::leak` of a `Block<C>` in `with_block`.
            drop(unsafe { Box::from_raw(p.as_ptr().cast::<Block<C>>()) });
        }
        Block { shim, drop: drop_block::<C>, closure }
    }

    /// The closure.
    pub(crate) fn closure(&self) -> &C {
        &self.closure
    }
}

/// A `FnMut` closure with a flag that catches overlapping calls, which would
/// hand out two `&mut` to it at once.
#[doc(hidden)]
pub struct Exclusive<C> {
    busy: AtomicBool,
    closure: RefCell<C>,
}

impl<C> Exclusive<C> {
    fn new(closure: C) -> Self {
        Exclusive { busy: AtomicBool::new(false), closure: RefCell::new(closure) }
    }

    /// Runs `f` on the closure, aborting if another call is still inside it
    /// (re-entrant, or from a second thread): continuing would alias `&mut`.
    #[doc(hidden)]
    pub fn with<R>(&self, f: impl FnOnce(&mut C) -> R) -> R {
        if self.busy.swap(true, Ordering::Acquire) {
            eprintln!("abi-bridge: a callback made with Callback::new_mut was called again while a call was still running (re-entrant or from two threads); aborting");
            std::process::abort();
        }
        // SAFETY: the flag admits one caller at a time, so this is the only borrow.
        let r = f(unsafe { &mut *self.closure.as_ptr() });
        self.busy.store(false, Ordering::Release);
        r
    }
}

macro_rules! callback_arity {
    ($($a:ident)*) => {
        impl<R: ForeignReturn + 'static, $($a: ForeignType + 'static),*> CallbackFn for fn($($a),*) -> R {
            type Win64 = extern "win64" fn($($a),*) -> R;
            type SysV64 = extern "sysv64" fn($($a),*) -> R;
        }

        impl<'env, V: AsConv, R: ForeignReturn + 'static, $($a: ForeignType + 'static),*> Callback<'env, fn($($a),*) -> R, V> {
            /// A callback for foreign code using convention `conv` that runs
            /// `closure`, which foreign code may call from any thread.
            ///
            /// `conv` is a [`Conv`] (known at run time) or a convention type,
            /// [`Win64`](crate::Win64) or [`SysV64`](crate::SysV64): then
            /// the callback's type says its convention, and passing it to a
            /// `#[foreign_abi]` function of another convention is a compile
            /// error instead of a panic.
            ///
            /// # Errors
            ///
            /// [`Error::UnsupportedSignature`] if the signature holds function
            /// pointers of another convention than `conv` (see
            /// [`Signature::check_crossing`]); [`Error::ExecutableMemory`] if the
            /// system refuses executable pages; [`Error::Exhausted`] if the
            /// trampoline pool is full.
            pub fn new<C>(conv: V, closure: C) -> Result<Self, Error>
            where
                C: Fn($($a),*) -> R + Send + Sync + 'env,
            {
                let shim = <C as CallbackClosure<fn($($a),*) -> R>>::shim();
                Self::with_block(conv, Block::new(shim, closure))
            }

            /// A callback whose closure mutates its state (`FnMut`). Calls must
            /// not overlap: if foreign code calls it re-entrantly or from two
            /// threads at once, the process aborts with a message rather than
            /// alias `&mut`.
            ///
            /// # Errors
            ///
            /// As for `new`.
            pub fn new_mut<C>(conv: V, closure: C) -> Result<Self, Error>
            where
                C: FnMut($($a),*) -> R + Send + 'env,
            {
                let shim = <C as CallbackClosureMut<fn($($a),*) -> R>>::shim_mut();
                Self::with_block(conv, Block::new(shim, Exclusive::new(closure)))
            }
        }

        // SAFETY: the shim has exactly the documented signature.
        unsafe impl<C, R: ForeignReturn + 'static, $($a: ForeignType + 'static),*> CallbackClosure<fn($($a),*) -> R> for C
        where
            C: Fn($($a),*) -> R,
        {
            fn shim() -> *const () {
                #[allow(non_snake_case)]
                extern "C" fn shim<C: Fn($($a),*) -> R, R, $($a),*>(block: *const Block<C>, $($a: $a),*) -> R {
                    // SAFETY: the reverse thunk passes the block this shim was stored in,
                    // which lives as long as the callback.
                    let block = unsafe { &*block };
                    (block.closure)($($a),*)
                }
                shim::<C, R, $($a),*> as *const ()
            }
        }

        // SAFETY: the shim has exactly the documented signature.
        unsafe impl<C, R: ForeignReturn + 'static, $($a: ForeignType + 'static),*> CallbackClosureMut<fn($($a),*) -> R> for C
        where
            C: FnMut($($a),*) -> R,
        {
            fn shim_mut() -> *const () {
                #[allow(non_snake_case)]
                extern "C" fn shim<C: FnMut($($a),*) -> R, R, $($a),*>(block: *const Block<Exclusive<C>>, $($a: $a),*) -> R {
                    // SAFETY: as for the shared shim.
                    let block = unsafe { &*block };
                    block.closure.with(|c| c($($a),*))
                }
                shim::<C, R, $($a),*> as *const ()
            }
        }
    };
}

for_each_arity!(callback_arity);

thread_local! {
    /// Reverse-thunk code per (signature type, convention), so creating a
    /// callback of a signature seen before takes no lock and hashes no types.
    static CODE: RefCell<WordMap<(TypeId, Conv), usize>> = RefCell::new(WordMap::default());
}

fn closure_code<F: CallbackFn>(conv: Conv) -> Result<*const u8, Error> {
    thread_local! {
        /// The last signature this thread made a callback for: programs tend to
        /// make many callbacks of one signature in a row.
        static LAST: core::cell::Cell<Option<(TypeId, Conv, usize)>> = const { core::cell::Cell::new(None) };
    }
    let id = TypeId::of::<F>();
    if let Some((last, c, code)) = LAST.get() {
        if last == id && c == conv {
            return Ok(code as *const u8);
        }
    }
    let key = (id, conv);
    let code = match CODE.with(|c| c.borrow().get(&key).copied()) {
        Some(code) => code as *const u8,
        None => {
            let sig = Signature::of::<F>();
            sig.check_crossing(conv, Conv::HOST)?;
            let code = thunk::code(conv, Conv::HOST, &sig, Shape::Closure)?;
            CODE.with(|c| c.borrow_mut().insert(key, code as usize));
            code
        }
    };
    LAST.set(Some((id, conv, code as usize)));
    Ok(code)
}

/// A Rust closure that foreign code can call as a function pointer with the
/// foreign convention.
///
/// `F` names the signature, e.g. `Callback::<fn(i32) -> i32>`; `C` the
/// convention: a run-time [`Conv`] by default, or a type, [`Win64`](crate::Win64)
/// or [`SysV64`](crate::SysV64), so that handing it to a `#[foreign_abi]`
/// function of the other convention is a compile error. The entry address
/// ([`Callback::entry`]) is valid while the `Callback` lives; dropping it
/// returns its trampoline to the pool and drops the closure.
///
/// ```
/// use abi_bridge_runtime::{Callback, Conv, Win64};
///
/// let k = 3;
/// let cb = Callback::<fn(i32) -> i32>::new(Conv::Win64, move |x| x * k)?;
/// // What foreign code would do with the pointer:
/// let f = cb.as_win64().expect("made for win64");
/// assert_eq!(f(14), 42);
///
/// // The convention in the type:
/// let typed = Callback::<fn(i32) -> i32, Win64>::new(Win64, |x| x + 1)?;
/// assert_eq!(typed.conv(), Conv::Win64);
///
/// // A closure that counts needs `new_mut` (with `new`, rustc says the
/// // closure "is a captured variable in a `Fn` closure").
/// let mut calls = 0;
/// let counting = Callback::<fn(i32) -> i32>::new_mut(Conv::Win64, move |x| { calls += 1; x + calls })?;
/// let g = counting.as_win64().unwrap();
/// assert_eq!((g(10), g(10)), (11, 12));
/// # Ok::<(), abi_bridge_runtime::Error>(())
/// ```
///
/// Foreign code may call the entry from any thread, at any time while the
/// callback lives, so closures given to `Callback::new` must be `Send + Sync`.
/// A closure that mutates its state (`FnMut`) goes through
/// [`Callback::new_mut`], which only needs `Send` and aborts if calls overlap.
/// Closures may borrow from the environment: `'env` keeps the `Callback` from
/// outliving what they borrow.
pub struct Callback<'env, F: CallbackFn, C: AsConv = Conv> {
    /// The `Block<C>`; its header says how to drop it.
    block: NonNull<()>,
    slot: Slot,
    conv: C,
    _env: PhantomData<&'env ()>,
    _sig: PhantomData<F>,
}

// SAFETY: the closure is `Send + Sync` (`new`) or `Send` behind a flag that
// serialises calls (`new_mut`); the slot and block are owned.
unsafe impl<F: CallbackFn, C: AsConv> Send for Callback<'_, F, C> {}
// SAFETY: as above; `&Callback` only exposes the entry address.
unsafe impl<F: CallbackFn, C: AsConv> Sync for Callback<'_, F, C> {}

impl<'env, F: CallbackFn, C: AsConv> Callback<'env, F, C> {
    fn with_block<B>(conv: C, block: Block<B>) -> Result<Self, Error> {
        Self::with_code(conv, closure_code::<F>(conv.conv())?, block)
    }

    /// A callback whose trampoline jumps to `code` with `block` as its context.
    pub(crate) fn with_code<B>(conv: C, code: *const u8, block: Block<B>) -> Result<Self, Error> {
        let block = NonNull::from(Box::leak(Box::new(block)));
        match TRAMPOLINES.alloc(block.as_ptr().cast_const().cast(), code) {
            Ok(slot) => Ok(Callback { block: block.cast(), slot, conv, _env: PhantomData, _sig: PhantomData }),
            Err(e) => {
                // SAFETY: the block was leaked just above and never published.
                drop(unsafe { Box::from_raw(block.as_ptr()) });
                Err(e)
            }
        }
    }

    /// The address foreign code calls, with the callback's convention.
    pub fn entry(&self) -> *const c_void {
        TRAMPOLINES.entry(&self.slot).cast()
    }

    /// The convention foreign code must call it with.
    pub fn conv(&self) -> Conv {
        self.conv.conv()
    }

    /// The entry as an `extern "win64" fn`, if the callback is for win64.
    pub fn as_win64(&self) -> Option<F::Win64> {
        // SAFETY: the entry is callable with win64 and signature `F`.
        (self.conv() == Conv::Win64).then(|| unsafe { core::mem::transmute_copy(&self.entry()) })
    }

    /// The entry as an `extern "sysv64" fn`, if the callback is for sysv64.
    pub fn as_sysv64(&self) -> Option<F::SysV64> {
        // SAFETY: the entry is callable with sysv64 and signature `F`.
        (self.conv() == Conv::SysV64).then(|| unsafe { core::mem::transmute_copy(&self.entry()) })
    }
}

impl<F: CallbackFn, C: AsConv> Drop for Callback<'_, F, C> {
    fn drop(&mut self) {
        TRAMPOLINES.free(self.slot);
        // SAFETY: the block is ours and starts with its header; no slot
        // points at it any more.
        unsafe {
            let drop_block = self.block.cast::<Block<()>>().as_ref().drop;
            drop_block(self.block);
        }
    }
}

impl<F: CallbackFn, C: AsConv> core::fmt::Debug for Callback<'_, F, C> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Callback").field("conv", &self.conv()).field("entry", &self.entry()).finish()
    }
}

/// Bytes of machine code generated so far for thunks and callbacks (one body
/// per convention pair and signature; trampolines not included).
pub fn generated_code_bytes() -> usize {
    crate::memory::published_bytes()
}
