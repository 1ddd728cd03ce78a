//! The network part of `rosetta compare`: the echo and HTTP points on every server instance, each
//! point's servers loaded in rotated rounds by the generator process, summed up into [`NetFigure`]s.
//!
//! Three plans: `--quick` (echo 1 KiB and HTTP at 10 connections, one run of 20 ms per server), the
//! default (echo 1 KiB at 1, 10 and 100 connections and 100 KiB at 10, HTTP at 10, two runs each)
//! and `--full` (every size and HTTP at 1, 10, 100 and 1 000 connections, three runs of 400 ms, and
//! the worker sweep of the multi-thread and thread-per-core flavors). A plan is laid out as
//! [`Batch`]es before it runs, so that the progress bar counts what will run and
//! [`NetPlan::estimate`] can say how long it will take.

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

/// The worker counts of the sweep on a machine of `cores` CPUs: 1 to twice the cores, every count
/// up to 4, then doubling, so that a large machine's sweep stays a handful of points.
///
/// ```
/// use rosetta_compare::net::worker_counts;
///
/// assert_eq!(worker_counts(2), [1, 2, 3, 4]);
/// assert_eq!(worker_counts(1), [1, 2]);
/// assert_eq!(worker_counts(8), [1, 2, 3, 4, 8, 16]);
/// ```
pub fn worker_counts(cores: usize) -> Vec<usize> {
    let most = 2 * cores.max(1);
    let mut counts: Vec<usize> = (1..=most.min(4)).collect();
    let mut next = 8;
    while next < most {
        counts.push(next);
        next *= 2;
    }
    if most > 4 {
        counts.push(most);
    }
    counts
}

/// Whether the worker sweep runs on a runtime of `flavor`: those whose worker count is set, the
/// multi-thread and thread-per-core flavors.
pub fn swept(flavor: Flavor) -> bool {
    matches!(flavor, Flavor::MultiThread | Flavor::ThreadPerCore)
}

/// The worker sweep: one point, at each worker count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerSweep {
    /// The point.
    pub point: Point,
    /// The worker counts, in the order they run.
    pub workers: Vec<usize>,
}

/// What the network part measures.
#[derive(Debug, Clone)]
pub struct NetPlan {
    /// The points, in the order they run.
    pub points: Vec<Point>,
    /// The worker sweep, if any.
    pub worker_sweep: Option<WorkerSweep>,
    /// Each run's warm-up.
    pub warmup: Duration,
    /// Each run's recorded window.
    pub duration: Duration,
    /// Runs per server at each point.
    pub rounds: usize,
    /// Whether the server and the generator are pinned to CPUs of their own.
    pub pin: bool,
    /// Whether each server answers one closed connection before the recorded rounds
    /// ([`measure::prime`]): every plan but `--quick`, which checks that the servers serve.
    pub prime: bool,
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

/// One point on the server instances it measures (and the sweep's worker count): what the network
/// part runs as one [`measure::measure`].
#[derive(Debug, Clone)]
pub struct Batch {
    /// The point.
    pub point: Point,
    /// The instances, in table order.
    pub instances: Vec<Instance>,
    /// The worker count of the sweep, or `None` for the runtimes' defaults.
    pub workers: Option<usize>,
}

impl Batch {
    /// What the progress bar says while it runs: `echo 1 KiB × 10 (36 servers × 2 runs)`.
    pub fn label(&self, rounds: usize) -> String {
        let workers = self.workers.map_or(String::new(), |n| {
            format!(" on {n} worker{}", if n == 1 { "" } else { "s" })
        });
        format!(
            "{} {}{workers} ({} server{} × {rounds} run{})",
            self.point.workload.id(),
            self.point.label(),
            self.instances.len(),
            if self.instances.len() == 1 { "" } else { "s" },
            if rounds == 1 { "" } else { "s" },
        )
    }
}

/// What [`NetPlan::estimate`] assumes of the machine beside the plan's own windows. These are
/// assumptions stated once, not measurements: a Rust server starts and stops in about
/// [`RUST_SERVER`], a Python one (the interpreter, asyncio, the loop, aiohttp) in about
/// [`PYTHON_SERVER`]; each run of the generator costs [`PER_RUN`] (its process, its report) and
/// [`PER_CONNECTION`] for each connection (a thread, a connect and one exchange, one by one).
pub const RUST_SERVER: Duration = Duration::from_millis(20);
/// See [`RUST_SERVER`].
pub const PYTHON_SERVER: Duration = Duration::from_millis(400);
/// See [`RUST_SERVER`].
pub const PER_RUN: Duration = Duration::from_millis(20);
/// See [`RUST_SERVER`].
pub const PER_CONNECTION: Duration = Duration::from_micros(200);

impl NetPlan {
    /// `--quick`: echo 1 KiB and HTTP at 10 connections, one run of 20 ms per server.
    pub fn quick() -> Self {
        NetPlan {
            points: vec![echo(1024, 10), http(10)],
            worker_sweep: None,
            warmup: Duration::from_millis(10),
            duration: Duration::from_millis(20),
            // One round: the quick run checks that every server serves, within its time budget.
            rounds: 1,
            pin: false,
            prime: false,
        }
    }

