//! `loop_overhead`: create and close many loops: the mean cost of each step.
//!
//! Mirrors benchmark_event_loop_overhead.py, seed 004; `reference/python/loop_overhead.py` is the Python original.
//!
//! Run: `cargo run --example loop_overhead -- --runtime smol` (default runtime `tokio`; `--runtime all` runs it
//! on each runtime in turn; `--time-scale 0.1` runs ten times faster).

use std::process::ExitCode;

fn main() -> ExitCode {
    rosetta_harness::cli::example_main("loop_overhead")
}
