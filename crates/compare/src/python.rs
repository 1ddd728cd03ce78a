//! The Python baseline: `benches/python/baseline.py` run with the comparison's sizes, on CPython's
//! asyncio loop, uvloop and rloop (the last two from the project's venv); its JSON turned into
//! [`Figure`]s, and the cells a loop could not fill into [`PythonGap`]s.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Deserialize;

use crate::perf::PerfPlan;
use crate::results::{
    Figure, NOT_INSTALLED, PYTHON_ASYNCIO, PYTHON_LOOPS, PythonGap, PythonRun, Workload,
};

/// What the baseline gave.
#[derive(Debug, Clone, PartialEq)]
pub struct Baseline {
    /// Its figures, asyncio's first.
    pub figures: Vec<Figure>,
    /// What ran.
    pub run: PythonRun,
    /// The loops' cells with no figure: a loop not installed, or a workload it cannot run.
    pub gaps: Vec<PythonGap>,
    /// The venv's packages, name → version; empty without the venv.
    pub packages: Vec<(String, String)>,
}

impl Baseline {
    /// uvloop's version, when it ran.
    pub fn uvloop(&self) -> Option<String> {
        self.packages
            .iter()
            .find(|(name, _)| name == "uvloop")
            .map(|(_, version)| version.clone())
    }
}

/// The interpreter the baseline runs on, and the loops it can measure there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepared {
    /// The venv's interpreter, or, without the venv, the python3 of the references.
    pub python: PathBuf,
    /// The loops asked of the script: all three with the venv, asyncio's alone without it.
    pub loops: Vec<&'static str>,
    /// Why the venv is not there (what is missing, and how to get it), when it is not.
    pub not_installed: Option<String>,
    /// The venv's packages, name → version.
    pub packages: Vec<(String, String)>,
}

/// Finds (or makes) the interpreter for the baseline: the project's venv, made now if it is missing or
/// stale. Without it, CPython's own loop is still measured on the plain python3, and the other loops'
/// cells say `not installed`.
///
/// # Errors
///
/// No python3 at all: nothing can be measured.
pub fn prepare() -> Result<Prepared, String> {
    match rosetta_harness::python::packages() {
        Ok(venv) => Ok(Prepared {
            python: venv.python().to_path_buf(),
            loops: PYTHON_LOOPS
                .iter()
                .map(|runner| loop_name(runner))
                .collect(),
            not_installed: None,
            packages: venv
                .versions(&rosetta_harness::venv::PACKAGES)
                .unwrap_or_default(),
        }),
        Err(why) => match rosetta_harness::python::interpreter() {
            Some(python) => Ok(Prepared {
                python: PathBuf::from(python),
                loops: vec![loop_name(PYTHON_ASYNCIO)],
                not_installed: Some(why.to_string()),
                packages: Vec::new(),
            }),
            None => Err(why.to_string()),
        },
    }
}

/// The script's name of a loop: `python-rloop` → `rloop`.
fn loop_name(runner: &'static str) -> &'static str {
    runner.trim_start_matches("python-")
}

/// The JSON `baseline.py` writes.
#[derive(Debug, Deserialize)]
struct Report {
    versions: std::collections::BTreeMap<String, String>,
    loops: Vec<String>,
    #[serde(default)]
    skipped: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    unsupported: Vec<Unsupported>,
    results: Vec<Record>,
}

#[derive(Debug, Deserialize)]
struct Unsupported {
    #[serde(rename = "loop")]
    event_loop: String,
    group: String,
    parameter: String,
    why: String,
}

#[derive(Debug, Deserialize)]
struct Record {
    #[serde(rename = "loop")]
    event_loop: String,
    group: String,
    parameter: String,
    ns: f64,
    min_ns: f64,
    max_ns: f64,
    runs: u32,
    elements: Option<u64>,
}

/// Which queues the baseline measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Queues {
    /// The bounded queues only, as `rosetta compare` measures the runtimes.
    Bounded,
    /// Bounded and unbounded, as `cargo bench` does.
    Both,
}

