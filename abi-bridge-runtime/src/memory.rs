//! Executable memory: the one module that maps pages, writes machine code into
//! them and makes them executable.
//!
//! W^X, by construction, in two types: [`WritablePages`] are fresh pages,
//! readable and writable, owned by one writer, never executable; sealing them
//! consumes them and yields [`SealedCode`], readable and executable, which has
//! no way back to write access. No page is ever writable and executable at
//! once, and no page that holds code is ever made writable again. Several code
//! blobs share a page when they are published together ([`publish`] takes
//! many); code, once sealed, lives for the rest of the process (it is cached
//! per signature, so its total size is bounded by the number of distinct
//! signatures, and freeing it would need proof that no thread is still inside).
//!
//! Writable pages that are never sealed (the data half of a trampoline block)
//! leave this module as atomic words ([`WritablePages::into_words`]): data
//! that stays writable and is never executable.

use std::io;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

use crate::error::Error;

/// The size of a page on x86-64 Linux and Windows.
pub(crate) const PAGE: usize = 4096;

/// Fresh pages, readable and writable and never executable, that only their
/// owner writes to. They become code through [`WritablePages::seal`], or
/// shared data through [`WritablePages::into_words`]; either consumes them.
#[derive(Debug)]
pub(crate) struct WritablePages {
    base: NonNull<u8>,
    len: usize,
}

// SAFETY: the pages are owned by the value alone (no other value or
// reference covers them), so moving it to another thread moves that
// ownership too.
unsafe impl Send for WritablePages {}

impl WritablePages {
    /// An anonymous private mapping of `len` bytes (whole pages), readable
    /// and writable.
    pub(crate) fn map(len: usize) -> Result<WritablePages, Error> {
        assert!(len > 0 && len.is_multiple_of(PAGE), "whole pages, not {len} bytes");
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
        let base = NonNull::new(ptr.cast()).expect("mmap never returns null on success");
        Ok(WritablePages { base, len })
    }

    /// How many bytes the pages span.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The bytes, to write code or data into.
    pub(crate) fn bytes_mut(&mut self) -> &mut [u8] {
        // SAFETY: `base..base + len` is mapped readable and writable (zeroed
        // by the kernel, so initialised) and owned by `self` alone; the
        // borrow of `self` keeps it exclusive.
        unsafe { std::slice::from_raw_parts_mut(self.base.as_ptr(), self.len) }
    }

    /// Splits off the first `at` bytes (whole pages) from the rest.
    pub(crate) fn split_at(self, at: usize) -> (WritablePages, WritablePages) {
        assert!(at > 0 && at < self.len && at.is_multiple_of(PAGE), "split at {at} of {} bytes", self.len);
        // SAFETY: `at < len`, so the second part starts inside the mapping.
        let rest = unsafe { self.base.add(at) };
        (WritablePages { base: self.base, len: at }, WritablePages { base: rest, len: self.len - at })
    }

    /// Makes the pages read + execute, for good.
    pub(crate) fn seal(self) -> Result<SealedCode, Error> {
        // SAFETY: `self` owns these whole pages; dropping write permission
        // cannot invalidate a Rust reference because `self` is consumed and
        // `bytes_mut` borrows ended with it.
        let rc = unsafe { libc::mprotect(self.base.as_ptr().cast(), self.len, libc::PROT_READ | libc::PROT_EXEC) };
        if rc != 0 {
            // The pages stay writable and are leaked: nothing was published.
            return Err(Error::ExecutableMemory(io::Error::last_os_error()));
        }
        Ok(SealedCode { base: self.base, len: self.len })
    }

    /// The pages as data words that stay writable (never executable) for the
    /// rest of the process, accessed only atomically: they may be shared
    /// with any thread, and with code that reads them.
    pub(crate) fn into_words(self) -> &'static [AtomicPtr<()>] {
        // SAFETY: the pages are owned, mapped for good (never unmapped),
        // zeroed or written through `bytes_mut` only (whose borrows ended),
        // page-aligned, and `AtomicPtr<()>` is a word any bit pattern of
        // which is valid.
        unsafe { std::slice::from_raw_parts(self.base.as_ptr().cast(), self.len / size_of::<AtomicPtr<()>>()) }
    }
}

