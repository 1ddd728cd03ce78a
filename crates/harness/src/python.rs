//! Which Python runs what, and running the CPython originals of `reference/python/` and reading their
//! timed transcripts.
//!
//! The one place that decides the interpreter: the references use only the standard library and run
//! on [`interpreter`] (`ROSETTA_PYTHON`, or `python3`), with or without the project's venv; the Python
//! baseline and every program that imports a package (uvloop, rloop, aiohttp, aiofiles) run on
//! [`packages_interpreter`], the venv's, made by [`crate::venv`] when it is missing.

use std::path::PathBuf;
use std::process::Command;

pub use crate::interpreter::{PythonError, interpreter, repo_root, version};

use rosetta_scenarios::{Line, ScenarioInfo, TimeScale, parity};

/// The interpreter of the project's venv, which imports the packages of `python/requirements.txt`;
/// the venv is made first if it is missing or stale (see [`crate::venv::ensure`]).
///
/// # Errors
///
/// [`crate::venv::VenvError`]: why the packages are not installed, and how to get them.
pub fn packages_interpreter() -> Result<PathBuf, crate::venv::VenvError> {
    packages().map(|venv| venv.python().to_path_buf())
}

/// The project's venv itself, for its interpreter and its packages' versions; made as
/// [`packages_interpreter`] makes it.
///
/// # Errors
///
/// As [`packages_interpreter`].
pub fn packages() -> Result<crate::venv::Venv, crate::venv::VenvError> {
    crate::venv::ensure()
}

/// Runs the reference program of `scenario` as the parity checks do: at its test scale, with its test
/// arguments and the default seed.
///
/// # Errors
///
/// As [`transcript`].
pub fn test_transcript(scenario: &ScenarioInfo) -> Result<Vec<Line>, PythonError> {
    if scenario.id == crate::crawl::SCENARIO {
        return crate::crawl::reference(crate::test_scale(scenario));
    }
    transcript(
        scenario,
        crate::test_scale(scenario),
        rosetta_scenarios::DEFAULT_SEED,
        &crate::test_args(scenario),
    )
}

/// Runs the reference program of `scenario` at `scale`, with `--seed` if it is seeded, and `args`; returns
/// its timed transcript.
///
/// # Errors
///
/// [`PythonError`]: no interpreter, no program, a failed run, or output that is not a transcript.
pub fn transcript(
    scenario: &ScenarioInfo,
    scale: TimeScale,
    seed: u64,
    args: &[String],
) -> Result<Vec<Line>, PythonError> {
    let python = interpreter().ok_or(PythonError::Missing)?;
    let program = repo_root().join(scenario.python_path());
    if !program.is_file() {
        return Err(PythonError::NoReference(program));
    }
    let mut command = Command::new(&python);
    command
        .arg(&program)
        .args(args)
        .env("ROSETTA_TIME_SCALE", scale.to_string())
        .env("ROSETTA_TRANSCRIPT", "1")
        .env("PYTHONDONTWRITEBYTECODE", "1");
    if scenario.seeded {
        command.arg("--seed").arg(seed.to_string());
    }
    let name = format!("{python} {}", scenario.python_path());
    let out = command.output().map_err(|error| PythonError::Spawn {
        program: name.clone(),
        error,
    })?;
    if !out.status.success() {
        return Err(PythonError::Failed {
            program: name,
            status: out.status,
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        });
    }
    parity::parse_timed(&String::from_utf8_lossy(&out.stdout)).map_err(|error| {
        PythonError::Unreadable {
            program: name,
            error,
        }
    })
}
