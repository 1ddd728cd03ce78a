//! The toolkit engine: runs a [`ToolkitTask`] or a loop job over the [`Runtime`] trait, on the runtime
//! an id names, reached through the registry's visitor.
//!
//! A task-shaped workload runs inside the runtime, as a spawned task (never on `block_on`, which is
//! not a worker on multi-thread flavors), `iters` times, and returns the measured time: how long the
//! runs took, or for the lateness workloads the sum of how late they were. Results are checked after
//! each timed region, so a run that loses an item or wakes early fails instead of being fast. The
//! bodies are in the workload modules (`gather`, `queue`, `loops`, `timers`, `blocking`).

use std::time::Duration;

use rosetta_runtimes::{Config, Runtime, RuntimeVisitor};

use crate::error::Error;
use crate::job::{OnRuntime, Runner, ToolkitTask};
use crate::{blocking, gather, loops, queue, timers};

/// Prepares `job` on the runtime `id`: the runtime is created here, outside every timed region.
pub(crate) fn prepare(id: &str, job: OnRuntime<ToolkitTask>) -> Result<Runner, Error> {
    rosetta_runtimes::visit(id, Prepare { job })?
}

struct Prepare {
    job: OnRuntime<ToolkitTask>,
}

impl RuntimeVisitor for Prepare {
    type Output = Result<Runner, Error>;

    fn visit<R: Runtime>(self) -> Result<Runner, Error> {
        match self.job {
            OnRuntime::Loop(step, config) => Ok(Box::new(move |iters| {
                loops::toolkit::<R>(&config, iters).map(|times| step.of(times))
            })),
            OnRuntime::Task(task) => {
                let running = Loop::<R>::create(&Config::default())?;
                Ok(Box::new(move |iters| running.run(drive::<R>(task, iters))))
            }
        }
    }
}

/// A runtime created for a bench, closed when the bench is dropped.
struct Loop<R: Runtime>(Option<R>);

impl<R: Runtime> Loop<R> {
    fn create(config: &Config) -> Result<Self, Error> {
        Ok(Loop(Some(R::create(config)?)))
    }

    /// Runs `driver` as a task of the loop, so that it runs where tasks run (on a worker of
    /// multi-thread flavors), and waits for it.
    fn run<F>(&self, driver: F) -> Result<Duration, Error>
    where
        F: Future<Output = Result<Duration, Error>> + Send + 'static,
    {
        let rt = self.0.as_ref().expect("the loop is open until dropped");
        rt.block_on(async { R::spawn(driver).await })?
    }
}

impl<R: Runtime> Drop for Loop<R> {
    fn drop(&mut self) {
        if let Some(rt) = self.0.take() {
            rt.close();
        }
    }
}

/// The driver task of a bench: the workload's own function.
async fn drive<R: Runtime>(task: ToolkitTask, iters: u64) -> Result<Duration, Error> {
    match task {
        ToolkitTask::Gather { tasks } => gather::toolkit::<R>(tasks, iters).await,
        ToolkitTask::SpawnAwait { tasks } => gather::spawn_await::<R>(tasks, iters).await,
        ToolkitTask::Queue { shape } => queue::toolkit::<R>(shape, iters).await,
        ToolkitTask::QueuePutGet { shape } => queue::put_get::<R>(shape, iters).await,
        ToolkitTask::Sleep { delay } => timers::sleep::<R>(delay, iters).await,
        ToolkitTask::CallLater { delay } => timers::call_later::<R>(delay, iters).await,
        ToolkitTask::Stall { stat } => blocking::stall::<R>(stat, iters).await,
        ToolkitTask::RunInExecutor => blocking::run_in_executor::<R>(iters).await,
    }
}

/// A global runtime's one-time start through the trait, in this process.
pub(crate) fn first_start(id: &str) -> Result<Duration, Error> {
    struct FirstStart;

    impl RuntimeVisitor for FirstStart {
        type Output = Result<Duration, Error>;

        fn visit<R: Runtime>(self) -> Result<Duration, Error> {
            loops::first_start::<R>()
        }
    }

    rosetta_runtimes::visit(id, FirstStart)?
}
