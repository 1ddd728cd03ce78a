//! The measured workloads: each one written over the [`Runtime`] trait with the toolkit, written again
//! against each runtime's own API, and set beside the physical floor that no runtime can beat.
//!
//! The benches (`benches/`) and any in-process comparison run the same code from here, so a number
//! means the same thing wherever it is printed. A [`Case`] is one measured thing: a [`Target`] (the
//! toolkit on a runtime, the native version on a runtime, or a floor) running a [`Workload`]; the
//! [`plan()`] of a [`Group`] lists its cases in the order they run. [`Case::bench`] prepares a [`Bench`]
//! (the runtime is created there, never in the timed region), and [`Bench::run`] runs the workload
//! `iters` times and returns the time it took, measured inside the runtime, as criterion's
//! `iter_custom` wants it.
//!
//! | group | workload | native | floor |
//! |---|---|---|---|
//! | `gather` | gather of N no-op tasks ([`rosetta_asyncio::gather()`]); at 10 000 also spawn-and-await through the trait | spawn and await the handles | `join_all` without spawning |
//! | `queue` | P producers × C consumers through [`rosetta_asyncio::Queue`] with `task_done`/`join` | the same queue, tasks spawned natively; raw channels | a `VecDeque` push/pop loop |
//! | `loop_create`, `loop_close` | [`Runtime::create`] / [`Runtime::close`] | the runtime's own builder | `Executor::new()`; `epoll_create1` + `eventfd` |
//! | `timer_sleep`, `timer_call_later` | lateness of `gather` of three `sleep(d)`; of `call_later(d)` | the runtime's own timer | `std::thread::sleep(d)` |
//! | `blocking_stall` | a 1 ms ticker beside a task that blocks 1 ms at a time | the same, natively | a ticker on its own thread |
//! | `run_in_executor` | one `run_in_executor` round trip | the runtime's `spawn_blocking` | a hand-off to a parked thread |
//!
//! # Naming runtime crates
//!
//! Code above the registry reaches runtimes only through `rosetta-runtimes`, with one exception: this
//! crate's `native` module and floors name tokio, smol, async-executor and async-std directly, because a
//! native baseline exists to be compared with the abstraction and cannot be written through it. The
//! toolkit workloads here are generic over `R: Runtime` like any other code, and reach a runtime by id
//! through [`rosetta_runtimes::visit`]; the native ones are chosen by matching the id.
//!
//! # Examples
//!
//! ```
//! use rosetta_workloads::{Case, Target, Workload};
//!
//! let case = Case::new(Target::Toolkit("smol"), Workload::Gather { tasks: 100 });
//! assert_eq!((case.function_id(), case.parameter()), ("smol".to_owned(), "100".to_owned()));
//! let mut bench = case.bench().unwrap();
//! let elapsed = bench.run(3).unwrap(); // three gathers of 100 tasks, timed inside the runtime
//! assert!(elapsed > std::time::Duration::ZERO);
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]

use std::fmt;
use std::time::Duration;

pub use rosetta_runtimes::{Config, Runtime, RuntimeInfo};

mod check;
pub mod compare;
mod floor;
pub mod fresh;
mod native;
pub mod plan;
pub mod report;
mod toolkit;

pub use floor::Floor;
pub use plan::{Case, Group, plan};

/// How many tasks a gather spawns, for each point of the `gather` curve.
pub const GATHER_SIZES: [usize; 6] = [1, 10, 100, 1_000, 10_000, 100_000];

/// The gather size at which the abstraction's overhead is stated (and the trait's spawn measured).
pub const OVERHEAD_GATHER_TASKS: usize = 10_000;

/// How many items go through the queue in one run of a `queue` workload.
pub const QUEUE_ITEMS: u64 = 100_000;

/// The `maxsize` of a bounded queue (and the capacity of a bounded channel).
pub const QUEUE_BOUND: usize = 1_024;

/// The producer and consumer counts of the `queue` workload: 1×1, 4×4 and 16×16.
pub const QUEUE_PAIRS: [usize; 3] = [1, 4, 16];

