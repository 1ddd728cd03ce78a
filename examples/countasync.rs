//! `countasync`: gather of three count(): One ×3, then Two ×3, in 1 s rather than 3.
//!
//! Mirrors countasync.py (Real Python), seeds 000, 001 and 004; `reference/python/countasync.py` is the Python original.
//!
//! Run: `cargo run --example countasync -- --runtime smol` (default runtime `tokio`; `--runtime all` runs it
//! on each runtime in turn; `--time-scale 0.1` runs ten times faster).

use std::process::ExitCode;

fn main() -> ExitCode {
    rosetta_harness::cli::example_main("countasync")
}
