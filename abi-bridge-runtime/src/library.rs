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
                source: Some(Box::new(e)),
            }),
        }
    }
}

/// The platform loader's own words (dlerror's text), with libloading's error
/// beneath it: libloading's top-level message is only "dlopen failed".
#[derive(Debug)]
struct PlatformMessage {
    message: String,
    inner: libloading::Error,
}

impl From<libloading::Error> for PlatformMessage {
    fn from(inner: libloading::Error) -> Self {
        let mut message = inner.to_string();
        let mut source = std::error::Error::source(&inner);
        while let Some(s) = source {
            message = s.to_string();
            source = s.source();
        }
        PlatformMessage { message, inner }
    }
}

impl std::fmt::Display for PlatformMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for PlatformMessage {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.inner)
    }
}
