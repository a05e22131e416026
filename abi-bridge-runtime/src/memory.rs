//! Executable memory: the one module that maps pages, writes machine code into
//! them and makes them executable.
//!
//! W^X, by construction: code is written into fresh pages that are readable and
//! writable, then those pages become readable and executable and are never made
//! writable again. No page is ever writable and executable at once. Several code
//! blobs share a page when they are published together ([`publish`] takes many);
//! code, once published, lives for the rest of the process (it is cached per
//! signature, so its total size is bounded by the number of distinct
//! signatures, and freeing it would need proof that no thread is still inside).
//!
//! Trampoline blocks pair a code half (identical stubs, executable) with a
//! data half (one slot per stub, writable, never executable); see [`Trampolines`].

use std::io;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

use crate::error::Error;

/// The size of a page on x86-64 Linux and Windows.
const PAGE: usize = 4096;

/// An anonymous private mapping of `len` bytes, readable and writable.
fn map_rw(len: usize) -> Result<NonNull<u8>, Error> {
    // SAFETY: an anonymous mapping at an address of the kernel's choosing
    // touches no existing memory.
    let ptr = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            len,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        )
    };
    if ptr == libc::MAP_FAILED {
        return Err(Error::ExecutableMemory(io::Error::last_os_error()));
    }
    Ok(NonNull::new(ptr.cast()).expect("mmap never returns null on success"))
}

/// Turns `len` bytes of freshly written pages at `ptr` into read + execute.
///
/// # Safety
///
/// `ptr..ptr + len` must be whole pages of a mapping made by [`map_rw`] that
/// no other thread is writing to.
unsafe fn seal(ptr: NonNull<u8>, len: usize) -> Result<(), Error> {
    // SAFETY: the caller owns these pages; dropping write permission cannot
    // invalidate any Rust reference because none is held into them.
    let rc = unsafe { libc::mprotect(ptr.as_ptr().cast(), len, libc::PROT_READ | libc::PROT_EXEC) };
    if rc != 0 {
        return Err(Error::ExecutableMemory(io::Error::last_os_error()));
    }
    Ok(())
}

/// Fresh pages for code: reserved a megabyte at a time (readable and
/// writable, never executable), handed out whole pages at a time, each
/// publication sealed on its own. Reserving saves an `mmap` per publication;
/// untouched pages cost no memory.
struct Reservoir {
    next: usize,
    end: usize,
}

static RESERVOIR: Mutex<Reservoir> = Mutex::new(Reservoir { next: 0, end: 0 });
const RESERVE: usize = 256 * PAGE;

/// Total bytes of machine code published so far.
static PUBLISHED: AtomicUsize = AtomicUsize::new(0);

/// How many bytes of generated code exist (thunk bodies, not trampolines).
pub(crate) fn published_bytes() -> usize {
    PUBLISHED.load(Ordering::Relaxed)
}

/// Copies each blob into fresh pages (packed, 16-byte aligned), makes them
/// executable, and returns each blob's entry address.
pub(crate) fn publish(blobs: &[&[u8]]) -> Result<Vec<*const u8>, Error> {
    let mut offsets = Vec::with_capacity(blobs.len());
    let mut len = 0;
    for blob in blobs {
        offsets.push(len);
        len = (len + blob.len()).next_multiple_of(16);
    }
    let code = blobs.iter().map(|b| b.len()).sum::<usize>();
    let len = len.max(1).next_multiple_of(PAGE);
    let base = {
        let mut r = RESERVOIR.lock().unwrap_or_else(PoisonError::into_inner);
        if r.end - r.next < len {
            let size = len.max(RESERVE);
            let fresh = map_rw(size)?.as_ptr() as usize;
            *r = Reservoir { next: fresh, end: fresh + size };
        }
        r.next += len;
        NonNull::new((r.next - len) as *mut u8).expect("reserved pages are not at address 0")
    };
    for (blob, &offset) in blobs.iter().zip(&offsets) {
        // SAFETY: `offset + blob.len() <= len`, inside pages no one else was given.
        unsafe { std::ptr::copy_nonoverlapping(blob.as_ptr(), base.as_ptr().add(offset), blob.len()) };
    }
    // SAFETY: these pages were handed to this publication alone and are
    // written by no one else.
    unsafe { seal(base, len)? };
    PUBLISHED.fetch_add(code, Ordering::Relaxed);
    // SAFETY: every offset is inside the pages.
    Ok(offsets.iter().map(|&o| unsafe { base.as_ptr().add(o) }.cast_const()).collect())
}

