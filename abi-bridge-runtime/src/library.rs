//! Loading shared objects and resolving their symbols, with errors that name
//! the library and the symbol at fault.

use core::ffi::c_void;
use std::ffi::OsStr;
use std::path::Path;

use crate::error::Error;

/// An open shared object, and the name it was opened under (for messages).
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
