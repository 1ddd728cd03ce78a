//! The workloads over the [`Runtime`] trait, written with the toolkit (`rosetta-asyncio`): the code
//! whose cost the benches report for each runtime id.
//!
//! Each function runs inside the runtime, as a spawned task (never on `block_on`, which is not a worker
//! on multi-thread flavors), runs its workload `iters` times, and returns the measured time: how long
//! the runs took, or for the lateness workloads the sum of how late they were. Results are checked
//! after each timed region, so a run that loses an item or wakes early fails instead of being fast.

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use rosetta_asyncio::{EventLoop, Queue, gather as gather_all, run_in_executor as in_executor};
use rosetta_runtimes::{Config, Flavor, Runtime, RuntimeVisitor};

use crate::{Error, QueueShape, Runner, STALL_PERIOD, STALL_TICKS, Stat, Target, Workload, check};

/// Prepares `workload` on the runtime `id`: the runtime is created here, outside every timed region.
pub(crate) fn prepare(id: &'static str, workload: Workload) -> Result<Runner, Error> {
    rosetta_runtimes::visit(id, Prepare { workload })?
}

struct Prepare {
    workload: Workload,
}

impl RuntimeVisitor for Prepare {
    type Output = Result<Runner, Error>;

    fn visit<R: Runtime>(self) -> Result<Runner, Error> {
        let unsupported = |why| Error::Unsupported {
            target: Target::Toolkit(R::INFO.id).to_string(),
            workload: self.workload.group().name(),
            why,
        };
        match self.workload {
            Workload::LoopCreate { config } => Ok(Box::new(move |iters| {
                create_close::<R>(&config, iters).map(|(create, _)| create)
            })),
            Workload::LoopClose { config } => Ok(Box::new(move |iters| {
                create_close::<R>(&config, iters).map(|(_, close)| close)
            })),
            Workload::FirstStart if R::INFO.flavor == Flavor::Global => {
                crate::fresh::runner(Target::Toolkit(R::INFO.id))
            }
            Workload::FirstStart => Err(unsupported(
                "only a global runtime has a one-time start; the others pay per loop",
            )),
            Workload::Channel { .. } => Err(unsupported(
                "raw channels are native baselines; the toolkit's queue is `Queue`",
            )),
            workload => {
                let running = Loop::<R>::create(&Config::default())?;
                Ok(Box::new(move |iters| {
                    running.run(drive::<R>(workload, iters))
                }))
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
async fn drive<R: Runtime>(workload: Workload, iters: u64) -> Result<Duration, Error> {
    match workload {
        Workload::Gather { tasks } => gather::<R>(tasks, iters).await,
        Workload::SpawnAwait { tasks } => spawn_await::<R>(tasks, iters).await,
        Workload::Queue { shape } => queue::<R>(shape, iters).await,
        Workload::QueuePutGet { shape } => queue_put_get::<R>(shape, iters).await,
        Workload::Sleep { delay } => sleep::<R>(delay, iters).await,
        Workload::CallLater { delay } => call_later::<R>(delay, iters).await,
        Workload::Stall { stat } => stall::<R>(stat, iters).await,
        Workload::RunInExecutor => run_in_executor::<R>(iters).await,
        Workload::Channel { .. }
        | Workload::LoopCreate { .. }
        | Workload::LoopClose { .. }
        | Workload::FirstStart => Err(Error::Wrong(format!("{workload:?} does not run as a task"))),
    }
}

/// Gathers `tasks` no-op tasks, `iters` times: the time from the first spawn to the gathered values.
async fn gather<R: Runtime>(tasks: usize, iters: u64) -> Result<Duration, Error> {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let start = Instant::now();
        let values = gather_all::<R, _>((0..tasks).map(|i| async move { i }))
            .await
            .map_err(|error| Error::Task(error.to_string()))?;
        total += start.elapsed();
        check::gathered(&values, tasks)?;
    }
    Ok(total)
}

/// Spawns `tasks` no-op tasks with `R::spawn` and awaits each handle in order, `iters` times: what the
/// native gather does, through the trait, without the toolkit gather's per-child bookkeeping.
async fn spawn_await<R: Runtime>(tasks: usize, iters: u64) -> Result<Duration, Error> {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let start = Instant::now();
        let handles: Vec<_> = (0..tasks).map(|i| R::spawn(async move { i })).collect();
        let mut values = Vec::with_capacity(tasks);
        for handle in handles {
            values.push(handle.await?);
        }
        total += start.elapsed();
        check::gathered(&values, tasks)?;
    }
    Ok(total)
}

/// Sends `shape.items` through a toolkit [`Queue`], `iters` times: consumers `get` and `task_done`
/// until the queue is shut down; the driver awaits the producers, `join`s the queue, shuts it down and
/// awaits the consumers. The time from the first spawn to the last consumer's exit.
async fn queue<R: Runtime>(shape: QueueShape, iters: u64) -> Result<Duration, Error> {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let q = Queue::<u64>::new(shape.maxsize());
        let start = Instant::now();
        let consumers: Vec<_> = (0..shape.consumers)
            .map(|_| R::spawn(consume(q.clone())))
            .collect();
        let producers: Vec<_> = (0..shape.producers)
            .map(|index| R::spawn(produce(q.clone(), shape.share(index))))
            .collect();
        for producer in producers {
            producer.await??;
        }
        q.join().await;
        q.shutdown(false);
        let (mut count, mut sum) = (0, 0);
        for consumer in consumers {
            let (n, s) = consumer.await??;
            count += n;
            sum += s;
        }
        total += start.elapsed();
        check::delivered(&shape, count, sum)?;
    }
    Ok(total)
}

/// Sends `shape.items` through a toolkit [`Queue`] with `put` and `get` only, `iters` times: each
/// consumer gets its share of the items and stops; no `task_done`, no `join`.
async fn queue_put_get<R: Runtime>(shape: QueueShape, iters: u64) -> Result<Duration, Error> {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let q = Queue::<u64>::new(shape.maxsize());
        let start = Instant::now();
        let consumers: Vec<_> = (0..shape.consumers)
            .map(|index| {
                let (q, take) = (q.clone(), shape.take(index));
                R::spawn(async move {
                    let mut sum = 0;
                    for _ in 0..take {
                        sum += q
                            .get()
                            .await
                            .map_err(|_| Error::Wrong("a get found the queue shut down".into()))?;
                    }
                    Ok::<_, Error>((take, sum))
                })
            })
            .collect();
        let producers: Vec<_> = (0..shape.producers)
            .map(|index| R::spawn(produce(q.clone(), shape.share(index))))
            .collect();
        for producer in producers {
            producer.await??;
        }
        let (mut count, mut sum) = (0, 0);
        for consumer in consumers {
            let (n, s) = consumer.await??;
            count += n;
            sum += s;
        }
        total += start.elapsed();
        check::delivered(&shape, count, sum)?;
    }
    Ok(total)
}

