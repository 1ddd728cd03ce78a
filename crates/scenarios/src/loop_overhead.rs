//! Mirrors seed 004's `benchmark_event_loop_overhead.py`: create and close many event loops, timing each
//! step, and print the mean creation and closing cost.
//!
//! The figures are measured costs, not sleeps: the time scale does not apply. The first line names the
//! loop implementation (`_UnixSelectorEventLoop` for CPython, the runtime here), so it is the one line
//! that differs from CPython's by design.
//!
//! Per-runtime note: `async-std` has one global runtime, so creating and closing a loop are no-ops and its
//! figures are the cost of doing nothing. The benches measure its one-time start separately.

use std::time::{Duration, Instant};

use clap::Parser;
use rosetta_asyncio::Runtime;

use crate::{Ctx, ScenarioError, ScenarioInfo};

/// This scenario.
pub const INFO: ScenarioInfo = ScenarioInfo {
    id: "loop_overhead",
    mirrors: "benchmark_event_loop_overhead.py, seed 004",
    summary: "create and close many loops: the mean cost of each step",
    test_scale: 0.02,
    seeded: false,
    args: <Args as clap::CommandFactory>::command,
    test_args: &["-n", "50"],
    expect,
    verify: crate::no_checks,
};

fn expect(_: crate::Flavor) -> crate::Expect {
    crate::Expect::Differs {
        why: "the first line names the loop implementation: CPython's class, or the runtime id",
        check: |_, port| {
            let mut lines: Vec<String> = port.to_vec();
            if let Some(first) = lines.first_mut()
                && let Some(open) = first.find(" event loops (")
            {
                first.truncate(open);
                first.push_str(" event loops (<loop>)");
            }
            crate::parity::exactly(
                &lines,
                &[
                    "Created and closed 50 event loops (<loop>)",
                    "Average event loop creation overhead: #.# ms",
                    "Average event loop closing overhead: #.# ms",
                ],
            )
        },
    }
}

/// `loop_overhead.py [-n N]`.
#[derive(Debug, Parser)]
struct Args {
    /// How many loops to create and close, from 1 to 100000.
    #[arg(short = 'n', long = "iterations", default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    iterations: u32,
}

/// Runs the program.
///
/// # Errors
///
/// Invalid arguments, or a loop that cannot be created.
pub fn run<R: Runtime>(ctx: &Ctx) -> Result<(), ScenarioError> {
    let Args { iterations } = ctx.parse_args("loop_overhead.py")?;
    let mut creation = Duration::ZERO;
    let mut closing = Duration::ZERO;
    for _ in 0..iterations {
        let start = Instant::now();
        let rt = R::create(&ctx.config)?;
        let created = Instant::now();
        rt.close();
        let closed = Instant::now();
        creation += created - start;
        closing += closed - created;
    }
    let mean_ms = |total: Duration| total.as_secs_f64() / f64::from(iterations) * 1000.0;
    ctx.say(format!("Created and closed {iterations} event loops ({})", R::INFO.id));
    ctx.say(format!("Average event loop creation overhead: {:.4} ms", mean_ms(creation)));
    ctx.say(format!("Average event loop closing overhead: {:.4} ms", mean_ms(closing)));
    Ok(())
}
