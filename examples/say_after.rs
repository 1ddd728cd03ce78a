//! `say_after`: create_task starts both coroutines at once: hello at 1 s, world at 2 s.
//!
//! Mirrors say_after (Python docs' create_task example), seed 002; `reference/python/say_after.py` is the Python original.
//!
//! Run: `cargo run --example say_after -- --runtime smol` (default runtime `tokio`; `--runtime all` runs it
//! on each runtime in turn; `--time-scale 0.1` runs ten times faster).

use std::process::ExitCode;

fn main() -> ExitCode {
    rosetta_harness::cli::example_main("say_after")
}
