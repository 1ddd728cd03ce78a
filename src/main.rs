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
    /// Serves the crawler's fixture site on 127.0.0.1 (for `areq`): prints its address and its URL
    /// file, so that CPython's `reference/python/areq.py --urls FILE` can crawl the same site.
    ServeFixture(rosetta_harness::cli::ServeArgs),
    /// Runs one cell of the comparison's matrix and prints its timed transcript (used by `compare`).
    #[command(hide = true)]
    Cell {
        /// The scenario.
        scenario: String,
        /// The runtime.
        runtime: String,
    },
    /// Runs one network server under the server process contract (used by `compare` and the benches):
    /// prints `listening 127.0.0.1:PORT`, serves until stdin closes.
    #[command(hide = true)]
    Netserve(rosetta_netbench::NetserveArgs),
    /// Runs the load generator against a server and prints its report as JSON (used by `compare`).
    #[command(hide = true)]
    Loadgen(rosetta_netbench::LoadgenArgs),
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
        Command::ServeFixture(args) => rosetta_harness::cli::serve_fixture(&args),
        Command::Netserve(args) => rosetta_netbench::serve::main(&args),
        Command::Loadgen(args) => rosetta_netbench::loadgen::main(&args),
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
            "id", "runtime", "crate", "version", "flavor", "workers", "driver", "model", "notes",
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
            info.driver.to_owned(),
            info.model.to_owned(),
            notes,
        ]);
    }
    format!("{table}\n{}\n", rosetta_runtimes::RUSTC_VERSION)
}

#[cfg(test)]
mod tests {
    //! A property test of the command line: random argument vectors, made of the words `rosetta` takes
    //! and of values at and beyond every limit, never make parsing or checking panic, and whatever is
    //! accepted is within the documented limits (so a run cannot abort on an allocation or overflow).
    //! Nothing is run: `run` is checked by `rosetta_harness::cli::check`, `compare` by clap's value
    //! parsers and its selection, as each does before it starts.

    use std::time::Duration;

    use clap::Parser;
    use proptest::prelude::*;
    use rosetta_scenarios::TimeScale;

    use super::{Cli, Command};

    /// Flags, subcommands, ids and values `rosetta` takes, or nearly takes.
    const WORDS: &[&str] = &[
        "run",
        "compare",
        "list",
        "--",
        "--help",
        "-h",
        "all", // commands
        "--runtime",
        "-r",
        "--time-scale",
        "--seed",
        "--timed", // run
        "-p",
        "-c",
        "--nprod",
        "--ncon",
        "-n",
        "--iterations",
        "--mode",
        "sync",
        "async",
        "both",
        "--boards",
        "--moves",
        "--master",
        "--opponent", // scenarios
        "--quick",
        "--runtimes",
        "--scenarios",
        "--json",
        "--sizes",
        "--items",
        "--rounds",
        "--repeat",
        "--timeout",
        "--skip",
        "matrix",
        "perf",
        "python", // compare
        "0",
        "1",
        "-1",
        "5",
        "1000",
        "1001",
        "100000",
        "100001",
        "1000000",
        "1000001",
        "3600",
        "3600.5",
        "10000000",
        "10000001",
        "100000000000",
        "18446744073709551615",
        "18446744073709551616",
        "1e-12",
        "0.00001",
        "0.000009",
        "100",
        "100.5",
        "1e300",
        "-1e300",
        "nan",
        "inf",
        "-inf",
        "1,2,3",
        "1,,2",
        "tokio,all",
        "",
        " ",
        "many",
    ];

    /// One word of a command line: a known word, a registry id, a number, or anything printable.
    fn word() -> impl Strategy<Value = String> {
        let ids: Vec<&'static str> = rosetta_runtimes::ids()
            .into_iter()
            .chain(rosetta_scenarios::ids())
            .collect();
        prop_oneof![
            4 => proptest::sample::select(WORDS).prop_map(str::to_owned),
            2 => proptest::sample::select(ids).prop_map(str::to_owned),
            1 => any::<i64>().prop_map(|n| n.to_string()),
            1 => any::<f64>().prop_map(|x| x.to_string()),
            1 => "[ -~]{0,12}",
        ]
    }

