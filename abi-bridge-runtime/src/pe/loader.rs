//! Loading a DLL: its dependencies, its imports bound, its TLS, its
//! initialisers (TLS callbacks, then the entry point), and the process-wide
//! registry of loaded modules that `GetModuleHandle`, `GetProcAddress`,
//! `LoadLibrary` and each thread's attach and detach go through.
//!
//! One loader lock serialises loading, unloading and thread attach/detach,
//! as Windows' does; it is reentrant on one thread, because a `DllMain` may
//! load another DLL.

use core::ffi::c_void;
use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};

use super::error::PeError;
use super::image::{ExportedTarget, ImportedSymbol, PeImage, TlsDirectory};
use super::imports::{ImportEnv, ImportName, Resolved};
use super::map::Mapping;
use super::options::LoadOptions;
use super::{teb, trap};
use crate::Error;

const DLL_PROCESS_DETACH: u32 = 0;
const DLL_PROCESS_ATTACH: u32 = 1;
const DLL_THREAD_ATTACH: u32 = 2;
const DLL_THREAD_DETACH: u32 = 3;

/// How many modules with TLS directories may be loaded at once: each
/// thread's TLS array has this many slots and never moves.
const TLS_SLOTS: usize = 256;

/// `DllMain` and TLS callbacks: `(module, reason, reserved)`.
type EntryPoint = unsafe extern "win64" fn(*mut c_void, u32, *mut c_void) -> i32;
type TlsCallback = unsafe extern "win64" fn(*mut c_void, u32, *mut c_void);

/// A loaded DLL. Dropping the last reference detaches and unmaps it.
pub(crate) struct Module {
    /// The file name it was found under (`pe_crt.dll`).
    name: String,
    /// [`module_key`] of the name.
    key: String,
    /// Where it was loaded from.
    path: PathBuf,
    mapping: Mapping,
    /// The executable sections' address ranges: exports there are code,
    /// which gets a gate; others are data, handed out as they are.
    code: Vec<std::ops::Range<usize>>,
    by_name: HashMap<String, ExportedTarget>,
    by_ordinal: HashMap<u32, ExportedTarget>,
    entry: Option<EntryPoint>,
    tls: Option<ModuleTls>,
    /// The DLLs it imports from, kept loaded while it is (released when it
    /// is unloaded).
    dependencies: Mutex<Vec<ModuleRef>>,
    /// How many handles ([`ModuleRef`]s) keep it loaded.
    handles: AtomicUsize,
    /// The host's imports (they may own callbacks the DLL calls).
    options: LoadOptions,
    attached: AtomicBool,
    gates: Mutex<HashMap<usize, usize>>,
}

struct ModuleTls {
    slot: usize,
    template: Vec<u8>,
    zero_fill: usize,
    callbacks: Vec<TlsCallback>,
}

impl std::fmt::Debug for Module {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Module").field("name", &self.name).field("base", &self.mapping.base()).finish()
    }
}

/// The name Windows compares module names by: lower case, no folder, no
/// `.dll`.
pub(crate) fn module_key(name: &str) -> String {
    let file = name.rsplit(['/', '\\']).next().unwrap_or(name).to_ascii_lowercase();
    match file.strip_suffix(".dll") {
        Some(stem) => stem.to_owned(),
        None => file,
    }
}

// ---------------------------------------------------------------- the lock

static LOADER_LOCK: Mutex<()> = Mutex::new(());

