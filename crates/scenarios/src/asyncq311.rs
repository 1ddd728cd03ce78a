//! `asyncq311.py`: the walkthrough's producers and consumers written the Python 3.11 way. The tasks
//! live in task groups (the producers' group inside the consumers'), the whole run is under a
//! `timeout`, and a `Semaphore` bounds how many consumers work at once. A `None` per consumer, put once
//! the producers' group is left, tells each consumer to return, so leaving the outer group means every
//! item was handled: no `join`, no cancelling by hand.
//!
//! Per-runtime note, as for `asyncq`: consumers waking in the same second draw the next random number in
//! the order the loop runs them, which varies even between CPython runs; on a multi-thread runtime they
//! race for the generator. What holds everywhere: the producers' block, one "got element" per item, never
//! more than `-w` consumers working at once, and the final line.

use std::sync::Arc;
use std::time::Instant;

use clap::Parser;
use rosetta_asyncio::{ExceptionGroup, Failure, JoinError, Queue, Runtime, Semaphore, task_group, timeout_at};

use crate::asyncq::{check_prefix, makeitem, randsleep};
use crate::{Ctx, ScenarioError, ScenarioInfo, SharedRandom};

/// This scenario.
pub const INFO: ScenarioInfo = ScenarioInfo {
    id: "asyncq311",
    mirrors: "asyncq.py rewritten with TaskGroup, asyncio.timeout and a Semaphore (Python 3.11)",
    summary: "producers and consumers in task groups under a timeout, a Semaphore bounding the work",
    test_scale: 0.02,
    seeded: true,
    args: <Args as clap::CommandFactory>::command,
    test_args: &[],
    expect,
    verify: crate::no_checks,
};

fn expect(flavor: crate::Flavor) -> crate::Expect {
    crate::Expect::Differs {
        why: if crate::parallel(flavor) {
            "the tasks race for the shared generator on several workers: only the program's invariants hold"
        } else {
            "consumers waking in the same second draw in timer-lateness order, which varies even between CPython runs: the producers' block matches, then the invariants hold"
        },
        check: if crate::parallel(flavor) { check_invariants } else { check_single_thread },
    }
}

/// The default `-w`, which the invariant check holds the port to.
const WORKERS: usize = 3;

/// What holds on any runtime: every item added is got once, at most [`WORKERS`] consumers work at once
/// (a consumer says "sleeping" once it holds a permit and "got element" before it lets it go), and the
/// program completes.
fn check_invariants(reference: &[crate::Line], port: &[String]) -> Result<(), String> {
    crate::asyncq::check_invariants(reference, port)?;
    let mut working = 0_usize;
    for line in port {
        if line.contains(" sleeping for ") {
            working += 1;
            if working > WORKERS {
                return Err(format!("{working} consumers work at once, more than the semaphore's {WORKERS}, at {line:?}"));
            }
        } else if line.contains(" got element ") {
            working = working.saturating_sub(1);
        }
    }
    Ok(())
}

/// On one thread, the producers' block (drawn before any consumer runs) is CPython's, then the
/// invariants hold.
fn check_single_thread(reference: &[crate::Line], port: &[String]) -> Result<(), String> {
    check_invariants(reference, port)?;
    check_prefix(reference, port, " sleeping for ", "before the first consumer works")
}

/// `asyncq311.py [-p N] [-c N] [-w N] [--deadline S]`.
#[derive(Debug, Parser)]
struct Args {
    /// Producers, from 0 to 1000 (each puts 0 to 10 items).
    #[arg(short = 'p', long = "nprod", default_value_t = 5, value_parser = clap::value_parser!(u16).range(0..=1000))]
    nprod: u16,
    /// Consumers, from 1 to 1000 (with none, no item would ever be handled).
    #[arg(short = 'c', long = "ncon", default_value_t = 10, value_parser = clap::value_parser!(u16).range(1..=1000))]
    ncon: u16,
    /// How many consumers may work at once (the Semaphore's value), from 1 to 1000.
    #[arg(short = 'w', long = "workers", default_value_t = WORKERS as u16, value_parser = clap::value_parser!(u16).range(1..=1000))]
    workers: u16,
    /// The whole run's timeout, in seconds, from 0 to 86400.
    #[arg(long = "deadline", default_value_t = 600.0, value_parser = deadline)]
    deadline: f64,
}

