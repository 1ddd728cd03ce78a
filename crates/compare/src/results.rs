//! What a comparison found, as written to `results.json`: the machine and versions, the scenario ×
//! runtime matrix, and every measured figure. Tables, `report.md` and the charts are all drawn from it.

use serde::{Deserialize, Serialize};

/// The version of this format; a reader refuses another.
pub const SCHEMA: u32 = 1;

/// Everything one `rosetta compare` run found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Results {
    /// [`SCHEMA`].
    pub schema: u32,
    /// The command that produced this, e.g. `rosetta compare --quick`.
    pub generated_by: String,
    /// When the run started, RFC 3339, UTC.
    pub generated_at: String,
    /// How thorough the run was.
    pub mode: Mode,
    /// Wall-clock seconds the whole run took.
    pub elapsed_s: f64,
    /// The machine it ran on.
    pub machine: Machine,
    /// rustc, the runtime crates and Python.
    pub versions: Versions,
    /// The runtimes compared, in registry order.
    pub runtimes: Vec<RuntimeEntry>,
    /// The scenario ids checked, in registry order.
    pub scenarios: Vec<String>,
    /// One cell per scenario × runtime, scenario-major.
    pub matrix: Vec<Cell>,
    /// Every measured figure: runtimes first, then the Python loops.
    pub figures: Vec<Figure>,
    /// How the runs of each runtime's figure spread, and which are bimodal (Python's baseline keeps
    /// only its median and extremes, so it has none).
    #[serde(default)]
    pub spreads: Vec<Spread>,
    /// With `--repeat N`: how far the N measurements agreed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reproducibility: Option<Reproducibility>,
    /// Python's part of the run: what ran, or why nothing did.
    pub python: PythonRun,
    /// The Python loops' cells with no figure, and what they say instead (`not installed`,
    /// `unsupported: ...`).
    #[serde(default)]
    pub python_gaps: Vec<PythonGap>,
    /// Measurements that failed (a workload that lost an item, a runtime that could not start), each
    /// naming the workload and runner; their figures are missing.
    pub problems: Vec<String>,
    /// The network figures (echo, HTTP): one per point × server × runner, with every run.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub net: Vec<NetFigure>,
    /// The network cells with no figure, and what they say (`not installed`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub net_gaps: Vec<NetGap>,
}

/// A network workload, as `rosetta_netbench` names it (`echo`, `http`).
pub type NetWorkload = rosetta_netbench::NetWorkload;

/// One network figure: a server on a runner at one point (message size × connections), over runs
/// interleaved with every other server's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NetFigure {
    /// The workload.
    pub workload: NetWorkload,
    /// The server (`streams`, `raw`, `native`, `floor`, `protocol`, `sock`).
    pub server: String,
    /// A runtime id, `floor`, or one of [`PYTHON_LOOPS`].
    pub runner: String,
    /// Bytes per message (the HTTP body's size).
    pub size: u64,
    /// Connections, each one request in flight.
    pub connections: u32,
    /// Worker threads, set only in the worker sweep of the multi-thread flavors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workers: Option<u32>,
    /// Requests per second: the median run's.
    pub requests_per_s: f64,
    /// Every run's requests per second, in round order.
    pub runs_per_s: Vec<f64>,
    /// The interquartile range of the runs' time per request over its median.
    pub relative_spread: f64,
    /// Whether the runs fall into two clusters (then the median means little).
    pub bimodal: bool,
    /// Mean latency, µs: the median over runs (as are the percentiles).
    pub mean_us: f64,
    /// Median latency, µs.
    pub p50_us: f64,
    /// 99th percentile latency, µs.
    pub p99_us: f64,
    /// 99.9th percentile latency, µs.
    pub p999_us: f64,
    /// The server's peak resident set over the point, KiB (`VmHWM`).
    pub peak_rss_kib: Option<u64>,
    /// Requests answered and verified, over every run.
    pub requests: u64,
    /// Connections that failed, over every run.
    pub errors: u64,
    /// The server's CPU time per request, µs: the median over the runs of its CPU time over the
    /// generator's process divided by every exchange in it (the OS counts in 10 ms ticks, so a
    /// short window's figure is coarse). None in results from before it was read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_cpu_us_per_request: Option<f64>,
    /// The generator's engine (`epoll`, `threads`), where the reports said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generator_engine: Option<String>,
    /// The threads that drove the generator's connections.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generator_threads: Option<u32>,
    /// The generator's busiest run: its CPU time over the window divided by the window (`0.41`,
    /// 41 % of one core).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generator_busy: Option<f64>,
    /// Where the two processes ran: `one CPU` (both on the same CPU), `one CPU each`, or none for
    /// the kernel's placement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placement: Option<String>,
    /// The latency distribution of the median run (by requests/s): `[quantile, µs]` pairs from the
    /// fastest request (0) to the slowest (1); empty in results from before it was kept.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub distribution_us: Vec<[f64; 2]>,
}

