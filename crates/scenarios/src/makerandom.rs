//! Mirrors `rand.py` (Real Python; seed 001): three `makerandom()` coroutines, each drawing
//! `random.randint(0, 10)` until it beats its threshold, sleeping `idx + 1` seconds between draws,
//! gathered. With `random.seed(444)` CPython prints `r1: 10, r2: 10, r3: 9`; so does this port, because
//! it draws from CPython's generator in the same order.
//!
//! Per-runtime note: asyncio runs the three coroutines on one thread, in a fixed order, so the draws are
//! made in that order. On a multi-thread runtime (`tokio-mt`, `smol-mt`, `async-std`) two coroutines that
//! wake in the same instant race for the next number, and may swap draws.

use rosetta_asyncio::{Runtime, gather};

use crate::{Ctx, ScenarioError, ScenarioInfo, SharedRandom};

/// This scenario.
pub const INFO: ScenarioInfo = ScenarioInfo {
    id: "makerandom",
    mirrors: "rand.py (Real Python), seed 001",
    summary: "three coroutines retry random draws; CPython's generator gives CPython's numbers",
    test_scale: 0.02,
    seeded: true,
    args: crate::no_args,
    test_args: &[],
    expect,
    verify: crate::no_checks,
};

fn expect(flavor: crate::Flavor) -> crate::Expect {
    crate::Expect::differs_in_parallel(
        flavor,
        "coroutines that wake in the same instant race for the shared generator on several workers, so they may swap draws",
        |_, port| check_structure(port),
    )
}

/// What holds whatever order the draws are made in: each coroutine starts once, finishes once above its
/// threshold, retries only below it, and the last line reports the three results.
fn check_structure(port: &[String]) -> Result<(), String> {
    let plain: Vec<String> = port.iter().map(|line| strip_colours(line)).collect();
    let mut results = [None; 3];
    for (idx, result) in results.iter_mut().enumerate() {
        let threshold = 10 - idx as i64 - 1;
        let started = plain.iter().filter(|line| **line == format!("Initiated makerandom({idx}).")).count();
        if started != 1 {
            return Err(format!("makerandom({idx}) started {started} times"));
        }
        let prefix = format!("---> Finished: makerandom({idx}) == ");
        let finished: Vec<i64> = plain.iter().filter_map(|line| line.strip_prefix(&prefix)?.parse().ok()).collect();
        match finished[..] {
            [value] if value > threshold => *result = Some(value),
            _ => return Err(format!("makerandom({idx}) finished with {finished:?}, threshold {threshold}")),
        }
    }
    let expected = format!(
        "r1: {}, r2: {}, r3: {}",
        results[0].unwrap_or_default(),
        results[1].unwrap_or_default(),
        results[2].unwrap_or_default()
    );
    match plain.last() {
        Some(last) if *last == expected => Ok(()),
        last => Err(format!("the last line is {last:?}, expected {expected:?}")),
    }
}

/// The line without its ANSI colour codes.
fn strip_colours(line: &str) -> String {
    C.iter().fold(line.to_owned(), |line, code| line.replace(code, ""))
}

/// ANSI colours, as in the original.
const C: [&str; 4] = [
    "\x1b[0m",  // End of color
    "\x1b[36m", // Cyan
    "\x1b[91m", // Red
    "\x1b[35m", // Magenta
];

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
    let res = ctx.asyncio_run::<R, _>(main::<R>(ctx))??;
    let [r1, r2, r3] = res[..] else {
        return Err(ScenarioError::Failed(format!("expected three results, got {res:?}")));
    };
    ctx.say("");
    ctx.say(format!("r1: {r1}, r2: {r2}, r3: {r3}"));
    Ok(())
}
