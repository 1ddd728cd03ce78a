//! Mirrors `countsync.py` (Real Python; seed 001): the synchronous contrast to `countasync`. Each
//! `count()` blocks the thread with `time.sleep(1)`, so three take three seconds, one after the other.

use std::time::Instant;

use rosetta_asyncio::Runtime;

use crate::{Ctx, ScenarioError, ScenarioInfo};

/// This scenario.
pub const INFO: ScenarioInfo = ScenarioInfo {
    id: "countsync",
    mirrors: "countsync.py (Real Python), seed 001",
    summary: "the blocking contrast: three count() with time.sleep take 3 s",
    test_scale: 0.02,
    seeded: false,
    args: crate::no_args,
    test_args: &[],
    expect: crate::same_everywhere,
    verify: crate::no_checks,
};

fn count(ctx: &Ctx) {
    ctx.say("One");
    ctx.block(1.0);
    ctx.say("Two");
}

/// Runs the program. It has no event loop: the runtime is not used, on purpose.
///
/// # Errors
///
/// None in practice; the signature is every scenario's.
pub fn run<R: Runtime>(ctx: &Ctx) -> Result<(), ScenarioError> {
    let s = Instant::now();
    for _ in 0..3 {
        count(ctx);
    }
    ctx.say(format!("countsync.py executed in {:.2} seconds.", ctx.out.since(s)));
    Ok(())
}
