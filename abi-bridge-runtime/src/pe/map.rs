//! An image in memory: address space reserved for `SizeOfImage`, the
//! headers and sections copied in, base relocations applied, and then each
//! section given its own protection. Until [`Mapping::protect`] the whole
//! image is readable and writable, never executable; after it, no page is
//! ever writable and executable, and no executable page is made writable
//! again. Dropping the mapping unmaps it, so an error at any step leaves
//! nothing behind.

use std::sync::atomic::{AtomicUsize, Ordering};

use object::pe;

use super::error::PeError;
use super::image::{PeImage, Section};
use crate::memory::PAGE;

/// Bytes of address space held by live image mappings, process-wide: the
/// tests check that every failed load gives all of it back.
static LIVE_BYTES: AtomicUsize = AtomicUsize::new(0);

/// Bytes of address space held by loaded (or loading) PE images.
pub fn live_image_bytes() -> usize {
    LIVE_BYTES.load(Ordering::SeqCst)
}

/// An image's address space, owned: unmapped on drop.
#[derive(Debug)]
pub(crate) struct Mapping {
    base: *mut u8,
    len: usize,
}

// SAFETY: the mapping is plain memory owned by this value; which thread
// unmaps it does not matter.
unsafe impl Send for Mapping {}
// SAFETY: shared references only read the base and length.
unsafe impl Sync for Mapping {}

fn round_up(n: u64) -> u64 {
    n.div_ceil(PAGE as u64) * PAGE as u64
}

impl Mapping {
    /// Reserves the image's address space (at its preferred base when that
    /// is free), readable and writable, copies the headers and the
    /// sections' file bytes in (the rest is zero) and applies the base
    /// relocations for wherever it landed.
    pub(crate) fn new(image: &PeImage<'_>) -> Result<Mapping, PeError> {
        let len = round_up(u64::from(image.size_of_image())) as usize;
        let mapping = Mapping::reserve(image.preferred_base(), len)?;
        let data = image.data();
        // SAFETY: `mapping` owns `len` writable bytes; the parser checked
        // that the headers and every section's file bytes lie inside both
        // the file and the image.
        unsafe {
            let headers = image.size_of_headers() as usize;
            core::ptr::copy_nonoverlapping(data.as_ptr(), mapping.base, headers.min(data.len()));
            for s in image.sections() {
                let n = s.file_size.min(s.virtual_size.max(s.file_size)) as usize;
                if n > 0 {
                    let from = data.as_ptr().add(s.file_offset as usize);
                    core::ptr::copy_nonoverlapping(from, mapping.base.add(s.rva as usize), n);
                }
            }
        }
        mapping.relocate(image)?;
        Ok(mapping)
    }

    fn reserve(preferred: u64, len: usize) -> Result<Mapping, PeError> {
        let prot = libc::PROT_READ | libc::PROT_WRITE;
        let flags = libc::MAP_PRIVATE | libc::MAP_ANONYMOUS;
        // SAFETY: an anonymous mapping; MAP_FIXED_NOREPLACE never replaces
        // an existing one, it fails (or, on kernels before 4.17, returns
        // another address, which is unmapped below).
        let at = unsafe { libc::mmap(preferred as *mut _, len, prot, flags | libc::MAP_FIXED_NOREPLACE, -1, 0) };
        let base = if at != libc::MAP_FAILED && at as u64 == preferred {
            at
        } else {
            if at != libc::MAP_FAILED {
                // SAFETY: the mapping just made, not at the preferred base.
                unsafe { libc::munmap(at, len) };
            }
            // SAFETY: an anonymous mapping anywhere.
            let anywhere = unsafe { libc::mmap(core::ptr::null_mut(), len, prot, flags, -1, 0) };
            if anywhere == libc::MAP_FAILED {
                return Err(PeError::Map(std::io::Error::last_os_error()));
            }
            anywhere
        };
        LIVE_BYTES.fetch_add(len, Ordering::SeqCst);
        Ok(Mapping { base: base.cast(), len })
    }

    /// The actual base address.
    pub(crate) fn base(&self) -> *mut u8 {
        self.base
    }

