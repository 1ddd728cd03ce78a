//! `makerandom`: three coroutines retry random draws; CPython's generator gives CPython's numbers.
//!
//! Mirrors rand.py (Real Python), seed 001; `reference/python/makerandom.py` is the Python original.
//!
//! Run: `cargo run --example makerandom -- --runtime smol --seed 7` (default runtime `tokio`; `--runtime all` runs it
//! on each runtime in turn; `--time-scale 0.1` runs ten times faster).

use std::process::ExitCode;

fn main() -> ExitCode {
    rosetta_harness::cli::example_main("makerandom")
}
