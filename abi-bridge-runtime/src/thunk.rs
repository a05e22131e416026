//! Thunks: generated code that is called with one convention and calls a
//! target with another.
//!
//! Code is generated once per (caller convention, callee convention,
//! signature, shape) and kept for the process; a [`Thunk`] for a given target
//! is a trampoline slot that jumps into that code with the target in r10, so
//! creating a second thunk of a known signature generates no code at all.

use core::ffi::c_void;
use std::sync::{Arc, Mutex, PoisonError, Weak};

use crate::conv::Conv;
use crate::error::Error;
use crate::hash::WordMap;
use crate::jit::{self, Bridge};
use crate::memory;
use crate::plan::{classify, CallPlan};
use crate::signature::Signature;
use crate::trampoline::{Slot, STUB_CONTEXT, TRAMPOLINES};
use crate::types::ForeignType;

/// The shapes of generated code for one signature, as the code cache knows
/// them ([`jit::Shape`] adds the registers the trampoline stub uses).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Shape {
    /// Called through a trampoline: the target arrives in r10.
    Trampoline,
    /// Called with the target as an extra leading pointer argument (the
    /// code behind `#[foreign_abi]` functions: no trampoline on the hot path).
    TargetFirst,
    /// A closure callback: called through a trampoline with the closure's
    /// block in r10, it calls the shim stored at the block's start with the
    /// block as an extra first argument.
    Closure,
    /// A call of a variadic function from Rust: the target first, then a
    /// pointer to this call's variadic values (see the `variadic` module's
    /// pack), then the named arguments.
    TargetAndPack,
    /// A variadic closure callback: as `Closure`, with a pointer to the
    /// variadic arguments after the named ones (see the `variadic` module).
    VariadicClosure,
}

type CodeKey = (Conv, Conv, Signature, Shape);

static CODE: Mutex<Option<WordMap<CodeKey, usize>>> = Mutex::new(None);

/// The plan of the Rust side of generated code (the caller behind
/// `#[foreign_abi]`, the shim a closure callback calls): `sig` as rustc
/// passes its Rust types, which for a `long double` is not as C does.
fn rust_side(conv: Conv, sig: &Signature) -> CallPlan {
    classify(conv, &sig.rust_view())
}

/// The plan of the Rust side of `sig` with a pointer argument in front.
fn with_leading_pointer(conv: Conv, sig: &Signature) -> CallPlan {
    rust_side(conv, &sig.with_leading(&[<*const c_void as ForeignType>::DESC]))
}

/// The address of the generated code for `shape`, generating and publishing
/// it on first use.
pub(crate) fn code(from: Conv, to: Conv, sig: &Signature, shape: Shape) -> Result<*const u8, Error> {
    Ok(codes(from, to, std::slice::from_ref(sig), shape)?[0])
}

/// The generated code for each signature, in order. Whatever is missing from
/// the cache is generated and published together, packed into shared pages.
pub(crate) fn codes(from: Conv, to: Conv, sigs: &[Signature], shape: Shape) -> Result<Vec<*const u8>, Error> {
    let key = |sig: &Signature| (from, to, sig.clone(), shape);
    let lookup = |cache: &WordMap<CodeKey, usize>| -> Vec<Option<usize>> {
        sigs.iter().map(|sig| cache.get(&key(sig)).copied()).collect()
    };
    let found = lookup(CODE.lock().unwrap_or_else(PoisonError::into_inner).get_or_insert_with(WordMap::default));
    // Generate outside the lock; another thread may race us to the same
    // signature, in which case the first publication wins.
    let mut fresh: Vec<(CodeKey, Vec<u8>)> = Vec::new();
    for (sig, found) in sigs.iter().zip(&found) {
        if found.is_none() && !fresh.iter().any(|(k, _)| k == &key(sig)) {
            fresh.push((key(sig), generate(from, to, sig, shape)));
        }
    }
    let mut cache = CODE.lock().unwrap_or_else(PoisonError::into_inner);
    let cache = cache.get_or_insert_with(WordMap::default);
    fresh.retain(|(k, _)| !cache.contains_key(k));
    if !fresh.is_empty() {
        let blobs: Vec<&[u8]> = fresh.iter().map(|(_, bytes)| &bytes[..]).collect();
        let addrs = memory::publish(&blobs)?;
        for ((k, bytes), addr) in fresh.into_iter().zip(addrs) {
            let (from, to, sig, shape) = &k;
            crate::perf_map::record(addr, bytes.len(), || format!("abi_bridge::thunk[{from}->{to}]({sig}) {shape:?}"));
            cache.insert(k, addr as usize);
        }
    }
    Ok(sigs.iter().map(|sig| cache[&key(sig)] as *const u8).collect())
}

