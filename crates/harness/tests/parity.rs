//! Parity with CPython: every scenario, on every runtime, against the reference program run by the
//! python3 on this machine. A runtime passes with CPython's lines at CPython's instants, or with the
//! difference its scenario documents (and what must hold then).
//!
//! The tests are stamped from the two registries, scenario × runtime: `for_each_scenario!` and
//! `for_each_runtime!` give one test per pair, named `<scenario>::<runtime>` (`asyncq::smol_mt`), so a
//! new scenario or runtime is checked without a line here.
//!
//! CPython is itself nondeterministic under load: lines of one instant can be printed far apart, and ties
//! between timers break differently, which changes what the seeded programs draw. A real difference is
//! systematic; so a mismatch is tried again, with fresh runs of both programs, up to [`ATTEMPTS`] times,
//! and the test fails only if every attempt differs.
//!
//! The crawler (`areq`) is compared with CPython's `areq.py` run by the project's venv (aiohttp,
//! aiofiles) on the fixture site; without the venv its tests are ignored, each saying
//! "skipped: aiohttp not installed" and why (under CI they fail).
//!
//! Without python3 there is nothing to compare with: every test is reported as ignored, with the reason,
//! and a line says how many were skipped. Under CI (`CI` set) python3 must be there: the test
//! `python3_is_there` fails without it.

use std::collections::HashMap;
use std::process::ExitCode;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use libtest_mimic::{Arguments, Completion, Failed, Trial};
use rosetta_harness::{RunRequest, Verdict, judge, python, run};
use rosetta_runtimes::Runtime;
use rosetta_scenarios::{Echo, Line, ScenarioInfo};

type Reference = Arc<OnceLock<Result<Arc<Vec<Line>>, String>>>;

/// How many times a mismatch is tried again with fresh runs of both programs.
const ATTEMPTS: usize = 3;

/// CPython's transcript of `scenario`, run once for all runtimes.
fn reference(scenario: &'static ScenarioInfo) -> Result<Arc<Vec<Line>>, Failed> {
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
        Ok(lines) => Ok(Arc::clone(lines)),
        Err(error) => Err(format!("the reference program failed: {error}").into()),
    }
}

/// Runs `scenario` on `R` and judges it against CPython; ignored, with the reason, without python3.
fn check<R: Runtime>(scenario: &'static ScenarioInfo) -> Result<Completion, Failed> {
    if python::interpreter().is_none() {
        return Ok(Completion::ignored_with(python::PythonError::Missing));
    }
    if scenario.id == rosetta_harness::crawl::SCENARIO {
        // The crawler's reference imports aiohttp and aiofiles: the project's venv must be there.
        if let Err(why) = python::packages_interpreter() {
            let skipped = python::PythonError::NoPackages(why.to_string());
            if std::env::var_os("CI").is_some() {
                return Err(format!("CI must have the project's venv: {skipped}").into());
            }
            eprintln!("{} on {}: {skipped}", scenario.id, R::INFO.id);
            return Ok(Completion::ignored_with(skipped));
        }
    }
    let mut reference = reference(scenario)?;
    let request = RunRequest::at_test_scale(scenario.id, R::INFO.id)?;
    let mut failures = Vec::new();
    for attempt in 1..=ATTEMPTS {
        if attempt > 1 {
            reference = Arc::new(
                python::test_transcript(scenario)
                    .map_err(|error| format!("the reference program failed: {error}"))?,
            );
        }
        let port = run(&request, Echo::Quiet)
            .map_err(|error| format!("{} on {}: {error}", scenario.id, R::INFO.id))?;
        match judge(scenario, &R::INFO, &reference, &port) {
            Verdict::Pass | Verdict::DiffersAsDocumented(_) => return Ok(Completion::Completed),
            Verdict::Fail(why) => failures.push(format!(
                "attempt {attempt}: {why}\nCPython:\n{}\n{}:\n{}",
                timed(&reference),
                R::INFO.id,
                timed(&port)
            )),
        }
    }
    Err(format!(
        "{} on {} differs from CPython in every attempt:\n{}",
        scenario.id,
        R::INFO.id,
        failures.join("\n")
    )
    .into())
}

/// A transcript as `time  line` rows.
fn timed(lines: &[Line]) -> String {
    let rows: Vec<String> = lines
        .iter()
        .map(|line| format!("{:9.3}  {}", line.t, line.text))
        .collect();
    rows.join("\n")
}

/// Every scenario has its reference program, where the harness runs it from.
fn every_scenario_has_a_reference_program() -> Result<(), Failed> {
    for scenario in rosetta_scenarios::SCENARIOS {
        let program = python::repo_root().join(scenario.python_path());
        if !program.is_file() {
            return Err(format!("no {}", program.display()).into());
        }
    }
    Ok(())
}

/// Under CI, python3 must be there: without it the parity tests would check nothing.
fn python3_is_there() -> Result<Completion, Failed> {
    match python::interpreter() {
        Some(_) => Ok(Completion::Completed),
        None if std::env::var_os("CI").is_some() => {
            Err(format!("CI must have python3: {}", python::PythonError::Missing).into())
        }
        None => Ok(Completion::ignored_with(python::PythonError::Missing)),
    }
}

/// One trial per runtime for the scenario `$info`, named `<scenario>::<runtime module>`.
macro_rules! runtime_trials {
    ([$trials:ident $scenario:ident $info:path] $($runtime:ident => $ty:ty;)*) => {
        $(
            $trials.push(Trial::ignorable_test(
                concat!(stringify!($scenario), "::", stringify!($runtime)),
                || check::<$ty>(&$info),
            ));
        )*
    };
}

/// The trials of every scenario on every runtime.
macro_rules! scenario_trials {
    ([$trials:ident] $($scenario:ident => $info:path;)*) => {
        $(rosetta_runtimes::for_each_runtime!([runtime_trials] $trials $scenario $info);)*
    };
}

fn main() -> ExitCode {
    let args = Arguments::from_args();
    let mut trials = vec![
        Trial::test(
            "every_scenario_has_a_reference_program",
            every_scenario_has_a_reference_program,
        ),
        Trial::ignorable_test("python3_is_there", python3_is_there),
    ];
    let before = trials.len();
    rosetta_scenarios::for_each_scenario!([scenario_trials] trials);
    let stamped = trials.len() - before;
    let conclusion = libtest_mimic::run(&args, trials);
    if python::interpreter().is_none() && !args.list {
        // Said last, under the summary, so that nobody takes the run for a check.
        eprintln!(
            "SKIPPED: {} tests ignored, nothing was compared with CPython ({stamped} parity tests, \
             scenario × runtime): {}",
            conclusion.num_ignored,
            python::PythonError::Missing
        );
    }
    conclusion.exit_code()
}
