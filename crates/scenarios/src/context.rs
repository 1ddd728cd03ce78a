//! Mirrors seed 003's `AsyncAdd` (an async context manager whose `__aenter__` sleeps and returns `a + b`)
//! and seed 004's `async_context.py` (a resource set up in `__aenter__` and cleaned up in `__aexit__`,
//! printing the order of events). Rust has no `async with`: the toolkit's `async_with` runs the async
//! setup, the body, and the async teardown, even when the body fails.

use std::convert::Infallible;

use rosetta_asyncio::{AsyncContextManager, Exit, Runtime, async_with};

use crate::{Ctx, ScenarioError, ScenarioInfo};

/// This scenario.
pub const INFO: ScenarioInfo = ScenarioInfo {
    id: "context",
    mirrors: "AsyncAdd (seed 003) and async_context.py (seed 004)",
    summary: "async with: __aenter__ / body / __aexit__, in order",
    test_scale: 0.02,
    seeded: false,
    args: crate::no_args,
    test_args: &[],
    expect: crate::same_everywhere,
    verify: crate::no_checks,
};

/// `class AsyncAdd`: `__aenter__` sleeps a second and returns `a + b`.
struct AsyncAdd<R> {
    ctx: Ctx,
    a: i64,
    b: i64,
    runtime: std::marker::PhantomData<R>,
}

impl<R: Runtime> AsyncContextManager for AsyncAdd<R> {
    type Value = i64;
    type Error = Infallible;

    async fn aenter(&mut self) -> Result<i64, Infallible> {
        self.ctx.sleep::<R>(1.0).await;
        Ok(self.a + self.b)
    }

    async fn aexit(&mut self, _exit: Exit<'_>) -> Result<(), Infallible> {
        Ok(())
    }
}

/// `class AsyncResource`: announces its setup and cleanup, each taking half a second.
struct AsyncResource<R> {
    ctx: Ctx,
    name: &'static str,
    runtime: std::marker::PhantomData<R>,
}

impl<R: Runtime> AsyncContextManager for AsyncResource<R> {
    type Value = &'static str;
    type Error = Infallible;

    async fn aenter(&mut self) -> Result<&'static str, Infallible> {
        self.ctx.say(format!("__aenter__: Setting up {}", self.name));
        self.ctx.sleep::<R>(0.5).await;
        Ok(self.name)
    }

    async fn aexit(&mut self, _exit: Exit<'_>) -> Result<(), Infallible> {
        self.ctx.say(format!("__aexit__: Cleaning up {}", self.name));
        self.ctx.sleep::<R>(0.5).await;
        Ok(())
    }
}

/// The body's failure type: these bodies never fail.
type Never = Infallible;

async fn main<R: Runtime>(ctx: &Ctx) -> Result<(), ScenarioError> {
    let add = AsyncAdd::<R> { ctx: ctx.clone(), a: 1, b: 2, runtime: Default::default() };
    async_with(add, |result| async move {
        ctx.say(result.to_string()); // 3
        Ok::<(), Never>(())
    })
    .await
    .map_err(|error| ScenarioError::Failed(error.to_string()))
}

async fn async_context_main<R: Runtime>(ctx: &Ctx) -> Result<(), ScenarioError> {
    ctx.say("This should be printed before the __aenter__");
    let resource = AsyncResource::<R> { ctx: ctx.clone(), name: "resource1", runtime: Default::default() };
    async_with(resource, |name| async move {
        ctx.say(format!("Using {name} => This should be printed after __aenter__ and before __aexit__"));
        Ok::<(), Never>(())
    })
    .await
    .map_err(|error| ScenarioError::Failed(error.to_string()))?;
    ctx.say("This should be printed after the __aexit__");
    Ok(())
}

/// Runs the program: two loops, one after the other, as the original does.
///
/// # Errors
///
/// If a loop cannot be created.
pub fn run<R: Runtime>(ctx: &Ctx) -> Result<(), ScenarioError> {
    ctx.asyncio_run::<R, _>(main::<R>(ctx))??;
    ctx.asyncio_run::<R, _>(async_context_main::<R>(ctx))?
}
