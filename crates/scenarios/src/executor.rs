//! Mirrors seed 002's `run_in_executor` example: two coroutines each hand a blocking `time.sleep(5)` to
//! the default executor, so the loop stays free and both sleeps overlap: five seconds, not ten. Its lines
//! are the seed's, in Korean ("coroutine 1 starts / pauses / resumes").
//!
//! Per-runtime note: the two blocking sleeps end in the same instant on two pool threads, so which
//! coroutine resumes first is a race on every runtime, as it is in CPython.

use rosetta_asyncio::{Runtime, run_in_executor, try_gather};

use crate::{Ctx, ScenarioError, ScenarioInfo};

/// This scenario.
pub const INFO: ScenarioInfo = ScenarioInfo {
    id: "executor",
    mirrors: "run_in_executor example, seed 002",
    summary: "blocking sleeps handed to the executor overlap: 5 s for two 5 s sleeps",
    test_scale: 0.02,
    seeded: false,
    args: crate::no_args,
    test_args: &[],
    expect: crate::same_everywhere,
    verify: crate::no_checks,
};

async fn coroutine<R: Runtime>(ctx: Ctx, n: u8) -> Result<(), ScenarioError> {
    ctx.say(format!("코루틴 {n} 시작"));
    ctx.say(format!("코루틴 {n} 중단"));
    let sleeper = ctx.clone();
    run_in_executor::<R, _, _>(move || sleeper.block(5.0)).await?;
    ctx.say(format!("코루틴 {n} 재개"));
    Ok(())
}

/// Runs the program.
///
/// # Errors
///
/// If the loop cannot be created or a task fails.
pub fn run<R: Runtime>(ctx: &Ctx) -> Result<(), ScenarioError> {
    // `loop.run_until_complete(asyncio.gather(...))`: the gather is made inside the running loop.
    let main = async { try_gather::<R, _, _, _>([coroutine::<R>(ctx.clone(), 1), coroutine::<R>(ctx.clone(), 2)]).await };
    ctx.asyncio_run::<R, _>(main)??;
    Ok(())
}
