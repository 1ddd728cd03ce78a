//! The Python asyncio walkthrough's programs (the scenarios), each written once over the [`Runtime`]
//! trait and mirroring one reference program of `reference/python/`, whose CPython output is the
//! behaviour to reproduce line for line.
//!
//! A scenario prints through a [`Transcript`] (never `println!`), sleeps through [`Ctx`] ([`Ctx::sleep`],
//! [`Ctx::sleep_until`], [`Ctx::block`], [`Ctx::block_until`]: the program's seconds times the time scale), and draws random numbers from [`PyRandom`], CPython's own
//! generator, so that the seeded programs draw what CPython draws.
//!
//! The list of scenarios is [`SCENARIOS`], built by one macro invocation in this file; [`run`] runs one
//! on the runtime `R`.
//!
//! # Examples
//!
//! ```
//! use rosetta_scenarios::{Ctx, Echo, TimeScale};
//! # use rosetta_runtimes::rosetta_smol::Smol as Rt;
//!
//! let ctx = Ctx::new(TimeScale::new(0.001).unwrap(), Echo::Quiet);
//! let info = rosetta_scenarios::find("countasync").unwrap();
//! rosetta_scenarios::run::<Rt>(info, &ctx).unwrap();
//! assert_eq!(ctx.out.texts()[..6], ["One", "One", "One", "Two", "Two", "Two"]);
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]

pub mod echo;
pub mod http;
pub mod parity;
pub mod pyrandom;
pub mod transcript;

use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use rosetta_asyncio::{GatherError, JoinError, Runtime};
use rosetta_ids::Registry;
use rosetta_rt::{Config, RuntimeError};

pub use parity::{Expect, Flavor};
pub use pyrandom::PyRandom;
pub use transcript::{Echo, Line, TimeScale, Transcript};

/// The seed the originals pass to `random.seed`.
pub const DEFAULT_SEED: u64 = 444;

/// What a scenario is: its id, the Python program it mirrors, and how its output is checked.
#[derive(Debug, Clone, Copy)]
pub struct ScenarioInfo {
    /// The id used by the CLI, the examples, the tests and the docs; also the reference's file stem.
    pub id: &'static str,
    /// Which program of the seeds it mirrors.
    pub mirrors: &'static str,
    /// What it shows, in one line.
    pub summary: &'static str,
    /// The time scale the parity test runs it at (real seconds per logical second).
    pub test_scale: f64,
    /// Whether it takes `--seed` (it draws random numbers).
    pub seeded: bool,
    /// Its own arguments, as the Python program's argparse takes them, each with its limits: the parser
    /// that checks them before the program runs, and whose `--help` documents them.
    pub args: fn() -> clap::Command,
    /// The arguments the parity test runs both programs with (the defaults, or smaller sizes).
    pub test_args: &'static [&'static str],
    /// What it must print compared with CPython, on a runtime of the given flavor.
    pub expect: fn(Flavor) -> Expect,
    /// The program's own checks of what it printed, on every runtime, with or without CPython to compare
    /// with: the figures its story depends on (chess: about 1 hour async).
    pub verify: fn(&[String]) -> Result<(), String>,
}

/// No checks of its own: the comparison with CPython says it all.
pub fn no_checks(_: &[String]) -> Result<(), String> {
    Ok(())
}

/// The parser of a program that takes no arguments of its own.
pub fn no_args() -> clap::Command {
    clap::Command::new("program").about("This program takes no arguments of its own.")
}

/// The usual expectation: CPython's lines at CPython's instants, on every runtime.
pub fn same_everywhere(_: Flavor) -> Expect {
    Expect::Same
}

/// Whether tasks of a runtime of this flavor run in parallel on several threads.
pub fn parallel(flavor: Flavor) -> bool {
    !matches!(flavor, Flavor::CurrentThread)
}

impl ScenarioInfo {
    /// The reference program's path, relative to the repository root.
    pub fn python_path(&self) -> String {
        format!("reference/python/{}.py", self.id)
    }

    /// The reference program's file name, as usage lines name it (`asyncq.py`).
    pub fn program(&self) -> String {
        format!("{}.py", self.id)
    }

