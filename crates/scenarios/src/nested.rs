//! Mirrors seed 000's second example (`main_of_main`): a gather of a gather (`main`, which gathers
//! `count(1)`, `count(2)`, `count(3)`) and `main2`. Every coroutine starts before any sleep ends, and each
//! wakes when its own sleep is over: three seconds in all.

use std::time::Instant;

use rosetta_asyncio::{Runtime, gather};

use crate::{Ctx, ScenarioError, ScenarioInfo};

/// This scenario.
pub const INFO: ScenarioInfo = ScenarioInfo {
    id: "nested",
    mirrors: "main_of_main from seed 000 (count(i), main, main2)",
    summary: "a gather of a gather: the loop interleaves every coroutine, 3 s in all",
    test_scale: 0.02,
    seeded: false,
    args: crate::no_args,
    test_args: &[],
    expect: crate::same_everywhere,
    verify: crate::no_checks,
};

async fn count<R: Runtime>(ctx: Ctx, i: u32) {
    ctx.say(i.to_string());
    ctx.sleep::<R>(f64::from(i)).await;
    ctx.say(i.to_string());
}

async fn main_<R: Runtime>(ctx: Ctx) -> Result<(), ScenarioError> {
    gather::<R, _>((1..=3).map(|i| count::<R>(ctx.clone(), i))).await?;
    Ok(())
}

async fn main2<R: Runtime>(ctx: Ctx) -> Result<(), ScenarioError> {
    ctx.say("main2 start");
    ctx.sleep::<R>(2.0).await;
    ctx.say("main2 end");
    Ok(())
}

/// A coroutine of either kind, so that `main()` and `main2()` can be gathered together.
type Coroutine = std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), ScenarioError>> + Send>>;

async fn main_of_main<R: Runtime>(ctx: &Ctx) -> Result<(), ScenarioError> {
    // `gather(main(), main2())`: two different coroutines, so the toolkit's try_gather gets them boxed
    // into one type, as Python's gather takes any awaitables.
    let children: [Coroutine; 2] = [Box::pin(main_::<R>(ctx.clone())), Box::pin(main2::<R>(ctx.clone()))];
    rosetta_asyncio::try_gather::<R, _, _, _>(children).await?;
    Ok(())
}

/// Runs the program.
///
/// # Errors
///
/// If the loop cannot be created or a task fails.
pub fn run<R: Runtime>(ctx: &Ctx) -> Result<(), ScenarioError> {
    let s = Instant::now();
    ctx.asyncio_run::<R, _>(main_of_main::<R>(ctx))??;
    ctx.say(format!("nested.py executed in {:.2} seconds.", ctx.out.since(s)));
    Ok(())
}

