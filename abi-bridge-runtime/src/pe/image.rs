//! A PE image as the file describes it, read through `object`: headers,
//! sections, imports, exports, base relocations and the TLS directory,
//! checked for the loader (AMD64, a DLL, sizes and placements that hold
//! together) before anything is mapped.

use object::pe;
use object::read::pe::{ExportTarget, ImageNtHeaders, ImageOptionalHeader, Import, PeFile64};
use object::LittleEndian as LE;

use super::error::PeError;

/// No DLL's image is larger than this (the largest real ones are a few
/// hundred MiB); a bigger `SizeOfImage` is a corrupt header.
const MAX_IMAGE: u64 = 1 << 30;

/// Each thread gets a copy of a module's TLS block: more than this per
/// thread is a corrupt directory, not a DLL.
const MAX_TLS_BLOCK: u64 = 16 << 20;

/// A PE image, parsed and checked: what the loader maps, and what a reader
/// may list (`objdump -p`'s view).
///
/// ```
/// use abi_bridge_runtime::pe::PeImage;
///
/// assert!(PeImage::parse(b"not a PE file").is_err());
/// ```
pub struct PeImage<'data> {
    data: &'data [u8],
    file: PeFile64<'data>,
}

/// One section header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Section {
    /// Its name (`.text`, `.data`, …).
    pub name: String,
    /// Where it starts, relative to the image base.
    pub rva: u32,
    /// Its size in memory (what is not in the file is zero).
    pub virtual_size: u32,
    /// Where its bytes are in the file.
    pub file_offset: u32,
    /// How many bytes the file holds.
    pub file_size: u32,
    /// `IMAGE_SCN_*` flags.
    pub characteristics: u32,
}

impl Section {
    /// Writable (`IMAGE_SCN_MEM_WRITE`).
    pub fn writable(&self) -> bool {
        self.characteristics & pe::IMAGE_SCN_MEM_WRITE.0 != 0
    }
    /// Executable (`IMAGE_SCN_MEM_EXECUTE` or `IMAGE_SCN_CNT_CODE`).
    pub fn executable(&self) -> bool {
        self.characteristics & (pe::IMAGE_SCN_MEM_EXECUTE.0 | pe::IMAGE_SCN_CNT_CODE.0) != 0
    }
    /// Discardable: not needed once the image is loaded (`.reloc`).
    pub fn discardable(&self) -> bool {
        self.characteristics & pe::IMAGE_SCN_MEM_DISCARDABLE.0 != 0
    }
    /// Its bytes in memory, `rva .. rva + max(virtual_size, file_size)`.
    fn memory_end(&self) -> u64 {
        u64::from(self.rva) + u64::from(self.virtual_size.max(self.file_size))
    }
}

/// What an import names in its DLL, owned.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ImportedSymbol {
    /// By name, with the export-table hint.
    Name {
        /// The symbol.
        name: String,
        /// The hint (an index into the DLL's name table).
        hint: u16,
    },
    /// By ordinal.
    Ordinal(u16),
}

impl std::fmt::Display for ImportedSymbol {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ImportedSymbol::Name { name, .. } => f.write_str(name),
            ImportedSymbol::Ordinal(n) => write!(f, "#{n}"),
        }
    }
}

/// One imported function or variable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportEntry {
    /// The DLL, as the image spells it (`KERNEL32.dll`).
    pub dll: String,
    /// The symbol.
    pub symbol: ImportedSymbol,
    /// Where its address goes: its slot in the import address table.
    pub iat_rva: u32,
}

/// Where an export leads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExportedTarget {
    /// Code or data in this image.
    Rva(u32),
    /// Another DLL's export: `OTHER.symbol` or `OTHER.#12`.
    Forward(String),
}

/// One exported function or variable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportEntry {
    /// Its name, if it has one.
    pub name: Option<String>,
    /// Its ordinal.
    pub ordinal: u32,
    /// Where it leads.
    pub target: ExportedTarget,
}

/// One base relocation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Relocation {
    /// Where it applies.
    pub rva: u32,
    /// `IMAGE_REL_BASED_*`.
    pub kind: u16,
}

/// The TLS directory, its addresses as RVAs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsDirectory {
    /// The template of each thread's block: initialised part.
    pub template: std::ops::Range<u32>,
    /// Zeroes after the template.
    pub zero_fill: u32,
    /// Where the loader writes the module's TLS index.
    pub index_rva: u32,
    /// The null-terminated array of callback addresses (absolute, relocated
    /// with the image), if any.
    pub callbacks_rva: Option<u32>,
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

