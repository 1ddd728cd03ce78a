//! `rosetta run <scenario>` and the examples: one definition of the flags, one way to run.

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser};
use rosetta_runtimes::RuntimeInfo;
use rosetta_scenarios::{Echo, ScenarioError, ScenarioInfo, TimeScale};

use crate::RunRequest;

/// Runs one scenario on one runtime, or on each in turn.
#[derive(Debug, Clone, clap::Args)]
pub struct RunArgs {
    /// The runtime: one of the registry's ids, or `all` to run on each in turn.
    #[arg(long, short = 'r', default_value = "tokio")]
    pub runtime: String,
    /// Real seconds per logical second of the program, from 0.00001 to 100 (1.0 runs as the Python
    /// original does).
    #[arg(long, default_value_t = 1.0, allow_negative_numbers = true)]
    pub time_scale: f64,
    /// `random.seed` for the scenarios that draw random numbers: an integer from 0 to 2^64 - 1.
    #[arg(long, default_value_t = rosetta_scenarios::DEFAULT_SEED)]
    pub seed: u64,
    /// Print each line with its logical time, as the Python originals do with ROSETTA_TRANSCRIPT=1.
    #[arg(long)]
    pub timed: bool,
    /// The scenario's own arguments (e.g. `-p 2 -c 5` for asyncq), after `--` if they start with `-`;
    /// `-- --help` lists them with their limits.
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "ARGS"
    )]
    pub args: Vec<String>,
}

/// A `rosetta run` command line, checked: what it runs, every value within its limits.
#[derive(Debug, Clone)]
pub struct Checked {
    /// The scenario.
    pub scenario: &'static ScenarioInfo,
    /// The runtimes to run it on, in turn.
    pub runtimes: Vec<&'static RuntimeInfo>,
    /// The time scale.
    pub scale: TimeScale,
}

/// Why a `rosetta run` command line does not run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Usage {
    /// The scenario's own `--help`: its arguments and their limits (not a failure).
    #[error("{0}")]
    Help(String),
    /// Something is invalid; the message names it and what is valid.
    #[error("{0}")]
    Invalid(String),
}

/// Checks `scenario` and `args` before anything runs: the ids, the time scale, the scenario's own
/// arguments and their limits.
///
/// # Errors
///
/// [`Usage::Invalid`] naming what was wrong and what is valid; [`Usage::Help`] for the scenario's
/// `--help`.
pub fn check(scenario: &str, args: &RunArgs) -> Result<Checked, Usage> {
    let invalid = |message: String| Usage::Invalid(message);
    let runtimes = rosetta_runtimes::select(&args.runtime)
        .map_err(|error| invalid(format!("--runtime: {error}")))?;
    let scale = TimeScale::new(args.time_scale)
        .map_err(|error| invalid(format!("--time-scale: {error}")))?;
    let scenario = rosetta_scenarios::find(scenario).map_err(|error| invalid(error.to_string()))?;
    match scenario.check_args(&args.args) {
        Ok(()) => {}
        Err(ScenarioError::Help(help)) => return Err(Usage::Help(help)),
        Err(error) => return Err(invalid(format!("{}: {error}", scenario.id))),
    }
    Ok(Checked {
        scenario,
        runtimes,
        scale,
    })
}