/// One trampoline: 16 bytes of code at `entry` that loads the slot's first
/// word into r10 and jumps to the address in its second word.
const STUB: usize = 16;
/// Stubs (and slots) per block: one 64 KiB code half and one 64 KiB data half.
const BLOCK_SLOTS: usize = 4096;
const HALF: usize = BLOCK_SLOTS * STUB;

/// The register a trampoline stub loads its slot's context into; it carries
/// no argument in either convention.
pub(crate) const STUB_CONTEXT: crate::plan::Gpr = crate::plan::Gpr::R10;

/// The stub's bytes; identical for every slot because each stub sits exactly
/// `HALF` bytes below its slot.
fn stub() -> [u8; STUB] {
    // mov r10, [rip + HALF - 7]   ; the slot's context (rip is past this 7-byte instruction)
    // jmp [rip + HALF + 8 - 13]   ; the slot's code (rip is past the 6-byte jmp at offset 7)
    let ctx = (HALF - 7) as u32;
    let code = (HALF + 8 - 13) as u32;
    let mut s = [0xCC; STUB];
    s[..3].copy_from_slice(&[0x4C, 0x8B, 0x15]);
    s[3..7].copy_from_slice(&ctx.to_le_bytes());
    s[7..9].copy_from_slice(&[0xFF, 0x25]);
    s[9..13].copy_from_slice(&code.to_le_bytes());
    s
}

/// The most blocks a pool can have: 4096 blocks of 4096 slots.
const MAX_BLOCKS: usize = 4096;
/// The most slots a pool can have.
pub(crate) const MAX_SLOTS: usize = MAX_BLOCKS * BLOCK_SLOTS;

/// A pool of trampolines: distinct code addresses that each jump to some code
/// with their own context in r10. Blocks are added as needed and never move
/// or go away; freed slots are reused.
///
/// Allocation and release are O(1) and usually touch only a per-thread cache
/// of free slots; the shared free slots form a lock-free stack
/// linked through their (unused) context words, whose head carries a tag that
/// changes on every update so a stale compare-and-swap cannot succeed (ABA).
/// Only adding a block takes a lock.
pub(crate) struct Trampolines {
    /// Start of each block's code half (its data half follows), 0 if absent.
    blocks: [AtomicUsize; MAX_BLOCKS],
    block_count: AtomicUsize,
    grow: Mutex<()>,
    /// `tag << 32 | (slot + 1)`, or a tag alone when no slot is free.
    free_head: AtomicU64,
    live: AtomicUsize,
    capacity: AtomicUsize,
}

/// Slots a thread takes from (and gives back to) the shared stack at once.
const LOCAL_BATCH: usize = 32;
/// Free slots a thread keeps before giving a batch back.
const LOCAL_MAX: usize = 4 * LOCAL_BATCH;

/// Each thread's free slots, so allocating and freeing usually touch no
/// shared state at all. Given back to the pool when the thread exits.
struct LocalSlots {
    pool: Option<&'static Trampolines>,
    free: Vec<u32>,
}

impl Drop for LocalSlots {
    fn drop(&mut self) {
        if let Some(pool) = self.pool {
            let n = self.free.len();
            self.free.drain(..).for_each(|s| pool.push(s));
            pool.live.fetch_sub(n, Ordering::Relaxed);
        }
    }
}

thread_local! {
    static LOCAL: std::cell::RefCell<LocalSlots> = const { std::cell::RefCell::new(LocalSlots { pool: None, free: Vec::new() }) };
}

