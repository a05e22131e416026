//! The PE loader on images written here with `object::write` (no toolchain):
//! a DLL with one exported function that reads an absolute address from its
//! code (a DIR64 relocation) and returns the `int` there.

// Every `unsafe` loads one of these images or calls its export.
#![allow(clippy::undocumented_unsafe_blocks)]

use abi_bridge_runtime::pe::{PeError, PeImage};
use abi_bridge_runtime::Library;
use object::pe;
use object::write::pe::{NtHeaders, Writer};

const BASE: u64 = 0x7d00_0000_0000;
const ANSWER: i32 = 1234;

/// What to get wrong in the image.
#[derive(Clone, Copy, PartialEq)]
enum Flaw {
    None,
    WritableCode,
    NotADll,
}

/// A DLL exporting `answer`: `mov rax, <address of .data>; mov eax, [rax]; ret`.
fn synthetic_dll(name: &str, flaw: Flaw) -> Vec<u8> {
    let mut out = Vec::new();
    let mut w = Writer::new(true, 0x1000, 0x200, &mut out);
    w.reserve_dos_header_and_stub();
    w.reserve_nt_headers(16);
    w.reserve_section_headers(4);
    let mut code_flags = pe::IMAGE_SCN_CNT_CODE | pe::IMAGE_SCN_MEM_EXECUTE | pe::IMAGE_SCN_MEM_READ;
    if flaw == Flaw::WritableCode {
        code_flags |= pe::IMAGE_SCN_MEM_WRITE;
    }
    let text = w.reserve_section(*b".text\0\0\0", code_flags, 16, 16);
    let data = w.reserve_data_section(4, 4);
    let dll_name = format!("{name}\0");
    let strings_at = 40 + 4 + 4 + 2;
    let edata_len = strings_at + dll_name.len() as u32 + 7;
    let edata = w.reserve_edata_section(edata_len);
    w.add_reloc(text.virtual_address + 2, pe::IMAGE_REL_BASED_DIR64);
    w.reserve_reloc_section();

    let mut characteristics = pe::IMAGE_FILE_EXECUTABLE_IMAGE | pe::IMAGE_FILE_LARGE_ADDRESS_AWARE;
    if flaw != Flaw::NotADll {
        characteristics |= pe::IMAGE_FILE_DLL;
    }
    w.write_dos_header_and_stub().unwrap();
    w.write_nt_headers(NtHeaders {
        machine: pe::IMAGE_FILE_MACHINE_AMD64,
        time_date_stamp: 0,
        characteristics,
        major_linker_version: 0,
        minor_linker_version: 0,
        address_of_entry_point: 0,
        image_base: BASE,
        major_operating_system_version: 6,
        minor_operating_system_version: 0,
        major_image_version: 0,
        minor_image_version: 0,
        major_subsystem_version: 6,
        minor_subsystem_version: 0,
        subsystem: pe::IMAGE_SUBSYSTEM_WINDOWS_CUI,
        dll_characteristics: pe::IMAGE_DLLCHARACTERISTICS_DYNAMIC_BASE,
        size_of_stack_reserve: 0x10_0000,
        size_of_stack_commit: 0x1000,
        size_of_heap_reserve: 0x10_0000,
        size_of_heap_commit: 0x1000,
    });
    w.write_section_headers();

    let mut code = vec![0x48, 0xB8];
    code.extend_from_slice(&(BASE + u64::from(data.virtual_address)).to_le_bytes());
    code.extend_from_slice(&[0x8B, 0x00, 0xC3]);
    code.resize(16, 0xCC);
    w.write_section(text.file_offset, &code);
    w.write_section(data.file_offset, &ANSWER.to_le_bytes());

    // IMAGE_EXPORT_DIRECTORY, then one function, one name, one ordinal, the strings.
    let rva = edata.virtual_address;
    let mut e = Vec::new();
    let name_rva = rva + strings_at;
    let answer_rva = name_rva + dll_name.len() as u32;
    for field in [0u32, 0, 0, name_rva, 1, 1, 1, rva + 40, rva + 44, rva + 48] {
        e.extend_from_slice(&field.to_le_bytes());
    }
    e.extend_from_slice(&text.virtual_address.to_le_bytes());
    e.extend_from_slice(&answer_rva.to_le_bytes());
    e.extend_from_slice(&0u16.to_le_bytes());
    e.extend_from_slice(dll_name.as_bytes());
    e.extend_from_slice(b"answer\0");
    w.write_section(edata.file_offset, &e);
    w.write_reloc_section();
    out
}

fn write_temp(name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("abt-pe-synthetic-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn answer(lib: &Library) -> i32 {
    let f: extern "win64" fn() -> i32 = unsafe { core::mem::transmute(lib.symbol("answer").unwrap()) };
    f()
}

#[test]
fn a_synthetic_dll_loads_at_its_base_or_relocated() {
    let bytes = synthetic_dll("synthetic_a.dll", Flaw::None);
    let image = PeImage::parse(&bytes).unwrap();
    assert_eq!(image.exports().unwrap().len(), 1);
    assert_eq!(image.relocations().unwrap().len(), 1);

    let lib = unsafe { Library::open(write_temp("synthetic_a.dll", &bytes)) }.unwrap();
    assert!(lib.is_pe());
    assert_eq!(answer(&lib), ANSWER);
    drop(lib);

    // The preferred base taken: the loader moves it and patches the address.
    let len = 1 << 20;
    let taken = unsafe {
        libc::mmap(
            BASE as *mut _,
            len,
            libc::PROT_NONE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED_NOREPLACE,
            -1,
            0,
        )
    };
    assert_eq!(taken as u64, BASE);
    let bytes = synthetic_dll("synthetic_b.dll", Flaw::None);
    let lib = unsafe { Library::open(write_temp("synthetic_b.dll", &bytes)) }.unwrap();
    assert_eq!(answer(&lib), ANSWER);
    let at = lib.symbol("answer").unwrap() as u64;
    assert!(!(BASE..BASE + len as u64).contains(&at));
    drop(lib);
    unsafe { libc::munmap(taken, len) };
}

#[test]
fn synthetic_flaws_are_typed_errors() {
    for (flaw, name) in [(Flaw::WritableCode, "synthetic_wx.dll"), (Flaw::NotADll, "synthetic_exe.dll")] {
        let err = unsafe { Library::open(write_temp(name, &synthetic_dll(name, flaw))) }.unwrap_err();
        let reason = std::error::Error::source(&err).and_then(|s| s.downcast_ref::<PeError>());
        match flaw {
            Flaw::WritableCode => {
                assert!(matches!(reason, Some(PeError::WritableExecutable { section }) if section == ".text"))
            }
            _ => assert!(matches!(reason, Some(PeError::NotDll))),
        }
    }
}