/// The delays whose lateness the `timer_*` groups measure.
pub const TIMER_DELAYS: [Duration; 2] = [Duration::from_millis(1), Duration::from_millis(10)];

/// How often the `blocking_stall` ticker wants to wake, and how long each block of the blocker lasts.
pub const STALL_PERIOD: Duration = Duration::from_millis(1);

/// How many ticks one run of the `blocking_stall` workload waits for.
pub const STALL_TICKS: u32 = 10;

/// Why a workload could not be prepared or run.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The runtime id names no runtime of the registry.
    #[error(transparent)]
    UnknownRuntime(#[from] rosetta_runtimes::UnknownRuntime),
    /// The runtime could not be created.
    #[error("cannot create the runtime: {0}")]
    Runtime(#[from] rosetta_runtimes::rosetta_rt::RuntimeError),
    /// This target does not run this workload (a single-consumer channel with several consumers, a
    /// global runtime's per-loop cost, a floor of another workload).
    #[error("{target} does not run `{workload}`: {why}")]
    Unsupported {
        /// The target, as [`Target`]'s `Display` prints it.
        target: String,
        /// The workload's group.
        workload: &'static str,
        /// Why not.
        why: &'static str,
    },
    /// A task of the workload panicked or was cancelled.
    #[error("a task of the workload failed: {0}")]
    Task(String),
    /// The workload ran but did the wrong thing (an item lost, a timer early): a bug, not a slow run.
    #[error("wrong result: {0}")]
    Wrong(String),
    /// The OS refused something (a thread, a file descriptor, a child process).
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// A measurement in a fresh process failed.
    #[error("fresh-process measurement: {0}")]
    Fresh(String),
    /// Criterion's output could not be read.
    #[error("cannot read {path}: {why}")]
    Report {
        /// The file.
        path: String,
        /// What went wrong.
        why: String,
    },
}

impl From<rosetta_runtimes::JoinError> for Error {
    fn from(error: rosetta_runtimes::JoinError) -> Self {
        Error::Task(error.to_string())
    }
}

/// What runs a workload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Target {
    /// The toolkit over the `Runtime` trait, on the runtime with this id.
    Toolkit(&'static str),
    /// The same workload written against the own API of the runtime with this id.
    Native(&'static str),
    /// A physical floor: what the workload costs with no runtime at all.
    Floor(Floor),
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Toolkit(id) => write!(f, "the toolkit on {id}"),
            Target::Native(id) => write!(f, "native {id}"),
            Target::Floor(floor) => write!(f, "the floor {}", floor.name()),
        }
    }
}

/// The shape of a `queue` run: producers × consumers, bounded or not, and how many items.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct QueueShape {
    /// Producer tasks; the items are split evenly between them.
    pub producers: usize,
    /// Consumer tasks.
    pub consumers: usize,
    /// The queue's `maxsize` (the channel's capacity); `None` for an unbounded one.
    pub bound: Option<usize>,
    /// Items put in one run.
    pub items: u64,
}

impl QueueShape {
    /// `producers` × `consumers` through a queue of [`QUEUE_BOUND`] (or unbounded), [`QUEUE_ITEMS`] items.
    pub fn new(producers: usize, consumers: usize, bounded: bool) -> Self {
        QueueShape {
            producers,
            consumers,
            bound: bounded.then_some(QUEUE_BOUND),
            items: QUEUE_ITEMS,
        }
    }

    /// The asyncio `maxsize`: the bound, or 0 for unbounded.
    pub fn maxsize(&self) -> usize {
        self.bound.unwrap_or(0)
    }

    /// The items producer `index` puts: a contiguous share of `0..items`.
    pub fn share(&self, index: usize) -> std::ops::Range<u64> {
        split(self.items, self.producers, index)
    }

    /// How many items consumer `index` takes when consumers take fixed shares.
    pub fn take(&self, index: usize) -> u64 {
        let range = split(self.items, self.consumers, index);
        range.end - range.start
    }
}