/// Runs the baseline on `prepared`'s interpreter and loops with `plan`'s sizes; its time budget per
/// case is `budget_scale` × the script's own (0.5 s for most cases). The JSON is written to `json`,
/// and kept there. The loops `prepared` lacks are marked not installed.
///
/// # Errors
///
/// Why nothing could be measured: the script failed, or its JSON is unreadable.
pub fn run(
    prepared: &Prepared,
    plan: &PerfPlan,
    budget_scale: f64,
    queues: Queues,
    json: &Path,
) -> Result<Baseline, String> {
    let python = prepared.python.display().to_string();
    let script = rosetta_harness::python::repo_root().join("benches/python/baseline.py");
    let join = |values: Vec<String>| values.join(",");
    let mut command = Command::new(&prepared.python);
    command
        .arg(&script)
        .arg("--loops")
        .arg(prepared.loops.join(","));
    if queues == Queues::Bounded {
        command.arg("--bounded-only");
    }
    let out = command
        .arg("--out")
        .arg(json)
        .arg("--budget-scale")
        .arg(budget_scale.to_string())
        .arg("--gather-sizes")
        .arg(join(
            plan.gather_sizes.iter().map(usize::to_string).collect(),
        ))
        .arg("--pairs")
        .arg(join(
            plan.queue_pairs.iter().map(usize::to_string).collect(),
        ))
        .arg("--queue-items")
        .arg(plan.queue_items.to_string())
        .arg("--timer-delays-ms")
        .arg(join(
            plan.timer_delays
                .iter()
                .map(|delay| delay.as_millis().to_string())
                .collect(),
        ))
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .map_err(|error| format!("could not run {python} {}: {error}", script.display()))?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let last = stderr.lines().last().unwrap_or("").trim().to_owned();
        return Err(format!(
            "{} failed ({}): {last}",
            script.display(),
            out.status
        ));
    }
    let text = std::fs::read_to_string(json)
        .map_err(|error| format!("could not read {}: {error}", json.display()))?;
    let mut baseline = parse(&text).map_err(|error| format!("{}: {error}", json.display()))?;
    if let Some(why) = &prepared.not_installed {
        not_installed(&mut baseline, why);
    }
    if !prepared.packages.is_empty() {
        baseline.packages.clone_from(&prepared.packages);
    }
    Ok(baseline)
}

/// Marks every loop the baseline did not run as not installed, `why` said once in the run's notes.
fn not_installed(baseline: &mut Baseline, why: &str) {
    let PythonRun::Ran { loops, skipped } = &mut baseline.run else {
        return;
    };
    let mut missing = Vec::new();
    for runner in PYTHON_LOOPS {
        let name = loop_name(runner);
        if loops.iter().any(|ran| ran == name) {
            continue;
        }
        skipped.retain(|entry| !entry.starts_with(&format!("{name}: ")));
        missing.push(name);
        if !baseline.gaps.iter().any(|gap| gap.runner == runner) {
            baseline.gaps.push(whole_loop(runner));
        }
    }
    if !missing.is_empty() {
        // Said once for all of them: it is the same reason.
        skipped.push(format!("{}: {NOT_INSTALLED}: {why}", missing.join(", ")));
    }
}

/// The gap of a loop with no figure at all.
fn whole_loop(runner: &str) -> PythonGap {
    PythonGap {
        runner: runner.to_owned(),
        workload: None,
        param: None,
        says: NOT_INSTALLED.to_owned(),
    }
}

/// The comparison's name of a group and parameter of the script, or `None` for one it does not show.
fn point(group: &str, parameter: String) -> Option<(Workload, String)> {
    Some(match group {
        "gather" => (Workload::Gather, parameter),
        "queue" => (Workload::Queue, parameter),
        // asyncio's loop is the current-thread kind; the comparison's loops use the default.
        "loop_create" => (Workload::LoopCreate, "default".to_owned()),
        "loop_close" => (Workload::LoopClose, "default".to_owned()),
        "timer_sleep" => (Workload::TimerSleep, parameter),
        "timer_call_later" => (Workload::TimerCallLater, parameter),
        _ => return None,
    })
}