impl NetFigure {
    /// Whether a Python loop ran it.
    pub fn is_python(&self) -> bool {
        self.runner.starts_with("python-")
    }

    /// Whether it is the floor.
    pub fn is_floor(&self) -> bool {
        self.runner == "floor"
    }

    /// Whether it is at `size` × `connections` with the runtime's default workers.
    pub fn at(&self, workload: NetWorkload, size: u64, connections: u32) -> bool {
        self.workload == workload
            && self.size == size
            && self.connections == connections
            && self.workers.is_none()
    }
}

/// A network cell with no figure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetGap {
    /// The workload.
    pub workload: NetWorkload,
    /// The runner (a Python loop).
    pub runner: String,
    /// What its cells say: `not installed`.
    pub says: String,
}

/// One network ratio across the measurements of `--repeat`: a figure's requests/s against the best
/// Rust server's at its point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NetRatioRuns {
    /// The workload.
    pub workload: NetWorkload,
    /// The point, as tables name it (`1 KiB × 10`, with the workers in the sweep).
    pub point: String,
    /// The server.
    pub server: String,
    /// The runner.
    pub runner: String,
    /// The ratio (best requests/s over this one's) in each measurement; `None` where not measured.
    pub ratios: Vec<Option<f64>>,
    /// Whether every measurement gave it, each within the tolerance of their median.
    pub agrees: bool,
}

/// How thorough a run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// `--quick`: fewer sizes and rounds, about 30 s.
    Quick,
    /// The default: about 3 minutes.
    Full,
    /// `--full`: the default run with every network point and sweep.
    Sweep,
}

/// The machine a run measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Machine {
    /// `linux`, `macos`...
    pub os: String,
    /// The kernel release (`uname -r`), or `unknown`.
    pub kernel: String,
    /// The CPU model name, or `unknown`.
    pub cpu: String,
    /// Logical CPUs available to the process.
    pub cores: usize,
    /// Total memory in GiB, when the OS says.
    pub memory_gib: Option<f64>,
}

/// The versions a run used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Versions {
    /// `rustc --version` of the build.
    pub rustc: String,
    /// This project's version.
    pub async_rosetta: String,
    /// Runtime crates and their shared internals, name → version, from `Cargo.lock`.
    pub crates: Vec<(String, String)>,
    /// The python3 that ran the references and the baseline, if any.
    pub python: Option<String>,
    /// uvloop's version, when it could be imported.
    pub uvloop: Option<String>,
    /// The Python packages of the project's venv that the run used (uvloop, rloop, aiohttp,
    /// aiofiles), name → version, as the venv reports them; empty without the venv.
    #[serde(default)]
    pub python_packages: Vec<(String, String)>,
}

/// One runtime of the comparison, as the registry describes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuntimeEntry {
    /// The id (`tokio`, `smol-mt`...).
    pub id: String,
    /// Its display name.
    pub name: String,
    /// The crate it runs on.
    pub runtime_crate: String,
    /// That crate's version.
    pub version: String,
    /// `current-thread`, `multi-thread` or `global`.
    pub flavor: String,
    /// Worker threads with the default config.
    pub workers: usize,
    /// Why it is discontinued, for one that is.
    pub discontinued: Option<String>,
}

/// The outcome of one scenario on one runtime.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// CPython's lines at CPython's instants (or, without python3, the scenario's own checks hold).
    Pass,
    /// Different from CPython in the way the scenario documents for this runtime.
    DiffersAsDocumented,
    /// Different otherwise, a panic, or an error.
    Fail,
    /// Stopped by the watchdog.
    TimedOut,
    /// The runtime cannot run on this machine (io_uring refused): not run, not a failure.
    Unavailable,
}

impl Status {
    /// Whether this cell counts against the run (and makes its exit code non-zero).
    pub fn is_failure(self) -> bool {
        matches!(self, Status::Fail | Status::TimedOut)
    }

