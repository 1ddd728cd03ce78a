//! `wait_for`: wait_for cancels a slow coroutine at its timeout; a fast one returns in time.
//!
//! Mirrors async_wait_for.py, seed 004; `reference/python/wait_for.py` is the Python original.
//!
//! Run: `cargo run --example wait_for -- --runtime smol` (default runtime `tokio`; `--runtime all` runs it
//! on each runtime in turn; `--time-scale 0.1` runs ten times faster).

use std::process::ExitCode;

fn main() -> ExitCode {
    rosetta_harness::cli::example_main("wait_for")
}
