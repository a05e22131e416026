//! The checked-in DLL fixtures (`tests/dll/bin`, used where mingw-w64 is not
//! installed) are exactly what `scripts/build-dlls.sh` builds from the
//! sources in the repo.

use std::path::Path;

/// Every file under `dir`, relative to it, sorted.
fn files(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        for entry in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("read {}: {e}", d.display())) {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                pending.push(path);
            } else {
                found.push(path.strip_prefix(dir).expect("under dir").display().to_string());
            }
        }
    }
    found.sort();
    found
}

#[test]
fn checked_in_dlls_are_the_build_of_their_sources() {
    let built = Path::new(env!("ABT_PE_DLLS"));
    if env!("ABT_PE_DLLS_BUILT") != "1" {
        // CI installs mingw-w64 (scripts/setup.sh) and sets this, so there the
        // comparison always runs; a machine without mingw-w64 uses the
        // checked-in builds and has nothing to compare them with.
        assert!(
            std::env::var_os("ABI_BRIDGE_REQUIRE_MINGW").is_none(),
            "ABI_BRIDGE_REQUIRE_MINGW is set but the DLL fixtures were not built: install mingw-w64 (scripts/setup.sh)"
        );
        eprintln!("mingw-w64 is not installed: the DLL fixtures are the checked-in builds, not compared");
        return;
    }
    let checked_in = Path::new(env!("CARGO_MANIFEST_DIR")).join("dll/bin");
    assert_eq!(files(built), files(&checked_in), "the checked-in DLLs are not the set scripts/build-dlls.sh builds");
    for name in files(built) {
        let fresh = std::fs::read(built.join(&name)).expect("read a built DLL");
        let kept = std::fs::read(checked_in.join(&name)).expect("read a checked-in DLL");
        assert!(
            fresh == kept,
            "tests/dll/bin/{name} differs from a fresh build of its source: run `scripts/build-dlls.sh tests/dll/bin` and commit it"
        );
    }
}
