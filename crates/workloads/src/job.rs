//! What an engine is asked to run, once the table ([`crate::support`]) has admitted a case: one typed
//! job per engine, holding only the workloads that engine runs, so that no engine has an arm for a
//! workload it cannot run.

use std::time::Duration;

use rosetta_runtimes::Config;

use crate::error::Error;
use crate::workload::{ChannelKind, QueueShape, Stat};

/// What a prepared bench calls: runs the workload `iters` times, returns the measured time.
pub(crate) type Runner = Box<dyn FnMut(u64) -> Result<Duration, Error>>;

/// Which half of a loop's life a loop case times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    /// Creating the loop.
    Create,
    /// Closing it.
    Close,
}

impl Step {
    /// This step's share of a `(create, close)` pair of times.
    pub(crate) fn of(self, (create, close): (Duration, Duration)) -> Duration {
        match self {
            Step::Create => create,
            Step::Close => close,
        }
    }
}

/// A job on a runtime: a loop's create or close, timed from outside, or a task-shaped workload run as
/// a task of a loop created for the bench.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum OnRuntime<T> {
    /// Create or close loops of this config.
    Loop(Step, Config),
    /// Run this workload inside one loop.
    Task(T),
}

/// The workloads the toolkit runs as a task.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum ToolkitTask {
    Gather { tasks: usize },
    SpawnAwait { tasks: usize },
    Queue { shape: QueueShape },
    QueuePutGet { shape: QueueShape },
    Sleep { delay: Duration },
    CallLater { delay: Duration },
    Stall { stat: Stat },
    RunInExecutor,
}

/// The workloads a native baseline runs as a task.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum NativeTask {
    Gather {
        tasks: usize,
    },
    Queue {
        shape: QueueShape,
    },
    Channel {
        kind: ChannelKind,
        shape: QueueShape,
    },
    Sleep {
        delay: Duration,
    },
    CallLater {
        delay: Duration,
    },
    Stall {
        stat: Stat,
    },
    RunInExecutor,
}

/// The loop floors: what a loop costs at least.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LoopFloor {
    /// A bare `async_executor::Executor`.
    ExecutorNew,
    /// An epoll instance with an eventfd registered in it.
    EpollEventfd,
}

/// The floors, each with the parameters of the workload it is the floor of.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum FloorJob {
    JoinAll { tasks: usize },
    VecDeque { shape: QueueShape },
    Loop(LoopFloor, Step),
    ThreadSleep { delay: Duration },
    ThreadTicker { stat: Stat },
    ThreadHandoff,
}