impl<'data> PeImage<'data> {
    /// Parses and checks `data`: a PE32+ image for AMD64 that is a DLL, whose
    /// sections lie inside the image and the file and do not overlap.
    ///
    /// # Errors
    ///
    /// The first [`PeError`] found.
    pub fn parse(data: &'data [u8]) -> Result<PeImage<'data>, PeError> {
        let file = PeFile64::parse(data)?;
        let header = file.nt_headers().file_header();
        let machine = header.machine.get(LE).0;
        if machine != pe::IMAGE_FILE_MACHINE_AMD64.0 {
            return Err(PeError::NotAmd64 { machine });
        }
        if header.characteristics.get(LE).0 & pe::IMAGE_FILE_DLL.0 == 0 {
            return Err(PeError::NotDll);
        }
        let image = PeImage { data, file };
        image.check_layout()?;
        Ok(image)
    }

    fn check_layout(&self) -> Result<(), PeError> {
        let size = u64::from(self.size_of_image());
        if size == 0 || size > MAX_IMAGE {
            return Err(PeError::AbsurdSize { what: "SizeOfImage".into(), size });
        }
        let headers = u64::from(self.optional().size_of_headers());
        if headers > size || headers > self.data.len() as u64 {
            return Err(PeError::AbsurdSize { what: "SizeOfHeaders".into(), size: headers });
        }
        let mut sections = self.sections();
        sections.sort_by_key(|s| s.rva);
        let mut previous_end = headers;
        let mut previous = String::from("the headers");
        for s in &sections {
            let bad = |problem: String| PeError::BadSection { section: s.name.clone(), problem };
            if u64::from(s.rva) < previous_end {
                return Err(bad(format!("overlaps {previous}")));
            }
            if s.memory_end() > size {
                return Err(bad(format!("ends at RVA {:#x}, past SizeOfImage {size:#x}", s.memory_end())));
            }
            if s.file_size > 0 && u64::from(s.file_offset) + u64::from(s.file_size) > self.data.len() as u64 {
                return Err(bad("has file bytes past the end of the file".into()));
            }
            if s.writable() && s.executable() {
                return Err(PeError::WritableExecutable { section: s.name.clone() });
            }
            previous_end = s.memory_end();
            previous = format!("section `{}`", s.name);
        }
        Ok(())
    }

    fn optional(&self) -> &'data pe::ImageOptionalHeader64 {
        self.file.nt_headers().optional_header()
    }