impl fmt::Display for QueueShape {
    /// `1x1-bounded`, `16x16-unbounded`: the bench parameter.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bound = if self.bound.is_some() {
            "bounded"
        } else {
            "unbounded"
        };
        write!(f, "{}x{}-{bound}", self.producers, self.consumers)
    }
}

/// Share `index` of `0..items` split into `parts` contiguous ranges.
fn split(items: u64, parts: usize, index: usize) -> std::ops::Range<u64> {
    let parts = parts.max(1) as u64;
    let index = index as u64;
    (items * index / parts)..(items * (index + 1) / parts)
}

/// A raw channel that a Rust user would pick instead of an asyncio-style queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChannelKind {
    /// `tokio::sync::mpsc`: single consumer.
    Mpsc,
    /// `async-channel` (smol's and async-std's channel).
    AsyncChannel,
    /// `flume`.
    Flume,
}

impl ChannelKind {
    /// Every channel kind.
    pub const ALL: [ChannelKind; 3] = [
        ChannelKind::Mpsc,
        ChannelKind::AsyncChannel,
        ChannelKind::Flume,
    ];

    /// The name used in bench ids.
    pub fn name(self) -> &'static str {
        match self {
            ChannelKind::Mpsc => "mpsc",
            ChannelKind::AsyncChannel => "async-channel",
            ChannelKind::Flume => "flume",
        }
    }

    /// Whether several consumers can share the receiving end.
    pub fn multi_consumer(self) -> bool {
        !matches!(self, ChannelKind::Mpsc)
    }
}

/// Which statistic of the ticker's lateness a `blocking_stall` run reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stat {
    /// The median lateness of the run's ticks.
    Median,
    /// The worst lateness of the run's ticks.
    Worst,
}

impl Stat {
    /// The name used as the bench parameter.
    pub fn name(self) -> &'static str {
        match self {
            Stat::Median => "median",
            Stat::Worst => "worst",
        }
    }

    /// This statistic of `lateness` (sorted in place); zero for no sample.
    pub fn of(self, lateness: &mut [Duration]) -> Duration {
        lateness.sort_unstable();
        let index = match self {
            Stat::Median => lateness.len() / 2,
            Stat::Worst => lateness.len().saturating_sub(1),
        };
        lateness.get(index).copied().unwrap_or_default()
    }
}

/// One workload and its parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Workload {
    /// Spawn `tasks` no-op tasks and gather them; time from the first spawn to the gathered results.
    Gather {
        /// How many tasks.
        tasks: usize,
    },
    /// Spawn `tasks` no-op tasks through the trait and await each handle in order: gather's work
    /// without gather's bookkeeping (toolkit targets only), which tells the trait's cost from gather's.
    SpawnAwait {
        /// How many tasks.
        tasks: usize,
    },
    /// Items through the toolkit `Queue`: put, get, `task_done`, then `join`; every task spawned.
    Queue {
        /// Producers, consumers, bound and items.
        shape: QueueShape,
    },
    /// Items through the toolkit `Queue` with `put` and `get` only: no `task_done`, no `join`, each
    /// consumer taking its share of the items (toolkit targets only). Beside [`Workload::Queue`], it
    /// tells the queue's own cost from what `task_done` adds.
    QueuePutGet {
        /// Producers, consumers, bound and items.
        shape: QueueShape,
    },
    /// Items through a raw channel (native targets only), consumers stopping when it closes.
    Channel {
        /// Which channel.
        kind: ChannelKind,
        /// Producers, consumers, bound and items.
        shape: QueueShape,
    },
    /// Create a loop; the time of the create alone.
    LoopCreate {
        /// The loop's config (worker threads of multi-thread flavors).
        config: Config,
    },
    /// Close a loop; the time of the close alone.
    LoopClose {
        /// The loop's config (worker threads of multi-thread flavors).
        config: Config,
    },
    /// A global runtime's one-time start (its first spawn, awaited), each run in a fresh process.
    FirstStart,
    /// How late a gather of three `sleep(delay)` completes.
    Sleep {
        /// The delay.
        delay: Duration,
    },
    /// How late a `call_later(delay)` callback runs.
    CallLater {
        /// The delay.
        delay: Duration,
    },
    /// A ticker wanting to wake every [`STALL_PERIOD`] beside a task that blocks the thread for
    /// [`STALL_PERIOD`] at a time; the ticker's lateness.
    Stall {
        /// Median or worst tick.
        stat: Stat,
    },
    /// One `run_in_executor` round trip (a no-op closure on the blocking pool, awaited).
    RunInExecutor,
}

