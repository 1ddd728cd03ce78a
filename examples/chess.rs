//! `chess`: 24 boards × 30 moves: about 12 h one board at a time, about 1 h async.
//!
//! Mirrors the simultaneous chess exhibition, seed 001; `reference/python/chess.py` is the Python original.
//!
//! Run: `cargo run --example chess -- --runtime smol --time-scale 0.0005` (default runtime `tokio`;
//! `--runtime all` runs it on each runtime in turn). At scale 1.0 it plays the real 12 + 1 hours; at
//! 0.0005 they take 22 s and 2 s.

use std::process::ExitCode;

fn main() -> ExitCode {
    rosetta_harness::cli::example_main("chess")
}