/// Runs `scenario` as `args` say; prints errors on stderr and returns the exit code: 0 if every run
/// succeeded, 1 if one failed, 2 for bad input (unknown runtime, a time scale or scenario argument out of
/// its limits).
pub fn run_scenario(scenario: &str, args: &RunArgs) -> ExitCode {
    let Checked {
        scenario,
        runtimes,
        scale,
    } = match check(scenario, args) {
        Ok(checked) => checked,
        Err(Usage::Help(help)) => {
            print!("{help}");
            return ExitCode::SUCCESS;
        }
        Err(Usage::Invalid(message)) => return usage_error(&message),
    };
    let echo = if args.timed { Echo::Timed } else { Echo::Lines };
    let mut code = ExitCode::SUCCESS;
    for (i, runtime) in runtimes.iter().enumerate() {
        if runtimes.len() > 1 {
            if i > 0 {
                println!();
            }
            let note = runtime
                .discontinued
                .map_or(String::new(), |why| format!(" ({why})"));
            println!("== {} on {}{note}", scenario.id, runtime.id);
        }
        let request = RunRequest {
            scenario,
            runtime,
            scale,
            seed: args.seed,
            args: args.args.clone(),
        };
        if let Err(error) = crate::run(&request, echo) {
            eprintln!("{} on {}: {error}", scenario.id, runtime.id);
            if matches!(error, ScenarioError::Args(_)) {
                return ExitCode::from(2);
            }
            code = ExitCode::FAILURE;
        }
    }
    code
}

fn usage_error(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(2)
}

/// The flags of an example: those of `rosetta run`, for one scenario.
#[derive(Debug, Parser)]
struct ExampleCli {
    #[command(flatten)]
    run: RunArgs,
}

/// The whole `main` of an example: parses the flags and runs `scenario`.
pub fn example_main(scenario: &str) -> ExitCode {
    // The scenario's own name and summary head the example's `--help`.
    let command = rosetta_scenarios::find(scenario).map_or_else(
        |_| ExampleCli::command(),
        |info| ExampleCli::command().name(info.id).about(info.summary),
    );
    let parsed = command
        .try_get_matches()
        .and_then(|matches| ExampleCli::from_arg_matches(&matches));
    match parsed {
        Ok(cli) => run_scenario(scenario, &cli.run),
        Err(error) => {
            let _ = error.print();
            if error.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            }
        }
    }
}

/// `rosetta serve-fixture`: serves the crawler's fixture site, so that another program (CPython's
/// `areq.py`) can crawl it.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// The runtime that serves it: one of the registry's ids.
    #[arg(long, short = 'r', default_value = "tokio")]
    pub runtime: String,
    /// Real seconds per logical second (the slow page takes two logical seconds), from 0.00001 to 100.
    #[arg(long, default_value_t = 1.0, allow_negative_numbers = true)]
    pub time_scale: f64,
    /// How long it serves, in real seconds, from 1 to 3600; it stops by itself then.
    #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub seconds: u64,
}

/// Serves the fixture as `args` say: prints its address and the path of its URL file, serves until
/// its time is over; 2 for bad input, 1 if it cannot serve.
pub fn serve_fixture(args: &ServeArgs) -> ExitCode {
    let runtime = match rosetta_runtimes::lookup(&args.runtime) {
        Ok(runtime) => runtime,
        Err(error) => return usage_error(&format!("--runtime: {error}")),
    };
    let scale = match TimeScale::new(args.time_scale) {
        Ok(scale) => scale,
        Err(error) => return usage_error(&format!("--time-scale: {error}")),
    };
    let lifetime = std::time::Duration::from_secs(args.seconds);
    let served = match crate::crawl::serve(runtime.id, scale, lifetime) {
        Ok(served) => served,
        Err(error) => {
            eprintln!("serve-fixture: {error}");
            return ExitCode::FAILURE;
        }
    };
    let file = rosetta_scenarios::areq::scratch_dir("fixture").map(|dir| dir.join("urls.txt"));
    let text: String = served.urls.iter().map(|url| format!("{url}\n")).collect();
    let file = match file.and_then(|file| std::fs::write(&file, text).map(|()| file)) {
        Ok(file) => file,
        Err(error) => {
            eprintln!("serve-fixture: cannot write the URL file: {error}");
            return ExitCode::FAILURE;
        }
    };
    println!(
        "serving http://{}/ on {} for {} s",
        served.addr, runtime.id, args.seconds
    );
    println!("urls: {}", file.display());
    println!(
        "crawl it: python3 reference/python/areq.py --urls {} --out foundurls.txt",
        file.display()
    );
    std::thread::sleep(lifetime);
    served.stop();
    ExitCode::SUCCESS
}
