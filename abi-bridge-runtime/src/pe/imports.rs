//! SKELETON (environment engineer): the import environment: user imports,
//! then built-ins, keyed by case-insensitive DLL name and symbol or ordinal.

use core::ffi::c_void;

use super::options::LoadOptions;

/// What an import names in its DLL: a symbol, or an ordinal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ImportName<'a> {
    /// By name, e.g. `"GetLastError"`.
    Name(&'a str),
    /// By ordinal.
    Ordinal(u16),
}

/// How the environment answers one import.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Resolved {
    /// A win64-callable address (or a data address, for data imports).
    Address(*const c_void),
    /// The environment knows no DLL of that name: the loader looks for the
    /// DLL on its search path and loads it.
    DllNotProvided,
    /// The environment provides that DLL but not this symbol.
    Missing,
}

/// The imports one load resolves against.
pub(crate) struct ImportEnv {
    _private: (),
}

impl ImportEnv {
    /// The environment of one load: `options`' imports over the built-ins.
    pub(crate) fn new(options: &LoadOptions) -> ImportEnv {
        let _ = options;
        unimplemented!("environment engineer")
    }

    /// Resolves `dll!name`.
    pub(crate) fn resolve(&self, dll: &str, name: ImportName<'_>) -> Resolved {
        let _ = (dll, name);
        unimplemented!("environment engineer")
    }
}
