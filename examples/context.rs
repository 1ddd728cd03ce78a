//! `context`: async with: __aenter__ / body / __aexit__, in order.
//!
//! Mirrors AsyncAdd (seed 003) and async_context.py (seed 004); `reference/python/context.py` is the Python original.
//!
//! Run: `cargo run --example context -- --runtime smol` (default runtime `tokio`; `--runtime all` runs it
//! on each runtime in turn; `--time-scale 0.1` runs ten times faster).

use std::process::ExitCode;

fn main() -> ExitCode {
    rosetta_harness::cli::example_main("context")
}