thread_local! {
    static LOCK_DEPTH: Cell<usize> = const { Cell::new(0) };
    /// The DLLs this thread is loading, outermost first (cycle detection).
    static LOADING: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

/// The loader lock, held by this thread (taken if it did not hold it).
struct LoaderLock {
    _guard: Option<MutexGuard<'static, ()>>,
}

fn loader_lock() -> LoaderLock {
    let depth = LOCK_DEPTH.with(|d| d.get());
    // A poisoned lock only means a panic elsewhere; the state it guards is
    // the registry, which stays consistent.
    let guard = (depth == 0).then(|| LOADER_LOCK.lock().unwrap_or_else(|e| e.into_inner()));
    LOCK_DEPTH.with(|d| d.set(depth + 1));
    LoaderLock { _guard: guard }
}

impl Drop for LoaderLock {
    fn drop(&mut self) {
        LOCK_DEPTH.with(|d| d.set(d.get() - 1));
    }
}

// ------------------------------------------------------------ the registry

struct Registry {
    modules: Vec<Weak<Module>>,
    /// References taken by `LoadLibrary`, one per call, dropped by `FreeLibrary`.
    by_load_library: Vec<ModuleRef>,
    /// Each thread with a TEB: its TLS array (boxed, so it never moves).
    threads: BTreeMap<usize, Box<[*mut u8; TLS_SLOTS]>>,
    tls_slots_used: [bool; TLS_SLOTS],
}

// SAFETY: the raw pointers are TLS blocks owned by the registry, only
// touched under its mutex (or by their own thread's PE code).
unsafe impl Send for Registry {}

static REGISTRY: Mutex<Registry> = Mutex::new(Registry {
    modules: Vec::new(),
    by_load_library: Vec::new(),
    threads: BTreeMap::new(),
    tls_slots_used: [false; TLS_SLOTS],
});

fn registry() -> MutexGuard<'static, Registry> {
    REGISTRY.lock().unwrap_or_else(|e| e.into_inner())
}

fn loaded_modules() -> Vec<Arc<Module>> {
    registry().modules.iter().filter_map(Weak::upgrade).collect()
}

fn find_loaded(key: &str) -> Option<Arc<Module>> {
    loaded_modules().into_iter().find(|m| m.key == key)
}

// ------------------------------------------------------------------ loading

/// Loads the DLL at `path` (or returns the loaded module of that name) and
/// runs its initialisers.
pub(crate) fn load(path: &Path, options: LoadOptions) -> Result<ModuleRef, Error> {
    load_with_init(path, options, true)
}

/// [`load`], optionally stopping before any of the image's code runs (for
/// the mutation test, whose corrupt images must not be run).
pub(crate) fn load_with_init(path: &Path, options: LoadOptions, run_init: bool) -> Result<ModuleRef, Error> {
    let _lock = loader_lock();
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    if let Some(loaded) = find_loaded(&module_key(&name)) {
        return Ok(ModuleRef::acquire(loaded));
    }
    let data = std::fs::read(path).map_err(|e| Error::LoadLibrary { path: path.into(), source: Box::new(e) })?;
    load_image(path, &data, options, run_init)
}

/// Loads the image `data` as if read from `path` (whose folder is searched
/// for its dependencies).
pub(crate) fn load_image(path: &Path, data: &[u8], options: LoadOptions, run_init: bool) -> Result<ModuleRef, Error> {
    let failed = |source: PeError| Error::LoadLibrary { path: path.into(), source: Box::new(source) };
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let key = module_key(&name);
    let _lock = loader_lock();
    if let Some(loaded) = find_loaded(&key) {
        return Ok(ModuleRef::acquire(loaded));
    }
    let image = PeImage::parse(data).map_err(failed)?;
    if run_init {
        teb::enter_thread()?;
    }
    let chain = LOADING.with(|l| {
        let mut l = l.borrow_mut();
        if let Some(at) = l.iter().position(|k| *k == key) {
            let mut chain: Vec<&str> = l[at..].iter().map(String::as_str).collect();
            chain.push(&key);
            return Err(chain.join(" -> "));
        }
        l.push(key.clone());
        Ok(())
    });
    chain.map_err(|chain| failed(PeError::ImportCycle { chain }))?;
    let built = build(path, &name, &key, &image, options, run_init);
    LOADING.with(|l| l.borrow_mut().pop());
    let module = ModuleRef::acquire(Arc::new(built?));
    registry().modules.push(Arc::downgrade(&module.0));
    if let Some(tls) = &module.tls {
        let mut reg = registry();
        for array in reg.threads.values_mut() {
            array[tls.slot] = tls.new_block();
        }
    }
    if run_init {
        if teb::process_image().is_null() {
            teb::set_process_image(module.mapping.base().cast());
        }
        module.attached.store(true, Ordering::SeqCst);
        // SAFETY: the image's own initialisers, with the reason Windows
        // gives them; the caller vouched for the DLL.
        let ok = unsafe { module.notify(DLL_PROCESS_ATTACH) };
        if !ok {
            // Windows calls the entry point again with DLL_PROCESS_DETACH,
            // then unloads; releasing the only handle does both.
            drop(module);
            return Err(failed(PeError::DllMainFailed { dll: name }));
        }
    }
    Ok(module)
}

