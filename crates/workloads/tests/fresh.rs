//! A global runtime's one-time start is measured in a fresh process: this test binary starts itself
//! again, answers in the child through `fresh::serve_child`, and the parent reads the answer.
//!
//! Its own harness, because the child must answer before any test harness parses arguments.

use rosetta_runtimes::RUNTIMES;
use rosetta_workloads::{Case, Target, Workload, supports};

fn main() {
    if rosetta_workloads::fresh::serve_child() {
        return;
    }
    let (mut passed, mut failed) = (0, 0);
    // Every one-time start the table admits (a global runtime's, through the trait and natively).
    for info in RUNTIMES {
        for target in [Target::Toolkit(info.id), Target::Native(info.id)] {
            if supports(target, &Workload::FirstStart).is_err() {
                continue;
            }
            let case = Case::new(target, Workload::FirstStart);
            let outcome = case.bench().and_then(|mut bench| bench.run(2));
            match outcome {
                Ok(_) => {
                    println!("test {case} ... ok");
                    passed += 1;
                }
                Err(error) => {
                    println!("test {case} ... FAILED: {error}");
                    failed += 1;
                }
            }
        }
    }
    println!("{passed} passed, {failed} failed");
    if failed > 0 || passed == 0 {
        std::process::exit(1);
    }
}
