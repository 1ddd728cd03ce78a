//! Reading what `cargo bench` left: criterion's estimates of every planned case, and the Python
//! anchors beside them, as an [`Overhead`] value.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rosetta_workloads::interleave::Summary;
use rosetta_workloads::{Case, Group, plan};
use serde::Deserialize;

use super::{Overhead, OverheadError, PYTHON_BASELINE, SCHEMA, Timing};

/// Where criterion writes its output: `$CRITERION_HOME`, else `$CARGO_TARGET_DIR/criterion`, else the
/// repository's `target/criterion`, as criterion itself decides.
pub fn default_criterion_dir() -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return home.into();
    }
    if let Some(target) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(target).join("criterion");
    }
    rosetta_harness::python::repo_root().join("target/criterion")
}

/// criterion's estimates of every planned case found under `dir`, and the Python anchors beside them.
///
/// # Errors
///
/// [`OverheadError::File`] if an estimate or the Python baseline exists but cannot be read.
pub fn from_criterion(dir: &Path) -> Result<Overhead, OverheadError> {
    let mut criterion = Vec::new();
    for group in Group::ALL {
        for case in plan(group) {
            if let Some(timing) = estimate(dir, &case)? {
                criterion.push(timing);
            }
        }
    }
    let python_path = dir.join(PYTHON_BASELINE);
    let python = match std::fs::read_to_string(&python_path) {
        Ok(text) => {
            crate::python::parse(&text)
                .map_err(|error| OverheadError::File {
                    path: python_path.display().to_string(),
                    why: error.to_string(),
                })?
                .figures
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(error) => {
            return Err(OverheadError::File {
                path: python_path.display().to_string(),
                why: error.to_string(),
            });
        }
    };
    let versions = crate::machine::versions(None, Vec::new());
    Ok(Overhead {
        schema: SCHEMA,
        rustc: versions.rustc,
        crates: versions.crates,
        criterion,
        paired: None,
        python,
    })
}

/// Where criterion writes `case`'s estimates under `dir`.
pub fn estimates_path(dir: &Path, case: &Case) -> PathBuf {
    dir.join(filename_safe(case.group().name()))
        .join(filename_safe(&case.function_id()))
        .join(filename_safe(&case.parameter()))
        .join("new")
        .join("estimates.json")
}

/// Criterion's directory names: these characters become `_` (its `make_filename_safe`).
fn filename_safe(name: &str) -> String {
    name.chars()
        .map(|c| match c {
            '?' | '"' | '/' | '\\' | '*' | '<' | '>' | ':' | '|' | '^' => '_',
            c => c,
        })
        .collect()
}

/// criterion's `estimates.json`, the part read here.
#[derive(Debug, Deserialize)]
struct Estimates {
    mean: Option<Estimate>,
    median: Option<Estimate>,
    slope: Option<Estimate>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
struct Estimate {
    point_estimate: f64,
    confidence_interval: Option<Interval>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
struct Interval {
    lower_bound: f64,
    upper_bound: f64,
}

/// criterion's `sample.json`, the part read here.
#[derive(Debug, Deserialize)]
struct Sample {
    iters: Vec<f64>,
}

/// criterion's estimate of one iteration of `case`, or `None` if it was not measured: its slope when
/// it has one, else its mean; for the lateness groups, whose tail is heavy, its median.
fn estimate(dir: &Path, case: &Case) -> Result<Option<Timing>, OverheadError> {
    let path = estimates_path(dir, case);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => {
            return Err(OverheadError::File {
                path: path.display().to_string(),
                why: error.to_string(),
            });
        }
    };
    let bad = |why: String| OverheadError::File {
        path: path.display().to_string(),
        why,
    };
    let estimates: Estimates =
        serde_json::from_str(&text).map_err(|error| bad(error.to_string()))?;
    let chosen = if case.group().is_lateness() {
        estimates.median
    } else {
        estimates.slope.or(estimates.mean)
    };
    let estimate = chosen.ok_or_else(|| bad("no point estimate".to_owned()))?;
    let runs = std::fs::read_to_string(path.with_file_name("sample.json"))
        .ok()
        .and_then(|text| serde_json::from_str::<Sample>(&text).ok())
        .map_or(0, |sample| {
            u32::try_from(sample.iters.len()).unwrap_or(u32::MAX)
        });
    let centre = estimate.point_estimate.max(0.0);
    let interval = estimate.confidence_interval.unwrap_or(Interval {
        lower_bound: centre,
        upper_bound: centre,
    });
    // criterion's estimate, as the same summary an interleaved or paired run gives: its centre, and
    // its 95 % interval as the spread.
    let time = |ns: f64| Duration::from_secs_f64(ns.max(0.0) / 1e9);
    let summary = Summary {
        median: time(centre),
        min: time(interval.lower_bound),
        max: time(interval.upper_bound),
        runs,
    };
    Ok(Some(Timing::new(case, &summary)))
}