impl Workload {
    /// The criterion group this workload belongs to.
    pub fn group(&self) -> Group {
        match self {
            Workload::Gather { .. } | Workload::SpawnAwait { .. } => Group::Gather,
            Workload::Queue { .. } | Workload::QueuePutGet { .. } | Workload::Channel { .. } => {
                Group::Queue
            }
            Workload::LoopCreate { .. } | Workload::FirstStart => Group::LoopCreate,
            Workload::LoopClose { .. } => Group::LoopClose,
            Workload::Sleep { .. } => Group::TimerSleep,
            Workload::CallLater { .. } => Group::TimerCallLater,
            Workload::Stall { .. } => Group::BlockingStall,
            Workload::RunInExecutor => Group::RunInExecutor,
        }
    }
}

/// A prepared workload: its runtime (if it needs one) is created, and each [`run`](Bench::run) times
/// `iters` runs of the workload inside it.
///
/// Dropping the bench closes its runtime.
pub struct Bench {
    label: String,
    run: Runner,
}

/// What a prepared bench calls: runs the workload `iters` times, returns the measured time.
pub(crate) type Runner = Box<dyn FnMut(u64) -> Result<Duration, Error>>;

impl Bench {
    /// Prepares `workload` on `target`: creates the runtime, and any helper thread, untimed.
    ///
    /// # Errors
    ///
    /// [`Error::Unsupported`] if the target does not run the workload, [`Error::UnknownRuntime`] for an
    /// unknown id, and [`Error::Runtime`] or [`Error::Io`] if the runtime cannot be created.
    pub fn new(target: Target, workload: Workload) -> Result<Self, Error> {
        let run = match target {
            Target::Toolkit(id) => toolkit::prepare(id, workload)?,
            Target::Native(id) => native::prepare(id, workload)?,
            Target::Floor(floor) => floor::prepare(floor, workload)?,
        };
        Ok(Bench {
            label: format!("{workload:?} on {target}"),
            run,
        })
    }

    /// Runs the workload `iters` times and returns the measured time: for throughput workloads the
    /// time the runs took, for lateness workloads the sum of the runs' lateness.
    ///
    /// # Errors
    ///
    /// [`Error::Task`] if a task panicked, [`Error::Wrong`] if the workload misbehaved (an item lost,
    /// a timer early), [`Error::Fresh`] or [`Error::Io`] for a fresh-process measurement that failed.
    pub fn run(&mut self, iters: u64) -> Result<Duration, Error> {
        (self.run)(iters)
    }
}

impl fmt::Debug for Bench {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Bench")
            .field("case", &self.label)
            .finish_non_exhaustive()
    }
}

/// Whether `info`'s runtime is one of tokio's flavors, whose users reach for `tokio::sync::mpsc`.
pub fn is_tokio(info: &RuntimeInfo) -> bool {
    info.runtime_crate == "tokio"
}

/// The raw channels a user of `info`'s runtime would pick, for `shape`: `tokio::sync::mpsc` on tokio
/// (single consumer, so only with one consumer), `async-channel` and `flume` everywhere.
pub fn channels_for(info: &RuntimeInfo, shape: &QueueShape) -> Vec<ChannelKind> {
    ChannelKind::ALL
        .into_iter()
        .filter(|kind| *kind != ChannelKind::Mpsc || is_tokio(info))
        .filter(|kind| kind.multi_consumer() || shape.consumers == 1)
        .collect()
}