    /// The address of `rva`, if `rva + len` is inside the image.
    pub(crate) fn at(&self, rva: u32, len: usize) -> Option<*mut u8> {
        let end = (rva as usize).checked_add(len)?;
        // SAFETY: `rva` is inside the mapping.
        (end <= self.len).then(|| unsafe { self.base.add(rva as usize) })
    }

    /// Whether `addr .. addr + len` lies inside the image.
    pub(crate) fn contains(&self, addr: usize, len: usize) -> bool {
        let base = self.base as usize;
        addr >= base && addr.checked_add(len).is_some_and(|end| end <= base + self.len)
    }

    fn relocate(&self, image: &PeImage<'_>) -> Result<(), PeError> {
        let delta = (self.base as u64).wrapping_sub(image.preferred_base());
        if delta == 0 {
            return Ok(());
        }
        for r in image.relocations()? {
            match r.kind {
                k if k == pe::IMAGE_REL_BASED_ABSOLUTE.0 => {}
                k if k == pe::IMAGE_REL_BASED_DIR64.0 => {
                    let slot = self.at(r.rva, 8).ok_or(PeError::RelocationOutOfImage { rva: r.rva })?;
                    // SAFETY: 8 bytes inside the (still writable) mapping,
                    // not necessarily aligned.
                    unsafe {
                        slot.cast::<u64>().write_unaligned(slot.cast::<u64>().read_unaligned().wrapping_add(delta))
                    };
                }
                kind => return Err(PeError::UnsupportedRelocation { kind, rva: r.rva }),
            }
        }
        Ok(())
    }

    /// Gives the headers read-only protection and each section its own:
    /// R, RW or RX (the parser rejected W+X), discardable sections and the
    /// gaps between sections none. Pages shared by two sections (images
    /// with a section alignment below the page size) get the union, and a
    /// union that would be writable and executable is an error.
    pub(crate) fn protect(&self, image: &PeImage<'_>) -> Result<(), PeError> {
        let pages = self.len / PAGE;
        let mut prot = vec![libc::PROT_NONE; pages];
        let headers_end = round_up(u64::from(image.size_of_headers())) as usize / PAGE;
        prot[..headers_end.min(pages)].fill(libc::PROT_READ);
        let mut names: Vec<Option<String>> = vec![None; pages];
        for s in image.sections() {
            let wanted = section_protection(&s);
            if wanted == libc::PROT_NONE {
                continue;
            }
            let first = s.rva as usize / PAGE;
            let last =
                (round_up(u64::from(s.rva) + u64::from(s.virtual_size.max(s.file_size))) as usize / PAGE).min(pages);
            for page in first..last {
                prot[page] |= wanted;
                if prot[page] & libc::PROT_WRITE != 0 && prot[page] & libc::PROT_EXEC != 0 {
                    return Err(PeError::WritableExecutable { section: names[page].clone().unwrap_or(s.name.clone()) });
                }
                names[page] = Some(s.name.clone());
            }
        }
        let mut page = 0;
        while page < pages {
            let run = prot[page..].iter().take_while(|&&p| p == prot[page]).count();
            // SAFETY: whole pages of this mapping; it is never executable
            // and writable at once, and nothing has run from it yet.
            let rc = unsafe { libc::mprotect(self.base.add(page * PAGE).cast(), run * PAGE, prot[page]) };
            if rc != 0 {
                return Err(PeError::Map(std::io::Error::last_os_error()));
            }
            page += run;
        }
        Ok(())
    }
}

/// The protection a section asks for, as mapped here.
fn section_protection(s: &Section) -> libc::c_int {
    if s.discardable() {
        libc::PROT_NONE
    } else if s.executable() {
        libc::PROT_READ | libc::PROT_EXEC
    } else if s.writable() {
        libc::PROT_READ | libc::PROT_WRITE
    } else {
        libc::PROT_READ
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: the mapping this value owns; nothing refers into it once
        // its module is gone.
        unsafe { libc::munmap(self.base.cast(), self.len) };
        LIVE_BYTES.fetch_sub(self.len, Ordering::SeqCst);
    }
}
