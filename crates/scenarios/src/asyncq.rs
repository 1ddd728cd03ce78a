//! Mirrors seed 000's queue program (`asyncq.py`): producers put random hex items on a queue, consumers
//! sleep a random number of seconds and take them; `task_done` and `join` tell `main` when every item
//! has been handled, and the consumers are cancelled at the end. It uses the toolkit's `Queue`, which
//! has asyncio's `task_done`/`join`.
//!
//! Per-runtime note, and a note on CPython itself: several consumers wake in the same second, and which
//! runs first decides who draws the next random number. CPython decides by sub-millisecond timer
//! lateness, so even its own output changes from run to run after the first such tie; on a multi-thread
//! runtime the tasks race for the generator. What holds everywhere: the producers' block (drawn before
//! any consumer runs), the consumers' first draws, one "got element" per item, and the final line.

use std::time::Instant;

use clap::Parser;
use rosetta_asyncio::{Queue, Runtime, create_task};

use crate::{Ctx, ScenarioError, ScenarioInfo, SharedRandom};

/// This scenario.
pub const INFO: ScenarioInfo = ScenarioInfo {
    id: "asyncq",
    mirrors: "the queue program of seed 000 (Real Python's asyncq.py)",
    summary: "producers and consumers on a Queue with task_done/join; consumers cancelled at the end",
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
            "consumers waking in the same second draw in timer-lateness order, which varies even between CPython runs: the producers' block and the consumers' first draws match, then the invariants hold"
        },
        check: if crate::parallel(flavor) { check_invariants } else { check_single_thread },
    }
}

/// What holds on any runtime: every item added is got exactly once, and the program completes.
pub(crate) fn check_invariants(_reference: &[crate::Line], port: &[String]) -> Result<(), String> {
    let item = regex::Regex::new(r"<([0-9a-f]{10})>").expect("valid regex");
    let ids = |kind: &str| -> Vec<String> {
        let mut ids: Vec<String> = port
            .iter()
            .filter(|line| line.contains(kind))
            .filter_map(|line| item.captures(line).map(|c| c[1].to_owned()))
            .collect();
        ids.sort();
        ids
    };
    let (added, got) = (ids("added <"), ids("got element <"));
    if added != got {
        return Err(format!("items added {added:?} but got {got:?}"));
    }
    match port.last() {
        Some(last) if last.starts_with("Program completed in ") => Ok(()),
        last => Err(format!("the last line is {last:?}")),
    }
}

/// On one thread, before the first tie: the producers' block and the consumers' first draws are CPython's.
fn check_single_thread(reference: &[crate::Line], port: &[String]) -> Result<(), String> {
    check_invariants(reference, port)?;
    check_prefix(reference, port, " got element ", "before the first item is got")
}

/// The lines CPython printed before its first line containing `marker` come first in the port too,
/// masked alike; `when` says which part of the run that is, for the error.
pub(crate) fn check_prefix(
    reference: &[crate::Line],
    port: &[String],
    marker: &str,
    when: &str,
) -> Result<(), String> {
    let stable = reference
        .iter()
        .take_while(|line| !line.text.contains(marker))
        .count();
    let expected: Vec<String> = reference[..stable].iter().map(|line| crate::parity::mask(&line.text)).collect();
    let found: Vec<String> = port.iter().take(stable).map(|line| crate::parity::mask(line)).collect();
    if expected == found {
        Ok(())
    } else {
        Err(format!("{when}, CPython printed {expected:?}, the port {found:?}"))
    }
}

/// `asyncq.py [-p N] [-c N]`.
#[derive(Debug, Parser)]
struct Args {
    /// Producers, from 0 to 1000 (each puts 0 to 10 items).
    #[arg(short = 'p', long = "nprod", default_value_t = 5, value_parser = clap::value_parser!(u16).range(0..=1000))]
    nprod: u16,
    /// Consumers, from 1 to 1000 (with none, join would wait forever for the items put).
    #[arg(short = 'c', long = "ncon", default_value_t = 10, value_parser = clap::value_parser!(u16).range(1..=1000))]
    ncon: u16,
}

/// `os.urandom(size).hex()`: a fresh random id, not seeded, as in the original.
pub(crate) async fn makeitem(size: usize) -> String {
    (0..size).map(|_| format!("{:02x}", fastrand::u8(..))).collect()
}

pub(crate) async fn randsleep<R: Runtime>(ctx: &Ctx, random: &SharedRandom, caller: &str) {
    let i = random.randint(0, 10);
    ctx.say(format!("{caller} sleeping for {i} seconds"));
    ctx.sleep::<R>(i as f64).await;
}

async fn produce(ctx: Ctx, random: SharedRandom, name: u16, q: Queue<(String, Instant)>) {
    let n = random.randint(0, 10);
    for _ in 0..n {
        ctx.say(format!("bef {name}"));
        let i = makeitem(5).await;
        ctx.say(format!("after {name}"));
        let t = Instant::now();
        // The queue is unbounded and never shut down: put cannot fail.
        let _ = q.put((i.clone(), t)).await;
        ctx.say(format!("Producer {name} added <{i}> to queue."));
    }
}

async fn consume<R: Runtime>(ctx: Ctx, random: SharedRandom, name: u16, q: Queue<(String, Instant)>) {
    loop {
        randsleep::<R>(&ctx, &random, &format!("Consumer {name}")).await;
        let Ok((i, t)) = q.get().await else {
            return;
        };
        ctx.say(format!("Consumer {name} got element <{i}> in {:.5} seconds", ctx.out.since(t)));
        // One task_done per item gotten: it cannot underflow.
        let _ = q.task_done();
    }
}

async fn main<R: Runtime>(ctx: &Ctx, random: SharedRandom, nprod: u16, ncon: u16) -> Result<(), ScenarioError> {
    let q = Queue::unbounded();
    let producers: Vec<_> = (0..nprod)
        .map(|n| create_task::<R, _>(produce(ctx.clone(), random.clone(), n, q.clone())))
        .collect();
    let consumers: Vec<_> = (0..ncon)
        .map(|n| create_task::<R, _>(consume::<R>(ctx.clone(), random.clone(), n, q.clone())))
        .collect();
    // `await asyncio.gather(*producers)`: they are tasks already, so awaiting each is the same.
    for producer in producers {
        producer.await?;
    }
    q.join().await; // implicitly awaits consumers, too
    for c in consumers {
        // Cancelled, as in the original; the outcome (Cancelled) is expected and not needed.
        let _ = c.cancel().await;
    }
    Ok(())
}

/// Runs the program.
///
/// # Errors
///
/// Invalid arguments, a loop that cannot be created, or a failed task.
pub fn run<R: Runtime>(ctx: &Ctx) -> Result<(), ScenarioError> {
    let Args { nprod, ncon } = ctx.parse_args("asyncq.py")?;
    let random = ctx.random();
    let start = Instant::now();
    ctx.asyncio_run::<R, _>(main::<R>(ctx, random, nprod, ncon))??;
    ctx.say(format!("Program completed in {:.5} seconds.", ctx.out.since(start)));
    Ok(())
}