/// A queue producer: puts its share of the items.
pub(crate) async fn produce(q: Queue<u64>, items: std::ops::Range<u64>) -> Result<(), Error> {
    for item in items {
        q.put(item)
            .await
            .map_err(|_| Error::Wrong("a put found the queue shut down".into()))?;
    }
    Ok(())
}

/// A queue consumer: gets and marks done until the queue is shut down; returns the count and the sum.
pub(crate) async fn consume(q: Queue<u64>) -> Result<(u64, u64), Error> {
    let (mut count, mut sum) = (0, 0);
    while let Ok(item) = q.get().await {
        count += 1;
        sum += item;
        q.task_done()
            .map_err(|error| Error::Wrong(error.to_string()))?;
    }
    Ok((count, sum))
}

/// How late a gather of three `sleep(delay)` completes, summed over `iters` runs.
async fn sleep<R: Runtime>(delay: Duration, iters: u64) -> Result<Duration, Error> {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let deadline = Instant::now() + delay;
        gather_all::<R, _>((0..3).map(|_| R::sleep(delay)))
            .await
            .map_err(|error| Error::Task(error.to_string()))?;
        total += check::lateness(Instant::now(), deadline, "a gather of sleeps")?;
    }
    Ok(total)
}

/// How late a `call_later(delay)` callback runs, summed over `iters` runs.
async fn call_later<R: Runtime>(delay: Duration, iters: u64) -> Result<Duration, Error> {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let lp = EventLoop::<R>::new();
        let fired = Arc::new(OnceLock::new());
        let deadline = Instant::now() + delay;
        let at = Arc::clone(&fired);
        lp.call_later(delay, move |lp| {
            let _ = at.set(Instant::now());
            lp.stop();
        });
        lp.run_forever().await;
        let at = fired
            .get()
            .copied()
            .ok_or_else(|| Error::Wrong("the loop stopped before the callback ran".into()))?;
        total += check::lateness(at, deadline, "a call_later callback")?;
    }
    Ok(total)
}

