//! The network part of `rosetta compare`: the echo and HTTP points on every server instance, each
//! point's servers loaded in rotated rounds by the generator process, summed up into [`NetFigure`]s.
//!
//! Three plans: `--quick` (echo 1 KiB and HTTP at 10 connections, one run of 60 ms per server), the
//! default (echo 1 KiB at 1, 10 and 100 connections and 100 KiB at 10, HTTP at 10, two runs each)
//! and `--full` (every size at 1, 10, 100 and 1 000 connections, five longer runs, and the worker
//! sweep of the multi-thread flavors).

use std::time::Duration;

use rosetta_netbench::measure::{self, Pinning, Point, Runs, Settings};
use rosetta_netbench::servers::{self, Instance, Launch, On};
use rosetta_runtimes::{Flavor, RuntimeInfo};
use rosetta_workloads::interleave::Summary;

use crate::results::{NOT_INSTALLED, NetFigure, NetGap, NetWorkload};

/// What the cells of a runtime this machine cannot run say.
pub const UNAVAILABLE: &str = "unavailable";

/// The message sizes of the echo points.
pub const ECHO_SIZES: [usize; 3] = [1024, 10 * 1024, 100 * 1024];

/// The connection counts of the echo points (1 000 in the full run only).
pub const ECHO_CONNECTIONS: [usize; 4] = [1, 10, 100, 1000];

/// The worker counts of the sweep: 1 to twice the two cores.
pub const WORKER_SWEEP: [usize; 4] = [1, 2, 3, 4];

/// What the network part measures.
#[derive(Debug, Clone)]
pub struct NetPlan {
    /// The points, in the order they run.
    pub points: Vec<Point>,
    /// The point the worker sweep runs at, if any.
    pub worker_sweep: Option<Point>,
    /// Each run's warm-up.
    pub warmup: Duration,
    /// Each run's recorded window.
    pub duration: Duration,
    /// Runs per server at each point.
    pub rounds: usize,
    /// Whether the server and the generator are pinned to CPUs of their own.
    pub pin: bool,
}

fn echo(size: usize, connections: usize) -> Point {
    Point {
        workload: NetWorkload::Echo,
        size,
        connections,
    }
}

/// An HTTP point: keep-alive GETs of the 1 KiB body on `connections` connections. A point of a
/// workload with no server in the table is left out of the run.
fn http(connections: usize) -> Point {
    Point {
        workload: NetWorkload::Http,
        size: rosetta_netbench::servers::HTTP_BODY,
        connections,
    }
}

impl NetPlan {
    /// `--quick`: echo 1 KiB and HTTP at 10 connections, one run of 60 ms per server.
    pub fn quick() -> Self {
        NetPlan {
            points: vec![echo(1024, 10), http(10)],
            worker_sweep: None,
            warmup: Duration::from_millis(20),
            duration: Duration::from_millis(60),
            // One round: the quick run checks that every server serves, within its time budget.
            rounds: 1,
            pin: false,
        }
    }

    /// The default: echo 1 KiB at 1, 10 and 100 connections and 100 KiB at 10, HTTP at 10; two runs
    /// of 80 ms. About 175 servers × points, in about 40 s on 2 cores, so that the whole default run
    /// stays within 3 minutes; `--full` runs every point, longer.
    pub fn default_run() -> Self {
        NetPlan {
            points: vec![
                echo(1024, 1),
                echo(1024, 10),
                echo(1024, 100),
                echo(100 * 1024, 10),
                http(10),
            ],
            worker_sweep: None,
            warmup: Duration::from_millis(20),
            duration: Duration::from_millis(80),
            rounds: 2,
            pin: false,
        }
    }