/// Pages of machine code, read + execute for the rest of the process: never
/// unmapped, never writable again (no method of this type changes that).
#[derive(Clone, Copy, Debug)]
pub(crate) struct SealedCode {
    base: NonNull<u8>,
    len: usize,
}

// SAFETY: sealed code is immutable and lives for the process; sharing its
// address between threads shares nothing writable.
unsafe impl Send for SealedCode {}
// SAFETY: as above.
unsafe impl Sync for SealedCode {}

impl SealedCode {
    /// The address `offset` bytes into the code.
    pub(crate) fn at(&self, offset: usize) -> *const u8 {
        assert!(offset < self.len, "offset {offset} outside {} bytes of code", self.len);
        // SAFETY: `offset < len`, inside the mapping.
        unsafe { self.base.as_ptr().add(offset) }.cast_const()
    }
}

/// Fresh pages for code: reserved a megabyte at a time (readable and
/// writable, never executable), handed out whole pages at a time, each
/// publication sealed on its own. Reserving saves an `mmap` per publication;
/// untouched pages cost no memory.
static RESERVOIR: Mutex<Option<WritablePages>> = Mutex::new(None);
const RESERVE: usize = 256 * PAGE;

/// Takes `len` bytes (whole pages) of fresh pages from the reservoir,
/// reserving more when it runs short (the short remainder is left unused).
fn reserve(len: usize) -> Result<WritablePages, Error> {
    let mut reservoir = RESERVOIR.lock().unwrap_or_else(PoisonError::into_inner);
    let pages = match reservoir.take() {
        Some(pages) if pages.len() >= len => pages,
        _ => WritablePages::map(len.max(RESERVE))?,
    };
    if pages.len() == len {
        return Ok(pages);
    }
    let (taken, rest) = pages.split_at(len);
    *reservoir = Some(rest);
    Ok(taken)
}

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
    let mut pages = reserve(len.max(1).next_multiple_of(PAGE))?;
    let bytes = pages.bytes_mut();
    for (blob, &offset) in blobs.iter().zip(&offsets) {
        bytes[offset..offset + blob.len()].copy_from_slice(blob);
    }
    let code = pages.seal()?;
    PUBLISHED.fetch_add(blobs.iter().map(|b| b.len()).sum::<usize>(), Ordering::Relaxed);
    Ok(offsets.iter().map(|&o| code.at(o)).collect())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_code_runs_what_was_written() {
        let mut pages = WritablePages::map(PAGE).unwrap();
        pages.bytes_mut()[..6].copy_from_slice(&[0xB8, 42, 0, 0, 0, 0xC3]); // mov eax, 42; ret
        let code = pages.seal().unwrap();
        // SAFETY: the code is `mov eax, 42; ret`, a complete function.
        let f: extern "sysv64" fn() -> i32 = unsafe { std::mem::transmute(code.at(0)) };
        assert_eq!(f(), 42);
    }

    #[test]
    fn split_pages_are_adjacent_and_distinct() {
        let (mut a, mut b) = WritablePages::map(3 * PAGE).unwrap().split_at(PAGE);
        assert_eq!((a.len(), b.len()), (PAGE, 2 * PAGE));
        assert_eq!(a.bytes_mut().as_ptr_range().end, b.bytes_mut().as_ptr());
        b.bytes_mut()[0] = 7;
        assert_eq!(a.bytes_mut()[PAGE - 1], 0);
        let words = b.into_words();
        assert_eq!(words.len(), 2 * PAGE / 8);
        assert_eq!(words[0].load(Ordering::Relaxed).addr(), 7);
    }

    #[test]
    fn publication_packs_blobs_16_byte_aligned() {
        let addrs = publish(&[&[0xC3], &[0x90, 0xC3]]).unwrap();
        assert_eq!(addrs[1].addr() - addrs[0].addr(), 16);
        // SAFETY: the published pages are readable.
        assert_eq!(unsafe { *addrs[1] }, 0x90);
    }
}
