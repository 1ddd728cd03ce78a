//! SVG charts of a comparison's figures: gather latency, queue throughput, loop create and close,
//! timer lateness, and the network's requests/s, latency and worker sweep, one file each, drawn from
//! [`Results`].
//!
//! Plotters draws them with its SVG backend and none of its font machinery: text goes into the SVG
//! as `<text>` elements in the generic `sans-serif` family, and whatever shows the SVG lays it out,
//! so drawing needs no font file and no fontconfig. Plotters can then only *estimate* how wide a
//! text is (0.7 em per byte, wider than real type), so the layout leaves room: the legend has its
//! own column beside the plot and never covers a bar or a line.
//!
//! One module per step, each with its own tests: `selection` picks each chart's figures from the
//! results into the `model` (a chart's title, axes, and lines or bars of coloured series), `net` does
//! the same for the network's charts, `drawing` lays the model out and draws it, on the `axis` type
//! that picks its own ticks.

use std::path::{Path, PathBuf};

use crate::results::{NetWorkload, Results, Workload};

mod axis;
mod drawing;
mod model;
mod net;
mod selection;
#[cfg(test)]
mod testing;

use drawing::render;
use model::Chart;
use selection::{gather, loops, queue, timers};

/// Why the charts could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    /// The directory could not be created or a chart file could not be written.
    #[error("cannot write {}: {source}", .path.display())]
    Io {
        /// The directory or file.
        path: PathBuf,
        /// What the OS said.
        #[source]
        source: std::io::Error,
    },
    /// Plotters failed to draw a chart.
    #[error("cannot draw {}: {message}", .path.display())]
    Draw {
        /// The chart's file.
        path: PathBuf,
        /// Plotters' error, as text.
        message: String,
    },
}

/// Writes the charts of `results` into `dir`, creating it, and returns the paths written.
///
/// The charts are `gather.svg` (gather latency against N, log-log, with min–max bars),
/// `queue.svg` (queue throughput per producers × consumers), `loops.svg` (loop create and close,
/// log scale) and `timers.svg` (timer lateness and the blocking stall), and the network's
/// ([`net_files`]): `echo-1KiB.svg` and the like and `http.svg` (requests/s against connections,
/// log-log), `echo-latency.svg` (p50 and p99 per server) and `echo-workers.svg` (requests/s against
/// worker threads). A chart with nothing to
/// draw (its workloads have no figures, or none with a positive, finite value) is not written, and
/// when no chart has anything to draw `dir` is not created either. The runners come in the runtime
/// registry's order, then the Python loops, and each keeps one colour in every chart and every run:
/// each runtime crate has a hue, and its flavors a dark and a light shade of it.
///
/// # Errors
///
/// [`ChartError::Io`] when `dir` cannot be created or a file cannot be written,
/// [`ChartError::Draw`] when plotters fails; both name the path.
///
/// # Examples
///
/// ```
/// use rosetta_compare::results::{Figure, Machine, Mode, PythonRun, Results, RuntimeEntry, Versions};
/// use rosetta_compare::{Workload, charts};
///
/// # let results = Results {
/// #     schema: rosetta_compare::results::SCHEMA,
/// #     generated_by: "rosetta compare --quick".into(),
/// #     generated_at: "2025-01-01T00:00:00Z".into(),
/// #     mode: Mode::Quick,
/// #     elapsed_s: 30.0,
/// #     machine: Machine {
/// #         os: "linux".into(),
/// #         kernel: "6.1".into(),
/// #         cpu: "unknown".into(),
/// #         cores: 2,
/// #         memory_gib: None,
/// #     },
/// #     versions: Versions {
/// #         rustc: "rustc 1.88.0".into(),
/// #         async_rosetta: "0.1.0".into(),
/// #         crates: vec![],
/// #         python: None,
/// #         uvloop: None,
/// #         python_packages: vec![],
/// #     },
/// #     runtimes: vec![RuntimeEntry {
/// #         id: "tokio".into(),
/// #         name: "tokio (current-thread)".into(),
/// #         runtime_crate: "tokio".into(),
/// #         version: "1.54.1".into(),
/// #         flavor: "current-thread".into(),
/// #         workers: 1,
/// #         discontinued: None,
/// #     }],
/// #     scenarios: vec![],
/// #     matrix: vec![],
/// #     figures: vec![],
/// #     spreads: vec![],
/// #     reproducibility: None,
/// #     python: PythonRun::Skipped { why: "no python3".into() },
/// #     python_gaps: vec![],
/// #     problems: vec![],
/// #     net: vec![],
/// #     net_gaps: vec![],
/// # };
/// // `results` has one runtime, tokio, and one figure: 1 000 tasks gathered in 80 µs.
/// # let mut results = results;
/// results.figures.push(Figure {
///     workload: Workload::Gather,
///     param: "1000".into(),
///     runner: "tokio".into(),
///     median_ns: 80_000.0,
///     min_ns: 75_000.0,
///     max_ns: 95_000.0,
///     runs: 10,
///     elements: Some(1000),
/// });
/// let dir = std::env::temp_dir().join(format!("rosetta-charts-doc-{}", std::process::id()));
/// let written = charts::write_all(&results, &dir)?;
/// assert_eq!(written, [dir.join("gather.svg")]);
/// assert!(std::fs::read_to_string(&written[0])?.starts_with("<svg"));
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write_all(results: &Results, dir: &Path) -> Result<Vec<PathBuf>, ChartError> {
    let charts = [
        (GATHER_SVG, gather(results)),
        (QUEUE_SVG, queue(results)),
        (LOOPS_SVG, loops(results)),
        (TIMERS_SVG, timers(results)),
    ];
    let mut charts: Vec<(String, Chart)> = charts
        .into_iter()
        .filter_map(|(file, chart)| Some((file.to_owned(), chart?)))
        .collect();
    charts.extend(net_charts(results));
    if charts.is_empty() {
        return Ok(Vec::new());
    }

    std::fs::create_dir_all(dir).map_err(|source| ChartError::Io {
        path: dir.to_owned(),
        source,
    })?;
    let footer = footer(results);
    let mut written = Vec::with_capacity(charts.len());
    for (file, chart) in charts {
        let path = dir.join(&file);
        let svg = render(&chart, &footer).map_err(|error| ChartError::Draw {
            path: path.clone(),
            message: error.to_string(),
        })?;
        std::fs::write(&path, svg).map_err(|source| ChartError::Io {
            path: path.clone(),
            source,
        })?;
        written.push(path);
    }
    Ok(written)
}

