//! Runs a test case in a child copy of the test binary, for cases that abort
//! or change process-wide state (the trampoline limit, the pool's counts): the
//! binary re-runs its own `child_cases` test with `ABI_BRIDGE_CHILD` naming
//! the case, so each case starts from a fresh process.

use std::process::{Command, ExitStatus};

/// The case this process was started to run, if it is a child.
pub(crate) fn child_case() -> Option<String> {
    std::env::var("ABI_BRIDGE_CHILD").ok()
}

/// Runs `case` in a child copy of this test binary; returns its status and stderr.
pub(crate) fn in_child(case: &str) -> (ExitStatus, String) {
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_cases", "--nocapture", "--test-threads=1"])
        .env("ABI_BRIDGE_CHILD", case)
        .output()
        .unwrap();
    (out.status, String::from_utf8_lossy(&out.stderr).into_owned())
}