    /// The word a table shows.
    pub fn label(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::DiffersAsDocumented => "differs (documented)",
            Status::Fail => "FAIL",
            Status::TimedOut => "TIMED OUT",
            Status::Unavailable => "unavailable",
        }
    }

    /// The compact mark the scenario × runtime matrix shows, so that nine runtimes and more fit a
    /// page: a one-character mark for the common outcomes, a loud word for the failing ones.
    /// [`MATRIX_LEGEND`] says what each means.
    pub fn mark(self) -> &'static str {
        match self {
            Status::Pass => "✓",
            Status::DiffersAsDocumented => "≈",
            Status::Fail => "FAIL",
            Status::TimedOut => "TIMEOUT",
            Status::Unavailable => "n/a",
        }
    }
}

/// What the matrix's marks mean ([`Status::mark`]), as a line printed under it.
pub const MATRIX_LEGEND: &str = "✓ pass · ≈ differs from CPython as the scenario documents (the notes \
     below say how) · FAIL differs otherwise, or failed · TIMEOUT stopped by the watchdog · n/a the \
     runtime cannot run on this machine (the notes say why) · - not run";

/// One scenario × runtime cell of the matrix.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cell {
    /// The scenario id.
    pub scenario: String,
    /// The runtime id.
    pub runtime: String,
    /// The outcome.
    pub status: Status,
    /// What was checked against (`cpython` or `own-checks`).
    pub against: Against,
    /// Why: the documented difference, the mismatch, the panic message, or the watchdog's limit.
    pub detail: Option<String>,
    /// Runs of the port it took (a mismatch is tried again with fresh runs of both programs).
    pub attempts: u32,
    /// Wall-clock seconds of the last attempt's run of the port.
    pub seconds: f64,
}

/// What a cell's transcript was judged against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Against {
    /// CPython's transcript of the reference program, run on this machine.
    Cpython,
    /// The scenario's own checks of its figures only (no python3).
    OwnChecks,
}

/// A headline workload: a bench group (`rosetta_workloads::Group`), the one type for it; [`Heading`]
/// adds what the comparison shows of it, and [`COMPARED`] lists those `rosetta compare` measures, in
/// report order. In JSON and file names it is the group's name (`gather`, `loop_create`...).
pub type Workload = rosetta_workloads::Group;

/// The workloads `rosetta compare` measures, in report order (`run_in_executor` is the benches' only).
pub const COMPARED: [Workload; 7] = [
    Workload::Gather,
    Workload::Queue,
    Workload::LoopCreate,
    Workload::LoopClose,
    Workload::TimerSleep,
    Workload::TimerCallLater,
    Workload::BlockingStall,
];

/// What the comparison shows of a workload beside its id ([`Workload::name`]): a heading.
pub trait Heading {
    /// A heading for tables and charts.
    fn title(self) -> &'static str;
}

impl Heading for Workload {
    fn title(self) -> &'static str {
        match self {
            Workload::Gather => "gather latency (N no-op tasks)",
            Workload::Queue => "queue throughput (Queue, put/get/task_done/join)",
            Workload::LoopCreate => "loop create",
            Workload::LoopClose => "loop close",
            Workload::TimerSleep => "timer lateness: gather of three sleep(d)",
            Workload::TimerCallLater => "timer lateness: call_later(d)",
            Workload::BlockingStall => "blocking stall: 1 ms ticker beside a task blocking 1 ms",
            Workload::RunInExecutor => "run_in_executor round trip",
        }
    }
}

/// A [`Workload`] in JSON: its group's name.
mod workload_id {
    use serde::{Deserialize, Deserializer, Serializer};

    use super::Workload;

