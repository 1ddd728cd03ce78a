//! `rosetta`: the command line of async-rosetta. It parses, dispatches and prints; the work is in the
//! library crates.

use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand, error::ErrorKind};
use comfy_table::{ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};
use rosetta_runtimes::{Config, RUNTIMES};

/// The Python asyncio walkthrough on tokio, smol and async-std, side by side.
#[derive(Debug, Parser)]
#[command(name = "rosetta", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Runs the whole comparison (the default command).
    ///
    /// Every scenario on every runtime against CPython, then the headline workloads measured on every
    /// runtime and on CPython's asyncio: tables here, and results.json, report.md and SVG charts in
    /// target/rosetta/report.
    Compare(rosetta_compare::CompareArgs),
    /// Lists the runtimes (id, name, crate version, flavor, worker threads) and the scenarios.
    List,
    /// Runs one scenario, as `python3 reference/python/<scenario>.py` would, on one runtime or on each.
    ///
    /// Flags go before the scenario's own arguments: `rosetta run asyncq --runtime smol -- -p 2 -c 5`.
    Run {
        /// The scenario (see `rosetta list`).
        scenario: String,
        #[command(flatten)]
        run: rosetta_harness::cli::RunArgs,
    },
    /// Prints the overhead report from a `cargo bench` run (the generated block of
    /// docs/methodology.md), or with --check says whether the published block is stale.
    Overhead(rosetta_compare::OverheadArgs),
    /// Runs one cell of the comparison's matrix and prints its timed transcript (used by `compare`).
    #[command(hide = true)]
    Cell {
        /// The scenario.
        scenario: String,
        /// The runtime.
        runtime: String,
    },
}

fn main() -> ExitCode {
    // The paired overhead runs measure a global runtime's one-time start in children of this program.
    if rosetta_compare::overhead::serve_child() {
        return ExitCode::SUCCESS;
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            if error.kind() == ErrorKind::InvalidSubcommand {
                let valid: Vec<String> = Cli::command()
                    .get_subcommands()
                    .map(|command| command.get_name().to_owned())
                    .collect();
                eprintln!("valid commands: {}", valid.join(", "));
            }
            return if error.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let command = cli
        .command
        .unwrap_or_else(|| Command::Compare(rosetta_compare::CompareArgs::parse_from_defaults()));
    match command {
        Command::Compare(args) => {
            let exe = match std::env::current_exe() {
                Ok(exe) => exe,
                Err(error) => {
                    eprintln!(
                        "rosetta compare: cannot find this program to run the scenarios: {error}"
                    );
                    return ExitCode::FAILURE;
                }
            };
            let line: Vec<String> = std::env::args().skip(1).collect();
            let command = if line.is_empty() {
                "rosetta compare".to_owned()
            } else {
                format!("rosetta {}", line.join(" "))
            };
            rosetta_compare::run::main(&args, exe, command)
        }
        Command::Overhead(args) => rosetta_compare::overhead::main(&args),
        Command::Cell { scenario, runtime } => {
            rosetta_compare::matrix::cell_main(&scenario, &runtime)
        }
        Command::List => {
            print!("{}", runtimes_table());
            println!();
            print!("{}", scenarios_table());
            ExitCode::SUCCESS
        }
        Command::Run { scenario, run } => rosetta_harness::cli::run_scenario(&scenario, &run),
    }
}

/// The scenarios as a table, one row per scenario.
fn scenarios_table() -> String {
    let mut table = Table::new();
    table
        .load_style(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(["scenario", "mirrors", "what it shows"]);
    for info in rosetta_scenarios::SCENARIOS {
        table.add_row([info.id, info.mirrors, info.summary]);
    }
    format!("{table}\n")
}

/// The runtimes as a table, one row per registry entry.
fn runtimes_table() -> String {
    let config = Config::default();
    let mut table = Table::new();
    table
        .load_style(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header([
            "id", "runtime", "crate", "version", "flavor", "workers", "notes",
        ]);
    for info in RUNTIMES {
        let workers = rosetta_runtimes::worker_threads(info.id, &config).unwrap_or(1);
        let notes = match info.discontinued {
            Some(why) => format!("{why}. {}", info.notes),
            None => info.notes.to_owned(),
        };
        table.add_row([
            info.id.to_owned(),
            info.name.to_owned(),
            info.runtime_crate.to_owned(),
            rosetta_runtimes::runtime_version(info).to_owned(),
            info.flavor.to_string(),
            workers.to_string(),
            notes,
        ]);
    }
    format!("{table}\n{}\n", rosetta_runtimes::RUSTC_VERSION)
}
