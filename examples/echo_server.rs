//! `echo_server`: a streams server: reads a message, says where it came from, echoes it, closes.
//!
//! Mirrors the asyncio docs' TCP echo server using streams; `reference/python/echo_server.py` is the Python original.
//!
//! Run: `cargo run --example echo_server -- --runtime smol` (default runtime `tokio`; `--runtime all` runs it
//! on each runtime in turn; `--time-scale 0.1` runs ten times faster).

use std::process::ExitCode;

fn main() -> ExitCode {
    rosetta_harness::cli::example_main("echo_server")
}