    /// Checks the scenario's own arguments against its parser and their limits, before anything runs.
    ///
    /// # Errors
    ///
    /// [`ScenarioError::Help`] for `--help` (the usage, with every limit), and [`ScenarioError::Args`]
    /// with what was wrong and what is valid.
    ///
    /// ```
    /// let asyncq = rosetta_scenarios::find("asyncq").unwrap();
    /// assert!(asyncq.check_args(&["-p", "2", "-c", "5"]).is_ok());
    /// let error = asyncq.check_args(&["-p", "100000000000"]).unwrap_err().to_string();
    /// assert!(error.contains("0..=1000"), "{error}");
    /// let countasync = rosetta_scenarios::find("countasync").unwrap();
    /// assert!(countasync.check_args(&["extra"]).is_err());
    /// ```
    pub fn check_args<S: AsRef<str>>(&self, args: &[S]) -> Result<(), ScenarioError> {
        let command = (self.args)();
        let words =
            std::iter::once(self.program()).chain(args.iter().map(|arg| arg.as_ref().to_owned()));
        command
            .clone()
            .try_get_matches_from(words)
            .map(drop)
            .map_err(|error| args_error(&command, &error))
    }
}

/// The scenario error for a clap error: help is not a failure, and a count over its limit names it.
fn args_error(command: &clap::Command, error: &clap::Error) -> ScenarioError {
    use clap::error::ErrorKind;
    let rendered = error.render().to_string();
    // The caller says which program and that it is an error: clap's own prefix would say it twice.
    let message = rendered
        .strip_prefix("error: ")
        .unwrap_or(&rendered)
        .to_owned();
    match error.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => ScenarioError::Help(rendered),
        ErrorKind::TooManyValues => {
            // clap says only "no more were expected": say how many are.
            let limits: Vec<String> = command
                .get_arguments()
                .filter_map(|arg| {
                    let most = arg.get_num_args()?.max_values();
                    let name = arg.get_value_names()?.first()?;
                    (most < usize::MAX).then(|| format!("{name}: at most {most} values"))
                })
                .collect();
            ScenarioError::Args(format!("{}, see --help\n{message}", limits.join("; ")))
        }
        _ => ScenarioError::Args(message),
    }
}

/// Why a scenario did not run to its end.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// Its arguments are invalid; the message says what is valid.
    #[error("{0}")]
    Args(String),
    /// `--help` was asked for: the usage, with every argument's limits (not a failure).
    #[error("{0}")]
    Help(String),
    /// The loop could not be created.
    #[error(transparent)]
    Runtime(#[from] RuntimeError),
    /// A task of the scenario panicked or was cancelled where it should not have been.
    #[error("a task failed: {0}")]
    Task(#[from] JoinError),
    /// Something the program checks did not hold.
    #[error("{0}")]
    Failed(String),
}

impl<E: fmt::Display> From<GatherError<E>> for ScenarioError {
    fn from(error: GatherError<E>) -> Self {
        match error {
            GatherError::Task { error, .. } => ScenarioError::Task(error),
            GatherError::Failed { index, error } => {
                ScenarioError::Failed(format!("child {index} of a gather failed: {error}"))
            }
        }
    }
}

/// What a scenario runs with: where it prints, its seed, its own arguments, and the loop's config.
///
/// Cheap to clone: tasks take a clone.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// Where the scenario prints.
    pub out: Transcript,
    /// The seed for `random.seed` (default [`DEFAULT_SEED`]).
    pub seed: u64,
    /// The scenario's own arguments (`chained 1 2 3`, `asyncq -p 2 -c 5`), without the program name.
    pub args: Arc<Vec<String>>,
    /// How to build the loop.
    pub config: Config,
}

impl Ctx {
    /// A context with the default seed, no arguments and the default loop config.
    pub fn new(scale: TimeScale, echo: Echo) -> Self {
        Ctx {
            out: Transcript::new(scale, echo),
            seed: DEFAULT_SEED,
            args: Arc::new(Vec::new()),
            config: Config::default(),
        }
    }

    /// This context with a seed.
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// This context with the scenario's own arguments.
    pub fn with_args<S: Into<String>>(mut self, args: impl IntoIterator<Item = S>) -> Self {
        self.args = Arc::new(args.into_iter().map(Into::into).collect());
        self
    }

