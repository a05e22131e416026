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
use std::sync::atomic::{AtomicUsize, Ordering};
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

/// Copies each blob into fresh pages (packed, 16-byte aligned), makes them
/// executable, and returns each blob's entry address.
pub(crate) fn publish(blobs: &[&[u8]]) -> Result<Vec<*const u8>, Error> {
    let mut offsets = Vec::with_capacity(blobs.len());
    let mut len = 0;
    for blob in blobs {
        offsets.push(len);
        len = (len + blob.len()).next_multiple_of(16);
    }
    let len = len.max(1).next_multiple_of(PAGE);
    let base = map_rw(len)?;
    for (blob, &offset) in blobs.iter().zip(&offsets) {
        // SAFETY: `offset + blob.len() <= len`, inside the fresh mapping.
        unsafe { std::ptr::copy_nonoverlapping(blob.as_ptr(), base.as_ptr().add(offset), blob.len()) };
    }
    // SAFETY: the whole mapping was made above and is written by no one else.
    unsafe { seal(base, len)? };
    // SAFETY: every offset is inside the mapping.
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

/// A pool of trampolines: distinct code addresses that each jump to some code
/// with their own context in r10. Blocks are added as needed and never move;
/// freed slots are reused.
pub(crate) struct Trampolines {
    state: Mutex<PoolState>,
    capacity: AtomicUsize,
}

struct PoolState {
    /// Start of each block's code half; its data half follows it.
    blocks: Vec<usize>,
    /// Free slot numbers (block * BLOCK_SLOTS + index).
    free: Vec<u32>,
    live: usize,
}

/// A slot of the pool: its entry address and where its two data words live.
#[derive(Debug)]
pub(crate) struct Slot {
    number: u32,
    entry: *const u8,
}

// SAFETY: a slot is an index plus an address; it grants no access by itself.
unsafe impl Send for Slot {}
// SAFETY: as above.
unsafe impl Sync for Slot {}

impl Slot {
    /// The trampoline's entry address.
    pub(crate) fn entry(&self) -> *const u8 {
        self.entry
    }
}

impl Trampolines {
    /// An empty pool that holds at most `capacity` live slots.
    pub(crate) const fn new(capacity: usize) -> Trampolines {
        Trampolines {
            state: Mutex::new(PoolState { blocks: Vec::new(), free: Vec::new(), live: 0 }),
            capacity: AtomicUsize::new(capacity),
        }
    }

    /// Takes a slot whose stub will jump to `code` with `context` in r10.
    pub(crate) fn alloc(&self, context: usize, code: *const u8) -> Result<Slot, Error> {
        let mut st = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let capacity = self.capacity.load(Ordering::Relaxed);
        if st.live >= capacity {
            return Err(Error::Exhausted { resource: "trampoline pool", capacity });
        }
        if st.free.is_empty() {
            let block = map_rw(2 * HALF)?;
            let stub = stub();
            for i in 0..BLOCK_SLOTS {
                // SAFETY: `i * STUB + STUB <= HALF`, inside the fresh mapping.
                unsafe { std::ptr::copy_nonoverlapping(stub.as_ptr(), block.as_ptr().add(i * STUB), STUB) };
            }
            // SAFETY: the code half is fresh and written only here; the data
            // half stays writable and is never executable.
            unsafe { seal(block, HALF)? };
            let b = st.blocks.len() as u32;
            st.blocks.push(block.as_ptr() as usize);
            st.free.extend((0..BLOCK_SLOTS as u32).rev().map(|i| b * BLOCK_SLOTS as u32 + i));
        }
        let number = st.free.pop().expect("a block was just added");
        st.live += 1;
        let (entry, data) = st.addresses(number);
        // SAFETY: `data` is this free slot's two words in a writable data half;
        // no stub reads them until the entry is handed out below.
        unsafe {
            data.write(context);
            data.add(1).write(code as usize);
        }
        Ok(Slot { number, entry })
    }

    /// Returns a slot to the pool. Calling its entry afterwards is undefined.
    pub(crate) fn free(&self, slot: Slot) {
        let mut st = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        st.live -= 1;
        st.free.push(slot.number);
    }

    /// Sets how many slots may be live at once.
    pub(crate) fn set_capacity(&self, capacity: usize) {
        self.capacity.store(capacity, Ordering::Relaxed);
    }

    /// How many slots are in use.
    pub(crate) fn live(&self) -> usize {
        self.state.lock().unwrap_or_else(PoisonError::into_inner).live
    }
}

impl PoolState {
    fn addresses(&self, number: u32) -> (*const u8, *mut usize) {
        let (b, i) = (number as usize / BLOCK_SLOTS, number as usize % BLOCK_SLOTS);
        let code = self.blocks[b] + i * STUB;
        (code as *const u8, (code + HALF) as *mut usize)
    }
}
