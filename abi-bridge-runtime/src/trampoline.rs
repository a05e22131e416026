//! The trampoline pool: distinct code addresses, each jumping to some code
//! with its own context in a register. Every [`Callback`](crate::Callback),
//! [`Thunk`](crate::Thunk) and wrapped host function is one slot of the
//! process's one pool, [`TRAMPOLINES`].
//!
//! A block pairs a code half (4096 identical 16-byte stubs, sealed) with a
//! data half right after it (one slot of two words per stub: context, code;
//! writable, never executable). Each stub loads its slot's context into
//! [`STUB_CONTEXT`] and jumps to its slot's code; the stubs are identical
//! because each sits exactly one half below its slot. Blocks are added as
//! needed and never move or go away; freed slots are reused.
//!
//! Two things are counted apart, so that neither depends on another thread:
//!
//! - **Live slots** (allocated, not yet freed): one shared counter, raised
//!   by compare-and-swap only while it is below the limit, lowered on free.
//!   That makes [`live_trampolines`] exact and the limit strict, however many
//!   threads race, and a free slot counts against nothing wherever it sits.
//! - **Free slots**: each thread keeps a cache of them, so allocating and
//!   freeing usually touch no shared free list; caches trade batches with a
//!   shared lock-free stack and go back to it when their thread exits. A
//!   thread that finds the shared stack empty maps a new block rather than
//!   wait for slots parked in other threads' caches.
//!
//! So allocation and release are O(1) and lock-free: one compare-and-swap on
//! the live counter plus a thread-local pop or push (a batch of shared-stack
//! operations once every [`LOCAL_BATCH`] calls). Only adding a block takes a
//! lock.

use std::cell::RefCell;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicPtr, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

use crate::error::Error;
use crate::memory::{SealedCode, WritablePages};
use crate::plan::Gpr;

/// The register a trampoline stub loads its slot's context into; it carries
/// no argument in either convention.
pub(crate) const STUB_CONTEXT: Gpr = Gpr::R10;

/// One trampoline stub: 16 bytes of code.
const STUB: usize = 16;
/// Stubs (and slots) per block: one 64 KiB code half and one 64 KiB data half.
const BLOCK_SLOTS: usize = 4096;
const HALF: usize = BLOCK_SLOTS * STUB;

/// The stub's bytes: it loads its slot's first word into r10 and jumps to the
/// address in its second word. Identical for every slot because each stub
/// sits exactly `HALF` bytes below its slot.
fn stub() -> [u8; STUB] {
    // mov r10, [rip + HALF - 7]   ; the slot's context (rip is past this 7-byte instruction)
    // jmp [rip + HALF + 8 - 13]   ; the slot's code (rip is past the 6-byte jmp at offset 7)
    let context = (HALF - 7) as u32;
    let code = (HALF + 8 - 13) as u32;
    let mut s = [0xCC; STUB];
    s[..3].copy_from_slice(&[0x4C, 0x8B, 0x15]);
    s[3..7].copy_from_slice(&context.to_le_bytes());
    s[7..9].copy_from_slice(&[0xFF, 0x25]);
    s[9..13].copy_from_slice(&code.to_le_bytes());
    s
}

/// The most live slots a pool allows (and the default limit): 4096 blocks'
/// worth, 16,777,216.
const MAX_LIVE: usize = 4096 * BLOCK_SLOTS;
/// The most blocks a pool maps: twice what the most live slots need, so the
/// free slots parked in threads' caches (at most `LOCAL_MAX` per thread)
/// cannot keep a thread from reaching the limit unless 131,072 threads are
/// alive at once, each with a full cache.
const MAX_BLOCKS: usize = 2 * MAX_LIVE / BLOCK_SLOTS;

/// Slots a thread takes from (and gives back to) the shared stack at once.
const LOCAL_BATCH: usize = 32;
/// Free slots a thread keeps before giving a batch back.
const LOCAL_MAX: usize = 4 * LOCAL_BATCH;