    /// This context with a loop config.
    pub fn with_config(mut self, config: Config) -> Self {
        self.config = config;
        self
    }

    /// Prints a line (the program's `print`).
    pub fn say(&self, line: impl Into<String>) {
        self.out.say(line);
    }

    /// Sleeps `logical_seconds` of the program's time (`asyncio.sleep`), without blocking the loop.
    ///
    /// `asyncio.sleep(0)` always lets the other ready tasks run once; a runtime's zero-length timer may
    /// not (async-io's completes at once, tokio's waits for its next 1 ms tick), so zero is a yield.
    pub fn sleep<R: Runtime>(
        &self,
        logical_seconds: f64,
    ) -> impl Future<Output = ()> + Send + 'static {
        let duration = self.out.real(logical_seconds);
        async move {
            if duration.is_zero() {
                R::yield_now().await;
            } else {
                R::sleep(duration).await;
            }
        }
    }

    /// Sleeps until `deadline` without blocking the loop: the clock of a program that schedules its
    /// steps at instants (`loop.call_at`, or `sleep(end - loop.time())`), so that timer lateness does not
    /// add up over many steps. See [`Ctx::at`] for the instant a logical time falls on.
    pub fn sleep_until<R: Runtime>(
        &self,
        deadline: Instant,
    ) -> impl Future<Output = ()> + Send + 'static {
        R::sleep_until(deadline)
    }

    /// Blocks the thread for `logical_seconds` of the program's time (`time.sleep`).
    ///
    /// Also what a blocking closure handed to an executor, or a thread of the program's own, sleeps with.
    pub fn block(&self, logical_seconds: f64) {
        std::thread::sleep(self.out.real(logical_seconds));
    }

    /// Blocks the thread until `deadline` (`time.sleep(end - time.monotonic())`).
    pub fn block_until(&self, deadline: Instant) {
        std::thread::sleep(deadline.saturating_duration_since(Instant::now()));
    }

    /// The instant `logical_seconds` of the program's time after `start`.
    pub fn at(&self, start: Instant, logical_seconds: f64) -> Instant {
        let real = self.out.real(logical_seconds);
        // An instant too far to represent is a year away: later than any bounded argument reaches.
        start
            .checked_add(real)
            .unwrap_or(start + Duration::from_secs(365 * 24 * 3600))
    }

    /// `asyncio.run(main)`: creates a loop of `R`, runs `main` on it, closes it.
    ///
    /// # Errors
    ///
    /// [`ScenarioError::Runtime`] if the loop cannot be created.
    pub fn asyncio_run<R: Runtime, F: Future>(&self, main: F) -> Result<F::Output, ScenarioError> {
        let rt = R::create(&self.config)?;
        let output = rt.block_on(main);
        rt.close();
        Ok(output)
    }

    /// The generator of `random.seed(self.seed)`, shareable between tasks.
    pub fn random(&self) -> SharedRandom {
        SharedRandom(Arc::new(Mutex::new(PyRandom::new(self.seed))))
    }

    /// Parses the scenario's own arguments with clap, as the Python program's argparse does.
    ///
    /// # Errors
    ///
    /// [`ScenarioError::Args`] with clap's message (what was wrong, and the usage), or
    /// [`ScenarioError::Help`] for `--help`.
    pub fn parse_args<A: clap::Parser>(&self, program: &str) -> Result<A, ScenarioError> {
        A::try_parse_from(std::iter::once(program.to_owned()).chain(self.args.iter().cloned()))
            .map_err(|error| args_error(&A::command(), &error))
    }
}

/// CPython's module-level `random`, shared by the tasks of one program.
#[derive(Debug, Clone)]
pub struct SharedRandom(Arc<Mutex<PyRandom>>);

impl SharedRandom {
    /// `random.randint(a, b)`.
    pub fn randint(&self, a: i64, b: i64) -> i64 {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .randint(a, b)
    }
}

