//! `nested`: a gather of a gather: the loop interleaves every coroutine, 3 s in all.
//!
//! Mirrors main_of_main from seed 000 (count(i), main, main2); `reference/python/nested.py` is the Python original.
//!
//! Run: `cargo run --example nested -- --runtime smol` (default runtime `tokio`; `--runtime all` runs it
//! on each runtime in turn; `--time-scale 0.1` runs ten times faster).

use std::process::ExitCode;

fn main() -> ExitCode {
    rosetta_harness::cli::example_main("nested")
}
