//! The dispatcher: prepares a case as the table ([`crate::support`]) admits it, on the engine it
//! names (toolkit, native or floor), or in fresh processes for a one-time start.

use std::fmt;
use std::time::Duration;

use crate::error::Error;
use crate::interleave::Timed;
use crate::job::Runner;
use crate::plan::Case;
use crate::support::{self, Job};
use crate::workload::{Target, Workload};
use crate::{floor, fresh, toolkit};

/// A prepared workload: its runtime (if it needs one) is created, and each [`run`](Bench::run) times
/// `iters` runs of the workload inside it.
///
/// Dropping the bench closes its runtime.
pub struct Bench {
    label: String,
    run: Runner,
}

impl Bench {
    /// Prepares `workload` on `target`: creates the runtime, and any helper thread, untimed.
    ///
    /// # Errors
    ///
    /// [`Error::Unsupported`] if the target does not run the workload, [`Error::UnknownRuntime`] for an
    /// unknown id, and [`Error::Runtime`] or [`Error::Io`] if the runtime cannot be created.
    pub fn new(target: Target, workload: Workload) -> Result<Self, Error> {
        let run = match support::job(target, workload)? {
            Job::FirstStart(target) => fresh::runner(target)?,
            Job::Toolkit(id, job) => toolkit::prepare(id, job)?,
            Job::NativeTask(native, task) => (native.prepare)(task)?,
            Job::NativeLoop(create_close, step, config) => {
                Box::new(move |iters| create_close(&config, iters).map(|times| step.of(times)))
            }
            Job::Floor(job) => floor::prepare(job)?,
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

impl Timed for Bench {
    fn run(&mut self, iters: u64) -> Result<Duration, Error> {
        Bench::run(self, iters)
    }
}

impl fmt::Debug for Bench {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Bench")
            .field("case", &self.label)
            .finish_non_exhaustive()
    }
}

impl Case {
    /// Whether the table admits this case; see [`crate::supports`].
    ///
    /// # Errors
    ///
    /// As [`crate::supports`].
    pub fn supported(&self) -> Result<(), Error> {
        support::supports(self.target, &self.workload)
    }

    /// Prepares the case: creates its runtime, untimed.
    ///
    /// # Errors
    ///
    /// As [`Bench::new`].
    pub fn bench(&self) -> Result<Bench, Error> {
        Bench::new(self.target, self.workload)
    }
}
