//! The Python baseline: `benches/python/baseline.py` run with the comparison's sizes, on CPython's
//! asyncio loop and on uvloop when it can be imported; its JSON turned into [`Figure`]s.

use std::path::Path;
use std::process::Command;

use serde::Deserialize;

use crate::perf::PerfPlan;
use crate::results::{Figure, PYTHON_ASYNCIO, PYTHON_UVLOOP, PythonRun, Workload};

/// What the baseline gave.
#[derive(Debug, Clone, PartialEq)]
pub struct Baseline {
    /// Its figures, asyncio's first.
    pub figures: Vec<Figure>,
    /// What ran.
    pub run: PythonRun,
    /// uvloop's version, when it ran.
    pub uvloop: Option<String>,
}

/// The JSON `baseline.py` writes.
#[derive(Debug, Deserialize)]
struct Report {
    versions: Versions,
    loops: Vec<String>,
    #[serde(default)]
    skipped: std::collections::BTreeMap<String, String>,
    results: Vec<Record>,
}

#[derive(Debug, Deserialize)]
struct Versions {
    uvloop: Option<String>,
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

/// Runs the baseline with `plan`'s sizes; its time budget per case is `budget_scale` × the script's
/// own (0.5 s for most cases). The JSON is written to `json`, and kept there.
///
/// # Errors
///
/// Why nothing could be measured: no python3, the script failed, or its JSON is unreadable.
pub fn run(
    plan: &PerfPlan,
    budget_scale: f64,
    queues: Queues,
    json: &Path,
) -> Result<Baseline, String> {
    let python = rosetta_harness::python::interpreter().ok_or("no python3 on this machine")?;
    let script = rosetta_harness::python::repo_root().join("benches/python/baseline.py");
    let join = |values: Vec<String>| values.join(",");
    let mut command = Command::new(&python);
    command.arg(&script);
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
    parse(&text).map_err(|error| format!("{}: {error}", json.display()))
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
            let runner = match record.event_loop.as_str() {
                "asyncio" => PYTHON_ASYNCIO,
                "uvloop" => PYTHON_UVLOOP,
                _ => return None,
            };
            let (workload, param) = match record.group.as_str() {
                "gather" => (Workload::Gather, record.parameter),
                "queue" => (Workload::Queue, record.parameter),
                // asyncio's loop is the current-thread kind; the comparison's loops use the default.
                "loop_create" => (Workload::LoopCreate, "default".to_owned()),
                "loop_close" => (Workload::LoopClose, "default".to_owned()),
                "timer_sleep" => (Workload::TimerSleep, record.parameter),
                "timer_call_later" => (Workload::TimerCallLater, record.parameter),
                _ => return None,
            };
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
        uvloop: report.versions.uvloop,
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
        assert_eq!(baseline.uvloop, None);
        assert_eq!(
            baseline.run,
            PythonRun::Ran {
                loops: vec!["asyncio".into()],
                skipped: vec!["uvloop: not importable: No module named 'uvloop'".into()],
            }
        );
    }
}
