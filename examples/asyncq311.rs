//! `asyncq311`: producers and consumers in task groups under a timeout, a Semaphore bounding the work.
//!
//! Mirrors `asyncq.py` rewritten the Python 3.11 way (TaskGroup, asyncio.timeout, a Semaphore);
//! `reference/python/asyncq311.py` is the Python original.
//!
//! Run: `cargo run --example asyncq311 -- --runtime smol -- -p 2 -c 5 -w 2` (default runtime `tokio`; `--runtime all` runs it
//! on each runtime in turn; `--time-scale 0.1` runs ten times faster).

use std::process::ExitCode;

fn main() -> ExitCode {
    rosetta_harness::cli::example_main("asyncq311")
}
