//! The project's Python environment: a venv under `target/` made from `python/requirements.txt`, which
//! holds the event loops measured beside CPython's (uvloop, rloop) and the packages the walkthrough's
//! crawler imports (aiohttp, aiofiles).
//!
//! [`ensure`] makes it when it is missing or was made from another requirements file (or another
//! python3), with `python3 -m venv` and pip, saying what it does on stderr; otherwise it returns at
//! once. The venv is valid only once its stamp is written, and the stamp is written last: a run stopped
//! half-way leaves a directory that the next run makes again, never one taken for a good venv. Two
//! processes that ask at once take turns on a lock file beside it; the second finds the first's venv.
//!
//! Where things are can be moved: `ROSETTA_VENV` names the venv's directory (default
//! `target/python-venv` in the repository), `ROSETTA_PYTHON` the python3 it is made from. pip reads its
//! own settings as usual (`PIP_INDEX_URL`, `PIP_RETRIES`...).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// The requirements file, relative to the repository root.
pub const REQUIREMENTS: &str = "python/requirements.txt";

/// The venv's directory, relative to the repository root, unless `ROSETTA_VENV` says otherwise.
pub const DEFAULT_DIR: &str = "target/python-venv";

/// The stamp file inside the venv: what it was made from. Written last.
const STAMP: &str = "rosetta-venv.stamp";

/// Why the venv could not be had. Each message says what is missing and how to get it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VenvError {
    /// No python3 to make it from.
    #[error(
        "python3 was not found on PATH, so the Python packages are not installed; install Python 3.11 \
         or later (on Debian or Ubuntu: `sudo apt-get install python3 python3-venv`) and run again"
    )]
    NoPython,
    /// The requirements file is not there.
    #[error("the requirements file {0} is missing")]
    NoRequirements(PathBuf),
    /// python3 cannot make a venv with pip in it (Debian's python3 without `python3-venv`).
    #[error(
        "`{python} -m venv` could not make {dir} ({why}); python3's venv and ensurepip modules are \
         needed (on Debian or Ubuntu: `sudo apt-get install python3-venv`), then run again"
    )]
    NoVenvModule {
        /// The interpreter asked.
        python: String,
        /// Where the venv was to be.
        dir: PathBuf,
        /// The last line it printed.
        why: String,
    },
    /// pip could not install the requirements: most often no network to PyPI.
    #[error(
        "pip could not install {requirements} into {dir} ({why}); pip needs the network to reach PyPI \
         (or PIP_INDEX_URL set to an index that has these packages): connect, then run again \
         (`cargo run --release` and the tests that need Python make it first)"
    )]
    Install {
        /// The requirements file.
        requirements: PathBuf,
        /// The venv.
        dir: PathBuf,
        /// The last line pip printed.
        why: String,
    },
    /// A file of the venv could not be read or written.
    #[error("{what}: {error}")]
    Io {
        /// What was being done.
        what: String,
        /// The error, as text (so that the error can be cloned and kept).
        error: String,
    },
}

impl VenvError {
    fn io(what: impl Into<String>, error: &std::io::Error) -> Self {
        VenvError::Io {
            what: what.into(),
            error: error.to_string(),
        }
    }
}

/// A made venv: its directory and its interpreter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Venv {
    dir: PathBuf,
    python: PathBuf,
}

impl Venv {
    /// The venv's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The venv's interpreter, which imports the requirements.
    pub fn python(&self) -> &Path {
        &self.python
    }

    /// The installed version of each package of `names` (as [`PACKAGES`]), as `(name, version)`, read
    /// from the venv's own metadata: what a run used, whatever the requirements file pins.
    ///
    /// # Errors
    ///
    /// [`VenvError::Io`] if the venv's interpreter cannot be run or says something unexpected.
    pub fn versions(&self, names: &[&str]) -> Result<Vec<(String, String)>, VenvError> {
        let script = "import sys, importlib.metadata as m\n\
                      for name in sys.argv[1:]:\n    print(name, m.version(name))";
        let out = Command::new(&self.python)
            .args(["-c", script])
            .args(names)
            .output()
            .map_err(|error| VenvError::io(format!("running {}", self.python.display()), &error))?;
        if !out.status.success() {
            return Err(VenvError::Io {
                what: format!("reading package versions with {}", self.python.display()),
                error: last_line(&out.stderr),
            });
        }
        Ok(String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|line| line.split_once(' '))
            .map(|(name, version)| (name.to_owned(), version.to_owned()))
            .collect())
    }
}

