//! Mirrors seed 004's `async_wait_for.py`: `asyncio.wait_for` gives up on a slow coroutine after its
//! timeout and cancels it, then lets a fast one return in time.
//!
//! In Python the cancelled coroutine sees `CancelledError` at its `await` and prints from its `except`.
//! A Rust future is cancelled by being dropped at its `.await`: the port prints from a drop guard, which
//! runs at that very point.

use std::time::Instant;

use rosetta_asyncio::{Runtime, TimeoutError, wait_for};

use crate::{Ctx, ScenarioError, ScenarioInfo};

/// This scenario.
pub const INFO: ScenarioInfo = ScenarioInfo {
    id: "wait_for",
    mirrors: "async_wait_for.py, seed 004",
    summary: "wait_for cancels a slow coroutine at its timeout; a fast one returns in time",
    test_scale: 0.02,
    seeded: false,
    args: crate::no_args,
    test_args: &[],
    expect: crate::same_everywhere,
    verify: crate::no_checks,
};

/// The timeout given to both `wait_for` calls, in seconds.
const TIMEOUT: f64 = 1.0;

/// Prints the `except CancelledError` line if the coroutine is dropped before it finishes.
struct OnCancel {
    ctx: Ctx,
    finished: bool,
}

impl Drop for OnCancel {
    fn drop(&mut self) {
        if !self.finished {
            self.ctx.say("slow_operation: cancelled");
        }
    }
}

async fn slow_operation<R: Runtime>(ctx: Ctx) -> &'static str {
    ctx.say("slow_operation: started, needs 5.0 seconds");
    let mut guard = OnCancel { ctx: ctx.clone(), finished: false };
    ctx.sleep::<R>(5.0).await;
    guard.finished = true;
    ctx.say("slow_operation: finished");
    "slow result"
}

async fn fast_operation<R: Runtime>(ctx: Ctx) -> &'static str {
    ctx.say("fast_operation: started, needs 0.2 seconds");
    ctx.sleep::<R>(0.2).await;
    ctx.say("fast_operation: finished");
    "fast result"
}

async fn main<R: Runtime>(ctx: &Ctx) -> Result<(), ScenarioError> {
    let start = Instant::now();
    let timeout = Some(ctx.out.real(TIMEOUT));
    match wait_for::<R, _>(slow_operation::<R>(ctx.clone()), timeout).await {
        Ok(result) => ctx.say(format!("slow_operation returned '{result}'")),
        Err(TimeoutError { .. }) => ctx.say(format!("slow_operation timed out after {TIMEOUT:?} seconds")),
    }
    let result = wait_for::<R, _>(fast_operation::<R>(ctx.clone()), timeout)
        .await
        .map_err(|error| ScenarioError::Failed(format!("fast_operation: {error}")))?;
    ctx.say(format!("fast_operation returned '{result}'"));
    ctx.say(format!("Finished in {:.2} seconds.", ctx.out.since(start)));
    Ok(())
}

/// Runs the program.
///
/// # Errors
///
/// If the loop cannot be created, or the fast coroutine times out.
pub fn run<R: Runtime>(ctx: &Ctx) -> Result<(), ScenarioError> {
    ctx.asyncio_run::<R, _>(main::<R>(ctx))?
}
