//! `asyncq`: producers and consumers on a Queue with task_done/join; consumers cancelled at the end.
//!
//! Mirrors the queue program of seed 000 (Real Python's asyncq.py); `reference/python/asyncq.py` is the Python original.
//!
//! Run: `cargo run --example asyncq -- --runtime smol -- -p 2 -c 5` (default runtime `tokio`; `--runtime all` runs it
//! on each runtime in turn; `--time-scale 0.1` runs ten times faster).

use std::process::ExitCode;

fn main() -> ExitCode {
    rosetta_harness::cli::example_main("asyncq")
}
