//! Windows PE DLLs loaded into this Linux process, without Wine: the image
//! is mapped and relocated here ([`map`]), its imports bound to built-in
//! Win32 and C runtime implementations or the host's own ([`imports`],
//! [`builtins`], [`LoadOptions`]), its TLS and initialisers run, and each
//! thread that calls in gets a TEB in `%gs` ([`teb`]).
//!
//! [`Library::open`](crate::Library::open) recognises a PE image by its
//! content, so `#[foreign_abi(win64, library = Name)]` reaches DLL exports
//! with the same API as ELF objects, and `Name::load_with(path, options)`
//! adds the host's imports:
//!
//! ```no_run
//! use abi_bridge_runtime::Library;
//!
//! // SAFETY: the caller vouches for the DLL, whose initialisers run here.
//! let codec = unsafe { Library::open("codec.dll")? };
//! let decode = codec.symbol("decode_frame")?; // a win64 function
//! # Ok::<(), abi_bridge_runtime::Error>(())
//! ```
//!
//! [`PeImage`] reads an image without loading it (its sections, imports,
//! exports, relocations and TLS directory).

mod builtins;
mod error;
mod image;
pub(crate) mod imports;
pub(crate) mod loader;
mod map;
mod options;
pub(crate) mod teb;
mod trap;

pub use error::PeError;
pub use image::{ExportEntry, ExportedTarget, ImportEntry, ImportedSymbol, PeImage, Relocation, Section, TlsDirectory};
pub use imports::ImportName;
pub use map::live_image_bytes;
pub use options::LoadOptions;

/// Maps, relocates and binds the image `data` as a load of `path` would,
/// and unloads it, without running any of its code (no TLS callbacks, no
/// entry point, no dependency's either): for the loader's fuzzing tests.
#[doc(hidden)]
pub fn __map_without_running(path: &std::path::Path, data: &[u8]) -> Result<(), crate::Error> {
    loader::load_image(path, data, LoadOptions::new(), false).map(drop)
}

/// How many calls through gates took the slow path, and whether gates have
/// a fast path at all on this machine: for the test that pins it.
#[doc(hidden)]
pub fn __gate_slow_entries() -> (usize, bool) {
    (teb::slow_entries(), teb::gates_are_fast())
}

/// Whether `data` starts like a PE image (`MZ`, and `PE\0\0` where the DOS
/// header points): what `Library::open` tells PE files from ELF ones by.
pub fn is_pe(data: &[u8]) -> bool {
    let Some(offset) = data.get(0x3c..0x40) else { return false };
    let offset = u32::from_le_bytes(offset.try_into().expect("four bytes")) as usize;
    data.starts_with(b"MZ") && data.get(offset..offset.saturating_add(4)) == Some(b"PE\0\0")
}