    /// Parses `rosetta <first> <rest...>` and checks what it asks for as the command would, without
    /// running it; says whether it was accepted.
    fn parse_and_check(first: &str, rest: &[String]) -> bool {
        let line = ["rosetta", first]
            .into_iter()
            .map(str::to_owned)
            .chain(rest.iter().cloned());
        let Ok(cli) = Cli::try_parse_from(line) else {
            return false;
        };
        match cli.command {
            Some(Command::Run { scenario, run }) => {
                let Ok(checked) = rosetta_harness::cli::check(&scenario, &run) else {
                    return false;
                };
                let scale = checked.scale;
                assert!(
                    TimeScale::MIN <= scale && scale <= TimeScale::MAX,
                    "{scale}"
                );
                assert!(!checked.runtimes.is_empty());
            }
            Some(Command::Compare(args)) => {
                if args.selection().is_err() {
                    return false;
                }
                let sizes = args.sizes.as_ref().map_or(&[][..], |sizes| &sizes.0[..]);
                assert!(
                    sizes.iter().all(|&n| (1..=1_000_000).contains(&n)),
                    "{sizes:?}"
                );
                assert!(args.items.is_none_or(|n| (1..=10_000_000).contains(&n)));
                assert!(args.rounds.is_none_or(|n| (1..=1000).contains(&n)));
                assert!(args.repeat.is_none_or(|n| (1..=10).contains(&n)));
                let timeout = args.timeout.map(Duration::try_from_secs_f64);
                assert!(timeout.is_none_or(|t| t.is_ok_and(|t| t <= Duration::from_secs(3600))));
            }
            _ => {}
        }
        true
    }

    /// A value for a flag: a number at or beyond a limit, an id, or any word.
    fn value() -> impl Strategy<Value = String> {
        prop_oneof![
            3 => proptest::sample::select(VALUES).prop_map(str::to_owned),
            2 => word(),
            1 => any::<u64>().prop_map(|n| n.to_string()),
        ]
    }

    /// `flag value` pairs, the flags drawn from `flags`.
    fn options(flags: &'static [&'static str]) -> impl Strategy<Value = Vec<String>> {
        proptest::collection::vec((proptest::sample::select(flags), value()), 0..6).prop_map(
            |pairs| {
                pairs
                    .into_iter()
                    .flat_map(|(flag, value)| [flag.to_owned(), value])
                    .collect()
            },
        )
    }

    /// Values at and beyond the limits of the flags.
    const VALUES: &[&str] = &[
        "0",
        "1",
        "-1",
        "1000",
        "1001",
        "100000",
        "100001",
        "1000000",
        "1000001",
        "3600",
        "3600.5",
        "10000000",
        "10000001",
        "100000000000",
        "1e-12",
        "0.00001",
        "0.000009",
        "100",
        "100.5",
        "1e300",
        "nan",
        "inf",
        "1,1000000",
        "1,1000001",
        "all",
        "tokio,smol",
        "countasync,chess",
        "sync",
        "async",
        "both",
        "matrix",
        "perf",
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn random_run_flags_never_panic_and_what_is_accepted_is_bounded(
            scenario in proptest::sample::select(rosetta_scenarios::ids()),
            flags in options(&["--runtime", "--time-scale", "--seed"]),
        ) {
            let line: Vec<String> = std::iter::once(scenario.to_owned()).chain(flags).collect();
            parse_and_check("run", &line);
        }

        #[test]
        fn random_scenario_arguments_never_panic_and_what_is_accepted_is_bounded(
            scenario in proptest::sample::select(rosetta_scenarios::ids()),
            own in options(&["-p", "-c", "-n", "--boards", "--moves", "--master", "--opponent", "--mode"]),
            rest in proptest::collection::vec(word(), 0..3),
        ) {
            let line: Vec<String> = [scenario.to_owned(), "--".to_owned()]
                .into_iter()
                .chain(own.iter().cloned())
                .chain(rest)
                .collect();
            if parse_and_check("run", &line) {
                // The largest limit of any scenario's flag is loop_overhead's 100000 loops.
                for value in own.iter().skip(1).step_by(2) {
                    let number = value.parse::<f64>().unwrap_or(0.0);
                    prop_assert!(number.abs() <= 100_000.0, "{line:?} accepted");
                }
            }
        }

        #[test]
        fn random_compare_arguments_never_panic_and_what_is_accepted_is_bounded(
            flags in options(&["--runtimes", "--scenarios", "--sizes", "--items", "--rounds", "--repeat", "--timeout", "--skip"]),
            rest in proptest::collection::vec(word(), 0..3),
        ) {
            let line: Vec<String> = flags.into_iter().chain(rest).collect();
            parse_and_check("compare", &line);
        }

        #[test]
        fn random_command_lines_never_panic(rest in proptest::collection::vec(word(), 0..10)) {
            if let Some((first, rest)) = rest.split_first() {
                parse_and_check(first, rest);
            }
        }
    }
}
