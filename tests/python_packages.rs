//! The Python side when its packages cannot be installed: `rosetta compare` says what is missing and
//! how to get it, marks the uvloop and rloop cells "not installed", measures CPython's own loop
//! anyway, and goes on. Each test makes its venv in a directory of its own (`ROSETTA_VENV`), never
//! the project's.

#![cfg(unix)]

use std::io::Write as _;
use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// A fresh directory for one test, under the target directory.
fn scratch(test: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("python-packages-{test}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("the test directory");
    dir
}

/// Whether there is a python3 to test with; CI must have one.
fn has_python(test: &str) -> bool {
    if rosetta_harness::python::interpreter().is_some() {
        return true;
    }
    assert!(std::env::var_os("CI").is_none(), "CI must have python3");
    let _ = writeln!(std::io::stderr(), "SKIPPED {test}: python3 was not found");
    false
}

/// `rosetta compare` with the Python baseline alone, small, its venv in `dir/venv`; its JSON and its
/// stderr.
fn compare(dir: &Path, setup: impl FnOnce(&mut Command)) -> (serde_json::Value, String) {
    let mut command = Command::cargo_bin("rosetta").expect("the rosetta binary is built");
    command
        .args(["compare", "--quick", "--skip", "matrix", "--skip", "perf"])
        .args(["--sizes", "1,10", "--items", "200", "--json", "--out"])
        .arg(dir.join("out"))
        .env("ROSETTA_VENV", dir.join("venv"))
        // Nothing from this machine's pip settings: the test decides where pip looks.
        .env("PIP_CONFIG_FILE", "/dev/null");
    setup(&mut command);
    let output = command.output().expect("rosetta runs");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "the run did not go on: {stderr}");
    let json = serde_json::from_slice(&output.stdout).expect("stdout is JSON");
    (json, stderr)
}

/// The run went on without the packages: asyncio measured, uvloop and rloop marked not installed.
fn went_on_without_the_packages(json: &serde_json::Value, dir: &Path) {
    assert_eq!(json["python"]["status"], "ran", "{}", json["python"]);
    assert_eq!(json["python"]["loops"], serde_json::json!(["asyncio"]));
    let gaps: Vec<(&str, &str)> = json["python_gaps"]
        .as_array()
        .expect("python_gaps")
        .iter()
        .map(|gap| {
            (
                gap["runner"].as_str().unwrap_or_default(),
                gap["says"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        gaps,
        [
            ("python-uvloop", "not installed"),
            ("python-rloop", "not installed")
        ]
    );
    let figures = json["figures"].as_array().expect("figures");
    assert!(
        figures.iter().any(|f| f["runner"] == "python-asyncio"),
        "CPython's own loop is measured anyway"
    );
    assert!(
        !figures.iter().any(|f| f["runner"] == "python-rloop"),
        "no rloop figure without rloop"
    );
    assert!(
        !dir.join("venv").exists(),
        "no half-made venv is left behind"
    );
}

#[test]
fn without_network_compare_says_so_marks_the_loops_not_installed_and_goes_on() {
    if !has_python("without_network_compare_says_so_marks_the_loops_not_installed_and_goes_on") {
        return;
    }
    let dir = scratch("offline");
    let (json, stderr) = compare(&dir, |command| {
        // An index nobody answers on, as a machine without network has.
        command
            .env("PIP_INDEX_URL", "http://127.0.0.1:9/simple/")
            .env("PIP_RETRIES", "0")
            .env("PIP_TIMEOUT", "2");
    });
    assert!(
        stderr.contains("python: making"),
        "progress is shown: {stderr}"
    );
    for said in [
        "pip could not install",
        "PyPI",
        "cargo run --release",
        "not installed",
    ] {
        assert!(stderr.contains(said), "no {said:?} in {stderr}");
    }
    went_on_without_the_packages(&json, &dir);
}

#[test]
fn without_the_venv_module_compare_names_the_package_to_install_and_goes_on() {
    if !has_python("without_the_venv_module_compare_names_the_package_to_install_and_goes_on") {
        return;
    }
    let dir = scratch("no-venv-module");
    // A python3 as Debian ships it without python3-venv: it runs programs, but cannot make a venv.
    let fake = dir.join("python3");
    std::fs::write(
        &fake,
        "#!/bin/sh\nif [ \"$1 $2\" = '-m venv' ]; then\n  \
         echo 'The virtual environment was not created successfully because ensurepip is not \
         available.' >&2\n  \
         exit 1\nfi\nexec python3 \"$@\"\n",
    )
    .expect("the stand-in is written");
    let made = std::process::Command::new("chmod")
        .arg("+x")
        .arg(&fake)
        .status()
        .expect("chmod runs");
    assert!(made.success());
    let (json, stderr) = compare(&dir, |command| {
        command.env("ROSETTA_PYTHON", &fake);
    });
    for said in [
        "ensurepip is not available",
        "sudo apt-get install python3-venv",
        "not installed",
    ] {
        assert!(stderr.contains(said), "no {said:?} in {stderr}");
    }
    went_on_without_the_packages(&json, &dir);
}