/// Maps the image, binds its imports and reads its exports and TLS.
fn build(
    path: &Path,
    name: &str,
    key: &str,
    image: &PeImage<'_>,
    options: LoadOptions,
    run_init: bool,
) -> Result<Module, Error> {
    let failed = |source: PeError| Error::LoadLibrary { path: path.into(), source: Box::new(source) };
    let mapping = Mapping::new(image).map_err(failed)?;
    let env = ImportEnv::new(&options);
    let folder = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut dirs = vec![folder];
    dirs.extend(options.search_dirs().iter().cloned());
    let mut dependencies: Vec<ModuleRef> = Vec::new();
    let mut unresolved = Vec::new();
    for import in image.imports().map_err(failed)? {
        let symbol = match &import.symbol {
            ImportedSymbol::Name { name, .. } => ImportName::Name(name),
            ImportedSymbol::Ordinal(n) => ImportName::Ordinal(*n),
        };
        let address = match env.resolve(&import.dll, symbol) {
            Resolved::Address(a) => Some(a as usize),
            Resolved::Missing => None,
            Resolved::DllNotProvided => {
                let dep_key = module_key(&import.dll);
                let dep = match dependencies.iter().find(|d| d.key == dep_key) {
                    Some(d) => d.0.clone(),
                    None => {
                        let found = find_loaded(&dep_key).map(|m| Ok(ModuleRef::acquire(m))).unwrap_or_else(|| {
                            if dep_key == key {
                                return Err(failed(PeError::ImportCycle { chain: format!("{key} -> {key}") }));
                            }
                            let file = find_dll(&import.dll, &dirs).ok_or_else(|| {
                                failed(PeError::MissingDependency { dll: import.dll.clone(), searched: dirs.clone() })
                            })?;
                            load_with_init(&file, options.clone(), run_init)
                        })?;
                        let module = found.0.clone();
                        dependencies.push(found);
                        module
                    }
                };
                dep.export(symbol, &env, 0).map_err(failed)?
            }
        };
        let address = match address {
            Some(a) => a,
            None if options.is_strict() => {
                unresolved.push(format!("{}!{}", import.dll, import.symbol));
                continue;
            }
            None => trap::trap(&import.dll, symbol)? as usize,
        };
        let slot = mapping.at(import.iat_rva, 8).ok_or_else(|| {
            failed(PeError::Malformed {
                what: format!("import address slot {:#x} is outside the image", import.iat_rva),
            })
        })?;
        // SAFETY: 8 bytes inside the mapping, still writable (protections
        // come after binding).
        unsafe { slot.cast::<u64>().write_unaligned(address as u64) };
    }
    if !unresolved.is_empty() {
        return Err(failed(PeError::UnresolvedImports { imports: unresolved }));
    }
    let tls = match image.tls().map_err(failed)? {
        Some(dir) => Some(ModuleTls::new(&dir, &mapping).map_err(failed)?),
        None => None,
    };
    mapping.protect(image).map_err(failed)?;
    let base = mapping.base() as usize;
    let code = image
        .sections()
        .iter()
        .filter(|s| s.executable() && !s.discardable())
        .map(|s| base + s.rva as usize..base + s.rva as usize + s.virtual_size.max(s.file_size) as usize)
        .collect();
    let mut by_name = HashMap::new();
    let mut by_ordinal = HashMap::new();
    for e in image.exports().map_err(failed)? {
        if let ExportedTarget::Rva(rva) = e.target {
            if mapping.at(rva, 1).is_none() {
                continue;
            }
        }
        if let Some(n) = e.name {
            by_name.insert(n, e.target.clone());
        }
        by_ordinal.insert(e.ordinal, e.target);
    }
    let entry = match image.entry_rva() {
        Some(rva) => {
            let at = mapping.at(rva, 1).ok_or_else(|| {
                failed(PeError::Malformed { what: format!("entry point {rva:#x} is outside the image") })
            })?;
            // SAFETY: the image's entry point, which has this signature.
            Some(unsafe { core::mem::transmute::<*mut u8, EntryPoint>(at) })
        }
        None => None,
    };
    Ok(Module {
        name: name.to_owned(),
        key: key.to_owned(),
        path: path.to_path_buf(),
        mapping,
        code,
        by_name,
        by_ordinal,
        entry,
        tls,
        dependencies: Mutex::new(dependencies),
        handles: AtomicUsize::new(0),
        options,
        attached: AtomicBool::new(false),
        gates: Mutex::new(HashMap::new()),
    })
}