/// A slot of the pool, by number. Whoever took it frees it exactly once.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Slot(u32);

/// One block: the stubs, and right after them the slots they read.
struct Block {
    stubs: SealedCode,
    /// Two words per slot: context, code. A free slot's context word holds
    /// the number of the next free slot on the shared stack, plus one.
    words: &'static [AtomicPtr<()>],
}

/// A pool of trampolines; see the module documentation.
pub(crate) struct Trampolines {
    /// Each block, leaked once mapped (blocks never go away); null past the
    /// last.
    blocks: [AtomicPtr<Block>; MAX_BLOCKS],
    /// How many blocks are mapped; held while adding one.
    grow: Mutex<usize>,
    /// The shared free stack: `tag << 32 | (slot + 1)`, or a tag alone when
    /// empty. The tag changes on every update, so a compare-and-swap that
    /// read a stale head fails (ABA).
    free_head: AtomicU64,
    live: AtomicUsize,
    /// How far the limit is below `MAX_LIVE`: stored this way round so that
    /// the default is 0 and the pool's static is all zeros, which costs no
    /// space in the binary (the block table is large).
    limit_below_max: AtomicUsize,
}

/// Every trampoline: thunks and callbacks.
pub(crate) static TRAMPOLINES: Trampolines = Trampolines::new();

/// Limits how many trampolines (live [`Callback`](crate::Callback)s,
/// [`Thunk`](crate::Thunk)s and wrapped host functions together) may exist at
/// once; past it, creating one returns [`Error::Exhausted`]. The default, and
/// the most, is 16,777,216 (32 bytes each). Lowering it below the number
/// alive frees nothing; it only refuses new ones until enough are dropped.
///
/// ```
/// use abi_bridge_runtime::{live_trampolines, set_trampoline_limit, Callback, Conv, Error};
///
/// set_trampoline_limit(2);
/// let a = Callback::<fn(i32) -> i32>::new(Conv::Win64, |x| x)?;
/// let b = Callback::<fn(i32) -> i32>::new(Conv::Win64, |x| x + 1)?;
/// assert_eq!(live_trampolines(), 2);
/// let refused = Callback::<fn(i32) -> i32>::new(Conv::Win64, |x| x + 2);
/// assert!(matches!(refused, Err(Error::Exhausted { capacity: 2, .. })));
/// drop(a);
/// let c = Callback::<fn(i32) -> i32>::new(Conv::Win64, |x| x + 2)?; // a freed slot is reused
/// # drop((b, c));
/// # Ok::<(), Error>(())
/// ```
pub fn set_trampoline_limit(limit: usize) {
    TRAMPOLINES.limit_below_max.store(MAX_LIVE - limit.min(MAX_LIVE), Ordering::Relaxed);
}

/// How many trampolines are live now: created and not yet dropped.
pub fn live_trampolines() -> usize {
    TRAMPOLINES.live.load(Ordering::Relaxed)
}

/// Each thread's free slots, so allocating and freeing usually touch no
/// shared free list. Given back to the shared stack when the thread exits.
struct LocalSlots {
    pool: Option<&'static Trampolines>,
    free: Vec<u32>,
}

impl Drop for LocalSlots {
    fn drop(&mut self) {
        if let Some(pool) = self.pool {
            self.free.drain(..).for_each(|s| pool.push(s));
        }
    }
}

thread_local! {
    static LOCAL: RefCell<LocalSlots> = const { RefCell::new(LocalSlots { pool: None, free: Vec::new() }) };
}

/// Runs `f` on this thread's cache of free slots of `pool` (the process has
/// one pool); `None` once the cache is gone, during thread exit.
fn with_local<R>(pool: &'static Trampolines, f: impl FnOnce(&mut Vec<u32>) -> R) -> Option<R> {
    LOCAL
        .try_with(|l| {
            let mut l = l.borrow_mut();
            debug_assert!(l.pool.is_none_or(|p| std::ptr::eq(p, pool)), "one trampoline pool per process");
            l.pool = Some(pool);
            f(&mut l.free)
        })
        .ok()
}

