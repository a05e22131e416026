//! The PE loader on corrupt input: at least 10,000 variants of the fixture
//! DLLs (truncations, and bit flips in the headers and in the tables the data
//! directories point at) each map, relocate and bind, or fail with an
//! `Error`; none panics, crashes or hangs, and a failed load leaves no
//! mapping behind. No variant's code runs (a flipped entry point would jump
//! anywhere): the loader stops before TLS callbacks and `DllMain`.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use abi_bridge_runtime::pe::{self, PeImage};

/// The checked-in fixture DLLs (built from `tests/dll` by mingw-w64).
fn fixtures() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/dll/bin");
    ["pe_abi.dll", "pe_crt.dll", "pe_cpp.dll", "pe_reloc.dll", "dep/pe_dep_main.dll", "msvc/pe_msvc.dll", "pe_ucrt.dll"]
        .iter()
        .map(|n| dir.join(n))
        .collect()
}

/// xorshift: deterministic, so a failing variant can be found again.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n.max(1) as u64) as usize
    }
}

/// The file ranges of the headers and of the sections holding the import,
/// export, relocation and TLS tables: where a flip reaches the loader's
/// parsing rather than code nobody reads.
fn interesting_ranges(data: &[u8]) -> Vec<std::ops::Range<usize>> {
    let image = PeImage::parse(data).expect("the fixtures parse");
    let mut ranges = Vec::new();
    ranges.push(0..image.size_of_headers() as usize);
    for s in image.sections() {
        if [".idata", ".edata", ".reloc", ".tls", ".CRT", ".rdata"].contains(&s.name.as_str()) && s.file_size > 0 {
            ranges.push(s.file_offset as usize..(s.file_offset + s.file_size) as usize);
        }
    }
    ranges
}

fn variants(data: &[u8], rng: &mut Rng) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    // Truncations: every 4 bytes through the headers, then spread over the file.
    for len in (0..1024.min(data.len())).step_by(4) {
        out.push(data[..len].to_vec());
    }
    for i in 0..150 {
        out.push(data[..data.len() * i / 150].to_vec());
    }
    // Bit flips: one, two or three bits in the headers and the tables.
    let ranges = interesting_ranges(data);
    for _ in 0..2000 {
        let mut v = data.to_vec();
        for _ in 0..1 + rng.below(3) {
            let r = &ranges[rng.below(ranges.len())];
            let at = r.start + rng.below(r.len());
            v[at] ^= 1 << rng.below(8);
        }
        out.push(v);
    }
    out
}

#[test]
fn corrupt_dlls_load_or_fail_cleanly() {
    let done = std::sync::Arc::new(AtomicBool::new(false));
    let watchdog = done.clone();
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(300));
        if !watchdog.load(Ordering::SeqCst) {
            eprintln!("the mutation test has run for 5 minutes: a variant hangs the loader");
            std::process::abort();
        }
    });
    let mut rng = Rng(0x5eed_1234_abcd_ef01);
    let (mut loaded, mut failed) = (0usize, 0usize);
    for path in fixtures() {
        let data = std::fs::read(&path).unwrap();
        for (i, variant) in variants(&data, &mut rng).iter().enumerate() {
            match pe::__map_without_running(&path, variant) {
                Ok(()) => loaded += 1,
                Err(_) => failed += 1,
            }
            assert_eq!(pe::live_image_bytes(), 0, "variant {i} of {} left an image mapped", path.display());
        }
    }
    done.store(true, Ordering::SeqCst);
    eprintln!("{} variants: {loaded} loaded, {failed} failed with an error", loaded + failed);
    assert!(loaded + failed >= 10_000);
    assert!(failed > 1000 && loaded > 100, "the variants should exercise both outcomes");
}
