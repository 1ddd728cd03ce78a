//! `executor`: blocking sleeps handed to the executor overlap: 5 s for two 5 s sleeps.
//!
//! Mirrors run_in_executor example, seed 002; `reference/python/executor.py` is the Python original.
//!
//! Run: `cargo run --example executor -- --runtime smol` (default runtime `tokio`; `--runtime all` runs it
//! on each runtime in turn; `--time-scale 0.1` runs ten times faster).

use std::process::ExitCode;

fn main() -> ExitCode {
    rosetta_harness::cli::example_main("executor")
}
