//! `areq`: a concurrent crawler: every URL fetched at once through one session, links appended to a file.
//!
//! Mirrors areq.py (Real Python's asyncio walkthrough, its full program), seed 001; `reference/python/areq.py` is the Python original.
//!
//! Run: `cargo run --example areq -- --runtime smol` (default runtime `tokio`; `--runtime all` runs it
//! on each runtime in turn; `--time-scale 0.1` runs ten times faster).

use std::process::ExitCode;

fn main() -> ExitCode {
    rosetta_harness::cli::example_main("areq")
}
