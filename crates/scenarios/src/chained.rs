//! Mirrors `chaind_async.py` (Real Python; seed 001): chains of coroutines, `part1` then `part2` with the
//! first's result, each sleeping a random number of seconds; the chains are gathered. The program takes
//! as long as the longest chain. The original's typos ("prat1", "Returing") are CPython's output, so
//! they are kept.
//!
//! Per-runtime note: as in `makerandom`, chains that draw in the same instant race for the shared
//! generator on a multi-thread runtime, and may swap numbers.

use std::time::Instant;

use clap::Parser;
use rosetta_asyncio::{Runtime, gather};

use crate::{Ctx, ScenarioError, ScenarioInfo, SharedRandom};

/// This scenario.
pub const INFO: ScenarioInfo = ScenarioInfo {
    id: "chained",
    mirrors: "chaind_async.py (Real Python), seed 001",
    summary: "part1 → part2 chains, gathered: the program takes as long as the longest chain",
    test_scale: 0.02,
    seeded: true,
    args: <Args as clap::CommandFactory>::command,
    test_args: &[],
    expect,
    verify: crate::no_checks,
};

fn expect(flavor: crate::Flavor) -> crate::Expect {
    crate::Expect::differs_in_parallel(
        flavor,
        "chains that draw in the same instant race for the shared generator on several workers, so they may swap sleeps",
        |reference, port| {
                // The same lines, whatever numbers each chain drew and in whatever order they print.
                let draws = regex::Regex::new(r"sleeping for \d+ seconds").expect("valid regex");
                let normalise = |line: &str| draws.replace_all(&crate::parity::mask(line), "sleeping for N seconds").into_owned();
                let mut expected: Vec<String> = reference.iter().map(|line| normalise(&line.text)).collect();
                let mut found: Vec<String> = port.iter().map(|line| normalise(line)).collect();
                expected.sort();
                found.sort();
                if expected == found {
                    Ok(())
                } else {
                    Err(format!("CPython printed {expected:?}, the port {found:?}"))
                }
            },
    )
}

/// `chained.py [N ...]`: the chains to run.
#[derive(Debug, Parser)]
struct Args {
    /// The chain numbers (default 1 2 3): at most 100 chains.
    #[arg(value_name = "N", num_args = 0..=100, default_values_t = [1, 2, 3], allow_negative_numbers = true)]
    args: Vec<i64>,
}

async fn randint(random: &SharedRandom, a: i64, b: i64) -> i64 {
    random.randint(a, b)
}

async fn part1<R: Runtime>(ctx: &Ctx, random: &SharedRandom, n: i64) -> String {
    let i = randint(random, 0, 10).await;
    ctx.say(format!("prat1 ({n}) sleeping for {i} seconds."));
    ctx.sleep::<R>(i as f64).await;
    let result = format!("result{n}-1");
    ctx.say(format!("Returning part1({n}) == {result}."));
    result
}

async fn part2<R: Runtime>(ctx: &Ctx, random: &SharedRandom, n: i64, arg: &str) -> String {
    let i = randint(random, 0, 10).await;
    // Python's `{n, arg}` formats the tuple `(n, arg)`, with the string's repr.
    ctx.say(format!(" part2({n}, '{arg}') sleeping for {i} seconds."));
    ctx.sleep::<R>(i as f64).await;
    let result = format!("result{n}-2 derived from {arg}");
    ctx.say(format!("Returing part2({n}, '{arg}') == {result}."));
    result
}

async fn chain<R: Runtime>(ctx: Ctx, random: SharedRandom, n: i64) {
    let start = Instant::now();
    let p1 = part1::<R>(&ctx, &random, n).await;
    let p2 = part2::<R>(&ctx, &random, n, &p1).await;
    let end = ctx.out.since(start);
    ctx.say(format!("Chained result{n} => {p2} (took {end:.2} seconds)."));
}

/// Runs the program.
///
/// # Errors
///
/// Invalid arguments, a loop that cannot be created, or a failed task.
pub fn run<R: Runtime>(ctx: &Ctx) -> Result<(), ScenarioError> {
    let Args { args } = ctx.parse_args("chained.py")?;
    let random = ctx.random();
    let start = Instant::now();
    // `asyncio.run(main(*args))`: the gather is made inside the running loop.
    let main = async { gather::<R, _>(args.into_iter().map(|n| chain::<R>(ctx.clone(), random.clone(), n))).await };
    ctx.asyncio_run::<R, _>(main)??;
    let end = ctx.out.since(start);
    ctx.say(format!("Program finished in {end:.2} seconds."));
    Ok(())
}