/// The file for `dll` in the first of `dirs` that has one (names compared
/// without case, `.dll` added when missing).
fn find_dll(dll: &str, dirs: &[PathBuf]) -> Option<PathBuf> {
    let mut wanted = dll.rsplit(['/', '\\']).next().unwrap_or(dll).to_ascii_lowercase();
    if !wanted.contains('.') {
        wanted.push_str(".dll");
    }
    dirs.iter().find_map(|dir| {
        std::fs::read_dir(dir)
            .ok()?
            .filter_map(Result::ok)
            .find(|e| e.file_name().to_string_lossy().to_ascii_lowercase() == wanted)
            .map(|e| e.path())
    })
}

impl ModuleTls {
    fn new(dir: &TlsDirectory, mapping: &Mapping) -> Result<ModuleTls, PeError> {
        let len = (dir.template.end - dir.template.start) as usize;
        let template = match mapping.at(dir.template.start, len) {
            // SAFETY: `len` bytes inside the mapping.
            Some(at) => unsafe { core::slice::from_raw_parts(at, len) }.to_vec(),
            None => return Err(PeError::Malformed { what: "TLS template is outside the image".into() }),
        };
        let mut callbacks = Vec::new();
        if let Some(mut rva) = dir.callbacks_rva {
            loop {
                let slot = mapping
                    .at(rva, 8)
                    .ok_or_else(|| PeError::Malformed { what: "TLS callback array is outside the image".into() })?;
                // SAFETY: 8 bytes inside the mapping (relocated already).
                let callback = unsafe { slot.cast::<u64>().read_unaligned() } as usize;
                if callback == 0 {
                    break;
                }
                if !mapping.contains(callback, 1) || callbacks.len() >= 1024 {
                    return Err(PeError::Malformed {
                        what: format!("TLS callback {callback:#x} is outside the image"),
                    });
                }
                // SAFETY: an address inside the image, which the image says
                // is a TLS callback.
                callbacks.push(unsafe { core::mem::transmute::<usize, TlsCallback>(callback) });
                rva += 8;
            }
        }
        let slot = {
            let mut reg = registry();
            let slot = reg.tls_slots_used.iter().position(|used| !used).ok_or_else(|| PeError::AbsurdSize {
                what: "modules with TLS loaded at once".into(),
                size: TLS_SLOTS as u64,
            })?;
            reg.tls_slots_used[slot] = true;
            slot
        };
        let index = mapping.at(dir.index_rva, 4).expect("the parser checked the index slot");
        // SAFETY: 4 bytes inside the still-writable mapping.
        unsafe { index.cast::<u32>().write_unaligned(slot as u32) };
        Ok(ModuleTls { slot, template, zero_fill: dir.zero_fill as usize, callbacks })
    }