impl Trampolines {
    const fn new() -> Trampolines {
        Trampolines {
            blocks: [const { AtomicPtr::new(std::ptr::null_mut()) }; MAX_BLOCKS],
            grow: Mutex::new(0),
            free_head: AtomicU64::new(0),
            live: AtomicUsize::new(0),
            limit_below_max: AtomicUsize::new(0),
        }
    }

    /// Takes a slot whose stub will jump to `code` with `context` in
    /// [`STUB_CONTEXT`].
    pub(crate) fn alloc(&'static self, context: *const (), code: *const u8) -> Result<Slot, Error> {
        self.admit()?;
        let slot = match with_local(self, Vec::pop).flatten() {
            Some(slot) => slot,
            None => self.refill().inspect_err(|_| {
                self.live.fetch_sub(1, Ordering::Relaxed);
            })?,
        };
        let [context_word, code_word] = self.words(slot);
        // The slot is ours alone until its entry is handed out; Release makes
        // these words visible to a thread that receives the entry through any
        // synchronising channel (and x86 never reorders stores anyway).
        context_word.store(context.cast_mut(), Ordering::Release);
        code_word.store(code.cast_mut().cast(), Ordering::Release);
        Ok(Slot(slot))
    }

    /// Returns a slot to the pool. Calling its entry afterwards is undefined.
    pub(crate) fn free(&'static self, slot: Slot) {
        let spill = with_local(self, |free| {
            free.push(slot.0);
            (free.len() > LOCAL_MAX).then(|| free.split_off(free.len() - LOCAL_BATCH))
        });
        match spill {
            Some(Some(batch)) => batch.into_iter().for_each(|s| self.push(s)),
            Some(None) => {}
            // Thread exit: the cache is gone, so the slot goes straight back.
            None => self.push(slot.0),
        }
        self.live.fetch_sub(1, Ordering::Relaxed);
    }

    /// The trampoline's entry address.
    pub(crate) fn entry(&self, slot: &Slot) -> *const u8 {
        let (block, i) = self.block_of(slot.0);
        block.stubs.at(i * STUB)
    }

    /// Counts one more live slot, unless that would pass the limit. A
    /// compare-and-swap rather than an add, so that a refused attempt never
    /// shows (even briefly) in the count another thread checks.
    fn admit(&self) -> Result<(), Error> {
        let limit = MAX_LIVE - self.limit_below_max.load(Ordering::Relaxed);
        let mut live = self.live.load(Ordering::Relaxed);
        loop {
            if live >= limit {
                return Err(Error::Exhausted { resource: "trampoline pool", capacity: limit });
            }
            match self.live.compare_exchange_weak(live, live + 1, Ordering::Relaxed, Ordering::Relaxed) {
                Ok(_) => return Ok(()),
                Err(l) => live = l,
            }
        }
    }

    /// Takes a batch of up to `LOCAL_BATCH` free slots from the shared stack
    /// (mapping a block if it is empty), keeps the rest in this thread's
    /// cache, and returns one.
    fn refill(&'static self) -> Result<u32, Error> {
        let first = loop {
            match self.pop() {
                Some(slot) => break slot,
                None => self.add_block()?,
            }
        };
        let rest: Vec<u32> = std::iter::from_fn(|| self.pop()).take(LOCAL_BATCH - 1).collect();
        if with_local(self, |free| free.extend_from_slice(&rest)).is_none() {
            // Thread exit: no cache to keep them in.
            rest.into_iter().for_each(|s| self.push(s));
        }
        Ok(first)
    }

    fn block_of(&self, slot: u32) -> (&Block, usize) {
        let (b, i) = (slot as usize / BLOCK_SLOTS, slot as usize % BLOCK_SLOTS);
        let block = self.blocks[b].load(Ordering::Acquire);
        let block = NonNull::new(block).expect("a slot's block is added before the slot is handed out");
        // SAFETY: a non-null entry points at a leaked `Block`, stored with
        // Release after it was written; it is never freed or changed.
        (unsafe { block.as_ref() }, i)
    }

