//! SKELETON (environment engineer): how a host configures a load.

use std::path::PathBuf;

/// How to load a PE DLL: host-provided imports (over the built-ins), strict
/// import binding, and where dependent DLLs are looked for.
#[derive(Default)]
pub struct LoadOptions {
    strict: bool,
    search_path: Vec<PathBuf>,
}

impl LoadOptions {
    /// No host imports, lenient binding, the DLL's own folder as the only
    /// search directory.
    pub fn new() -> LoadOptions {
        LoadOptions::default()
    }

    /// Strict binding: an import nothing provides fails the load, and the
    /// error lists every such import (the default traps them instead).
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
}