    /// A fresh block: the template, then zeroes. Owned by a thread's array.
    fn new_block(&self) -> *mut u8 {
        let mut block = self.template.clone();
        block.resize(self.template.len() + self.zero_fill + 16, 0);
        Box::into_raw(block.into_boxed_slice()).cast()
    }

    fn block_len(&self) -> usize {
        self.template.len() + self.zero_fill + 16
    }
}

impl Drop for ModuleTls {
    fn drop(&mut self) {
        let mut reg = registry();
        let len = self.block_len();
        for array in reg.threads.values_mut() {
            free_block(&mut array[self.slot], len);
        }
        reg.tls_slots_used[self.slot] = false;
    }
}

fn free_block(slot: &mut *mut u8, len: usize) {
    if !slot.is_null() {
        // SAFETY: made by `ModuleTls::new_block` with this length.
        drop(unsafe { Box::from_raw(core::ptr::slice_from_raw_parts_mut(*slot, len)) });
        *slot = core::ptr::null_mut();
    }
}

impl Module {
    /// Its base address (its `HMODULE`).
    pub(crate) fn base(&self) -> *mut c_void {
        self.mapping.base().cast()
    }

    /// The address an export leads to, forwarders followed (through loaded
    /// modules or the import environment). `None` if there is no such export.
    fn export(&self, symbol: ImportName<'_>, env: &ImportEnv<'_>, depth: usize) -> Result<Option<usize>, PeError> {
        let target = match symbol {
            ImportName::Name(n) => self.by_name.get(n),
            ImportName::Ordinal(n) => self.by_ordinal.get(&u32::from(n)),
        };
        match target {
            None => Ok(None),
            Some(ExportedTarget::Rva(rva)) => Ok(self.mapping.at(*rva, 1).map(|p| p as usize)),
            Some(ExportedTarget::Forward(forward)) => {
                if depth >= 16 {
                    return Err(PeError::ForwarderLoop {
                        chain: format!("{}!{symbol:?} -> {forward} -> …", self.name),
                    });
                }
                resolve_forward(forward, env, depth + 1)
            }
        }
    }

    /// What `Library::symbol` hands out for an export: for code, a gate,
    /// so that any thread calling it has a TEB; for data, its address.
    pub(crate) fn symbol(&self, name: ImportName<'_>) -> Result<Option<*const c_void>, Error> {
        let env = ImportEnv::new(&self.options);
        let address = self
            .export(name, &env, 0)
            .map_err(|e| Error::LoadLibrary { path: self.name.clone().into(), source: Box::new(e) })?;
        let Some(address) = address else { return Ok(None) };
        if !self.code.iter().any(|r| r.contains(&address)) {
            // Data, or a forwarder into the host's own implementations: no
            // gate (one in front of data would be read as the data).
            return Ok(Some(address as *const c_void));
        }
        let mut gates = self.gates.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(&gate) = gates.get(&address) {
            return Ok(Some(gate as *const c_void));
        }
        let gate = teb::gate(address as *const c_void)? as usize;
        gates.insert(address, gate);
        Ok(Some(gate as *const c_void))
    }

    /// Runs the TLS callbacks, then the entry point, with `reason`.
    /// Returns what the entry point returned (true without one).
    ///
    /// # Safety
    ///
    /// Runs the image's code.
    unsafe fn notify(&self, reason: u32) -> bool {
        let module = self.base();
        if let Some(tls) = &self.tls {
            for callback in &tls.callbacks {
                // SAFETY: the image's TLS callback (caller's promise).
                unsafe { callback(module, reason, core::ptr::null_mut()) };
            }
        }
        match self.entry {
            // SAFETY: the image's entry point (caller's promise).
            Some(entry) => unsafe { entry(module, reason, core::ptr::null_mut()) != 0 },
            None => true,
        }
    }
}