    /// The slot's two data words: context, code.
    fn words(&self, slot: u32) -> &[AtomicPtr<()>; 2] {
        let (block, i) = self.block_of(slot);
        block.words[2 * i..2 * i + 2].try_into().expect("two words")
    }

    fn pop(&self) -> Option<u32> {
        let mut head = self.free_head.load(Ordering::Acquire);
        loop {
            let top = (head & 0xFFFF_FFFF) as u32;
            let slot = top.checked_sub(1)?;
            // If the slot is popped by another thread meanwhile, this read is
            // stale but harmless (the words stay mapped) and the tagged CAS
            // fails.
            let next = self.words(slot)[0].load(Ordering::Relaxed).addr() as u64;
            let new = (head >> 32).wrapping_add(1) << 32 | next;
            match self.free_head.compare_exchange_weak(head, new, Ordering::Acquire, Ordering::Acquire) {
                Ok(_) => return Some(slot),
                Err(h) => head = h,
            }
        }
    }

    fn push(&self, slot: u32) {
        let mut head = self.free_head.load(Ordering::Relaxed);
        loop {
            // The link is a slot number, not an address: a word without provenance.
            let next = std::ptr::without_provenance_mut((head & 0xFFFF_FFFF) as usize);
            self.words(slot)[0].store(next, Ordering::Relaxed);
            let new = (head >> 32).wrapping_add(1) << 32 | u64::from(slot + 1);
            match self.free_head.compare_exchange_weak(head, new, Ordering::Release, Ordering::Relaxed) {
                Ok(_) => return,
                Err(h) => head = h,
            }
        }
    }

    /// Maps one more block and frees all its slots, unless another thread
    /// has freed some meanwhile.
    fn add_block(&self) -> Result<(), Error> {
        let mut count = self.grow.lock().unwrap_or_else(PoisonError::into_inner);
        if self.free_head.load(Ordering::Acquire) & 0xFFFF_FFFF != 0 {
            return Ok(());
        }
        let b = *count;
        if b == MAX_BLOCKS {
            return Err(Error::Exhausted { resource: "trampoline pool", capacity: MAX_BLOCKS * BLOCK_SLOTS });
        }
        let (mut stubs, words) = WritablePages::map(2 * HALF)?.split_at(HALF);
        for chunk in stubs.bytes_mut().chunks_exact_mut(STUB) {
            chunk.copy_from_slice(&stub());
        }
        let block = Block { stubs: stubs.seal()?, words: words.into_words() };
        crate::perf_map::record(block.stubs.at(0), HALF, || "abi_bridge::trampolines".to_owned());
        debug_assert_eq!(block.stubs.at(0).wrapping_add(HALF), block.words.as_ptr().cast(), "slots right after stubs");
        self.blocks[b].store(Box::leak(Box::new(block)), Ordering::Release);
        *count = b + 1;
        for i in (0..BLOCK_SLOTS as u32).rev() {
            self.push(b as u32 * BLOCK_SLOTS as u32 + i);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stub_loads_its_slot_and_jumps_through_the_next_word() {
        use iced_x86::{Decoder, DecoderOptions, Mnemonic, Register};
        let base = 0x10_0000u64;
        let stub = stub();
        let insns: Vec<_> = Decoder::with_ip(64, &stub, base, DecoderOptions::NONE).into_iter().take(2).collect();
        assert_eq!((insns[0].mnemonic(), insns[0].op0_register()), (Mnemonic::Mov, Register::R10));
        assert_eq!(insns[0].memory_displacement64(), base + HALF as u64, "context: the slot's first word");
        assert_eq!(insns[1].mnemonic(), Mnemonic::Jmp);
        assert_eq!(insns[1].memory_displacement64(), base + HALF as u64 + 8, "code: the slot's second word");
        assert_eq!(insns[1].next_ip() - base, 13, "both fit in the 16-byte stub");
    }
}
