//! Mirrors seed 000's async generator `mygen(u)` (yield `2 ** i`, then sleep a tenth of a second) and its
//! two async comprehensions, `[i async for i in mygen(10)]` and
//! `[j async for j in mygen(20) if not (j // 3 % 5)]`. The generator body prints `u` before each yield.

use rosetta_asyncio::{Runtime, Stream, StreamExt, agen};

use crate::{Ctx, ScenarioError, ScenarioInfo};

/// This scenario.
pub const INFO: ScenarioInfo = ScenarioInfo {
    id: "agen",
    mirrors: "mygen and the async comprehensions, seed 000",
    summary: "an async generator, consumed by two async comprehensions",
    test_scale: 0.05,
    seeded: false,
    args: crate::no_args,
    test_args: &[],
    expect: crate::same_everywhere,
    verify: crate::no_checks,
};

fn mygen<R: Runtime>(ctx: Ctx, u: u32) -> impl Stream<Item = u64> {
    agen! {
        let mut i = 0;
        while i < u {
            ctx.say(u.to_string());
            yield 2u64.pow(i);
            i += 1;
            ctx.sleep::<R>(0.1).await;
        }
    }
}

/// Python's list repr: `[1, 2, 4]`.
fn repr(list: &[u64]) -> String {
    let items: Vec<String> = list.iter().map(u64::to_string).collect();
    format!("[{}]", items.join(", "))
}

async fn main<R: Runtime>(ctx: &Ctx) -> (Vec<u64>, Vec<u64>) {
    let g: Vec<u64> = mygen::<R>(ctx.clone(), 10).collect().await;
    let f: Vec<u64> = mygen::<R>(ctx.clone(), 20).filter(|j| j / 3 % 5 == 0).collect().await;
    (g, f)
}

/// Runs the program.
///
/// # Errors
///
/// If the loop cannot be created.
pub fn run<R: Runtime>(ctx: &Ctx) -> Result<(), ScenarioError> {
    let (g, f) = ctx.asyncio_run::<R, _>(main::<R>(ctx))?;
    ctx.say(repr(&g));
    ctx.say(repr(&f));
    Ok(())
}
