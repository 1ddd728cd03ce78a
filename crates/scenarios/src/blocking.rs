//! Mirrors seed 004's `blocking_async.py`: the common mistake of calling a blocking `time.sleep(3)` inside
//! a coroutine. It blocks the whole event loop, so two such coroutines gathered take six seconds, not
//! three.
//!
//! Per-runtime note: on `tokio`, `smol` (one thread) the two blocking calls run one after the other, as in
//! CPython: 6 s. On the multi-thread runtimes (`tokio-mt`, `smol-mt`, `async-std`) the two tasks run on two
//! workers, so the two blocking calls overlap: about 3 s, and the two "Start" lines come first. That is
//! not a cure: every other task on those workers is still stalled, and with more blocking tasks than
//! workers the program is back to running them one after the other.

use std::time::Instant;

use rosetta_asyncio::{Runtime, gather};

use crate::{Ctx, ScenarioError, ScenarioInfo};

/// This scenario.
pub const INFO: ScenarioInfo = ScenarioInfo {
    id: "blocking",
    mirrors: "blocking_async.py, seed 004",
    summary: "time.sleep inside a coroutine blocks the loop: 6 s instead of 3",
    test_scale: 0.02,
    seeded: false,
    args: crate::no_args,
    test_args: &[],
    expect,
    verify: crate::no_checks,
};

fn expect(flavor: crate::Flavor) -> crate::Expect {
    crate::Expect::differs_in_parallel(
        flavor,
        "two workers run the two blocking calls at once: both Start lines come first and it takes 3 s, not 6",
        |_, port| crate::parity::exactly(port, &["Start", "Start", "End", "End", "Time taken: #.# seconds"]),
    )
}

async fn task(ctx: Ctx) {
    ctx.say("Start");
    ctx.block(3.0); // Blocks the whole event loop: nothing else runs for 3 seconds.
    ctx.say("End");
}

async fn main<R: Runtime>(ctx: &Ctx) -> Result<(), ScenarioError> {
    let start = Instant::now();
    gather::<R, _>([task(ctx.clone()), task(ctx.clone())]).await?;
    // Python prints the float's repr; Rust's `{:?}` is the same shortest round-trip form.
    ctx.say(format!("Time taken: {:?} seconds", ctx.out.since(start)));
    Ok(())
}

/// Runs the program.
///
/// # Errors
///
/// If the loop cannot be created or a task fails.
pub fn run<R: Runtime>(ctx: &Ctx) -> Result<(), ScenarioError> {
    ctx.asyncio_run::<R, _>(main::<R>(ctx))?
}
