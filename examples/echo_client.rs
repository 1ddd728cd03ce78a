//! `echo_client`: a streams client: sends a message, says what it sent and what came back.
//!
//! Mirrors the asyncio docs' TCP echo client using streams; `reference/python/echo_client.py` is the Python original.
//!
//! Run: `cargo run --example echo_client -- --runtime smol` (default runtime `tokio`; `--runtime all` runs it
//! on each runtime in turn; `--time-scale 0.1` runs ten times faster).

use std::process::ExitCode;

fn main() -> ExitCode {
    rosetta_harness::cli::example_main("echo_client")
}