const GATHER_SVG: &str = "gather.svg";
const QUEUE_SVG: &str = "queue.svg";
const LOOPS_SVG: &str = "loops.svg";
const TIMERS_SVG: &str = "timers.svg";
const ECHO_LATENCY_SVG: &str = "echo-latency.svg";
const WORKERS_SVG: &str = "echo-workers.svg";

/// The requests/s chart of `workload` at `size` bytes: `echo-1KiB.svg` for echo messages,
/// `http.svg` for HTTP (whose one size is its body's).
fn rps_file(workload: NetWorkload, size: u64) -> String {
    match workload {
        NetWorkload::Echo => {
            let label =
                rosetta_netbench::measure::size_label(usize::try_from(size).unwrap_or(usize::MAX));
            format!("echo-{}.svg", label.replace(' ', ""))
        }
        NetWorkload::Http => "http.svg".to_owned(),
    }
}

/// The network charts of `results`, by file name, in report order: requests/s against connections
/// per echo size measured at two connection counts or more, and for HTTP; the latency per server at
/// 1 KiB × 10; requests/s against worker threads.
fn net_charts(results: &Results) -> Vec<(String, Chart)> {
    let mut charts = Vec::new();
    for workload in NetWorkload::ALL {
        for size in net::rps_sizes(results, workload) {
            if let Some(chart) = net::rps(results, workload, size) {
                charts.push((rps_file(workload, size), chart));
            }
        }
    }
    if let Some(chart) = net::echo_latency(results) {
        charts.push((ECHO_LATENCY_SVG.to_owned(), chart));
    }
    if let Some(chart) = net::workers(results) {
        charts.push((WORKERS_SVG.to_owned(), chart));
    }
    charts
}

/// The network charts `results` has, by file name, in report order.
pub fn net_files(results: &Results) -> Vec<String> {
    net_charts(results)
        .into_iter()
        .map(|(file, _)| file)
        .collect()
}

/// The chart that shows `workload`, by file name; `None` for a workload shown beside another's (loop
/// close with loop create, the stall and `call_later` with the timers).
pub fn file_of(workload: Workload) -> Option<&'static str> {
    match workload {
        Workload::Gather => Some(GATHER_SVG),
        Workload::Queue => Some(QUEUE_SVG),
        Workload::LoopCreate => Some(LOOPS_SVG),
        Workload::TimerSleep => Some(TIMERS_SVG),
        Workload::LoopClose
        | Workload::TimerCallLater
        | Workload::BlockingStall
        | Workload::RunInExecutor => None,
    }
}

/// The line at the bottom of every chart: where the numbers come from.
fn footer(results: &Results) -> String {
    format!(
        "generated by `{}` at {} on {} ({} cores); do not edit",
        results.generated_by, results.generated_at, results.machine.cpu, results.machine.cores
    )
}

#[cfg(test)]
mod tests {
    use super::model::Lineup;
    use super::testing::{TempDir, figure, registry, results, synthetic, texts, write};
    use super::*;
    use crate::results::{Figure, Heading, PYTHON_ASYNCIO};

