//! Why a PE image cannot be loaded.

use std::path::PathBuf;

/// Why a PE image cannot be loaded: the `source()` of
/// [`Error::LoadLibrary`](crate::Error::LoadLibrary) for a PE file, so a
/// caller can match on the reason:
///
/// ```
/// use abi_bridge_runtime::{pe::PeError, Error, Library};
///
/// // A DOS header pointing at a PE signature, and nothing after it.
/// let mut bytes = vec![0u8; 0x44];
/// bytes[..2].copy_from_slice(b"MZ");
/// bytes[0x3c] = 0x40;
/// bytes[0x40..].copy_from_slice(b"PE\0\0");
/// let path = std::env::temp_dir().join("abi-bridge-doc-truncated.dll");
/// std::fs::write(&path, &bytes)?;
/// // SAFETY: nothing of it runs: it is rejected while parsing.
/// let err = unsafe { Library::open(&path) }.unwrap_err();
/// let reason = std::error::Error::source(&err).and_then(|s| s.downcast_ref::<PeError>());
/// assert!(matches!(reason, Some(PeError::Malformed { .. })), "{err:?}");
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PeError {
    /// The headers or a table do not hold together (truncated, out of the
    /// file or the image, inconsistent counts): `object`'s or our words.
    #[error("malformed PE image: {what}")]
    Malformed {
        /// What is wrong, and where.
        what: String,
    },

    /// A PE image for another processor.
    #[error("the image is for machine {machine:#06x}, not AMD64 (0x8664)")]
    NotAmd64 {
        /// `IMAGE_FILE_HEADER.Machine`.
        machine: u16,
    },

    /// An executable, not a DLL (`IMAGE_FILE_DLL` is clear).
    #[error("the image is not a DLL (IMAGE_FILE_DLL is not set)")]
    NotDll,

    /// A size no DLL has (the image, a section, a table).
    #[error("absurd size: {what} is {size:#x} bytes")]
    AbsurdSize {
        /// What has that size.
        what: String,
        /// The size.
        size: u64,
    },

    /// A section that lies outside the image or overlaps another.
    #[error("section `{section}` {problem}")]
    BadSection {
        /// The section's name.
        section: String,
        /// What is wrong with its placement.
        problem: String,
    },

    /// A section that asks to be writable and executable at once, which
    /// abi-bridge never maps.
    #[error("section `{section}` is both writable and executable; abi-bridge never maps such pages")]
    WritableExecutable {
        /// The section's name.
        section: String,
    },

    /// A base relocation of a kind other than `DIR64` and `ABSOLUTE`.
    #[error("unsupported base relocation type {kind} at RVA {rva:#x} (an AMD64 DLL has only DIR64 and ABSOLUTE)")]
    UnsupportedRelocation {
        /// The relocation type (`IMAGE_REL_BASED_*`).
        kind: u16,
        /// Where it applies.
        rva: u32,
    },

    /// A base relocation whose 8 bytes are not inside the image.
    #[error("base relocation at RVA {rva:#x} lies outside the image")]
    RelocationOutOfImage {
        /// Where it claims to apply.
        rva: u32,
    },

    /// A DLL this one imports from, found nowhere the loader looked.
    #[error("dependency `{dll}` not found (looked in {})", display_paths(searched))]
    MissingDependency {
        /// The imported DLL's name.
        dll: String,
        /// The folders searched.
        searched: Vec<PathBuf>,
    },

    /// A DLL that imports from itself, or a chain of imports that comes back
    /// to a DLL still being loaded.
    #[error("import cycle: {chain}")]
    ImportCycle {
        /// The DLLs, in the order they import each other.
        chain: String,
    },

    /// An export that forwards to itself, directly or through others.
    #[error("forwarder loop: {chain}")]
    ForwarderLoop {
        /// The forwarders, in order.
        chain: String,
    },

    /// Imports nothing provides, with strict loading
    /// ([`LoadOptions::strict`](super::LoadOptions::strict)).
    #[error("unresolved imports: {}", imports.join(", "))]
    UnresolvedImports {
        /// Each as `DLL!symbol` (or `DLL!#ordinal`).
        imports: Vec<String>,
    },

    /// The DLL's entry point returned FALSE for `DLL_PROCESS_ATTACH`.
    #[error("DllMain of `{dll}` returned FALSE for DLL_PROCESS_ATTACH")]
    DllMainFailed {
        /// The DLL's name.
        dll: String,
    },

    /// The operating system refused memory for the image.
    #[error("cannot map the image: {0}")]
    Map(#[source] std::io::Error),
}

fn display_paths(paths: &[PathBuf]) -> String {
    let shown: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    shown.join(", ")
}

impl From<object::read::Error> for PeError {
    fn from(error: object::read::Error) -> Self {
        PeError::Malformed { what: error.to_string() }
    }
}