    pub(super) fn serialize<S: Serializer>(workload: &Workload, out: S) -> Result<S::Ok, S::Error> {
        out.serialize_str(workload.name())
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(input: D) -> Result<Workload, D::Error> {
        named(&String::deserialize(input)?)
    }

    /// An optional [`Workload`]: its name, or null.
    pub(super) fn serialize_option<S: Serializer>(
        workload: &Option<Workload>,
        out: S,
    ) -> Result<S::Ok, S::Error> {
        match workload {
            Some(workload) => out.serialize_some(workload.name()),
            None => out.serialize_none(),
        }
    }

    /// See [`serialize_option`].
    pub(super) fn deserialize_option<'de, D: Deserializer<'de>>(
        input: D,
    ) -> Result<Option<Workload>, D::Error> {
        Option::<String>::deserialize(input)?
            .map(|name| named(&name))
            .transpose()
    }

    /// The workload called `name`, or an error naming the valid ones.
    fn named<E: serde::de::Error>(name: &str) -> Result<Workload, E> {
        Workload::ALL
            .into_iter()
            .find(|workload| workload.name() == name)
            .ok_or_else(|| {
                let valid: Vec<&str> = Workload::ALL.iter().map(|w| w.name()).collect();
                E::custom(format!(
                    "unknown workload `{name}`, valid are {}",
                    valid.join(", ")
                ))
            })
    }
}

/// Who ran a figure: a runtime of the registry, or one of Python's loops.
pub const PYTHON_ASYNCIO: &str = "python-asyncio";
/// uvloop under CPython, when it could be imported.
pub const PYTHON_UVLOOP: &str = "python-uvloop";
/// rloop under CPython (an asyncio loop written in Rust), when it could be imported.
pub const PYTHON_RLOOP: &str = "python-rloop";
/// Every Python loop, in the order tables and charts show them.
pub const PYTHON_LOOPS: [&str; 3] = [PYTHON_ASYNCIO, PYTHON_UVLOOP, PYTHON_RLOOP];

/// One measured figure: a workload at one parameter, on one runner, over repeated runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Figure {
    /// The workload.
    #[serde(with = "workload_id")]
    pub workload: Workload,
    /// Its parameter: N for gather, `PxC-bounded` for queue, `1ms` for timers, `median`/`worst` for
    /// the stall, `default` for loops.
    pub param: String,
    /// A runtime id, or one of [`PYTHON_LOOPS`].
    pub runner: String,
    /// Nanoseconds per iteration (or lateness per iteration): the median over runs.
    pub median_ns: f64,
    /// The fastest run's time per iteration.
    pub min_ns: f64,
    /// The slowest run's time per iteration.
    pub max_ns: f64,
    /// How many runs the median is over (Python: samples).
    pub runs: u32,
    /// Items per iteration, for throughput workloads (tasks for gather, items for queue).
    pub elements: Option<u64>,
}

impl Figure {
    /// The figure of `workload` at `param` on `runner`, from a summary of its runs.
    pub fn new(
        workload: Workload,
        param: &str,
        runner: &str,
        runs: &rosetta_workloads::interleave::Summary,
        elements: Option<u64>,
    ) -> Self {
        let ns = |time: std::time::Duration| time.as_secs_f64() * 1e9;
        Figure {
            workload,
            param: param.to_owned(),
            runner: runner.to_owned(),
            median_ns: ns(runs.median),
            min_ns: ns(runs.min),
            max_ns: ns(runs.max),
            runs: runs.runs,
            elements,
        }
    }

    /// Elements per second at the median, for throughput workloads.
    pub fn per_second(&self) -> Option<f64> {
        let elements = self.elements? as f64;
        (self.median_ns > 0.0).then(|| elements * 1e9 / self.median_ns)
    }

    /// Whether a Python loop ran it.
    pub fn is_python(&self) -> bool {
        self.runner.starts_with("python-")
    }
}

/// How the runs behind one figure spread: its quartiles, its relative spread, its two modes when it
/// has two, and every run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Spread {
    /// The figure's workload.
    #[serde(with = "workload_id")]
    pub workload: Workload,
    /// The figure's parameter.
    pub param: String,
    /// The figure's runner.
    pub runner: String,
    /// The first quartile of the runs, per iteration.
    pub q1_ns: f64,
    /// The third quartile.
    pub q3_ns: f64,
    /// The interquartile range over the median: 0.05 when the middle half of the runs lies within
    /// 5 % of the median's size.
    pub relative: f64,
    /// The two clusters the runs fall into, when they fall into two: then the median is whichever
    /// held the middle run, and the table shows both.
    pub modes: Option<Modes>,
    /// Every run's time per iteration, in round order.
    pub runs_ns: Vec<f64>,
}

/// The two modes of a bimodal figure.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Modes {
    /// The faster cluster.
    pub low: ModeFigure,
    /// The slower cluster.
    pub high: ModeFigure,
}

/// One cluster of a bimodal figure's runs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ModeFigure {
    /// The median of its runs, per iteration.
    pub median_ns: f64,
    /// How many runs fell in it.
    pub runs: u32,
}

fn ns(time: std::time::Duration) -> f64 {
    time.as_secs_f64() * 1e9
}

