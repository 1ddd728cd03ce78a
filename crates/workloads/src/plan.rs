//! What the benches run: the criterion groups, and each group's cases in the order they run.
//!
//! A case's criterion id is `group/function/parameter`: the function is the runtime id for the toolkit
//! (`tokio`; `tokio.trait-spawn` for spawn-and-await through the trait, `tokio.put-get` for the queue
//! without `task_done`/`join`), the id and `native` or the
//! channel for the hand-written baselines (`tokio.native`, `tokio.mpsc`), and `floor.` and the floor's
//! name for a floor (`floor.join_all`); the parameter is the work size (`10000`, `1x1-bounded`,
//! `10ms`, `2w`).
//!
//! Within a group, the cases of one parameter run one after the other, every runtime's toolkit case
//! beside its native one, so that no runtime's numbers come from another part of the run than its
//! rivals'. Each parameter starts the registry's list at another runtime, and the toolkit and native
//! cases swap places from one parameter to the next, so that no runtime and no side is always first.

use std::fmt;

use rosetta_runtimes::{Config, Flavor, RUNTIMES, RuntimeInfo};

use crate::interleave::rotation;
use crate::support::{channels_for, supports};
use crate::workload::{
    Floor, GATHER_SIZES, Group, OVERHEAD_GATHER_TASKS, QUEUE_PAIRS, QueueShape, Stat, TIMER_DELAYS,
    Target, Workload,
};

/// One measured thing: a target running a workload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Case {
    /// Who runs it.
    pub target: Target,
    /// What runs.
    pub workload: Workload,
}

impl Case {
    /// The case of `target` running `workload`.
    pub fn new(target: Target, workload: Workload) -> Self {
        Case { target, workload }
    }

    /// The group the case belongs to.
    pub fn group(&self) -> Group {
        self.workload.group()
    }

    /// The runtime id the case runs on, if it runs on one.
    pub fn runtime(&self) -> Option<&'static str> {
        match self.target {
            Target::Toolkit(id) | Target::Native(id) => Some(id),
            Target::Floor(_) => None,
        }
    }

    /// The criterion function id: `tokio`, `tokio.native`, `tokio.mpsc`, `floor.join_all`.
    pub fn function_id(&self) -> String {
        match (self.target, self.workload) {
            (Target::Toolkit(id), Workload::SpawnAwait { .. }) => format!("{id}.trait-spawn"),
            (Target::Toolkit(id), Workload::QueuePutGet { .. }) => format!("{id}.put-get"),
            (Target::Toolkit(id), _) => id.to_owned(),
            (Target::Native(id), Workload::Channel { kind, .. }) => {
                format!("{id}.{}", kind.name())
            }
            (Target::Native(id), _) => format!("{id}.native"),
            (Target::Floor(floor), _) => format!("floor.{}", floor.name()),
        }
    }

    /// The criterion parameter: the work size.
    pub fn parameter(&self) -> String {
        match self.workload {
            Workload::Gather { tasks } | Workload::SpawnAwait { tasks } => tasks.to_string(),
            Workload::Queue { shape }
            | Workload::QueuePutGet { shape }
            | Workload::Channel { shape, .. } => shape.to_string(),
            Workload::LoopCreate { config } | Workload::LoopClose { config } => {
                loop_parameter(self.runtime(), &config)
            }
            Workload::FirstStart => "first-start".to_owned(),
            Workload::Sleep { delay } | Workload::CallLater { delay } => {
                format!("{}ms", delay.as_millis())
            }
            Workload::Stall { stat } => stat.name().to_owned(),
            Workload::RunInExecutor => "round-trip".to_owned(),
        }
    }

    /// How many elements one iteration handles, for criterion's throughput (tasks/s, items/s, round
    /// trips/s); `None` for the lateness and loop groups, where a rate means nothing.
    pub fn elements(&self) -> Option<u64> {
        match self.workload {
            Workload::Gather { tasks } | Workload::SpawnAwait { tasks } => Some(tasks as u64),
            Workload::Queue { shape }
            | Workload::QueuePutGet { shape }
            | Workload::Channel { shape, .. } => Some(shape.items),
            Workload::RunInExecutor => Some(1),
            _ => None,
        }
    }
}

impl fmt::Display for Case {
    /// `group/function/parameter`, as criterion prints the id.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}/{}/{}",
            self.group(),
            self.function_id(),
            self.parameter()
        )
    }
}

/// The parameter of a loop case: the flavor, or the worker count of a multi-thread one.
fn loop_parameter(runtime: Option<&str>, config: &Config) -> String {
    let flavor = runtime
        .and_then(|id| rosetta_runtimes::lookup(id).ok())
        .map(|info| info.flavor);
    match flavor {
        None => "bare".to_owned(),
        Some(Flavor::CurrentThread) => "current-thread".to_owned(),
        Some(Flavor::MultiThread | Flavor::ThreadPerCore) => {
            format!("{}w", config.workers_or_default())
        }
        Some(Flavor::Global) => "global".to_owned(),
    }
}

/// The registry's runtimes, in the order [`rotation`] gives for `round`.
fn rotated(round: usize) -> impl Iterator<Item = &'static RuntimeInfo> {
    rotation(RUNTIMES.len(), round).map(|index| &RUNTIMES[index])
}

