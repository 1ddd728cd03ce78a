//! `waker`: a hand-written future, a timer thread and a Waker, step by step.
//!
//! Mirrors the question of seed 000: how does the loop know sleep is over?; `reference/python/waker.py` is the Python original.
//!
//! Run: `cargo run --example waker -- --runtime smol` (default runtime `tokio`; `--runtime all` runs it
//! on each runtime in turn; `--time-scale 0.1` runs ten times faster).

use std::process::ExitCode;

fn main() -> ExitCode {
    rosetta_harness::cli::example_main("waker")
}
