//! The project's venv: made once from the requirements file, reused while it matches, made again when
//! the file changes, never left half-made, made once when two callers ask at once; and, with a real
//! python3 and PyPI, importing every package the comparison and the crawler need.
//!
//! All but the last use a stand-in python3 (a shell script) whose `-m venv` and `-m pip` only record
//! that they ran, so that they are quick, need no network, and can fail on demand.

#![cfg(unix)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rosetta_harness::venv::{self, VenvError};

/// A scratch directory of its own for each test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rosetta-venv-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    dir
}

/// A stand-in python3 in `dir`, logging each `-m venv` and `-m pip` to `dir/calls.log`; its pip fails,
/// as pip does without network, while `dir/offline` exists.
fn fake_python(dir: &Path) -> String {
    let log = dir.join("calls.log");
    let offline = dir.join("offline");
    let script = format!(
        r#"#!/bin/sh
case "$1 $2" in
  "--version "*) echo "Python 3.99.0" ;;
  "-m venv") mkdir -p "$3/bin" && cp "$0" "$3/bin/python" && echo venv >> '{log}' ;;
  "-m pip")
    sleep 0.2
    echo pip >> '{log}'
    if [ -e '{offline}' ]; then
      echo "ERROR: No matching distribution found for uvloop==0.23.0" >&2
      exit 1
    fi
    echo "Successfully installed uvloop-0.23.0" ;;
  *) exit 3 ;;
esac
"#,
        log = log.display(),
        offline = offline.display(),
    );
    let path = dir.join("python3");
    std::fs::write(&path, script).expect("the stand-in is written");
    let made = std::process::Command::new("chmod")
        .arg("+x")
        .arg(&path)
        .status()
        .expect("chmod runs");
    assert!(made.success());
    path.display().to_string()
}

fn calls(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(dir.join("calls.log"))
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
}

fn requirements(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("requirements.txt");
    std::fs::write(&path, text).expect("the requirements are written");
    path
}

#[test]
fn the_venv_is_made_once_and_reused_while_the_file_matches() {
    let dir = scratch("reuse");
    let python = fake_python(&dir);
    let reqs = requirements(&dir, "uvloop==0.23.0\n");
    let at = dir.join("venv");
    let mut said = Vec::new();
    let made = venv::ensure_at(&at, &reqs, &python, &mut said).expect("made");
    assert_eq!(made.python(), at.join("bin/python"));
    assert!(String::from_utf8_lossy(&said).contains("pip install -r"));
    assert_eq!(calls(&dir), ["venv", "pip"]);

    let mut said = Vec::new();
    venv::ensure_at(&at, &reqs, &python, &mut said).expect("reused");
    assert!(said.is_empty(), "a current venv is reused silently");
    assert_eq!(calls(&dir), ["venv", "pip"], "nothing ran again");

    requirements(&dir, "uvloop==0.23.0\nrloop==0.5.0\n");
    venv::ensure_at(&at, &reqs, &python, &mut Vec::new()).expect("made again");
    assert_eq!(
        calls(&dir),
        ["venv", "pip", "venv", "pip"],
        "a changed file remakes it"
    );
}

#[test]
fn without_network_the_message_says_what_is_missing_and_no_venv_is_left() {
    let dir = scratch("offline");
    let python = fake_python(&dir);
    let reqs = requirements(&dir, "uvloop==0.23.0\n");
    let at = dir.join("venv");
    std::fs::write(dir.join("offline"), "").expect("offline");
    let mut said = Vec::new();
    let error = venv::ensure_at(&at, &reqs, &python, &mut said).expect_err("pip fails");
    assert!(matches!(error, VenvError::Install { .. }), "{error:?}");
    let message = error.to_string();
    assert!(message.contains("No matching distribution"), "{message}");
    assert!(message.contains("PyPI"), "{message}");
    assert!(message.contains("cargo run --release"), "{message}");
    assert!(!at.exists(), "the half-made venv is removed");

    // Back online, the next run makes it.
    std::fs::remove_file(dir.join("offline")).expect("online");
    venv::ensure_at(&at, &reqs, &python, &mut Vec::new()).expect("made");
    assert!(at.join("bin/python").is_file());
}