/// Calls the macro `callback` with the list of scenarios: **the** scenario registry.
///
/// The callback receives `[args] module => info; ...`, one entry per scenario in the order the
/// walkthrough meets them: the scenario's module (named as its id) and the path of its [`ScenarioInfo`].
/// This crate declares the modules and [`SCENARIOS`] from it; the parity tests stamp one test per
/// scenario and runtime from it. To add a scenario, write its module and add its line here.
///
/// ```
/// macro_rules! count {
///     ([] $($module:ident => $info:path;)*) => { [$($info.id),*].len() };
/// }
/// assert_eq!(rosetta_scenarios::for_each_scenario!([count]), rosetta_scenarios::SCENARIOS.len());
/// ```
#[macro_export]
macro_rules! for_each_scenario {
    ([$($callback:tt)*] $($args:tt)*) => {
        $($callback)*! {
            [$($args)*]
            countasync => $crate::countasync::INFO;
            countsync => $crate::countsync::INFO;
            nested => $crate::nested::INFO;
            makerandom => $crate::makerandom::INFO;
            chained => $crate::chained::INFO;
            asyncq => $crate::asyncq::INFO;
            asyncq311 => $crate::asyncq311::INFO;
            say_after => $crate::say_after::INFO;
            executor => $crate::executor::INFO;
            callbacks => $crate::callbacks::INFO;
            context => $crate::context::INFO;
            agen => $crate::agen::INFO;
            blocking => $crate::blocking::INFO;
            wait_for => $crate::wait_for::INFO;
            loop_overhead => $crate::loop_overhead::INFO;
            chess => $crate::chess::INFO;
            waker => $crate::waker::INFO;
            echo_server => $crate::echo_server::INFO;
            echo_client => $crate::echo_client::INFO;
            areq => $crate::areq::INFO;
        }
    };
}

macro_rules! scenarios {
    ([] $($module:ident => $info:path;)*) => {
        $(pub mod $module;)*

        /// Every scenario, in the order the walkthrough meets them.
        pub const SCENARIOS: &[ScenarioInfo] = &[$($info),*];

        /// Runs the scenario `info` on the runtime `R`: the whole program, loop creation included, as
        /// `python3 <scenario>.py` would.
        ///
        /// # Errors
        ///
        /// Whatever stopped the program: bad arguments (checked first, by [`ScenarioInfo::check_args`]), a
        /// loop that could not be created, a failed task.
        pub fn run<R: Runtime + rosetta_rt::Io>(info: &ScenarioInfo, ctx: &Ctx) -> Result<(), ScenarioError> {
            info.check_args(&ctx.args)?;
            $(
                if info.id == $info.id {
                    return $module::run::<R>(ctx);
                }
            )*
            Err(ScenarioError::Failed(REGISTRY.unknown(info.id).to_string()))
        }
    };
}

for_each_scenario!([scenarios]);

/// The scenarios as a registry of ids: lookup, selection, and errors that list the valid ids.
pub static REGISTRY: Registry<ScenarioInfo> =
    Registry::new("scenario", "scenarios", SCENARIOS, |info| info.id);

/// An id that names no scenario; its message lists the valid ones.
pub type UnknownScenario = rosetta_ids::Unknown<ScenarioInfo>;

/// The ids of every scenario, in order.
pub fn ids() -> Vec<&'static str> {
    REGISTRY.ids()
}

/// The scenario whose id is `id`.
///
/// # Errors
///
/// [`UnknownScenario`], whose message lists the valid ids.
pub fn find(id: &str) -> Result<&'static ScenarioInfo, UnknownScenario> {
    REGISTRY.find(id)
}

/// Parses a scenario selection: `all`, or ids separated by commas, in the order given, without
/// repeats (as `rosetta_runtimes::select` does for runtimes).
///
/// # Errors
///
/// [`UnknownScenario`] for the first id that names no scenario.
///
/// ```
/// let picked = rosetta_scenarios::select("chess, countasync, chess").unwrap();
/// assert_eq!(picked.iter().map(|info| info.id).collect::<Vec<_>>(), ["chess", "countasync"]);
/// assert_eq!(rosetta_scenarios::select("all").unwrap().len(), rosetta_scenarios::SCENARIOS.len());
/// assert!(rosetta_scenarios::select("countasync,nope").is_err());
/// ```
pub fn select(selection: &str) -> Result<Vec<&'static ScenarioInfo>, UnknownScenario> {
    REGISTRY.select(selection)
}
