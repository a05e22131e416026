//! The perf map: every piece of generated code, named, in
//! `/tmp/perf-<pid>.map`, including code made before it was enabled, and
//! only when asked (the environment variable, in a child process).

use abi_bridge_runtime::{perf_map, Conv, Signature, Thunk};

extern "win64" fn add(a: i32, b: i32) -> i32 {
    a + b
}
extern "win64" fn scale(x: f64, k: f32) -> f64 {
    x * f64::from(k)
}

/// The executable mappings of this process.
fn executable() -> Vec<(usize, usize)> {
    std::fs::read_to_string("/proc/self/maps")
        .unwrap()
        .lines()
        .filter(|l| l.split_whitespace().nth(1).is_some_and(|p| p.contains('x')))
        .map(|l| {
            let (a, b) = l.split_whitespace().next().unwrap().split_once('-').unwrap();
            (usize::from_str_radix(a, 16).unwrap(), usize::from_str_radix(b, 16).unwrap())
        })
        .collect()
}

fn entries(text: &str) -> Vec<(usize, usize, String)> {
    text.lines()
        .map(|l| {
            let mut parts = l.splitn(3, ' ');
            let start = usize::from_str_radix(parts.next().unwrap(), 16).unwrap();
            let len = usize::from_str_radix(parts.next().unwrap(), 16).unwrap();
            (start, len, parts.next().unwrap().to_owned())
        })
        .collect()
}

#[test]
fn generated_code_is_listed_by_name_once_enabled() {
    if std::env::var_os("ABT_PERF_MAP_CHILD").is_some() {
        let _t =
            Thunk::new(Conv::SysV64, Conv::Win64, &Signature::of::<fn(i32, i32) -> i32>(), add as *const _).unwrap();
        return;
    }
    // Off by default: a child without the variable writes nothing, one with it does.
    for (env, listed) in [("0", false), ("1", true)] {
        let child = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "generated_code_is_listed_by_name_once_enabled"])
            .env("ABT_PERF_MAP_CHILD", "1")
            .env("ABI_BRIDGE_PERF_MAP", env)
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let pid = child.id();
        assert!(child.wait_with_output().unwrap().status.success());
        let path = format!("/tmp/perf-{pid}.map");
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        assert_eq!(text.contains("abi_bridge::thunk[sysv64->win64](fn(i32, i32) -> i32)"), listed, "{env}: {text}");
        let _ = std::fs::remove_file(path);
    }

    // Enabled by the API after some code was made: that code is listed too.
    let before =
        Thunk::new(Conv::SysV64, Conv::Win64, &Signature::of::<fn(i32, i32) -> i32>(), add as *const _).unwrap();
    let path = perf_map::enable().unwrap();
    let after =
        Thunk::new(Conv::SysV64, Conv::Win64, &Signature::of::<fn(f64, f32) -> f64>(), scale as *const _).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let listed = entries(&text);
    for name in [
        "abi_bridge::thunk[sysv64->win64](fn(i32, i32) -> i32)",
        "abi_bridge::thunk[sysv64->win64](fn(f64, f32) -> f64)",
        "abi_bridge::trampolines",
    ] {
        assert!(listed.iter().any(|(_, _, n)| n.starts_with(name)), "{name} not in:\n{text}");
    }
    let code = executable();
    for (start, len, name) in &listed {
        assert!(
            code.iter().any(|&(a, b)| a <= *start && start + len <= b),
            "{name} at {start:#x} is not executable code"
        );
    }
    drop((before, after));
    std::fs::remove_file(path).unwrap();
}