/// A ticker that wants to wake every [`STALL_PERIOD`] for [`STALL_TICKS`] ticks, beside a task that
/// blocks its thread for [`STALL_PERIOD`] at a time and yields between blocks: `stat` of the ticker's
/// lateness, summed over `iters` runs.
async fn stall<R: Runtime>(stat: Stat, iters: u64) -> Result<Duration, Error> {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let ticker = R::spawn(async {
            let start = Instant::now();
            let mut lateness = Vec::with_capacity(STALL_TICKS as usize);
            for tick in 1..=STALL_TICKS {
                let deadline = start + STALL_PERIOD * tick;
                R::sleep_until(deadline).await;
                lateness.push(check::lateness(Instant::now(), deadline, "a tick")?);
            }
            Ok::<_, Error>(lateness)
        });
        let blocker = R::spawn(async {
            for _ in 0..STALL_TICKS {
                std::thread::sleep(STALL_PERIOD);
                R::yield_now().await;
            }
        });
        let mut lateness = ticker.await??;
        blocker.await?;
        check::ticks(&lateness, STALL_TICKS)?;
        total += stat.of(&mut lateness);
    }
    Ok(total)
}

/// `iters` `run_in_executor` round trips of a no-op closure, one after the other.
async fn run_in_executor<R: Runtime>(iters: u64) -> Result<Duration, Error> {
    let start = Instant::now();
    let mut sum = 0;
    for _ in 0..iters {
        sum += in_executor::<R, _, _>(|| 1_u64).await?;
    }
    let elapsed = start.elapsed();
    check::round_trips(sum, iters)?;
    Ok(elapsed)
}

/// Creates and closes `iters` loops: the total time of the creates, and of the closes, each alone.
fn create_close<R: Runtime>(config: &Config, iters: u64) -> Result<(Duration, Duration), Error> {
    let (mut create, mut close) = (Duration::ZERO, Duration::ZERO);
    for _ in 0..iters {
        let start = Instant::now();
        let rt = R::create(config)?;
        create += start.elapsed();
        let start = Instant::now();
        rt.close();
        close += start.elapsed();
    }
    Ok((create, close))
}

/// A global runtime's one-time start, in this process: the first loop and its first spawn, awaited.
pub(crate) fn first_start(id: &str) -> Result<Duration, Error> {
    struct FirstStart;

    impl RuntimeVisitor for FirstStart {
        type Output = Result<Duration, Error>;

        fn visit<R: Runtime>(self) -> Result<Duration, Error> {
            let start = Instant::now();
            let rt = R::create(&Config::default())?;
            let value = rt.block_on(async { R::spawn(async { 1_u8 }).await });
            let elapsed = start.elapsed();
            rt.close();
            check::round_trips(u64::from(value?), 1)?;
            Ok(elapsed)
        }
    }

    rosetta_runtimes::visit(id, FirstStart)?
}
