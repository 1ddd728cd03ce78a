//! What is measured: the [`Workload`]s and their parameters, and the [`Target`]s that run them.

use std::fmt;
use std::time::Duration;

use rosetta_runtimes::Config;

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

/// A criterion group: one workload, as a curve over its parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Group {
    /// Gather latency over the number of tasks.
    Gather,
    /// Queue throughput over producers × consumers and the bound.
    Queue,
    /// Loop create, alone.
    LoopCreate,
    /// Loop close, alone.
    LoopClose,
    /// Lateness of a gather of three sleeps.
    TimerSleep,
    /// Lateness of a `call_later` callback.
    TimerCallLater,
    /// A ticker's lateness beside a blocking task.
    BlockingStall,
    /// One `run_in_executor` round trip.
    RunInExecutor,
}

impl Group {
    /// Every group, in the order the benches run them.
    pub const ALL: [Group; 8] = [
        Group::Gather,
        Group::Queue,
        Group::LoopCreate,
        Group::LoopClose,
        Group::TimerSleep,
        Group::TimerCallLater,
        Group::BlockingStall,
        Group::RunInExecutor,
    ];

    /// The criterion group name (a directory under `target/criterion`).
    pub fn name(self) -> &'static str {
        match self {
            Group::Gather => "gather",
            Group::Queue => "queue",
            Group::LoopCreate => "loop_create",
            Group::LoopClose => "loop_close",
            Group::TimerSleep => "timer_sleep",
            Group::TimerCallLater => "timer_call_later",
            Group::BlockingStall => "blocking_stall",
            Group::RunInExecutor => "run_in_executor",
        }
    }

    /// Whether the group measures how late something is (lower is better, no throughput) rather than
    /// how long it takes.
    pub fn is_lateness(self) -> bool {
        matches!(
            self,
            Group::TimerSleep | Group::TimerCallLater | Group::BlockingStall
        )
    }
}

impl fmt::Display for Group {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
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

/// A physical floor, and the workload it is the floor of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Floor {
    /// `gather`: `futures::future::join_all` of the same no-op futures, polled in place, without
    /// spawning: no scheduler at all.
    JoinAll,
    /// `queue` (1×1): one thread pushing the items into a `VecDeque` and popping them, in batches of
    /// the bound.
    VecDeque,
    /// `loop_create` / `loop_close`: a bare `async_executor::Executor::new()`, and its drop.
    ExecutorNew,
    /// `loop_create` / `loop_close`: `epoll_create1` + `eventfd` + registering one with the other, and
    /// closing both: what any loop with an I/O reactor must at least do.
    EpollEventfd,
    /// `timer_*`: `std::thread::sleep(d)`'s lateness (Linux's default timer slack is 50 µs).
    ThreadSleep,
    /// `blocking_stall`: the same ticker on a thread of its own, which nothing can block.
    ThreadTicker,
    /// `run_in_executor`: a request to another thread and its answer, both threads spinning: two
    /// cache-line transfers, the least any hand-off to a pool costs (a pool whose threads sleep also
    /// pays for waking them).
    ThreadHandoff,
}

impl Floor {
    /// The name used in bench ids (after `floor.`).
    pub fn name(self) -> &'static str {
        match self {
            Floor::JoinAll => "join_all",
            Floor::VecDeque => "vecdeque",
            Floor::ExecutorNew => "executor-new",
            Floor::EpollEventfd => "epoll-eventfd",
            Floor::ThreadSleep => "thread-sleep",
            Floor::ThreadTicker => "thread-ticker",
            Floor::ThreadHandoff => "thread-handoff",
        }
    }
}
