//! How a host configures a load: its own imports over the built-ins,
//! strictness, and where dependent DLLs are looked for.

use core::ffi::c_void;
use std::any::Any;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use super::imports::ImportName;
use super::loader::module_key;
use crate::{Callback, CallbackFn, Conv, ForeignType, Scalar, Win64};

/// How to load a PE DLL: host-provided imports (over the built-in kernel32
/// and C runtime), strict import binding, and extra folders for dependent
/// DLLs. Moved into the loaded library, which keeps it (and the callbacks it
/// owns) alive as long as the DLL is loaded.
///
/// ```no_run
/// use abi_bridge_runtime::pe::LoadOptions;
/// use abi_bridge_runtime::{Callback, Library, Win64};
///
/// extern "win64" fn message_box(_owner: *mut u8, text: *const u8, _title: *const u8, _kind: u32) -> i32 {
///     // SAFETY: the DLL passes a NUL-terminated string.
///     println!("{}", unsafe { std::ffi::CStr::from_ptr(text.cast()) }.to_string_lossy());
///     1
/// }
///
/// let beeps = Callback::<fn(u32, u32) -> i32, Win64>::new(Win64, |hz, ms| {
///     println!("beep {hz} Hz for {ms} ms");
///     1
/// })?;
/// let options = LoadOptions::new()
///     .import("user32.dll", "MessageBoxA", message_box as extern "win64" fn(_, _, _, _) -> _)
///     .import_callback("kernel32.dll", "Beep", beeps)
///     .strict(true);
/// // SAFETY: the caller vouches for the DLL.
/// let codec = unsafe { Library::open_with("codec.dll", options)? };
/// # Ok::<(), abi_bridge_runtime::Error>(())
/// ```
#[derive(Clone, Default)]
pub struct LoadOptions {
    imports: Arc<HashMap<(String, ImportKey), HostImport>>,
    strict: bool,
    search_path: Vec<PathBuf>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum ImportKey {
    Name(String),
    Ordinal(u16),
}

impl ImportKey {
    fn of(name: ImportName<'_>) -> ImportKey {
        match name {
            ImportName::Name(n) => ImportKey::Name(n.to_owned()),
            ImportName::Ordinal(n) => ImportKey::Ordinal(n),
        }
    }
}

#[derive(Clone)]
struct HostImport {
    address: usize,
    /// What must live as long as the address is callable (a callback).
    _keep: Option<Arc<dyn Any + Send + Sync>>,
}

impl std::fmt::Debug for LoadOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut imports: Vec<String> = self
            .imports
            .keys()
            .map(|(dll, key)| match key {
                ImportKey::Name(n) => format!("{dll}!{n}"),
                ImportKey::Ordinal(n) => format!("{dll}!#{n}"),
            })
            .collect();
        imports.sort();
        f.debug_struct("LoadOptions")
            .field("imports", &imports)
            .field("strict", &self.strict)
            .field("search_path", &self.search_path)
            .finish()
    }
}

impl LoadOptions {
    /// No host imports, lenient binding, the DLL's own folder as the only
    /// search directory.
    pub fn new() -> LoadOptions {
        LoadOptions::default()
    }

    /// Provides `dll!name` with a Rust function written with the win64
    /// convention. Any other function pointer is a compile error: the DLL
    /// would call it with win64's registers.
    pub fn import<F: ForeignType + Copy>(self, dll: &str, name: &str, f: F) -> LoadOptions {
        const {
            assert!(
                matches!(F::DESC.as_scalar(), Some(Scalar::FnPointer(Some(Conv::Win64)))),
                "LoadOptions::import takes an `extern \"win64\" fn`: a DLL calls its imports with the win64 convention (use import_callback for a closure)"
            )
        };
        // SAFETY: a function pointer is pointer-sized and `F` is one (checked
        // above); the DLL calls it with the convention it was written for.
        let address = unsafe { core::mem::transmute_copy::<F, usize>(&f) };
        self.insert(dll, ImportName::Name(name), HostImport { address, _keep: None })
    }

    /// Provides `dll!name` with a closure, which the options (and then the
    /// loaded library) own.
    pub fn import_callback<F: CallbackFn>(
        self,
        dll: &str,
        name: &str,
        callback: Callback<'static, F, Win64>,
    ) -> LoadOptions {
        let address = callback.entry() as usize;
        self.insert(dll, ImportName::Name(name), HostImport { address, _keep: Some(Arc::new(callback)) })
    }

    /// Provides `dll!name` (or an ordinal) with any address: a function the
    /// DLL will call with the win64 convention, or data it will read.
    ///
    /// # Safety
    ///
    /// `address` stays valid, and is what the DLL expects, as long as the
    /// library is loaded.
    pub unsafe fn import_address(self, dll: &str, name: ImportName<'_>, address: *const c_void) -> LoadOptions {
        self.insert(dll, name, HostImport { address: address as usize, _keep: None })
    }

    fn insert(mut self, dll: &str, name: ImportName<'_>, import: HostImport) -> LoadOptions {
        Arc::make_mut(&mut self.imports).insert((module_key(dll), ImportKey::of(name)), import);
        self
    }

    /// Strict binding: an import nothing provides fails the load, and the
    /// error lists every such import (by default each gets a trap that names
    /// it when called).
    pub fn strict(mut self, strict: bool) -> LoadOptions {
        self.strict = strict;
        self
    }

    /// Adds a folder searched for dependent DLLs, after the DLL's own.
    pub fn search_path(mut self, dir: impl Into<PathBuf>) -> LoadOptions {
        self.search_path.push(dir.into());
        self
    }

    pub(crate) fn is_strict(&self) -> bool {
        self.strict
    }

    pub(crate) fn search_dirs(&self) -> &[PathBuf] {
        &self.search_path
    }

    /// Whether the host provides any import (meaningless for ELF objects).
    pub(crate) fn has_imports(&self) -> bool {
        !self.imports.is_empty()
    }

    /// The host's import `dll!name` (`dll` already a module key).
    pub(crate) fn host_import(&self, dll_key: &str, name: ImportName<'_>) -> Option<*const c_void> {
        self.imports.get(&(dll_key.to_owned(), ImportKey::of(name))).map(|i| i.address as *const c_void)
    }

    /// Whether the host provides anything from `dll_key`.
    pub(crate) fn provides_dll(&self, dll_key: &str) -> bool {
        self.imports.keys().any(|(dll, _)| dll == dll_key)
    }
}