/// Pops a slot from this thread's cache (the process has one pool).
fn local_pop(pool: &'static Trampolines) -> Option<u32> {
    LOCAL
        .try_with(|l| {
            let mut l = l.borrow_mut();
            debug_assert!(l.pool.is_none_or(|p| std::ptr::eq(p, pool)), "one trampoline pool per process");
            l.free.pop()
        })
        .ok()
        .flatten()
}

/// Pushes a slot to this thread's cache; returns a batch to give back to the
/// shared stack when the cache is full (or the whole slot when the thread's
/// cache is already gone, during thread exit).
fn local_push(pool: &'static Trampolines, slot: u32) -> Option<Vec<u32>> {
    LOCAL
        .try_with(|l| {
            let mut l = l.borrow_mut();
            l.pool = Some(pool);
            l.free.push(slot);
            (l.free.len() > LOCAL_MAX).then(|| {
                let keep = l.free.len() - LOCAL_BATCH;
                l.free.split_off(keep)
            })
        })
        .unwrap_or_else(|_| {
            // Thread exit: hand the slot straight back, accounted as a batch of one.
            pool.push(slot);
            pool.live.fetch_sub(1, Ordering::Relaxed);
            None
        })
}

/// A slot of the pool, by number. Whoever took it returns it exactly once.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Slot(u32);

impl Trampolines {
    /// An empty pool that holds at most `capacity` live slots.
    pub(crate) const fn new(capacity: usize) -> Trampolines {
        Trampolines {
            blocks: [const { AtomicUsize::new(0) }; MAX_BLOCKS],
            block_count: AtomicUsize::new(0),
            grow: Mutex::new(()),
            free_head: AtomicU64::new(0),
            live: AtomicUsize::new(0),
            capacity: AtomicUsize::new(capacity),
        }
    }

    /// Takes a slot whose stub will jump to `code` with `context` in r10.
    pub(crate) fn alloc(&'static self, context: usize, code: *const u8) -> Result<Slot, Error> {
        let slot = match local_pop(self) {
            Some(slot) => slot,
            None => self.take_from_shared()?,
        };
        let data = self.data(slot);
        // The slot is ours alone until its entry is handed out; Release makes
        // these words visible to a thread that receives the entry through any
        // synchronising channel (and x86 never reorders stores anyway).
        data[0].store(context, Ordering::Release);
        data[1].store(code as usize, Ordering::Release);
        Ok(Slot(slot))
    }

    /// Returns a slot to the pool. Calling its entry afterwards is undefined.
    pub(crate) fn free(&'static self, slot: Slot) {
        if let Some(spill) = local_push(self, slot.0) {
            for s in spill {
                self.push(s);
            }
            self.live.fetch_sub(LOCAL_BATCH, Ordering::Relaxed);
        }
    }

    /// Refills this thread's cache with up to `LOCAL_BATCH` slots from the
    /// shared stack and returns one of them. The live count covers slots in
    /// thread caches too, so it never exceeds the capacity.
    fn take_from_shared(&'static self) -> Result<u32, Error> {
        let capacity = self.capacity.load(Ordering::Relaxed).min(MAX_SLOTS);
        let mut live = self.live.load(Ordering::Relaxed);
        let batch = loop {
            let batch = capacity.saturating_sub(live).min(LOCAL_BATCH);
            if batch == 0 {
                return Err(Error::Exhausted { resource: "trampoline pool", capacity });
            }
            match self.live.compare_exchange_weak(live, live + batch, Ordering::Relaxed, Ordering::Relaxed) {
                Ok(_) => break batch,
                Err(l) => live = l,
            }
        };
        let mut taken = Vec::with_capacity(batch);
        while taken.len() < batch {
            match self.pop() {
                Some(slot) => taken.push(slot),
                None => {
                    if let Err(e) = self.add_block() {
                        for s in taken {
                            self.push(s);
                        }
                        self.live.fetch_sub(batch, Ordering::Relaxed);
                        return Err(e);
                    }
                }
            }
        }
        let first = taken.pop().expect("batch is at least 1");
        for s in taken {
            if let Some(spill) = local_push(self, s) {
                spill.into_iter().for_each(|s| self.push(s));
                self.live.fetch_sub(LOCAL_BATCH, Ordering::Relaxed);
            }
        }
        Ok(first)
    }