    #[test]
    fn every_chart_is_an_svg_naming_every_runner() {
        let charts = write("every", &synthetic());
        let names: Vec<&str> = charts.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(
            names,
            ["gather.svg", "queue.svg", "loops.svg", "timers.svg"]
        );
        for (name, svg) in &charts {
            assert!(svg.starts_with("<svg"), "{name} is not an SVG");
            let labels = rosetta_runtimes::RUNTIMES
                .iter()
                .map(|info| match info.discontinued {
                    Some(_) => format!("{} (discontinued)", info.id),
                    None => info.id.to_owned(),
                });
            for label in labels.chain([PYTHON_ASYNCIO.to_owned()]) {
                assert!(
                    texts(svg).contains(&label.as_str()),
                    "{name} does not name {label}"
                );
            }
            assert!(
                svg.contains("do not edit"),
                "{name} has no generated-by line"
            );
        }
    }

    #[test]
    fn each_chart_is_titled_by_its_workload() {
        let charts = write("titles", &synthetic());
        let texts = |file: &str| texts(&charts.iter().find(|(name, _)| name == file).unwrap().1);
        assert!(texts("gather.svg").contains(&Workload::Gather.title()));
        assert!(texts("queue.svg").contains(&Workload::Queue.title()));
        assert!(texts("loops.svg").contains(&"loop create and loop close"));
        for group in [
            "sleep 1ms",
            "call_later 10ms",
            "stall median",
            "stall worst",
        ] {
            assert!(texts("timers.svg").contains(&group), "no {group} group");
        }
    }

    #[test]
    fn no_figures_writes_nothing_and_creates_no_dir() {
        let dir = TempDir::new("empty");
        let written = write_all(&results(&registry(), Vec::new()), &dir.0).expect("no error");
        assert!(written.is_empty());
        assert!(!dir.0.exists());
    }

    #[test]
    fn values_no_axis_can_show_leave_their_chart_out() {
        let figures = vec![
            figure(Workload::Gather, "100", "tokio", f64::NAN),
            figure(Workload::Gather, "many", "tokio", 1_000.0),
            figure(Workload::Gather, "0", "tokio", 1_000.0),
            figure(Workload::LoopCreate, "default", "tokio", 0.0),
            figure(Workload::LoopClose, "default", "tokio", -3.0),
            figure(Workload::TimerSleep, "1ms", "tokio", f64::INFINITY),
            Figure {
                elements: None,
                ..figure(Workload::Queue, "1x1-bounded", "tokio", 1_000.0)
            },
        ];
        let dir = TempDir::new("unshowable");
        let written = write_all(&results(&registry(), figures), &dir.0).expect("no error");
        assert!(written.is_empty());
    }

    #[test]
    fn a_runner_without_a_figure_gets_no_bar_and_no_legend_entry() {
        let figures = vec![
            figure(Workload::LoopCreate, "default", "tokio", 9_000.0),
            figure(Workload::LoopClose, "default", "tokio", 0.0),
            figure(Workload::LoopClose, "default", "smol", 700.0),
        ];
        let charts = write("absent", &results(&registry(), figures));
        assert_eq!(charts.len(), 1);
        let (name, svg) = &charts[0];
        assert_eq!(name, "loops.svg");
        let texts = texts(svg);
        assert!(texts.contains(&"tokio") && texts.contains(&"smol"));
        for other in registry()
            .into_iter()
            .filter(|id| !["tokio", "smol"].contains(id))
        {
            assert!(!texts.contains(&other), "{other} has a legend entry");
        }
    }

    #[test]
    fn a_single_runner_with_a_single_point_is_drawn() {
        let figures = vec![
            figure(Workload::Gather, "1000", "smol", 50_000.0),
            figure(Workload::Queue, "1x1-bounded", "smol", 1.0e6),
            figure(Workload::TimerSleep, "1ms", "smol", 0.0),
            figure(Workload::TimerCallLater, "1ms", "smol", 70_000.0),
        ];
        let charts = write("single", &results(&["smol"], figures));
        let names: Vec<&str> = charts.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(names, ["gather.svg", "queue.svg", "timers.svg"]);
        assert!(charts.iter().all(|(_, svg)| texts(svg).contains(&"smol")));
    }

    #[test]
    fn a_runner_keeps_its_colour_in_every_chart() {
        let results = synthetic();
        let color = Lineup::of(&results).series("smol").color;
        let hex = format!("#{:02X}{:02X}{:02X}", color.0, color.1, color.2);
        for (name, svg) in write("colour", &results) {
            assert!(svg.contains(&hex), "{name} does not draw smol in {hex}");
        }
    }

    #[test]
    fn an_unwritable_dir_is_an_io_error_naming_it() {
        let dir = TempDir::new("unwritable");
        std::fs::write(&dir.0, "a file, not a dir").unwrap();
        let error = write_all(&synthetic(), &dir.0).unwrap_err();
        assert!(matches!(error, ChartError::Io { ref path, .. } if *path == dir.0));
        assert!(error.to_string().contains(&*dir.0.to_string_lossy()));
        std::fs::remove_file(&dir.0).unwrap();
    }
}
