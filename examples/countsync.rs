//! `countsync`: the blocking contrast: three count() with time.sleep take 3 s.
//!
//! Mirrors countsync.py (Real Python), seed 001; `reference/python/countsync.py` is the Python original.
//!
//! Run: `cargo run --example countsync -- --runtime smol` (default runtime `tokio`; `--runtime all` runs it
//! on each runtime in turn; `--time-scale 0.1` runs ten times faster).

use std::process::ExitCode;

fn main() -> ExitCode {
    rosetta_harness::cli::example_main("countsync")
}
