//! Loading shared objects (ELF, through the platform loader) and Windows
//! DLLs (PE, through [`pe`](crate::pe)) and resolving their symbols, with
//! errors that name the library and the symbol at fault.

use core::ffi::c_void;
use std::ffi::OsStr;
use std::io::Read;
use std::path::Path;

use crate::error::Error;
use crate::pe::{self, loader, ImportName, LoadOptions};

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
///
/// A Windows DLL (a PE image, recognised by its content) is loaded by
/// abi-bridge's own loader: its imports are bound to the built-in Win32 and C
/// runtime functions (or the host's, with [`Library::open_with`]), its
/// initialisers run, and its exports are reached through gates that give
/// each calling thread a TEB. See [`pe`](crate::pe).
#[derive(Debug)]
pub struct Library {
    lib: Loaded,
    name: String,
}

#[derive(Debug)]
enum Loaded {
    Elf(libloading::Library),
    Pe(loader::ModuleRef),
}

/// The first bytes of `path`, if it is a file that can be read.
fn head(path: &Path) -> Option<Vec<u8>> {
    let mut bytes = Vec::with_capacity(4096);
    std::fs::File::open(path).ok()?.take(4096).read_to_end(&mut bytes).ok()?;
    Some(bytes)
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
        // SAFETY: forwarded.
        unsafe { Library::open_with(path, LoadOptions::new()) }
    }

    /// Opens the shared object or DLL at `path`; for a DLL, `options` add the
    /// host's imports and say how strictly to bind them (see
    /// [`LoadOptions`]). The library keeps the options, and any callbacks
    /// they own, as long as it lives.
    ///
    /// As on Windows, a DLL whose name is already loaded (by this process,
    /// as a library or a dependency) is not loaded again: the library shares
    /// it, with the imports it was first bound to.
    ///
    /// # Safety
    ///
    /// As for [`Library::open`].
    ///
    /// # Errors
    ///
    /// [`Error::LoadLibrary`]: for a DLL its `source()` is a
    /// [`PeError`](crate::pe::PeError) or the I/O error; options with
    /// imports given for an ELF object are an error too (an ELF object's
    /// imports are the platform loader's business).
    pub unsafe fn open_with(path: impl AsRef<OsStr>, options: LoadOptions) -> Result<Library, Error> {
        let path = Path::new(path.as_ref());
        let name = path.display().to_string();
        if head(path).is_some_and(|bytes| pe::is_pe(&bytes)) {
            let module = loader::load(path, options)?;
            return Ok(Library { lib: Loaded::Pe(module), name });
        }
        if options.has_imports() {
            let message = "host imports (LoadOptions::import) apply only to Windows DLLs, and this is not one";
            return Err(Error::LoadLibrary { path: path.into(), source: message.into() });
        }
        // SAFETY: the caller vouches for the library's initialisers.
        let lib = unsafe { libloading::Library::new(path) }
            .map_err(|e| Error::LoadLibrary { path: path.into(), source: Box::new(PlatformMessage::from(e)) })?;
        Ok(Library { lib: Loaded::Elf(lib), name })
    }

    /// Wraps a library the caller opened itself.
    pub fn from_libloading(lib: libloading::Library, name: impl Into<String>) -> Library {
        Library { lib: Loaded::Elf(lib), name: name.into() }
    }

    /// Whether this is a Windows DLL loaded by abi-bridge's PE loader.
    pub fn is_pe(&self) -> bool {
        matches!(self.lib, Loaded::Pe(_))
    }

    /// A DLL's export by ordinal (forwarders followed).
    ///
    /// # Errors
    ///
    /// [`Error::MissingSymbol`] if there is no such export, or this is not a
    /// DLL (ELF objects have no ordinals).
    pub fn symbol_by_ordinal(&self, ordinal: u16) -> Result<*const c_void, Error> {
        let found = match &self.lib {
            Loaded::Pe(module) => module.symbol(ImportName::Ordinal(ordinal))?,
            Loaded::Elf(_) => None,
        };
        found.ok_or_else(|| Error::MissingSymbol {
            name: format!("#{ordinal}"),
            library: self.name.clone(),
            source: None,
        })
    }

    /// The name the library was opened under.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The address of the exported symbol `name`. For a DLL's function it
    /// is a gate in front of it, callable with win64 from any thread (the
    /// gate gives the thread its TEB; see [`pe`](crate::pe)).
    ///
    /// # Errors
    ///
    /// [`Error::MissingSymbol`] naming the symbol and this library.
    pub fn symbol(&self, name: &str) -> Result<*const c_void, Error> {
        let lib = match &self.lib {
            Loaded::Elf(lib) => lib,
            Loaded::Pe(module) => {
                return module.symbol(ImportName::Name(name))?.ok_or_else(|| Error::MissingSymbol {
                    name: name.to_owned(),
                    library: self.name.clone(),
                    source: None,
                });
            }
        };
        // SAFETY: the symbol is only read as an address, never called or
        // dereferenced here.
        let sym = unsafe { lib.get::<*const c_void>(name.as_bytes()) };
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