/// The packages the comparison reports the versions of: the loops and the crawler's two.
pub const PACKAGES: [&str; 4] = ["uvloop", "rloop", "aiohttp", "aiofiles"];

/// The venv's directory: `ROSETTA_VENV`, or [`DEFAULT_DIR`] in the repository.
pub fn dir() -> PathBuf {
    std::env::var_os("ROSETTA_VENV").map_or_else(
        || crate::interpreter::repo_root().join(DEFAULT_DIR),
        PathBuf::from,
    )
}

/// The requirements file of the repository.
pub fn requirements() -> PathBuf {
    crate::interpreter::repo_root().join(REQUIREMENTS)
}

/// The project's venv, made if it is missing or stale; asked once per process, and the answer kept
/// (so that a run that cannot make it says why once, and goes on without it).
///
/// # Errors
///
/// [`VenvError`], whose message says what is missing and how to get it.
pub fn ensure() -> Result<Venv, VenvError> {
    static VENV: OnceLock<Result<Venv, VenvError>> = OnceLock::new();
    VENV.get_or_init(|| {
        let python = crate::interpreter::interpreter().ok_or(VenvError::NoPython)?;
        ensure_at(&dir(), &requirements(), &python, &mut std::io::stderr())
    })
    .clone()
}

/// The venv at `dir` made from `requirements` by `python`: reused when its stamp matches, made again
/// otherwise. What it does is said on `progress`, and pip's own progress goes to stderr.
///
/// # Errors
///
/// [`VenvError`]: no requirements file, no venv module, pip failed, or a file could not be written.
pub fn ensure_at(
    dir: &Path,
    requirements: &Path,
    python: &str,
    progress: &mut dyn std::io::Write,
) -> Result<Venv, VenvError> {
    let wanted = stamp(requirements, python)?;
    let venv = Venv {
        dir: dir.to_path_buf(),
        python: interpreter_in(dir),
    };
    if is_current(&venv, &wanted) {
        return Ok(venv);
    }
    // One maker at a time: the lock is beside the venv, not in it, since making it clears the directory.
    let parent = dir.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent)
        .map_err(|error| VenvError::io(format!("creating {}", parent.display()), &error))?;
    let lock_path = lock_file(dir);
    let lock = File::create(&lock_path)
        .map_err(|error| VenvError::io(format!("creating {}", lock_path.display()), &error))?;
    lock.lock()
        .map_err(|error| VenvError::io(format!("locking {}", lock_path.display()), &error))?;
    // Whoever held the lock before may have made it meanwhile.
    if is_current(&venv, &wanted) {
        return Ok(venv);
    }
    let made = make(&venv, requirements, python, &wanted, progress);
    if made.is_err() && is_ours(dir) {
        // Without its stamp nothing takes it for a venv; removing it is only tidiness.
        let _ = std::fs::remove_dir_all(dir);
    }
    made.map(|()| venv)
}

/// The lock file of the venv at `dir`: `<dir>.lock`.
fn lock_file(dir: &Path) -> PathBuf {
    let mut name = dir.file_name().unwrap_or_default().to_os_string();
    name.push(".lock");
    dir.with_file_name(name)
}