#[cfg(test)]
pub(crate) fn generate_for_test(from: Conv, to: Conv, sig: &Signature, shape: Shape) -> Vec<u8> {
    generate(from, to, sig, shape)
}

fn generate(from: Conv, to: Conv, sig: &Signature, shape: Shape) -> Vec<u8> {
    let pointer = <*const c_void as ForeignType>::DESC;
    let pack = match shape {
        Shape::TargetAndPack => crate::variadic::pack_layout(sig),
        _ => Vec::new(),
    };
    let (caller, callee, shape) = match shape {
        Shape::Trampoline => (classify(from, sig), classify(to, sig), jit::Shape::Trampoline { target: STUB_CONTEXT }),
        Shape::TargetFirst => (with_leading_pointer(from, sig), classify(to, sig), jit::Shape::TargetFirst),
        Shape::Closure => {
            (classify(from, sig), with_leading_pointer(to, sig), jit::Shape::Closure { block: STUB_CONTEXT })
        }
        Shape::TargetAndPack => {
            let host = sig.fixed_part_then(&[]).with_leading(&[pointer, pointer]);
            (rust_side(from, &host), classify(to, sig), jit::Shape::TargetAndPack)
        }
        Shape::VariadicClosure => {
            let host = sig.fixed_part_then(&[pointer]).with_leading(&[pointer]);
            (classify(from, sig), rust_side(to, &host), jit::Shape::VariadicClosure { block: STUB_CONTEXT })
        }
    };
    jit::generate(&Bridge { caller: &caller, callee: &callee, shape, pack: &pack })
}

/// A function pointer that can be called with one calling convention and
/// calls a target with another.
///
/// ```
/// use abi_bridge_runtime::{Conv, Signature, Thunk};
///
/// extern "win64" fn add(a: i32, b: i32) -> i32 { a + b }
///
/// let sig = Signature::of::<fn(i32, i32) -> i32>();
/// let thunk = Thunk::new(Conv::SysV64, Conv::Win64, &sig, add as *const _)?;
/// // SAFETY: the thunk is callable as sysv64 with the signature it was made for.
/// let f: extern "sysv64" fn(i32, i32) -> i32 = unsafe { core::mem::transmute(thunk.entry()) };
/// assert_eq!(f(2, 3), 5);
/// # Ok::<(), abi_bridge_runtime::Error>(())
/// ```
///
/// Clones share one entry address; it stays valid until the last clone is
/// dropped.
#[derive(Clone, Debug)]
pub struct Thunk {
    inner: Arc<Live>,
}

#[derive(Debug)]
struct Live {
    slot: Slot,
    key: TargetKey,
}

type TargetKey = (Conv, Conv, Signature, usize);

static LIVE: Mutex<Option<WordMap<TargetKey, Weak<Live>>>> = Mutex::new(None);

impl Thunk {
    /// A thunk callable with convention `from` that calls `target` with
    /// convention `to`, for functions of signature `sig`. Works for every pair
    /// of conventions, including the identity pairs.
    ///
    /// Creating a thunk is safe; calling it is as unsafe as calling `target`
    /// through a function pointer of that signature.
    ///
    /// # Errors
    ///
    /// [`Error::UnsupportedSignature`] if a function pointer in `sig` states
    /// a convention the foreign side does not use (see
    /// [`Signature::check_crossing`]); [`Error::ExecutableMemory`] if the
    /// system refuses executable pages; [`Error::Exhausted`] if 16 million
    /// thunks are alive at once.
    pub fn new(from: Conv, to: Conv, sig: &Signature, target: *const c_void) -> Result<Thunk, Error> {
        sig.check_crossing(from, to)?;
        let key = (from, to, sig.clone(), target as usize);
        let mut live = LIVE.lock().unwrap_or_else(PoisonError::into_inner);
        let live = live.get_or_insert_with(WordMap::default);
        if let Some(existing) = live.get(&key).and_then(Weak::upgrade) {
            return Ok(Thunk { inner: existing });
        }
        let code = code(from, to, sig, Shape::Trampoline)?;
        let slot = TRAMPOLINES.alloc(target.cast(), code)?;
        let inner = Arc::new(Live { slot, key: key.clone() });
        live.insert(key, Arc::downgrade(&inner));
        Ok(Thunk { inner })
    }

    /// The entry address: call it with the `from` convention and `sig`'s
    /// signature. Valid while this thunk (or a clone) lives.
    pub fn entry(&self) -> *const c_void {
        TRAMPOLINES.entry(&self.inner.slot).cast()
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        let mut live = LIVE.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(map) = live.as_mut() {
            // Another thunk for the same key may have been made since this
            // one's last strong reference went away; keep its entry.
            if map.get(&self.key).is_some_and(|w| w.strong_count() == 0) {
                map.remove(&self.key);
            }
        }
        TRAMPOLINES.free(self.slot);
    }
}