    /// The default: echo 1 KiB at 1, 10 and 100 connections and 100 KiB at 10, HTTP at 10; two runs
    /// of 75 ms after 15 ms of warm-up. About 170 servers × points, in about a minute on 2 cores by [`NetPlan::estimate`],
    /// so that the whole default run stays within 3 minutes; `--full` runs every point.
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
            warmup: Duration::from_millis(15),
            duration: Duration::from_millis(75),
            rounds: 2,
            pin: false,
            prime: true,
        }
    }

    /// `--full` on this machine: [`NetPlan::full_on`] its available parallelism.
    pub fn full() -> Self {
        Self::full_on(std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get))
    }

    /// `--full` on a machine of `cores` CPUs: every echo size (1, 10, 100 KiB) and HTTP at 1, 10,
    /// 100 and 1 000 connections, and the worker sweep at 1 KiB × 100 on the multi-thread and
    /// thread-per-core flavors at [`worker_counts`]; three runs of 400 ms after 100 ms of warm-up.
    ///
    /// Sized for about 20 minutes for the whole `compare --full` on 2 cores. On the registry's nine
    /// runtimes and Python's three loops that is 38 echo instances (streams and raw on each runtime,
    /// nine native servers, the two floors, three Python servers on three loops) at 12 points, 19
    /// HTTP instances (trait on each runtime, seven native, aiohttp on three loops) at 4 points, and
    /// 12 instances (streams, raw and native on tokio-mt, smol-mt, compio-tpc and monoio-tpc) at 4
    /// worker counts: 580 instances × points, 1 740 runs of 0.5 s. [`NetPlan::estimate`] gives about
    /// 17½ minutes for them; the published run took 19 min 57 s in all, with the matrix, the
    /// workloads and the Python baseline.
    pub fn full_on(cores: usize) -> Self {
        NetPlan {
            points: ECHO_SIZES
                .iter()
                .flat_map(|size| ECHO_CONNECTIONS.iter().map(|c| echo(*size, *c)))
                .chain(ECHO_CONNECTIONS.iter().map(|c| http(*c)))
                .collect(),
            worker_sweep: Some(WorkerSweep {
                point: echo(1024, 100),
                workers: worker_counts(cores),
            }),
            warmup: Duration::from_millis(100),
            duration: Duration::from_millis(400),
            rounds: 3,
            pin: false,
            prime: true,
        }
    }

    /// The batches the plan runs on `runtimes`, with the Python servers on `python_loops` (`None`:
    /// the Python part is left out), in order: each point on every instance of its workload, then
    /// the worker sweep's point at each worker count on the swept flavors' Rust servers. A point
    /// with no instance is left out.
    pub fn batches(
        &self,
        runtimes: &[&'static RuntimeInfo],
        python_loops: Option<&[&'static str]>,
    ) -> Vec<Batch> {
        let ids: Vec<&'static str> = runtimes.iter().map(|rt| rt.id).collect();
        let loops = python_loops.unwrap_or_default();
        let mut batches: Vec<Batch> = self
            .points
            .iter()
            .map(|point| Batch {
                point: *point,
                instances: servers::instances(point.workload, &ids, python_loops.is_some())
                    .into_iter()
                    .filter(|instance| match instance.on {
                        On::Python(name) => loops.contains(&name),
                        _ => true,
                    })
                    .collect(),
                workers: None,
            })
            .collect();
        if let Some(sweep) = &self.worker_sweep {
            let multi: Vec<&'static str> = runtimes
                .iter()
                .filter(|rt| swept(rt.flavor))
                .map(|rt| rt.id)
                .collect();
            for workers in &sweep.workers {
                batches.push(Batch {
                    point: sweep.point,
                    instances: servers::instances(sweep.point.workload, &multi, false)
                        .into_iter()
                        .filter(|instance| matches!(instance.on, On::Runtime(_)))
                        .map(|instance| Instance {
                            workers: Some(*workers),
                            ..instance
                        })
                        .collect(),
                    workers: Some(*workers),
                });
            }
        }
        batches.retain(|batch| !batch.instances.is_empty());
        batches
    }

    /// How many steps the progress bar counts for `batches`: one per run of a server, so that
    /// the bar moves as the work does.
    pub fn steps(&self, batches: &[Batch]) -> usize {
        batches
            .iter()
            .map(|batch| batch.instances.len() * self.rounds)
            .sum()
    }

    /// How long `batches` take, by the plan's windows and the costs [`RUST_SERVER`] states: each
    /// run's warm-up and window, the generator's process and connections, and each server's start
    /// and stop. An estimate, for the docs and the plan's sizing; the run records what it took.
    pub fn estimate(&self, batches: &[Batch]) -> Duration {
        let rounds = u32::try_from(self.rounds).unwrap_or(u32::MAX);
        batches
            .iter()
            .map(|batch| {
                let connections = u32::try_from(batch.point.connections).unwrap_or(u32::MAX);
                let run = self.warmup + self.duration + PER_RUN + PER_CONNECTION * connections;
                batch
                    .instances
                    .iter()
                    .map(|instance| {
                        let start = match instance.on {
                            On::Python(_) => PYTHON_SERVER,
                            On::Runtime(_) | On::Floor => RUST_SERVER,
                        };
                        start + run * rounds
                    })
                    .sum::<Duration>()
            })
            .sum()
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

/// Where [`measure`] is: about to measure a batch (named), or done with one of so many steps.
#[derive(Debug, Clone, Copy)]
pub enum Progress<'a> {
    /// A batch starts: what it measures.
    Measuring(&'a str),
    /// A batch is done: its steps ([`NetPlan::steps`]).
    Measured(usize),
}

/// Measures `plan` on every server of `runtimes` (and the floor, and Python's loops in `python`);
/// `progress` hears of each batch as it starts and ends.
pub fn measure(
    plan: &NetPlan,
    runtimes: &[&'static RuntimeInfo],
    python: Option<&PythonSide>,
    exe: &std::path::Path,
    mut progress: impl FnMut(Progress<'_>),
) -> NetMeasured {
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
        pin: None,
        prime: plan.prime,
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
    let batches = plan.batches(runtimes, python.map(|_| loops.as_slice()));
    let cpus = rosetta_netbench::os::usable_cpus();
    for batch in &batches {
        progress(Progress::Measuring(&batch.label(plan.rounds)));
        let placed = Settings {
            pin: placement(plan.pin, &batch.point, &cpus),
            ..settings.clone()
        };
        record(
            &mut out,
            &batch.point,
            &batch.instances,
            &placed,
            batch.workers,
        );
        progress(Progress::Measured(plan.steps(std::slice::from_ref(batch))));
    }
    out
}

/// Where the server and the generator run at `point`, among the CPUs this process may use (lowest
/// first). At one connection both go on the lowest CPU, `--pin` or not: a round trip is then two
/// context switches on one CPU, where on two CPUs it is two wake-ups of a CPU that may be idle (on a
/// virtual machine, an interrupt through the hypervisor), which made one connection's figures
/// several times slower and far less steady (methodology). With `--pin`, the other points put the
/// server on the lowest CPU and the generator on the next; without it, the kernel places both.
///
/// ```
/// use rosetta_compare::net::placement;
/// use rosetta_netbench::{NetWorkload, measure::Point};
///
/// let one = Point { workload: NetWorkload::Echo, size: 1024, connections: 1 };
/// let ten = Point { connections: 10, ..one };
/// let both = placement(false, &one, &[2, 3]).expect("pinned");
/// assert_eq!((both.server, both.generator), (vec![2], vec![2]));
/// assert!(placement(false, &ten, &[2, 3]).is_none());
/// let split = placement(true, &ten, &[2, 3]).expect("pinned");
/// assert_eq!((split.server, split.generator), (vec![2], vec![3]));
/// assert!(placement(true, &ten, &[2]).is_none());
/// ```
pub fn placement(pin: bool, point: &Point, cpus: &[usize]) -> Option<Pinning> {
    match cpus {
        [first, ..] if point.connections == 1 => Some(Pinning {
            server: vec![*first],
            generator: vec![*first],
        }),
        [first, second, ..] if pin => Some(Pinning {
            server: vec![*first],
            generator: vec![*second],
        }),
        _ => None,
    }
}

/// How a report names a placement: `one CPU`, `one CPU each`.
fn placement_label(pinning: &Pinning) -> String {
    if pinning.server == pinning.generator {
        "one CPU".to_owned()
    } else {
        "one CPU each".to_owned()
    }
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
                if let Some(mut figure) = figure(point, instance, &runs, workers) {
                    figure.placement = settings.pin.as_ref().map(placement_label);
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
        placement: None,
        distribution_us: {
            let mut by_rate = counted.clone();
            by_rate.sort_unstable_by(|a, b| a.requests_per_s.total_cmp(&b.requests_per_s));
            by_rate[by_rate.len() / 2].distribution_us.clone()
        },
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
            placement: None,
            distribution_us: Vec::new(),
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
        // Its row names the workload: an HTTP server may share a name with an echo one.
        let rows = tables::net_disagreeing(&repro);
        assert_eq!(
            rows.rows,
            [["echo 1 KiB × 10", "streams", "async-std", "×2.00", "×1.00"].map(str::to_owned)]
        );
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
        let full = NetPlan::full_on(2);
        assert_eq!(full.points.len(), 16);
        assert!(full.points.contains(&echo(100 * 1024, 1000)));
        assert!(full.points.contains(&http(1000)));
        assert_eq!(
            full.worker_sweep.map(|sweep| (sweep.point, sweep.workers)),
            Some((echo(1024, 100), vec![1, 2, 3, 4]))
        );
        assert!(
            NetPlan::default_run()
                .points
                .iter()
                .all(|point| point.connections < 1000)
        );
    }

    /// The batches of `plan` on every runtime of the registry and Python's three loops.
    fn on_the_registry(plan: &NetPlan) -> Vec<Batch> {
        let runtimes: Vec<&'static RuntimeInfo> = rosetta_runtimes::RUNTIMES.iter().collect();
        plan.batches(&runtimes, Some(&servers::PYTHON_LOOPS))
    }

    #[test]
    fn the_full_plan_is_laid_out_as_its_doc_says_and_estimated_within_twenty_minutes() {
        let full = NetPlan::full_on(2);
        let batches = on_the_registry(&full);
        let count = |workload: NetWorkload, workers: bool| {
            let sizes: Vec<usize> = batches
                .iter()
                .filter(|b| b.point.workload == workload && b.workers.is_some() == workers)
                .map(|b| b.instances.len())
                .collect();
            (sizes.len(), sizes.iter().sum::<usize>())
        };
        // NetPlan::full_on's doc states these counts and the estimate: keep it true.
        assert_eq!(count(NetWorkload::Echo, false), (12, 12 * 38));
        assert_eq!(count(NetWorkload::Http, false), (4, 4 * 19));
        assert_eq!(count(NetWorkload::Echo, true), (4, 4 * 12));
        let swept: Vec<String> = batches
            .iter()
            .filter(|b| b.workers == Some(1))
            .flat_map(|b| b.instances.iter().map(Instance::runner))
            .collect();
        for runtime in ["tokio-mt", "smol-mt", "compio-tpc", "monoio-tpc"] {
            assert!(swept.iter().any(|r| r == runtime), "{runtime}: {swept:?}");
        }
        assert!(
            swept
                .iter()
                .all(|r| ["tokio-mt", "smol-mt", "compio-tpc", "monoio-tpc"].contains(&r.as_str()))
        );
        assert_eq!(full.steps(&batches), 580 * 3);
        let estimate = full.estimate(&batches).as_secs();
        assert!((1048..=1058).contains(&estimate), "{estimate} s");
        // With the rest of the run (about 2 minutes), within 20.
        assert!(estimate + 120 < 20 * 60);
        // The default plan: about a minute; quick far less.
        let default = NetPlan::default_run();
        let batches = on_the_registry(&default);
        assert_eq!(default.steps(&batches), (4 * 38 + 19) * 2);
        assert!((50..=70).contains(&default.estimate(&batches).as_secs()));
        let quick = NetPlan::quick();
        assert!(quick.estimate(&on_the_registry(&quick)).as_secs() < 30);
    }

    #[test]
    fn without_python_or_multi_thread_runtimes_their_batches_are_left_out() {
        let full = NetPlan::full_on(2);
        let tokio = rosetta_runtimes::lookup("tokio").expect("tokio");
        let batches = full.batches(&[tokio], None);
        // 16 points, no sweep (tokio is current-thread), no Python instance.
        assert_eq!(batches.len(), 16);
        assert!(batches.iter().all(|b| {
            b.workers.is_none() && b.instances.iter().all(|i| !matches!(i.on, On::Python(_)))
        }));
        // Python on asyncio alone: one loop's servers.
        let batches = full.batches(&[tokio], Some(&["asyncio"]));
        let python: Vec<String> = batches[0]
            .instances
            .iter()
            .filter(|i| matches!(i.on, On::Python(_)))
            .map(Instance::runner)
            .collect();
        assert_eq!(python, ["python-asyncio"; 3]);
        assert_eq!(
            batches[0].label(full.rounds),
            "echo 1 KiB × 1 (8 servers × 3 runs)"
        );
    }

    /// A figure of `workload` at `size` × `connections` (and `workers`) whose requests/s is `rps`.
    fn at(
        workload: NetWorkload,
        (server, runner): (&str, &str),
        (size, connections, workers): (usize, usize, Option<u32>),
        rps: f64,
    ) -> NetFigure {
        NetFigure {
            workload,
            size: size as u64,
            connections: u32::try_from(connections).expect("a count"),
            workers,
            ..net(server, runner, 1, rps, 1e6 / rps)
        }
    }

    /// A full run's network figures, made up: every echo size and HTTP at 1, 10, 100 and 1 000
    /// connections on tokio and smol-mt (every server), the floors and uvloop (rloop not
    /// installed), and the worker sweep of smol-mt's three echo servers at 1 KiB × 100, 1 to 4
    /// workers.
    fn full_run() -> Results {
        let mut results = recorded();
        results.mode = crate::results::Mode::Sweep;
        let echo_servers: [(&str, &str); 10] = [
            ("streams", "tokio"),
            ("raw", "tokio"),
            ("native", "tokio"),
            ("streams", "smol-mt"),
            ("raw", "smol-mt"),
            ("native", "smol-mt"),
            ("floor", "floor"),
            ("epoll", "floor"),
            ("streams", "python-uvloop"),
            ("protocol", "python-uvloop"),
        ];
        let http_servers: [(&str, &str); 5] = [
            ("trait", "tokio"),
            ("native", "tokio"),
            ("trait", "smol-mt"),
            ("native", "smol-mt"),
            ("aiohttp", "python-uvloop"),
        ];
        let mut figures = Vec::new();
        for (workload, size, servers) in ECHO_SIZES
            .iter()
            .map(|size| (NetWorkload::Echo, *size, echo_servers.as_slice()))
            .chain([(
                NetWorkload::Http,
                servers::HTTP_BODY,
                http_servers.as_slice(),
            )])
        {
            for connections in ECHO_CONNECTIONS {
                for (index, server) in servers.iter().enumerate() {
                    let rps = 10_000.0 * (connections as f64).sqrt() / (1.0 + index as f64 * 0.1)
                        * 1024.0
                        / size as f64;
                    figures.push(at(workload, *server, (size, connections, None), rps));
                }
            }
        }
        for workers in 1..=4 {
            for (index, server) in ["streams", "raw", "native"].into_iter().enumerate() {
                let rps = 30_000.0 * f64::from(workers) / (1.0 + index as f64 * 0.2);
                figures.push(at(
                    NetWorkload::Echo,
                    (server, "smol-mt"),
                    (1024, 100, Some(workers)),
                    rps,
                ));
            }
        }
        results.net = figures;
        results.net_gaps = NetWorkload::ALL
            .into_iter()
            .map(|workload| NetGap {
                workload,
                runner: "python-rloop".to_owned(),
                says: NOT_INSTALLED.to_owned(),
            })
            .collect();
        results
    }

    /// Asserts that `svg` (the chart `name`) shows each of `texts` as a text of its own.
    fn shows(svg: &str, name: &str, texts: &[&str]) {
        for text in texts {
            assert!(svg.contains(&format!("\n{text}\n")), "{name}: no {text}");
        }
    }

    #[test]
    fn a_full_run_charts_requests_against_connections_per_size_and_http_latency_and_workers() {
        let results = full_run();
        let files = [
            "echo-1KiB.svg",
            "echo-10KiB.svg",
            "echo-100KiB.svg",
            "http.svg",
            "echo-latency.svg",
            "echo-workers.svg",
        ];
        assert_eq!(crate::charts::net_files(&results), files);
        let dir = std::env::temp_dir().join(format!("rosetta-full-charts-{}", std::process::id()));
        let written = crate::charts::write_all(&results, &dir).expect("writes");
        let read = |name: &str| {
            let path = dir.join(name);
            assert!(written.contains(&path), "{written:?}");
            std::fs::read_to_string(&path).expect("an SVG")
        };
        for name in &files[..3] {
            let size = name.trim_start_matches("echo-").trim_end_matches("KiB.svg");
            let title =
                format!("echo {size} KiB: requests/s against connections (streams servers)");
            let texts = ["tokio", "smol-mt", "floor (std::net)", "python-uvloop"];
            // The x axis is log scale, ticked up to 1 000 connections.
            let axis = ["connections (log scale)", "1k"];
            shows(
                &read(name),
                name,
                &[[title.as_str()].as_slice(), &texts, &axis].concat(),
            );
        }
        // HTTP: the trait server on each runtime and aiohttp; no floor serves HTTP.
        let http = read("http.svg");
        let title =
            "HTTP GET of 1 KiB: requests/s against connections (trait servers; aiohttp on Python)";
        shows(
            &http,
            "http.svg",
            &[title, "tokio", "smol-mt", "python-uvloop", "1k"],
        );
        assert!(!http.contains("floor (std::net)"));
        // The latency chart is for the stated point, with every server's p50 and p99.
        let title = "echo 1 KiB × 10: p50 and p99 latency per server";
        let groups = ["streams p50", "native p99", "epoll p99", "protocol p50"];
        shows(
            &read("echo-latency.svg"),
            "echo-latency.svg",
            &[[title].as_slice(), &groups].concat(),
        );
        // The sweep: a line per runner and server, told apart by their markers, on a linear axis.
        let workers = read("echo-workers.svg");
        let title = "echo 1 KiB × 100: requests/s against worker threads";
        let lines = ["smol-mt streams", "smol-mt raw", "smol-mt native"];
        let axis = ["worker threads", "0", "1", "2", "3", "4"];
        shows(
            &workers,
            "echo-workers.svg",
            &[[title].as_slice(), &lines, &axis].concat(),
        );
        assert!(
            workers.contains("<polygon"),
            "a triangle marks the third server"
        );
        assert!(
            !workers.contains("\ntokio streams\n"),
            "tokio was not swept"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_full_run_shows_a_compact_table_per_size_and_the_full_tables_of_the_default_points_only() {
        let results = full_run();
        assert!(crate::sweep::is_sweep(&results));
        let sections = crate::sweep::sections(&results);
        let headings: Vec<&str> = sections.iter().map(|(h, _, _)| h.as_str()).collect();
        let echo = NetWorkload::Echo.title();
        let http = NetWorkload::Http.title();
        let compact = "requests/s and × best Rust against connections";
        assert_eq!(
            headings,
            [
                format!("{echo} at 1 KiB: {compact}"),
                format!("{echo} at 10 KiB: {compact}"),
                format!("{echo} at 100 KiB: {compact}"),
                format!("{echo} at 1 KiB × 1 connection"),
                format!("{echo} at 1 KiB × 10 connections"),
                format!("{echo} at 1 KiB × 100 connections"),
                format!("{echo} at 100 KiB × 10 connections"),
                "echo: the targets".to_owned(),
                "echo: requests/s against worker threads".to_owned(),
                format!("{http} at 1 KiB: {compact}"),
                format!("{http} at 1 KiB × 10 connections"),
                "http: the targets".to_owned(),
            ]
        );
        // The full per-point tables are those the default run's rendering shows for those points.
        let table = |heading: &str| {
            &sections
                .iter()
                .find(|(h, _, _)| h == heading)
                .expect("a section")
                .1
        };
        assert_eq!(
            *table(&format!("{echo} at 100 KiB × 10 connections")),
            tables::net_point(&results, NetWorkload::Echo, 100 * 1024, 10)
        );
        let one = table(&format!("{echo} at 1 KiB: {compact}"));
        assert_eq!(
            one.header,
            ["runner", "server", "× 1", "× 10", "× 100", "× 1000"]
        );
        let row = |runner: &str, server: &str| {
            one.rows
                .iter()
                .find(|row| row[0] == runner && row[1] == server)
                .unwrap_or_else(|| panic!("no row {runner} {server}: {:?}", one.rows))
                .clone()
        };
        // tokio's streams is the best Rust server at every point: ×1.00.
        assert_eq!(
            row("tokio", "streams"),
            [
                "tokio",
                "streams",
                "10k/s ×1.00",
                "31.6k/s ×1.00",
                "100k/s ×1.00",
                "316k/s ×1.00"
            ]
        );
        assert_eq!(row("smol-mt", "raw")[5], "226k/s ×1.40");
        assert_eq!(row("floor", "epoll")[2], "5.88k/s ×1.70");
        assert_eq!(
            row("python-rloop", "all")[2..],
            [NOT_INSTALLED; 4].map(str::to_owned)
        );
        // Every runner and server of the point tables, in their order, and nothing else.
        let full = tables::net_point(&results, NetWorkload::Echo, 1024, 10);
        let keys = |rows: &tables::Rows| -> Vec<(String, String)> {
            rows.rows
                .iter()
                .map(|r| (r[0].clone(), r[1].clone()))
                .collect()
        };
        assert_eq!(keys(one), keys(&full));
        let sweep = table("echo: requests/s against worker threads");
        assert_eq!(
            sweep.header,
            [
                "runner",
                "server",
                "1 worker",
                "2 workers",
                "3 workers",
                "4 workers"
            ]
        );
        assert_eq!(sweep.rows.len(), 3);
        assert_eq!(
            sweep.rows[0][..3],
            ["smol-mt", "streams", "30k/s"].map(str::to_owned)
        );
        // The report says how its tables are laid out, and the terminal shows the same sections.
        let report = crate::markdown::report(&results, crate::markdown::Place::Docs, &[]);
        assert!(
            report.contains("A full run measures every point"),
            "{report}"
        );
        assert!(
            report.contains("Regenerate with `cargo run --release -- compare --full --publish`")
        );
        assert!(report.contains(&format!("### {echo} at 10 KiB: {compact}")));
        assert!(
            !report.contains("at 10 KiB × 10 connections"),
            "no full table of a sweep point"
        );
        assert!(
            report.contains("| smol-mt | raw | 7.14k/s ×1.40 |"),
            "{report}"
        );
        let terminal = crate::run::terminal(&results);
        assert!(terminal.contains(&format!("{http} at 1 KiB: {compact}")));
        assert!(!terminal.contains("1 KiB × 1000 connections"));
    }

    #[test]
    fn a_default_run_keeps_its_network_tables_as_they_were() {
        let results = with_net();
        assert!(!crate::sweep::is_sweep(&results));
        assert_eq!(
            crate::sweep::sections(&results),
            tables::net_sections(&results)
        );
        assert_eq!(crate::sweep::note(&results), None);
        // A full run's figures at the default points alone render as a default run's.
        let mut default = full_run();
        default.net.retain(|f| {
            f.workers.is_none()
                && NetPlan::default_run()
                    .points
                    .iter()
                    .any(|p| f.at(p.workload, p.size as u64, p.connections as u32))
        });
        assert!(!crate::sweep::is_sweep(&default));
        assert_eq!(
            crate::sweep::sections(&default),
            tables::net_sections(&default)
        );
    }

    #[test]
    fn a_full_runs_network_section_keeps_its_shape() {
        let results = full_run();
        let sections = crate::sweep::sections(&results);
        let text: String = sections
            .iter()
            .filter(|(heading, _, _)| heading.contains("against"))
            .map(|(heading, rows, _)| {
                format!("### {heading}\n\n{}", crate::markdown::table_text(rows))
            })
            .collect();
        insta::assert_snapshot!(text);
    }
}
