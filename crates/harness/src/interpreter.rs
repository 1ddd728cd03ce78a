//! Which python3 runs the references, where the repository is, and why a Python run failed: the leaf
//! that [`crate::python`], [`crate::venv`] and [`crate::crawl`] all build on.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Why a reference transcript could not be had.
#[derive(Debug, thiserror::Error)]
pub enum PythonError {
    /// No `python3` on `PATH` (nor `ROSETTA_PYTHON` set).
    #[error("python3 was not found on PATH (set ROSETTA_PYTHON to use another interpreter)")]
    Missing,
    /// The project's venv, with the packages a reference imports (aiohttp, aiofiles), is not there.
    #[error("skipped: aiohttp not installed ({0})")]
    NoPackages(String),
    /// The reference program is not where it should be.
    #[error("the reference program {0} is missing")]
    NoReference(PathBuf),
    /// The interpreter could not be started.
    #[error("could not run {program}: {error}")]
    Spawn {
        /// What was run.
        program: String,
        /// Why it failed.
        error: std::io::Error,
    },
    /// The program exited with an error.
    #[error("{program} exited with {status}: {stderr}")]
    Failed {
        /// What was run.
        program: String,
        /// Its exit status.
        status: std::process::ExitStatus,
        /// What it said on stderr.
        stderr: String,
    },
    /// Its output is not a transcript.
    #[error("{program} printed something that is not a transcript: {error}")]
    Unreadable {
        /// What was run.
        program: String,
        /// What was wrong.
        error: String,
    },
}

/// The repository root, where `reference/python/` is.
pub fn repo_root() -> PathBuf {
    // This crate sits at `crates/harness` in the repository.
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest
        .ancestors()
        .nth(2)
        .map_or_else(|| manifest.join("../.."), Path::to_path_buf)
}

/// The Python interpreter: `ROSETTA_PYTHON`, or `python3` if it runs.
pub fn interpreter() -> Option<String> {
    if let Ok(python) = std::env::var("ROSETTA_PYTHON") {
        return Some(python);
    }
    let runs = Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|out| out.status.success());
    runs.then(|| "python3".to_owned())
}

/// `python3 --version`, if there is one.
pub fn version() -> Option<String> {
    let python = interpreter()?;
    let out = Command::new(python).arg("--version").output().ok()?;
    Some(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}