/// The toolkit and the native case of `workload` on `info`'s runtime, in the order [`rotation`] gives
/// for `round`: they swap places from one round to the next.
fn both(info: &'static RuntimeInfo, workload: Workload, round: usize) -> Vec<Case> {
    let sides = [Target::Toolkit(info.id), Target::Native(info.id)];
    rotation(sides.len(), round)
        .map(|side| Case::new(sides[side], workload))
        .collect()
}

/// The queue shapes, in run order: 1×1, 4×4, 16×16, each bounded then unbounded.
pub fn queue_shapes() -> Vec<QueueShape> {
    QUEUE_PAIRS
        .into_iter()
        .flat_map(|n| [true, false].map(|bounded| QueueShape::new(n, n, bounded)))
        .collect()
}

/// The loop configs measured for `info`'s runtime: 1 and 2 workers for multi-thread flavors.
pub fn loop_configs(info: &RuntimeInfo) -> Vec<Config> {
    if info.flavor.configurable_workers() {
        vec![Config::with_workers(1), Config::with_workers(2)]
    } else {
        vec![Config::default()]
    }
}

/// Every case of `group`, in run order.
pub fn plan(group: Group) -> Vec<Case> {
    let mut cases = Vec::new();
    match group {
        Group::Gather => {
            for (round, tasks) in GATHER_SIZES.into_iter().enumerate() {
                let workload = Workload::Gather { tasks };
                for info in rotated(round) {
                    cases.extend(both(info, workload, round));
                    if tasks == OVERHEAD_GATHER_TASKS {
                        let spawn_await = Workload::SpawnAwait { tasks };
                        cases.push(Case::new(Target::Toolkit(info.id), spawn_await));
                    }
                }
                cases.push(Case::new(Target::Floor(Floor::JoinAll), workload));
            }
        }
        Group::Queue => {
            for (round, shape) in queue_shapes().into_iter().enumerate() {
                let workload = Workload::Queue { shape };
                let one_to_one = shape.producers == 1 && shape.consumers == 1;
                for info in rotated(round) {
                    // The toolkit queue on native spawns is the overhead baseline, stated at 1×1; beside
                    // every shape stand the raw channels, the baseline a user compares with.
                    if one_to_one {
                        cases.extend(both(info, workload, round));
                        if shape.bound.is_some() {
                            let put_get = Workload::QueuePutGet { shape };
                            cases.push(Case::new(Target::Toolkit(info.id), put_get));
                        }
                    } else {
                        cases.push(Case::new(Target::Toolkit(info.id), workload));
                    }
                    for kind in channels_for(info, &shape) {
                        let workload = Workload::Channel { kind, shape };
                        cases.push(Case::new(Target::Native(info.id), workload));
                    }
                }
                if one_to_one {
                    cases.push(Case::new(Target::Floor(Floor::VecDeque), workload));
                }
            }
        }
        Group::LoopCreate | Group::LoopClose => {
            for (round, info) in RUNTIMES.iter().enumerate() {
                for config in loop_configs(info) {
                    let workload = if group == Group::LoopCreate {
                        Workload::LoopCreate { config }
                    } else {
                        Workload::LoopClose { config }
                    };
                    // A global runtime has no per-loop cost: the table admits its no-op create and
                    // close through the adapter only, and its one-time start in a fresh process.
                    cases.extend(both(info, workload, round));
                }
                if group == Group::LoopCreate {
                    cases.extend(both(info, Workload::FirstStart, round));
                }
            }
            let workload = if group == Group::LoopCreate {
                Workload::LoopCreate {
                    config: Config::default(),
                }
            } else {
                Workload::LoopClose {
                    config: Config::default(),
                }
            };
            for floor in [Floor::ExecutorNew, Floor::EpollEventfd] {
                cases.push(Case::new(Target::Floor(floor), workload));
            }
        }
        Group::TimerSleep | Group::TimerCallLater => {
            for (round, delay) in TIMER_DELAYS.into_iter().enumerate() {
                let workload = if group == Group::TimerSleep {
                    Workload::Sleep { delay }
                } else {
                    Workload::CallLater { delay }
                };
                for info in rotated(round) {
                    cases.extend(both(info, workload, round));
                }
                cases.push(Case::new(Target::Floor(Floor::ThreadSleep), workload));
            }
        }
        Group::BlockingStall => {
            for (round, stat) in [Stat::Median, Stat::Worst].into_iter().enumerate() {
                let workload = Workload::Stall { stat };
                for info in rotated(round) {
                    cases.extend(both(info, workload, round));
                }
                cases.push(Case::new(Target::Floor(Floor::ThreadTicker), workload));
            }
        }
        Group::RunInExecutor => {
            let workload = Workload::RunInExecutor;
            for info in rotated(0) {
                cases.extend(both(info, workload, 0));
            }
            cases.push(Case::new(Target::Floor(Floor::ThreadHandoff), workload));
        }
    }
    // The table decides what runs: a pair it does not admit (a runtime without a native baseline, a
    // global runtime's per-loop cost, a one-time start where there is none) is left out here.
    cases.retain(|case| supports(case.target, &case.workload).is_ok());
    cases
}
