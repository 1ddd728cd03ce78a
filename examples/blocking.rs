//! `blocking`: time.sleep inside a coroutine blocks the loop: 6 s instead of 3.
//!
//! Mirrors blocking_async.py, seed 004; `reference/python/blocking.py` is the Python original.
//!
//! Run: `cargo run --example blocking -- --runtime smol` (default runtime `tokio`; `--runtime all` runs it
//! on each runtime in turn; `--time-scale 0.1` runs ten times faster).

use std::process::ExitCode;

fn main() -> ExitCode {
    rosetta_harness::cli::example_main("blocking")
}
