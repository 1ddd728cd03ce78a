//! Parity with CPython: every scenario, on every runtime, against the reference program run by the
//! python3 on this machine. A runtime passes with CPython's lines at CPython's instants, or with the
//! difference its scenario documents (and what must hold then).
//!
//! CPython is itself nondeterministic under load: lines of one instant can be printed far apart, and ties
//! between timers break differently, which changes what the seeded programs draw. A real difference is
//! systematic; so a mismatch is tried again, with fresh runs of both programs, up to [`ATTEMPTS`] times,
//! and the test fails only if every attempt differs.
//!
//! Without python3 these tests say so and pass, except under CI (`CI` set), where python3 must be there.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use rosetta_harness::{RunRequest, Verdict, judge, python, run};
use rosetta_runtimes::{Runtime, conformance};
use rosetta_scenarios::{Echo, Line, ScenarioInfo};

type Reference = Arc<OnceLock<Result<Arc<Vec<Line>>, String>>>;

/// How many times a mismatch is tried again with fresh runs of both programs.
const ATTEMPTS: usize = 3;

/// CPython's transcript of `scenario`, run once for all runtimes; `None` if there is no python3.
fn reference(scenario: &'static ScenarioInfo) -> Option<Arc<Vec<Line>>> {
    static CACHE: OnceLock<Mutex<HashMap<&'static str, Reference>>> = OnceLock::new();
    let cell = {
        let mut cache = CACHE
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        Arc::clone(cache.entry(scenario.id).or_default())
    };
    let outcome = cell.get_or_init(|| {
        python::test_transcript(scenario)
            .map(Arc::new)
            .map_err(|error| error.to_string())
    });
    match outcome {
        Ok(lines) => Some(Arc::clone(lines)),
        Err(error) if python::interpreter().is_none() => {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI must have python3: {error}"
            );
            eprintln!("skipped: {error}");
            None
        }
        Err(error) => panic!("the reference program failed: {error}"),
    }
}

/// Runs `scenario` on `R` and judges it against CPython.
fn check<R: Runtime>(scenario: &str) {
    let scenario = rosetta_scenarios::find(scenario).expect("a registered scenario");
    let Some(reference) = reference(scenario) else {
        return;
    };
    let request = RunRequest::at_test_scale(scenario.id, R::INFO.id).expect("registered ids");
    let mut reference = reference;
    let mut failures = Vec::new();
    for attempt in 1..=ATTEMPTS {
        if attempt > 1 {
            reference = Arc::new(
                python::test_transcript(scenario)
                    .unwrap_or_else(|error| panic!("the reference program failed: {error}")),
            );
        }
        let port = run(&request, Echo::Quiet)
            .unwrap_or_else(|error| panic!("{} on {}: {error}", scenario.id, R::INFO.id));
        match judge(scenario, &R::INFO, &reference, &port) {
            Verdict::Pass | Verdict::DiffersAsDocumented(_) => return,
            Verdict::Fail(why) => failures.push(format!(
                "attempt {attempt}: {why}\nCPython:\n{}\n{}:\n{}",
                timed(&reference),
                R::INFO.id,
                timed(&port)
            )),
        }
    }
    panic!(
        "{} on {} differs from CPython in every attempt:\n{}",
        scenario.id,
        R::INFO.id,
        failures.join("\n")
    );
}

/// A transcript as `time  line` rows.
fn timed(lines: &[Line]) -> String {
    let rows: Vec<String> = lines
        .iter()
        .map(|line| format!("{:9.3}  {}", line.t, line.text))
        .collect();
    rows.join("\n")
}

#[test]
fn every_scenario_has_a_parity_test_and_a_reference_program() {
    let tests = include_str!("parity.rs");
    for scenario in rosetta_scenarios::SCENARIOS {
        assert!(
            tests.contains(&format!("fn {}() {{", scenario.id)),
            "no parity test for {}",
            scenario.id
        );
        assert!(
            python::repo_root().join(scenario.python_path()).is_file(),
            "no {}",
            scenario.python_path()
        );
    }
}

conformance! {
    #[test]
    fn countasync() { check::<Rt>("countasync") }
    #[test]
    fn countsync() { check::<Rt>("countsync") }
    #[test]
    fn nested() { check::<Rt>("nested") }
    #[test]
    fn makerandom() { check::<Rt>("makerandom") }
    #[test]
    fn chained() { check::<Rt>("chained") }
    #[test]
    fn asyncq() { check::<Rt>("asyncq") }
    #[test]
    fn say_after() { check::<Rt>("say_after") }
    #[test]
    fn executor() { check::<Rt>("executor") }
    #[test]
    fn callbacks() { check::<Rt>("callbacks") }
    #[test]
    fn context() { check::<Rt>("context") }
    #[test]
    fn agen() { check::<Rt>("agen") }
    #[test]
    fn blocking() { check::<Rt>("blocking") }
    #[test]
    fn wait_for() { check::<Rt>("wait_for") }
    #[test]
    fn loop_overhead() { check::<Rt>("loop_overhead") }
    #[test]
    fn chess() { check::<Rt>("chess") }
    #[test]
    fn waker() { check::<Rt>("waker") }
}
