//! Mirrors `countasync.py` (Real Python; seeds 000, 001 and 004): three `count()` coroutines gathered.
//! Each prints "One", sleeps one second, prints "Two": all three sleep at once, so the program takes
//! one second, not three.

use std::time::Instant;

use rosetta_asyncio::{Runtime, gather};

use crate::{Ctx, ScenarioError, ScenarioInfo};

/// This scenario.
pub const INFO: ScenarioInfo = ScenarioInfo {
    id: "countasync",
    mirrors: "countasync.py (Real Python), seeds 000, 001 and 004",
    summary: "gather of three count(): One ×3, then Two ×3, in 1 s rather than 3",
    test_scale: 0.02,
    seeded: false,
    args: crate::no_args,
    test_args: &[],
    expect: crate::same_everywhere,
    verify: crate::no_checks,
};

async fn count<R: Runtime>(ctx: Ctx) {
    ctx.say("One");
    ctx.sleep::<R>(1.0).await;
    ctx.say("Two");
}

async fn main<R: Runtime>(ctx: &Ctx) -> Result<(), ScenarioError> {
    gather::<R, _>((0..3).map(|_| count::<R>(ctx.clone()))).await?;
    Ok(())
}

/// Runs the program.
///
/// # Errors
///
/// If the loop cannot be created or a task fails.
pub fn run<R: Runtime>(ctx: &Ctx) -> Result<(), ScenarioError> {
    let s = Instant::now();
    ctx.asyncio_run::<R, _>(main::<R>(ctx))??;
    ctx.say(format!("countasync.py executed in {:.2} seconds.", ctx.out.since(s)));
    Ok(())
}
