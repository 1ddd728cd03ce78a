//! `rosetta run <scenario>` and the examples: one definition of the flags, one way to run.

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser};
use rosetta_scenarios::{Echo, TimeScale};

use crate::RunRequest;

/// Runs one scenario on one runtime, or on each in turn.
#[derive(Debug, Clone, clap::Args)]
pub struct RunArgs {
    /// The runtime: one of the registry's ids, or `all` to run on each in turn.
    #[arg(long, short = 'r', default_value = "tokio")]
    pub runtime: String,
    /// Real seconds per logical second of the program (1.0 runs as the Python original does).
    #[arg(long, default_value_t = 1.0)]
    pub time_scale: f64,
    /// `random.seed` for the scenarios that draw random numbers.
    #[arg(long, default_value_t = rosetta_scenarios::DEFAULT_SEED)]
    pub seed: u64,
    /// Print each line with its logical time, as the Python originals do with ROSETTA_TRANSCRIPT=1.
    #[arg(long)]
    pub timed: bool,
    /// The scenario's own arguments (e.g. `-p 2 -c 5` for asyncq), after `--` if they start with `-`.
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "ARGS"
    )]
    pub args: Vec<String>,
}

/// Runs `scenario` as `args` say; prints errors on stderr and returns the exit code: 0 if every run
/// succeeded, 1 if one failed, 2 for bad input (unknown runtime, invalid scale or arguments).
pub fn run_scenario(scenario: &str, args: &RunArgs) -> ExitCode {
    let runtimes = match rosetta_runtimes::select(&args.runtime) {
        Ok(runtimes) => runtimes,
        Err(error) => return usage_error(&format!("--runtime: {error}")),
    };
    let scale = match TimeScale::new(args.time_scale) {
        Ok(scale) => scale,
        Err(error) => return usage_error(&format!("--time-scale: {error}")),
    };
    let scenario = match rosetta_scenarios::find(scenario) {
        Ok(scenario) => scenario,
        Err(error) => return usage_error(&error.to_string()),
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
            if matches!(error, rosetta_scenarios::ScenarioError::Args(_)) {
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