impl Spread {
    /// The spread of `workload` at `param` on `runner`, from its runs (per iteration, in round order)
    /// and their summary.
    pub fn new(
        workload: Workload,
        param: &str,
        runner: &str,
        summary: &rosetta_workloads::interleave::Summary,
        runs: &[std::time::Duration],
    ) -> Self {
        let mode = |mode: rosetta_workloads::interleave::Mode| ModeFigure {
            median_ns: ns(mode.median),
            runs: mode.runs,
        };
        Spread {
            workload,
            param: param.to_owned(),
            runner: runner.to_owned(),
            q1_ns: ns(summary.q1),
            q3_ns: ns(summary.q3),
            relative: summary.relative_spread(),
            modes: summary.modes.map(|modes| Modes {
                low: mode(modes.low),
                high: mode(modes.high),
            }),
            runs_ns: runs.iter().copied().map(ns).collect(),
        }
    }
}

/// How far `--repeat N` measurements agreed: each runtime's *× best runtime* ratio in every one of
/// them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reproducibility {
    /// How many measurements, N.
    pub measurements: u32,
    /// The agreement asked of a ratio: every measurement's within this fraction of the median of
    /// the N (0.1: ±10 %).
    pub tolerance: f64,
    /// Every ratio, in report order.
    pub ratios: Vec<RatioRuns>,
    /// Every network ratio (Rust servers and the floor), in report order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub net: Vec<NetRatioRuns>,
}

/// One *× best runtime* ratio across the measurements of `--repeat`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RatioRuns {
    /// The workload.
    #[serde(with = "workload_id")]
    pub workload: Workload,
    /// Its parameter.
    pub param: String,
    /// The runtime.
    pub runner: String,
    /// The ratio in each measurement, in order; `None` where it was not measured.
    pub ratios: Vec<Option<f64>>,
    /// Whether every measurement gave it, each within the tolerance of their median.
    pub agrees: bool,
}

impl Reproducibility {
    /// The agreement of the ratios of every measurement in `runs` (at least one), the first the
    /// reported one: a ratio per runtime figure of the first, its workload not one a global runtime's
    /// loops make meaningless.
    pub fn of(runs: &[Results], tolerance: f64) -> Option<Reproducibility> {
        let first = runs.first()?;
        let ratios = first
            .figures
            .iter()
            .filter(|figure| !figure.is_python())
            .filter_map(|figure| {
                first.ratio_to_best(figure)?;
                let ratios: Vec<Option<f64>> = runs
                    .iter()
                    .map(|run| {
                        let same = run.figure(figure.workload, &figure.param, &figure.runner)?;
                        run.ratio_to_best(same)
                    })
                    .collect();
                Some(RatioRuns {
                    workload: figure.workload,
                    param: figure.param.clone(),
                    runner: figure.runner.clone(),
                    agrees: agree(&ratios, tolerance),
                    ratios,
                })
            })
            .collect();
        let net = first
            .net
            .iter()
            .filter(|figure| !figure.is_python())
            .filter_map(|figure| {
                first.net_ratio_to_best(figure)?;
                let ratios: Vec<Option<f64>> = runs
                    .iter()
                    .map(|run| {
                        let same = run.net.iter().find(|other| same_net_cell(other, figure))?;
                        run.net_ratio_to_best(same)
                    })
                    .collect();
                Some(NetRatioRuns {
                    workload: figure.workload,
                    point: net_point_label(figure),
                    server: figure.server.clone(),
                    runner: figure.runner.clone(),
                    agrees: agree(&ratios, tolerance),
                    ratios,
                })
            })
            .collect();
        Some(Reproducibility {
            measurements: u32::try_from(runs.len()).unwrap_or(u32::MAX),
            tolerance,
            ratios,
            net,
        })
    }

    /// How many network ratios agree.
    pub fn net_agreeing(&self) -> usize {
        self.net.iter().filter(|ratio| ratio.agrees).count()
    }

    /// How many ratios agree.
    pub fn agreeing(&self) -> usize {
        self.ratios.iter().filter(|ratio| ratio.agrees).count()
    }
}

/// The median of `values` (the upper one of an even count), none of none.
///
/// ```
/// use rosetta_compare::results::median_of;
///
/// assert_eq!(median_of(vec![3.0, 1.0, 2.0]), Some(2.0));
/// assert_eq!(median_of(Vec::new()), None);
/// ```
pub fn median_of(mut values: Vec<f64>) -> Option<f64> {
    values.sort_unstable_by(f64::total_cmp);
    values.get(values.len() / 2).copied()
}

