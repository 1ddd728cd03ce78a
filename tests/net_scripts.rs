//! The measurement scripts of python/netbench (placement, cross-check, profile): bad arguments are
//! refused with exit 2 naming what is valid, and the placement script measures a real server through
//! the project's binary.

#![cfg(unix)]

use std::io::Write as _;
use std::path::Path;
use std::process::Command;

/// python3, or `None` (with a SKIPPED line) where there is none; CI must have one.
fn python(test: &str) -> Option<String> {
    let found = rosetta_harness::python::interpreter();
    if found.is_none() {
        assert!(std::env::var_os("CI").is_none(), "CI must have python3");
        let _ = writeln!(std::io::stderr(), "SKIPPED {test}: python3 was not found");
    }
    found
}

/// Runs `script` with `args` on the test's binary: its exit code, stdout and stderr.
fn script(python: &str, script: &str, args: &[&str]) -> (Option<i32>, String, String) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("python/netbench")
        .join(script);
    let out = Command::new(python)
        .arg(path)
        .args(args)
        .env("ROSETTA_BIN", env!("CARGO_BIN_EXE_rosetta"))
        .output()
        .expect("python3 runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn bad_arguments_exit_2_naming_what_is_valid() {
    let Some(python) = python("bad_arguments_exit_2_naming_what_is_valid") else {
        return;
    };
    let cases: [(&str, &[&str], &str); 5] = [
        (
            "crosscheck.py",
            &["--connections", "0"],
            "--connections 0 is not from 1 to 1000",
        ),
        (
            "crosscheck.py",
            &["--server", "echo:raw:tokio"],
            "wrk speaks HTTP only",
        ),
        (
            "profile.py",
            &["echo:epoll", "--requests", "5"],
            "--requests 5 is not from 100",
        ),
        ("placement.py", &["bogus"], "WORKLOAD:SERVER[:RUNNER]"),
        (
            "placement.py",
            &["echo:nope"],
            "valid are streams, raw, native, floor, epoll",
        ),
    ];
    for (name, args, says) in cases {
        let (code, _, stderr) = script(&python, name, args);
        assert_eq!(code, Some(2), "{name} {args:?}: {stderr}");
        assert!(stderr.contains(says), "{name} {args:?}: {stderr}");
    }
}

#[test]
fn the_placement_script_measures_each_placement_of_a_real_server() {
    let Some(python) = python("the_placement_script_measures_each_placement_of_a_real_server")
    else {
        return;
    };
    let (code, stdout, stderr) = script(
        &python,
        "placement.py",
        &["echo:epoll", "--ms", "100", "--rounds", "1"],
    );
    assert_eq!(code, Some(0), "{stderr}");
    for placement in ["same", "split", "none"] {
        let row = stdout
            .lines()
            .find(|line| line.starts_with(&format!("| echo:epoll | {placement} |")))
            .unwrap_or_else(|| panic!("no {placement} row in:\n{stdout}"));
        assert!(row.contains("k/s") && row.contains("µs"), "{row}");
    }
}
