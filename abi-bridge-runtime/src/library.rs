//! Loading shared objects and resolving their symbols, with errors that name
//! the library and the symbol at fault.

use core::ffi::c_void;
use std::ffi::OsStr;
use std::path::Path;

use crate::error::Error;

/// An open shared object, and the name it was opened under (for messages).
///
/// `#[foreign_abi(.., library = Name)]` uses it; it is also the way to look
/// up symbols for [`Thunk`](crate::Thunk)s made at run time.
///
/// ```
/// use abi_bridge_runtime::{Conv, Error, Library, Signature, Thunk};
///
/// // SAFETY: the C library's math library has no initialisers to fear.
/// let libm = unsafe { Library::open("libm.so.6")? };
/// let cos = libm.symbol("cos")?;
/// // The math library is sysv64 code; win64 code could call it through this:
/// let for_win64 = Thunk::new(Conv::Win64, Conv::SysV64, &Signature::of::<fn(f64) -> f64>(), cos)?;
/// // SAFETY: the thunk is callable as win64 with `cos`'s signature.
/// let f: extern "win64" fn(f64) -> f64 = unsafe { core::mem::transmute(for_win64.entry()) };
/// assert_eq!(f(0.0), 1.0);
///
/// match libm.symbol("abi_bridge_no_such_symbol") {
///     Err(Error::MissingSymbol { name, library, .. }) => {
///         assert_eq!((name.as_str(), library.as_str()), ("abi_bridge_no_such_symbol", "libm.so.6"))
///     }
///     other => panic!("{other:?}"),
/// }
/// # Ok::<(), Error>(())
/// ```
#[derive(Debug)]
pub struct Library {
    lib: libloading::Library,
    name: String,
}

impl Library {
    /// Opens the shared object at `path` (searched as the platform loader does
    /// when it has no path separator).
    ///
    /// # Safety
    ///
    /// Opening a library runs its initialisation routines, which may do
    /// anything; the caller vouches for the library.
    ///
    /// # Errors
    ///
    /// [`Error::LoadLibrary`], with the loader's own message as `source()`.
    pub unsafe fn open(path: impl AsRef<OsStr>) -> Result<Library, Error> {
        let path = path.as_ref();
        // SAFETY: the caller vouches for the library's initialisers.
        let lib = unsafe { libloading::Library::new(path) }
            .map_err(|e| Error::LoadLibrary { path: path.into(), source: Box::new(PlatformMessage::from(e)) })?;
        Ok(Library { lib, name: Path::new(path).display().to_string() })
    }

    /// Wraps a library the caller opened itself.
    pub fn from_libloading(lib: libloading::Library, name: impl Into<String>) -> Library {
        Library { lib, name: name.into() }
    }

    /// The name the library was opened under.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The address of the exported symbol `name`.
    ///
    /// # Errors
    ///
    /// [`Error::MissingSymbol`] naming the symbol and this library.
    pub fn symbol(&self, name: &str) -> Result<*const c_void, Error> {
        // SAFETY: the symbol is only read as an address, never called or
        // dereferenced here.
        let sym = unsafe { self.lib.get::<*const c_void>(name.as_bytes()) };
        match sym {
            Ok(sym) => Ok(*sym),
            Err(e) => Err(Error::MissingSymbol {
                name: name.to_owned(),
                library: self.name.clone(),
                source: Some(Box::new(PlatformMessage::from(e))),
            }),
        }
    }
}

/// The platform loader's own words (dlerror's text), as the last link of the
/// `source()` chain. libloading's own error would add a link saying only
/// "dlopen failed" and then repeat the same words, so it is not kept.
#[derive(Debug)]
struct PlatformMessage(String);

impl From<libloading::Error> for PlatformMessage {
    fn from(error: libloading::Error) -> Self {
        let mut message = error.to_string();
        let mut source = std::error::Error::source(&error);
        while let Some(s) = source {
            message = s.to_string();
            source = s.source();
        }
        PlatformMessage(message)
    }
}

impl std::fmt::Display for PlatformMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PlatformMessage {}
