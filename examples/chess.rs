//! `chess`: 24 boards × 30 moves: about 12 h one board at a time, about 1 h async.
//!
//! Mirrors the simultaneous chess exhibition, seed 001; `reference/python/chess.py` is the Python original.
//!
//! Run: `cargo run --example chess -- --runtime smol` (default runtime `tokio`; `--runtime all` runs it
//! on each runtime in turn; `--time-scale 0.1` runs ten times faster).

use std::process::ExitCode;

fn main() -> ExitCode {
    rosetta_harness::cli::example_main("chess")
}