/// `OTHER.symbol` or `OTHER.#12`, resolved against the import environment
/// first, then the loaded modules.
fn resolve_forward(forward: &str, env: &ImportEnv<'_>, depth: usize) -> Result<Option<usize>, PeError> {
    let (dll, symbol) = forward
        .rsplit_once('.')
        .ok_or_else(|| PeError::Malformed { what: format!("forwarder `{forward}` names no DLL") })?;
    let ordinal;
    let symbol = match symbol.strip_prefix('#') {
        Some(n) => {
            ordinal = n.parse::<u16>().map_err(|_| PeError::Malformed { what: format!("forwarder `{forward}`") })?;
            ImportName::Ordinal(ordinal)
        }
        None => ImportName::Name(symbol),
    };
    match env.resolve(dll, symbol) {
        Resolved::Address(a) => Ok(Some(a as usize)),
        Resolved::Missing => Ok(None),
        Resolved::DllNotProvided => match find_loaded(&module_key(dll)) {
            Some(m) => m.export(symbol, env, depth),
            None => Ok(None),
        },
    }
}

impl Drop for Module {
    fn drop(&mut self) {
        // Detached (if it was attached) when its last handle went; the
        // mapping, the TLS slot and what else it owns go with the fields.
        let me = self as *const Module;
        registry().modules.retain(|w| w.strong_count() > 0 && !core::ptr::eq(w.as_ptr(), me));
    }
}

/// A handle that keeps a module loaded: what a `Library`, a module's
/// dependency list and each `LoadLibrary` hold. The thread that releases the
/// last handle runs the module's `DLL_PROCESS_DETACH` (with a TEB, which it
/// gets if it had none) and releases the module's own dependencies, as
/// `FreeLibrary` does on Windows; the memory goes when no thread uses the
/// module any more (a thread attaching or detaching may still hold it
/// briefly).
pub(crate) struct ModuleRef(Arc<Module>);

impl ModuleRef {
    fn acquire(module: Arc<Module>) -> ModuleRef {
        module.handles.fetch_add(1, Ordering::SeqCst);
        ModuleRef(module)
    }
}

impl core::ops::Deref for ModuleRef {
    type Target = Module;
    fn deref(&self) -> &Module {
        &self.0
    }
}

impl std::fmt::Debug for ModuleRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl Drop for ModuleRef {
    fn drop(&mut self) {
        let _lock = loader_lock();
        if self.0.handles.fetch_sub(1, Ordering::SeqCst) != 1 {
            return;
        }
        // No longer found by name: a new load of it maps it afresh.
        let me = Arc::as_ptr(&self.0);
        registry().modules.retain(|w| !core::ptr::eq(w.as_ptr(), me));
        // mingw's C runtime reads %gs in DllMain: this thread, which may
        // never have called into the DLL, needs its TEB first.
        if self.0.attached.swap(false, Ordering::SeqCst) && teb::enter_thread().is_ok() {
            // SAFETY: the image's own finalisers, once, as Windows runs them.
            unsafe { self.0.notify(DLL_PROCESS_DETACH) };
        }
        let dependencies = std::mem::take(&mut *self.0.dependencies.lock().unwrap_or_else(|e| e.into_inner()));
        drop(dependencies);
    }
}

// ------------------------------------------------ what the built-ins call

/// `GetModuleHandle`: the base of the loaded module named `name` (case-
/// insensitive, with or without `.dll`), or of the first DLL loaded when
/// `name` is `None` (there is no main PE executable). Null if none.
pub(crate) fn module_handle(name: Option<&str>) -> *mut c_void {
    match name {
        Some(n) => find_loaded(&module_key(n)).map_or(core::ptr::null_mut(), |m| m.base()),
        None => teb::process_image(),
    }
}

/// The file a loaded module came from (`GetModuleFileName`).
pub(crate) fn module_path(base: *mut c_void) -> Option<String> {
    let module = if base.is_null() {
        module_containing(teb::process_image() as usize)
    } else {
        loaded_modules().into_iter().find(|m| m.base() == base)
    };
    module.map(|m| m.path.display().to_string())
}