/// Makes the venv from scratch, its stamp last.
fn make(
    venv: &Venv,
    requirements: &Path,
    python: &str,
    stamp: &str,
    progress: &mut dyn std::io::Write,
) -> Result<(), VenvError> {
    let dir = &venv.dir;
    let _ = writeln!(
        progress,
        "python: making {} from {} (python3 -m venv, then pip install; once, reused while {} is unchanged)",
        dir.display(),
        requirements.display(),
        REQUIREMENTS
    );
    if dir.exists() {
        if !is_ours(dir) {
            // ROSETTA_VENV may name any directory: one that is not a venv is never cleared.
            return Err(VenvError::Io {
                what: format!("making the venv at {}", dir.display()),
                error: "the directory exists and is not a venv; remove it, or set ROSETTA_VENV to \
                        another place"
                    .to_owned(),
            });
        }
        std::fs::remove_dir_all(dir)
            .map_err(|error| VenvError::io(format!("removing {}", dir.display()), &error))?;
    }
    let out = Command::new(python)
        .args(["-m", "venv"])
        .arg(dir)
        .output()
        .map_err(|error| VenvError::io(format!("running {python} -m venv"), &error))?;
    if !out.status.success() || !venv.python.is_file() {
        let mut why = last_line(&out.stderr);
        if why.is_empty() {
            why = last_line(&out.stdout);
        }
        return Err(VenvError::NoVenvModule {
            python: python.to_owned(),
            dir: dir.clone(),
            why,
        });
    }
    let _ = writeln!(
        progress,
        "python: pip install -r {}",
        requirements.display()
    );
    // pip's progress lines (its stdout) go to our stderr; its errors are kept for the message.
    let out = Command::new(&venv.python)
        .args([
            "-m",
            "pip",
            "install",
            "--disable-pip-version-check",
            "--no-input",
            "-r",
        ])
        .arg(requirements)
        .stdout(Stdio::from(std::io::stderr()))
        .stderr(Stdio::piped())
        .output()
        .map_err(|error| {
            VenvError::io(format!("running {} -m pip", venv.python.display()), &error)
        })?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let _ = progress.write_all(stderr.as_bytes());
        return Err(VenvError::Install {
            requirements: requirements.to_path_buf(),
            dir: dir.clone(),
            why: last_line(&out.stderr),
        });
    }
    let stamp_path = dir.join(STAMP);
    std::fs::write(&stamp_path, stamp)
        .map_err(|error| VenvError::io(format!("writing {}", stamp_path.display()), &error))?;
    let _ = writeln!(progress, "python: {} is ready", dir.display());
    Ok(())
}

/// Whether `dir` may be cleared to make the venv again: it is a venv (its `pyvenv.cfg`, the first file
/// `python3 -m venv` writes), or holds our stamp, or is empty.
fn is_ours(dir: &Path) -> bool {
    dir.join("pyvenv.cfg").is_file()
        || dir.join(STAMP).is_file()
        || std::fs::read_dir(dir).is_ok_and(|mut entries| entries.next().is_none())
}

/// Whether the venv is whole and made from what `wanted` describes.
fn is_current(venv: &Venv, wanted: &str) -> bool {
    venv.python.is_file()
        && std::fs::read_to_string(venv.dir.join(STAMP)).is_ok_and(|found| found == wanted)
}

/// What a venv is made from: the requirements file's hash and the base interpreter's version.
fn stamp(requirements: &Path, python: &str) -> Result<String, VenvError> {
    let text = std::fs::read(requirements)
        .map_err(|_| VenvError::NoRequirements(requirements.to_path_buf()))?;
    let version = Command::new(python)
        .arg("--version")
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_owned())
        .map_err(|_| VenvError::NoPython)?;
    Ok(format!(
        "requirements fnv1a64:{:016x}; {version}",
        fnv1a64(&text)
    ))
}

/// The 64-bit FNV-1a hash: enough to tell one requirements file from another, with no dependency.
fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// The interpreter inside a venv at `dir`.
fn interpreter_in(dir: &Path) -> PathBuf {
    if cfg!(windows) {
        dir.join("Scripts").join("python.exe")
    } else {
        dir.join("bin").join("python")
    }
}

/// The last non-empty line of some output, trimmed.
fn last_line(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes)
        .lines()
        .rev()
        .map(str::trim)
        .find(|line| !line.is_empty())
        .unwrap_or("")
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a64_matches_the_published_test_vectors() {
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn the_lock_file_sits_beside_the_venv() {
        assert_eq!(
            lock_file(Path::new("target/python-venv")),
            Path::new("target/python-venv.lock")
        );
    }

    #[test]
    fn the_last_line_skips_trailing_blank_lines() {
        assert_eq!(last_line(b"one\n  two  \n\n"), "two");
        assert_eq!(last_line(b""), "");
    }
}