#[test]
fn a_venv_without_its_stamp_is_made_again() {
    let dir = scratch("half-made");
    let python = fake_python(&dir);
    let reqs = requirements(&dir, "uvloop==0.23.0\n");
    let at = dir.join("venv");
    // What a run stopped between `venv` and the end of `pip install` leaves: an interpreter, no stamp.
    std::fs::create_dir_all(at.join("bin")).expect("dir");
    std::fs::copy(&python, at.join("bin/python")).expect("interpreter");
    venv::ensure_at(&at, &reqs, &python, &mut Vec::new()).expect("made");
    assert_eq!(calls(&dir), ["venv", "pip"]);
}

#[test]
fn without_the_venv_module_the_message_names_the_package_to_install() {
    let dir = scratch("no-venv");
    // Debian's python3 without python3-venv.
    let path = dir.join("python3");
    std::fs::write(
        &path,
        "#!/bin/sh\n[ \"$1\" = --version ] && { echo 'Python 3.11.2'; exit 0; }\n\
         echo 'The virtual environment was not created successfully because ensurepip is not \
         available.' >&2\nexit 1\n",
    )
    .expect("written");
    assert!(
        std::process::Command::new("chmod")
            .arg("+x")
            .arg(&path)
            .status()
            .expect("chmod")
            .success()
    );
    let reqs = requirements(&dir, "uvloop==0.23.0\n");
    let error = venv::ensure_at(
        &dir.join("venv"),
        &reqs,
        &path.display().to_string(),
        &mut Vec::new(),
    )
    .expect_err("no venv module");
    let message = error.to_string();
    assert!(message.contains("ensurepip is not available"), "{message}");
    assert!(
        message.contains("sudo apt-get install python3-venv"),
        "{message}"
    );
}

#[test]
fn two_callers_at_once_make_it_once() {
    let dir = Arc::new(scratch("race"));
    let python = Arc::new(fake_python(&dir));
    let reqs = Arc::new(requirements(&dir, "uvloop==0.23.0\n"));
    let callers: Vec<_> = (0..2)
        .map(|_| {
            let (dir, python, reqs) = (Arc::clone(&dir), Arc::clone(&python), Arc::clone(&reqs));
            std::thread::spawn(move || {
                venv::ensure_at(&dir.join("venv"), &reqs, &python, &mut Vec::new())
            })
        })
        .collect();
    for caller in callers {
        caller.join().expect("no panic").expect("both get the venv");
    }
    assert_eq!(calls(&dir), ["venv", "pip"], "made once");
}

#[test]
fn the_projects_venv_imports_every_package() {
    let Some(_) = rosetta_harness::python::interpreter() else {
        assert!(std::env::var_os("CI").is_none(), "CI must have python3");
        eprintln!("SKIPPED the_projects_venv_imports_every_package: no python3");
        return;
    };
    let venv = match venv::ensure() {
        Ok(venv) => venv,
        Err(error) if std::env::var_os("CI").is_none() => {
            eprintln!("SKIPPED the_projects_venv_imports_every_package: {error}");
            return;
        }
        Err(error) => panic!("CI must be able to make the venv: {error}"),
    };
    let out = std::process::Command::new(venv.python())
        .args(["-c", "import uvloop, rloop, aiohttp, aiofiles"])
        .output()
        .expect("the venv's python runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let versions = venv.versions(&venv::PACKAGES).expect("versions");
    let names: Vec<&str> = versions.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(names, venv::PACKAGES);
    let pinned = std::fs::read_to_string(venv::requirements()).expect("requirements");
    for (name, version) in &versions {
        assert!(
            pinned.contains(&format!("{name}=={version}")),
            "{name} {version} is not the pinned one"
        );
    }
}
