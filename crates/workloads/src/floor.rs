//! The floor engine: runs a [`FloorJob`], what a workload costs with no runtime at all, the number no
//! runtime can beat. The bodies are in the workload modules.

use crate::blocking::{self, Handoff};
use crate::error::Error;
use crate::job::{FloorJob, Runner};
use crate::{gather, loops, queue, timers};

/// Prepares `job` (the hand-off floor starts its thread here, untimed).
pub(crate) fn prepare(job: FloorJob) -> Result<Runner, Error> {
    let runner: Runner = match job {
        FloorJob::JoinAll { tasks } => Box::new(move |iters| gather::join_all(tasks, iters)),
        FloorJob::VecDeque { shape } => Box::new(move |iters| queue::vecdeque(&shape, iters)),
        FloorJob::Loop(floor, step) => {
            Box::new(move |iters| loops::floor(floor, iters).map(|times| step.of(times)))
        }
        FloorJob::ThreadSleep { delay } => {
            Box::new(move |iters| timers::thread_sleep(delay, iters))
        }
        FloorJob::ThreadTicker { stat } => {
            Box::new(move |iters| blocking::thread_ticker(stat, iters))
        }
        FloorJob::ThreadHandoff => {
            let mut handoff = Handoff::start()?;
            Box::new(move |iters| handoff.round_trips(iters))
        }
    };
    Ok(runner)
}
