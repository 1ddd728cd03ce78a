//! `agen`: an async generator, consumed by two async comprehensions.
//!
//! Mirrors mygen and the async comprehensions, seed 000; `reference/python/agen.py` is the Python original.
//!
//! Run: `cargo run --example agen -- --runtime smol` (default runtime `tokio`; `--runtime all` runs it
//! on each runtime in turn; `--time-scale 0.1` runs ten times faster).

use std::process::ExitCode;

fn main() -> ExitCode {
    rosetta_harness::cli::example_main("agen")
}
