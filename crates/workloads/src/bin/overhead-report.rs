//! `overhead-report`: after `cargo bench`, prints toolkit ÷ native per runtime, the queue against the
//! raw channels, timer lateness against its floor, and the Python anchors, as Markdown tables.
//!
//! ```sh
//! cargo bench
//! cargo run --release -p rosetta-workloads --bin overhead-report -- --python
//! ```
//!
//! `--python` first runs `benches/python/baseline.py` (CPython's asyncio, and uvloop when it can be
//! imported), which writes its JSON next to criterion's output; without it, the report reads the JSON
//! a previous run left. `--paired` also measures the overhead cases again, now, as paired comparisons
//! (each toolkit case alternating with its native twin, 51 runs each, or `--rounds N`), which cancels
//! the drift of the machine between two criterion benches. `--criterion-dir DIR` reads another output
//! directory.

use std::path::PathBuf;
use std::process::{Command, ExitCode};

use rosetta_workloads::report::{self, Estimates};

const USAGE: &str =
    "usage: overhead-report [--python] [--paired] [--rounds N] [--criterion-dir DIR]";

fn main() -> ExitCode {
    // The paired one-time start of a global runtime is measured in fresh processes of this binary.
    if rosetta_workloads::fresh::serve_child() {
        return ExitCode::SUCCESS;
    }
    let mut run_python = false;
    let mut paired = false;
    let mut rounds = 51;
    let mut dir = report::default_criterion_dir();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--python" => run_python = true,
            "--paired" => paired = true,
            "--rounds" => match args.next().and_then(|value| value.parse().ok()) {
                Some(value) => rounds = value,
                None => return usage(),
            },
            "--criterion-dir" => match args.next() {
                Some(value) => dir = PathBuf::from(value),
                None => return usage(),
            },
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            _ => return usage(),
        }
    }
    if run_python {
        let script =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../benches/python/baseline.py");
        let status = Command::new("python3")
            .arg(&script)
            .arg("--out")
            .arg(dir.join(report::PYTHON_BASELINE))
            .status();
        match status {
            Ok(status) if status.success() => {}
            Ok(status) => {
                eprintln!("{} failed: {status}", script.display());
                return ExitCode::FAILURE;
            }
            Err(error) => {
                eprintln!("cannot run python3 {}: {error}", script.display());
                return ExitCode::FAILURE;
            }
        }
    }
    match report::render(&Estimates::new(dir)) {
        Ok(text) => print!("{text}"),
        Err(error) => {
            eprintln!("overhead-report: {error}");
            return ExitCode::FAILURE;
        }
    }
    if paired {
        if cfg!(debug_assertions) {
            eprintln!("overhead-report: built without optimizations; run it with --release");
        }
        println!(
            "### Abstraction overhead, paired: toolkit ÷ native measured now, alternating \
             ({rounds} runs each, medians; target ≤ {:.2})\n",
            report::OVERHEAD_TARGET
        );
        match report::paired_overhead(rounds) {
            Ok(text) => println!("{text}\n"),
            Err(error) => {
                eprintln!("overhead-report: {error}");
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}

fn usage() -> ExitCode {
    eprintln!("{USAGE}");
    ExitCode::from(2)
}
