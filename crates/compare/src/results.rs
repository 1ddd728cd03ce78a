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
    /// Python's part of the run: what ran, or why nothing did.
    pub python: PythonRun,
    /// Measurements that failed (a workload that lost an item, a runtime that could not start), each
    /// naming the workload and runner; their figures are missing.
    pub problems: Vec<String>,
}

/// How thorough a run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// `--quick`: fewer sizes and rounds, about 30 s.
    Quick,
    /// The default: about 3 minutes.
    Full,
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
}

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

/// A headline workload: one of the bench groups (`rosetta_workloads::Group`, see [`Workload::group`])
/// that `rosetta compare` measures, under the group's name; the group says its id and whether it is
/// lateness, this type only what the comparison shows of it (its title, its place in the report).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Workload {
    /// Spawn N no-op tasks and gather them; `param` is N. Time per gather.
    Gather,
    /// Items through the toolkit `Queue` (put, get, task_done, join); `param` is `PxC-bounded`.
    /// Time per run of `elements` items.
    Queue,
    /// Create a loop; `param` is `default`. Time per create.
    LoopCreate,
    /// Close a loop; `param` is `default`. Time per close.
    LoopClose,
    /// How late a gather of three `sleep(d)` completes; `param` is `1ms` or `10ms`.
    TimerSleep,
    /// How late a `call_later(d)` callback runs; `param` is `1ms` or `10ms`.
    TimerCallLater,
    /// A ticker's lateness beside a task that blocks its thread 1 ms at a time; `param` is `median`
    /// or `worst` tick.
    BlockingStall,
}

impl Workload {
    /// Every workload, in report order.
    pub const ALL: [Workload; 7] = [
        Workload::Gather,
        Workload::Queue,
        Workload::LoopCreate,
        Workload::LoopClose,
        Workload::TimerSleep,
        Workload::TimerCallLater,
        Workload::BlockingStall,
    ];

    /// The bench group this workload is measured as, which says its id and whether it is lateness.
    pub fn group(self) -> rosetta_workloads::Group {
        use rosetta_workloads::Group;
        match self {
            Workload::Gather => Group::Gather,
            Workload::Queue => Group::Queue,
            Workload::LoopCreate => Group::LoopCreate,
            Workload::LoopClose => Group::LoopClose,
            Workload::TimerSleep => Group::TimerSleep,
            Workload::TimerCallLater => Group::TimerCallLater,
            Workload::BlockingStall => Group::BlockingStall,
        }
    }

    /// The id used in JSON and file names: the bench group's name.
    pub fn id(self) -> &'static str {
        self.group().name()
    }

    /// A heading for tables and charts.
    pub fn title(self) -> &'static str {
        match self {
            Workload::Gather => "gather latency (N no-op tasks)",
            Workload::Queue => "queue throughput (Queue, put/get/task_done/join)",
            Workload::LoopCreate => "loop create",
            Workload::LoopClose => "loop close",
            Workload::TimerSleep => "timer lateness: gather of three sleep(d)",
            Workload::TimerCallLater => "timer lateness: call_later(d)",
            Workload::BlockingStall => "blocking stall: 1 ms ticker beside a task blocking 1 ms",
        }
    }

    /// Whether the figure is a time past a deadline (lower is better, and zero is the floor) rather
    /// than the duration of some work.
    pub fn is_lateness(self) -> bool {
        self.group().is_lateness()
    }
}

/// Who ran a figure: a runtime of the registry, or one of Python's loops.
pub const PYTHON_ASYNCIO: &str = "python-asyncio";
/// uvloop under CPython, when it could be imported.
pub const PYTHON_UVLOOP: &str = "python-uvloop";

/// One measured figure: a workload at one parameter, on one runner, over repeated runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Figure {
    /// The workload.
    pub workload: Workload,
    /// Its parameter: N for gather, `PxC-bounded` for queue, `1ms` for timers, `median`/`worst` for
    /// the stall, `default` for loops.
    pub param: String,
    /// A runtime id, or [`PYTHON_ASYNCIO`] / [`PYTHON_UVLOOP`].
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

/// Python's part of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum PythonRun {
    /// The baseline ran on these loops.
    Ran {
        /// `asyncio`, and `uvloop` when importable.
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
        for python in [PYTHON_ASYNCIO, PYTHON_UVLOOP] {
            if self.figures.iter().any(|figure| figure.runner == python) {
                runners.push(python);
            }
        }
        runners
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

    /// Whether any cell failed or timed out.
    pub fn any_failure(&self) -> bool {
        self.matrix.iter().any(|cell| cell.status.is_failure())
    }
}