    /// `--full`: every size at every connection count, five runs of a second, and the worker sweep
    /// at 1 KiB × 100.
    pub fn full() -> Self {
        NetPlan {
            points: ECHO_SIZES
                .iter()
                .flat_map(|size| ECHO_CONNECTIONS.iter().map(|c| echo(*size, *c)))
                .chain(ECHO_CONNECTIONS.iter().map(|c| http(*c)))
                .collect(),
            worker_sweep: Some(echo(1024, 100)),
            warmup: Duration::from_millis(200),
            duration: Duration::from_secs(1),
            rounds: 5,
            pin: false,
        }
    }

    /// How many steps the progress bar counts: one per point whose workload has servers, one per
    /// worker count of the sweep.
    pub fn steps(&self) -> usize {
        self.points
            .iter()
            .filter(|point| servers::of(point.workload).next().is_some())
            .count()
            + self.worker_sweep.map_or(0, |_| WORKER_SWEEP.len())
    }
}

/// What the network part found.
#[derive(Debug, Default, Clone)]
pub struct NetMeasured {
    /// The figures, point by point, in instance order.
    pub figures: Vec<NetFigure>,
    /// The cells with no figure.
    pub gaps: Vec<NetGap>,
    /// What failed, each naming its point, server and runner.
    pub problems: Vec<String>,
}

/// Where the Python servers run: the interpreter, and the loops it has.
#[derive(Debug, Clone)]
pub struct PythonSide {
    /// The venv's interpreter (or the plain python3, for asyncio alone), or why there is none.
    pub python: Result<std::path::PathBuf, String>,
    /// The loops it can run (`asyncio`, `uvloop`, `rloop`).
    pub loops: Vec<&'static str>,
}

