//! Runs scenarios on runtimes chosen by id, runs the CPython originals, and judges parity between them:
//! the engine of the `rosetta run` command, of the examples, and of the parity test.
//!
//! # Examples
//!
//! ```
//! use rosetta_harness::{RunRequest, run};
//! use rosetta_scenarios::{Echo, TimeScale};
//!
//! let request = RunRequest::new("countasync", "smol").unwrap().with_scale(TimeScale::new(0.001).unwrap());
//! let lines = run(&request, Echo::Quiet).unwrap();
//! assert_eq!(lines.last().unwrap().text.split(" executed").next(), Some("countasync.py"));
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]

pub mod cli;
pub mod crawl;
pub mod interpreter;
pub mod python;
pub mod venv;

use rosetta_runtimes::{Io, IoVisitor, Runtime, RuntimeInfo, UnknownRuntime};
use rosetta_scenarios::{
    Ctx, Echo, Expect, Line, ScenarioError, ScenarioInfo, TimeScale, UnknownScenario, parity,
};

/// One run: which scenario, on which runtime, with what.
#[derive(Debug, Clone)]
pub struct RunRequest {
    /// The scenario.
    pub scenario: &'static ScenarioInfo,
    /// The runtime.
    pub runtime: &'static RuntimeInfo,
    /// Real seconds per logical second.
    pub scale: TimeScale,
    /// `random.seed`.
    pub seed: u64,
    /// The scenario's own arguments.
    pub args: Vec<String>,
}

/// A scenario or runtime id that names nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UnknownId {
    /// No such scenario; the message lists the valid ones.
    #[error(transparent)]
    Scenario(#[from] UnknownScenario),
    /// No such runtime; the message lists the valid ones.
    #[error(transparent)]
    Runtime(#[from] UnknownRuntime),
}

impl RunRequest {
    /// A run of `scenario` on `runtime` at real time, with the default seed and arguments.
    ///
    /// # Errors
    ///
    /// [`UnknownId`] if either id names nothing.
    pub fn new(scenario: &str, runtime: &str) -> Result<Self, UnknownId> {
        Ok(RunRequest {
            scenario: rosetta_scenarios::find(scenario)?,
            runtime: rosetta_runtimes::lookup(runtime)?,
            scale: TimeScale::REAL,
            seed: rosetta_scenarios::DEFAULT_SEED,
            args: Vec::new(),
        })
    }

    /// The run the parity checks make: `scenario` on `runtime` at the scenario's test scale, with its
    /// test arguments and the default seed.
    ///
    /// # Errors
    ///
    /// [`UnknownId`] if either id names nothing.
    pub fn at_test_scale(scenario: &str, runtime: &str) -> Result<Self, UnknownId> {
        let request = RunRequest::new(scenario, runtime)?;
        let (scale, args) = (test_scale(request.scenario), test_args(request.scenario));
        Ok(request.with_scale(scale).with_args(args))
    }

    /// This run at a time scale.
    pub fn with_scale(mut self, scale: TimeScale) -> Self {
        self.scale = scale;
        self
    }

    /// This run with a seed.
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// This run with the scenario's own arguments.
    pub fn with_args(mut self, args: Vec<String>) -> Self {
        self.args = args;
        self
    }
}

/// The time scale `scenario`'s parity is checked at.
pub fn test_scale(scenario: &ScenarioInfo) -> TimeScale {
    TimeScale::new(scenario.test_scale).expect("every scenario's test scale is a valid scale")
}

/// The arguments `scenario`'s parity is checked with.
pub fn test_args(scenario: &ScenarioInfo) -> Vec<String> {
    scenario
        .test_args
        .iter()
        .map(|arg| (*arg).to_owned())
        .collect()
}

/// Runs the scenario of `request` on its runtime, echoing its lines as asked; returns its transcript.
///
/// # Errors
///
/// Whatever stopped the scenario ([`ScenarioError`]).
pub fn run(request: &RunRequest, echo: Echo) -> Result<Vec<Line>, ScenarioError> {
    struct Visit<'a> {
        scenario: &'a ScenarioInfo,
        ctx: &'a Ctx,
    }
    impl IoVisitor for Visit<'_> {
        type Output = Result<(), ScenarioError>;
        fn visit<R: Runtime + Io>(self) -> Self::Output {
            rosetta_scenarios::run::<R>(self.scenario, self.ctx)
        }
    }
    let ctx = Ctx::new(request.scale, echo)
        .with_seed(request.seed)
        .with_args(request.args.iter().cloned());
    let visit = Visit {
        scenario: request.scenario,
        ctx: &ctx,
    };
    rosetta_runtimes::visit_io(request.runtime.id, visit)
        .map_err(|unknown| ScenarioError::Failed(unknown.to_string()))??;
    Ok(ctx.out.lines())
}

/// How a port's transcript compares with CPython's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The same lines at the same instants.
    Pass,
    /// Different in the way the scenario documents for this runtime, and what must hold does.
    DiffersAsDocumented(&'static str),
    /// Different otherwise: what differs.
    Fail(String),
}

/// Judges a port's lines by the scenario's own checks of its figures only: the verdict when there is
/// no CPython to compare with, and the first step of [`judge`].
pub fn own_checks(scenario: &ScenarioInfo, port: &[Line]) -> Verdict {
    let texts: Vec<String> = port.iter().map(|line| line.text.clone()).collect();
    match (scenario.verify)(&texts) {
        Ok(()) => Verdict::Pass,
        Err(what) => Verdict::Fail(format!("the program's own check failed: {what}")),
    }
}

/// Judges a port's lines against CPython's transcript, by what the scenario expects on `runtime`, after
/// the scenario's own checks of its figures.
pub fn judge(
    scenario: &ScenarioInfo,
    runtime: &RuntimeInfo,
    reference: &[Line],
    port: &[Line],
) -> Verdict {
    if let Verdict::Fail(why) = own_checks(scenario, port) {
        return Verdict::Fail(why);
    }
    let texts: Vec<String> = port.iter().map(|line| line.text.clone()).collect();
    match (scenario.expect)(runtime.flavor) {
        Expect::Same => match parity::compare(reference, &texts) {
            Ok(()) => Verdict::Pass,
            Err(mismatch) => Verdict::Fail(mismatch.to_string()),
        },
        Expect::Differs { why, check } => match check(reference, &texts) {
            Ok(()) => Verdict::DiffersAsDocumented(why),
            Err(what) => Verdict::Fail(format!("{why}; yet this does not hold: {what}")),
        },
    }
}