/// The comparison's name of a loop of the script (`rloop` → `python-rloop`).
fn runner_of(event_loop: &str) -> Option<&'static str> {
    PYTHON_LOOPS
        .into_iter()
        .find(|runner| loop_name(runner) == event_loop)
}

/// Turns the baseline's JSON into figures.
///
/// # Errors
///
/// The JSON is not what `baseline.py` writes.
pub fn parse(text: &str) -> Result<Baseline, serde_json::Error> {
    let report: Report = serde_json::from_str(text)?;
    let figures = report
        .results
        .into_iter()
        .filter_map(|record| {
            let runner = runner_of(&record.event_loop)?;
            let (workload, param) = point(&record.group, record.parameter)?;
            Some(Figure {
                workload,
                param,
                runner: runner.to_owned(),
                median_ns: record.ns,
                min_ns: record.min_ns,
                max_ns: record.max_ns,
                runs: record.runs,
                elements: record.elements,
            })
        })
        .collect();
    let mut gaps: Vec<PythonGap> = report
        .unsupported
        .into_iter()
        .filter_map(|entry| {
            let runner = runner_of(&entry.event_loop)?;
            let (workload, param) = point(&entry.group, entry.parameter)?;
            Some(PythonGap {
                runner: runner.to_owned(),
                workload: Some(workload),
                param: Some(param),
                says: format!("unsupported: {}", entry.why),
            })
        })
        .collect();
    // A loop the venv should hold but that would not import is as good as not installed.
    for (name, why) in &report.skipped {
        if why.starts_with("not importable")
            && let Some(runner) = runner_of(name)
        {
            gaps.push(whole_loop(runner));
        }
    }
    let packages = report
        .versions
        .into_iter()
        .filter(|(name, _)| name != "python")
        .collect();
    Ok(Baseline {
        figures,
        run: PythonRun::Ran {
            loops: report.loops,
            skipped: report
                .skipped
                .into_iter()
                .map(|(name, why)| format!("{name}: {why}"))
                .collect(),
        },
        gaps,
        packages,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_baselines_json_becomes_figures_under_the_comparisons_names() {
        let json = r#"{
            "versions": {"python": "3.11.7"},
            "loops": ["asyncio"],
            "skipped": {"uvloop": "not importable: No module named 'uvloop'"},
            "results": [
                {"loop": "asyncio", "group": "gather", "parameter": "100", "ns": 5.0,
                 "min_ns": 4.0, "max_ns": 9.0, "runs": 7, "elements": 100},
                {"loop": "asyncio", "group": "loop_create", "parameter": "current-thread",
                 "ns": 3.0, "min_ns": 2.0, "max_ns": 4.0, "runs": 10, "elements": null}
            ]
        }"#;
        let baseline = parse(json).expect("valid JSON");
        assert_eq!(baseline.figures.len(), 2);
        assert_eq!(baseline.figures[0].runner, PYTHON_ASYNCIO);
        assert_eq!(baseline.figures[0].elements, Some(100));
        assert_eq!(baseline.figures[1].workload, Workload::LoopCreate);
        assert_eq!(baseline.figures[1].param, "default");
        assert_eq!(baseline.uvloop(), None);
        assert_eq!(baseline.gaps, [whole_loop(crate::results::PYTHON_UVLOOP)]);
        assert_eq!(
            baseline.run,
            PythonRun::Ran {
                loops: vec!["asyncio".into()],
                skipped: vec!["uvloop: not importable: No module named 'uvloop'".into()],
            }
        );
    }

    #[test]
    fn a_point_a_loop_cannot_run_becomes_an_unsupported_cell() {
        let json = r#"{
            "versions": {"python": "3.11.7", "rloop": "0.5.0"},
            "loops": ["asyncio", "rloop"],
            "unsupported": [{"loop": "rloop", "group": "timer_call_later", "parameter": "1ms",
                             "why": "NotImplementedError: call_later"}],
            "results": []
        }"#;
        let baseline = parse(json).expect("valid JSON");
        assert_eq!(
            baseline.gaps,
            [PythonGap {
                runner: crate::results::PYTHON_RLOOP.to_owned(),
                workload: Some(Workload::TimerCallLater),
                param: Some("1ms".to_owned()),
                says: "unsupported: NotImplementedError: call_later".to_owned(),
            }]
        );
        assert_eq!(
            baseline.packages,
            [("rloop".to_owned(), "0.5.0".to_owned())]
        );
    }

    #[test]
    fn without_the_venv_the_other_loops_are_marked_not_installed_and_say_why() {
        let json = r#"{"versions": {"python": "3.11.7"}, "loops": ["asyncio"],
                       "skipped": {"uvloop": "not asked for (--loops)", "rloop": "not asked for (--loops)"},
                       "results": []}"#;
        let mut baseline = parse(json).expect("valid JSON");
        assert!(baseline.gaps.is_empty());
        not_installed(&mut baseline, "pip could not install");
        let runners: Vec<&str> = baseline
            .gaps
            .iter()
            .map(|gap| gap.runner.as_str())
            .collect();
        assert_eq!(
            runners,
            [crate::results::PYTHON_UVLOOP, crate::results::PYTHON_RLOOP]
        );
        assert!(
            baseline
                .gaps
                .iter()
                .all(|gap| gap.says == NOT_INSTALLED && gap.workload.is_none())
        );
        let PythonRun::Ran { skipped, .. } = &baseline.run else {
            panic!("it ran");
        };
        assert_eq!(
            skipped,
            &["uvloop, rloop: not installed: pip could not install".to_owned()]
        );
    }

    /// A results file with no runtime, holding `baseline`'s part.
    fn results_of(baseline: Baseline) -> crate::results::Results {
        let mut results: crate::results::Results = serde_json::from_value(serde_json::json!({
            "schema": crate::results::SCHEMA, "generated_by": "test", "generated_at": "now",
            "mode": "quick", "elapsed_s": 1.0,
            "machine": {"os": "linux", "kernel": "6", "cpu": "cpu", "cores": 2, "memory_gib": null},
            "versions": {"rustc": "rustc", "async_rosetta": "0.1.0", "crates": [],
                         "python": "Python 3.11.7", "uvloop": null},
            "runtimes": [], "scenarios": [], "matrix": [], "figures": [],
            "python": {"status": "skipped", "why": "none"}, "problems": []
        }))
        .expect("a results file written before the Python gaps were added still reads");
        results.figures = baseline.figures;
        results.python = baseline.run;
        results.python_gaps = baseline.gaps;
        results
    }

    #[test]
    fn the_tables_and_the_headline_say_not_installed_and_unsupported() {
        let json = r#"{
            "versions": {"python": "3.11.7"}, "loops": ["asyncio"],
            "unsupported": [{"loop": "rloop", "group": "gather", "parameter": "10",
                             "why": "RuntimeError: no"}],
            "results": [{"loop": "asyncio", "group": "gather", "parameter": "10", "ns": 5.0,
                         "min_ns": 4.0, "max_ns": 9.0, "runs": 7, "elements": 10}]
        }"#;
        let mut baseline = parse(json).expect("valid JSON");
        not_installed(&mut baseline, "no network");
        let results = results_of(baseline);
        let rows = crate::tables::workload(&results, Workload::Gather).rows;
        let said: Vec<(&str, &str)> = rows
            .iter()
            .map(|row| (row[1].as_str(), row[2].as_str()))
            .collect();
        assert_eq!(
            said,
            [
                (PYTHON_ASYNCIO, "5 ns"),
                (crate::results::PYTHON_UVLOOP, NOT_INSTALLED),
                (
                    crate::results::PYTHON_RLOOP,
                    "unsupported: RuntimeError: no"
                ),
            ]
        );
        let headline = crate::markdown::headline(&results);
        assert!(
            headline.contains("| python-uvloop | - | not installed |"),
            "{headline}"
        );
    }
}