/// Whether every value is present and within `tolerance` (a fraction) of the median of them all.
///
/// ```
/// use rosetta_compare::results::agree;
///
/// assert!(agree(&[Some(1.0), Some(1.05), Some(0.97)], 0.1));
/// assert!(!agree(&[Some(1.05), Some(6.43), Some(7.0)], 0.1));
/// assert!(!agree(&[Some(1.0), None], 0.1));
/// ```
pub fn agree(values: &[Option<f64>], tolerance: f64) -> bool {
    let Some(mut values) = values.iter().copied().collect::<Option<Vec<f64>>>() else {
        return false;
    };
    if values.is_empty() {
        return false;
    }
    values.sort_unstable_by(f64::total_cmp);
    let middle = values.len() / 2;
    let median = if values.len() % 2 == 0 {
        (values[middle - 1] + values[middle]) / 2.0
    } else {
        values[middle]
    };
    median > 0.0
        && values
            .iter()
            .all(|value| (value - median).abs() <= tolerance * median)
}

/// Whether `a` and `b` are the same network cell (workload, point, workers, server, runner).
fn same_net_cell(a: &NetFigure, b: &NetFigure) -> bool {
    a.workload == b.workload
        && a.size == b.size
        && a.connections == b.connections
        && a.workers == b.workers
        && a.server == b.server
        && a.runner == b.runner
}

/// A network figure's point as tables name it: `1 KiB × 10`, and `, 2 workers` in the sweep.
pub fn net_point_label(figure: &NetFigure) -> String {
    let point = format!(
        "{} × {}",
        rosetta_netbench::measure::size_label(usize::try_from(figure.size).unwrap_or(usize::MAX)),
        figure.connections
    );
    match figure.workers {
        Some(workers) => format!(
            "{point}, {workers} worker{}",
            if workers == 1 { "" } else { "s" }
        ),
        None => point,
    }
}

/// A Python loop's cell that has no figure: the loop is not installed, or cannot run the workload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PythonGap {
    /// One of [`PYTHON_LOOPS`].
    pub runner: String,
    /// The workload it lacks; `None` for all of them (the loop is not installed).
    #[serde(
        default,
        serialize_with = "workload_id::serialize_option",
        deserialize_with = "workload_id::deserialize_option"
    )]
    pub workload: Option<Workload>,
    /// The parameter it lacks; `None` for all of them.
    pub param: Option<String>,
    /// What the cell says: `not installed`, or `unsupported: <why>`.
    pub says: String,
}

/// What the cells of a loop that is not installed say.
pub const NOT_INSTALLED: &str = "not installed";

/// Python's part of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum PythonRun {
    /// The baseline ran on these loops.
    Ran {
        /// `asyncio`, `uvloop`, `rloop`: those the script measured.
        loops: Vec<String>,
        /// Loops skipped, with why (`uvloop: not importable...`).
        skipped: Vec<String>,
    },
    /// It did not run: why (no python3, or it failed).
    Skipped {
        /// Why.
        why: String,
    },
}

impl Results {
    /// The figures of `workload`, in the order they were recorded.
    pub fn figures_of(&self, workload: Workload) -> impl Iterator<Item = &Figure> {
        self.figures
            .iter()
            .filter(move |figure| figure.workload == workload)
    }

    /// The parameters measured for `workload`, in first-seen order.
    pub fn params_of(&self, workload: Workload) -> Vec<&str> {
        let mut params: Vec<&str> = Vec::new();
        for figure in self.figures_of(workload) {
            if !params.contains(&figure.param.as_str()) {
                params.push(&figure.param);
            }
        }
        params
    }

    /// The figure of `workload` at `param` on `runner`.
    pub fn figure(&self, workload: Workload, param: &str, runner: &str) -> Option<&Figure> {
        self.figures_of(workload)
            .find(|figure| figure.param == param && figure.runner == runner)
    }

    /// The runners with figures, runtimes in registry order first, then the Python loops.
    pub fn runners(&self) -> Vec<&str> {
        let mut runners: Vec<&str> = self.runtimes.iter().map(|rt| rt.id.as_str()).collect();
        for python in PYTHON_LOOPS {
            if self.figures.iter().any(|figure| figure.runner == python) {
                runners.push(python);
            }
        }
        runners
    }

    /// What the cell of `workload` at `param` on the Python loop `runner` says when it has no figure:
    /// `not installed`, or `unsupported: ...`.
    pub fn python_gap(&self, runner: &str, workload: Workload, param: &str) -> Option<&str> {
        self.python_gaps
            .iter()
            .find(|gap| {
                gap.runner == runner
                    && gap.workload.is_none_or(|w| w == workload)
                    && gap.param.as_deref().is_none_or(|p| p == param)
            })
            .map(|gap| gap.says.as_str())
    }

