//! The PE loader's typed errors, each from a fixture DLL with one field
//! changed (toolchain-free: the checked-in builds of `tests/dll`), and its
//! reading of the fixtures checked against `objdump -p` where mingw-w64's
//! objdump is installed.

// Every `unsafe` loads a fixture DLL (or a copy with one field changed).
#![allow(clippy::undocumented_unsafe_blocks)]

use std::path::{Path, PathBuf};

use abi_bridge_runtime::pe::{self, ExportedTarget, ImportedSymbol, PeError, PeImage};
use abi_bridge_runtime::{Error, Library};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/dll/bin").join(name)
}

fn read(name: &str) -> Vec<u8> {
    std::fs::read(fixture(name)).unwrap()
}

fn u16_at(d: &[u8], at: usize) -> usize {
    u16::from_le_bytes([d[at], d[at + 1]]) as usize
}
fn u32_at(d: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(d[at..at + 4].try_into().unwrap())
}
fn put_u32(d: &mut [u8], at: usize, v: u32) {
    d[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

/// Offsets of the COFF file header, the optional header and the section table.
fn headers(d: &[u8]) -> (usize, usize, usize) {
    let file = u32_at(d, 0x3c) as usize + 4;
    let optional = file + 20;
    (file, optional, optional + u16_at(d, file + 16))
}

/// The offset of the section header named `name`.
fn section(d: &[u8], name: &str) -> usize {
    let (file, _, table) = headers(d);
    (0..u16_at(d, file + 2)).map(|i| table + 40 * i).find(|&at| d[at..at + 8].starts_with(name.as_bytes())).unwrap()
}

/// The loader's reason for refusing `data` (loaded as if from `name`).
fn refusal(name: &str, data: &[u8]) -> PeError {
    let dir = std::env::temp_dir().join(format!("abt-pe-loader-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    match pe::__map_without_running(&dir.join(name), data) {
        Err(Error::LoadLibrary { source, .. }) => *source.downcast::<PeError>().expect("a PeError"),
        other => panic!("{name}: expected a refusal, got {other:?}"),
    }
}

#[test]
fn each_broken_field_is_named() {
    let good = read("pe_abi.dll");
    let (file, optional, _) = headers(&good);

    let mut d = good.clone();
    d[file..file + 2].copy_from_slice(&0x14cu16.to_le_bytes());
    assert!(matches!(refusal("a.dll", &d), PeError::NotAmd64 { machine: 0x14c }));

    let mut d = good.clone();
    let characteristics = u16_at(&d, file + 18) & !0x2000;
    d[file + 18..file + 20].copy_from_slice(&(characteristics as u16).to_le_bytes());
    assert!(matches!(refusal("a.dll", &d), PeError::NotDll));

    let mut d = good.clone();
    put_u32(&mut d, optional + 56, 0xffff_0000);
    assert!(matches!(refusal("a.dll", &d), PeError::AbsurdSize { .. }));

    let mut d = good.clone();
    let data = section(&d, ".data");
    let flags = u32_at(&d, data + 36) | 0x2000_0000;
    put_u32(&mut d, data + 36, flags);
    assert!(matches!(refusal("a.dll", &d), PeError::WritableExecutable { ref section } if section == ".data"));

    let mut d = good.clone();
    let (text, data) = (section(&d, ".text"), section(&d, ".data"));
    let text_rva = u32_at(&d, text + 12);
    put_u32(&mut d, data + 12, text_rva);
    assert!(matches!(refusal("a.dll", &d), PeError::BadSection { .. }));

    assert!(matches!(
        refusal("a.dll", &good[..good.len() / 3]),
        PeError::BadSection { .. } | PeError::Malformed { .. }
    ));
    assert!(matches!(refusal("a.dll", &good[..200]), PeError::Malformed { .. }));
}

/// Occupies `[at, at + len)` so that an image preferring it must be moved.
fn occupy(at: u64, len: usize) -> *mut libc::c_void {
    let p = unsafe {
        libc::mmap(
            at as *mut _,
            len,
            libc::PROT_NONE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED_NOREPLACE,
            -1,
            0,
        )
    };
    assert_eq!(p as u64, at, "could not occupy the preferred base");
    p
}

#[test]
fn relocations_other_than_dir64_or_outside_the_image_are_refused() {
    let good = read("pe_reloc.dll");
    let image = PeImage::parse(&good).unwrap();
    let taken = occupy(image.preferred_base(), 1 << 20);
    let reloc = section(&good, ".reloc");
    let block = u32_at(&good, reloc + 20) as usize;
    // The first entry of the first block: type in the top 4 bits.
    let entry = block + 8;
    let mut d = good.clone();
    let value = u16_at(&d, entry) as u16;
    d[entry..entry + 2].copy_from_slice(&((value & 0x0fff) | (3 << 12)).to_le_bytes());
    assert!(matches!(refusal("pe_reloc.dll", &d), PeError::UnsupportedRelocation { kind: 3, .. }));

    let mut d = good.clone();
    put_u32(&mut d, block, 0x7fff_f000);
    assert!(matches!(refusal("pe_reloc.dll", &d), PeError::RelocationOutOfImage { .. }));

    // Unchanged, it is relocated and binds.
    pe::__map_without_running(&fixture("pe_reloc.dll"), &good).unwrap();
    unsafe { libc::munmap(taken, 1 << 20) };
}

#[test]
fn dependencies_missing_cyclic_or_forwarding_in_a_loop_are_refused() {
    let dir = std::env::temp_dir().join(format!("abt-pe-deps-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let main = read("dep/pe_dep_main.dll");

    // pe_dep_lib.dll is not next to this copy.
    std::fs::write(dir.join("pe_dep_main.dll"), &main).unwrap();
    let err = unsafe { Library::open(dir.join("pe_dep_main.dll")) }.unwrap_err();
    let reason = std::error::Error::source(&err).and_then(|s| s.downcast_ref::<PeError>());
    assert!(matches!(reason, Some(PeError::MissingDependency { dll, .. }) if dll == "pe_dep_lib.dll"), "{err:?}");

    // A DLL named like the DLL it imports from imports from itself.
    std::fs::write(dir.join("pe_dep_lib.dll"), &main).unwrap();
    let err = unsafe { Library::open(dir.join("pe_dep_lib.dll")) }.unwrap_err();
    let reason = std::error::Error::source(&err).and_then(|s| s.downcast_ref::<PeError>());
    assert!(matches!(reason, Some(PeError::ImportCycle { .. })), "{err:?}");

    // A forwarder to its own export, by ordinal.
    std::fs::create_dir_all(dir.join("loop")).unwrap();
    std::fs::copy(fixture("dep/pe_dep_lib.dll"), dir.join("loop/pe_dep_lib.dll")).unwrap();
    let image = PeImage::parse(&main).unwrap();
    let ordinal =
        image.exports().unwrap().into_iter().find(|e| e.name.as_deref() == Some("dep_forwarded")).unwrap().ordinal;
    let forward = b"pe_dep_lib.dep_target\0";
    let at = main.windows(forward.len()).position(|w| w == forward).unwrap();
    let mut looped = main.clone();
    let replacement = format!("pe_dep_main.#{ordinal}\0");
    looped[at..at + replacement.len()].copy_from_slice(replacement.as_bytes());
    std::fs::write(dir.join("loop/pe_dep_main.dll"), &looped).unwrap();
    let lib = unsafe { Library::open(dir.join("loop/pe_dep_main.dll")) }.unwrap();
    let err = lib.symbol("dep_forwarded").unwrap_err();
    let reason = std::error::Error::source(&err).and_then(|s| s.downcast_ref::<PeError>());
    assert!(matches!(reason, Some(PeError::ForwarderLoop { .. })), "{err:?}");
    // The ordinal itself, and a forwarder that works, through the original.
    drop(lib);
    let lib = unsafe { Library::open(fixture("dep/pe_dep_main.dll")) }.unwrap();
    let by_ordinal: extern "win64" fn(i32) -> i32 = unsafe { core::mem::transmute(lib.symbol_by_ordinal(42).unwrap()) };
    assert_eq!(by_ordinal(5), 20);
    std::fs::remove_dir_all(dir).unwrap();
}

/// `x86_64-w64-mingw32-objdump -p`'s import, export and relocation lists,
/// against `PeImage`'s.
#[test]
fn the_reading_matches_objdump() {
    let objdump = std::env::var("MINGW_OBJDUMP").unwrap_or_else(|_| "x86_64-w64-mingw32-objdump".into());
    if std::process::Command::new(&objdump).arg("--version").output().is_err() {
        assert!(std::env::var_os("ABI_BRIDGE_REQUIRE_MINGW").is_none(), "mingw-w64's objdump is required here");
        eprintln!("{objdump} is not installed: skipped");
        return;
    }
    for name in ["pe_crt.dll", "pe_cpp.dll", "pe_reloc.dll", "dep/pe_dep_main.dll"] {
        let data = read(name);
        let image = PeImage::parse(&data).unwrap();
        let out = std::process::Command::new(&objdump).arg("-p").arg(fixture(name)).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);

        // Imports: objdump lists "\t<hint> <name>" under each "DLL Name:".
        let mut theirs = Vec::new();
        let mut dll = String::new();
        for line in text.lines() {
            if let Some(d) = line.trim().strip_prefix("DLL Name: ") {
                dll = d.to_owned();
            } else if !dll.is_empty() {
                // "\t<vma>\t <hint>  <name>"
                let parts: Vec<&str> = line.split_whitespace().collect();
                if let [vma, hint, symbol] = parts[..] {
                    if let (Ok(_), Ok(hint)) = (u64::from_str_radix(vma, 16), hint.parse::<u16>()) {
                        theirs.push((dll.clone(), symbol.to_owned(), hint));
                    }
                }
            }
            if line.starts_with("The Export Tables") || line.starts_with("There is an export table") {
                dll.clear();
            }
        }
        let ours: Vec<_> = image
            .imports()
            .unwrap()
            .into_iter()
            .map(|i| match i.symbol {
                ImportedSymbol::Name { name, hint } => (i.dll, name, hint),
                ImportedSymbol::Ordinal(n) => (i.dll, format!("#{n}"), 0),
            })
            .collect();
        assert_eq!(ours, theirs, "{name}: imports");

        // Exports: "\t[ordinal] name" lines in the name table; forwarders
        // and addresses in the address table.
        let exports = image.exports().unwrap();
        for e in &exports {
            if let Some(n) = &e.name {
                assert!(text.contains(&format!("] {n}")), "{name}: export {n} not in objdump's list");
            }
            if let ExportedTarget::Forward(f) = &e.target {
                assert!(text.contains(f.as_str()), "{name}: forwarder {f}");
            }
        }
        // Relocations: one line per entry, "reloc N offset X [RVA] KIND".
        let theirs: Vec<(u32, String)> = text
            .lines()
            // ABSOLUTE entries only pad a block to 4 bytes; `object` skips them.
            .filter(|l| l.trim_start().starts_with("reloc ") && !l.ends_with("ABSOLUTE"))
            .map(|l| {
                let rva = l[l.find('[').unwrap() + 1..l.find(']').unwrap()].trim();
                (u32::from_str_radix(rva, 16).unwrap(), l.rsplit(' ').next().unwrap().to_owned())
            })
            .collect();
        let ours: Vec<(u32, String)> = image
            .relocations()
            .unwrap()
            .into_iter()
            .map(|r| {
                (
                    r.rva,
                    if r.kind == 10 {
                        "DIR64".into()
                    } else if r.kind == 0 {
                        "ABSOLUTE".into()
                    } else {
                        r.kind.to_string()
                    },
                )
            })
            .collect();
        assert!(!ours.is_empty() || name != "pe_reloc.dll");
        assert_eq!(ours, theirs, "{name}: relocations");
    }
}
