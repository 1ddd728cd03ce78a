//! `chained`: part1 → part2 chains, gathered: the program takes as long as the longest chain.
//!
//! Mirrors chaind_async.py (Real Python), seed 001; `reference/python/chained.py` is the Python original.
//!
//! Run: `cargo run --example chained -- --runtime smol -- 1 2 3 4` (default runtime `tokio`; `--runtime all` runs it
//! on each runtime in turn; `--time-scale 0.1` runs ten times faster).

use std::process::ExitCode;

fn main() -> ExitCode {
    rosetta_harness::cli::example_main("chained")
}