    /// The Python loops that are not installed, in [`PYTHON_LOOPS`] order.
    pub fn python_not_installed(&self) -> Vec<&str> {
        PYTHON_LOOPS
            .into_iter()
            .filter(|runner| {
                self.python_gaps
                    .iter()
                    .any(|gap| gap.runner == *runner && gap.workload.is_none())
            })
            .collect()
    }

    /// The cell of `scenario` on `runtime`.
    pub fn cell(&self, scenario: &str, runtime: &str) -> Option<&Cell> {
        self.matrix
            .iter()
            .find(|cell| cell.scenario == scenario && cell.runtime == runtime)
    }

    /// Whether `runner` is a global runtime, whose loops are handles to its one runtime: creating and
    /// closing one costs nothing per loop, and is no yardstick for the others.
    pub fn is_global(&self, runner: &str) -> bool {
        let global = rosetta_runtimes::Flavor::Global.to_string();
        self.runtimes
            .iter()
            .any(|rt| rt.id == runner && rt.flavor == global)
    }

    /// How the runs of `figure` spread, when they were kept.
    pub fn spread_of(&self, figure: &Figure) -> Option<&Spread> {
        self.spreads.iter().find(|spread| {
            spread.workload == figure.workload
                && spread.param == figure.param
                && spread.runner == figure.runner
        })
    }

    /// Whether `figure` is a loop create or close on a global runtime: no yardstick for the others.
    pub fn is_global_loop(&self, figure: &Figure) -> bool {
        matches!(figure.workload, Workload::LoopCreate | Workload::LoopClose)
            && self.is_global(&figure.runner)
    }

    /// The fastest runtime's median of `workload` at `param`: what *× best runtime* divides by
    /// (Python's loops and a global runtime's loops left out).
    pub fn best_runtime(&self, workload: Workload, param: &str) -> Option<f64> {
        self.figures_of(workload)
            .filter(|figure| figure.param == param)
            .filter(|figure| !figure.is_python() && !self.is_global_loop(figure))
            .map(|figure| figure.median_ns)
            .filter(|median| *median > 0.0)
            .min_by(f64::total_cmp)
    }

    /// `figure`'s median over [`Results::best_runtime`]; `None` for a global runtime's loops, or with
    /// nothing to divide by.
    pub fn ratio_to_best(&self, figure: &Figure) -> Option<f64> {
        if self.is_global_loop(figure) || figure.median_ns.is_nan() || figure.median_ns <= 0.0 {
            return None;
        }
        Some(figure.median_ns / self.best_runtime(figure.workload, &figure.param)?)
    }

    /// The best Rust requests/s at `figure`'s point (same workload, size, connections and workers):
    /// the runtimes' servers only, neither the floor nor Python.
    pub fn net_best_rust(&self, figure: &NetFigure) -> Option<f64> {
        self.net
            .iter()
            .filter(|other| {
                !other.is_python()
                    && !other.is_floor()
                    && other.workload == figure.workload
                    && other.size == figure.size
                    && other.connections == figure.connections
                    && other.workers == figure.workers
            })
            .map(|other| other.requests_per_s)
            .filter(|rps| *rps > 0.0 && rps.is_finite())
            .max_by(f64::total_cmp)
    }

    /// *× best Rust*: the best Rust requests/s at `figure`'s point over `figure`'s (1 for the best,
    /// more for slower); `None` without a figure to divide.
    pub fn net_ratio_to_best(&self, figure: &NetFigure) -> Option<f64> {
        let own = figure.requests_per_s;
        (own > 0.0 && own.is_finite()).then_some(())?;
        Some(self.net_best_rust(figure)? / own)
    }

    /// The network figures' points of `workload` with default workers, `(size, connections)`, in
    /// size then connection order.
    pub fn net_points(&self, workload: NetWorkload) -> Vec<(u64, u32)> {
        let mut points: Vec<(u64, u32)> = self
            .net
            .iter()
            .filter(|figure| figure.workload == workload && figure.workers.is_none())
            .map(|figure| (figure.size, figure.connections))
            .collect();
        points.sort_unstable();
        points.dedup();
        points
    }

    /// Whether any cell failed or timed out.
    pub fn any_failure(&self) -> bool {
        self.matrix.iter().any(|cell| cell.status.is_failure())
    }
}

