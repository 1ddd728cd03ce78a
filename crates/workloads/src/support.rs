//! Which target runs which workload: **the** table. Preparing a case reads it (and gets the typed job
//! its engine runs), and so do the plan, the benches (through the plan) and the tests, through
//! [`supports`]; no engine decides it again.

use rosetta_runtimes::{Config, Flavor, RuntimeInfo};

use crate::error::Error;
use crate::job::{FloorJob, LoopFloor, NativeTask, OnRuntime, Step, ToolkitTask};
use crate::native::{self, CreateClose, Native};
use crate::workload::{ChannelKind, Floor, QueueShape, Target, Workload};

/// What preparing an admitted case runs.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Job {
    /// A global runtime's one-time start, measured in a fresh process per iteration (by the toolkit,
    /// or natively).
    FirstStart(Target),
    /// The toolkit on the runtime with this id.
    Toolkit(&'static str, OnRuntime<ToolkitTask>),
    /// A task-shaped workload of a runtime's native baseline.
    NativeTask(&'static Native, NativeTask),
    /// A native loop's create or close: the baseline's builder, the step, the config.
    NativeLoop(CreateClose, Step, Config),
    /// A physical floor.
    Floor(FloorJob),
}

/// Whether `target` runs `workload`: `Ok(())`, or why not.
///
/// # Errors
///
/// [`Error::UnknownRuntime`] for an id the registry does not know, [`Error::Unsupported`] (saying why)
/// for a pair that is not measured.
///
/// ```
/// use rosetta_workloads::{Target, Workload, supports};
///
/// assert!(supports(Target::Native("smol"), &Workload::Gather { tasks: 10 }).is_ok());
/// assert!(supports(Target::Native("smol"), &Workload::FirstStart).is_err());
/// ```
pub fn supports(target: Target, workload: &Workload) -> Result<(), Error> {
    job(target, *workload).map(|_| ())
}

/// The raw channels a user of `info`'s runtime would pick, for `shape`: those its native baseline
/// names (`tokio::sync::mpsc` on tokio; `async-channel` and `flume` everywhere), the single-consumer
/// ones only with one consumer. None for a runtime without a native baseline.
pub fn channels_for(info: &RuntimeInfo, shape: &QueueShape) -> Vec<ChannelKind> {
    native::of(info.id)
        .map_or(&[][..], |native| native.channels)
        .iter()
        .copied()
        .filter(|kind| kind.multi_consumer() || shape.consumers == 1)
        .collect()
}

/// The table: the job `target` runs for `workload`, or why it runs none.
pub(crate) fn job(target: Target, workload: Workload) -> Result<Job, Error> {
    let refuse = |why: &'static str| Error::Unsupported {
        target: target.to_string(),
        workload: workload.group().name(),
        why,
    };
    match target {
        Target::Toolkit(id) => {
            let info = rosetta_runtimes::lookup(id)?;
            let task = match workload {
                Workload::LoopCreate { config } => OnRuntime::Loop(Step::Create, config),
                Workload::LoopClose { config } => OnRuntime::Loop(Step::Close, config),
                Workload::FirstStart if info.flavor == Flavor::Global => {
                    return Ok(Job::FirstStart(Target::Toolkit(info.id)));
                }
                Workload::FirstStart => return Err(refuse(NO_FIRST_START)),
                Workload::Channel { .. } => {
                    return Err(refuse(
                        "raw channels are native baselines; the toolkit's queue is `Queue`",
                    ));
                }
                Workload::Gather { tasks } => OnRuntime::Task(ToolkitTask::Gather { tasks }),
                Workload::SpawnAwait { tasks } => {
                    OnRuntime::Task(ToolkitTask::SpawnAwait { tasks })
                }
                Workload::Queue { shape } => OnRuntime::Task(ToolkitTask::Queue { shape }),
                Workload::QueuePutGet { shape } => {
                    OnRuntime::Task(ToolkitTask::QueuePutGet { shape })
                }
                Workload::Sleep { delay } => OnRuntime::Task(ToolkitTask::Sleep { delay }),
                Workload::CallLater { delay } => OnRuntime::Task(ToolkitTask::CallLater { delay }),
                Workload::Stall { stat } => OnRuntime::Task(ToolkitTask::Stall { stat }),
                Workload::RunInExecutor => OnRuntime::Task(ToolkitTask::RunInExecutor),
            };
            Ok(Job::Toolkit(info.id, task))
        }
        Target::Native(id) => {
            let info = rosetta_runtimes::lookup(id)?;
            let native = native::of(info.id)
                .ok_or_else(|| refuse("no native version is written for this runtime"))?;
            let global = info.flavor == Flavor::Global;
            let task = match workload {
                Workload::LoopCreate { .. } | Workload::LoopClose { .. } if global => {
                    return Err(refuse("global runtime: no per-loop cost"));
                }
                Workload::LoopCreate { config } | Workload::LoopClose { config } => {
                    let create_close = native
                        .create_close
                        .ok_or_else(|| refuse("no native loop is written for this runtime"))?;
                    let step = if matches!(workload, Workload::LoopCreate { .. }) {
                        Step::Create
                    } else {
                        Step::Close
                    };
                    return Ok(Job::NativeLoop(create_close, step, config));
                }
                Workload::FirstStart if global && native.first_start.is_some() => {
                    return Ok(Job::FirstStart(Target::Native(info.id)));
                }
                Workload::FirstStart => return Err(refuse(NO_FIRST_START)),
                Workload::SpawnAwait { .. } | Workload::QueuePutGet { .. } => {
                    return Err(refuse(
                        "a decomposition of a toolkit workload; its native twins are `gather` and \
                         `queue`",
                    ));
                }
                Workload::Channel { kind, shape }
                    if !kind.multi_consumer() && shape.consumers > 1 =>
                {
                    return Err(refuse("the channel has a single consumer"));
                }
                Workload::Channel { kind, shape } => NativeTask::Channel { kind, shape },
                Workload::Gather { tasks } => NativeTask::Gather { tasks },
                Workload::Queue { shape } => NativeTask::Queue { shape },
                Workload::Sleep { delay } => NativeTask::Sleep { delay },
                Workload::CallLater { delay } => NativeTask::CallLater { delay },
                Workload::Stall { stat } => NativeTask::Stall { stat },
                Workload::RunInExecutor => NativeTask::RunInExecutor,
            };
            Ok(Job::NativeTask(native, task))
        }
        Target::Floor(floor) => {
            let job = match (floor, workload) {
                (Floor::JoinAll, Workload::Gather { tasks }) => FloorJob::JoinAll { tasks },
                (Floor::VecDeque, Workload::Queue { shape })
                    if shape.producers == 1 && shape.consumers == 1 =>
                {
                    FloorJob::VecDeque { shape }
                }
                (Floor::ExecutorNew | Floor::EpollEventfd, Workload::LoopCreate { .. }) => {
                    FloorJob::Loop(loop_floor(floor), Step::Create)
                }
                (Floor::ExecutorNew | Floor::EpollEventfd, Workload::LoopClose { .. }) => {
                    FloorJob::Loop(loop_floor(floor), Step::Close)
                }
                (Floor::ThreadSleep, Workload::Sleep { delay } | Workload::CallLater { delay }) => {
                    FloorJob::ThreadSleep { delay }
                }
                (Floor::ThreadTicker, Workload::Stall { stat }) => FloorJob::ThreadTicker { stat },
                (Floor::ThreadHandoff, Workload::RunInExecutor) => FloorJob::ThreadHandoff,
                _ => return Err(refuse("it is the floor of another workload")),
            };
            Ok(Job::Floor(job))
        }
    }
}

/// Why a runtime that is not global has no one-time start.
const NO_FIRST_START: &str = "only a global runtime has a one-time start; the others pay per loop";

/// The loop floor a [`Floor`] of the loop groups names.
fn loop_floor(floor: Floor) -> LoopFloor {
    if floor == Floor::ExecutorNew {
        LoopFloor::ExecutorNew
    } else {
        LoopFloor::EpollEventfd
    }
}