    /// The whole file.
    pub fn data(&self) -> &'data [u8] {
        self.data
    }

    /// The base the image was linked for.
    pub fn preferred_base(&self) -> u64 {
        self.optional().image_base()
    }

    /// `SizeOfImage`: the bytes of address space the image occupies.
    pub fn size_of_image(&self) -> u32 {
        self.optional().size_of_image()
    }

    /// `SizeOfHeaders`: the file's first bytes, mapped at the base.
    pub fn size_of_headers(&self) -> u32 {
        self.optional().size_of_headers()
    }

    /// The entry point (`DllMain` or the C runtime's in front of it), if any.
    pub fn entry_rva(&self) -> Option<u32> {
        Some(self.optional().address_of_entry_point()).filter(|&rva| rva != 0)
    }

    /// The section headers, in file order.
    pub fn sections(&self) -> Vec<Section> {
        self.file
            .section_table()
            .iter()
            .map(|s| Section {
                name: text(s.raw_name()).trim_end_matches('\0').to_owned(),
                rva: s.virtual_address.get(LE),
                virtual_size: s.virtual_size.get(LE),
                file_offset: s.pointer_to_raw_data.get(LE),
                file_size: s.size_of_raw_data.get(LE),
                characteristics: s.characteristics.get(LE).0,
            })
            .collect()
    }

    /// Every import, DLL by DLL, in table order.
    ///
    /// # Errors
    ///
    /// [`PeError::Malformed`] if a descriptor, thunk or name is outside the file.
    pub fn imports(&self) -> Result<Vec<ImportEntry>, PeError> {
        let mut found = Vec::new();
        let Some(table) = self.file.import_table()? else { return Ok(found) };
        let mut descriptors = table.descriptors()?;
        while let Some(descriptor) = descriptors.next()? {
            let dll = text(table.name(descriptor.name.get(LE))?);
            let iat = descriptor.first_thunk.get(LE);
            // The lookup table names the imports; old linkers leave it out
            // and name them in the address table itself.
            let lookup = match descriptor.original_first_thunk.get(LE) {
                0 => iat,
                rva => rva,
            };
            let mut thunks = table.thunks(lookup)?;
            let mut index = 0u32;
            while let Some(thunk) = thunks.next::<pe::ImageNtHeaders64>()? {
                let symbol = match table.import::<pe::ImageNtHeaders64>(thunk)? {
                    Import::Ordinal(n) => ImportedSymbol::Ordinal(n),
                    Import::Name(hint, name) => ImportedSymbol::Name { name: text(name), hint },
                };
                let iat_rva = index
                    .checked_mul(8)
                    .and_then(|offset| iat.checked_add(offset))
                    .ok_or_else(|| PeError::Malformed { what: format!("import address table of {dll} overflows") })?;
                found.push(ImportEntry { dll: dll.clone(), symbol, iat_rva });
                index += 1;
            }
        }
        Ok(found)
    }

    /// Every export.
    ///
    /// # Errors
    ///
    /// [`PeError::Malformed`] if the export directory is outside the file.
    pub fn exports(&self) -> Result<Vec<ExportEntry>, PeError> {
        let Some(table) = self.file.export_table()? else { return Ok(Vec::new()) };
        let exports = table.exports()?;
        Ok(exports
            .into_iter()
            .map(|e| ExportEntry {
                name: e.name.map(text),
                ordinal: u32::from(e.ordinal.0),
                target: match e.target {
                    ExportTarget::Address(rva) => ExportedTarget::Rva(rva),
                    ExportTarget::ForwardByName(dll, name) => {
                        ExportedTarget::Forward(format!("{}.{}", text(dll), text(name)))
                    }
                    ExportTarget::ForwardByOrdinal(dll, n) => {
                        ExportedTarget::Forward(format!("{}.#{}", text(dll), n.0))
                    }
                },
            })
            .collect())
    }

    /// Every base relocation, block by block (`ABSOLUTE` entries, which only
    /// pad a block, are skipped).
    ///
    /// # Errors
    ///
    /// [`PeError::Malformed`] if a block is truncated or outside the file.
    pub fn relocations(&self) -> Result<Vec<Relocation>, PeError> {
        let mut found = Vec::new();
        let sections = self.file.section_table();
        let Some(mut blocks) = self.file.data_directories().relocation_blocks(self.data, &sections)? else {
            return Ok(found);
        };
        while let Some(block) = blocks.next()? {
            found.extend(block.map(|r| Relocation { rva: r.virtual_address, kind: r.typ.0 }));
        }
        Ok(found)
    }

    /// The TLS directory, if the image has one.
    ///
    /// # Errors
    ///
    /// [`PeError::Malformed`] if it is outside the file or its addresses are
    /// outside the image.
    pub fn tls(&self) -> Result<Option<TlsDirectory>, PeError> {
        let Some(dir) = self.file.data_directory(pe::IMAGE_DIRECTORY_ENTRY_TLS) else { return Ok(None) };
        let bytes = dir.data(self.data, &self.file.section_table())?;
        let (tls, _) = object::from_bytes::<pe::ImageTlsDirectory64>(bytes)
            .map_err(|()| PeError::Malformed { what: "TLS directory is truncated".into() })?;
        let base = self.preferred_base();
        let size = u64::from(self.size_of_image());
        let rva = |va: u64, what: &str| -> Result<u32, PeError> {
            va.checked_sub(base).filter(|&r| r <= size).map(|r| r as u32).ok_or_else(|| PeError::Malformed {
                what: format!("TLS directory's {what} {va:#x} is outside the image"),
            })
        };
        let start = rva(tls.start_address_of_raw_data.get(LE), "template start")?;
        let end = rva(tls.end_address_of_raw_data.get(LE), "template end")?;
        if end < start || u64::from(end - start) > MAX_TLS_BLOCK {
            return Err(PeError::Malformed { what: format!("TLS template {start:#x}..{end:#x} is not a template") });
        }
        let zero_fill = tls.size_of_zero_fill.get(LE);
        if u64::from(zero_fill) > MAX_TLS_BLOCK {
            return Err(PeError::AbsurdSize { what: "TLS zero fill".into(), size: zero_fill.into() });
        }
        let index_rva = rva(tls.address_of_index.get(LE), "index address")?;
        if u64::from(index_rva) + 4 > size {
            return Err(PeError::Malformed { what: "TLS index slot is outside the image".into() });
        }
        let callbacks_rva = match tls.address_of_call_backs.get(LE) {
            0 => None,
            va => Some(rva(va, "callback array")?),
        };
        Ok(Some(TlsDirectory { template: start..end, zero_fill, index_rva, callbacks_rva }))
    }
}

impl std::fmt::Debug for PeImage<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PeImage")
            .field("preferred_base", &format_args!("{:#x}", self.preferred_base()))
            .field("size_of_image", &format_args!("{:#x}", self.size_of_image()))
            .field("sections", &self.sections())
            .finish()
    }
}
