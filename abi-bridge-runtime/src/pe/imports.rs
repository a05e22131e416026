//! The import environment of one load: the host's imports, then the
//! built-ins, keyed by case-insensitive DLL name (`KERNEL32.dll`,
//! `kernel32`, the `api-ms-win-crt-*` sets) and symbol or ordinal.

use core::ffi::c_void;

use super::builtins;
use super::loader::module_key;
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
    /// Neither the host nor the built-ins provide that DLL: the loader looks
    /// for it on its search path.
    DllNotProvided,
    /// The DLL is provided, this symbol is not.
    Missing,
}

/// The imports one load resolves against.
pub(crate) struct ImportEnv<'a> {
    options: &'a LoadOptions,
}

impl<'a> ImportEnv<'a> {
    /// The environment of one load: `options`' imports over the built-ins.
    pub(crate) fn new(options: &'a LoadOptions) -> ImportEnv<'a> {
        ImportEnv { options }
    }

    /// Resolves `dll!name`.
    pub(crate) fn resolve(&self, dll: &str, name: ImportName<'_>) -> Resolved {
        let key = module_key(dll);
        if let Some(address) = self.options.host_import(&key, name) {
            return Resolved::Address(address);
        }
        let Some(table) = builtins::dll(&key) else {
            return if self.options.provides_dll(&key) { Resolved::Missing } else { Resolved::DllNotProvided };
        };
        match name {
            ImportName::Name(n) => table.get(n).map_or(Resolved::Missing, Resolved::Address),
            ImportName::Ordinal(_) => Resolved::Missing,
        }
    }
}