    /// The trampoline's entry address.
    pub(crate) fn entry(&self, slot: &Slot) -> *const u8 {
        self.code_of(slot.0) as *const u8
    }

    /// Sets how many slots may be live at once (at most `MAX_SLOTS`).
    pub(crate) fn set_capacity(&self, capacity: usize) {
        self.capacity.store(capacity, Ordering::Relaxed);
    }

    /// How many slots are in use, counting free slots parked in threads' caches.
    pub(crate) fn live(&self) -> usize {
        self.live.load(Ordering::Relaxed)
    }

    fn code_of(&self, slot: u32) -> usize {
        let (b, i) = (slot as usize / BLOCK_SLOTS, slot as usize % BLOCK_SLOTS);
        self.blocks[b].load(Ordering::Acquire) + i * STUB
    }

    /// The slot's two data words: context, code.
    fn data(&self, slot: u32) -> &[AtomicUsize; 2] {
        // SAFETY: the data half of a block is writable memory that is never
        // unmapped, 16-byte aligned per slot, and only ever accessed atomically.
        unsafe { &*((self.code_of(slot) + HALF) as *const [AtomicUsize; 2]) }
    }

    fn pop(&self) -> Option<u32> {
        let mut head = self.free_head.load(Ordering::Acquire);
        loop {
            let top = (head & 0xFFFF_FFFF) as u32;
            if top == 0 {
                return None;
            }
            let slot = top - 1;
            // A free slot's context word holds the next free slot (+1). If the
            // slot is popped by another thread meanwhile, this read is stale
            // but harmless (the memory stays mapped) and the tagged CAS fails.
            let next = self.data(slot)[0].load(Ordering::Relaxed) as u64;
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
            self.data(slot)[0].store((head & 0xFFFF_FFFF) as usize, Ordering::Relaxed);
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
        let _grow = self.grow.lock().unwrap_or_else(PoisonError::into_inner);
        if self.free_head.load(Ordering::Acquire) & 0xFFFF_FFFF != 0 {
            return Ok(());
        }
        let b = self.block_count.load(Ordering::Relaxed);
        if b == MAX_BLOCKS {
            return Err(Error::Exhausted { resource: "trampoline pool", capacity: MAX_SLOTS });
        }
        let block = map_rw(2 * HALF)?;
        let stub = stub();
        for i in 0..BLOCK_SLOTS {
            // SAFETY: `i * STUB + STUB <= HALF`, inside the fresh mapping.
            unsafe { std::ptr::copy_nonoverlapping(stub.as_ptr(), block.as_ptr().add(i * STUB), STUB) };
        }
        // SAFETY: the code half is fresh and written only here; the data half
        // stays writable and is never executable.
        unsafe { seal(block, HALF)? };
        self.blocks[b].store(block.as_ptr() as usize, Ordering::Release);
        self.block_count.store(b + 1, Ordering::Relaxed);
        for i in (0..BLOCK_SLOTS as u32).rev() {
            self.push(b as u32 * BLOCK_SLOTS as u32 + i);
        }
        Ok(())
    }
}

/// The mappings of this process that are writable and executable at once,
/// as `/proc/self/maps` lines: the W^X invariant says there are none. Tests
/// call it while thunks and callbacks are being created on other threads.
///
/// # Errors
///
/// If `/proc/self/maps` cannot be read (not Linux).
pub fn writable_and_executable_mappings() -> io::Result<Vec<String>> {
    let maps = std::fs::read_to_string("/proc/self/maps")?;
    Ok(maps
        .lines()
        .filter(|line| {
            let perms = line.split_whitespace().nth(1).unwrap_or("");
            perms.contains('w') && perms.contains('x')
        })
        .map(str::to_owned)
        .collect())
}