/// The loaded module whose image contains `addr`.
pub(crate) fn module_containing(addr: usize) -> Option<Arc<Module>> {
    loaded_modules().into_iter().find(|m| m.mapping.contains(addr, 1))
}

/// `GetProcAddress`: an export of the loaded module at `base` (forwarders
/// followed), or null.
pub(crate) fn proc_address(base: *mut c_void, name: ImportName<'_>) -> *const c_void {
    let Some(module) = loaded_modules().into_iter().find(|m| m.base() == base) else { return core::ptr::null() };
    let env = ImportEnv::new(&module.options);
    match module.export(name, &env, 0) {
        Ok(Some(a)) => a as *const c_void,
        _ => core::ptr::null(),
    }
}

/// `LoadLibraryA/W/ExA`: an already loaded module by name (its count raised),
/// else the DLL loaded from the search path with default options. Null on
/// failure.
pub(crate) fn load_library(name: &str) -> *mut c_void {
    let _lock = loader_lock();
    let module = match find_loaded(&module_key(name)) {
        Some(m) => ModuleRef::acquire(m),
        None => {
            let path = Path::new(name);
            let found = if path.is_file() {
                Some(path.to_path_buf())
            } else {
                let dirs: Vec<PathBuf> =
                    loaded_modules().iter().filter_map(|m| m.path.parent().map(Path::to_path_buf)).collect();
                find_dll(name, &dirs)
            };
            let Some(file) = found else { return core::ptr::null_mut() };
            match load(&file, LoadOptions::new()) {
                Ok(m) => m,
                Err(_) => return core::ptr::null_mut(),
            }
        }
    };
    let base = module.base();
    registry().by_load_library.push(module);
    base
}

/// `FreeLibrary`: drops one count taken by `load_library`. False if `base`
/// is not a module loaded that way.
pub(crate) fn free_library(base: *mut c_void) -> bool {
    let _lock = loader_lock();
    let released = {
        let mut reg = registry();
        let at = reg.by_load_library.iter().position(|m| m.base() == base);
        at.map(|i| reg.by_load_library.swap_remove(i))
    };
    released.is_some()
}

/// Called by the TEB once per thread, right after the thread's TEB is
/// installed: gives the thread its TLS array and blocks, then runs TLS
/// callbacks and `DllMain` with `DLL_THREAD_ATTACH` for every loaded module.
pub(crate) fn thread_attach() {
    let _lock = loader_lock();
    let modules = loaded_modules();
    let mut array: Box<[*mut u8; TLS_SLOTS]> = Box::new([core::ptr::null_mut(); TLS_SLOTS]);
    for m in &modules {
        if let Some(tls) = &m.tls {
            array[tls.slot] = tls.new_block();
        }
    }
    let at = array.as_mut_ptr().cast::<*mut c_void>();
    registry().threads.insert(teb::current() as usize, array);
    teb::set_thread_local_storage_pointer(at);
    for m in modules.iter().filter(|m| m.attached.load(Ordering::SeqCst)) {
        // SAFETY: the image's initialisers, with the reason Windows gives.
        unsafe { m.notify(DLL_THREAD_ATTACH) };
    }
}

/// Called by the TEB at thread exit, before the TEB is freed: TLS callbacks
/// and `DllMain` with `DLL_THREAD_DETACH`, then frees the thread's TLS blocks.
pub(crate) fn thread_detach() {
    let _lock = loader_lock();
    let modules = loaded_modules();
    for m in modules.iter().filter(|m| m.attached.load(Ordering::SeqCst)) {
        // SAFETY: the image's finalisers, with the reason Windows gives.
        unsafe { m.notify(DLL_THREAD_DETACH) };
    }
    let array = registry().threads.remove(&(teb::current() as usize));
    if let Some(mut array) = array {
        for m in &modules {
            if let Some(tls) = &m.tls {
                free_block(&mut array[tls.slot], tls.block_len());
            }
        }
    }
}