/// Measures `plan` on every server of `runtimes` (and the floor, and Python's loops in `python`);
/// `step` is called before each point with what it measures.
pub fn measure(
    plan: &NetPlan,
    runtimes: &[&'static RuntimeInfo],
    python: Option<&PythonSide>,
    exe: &std::path::Path,
    mut step: impl FnMut(&str),
) -> NetMeasured {
    let ids: Vec<&'static str> = runtimes.iter().map(|rt| rt.id).collect();
    let mut out = NetMeasured::default();
    let settings = Settings {
        exe: exe.to_owned(),
        python: python.map_or(Err("the Python part is left out".to_owned()), |side| {
            side.python.clone()
        }),
        root: rosetta_harness::python::repo_root(),
        warmup: plan.warmup,
        duration: plan.duration,
        rounds: plan.rounds,
        pin: plan.pin.then(|| Pinning {
            server: vec![0],
            generator: vec![1],
        }),
    };
    // A thousand connections are a thousand descriptors in each process; children inherit the limit.
    rosetta_netbench::os::raise_nofile(rosetta_netbench::serve::NOFILE);
    let loops: Vec<&'static str> = python.map_or(Vec::new(), |side| side.loops.clone());
    for workload in NetWorkload::ALL {
        if !plan.points.iter().any(|point| point.workload == workload) {
            continue;
        }
        if python.is_some() {
            for name in servers::PYTHON_LOOPS {
                let has_servers = servers::of(workload)
                    .any(|server| matches!(server.launch, Launch::Python { .. }));
                if has_servers && !loops.contains(&name) {
                    out.gaps.push(NetGap {
                        workload,
                        runner: format!("python-{name}"),
                        says: NOT_INSTALLED.to_owned(),
                    });
                }
            }
        }
    }
    for point in &plan.points {
        let instances: Vec<Instance> = servers::instances(point.workload, &ids, python.is_some())
            .into_iter()
            .filter(|instance| match instance.on {
                On::Python(name) => loops.contains(&name),
                _ => true,
            })
            .collect();
        if instances.is_empty() {
            continue;
        }
        step(&format!("{} {}", point.workload.id(), point.label()));
        record(&mut out, point, &instances, &settings, None);
    }
    if let Some(point) = plan.worker_sweep {
        let multi: Vec<&'static str> = runtimes
            .iter()
            .filter(|rt| rt.flavor == Flavor::MultiThread)
            .map(|rt| rt.id)
            .collect();
        for workers in WORKER_SWEEP {
            step(&format!(
                "{} {} on {workers} worker(s)",
                point.workload.id(),
                point.label()
            ));
            let instances: Vec<Instance> = servers::instances(point.workload, &multi, false)
                .into_iter()
                .filter(|instance| matches!(instance.on, On::Runtime(_)))
                .map(|instance| Instance {
                    workers: Some(workers),
                    ..instance
                })
                .collect();
            record(&mut out, &point, &instances, &settings, Some(workers));
        }
    }
    out
}

/// Measures `point` on `instances` and records a figure (or a problem) for each.
fn record(
    out: &mut NetMeasured,
    point: &Point,
    instances: &[Instance],
    settings: &Settings,
    workers: Option<usize>,
) {
    let found = measure::measure(instances, point, settings);
    for (instance, runs) in instances.iter().zip(found) {
        let name = format!(
            "{} {} on {}/{}",
            point.workload.id(),
            point.label(),
            instance.server.id,
            instance.runner()
        );
        match runs {
            Ok(runs) => {
                if let Some(problem) = &runs.problem {
                    out.problems.push(format!("{name}: {problem}"));
                }
                if let Some(figure) = figure(point, instance, &runs, workers) {
                    if figure.errors > 0 {
                        let why = runs
                            .reports
                            .iter()
                            .find_map(|report| report.first_error.clone())
                            .unwrap_or_default();
                        out.problems.push(format!(
                            "{name}: {} connection(s) failed, the first: {why}",
                            figure.errors
                        ));
                    }
                    out.figures.push(figure);
                }
            }
            // A runtime this machine cannot run (io_uring refused) is a cell, not a failure.
            Err(why) if why.contains("unavailable: ") => {
                let runner = instance.runner();
                if !out
                    .gaps
                    .iter()
                    .any(|gap| gap.workload == point.workload && gap.runner == runner)
                {
                    out.gaps.push(NetGap {
                        workload: point.workload,
                        runner,
                        says: UNAVAILABLE.to_owned(),
                    });
                }
            }
            Err(why) => out.problems.push(format!("{name}: {why}")),
        }
    }
}

/// The figure of `runs`: the median run's requests/s, its spread, and the median of each latency.
pub fn figure(
    point: &Point,
    instance: &Instance,
    runs: &Runs,
    workers: Option<usize>,
) -> Option<NetFigure> {
    let counted: Vec<&rosetta_netbench::Report> = runs
        .reports
        .iter()
        .filter(|report| report.requests > 0 && report.requests_per_s > 0.0)
        .collect();
    // A run's time per request, so that the one summary of the project (quartiles, modes) applies.
    let per_request: Vec<Duration> = counted
        .iter()
        .map(|report| Duration::from_secs_f64(1.0 / report.requests_per_s))
        .collect();
    let summary = Summary::of(&per_request)?;
    let median = |pick: fn(&rosetta_netbench::Report) -> f64| {
        let mut values: Vec<f64> = counted.iter().map(|report| pick(report)).collect();
        values.sort_unstable_by(f64::total_cmp);
        values[values.len() / 2]
    };
    Some(NetFigure {
        workload: point.workload,
        server: instance.server.id.to_owned(),
        runner: instance.runner(),
        size: point.size as u64,
        connections: u32::try_from(point.connections).unwrap_or(u32::MAX),
        workers: workers.map(|n| u32::try_from(n).unwrap_or(u32::MAX)),
        requests_per_s: 1.0 / summary.median.as_secs_f64(),
        runs_per_s: runs
            .reports
            .iter()
            .map(|report| report.requests_per_s)
            .collect(),
        relative_spread: summary.relative_spread(),
        bimodal: summary.modes.is_some(),
        mean_us: median(|report| report.mean_us),
        p50_us: median(|report| report.p50_us),
        p99_us: median(|report| report.p99_us),
        p999_us: median(|report| report.p999_us),
        peak_rss_kib: runs.peak_rss_kib,
        requests: runs.reports.iter().map(|report| report.requests).sum(),
        errors: runs.reports.iter().map(|report| report.errors).sum(),
        server_cpu_us_per_request: crate::results::median_of(
            counted
                .iter()
                .filter_map(|report| report.server_cpu_us_per_request())
                .collect(),
        ),
        generator_engine: counted
            .iter()
            .find_map(|report| report.engine)
            .map(|engine| engine.id().to_owned()),
        generator_threads: counted
            .iter()
            .find(|report| report.threads > 0)
            .map(|report| u32::try_from(report.threads).unwrap_or(u32::MAX)),
        generator_busy: counted
            .iter()
            .filter_map(|report| report.busy())
            .max_by(f64::total_cmp),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::{Reproducibility, Results, recorded};
    use crate::tables;

    fn net(server: &str, runner: &str, connections: u32, rps: f64, mean_us: f64) -> NetFigure {
        NetFigure {
            workload: NetWorkload::Echo,
            server: server.to_owned(),
            runner: runner.to_owned(),
            size: 1024,
            connections,
            workers: None,
            requests_per_s: rps,
            runs_per_s: vec![rps; 3],
            relative_spread: 0.02,
            bimodal: false,
            mean_us,
            p50_us: mean_us,
            p99_us: mean_us * 3.0,
            p999_us: mean_us * 5.0,
            peak_rss_kib: Some(4096),
            requests: 1000,
            errors: 0,
            server_cpu_us_per_request: None,
            generator_engine: None,
            generator_threads: None,
            generator_busy: None,
        }
    }

    fn with_net() -> Results {
        let mut results = recorded();
        results.net = vec![
            net("streams", "tokio", 10, 90_000.0, 110.0),
            net("native", "tokio", 10, 100_000.0, 100.0),
            net("streams", "async-std", 10, 50_000.0, 200.0),
            net("floor", "floor", 10, 120_000.0, 80.0),
            net("streams", "python-uvloop", 10, 10_000.0, 1000.0),
            net("protocol", "python-uvloop", 10, 20_000.0, 500.0),
            net("streams", "tokio", 1, 20_000.0, 50.0),
            net("floor", "floor", 1, 25_000.0, 40.0),
        ];
        results.net_gaps = vec![NetGap {
            workload: NetWorkload::Echo,
            runner: "python-rloop".to_owned(),
            says: NOT_INSTALLED.to_owned(),
        }];
        results
    }

    #[test]
    fn a_point_shows_every_server_a_dash_where_a_runtime_has_none_and_loops_not_installed() {
        let results = with_net();
        let rows = tables::net_point(&results, NetWorkload::Echo, 1024, 10);
        let cells: Vec<(String, String, String, String)> = rows
            .rows
            .iter()
            .map(|row| {
                (
                    row[0].clone(),
                    row[1].clone(),
                    row[2].clone(),
                    row[3].clone(),
                )
            })
            .collect();
        let row = |a: &str, b: &str, c: &str, d: &str| {
            (a.to_owned(), b.to_owned(), c.to_owned(), d.to_owned())
        };
        assert_eq!(
            cells,
            [
                row("tokio", "streams", "90k/s", "×1.11"),
                row("tokio", "native", "100k/s", "×1.00"),
                row("async-std (discontinued)", "streams", "50k/s", "×2.00"),
                row("async-std (discontinued)", "native", "-", "-"),
                row("floor", "floor", "120k/s", "×0.83"),
                row("python-uvloop", "streams", "10k/s", "×10.00"),
                row("python-uvloop", "protocol", "20k/s", "×5.00"),
                row("python-rloop", "all", NOT_INSTALLED, NOT_INSTALLED),
            ]
        );
    }

    #[test]
    fn the_targets_are_toolkit_over_native_rust_over_uvloop_and_round_trip_over_floor() {
        let rows = tables::net_ratios(&with_net(), NetWorkload::Echo);
        let values: Vec<(&str, &str, &str)> = rows
            .rows
            .iter()
            .map(|row| (row[0].as_str(), row[1].as_str(), row[3].as_str()))
            .collect();
        assert_eq!(
            values,
            [
                ("toolkit ÷ native", "1 KiB × 10", "1.111"),
                ("best Rust ÷ uvloop, requests/s", "1 KiB × 10", "×5.00"),
                ("best Rust round trip ÷ floor", "1 KiB × 1", "×1.25"),
            ]
        );
    }

    #[test]
    fn repeated_network_ratios_agree_or_are_named() {
        let first = with_net();
        let mut second = first.clone();
        second.net[2].requests_per_s *= 2.0; // async-std's streams: ×2 to ×1 of the best
        let repro = Reproducibility::of(&[first.clone(), second], 0.1).expect("runs");
        // Every Rust and floor figure has a ratio; Python's have none.
        assert_eq!(repro.net.len(), 6);
        let moved: Vec<(&str, &str)> = repro
            .net
            .iter()
            .filter(|ratio| !ratio.agrees)
            .map(|ratio| (ratio.runner.as_str(), ratio.point.as_str()))
            .collect();
        assert_eq!(moved, [("async-std", "1 KiB × 10")]);
        let line = tables::net_reproducibility_line(&repro).expect("a line");
        assert!(line.starts_with("Network: 5 of 6"), "{line}");
        let json = serde_json::to_string(&first).expect("serializes");
        let back: Results = serde_json::from_str(&json).expect("reads back");
        assert_eq!(back.net, first.net);
        assert_eq!(back.net_gaps, first.net_gaps);
    }

    #[test]
    fn the_echo_charts_are_requests_against_connections_and_latency_per_server() {
        let results = with_net();
        assert_eq!(
            crate::charts::net_files(&results),
            ["echo-1KiB.svg", "echo-latency.svg"]
        );
        let dir = std::env::temp_dir().join(format!("rosetta-net-charts-{}", std::process::id()));
        let written = crate::charts::write_all(&results, &dir).expect("writes");
        for name in ["echo-1KiB.svg", "echo-latency.svg"] {
            let path = dir.join(name);
            assert!(written.contains(&path), "{written:?}");
            let svg = std::fs::read_to_string(&path).expect("an SVG");
            assert!(svg.starts_with("<svg") && svg.contains("tokio"), "{name}");
        }
        let rps = std::fs::read_to_string(dir.join("echo-1KiB.svg")).expect("an SVG");
        assert!(rps.contains("floor (std::net)") && rps.contains("connections (log scale)"));
        let _ = std::fs::remove_dir_all(&dir);
        // One connection count only: no requests/s line to draw, the latency chart alone.
        let mut one = with_net();
        one.net.retain(|f| f.connections == 10);
        assert_eq!(crate::charts::net_files(&one), ["echo-latency.svg"]);
    }

    #[test]
    fn the_headline_gains_the_echo_column_only_with_echo_figures() {
        let plain = crate::markdown::headline(&recorded());
        assert!(!plain.contains("echo 1 KiB"));
        let headline = crate::markdown::headline(&with_net());
        assert!(
            headline.contains("| echo 1 KiB × 10 (streams) |"),
            "{headline}"
        );
        assert!(headline.contains("| 90k/s |"), "{headline}");
    }

    #[test]
    fn the_plans_cover_their_points() {
        assert_eq!(NetPlan::quick().points, [echo(1024, 10), http(10)]);
        let full = NetPlan::full();
        assert_eq!(full.points.len(), 16);
        assert!(full.points.contains(&echo(100 * 1024, 1000)));
        assert!(full.points.contains(&http(1000)));
        // Until the HTTP servers are in the table, only the echo points are steps.
        let http_servers = servers::of(NetWorkload::Http).count();
        assert_eq!(full.steps(), if http_servers == 0 { 16 } else { 20 });
        assert!(
            NetPlan::default_run()
                .points
                .iter()
                .all(|point| point.connections < 1000)
        );
    }
}
