//! Mirrors the `create_task` example of the Python docs (seed 002): two tasks created at once, awaited
//! one after the other; "hello" after one second, "world" after two, two seconds in all.

use rosetta_asyncio::{Runtime, create_task};

use crate::{Ctx, ScenarioError, ScenarioInfo};

/// This scenario.
pub const INFO: ScenarioInfo = ScenarioInfo {
    id: "say_after",
    mirrors: "say_after (Python docs' create_task example), seed 002",
    summary: "create_task starts both coroutines at once: hello at 1 s, world at 2 s",
    test_scale: 0.02,
    seeded: false,
    args: crate::no_args,
    test_args: &[],
    expect: crate::same_everywhere,
    verify: crate::no_checks,
};

async fn say_after<R: Runtime>(ctx: Ctx, delay: f64, what: &'static str) {
    ctx.sleep::<R>(delay).await;
    ctx.say(what);
}

/// `time.strftime('%X')`: the local wall-clock time.
fn clock() -> String {
    jiff::Zoned::now().strftime("%H:%M:%S").to_string()
}

async fn main<R: Runtime>(ctx: &Ctx) -> Result<(), ScenarioError> {
    let task1 = create_task::<R, _>(say_after::<R>(ctx.clone(), 1.0, "hello"));
    let task2 = create_task::<R, _>(say_after::<R>(ctx.clone(), 2.0, "world"));
    ctx.say(format!("started at {}", clock()));
    // Wait until both tasks are completed (should take around 2 seconds.)
    task1.await?;
    task2.await?;
    ctx.say(format!("finished at {}", clock()));
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
