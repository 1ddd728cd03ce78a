//! What the charts' tests share: results made up for a test, a temp dir, and the texts of an SVG.

use std::path::PathBuf;

use rosetta_runtimes::Flavor;

use crate::results::{
    Figure, Machine, Mode, PYTHON_ASYNCIO, PythonRun, Results, RuntimeEntry, SCHEMA, Versions,
    Workload,
};

use super::write_all;

/// The ids of the registry's runtimes, in its order.
pub(super) fn registry() -> Vec<&'static str> {
    rosetta_runtimes::ids()
}

/// A directory under the system's temp dir, removed when dropped (also when a test fails).
pub(super) struct TempDir(pub(super) PathBuf);

impl TempDir {
    pub(super) fn new(test: &str) -> TempDir {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_nanos());
        TempDir(std::env::temp_dir().join(format!(
            "rosetta-charts-{test}-{}-{nanos}",
            std::process::id()
        )))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub(super) fn results(runtimes: &[&str], figures: Vec<Figure>) -> Results {
    Results {
        schema: SCHEMA,
        generated_by: "rosetta compare --quick".to_owned(),
        generated_at: "2025-01-01T00:00:00Z".to_owned(),
        mode: Mode::Quick,
        elapsed_s: 30.0,
        machine: Machine {
            os: "linux".to_owned(),
            kernel: "6.1.0".to_owned(),
            cpu: "Test CPU @ 3.0GHz".to_owned(),
            cores: 4,
            memory_gib: Some(16.0),
        },
        versions: Versions {
            rustc: "rustc 1.88.0".to_owned(),
            async_rosetta: "0.1.0".to_owned(),
            crates: Vec::new(),
            python: Some("3.12.3".to_owned()),
            uvloop: None,
            python_packages: Vec::new(),
        },
        runtimes: runtimes.iter().map(|id| entry(id)).collect(),
        scenarios: Vec::new(),
        matrix: Vec::new(),
        figures,
        spreads: Vec::new(),
        reproducibility: None,
        python: PythonRun::Ran {
            loops: vec!["asyncio".to_owned()],
            skipped: Vec::new(),
        },
        python_gaps: Vec::new(),
        problems: Vec::new(),
        net: Vec::new(),
        net_gaps: Vec::new(),
    }
}

/// The results' entry of runtime `id`: the registry's, or one made up for an id it does not know.
fn entry(id: &str) -> RuntimeEntry {
    let info = rosetta_runtimes::lookup(id).ok();
    RuntimeEntry {
        id: id.to_owned(),
        name: id.to_owned(),
        runtime_crate: info.map_or(id, |info| info.runtime_crate).to_owned(),
        version: "1.0.0".to_owned(),
        flavor: info
            .map_or(Flavor::CurrentThread, |info| info.flavor)
            .to_string(),
        workers: 1,
        discontinued: info.and_then(|info| info.discontinued).map(str::to_owned),
    }
}

pub(super) fn figure(workload: Workload, param: &str, runner: &str, median_ns: f64) -> Figure {
    Figure {
        workload,
        param: param.to_owned(),
        runner: runner.to_owned(),
        median_ns,
        min_ns: median_ns * 0.8,
        max_ns: median_ns * 1.5,
        runs: 10,
        elements: match workload {
            Workload::Gather => param.parse().ok(),
            Workload::Queue => Some(10_000),
            _ => None,
        },
    }
}

/// Every workload at every parameter on the registry's runtimes and python-asyncio, with a spread of
/// values like a real run's.
pub(super) fn synthetic() -> Results {
    let mut figures = Vec::new();
    let runtimes = registry();
    let runners = runtimes.iter().copied().chain([PYTHON_ASYNCIO]);
    for (index, runner) in runners.enumerate() {
        let speed = 1.0 + index as f64 * 0.6;
        let python = if runner == PYTHON_ASYNCIO { 8.0 } else { 1.0 };
        for n in [10, 100, 1_000, 10_000] {
            let ns = (2_000.0 + 90.0 * f64::from(n)) * speed * python;
            figures.push(figure(Workload::Gather, &n.to_string(), runner, ns));
        }
        for (param, base) in [
            ("1x1-bounded", 1.0e6),
            ("1x1-unbounded", 0.8e6),
            ("4x4-bounded", 2.5e6),
        ] {
            figures.push(figure(
                Workload::Queue,
                param,
                runner,
                base * speed * python,
            ));
        }
        let global =
            rosetta_runtimes::lookup(runner).is_ok_and(|info| info.flavor == Flavor::Global);
        let (create, close) = match runner {
            // A global runtime's loops are handles: creating and closing one costs next to nothing.
            _ if global => (0.4, 0.3),
            PYTHON_ASYNCIO => (45_000.0, 12_000.0),
            _ => (8_000.0 * speed, 900.0 * speed),
        };
        figures.push(figure(Workload::LoopCreate, "default", runner, create));
        figures.push(figure(Workload::LoopClose, "default", runner, close));
        for (workload, param, ns) in [
            (Workload::TimerSleep, "1ms", 80_000.0),
            (Workload::TimerSleep, "10ms", 120_000.0),
            (Workload::TimerCallLater, "1ms", 60_000.0),
            (Workload::TimerCallLater, "10ms", 90_000.0),
            (Workload::BlockingStall, "median", 500_000.0),
            (Workload::BlockingStall, "worst", 1_100_000.0),
        ] {
            figures.push(figure(workload, param, runner, ns * speed));
        }
    }
    results(&runtimes, figures)
}

/// Renders every chart of `results` into a fresh temp dir and returns the files' names and
/// contents.
pub(super) fn write(test: &str, results: &Results) -> Vec<(String, String)> {
    let dir = TempDir::new(test);
    let written = write_all(results, &dir.0).expect("charts are written");
    written
        .iter()
        .map(|path| {
            assert_eq!(path.parent(), Some(dir.0.as_path()));
            let name = path
                .file_name()
                .map(|name| name.to_string_lossy().into_owned());
            let svg = std::fs::read_to_string(path).expect("a written chart can be read");
            (name.unwrap_or_default(), svg)
        })
        .collect()
}

/// The texts an SVG shows, each `<text>` element's content.
pub(super) fn texts(svg: &str) -> Vec<&str> {
    svg.split("<text")
        .skip(1)
        .filter_map(|rest| {
            let (_, body) = rest.split_once('>')?;
            Some(body.split_once("</text>")?.0.trim())
        })
        .collect()
}
