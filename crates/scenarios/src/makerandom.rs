//! Mirrors `rand.py` (Real Python; seed 001): three `makerandom()` coroutines, each drawing
//! `random.randint(0, 10)` until it beats its threshold, sleeping `idx + 1` seconds between draws,
//! gathered. With `random.seed(444)` CPython prints `r1: 10, r2: 10, r3: 9`; so does this port, because
//! it draws from CPython's generator in the same order.
//!
//! Per-runtime note: asyncio runs the three coroutines on one thread, in a fixed order, so the draws are
//! made in that order. On a multi-thread runtime (`tokio-mt`, `smol-mt`, `async-std`) two coroutines that
//! wake in the same instant race for the next number, and may swap draws.

use clap::Parser;
use rosetta_asyncio::{Runtime, gather};

use crate::{Ctx, ScenarioError, ScenarioInfo, SharedRandom};

/// This scenario.
pub const INFO: ScenarioInfo = ScenarioInfo {
    id: "makerandom",
    mirrors: "rand.py (Real Python), seed 001",
    summary: "three coroutines retry random draws; CPython's generator gives CPython's numbers",
    test_scale: 0.02,
    seeded: true,
};

/// ANSI colours, as in the original.
const C: [&str; 4] = [
    "\x1b[0m",  // End of color
    "\x1b[36m", // Cyan
    "\x1b[91m", // Red
    "\x1b[35m", // Magenta
];

/// makerandom takes no arguments of its own.
#[derive(Debug, Parser)]
struct Args {}

async fn randint(random: &SharedRandom, a: i64, b: i64) -> i64 {
    random.randint(a, b)
}

async fn makerandom<R: Runtime>(ctx: Ctx, random: SharedRandom, idx: usize, threshold: i64) -> i64 {
    ctx.say(format!("{}Initiated makerandom({idx}).", C[idx + 1]));
    let mut i = randint(&random, 0, 10).await;
    while i <= threshold {
        ctx.say(format!("{}makerandom({idx}) == {i} too low; retrying.", C[idx + 1]));
        ctx.sleep::<R>((idx + 1) as f64).await;
        i = randint(&random, 0, 10).await;
    }
    ctx.say(format!("{}---> Finished: makerandom({idx}) == {i}{}", C[idx + 1], C[0]));
    i
}

async fn main<R: Runtime>(ctx: &Ctx) -> Result<Vec<i64>, ScenarioError> {
    let random = ctx.random();
    let children = (0..3).map(|i| makerandom::<R>(ctx.clone(), random.clone(), i, 10 - i as i64 - 1));
    Ok(gather::<R, _>(children).await?)
}

/// Runs the program.
///
/// # Errors
///
/// If the loop cannot be created or a task fails.
pub fn run<R: Runtime>(ctx: &Ctx) -> Result<(), ScenarioError> {
    let Args {} = ctx.parse_args("makerandom.py")?;
    let res = ctx.asyncio_run::<R, _>(main::<R>(ctx))??;
    let [r1, r2, r3] = res[..] else {
        return Err(ScenarioError::Failed(format!("expected three results, got {res:?}")));
    };
    ctx.say("");
    ctx.say(format!("r1: {r1}, r2: {r2}, r3: {r3}"));
    Ok(())
}
