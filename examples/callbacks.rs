//! `callbacks`: call_soon/call_later callbacks ticking beside coroutines, until loop.stop().
//!
//! Mirrors print_every_second coroutine + call_later callbacks, seed 003; `reference/python/callbacks.py` is the Python original.
//!
//! Run: `cargo run --example callbacks -- --runtime smol` (default runtime `tokio`; `--runtime all` runs it
//! on each runtime in turn; `--time-scale 0.1` runs ten times faster).

use std::process::ExitCode;

fn main() -> ExitCode {
    rosetta_harness::cli::example_main("callbacks")
}
