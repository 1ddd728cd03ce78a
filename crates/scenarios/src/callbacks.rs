//! Mirrors seed 003's callbacks program: a callback that prints every second by re-arming itself with
//! `call_later`, a coroutine `'A'` that prints every second, and a callback that starts a second such
//! coroutine, `'8'`. After its tenth tick, coroutine `'A'` stops the loop.
//!
//! Rust runtimes have no callback queue: the toolkit's `EventLoop` is one, run by a future beside the
//! runtime's tasks. As in asyncio, `stop()` ends `run_forever` after the current turn; the coroutines go
//! on to print their next "0 s" line first, and are dropped when the loop closes.
//!
//! Per-runtime note: on the multi-thread runtimes the coroutines run on workers while `run_forever` runs
//! on the `block_on` thread, so the last instant (the coroutines' final "0 s" lines after `stop()`) can be
//! cut short by their cancellation, right after `run_forever` returns. On async-std, closing the loop would leave the coroutines running
//! in its global runtime; the port cancels them, as `loop.close()` destroys them in asyncio.

use std::time::Duration;

use std::sync::{Arc, Mutex, PoisonError};

use rosetta_asyncio::{EventLoop, Runtime, Task, create_task};

use crate::{Ctx, ScenarioError, ScenarioInfo};

/// This scenario.
pub const INFO: ScenarioInfo = ScenarioInfo {
    id: "callbacks",
    mirrors: "print_every_second coroutine + call_later callbacks, seed 003",
    summary: "call_soon/call_later callbacks ticking beside coroutines, until loop.stop()",
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
        "the coroutines run on workers while run_forever runs on the block_on thread: they may be cancelled before they print their last line",
        crate::parity::all_but_the_last_instant,
    )
}

async fn print_every_second_coroutine<R: Runtime>(ctx: Ctx, lp: EventLoop<R>, kind: &'static str) {
    loop {
        for i in 0..10 {
            ctx.say(format!("{i} s (coroutine {kind})"));
            ctx.sleep::<R>(1.0).await;
        }
        lp.stop();
    }
}

fn print_every_seconds_callback<R: Runtime>(ctx: Ctx, lp: &EventLoop<R>, i: u32) {
    ctx.say(format!("{i} s (callback)"));
    let delay: Duration = ctx.out.real(1.0);
    lp.call_later(delay, move |lp| print_every_seconds_callback(ctx, lp, i + 1));
}

/// The tasks the program starts, which asyncio's `loop.close()` destroys if they are still pending.
type Tasks<R> = Arc<Mutex<Vec<Task<R, ()>>>>;

fn print_every_seconds_callback_to_coroutine<R: Runtime>(ctx: Ctx, lp: &EventLoop<R>, tasks: &Tasks<R>) {
    // `asyncio.ensure_future`: the task runs on its own; the program keeps no handle to it.
    let task = create_task::<R, _>(print_every_second_coroutine(ctx, lp.clone(), "8"));
    tasks.lock().unwrap_or_else(PoisonError::into_inner).push(task);
}

async fn main<R: Runtime>(ctx: &Ctx) {
    let lp = EventLoop::<R>::new();
    let tasks: Tasks<R> = Arc::default();
    let c = ctx.clone();
    lp.call_soon(move |lp| print_every_seconds_callback(c, lp, 0));
    let (c, t) = (ctx.clone(), Arc::clone(&tasks));
    lp.call_soon(move |lp| print_every_seconds_callback_to_coroutine(c, lp, &t));
    // `asyncio.ensure_future(...)` before `run_forever`: created now, it first runs once the loop's first
    // turn has run the two callbacks, and before the coroutine that the second callback creates.
    let a = create_task::<R, _>(print_every_second_coroutine(ctx.clone(), lp.clone(), "A"));
    tasks.lock().unwrap_or_else(PoisonError::into_inner).push(a);
    lp.run_forever().await;
    // `loop.close()` destroys the tasks still pending. Closing an async-std loop would not (its runtime is
    // global), so they are cancelled here, on every runtime alike.
    let pending: Vec<_> = tasks.lock().unwrap_or_else(PoisonError::into_inner).drain(..).collect();
    for task in pending {
        let _ = task.cancel().await;
    }
}

/// Runs the program.
///
/// # Errors
///
/// If the loop cannot be created.
pub fn run<R: Runtime>(ctx: &Ctx) -> Result<(), ScenarioError> {
    ctx.asyncio_run::<R, _>(main::<R>(ctx))
}