/// Parses `--deadline`: a number of seconds from 0 to a day.
fn deadline(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(seconds) if (0.0..=86_400.0).contains(&seconds) => Ok(seconds),
        _ => Err(format!("{text:?} is not a number of seconds from 0 to 86400")),
    }
}

/// An item on the queue: its id and when it was put; `None` tells a consumer to return.
type Item = Option<(String, Instant)>;

async fn produce(ctx: Ctx, random: SharedRandom, name: u16, q: Queue<Item>) -> Result<(), ScenarioError> {
    let n = random.randint(0, 10);
    for _ in 0..n {
        ctx.say(format!("bef {name}"));
        let i = makeitem(5).await;
        ctx.say(format!("after {name}"));
        let t = Instant::now();
        // The queue is unbounded and never shut down: put cannot fail.
        let _ = q.put(Some((i.clone(), t))).await;
        ctx.say(format!("Producer {name} added <{i}> to queue."));
    }
    Ok(())
}

async fn consume<R: Runtime>(
    ctx: Ctx,
    random: SharedRandom,
    name: u16,
    q: Queue<Item>,
    sem: Arc<Semaphore>,
) -> Result<(), ScenarioError> {
    while let Ok(Some((i, t))) = q.get().await {
        // `async with sem:`
        let _permit = sem.acquire().await;
        randsleep::<R>(&ctx, &random, &format!("Consumer {name}")).await;
        ctx.say(format!("Consumer {name} got element <{i}> in {:.5} seconds", ctx.out.since(t)));
    }
    Ok(())
}

/// The first failure of a task group, as the scenario's error (the rest were caused by it).
fn first_failure(group: ExceptionGroup<ScenarioError>) -> ScenarioError {
    match group.failures.into_iter().next() {
        Some(Failure::Body(error) | Failure::Failed { error, .. }) => error,
        Some(Failure::Panicked { message, .. }) => ScenarioError::Task(JoinError::Panicked(message)),
        None => ScenarioError::Failed("a task group failed without a failure".to_owned()),
    }
}

/// Runs the groups under the deadline; `false` if it fired.
async fn main<R: Runtime>(ctx: &Ctx, random: SharedRandom, args: &Args) -> Result<bool, ScenarioError> {
    let q: Queue<Item> = Queue::unbounded();
    let sem = Arc::new(Semaphore::new(usize::from(args.workers)));
    let (nprod, ncon) = (args.nprod, args.ncon);
    let deadline = timeout_at::<R>(Some(ctx.at(Instant::now(), args.deadline)));
    let run = deadline.run(task_group::<R, (), ScenarioError, _, _, _>(|consumers| async move {
        for n in 0..ncon {
            let task = consume::<R>(ctx.clone(), random.clone(), n, q.clone(), Arc::clone(&sem));
            consumers.create_task(task).map_err(|closed| ScenarioError::Failed(closed.to_string()))?;
        }
        let (producer_ctx, producer_random, producer_q) = (ctx.clone(), random.clone(), q.clone());
        task_group::<R, (), ScenarioError, _, _, _>(|producers| async move {
            for n in 0..nprod {
                let task = produce(producer_ctx.clone(), producer_random.clone(), n, producer_q.clone());
                producers.create_task(task).map_err(|closed| ScenarioError::Failed(closed.to_string()))?;
            }
            Ok(())
        })
        .await
        .map_err(first_failure)?;
        for _ in 0..ncon {
            let _ = q.put(None).await;
        }
        Ok(())
    }));
    match run.await {
        Ok(outcome) => outcome.map(|_| true).map_err(first_failure),
        Err(_expired) => Ok(false),
    }
}

/// Runs the program.
///
/// # Errors
///
/// Invalid arguments, a loop that cannot be created, or a failed task.
pub fn run<R: Runtime>(ctx: &Ctx) -> Result<(), ScenarioError> {
    let args: Args = ctx.parse_args("asyncq311.py")?;
    let random = ctx.random();
    let start = Instant::now();
    let completed = ctx.asyncio_run::<R, _>(main::<R>(ctx, random, &args))??;
    let took = ctx.out.since(start);
    if completed {
        ctx.say(format!("Program completed in {took:.5} seconds."));
    } else {
        ctx.say(format!("Program timed out after {took:.5} seconds."));
    }
    Ok(())
}