/// The recorded run of the tests' fixture, without its reproducibility.
#[cfg(test)]
pub(crate) fn recorded() -> Results {
    let mut results: Results =
        serde_json::from_str(include_str!("../tests/fixtures/results.json")).expect("fixture");
    results.reproducibility = None;
    results
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scale(results: &mut Results, workload: Workload, param: &str, runner: &str, by: f64) {
        let figure = results
            .figures
            .iter_mut()
            .find(|f| f.workload == workload && f.param == param && f.runner == runner)
            .expect("a figure of the fixture");
        figure.median_ns *= by;
    }

    fn disagreeing(repro: &Reproducibility) -> Vec<(Workload, &str, &str)> {
        repro
            .ratios
            .iter()
            .filter(|ratio| !ratio.agrees)
            .map(|ratio| (ratio.workload, ratio.param.as_str(), ratio.runner.as_str()))
            .collect()
    }

    #[test]
    fn the_agreement_counts_every_runtime_ratio_and_names_those_that_moved() {
        let first = recorded();
        // Runtime figures, less async-std's two global loops: Python's ratios are not counted.
        let counted = first
            .figures
            .iter()
            .filter(|f| !f.is_python() && !first.is_global_loop(f))
            .count();
        let same = Reproducibility::of(&[first.clone(), first.clone()], 0.1).expect("runs");
        assert_eq!((same.agreeing(), same.ratios.len()), (counted, counted));
        assert_eq!(same.measurements, 2);

        let mut second = first.clone();
        // smol-mt's 16×16 queue from ×4.7 to ×1.05 of the best: disagrees.
        scale(
            &mut second,
            Workload::Queue,
            "16x16-bounded",
            "smol-mt",
            1.05 / 4.68,
        );
        // async-std's gather of 1 by 5 %: still within ±10 %.
        scale(&mut second, Workload::Gather, "1", "async-std", 1.05);
        // The best runtime of gather 100 (tokio) 30 % slower: its own ratio stays ×1, the others'
        // fall by a quarter.
        scale(&mut second, Workload::Gather, "100", "tokio", 1.3);
        let mut third = first.clone();
        third
            .figures
            .retain(|f| !(f.workload == Workload::LoopCreate && f.runner == "smol-mt"));
        let repro = Reproducibility::of(&[first, second, third], 0.1).expect("runs");
        assert_eq!(repro.measurements, 3);
        assert_eq!(
            disagreeing(&repro),
            [
                (Workload::Gather, "100", "smol-mt"),
                (Workload::Gather, "100", "async-std"),
                (Workload::Queue, "16x16-bounded", "smol-mt"),
                (Workload::LoopCreate, "default", "smol-mt"),
            ]
        );
        assert_eq!(repro.agreeing(), counted - 4);
    }

    #[test]
    fn a_workload_is_written_as_its_group_name_and_an_unknown_one_is_named() {
        for workload in Workload::ALL {
            let json = serde_json::to_string(&RatioRuns {
                workload,
                param: "1".to_owned(),
                runner: "tokio".to_owned(),
                ratios: vec![Some(1.0)],
                agrees: true,
            })
            .expect("serializes");
            assert!(
                json.contains(&format!("\"workload\":\"{}\"", workload.name())),
                "{json}"
            );
            let back: RatioRuns = serde_json::from_str(&json).expect("reads back");
            assert_eq!(back.workload, workload);
        }
        let error = serde_json::from_str::<RatioRuns>(
            r#"{"workload":"gathr","param":"1","runner":"tokio","ratios":[],"agrees":true}"#,
        )
        .expect_err("no such workload");
        assert!(
            error
                .to_string()
                .contains("unknown workload `gathr`, valid are gather, queue")
        );
        // An optional one: the name, or null.
        for workload in [Some(Workload::Queue), None] {
            let gap = PythonGap {
                runner: "python-rloop".to_owned(),
                workload,
                param: None,
                says: NOT_INSTALLED.to_owned(),
            };
            let json = serde_json::to_string(&gap).expect("serializes");
            let name = workload.map_or("null".to_owned(), |w| format!("\"{}\"", w.name()));
            assert!(json.contains(&format!("\"workload\":{name}")), "{json}");
            assert_eq!(
                serde_json::from_str::<PythonGap>(&json).expect("reads back"),
                gap
            );
        }
    }

    #[test]
    fn one_measurement_agrees_with_itself_and_none_is_no_report() {
        let results = recorded();
        let repro = Reproducibility::of(std::slice::from_ref(&results), 0.1).expect("one run");
        assert_eq!(repro.agreeing(), repro.ratios.len());
        assert_eq!(Reproducibility::of(&[], 0.1), None);
        assert!(!agree(&[], 0.1));
        assert!(agree(&[Some(2.0), Some(2.2)], 0.1));
        assert!(!agree(&[Some(2.0), Some(2.5)], 0.1));
    }
}
