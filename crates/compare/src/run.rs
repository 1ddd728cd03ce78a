//! `rosetta compare`: its arguments, the run, and what it writes and prints.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rosetta_runtimes::RuntimeInfo;
use rosetta_scenarios::ScenarioInfo;

use crate::markdown::{self, Place};
use crate::matrix::{self, MatrixOptions, References};
use crate::net::{self, NetMeasured, NetPlan, PythonSide};
use crate::perf::{self, PerfPlan};
use crate::python::Prepared;
use crate::results::{
    COMPARED, Heading, Mode, NOT_INSTALLED, PythonRun, Reproducibility, Results, SCHEMA,
};
use crate::{charts, machine, python, tables};

/// The arguments of `rosetta compare`.
#[derive(Debug, Clone, Args)]
pub struct CompareArgs {
    /// About 30 s: fewer gather sizes, queue shapes, items, delays and rounds.
    #[arg(long)]
    pub quick: bool,
    /// The runtimes, by id, comma-separated, or `all`.
    #[arg(long, short = 'r', default_value = "all", value_name = "IDS")]
    pub runtimes: String,
    /// The scenarios, by id, comma-separated, or `all`.
    #[arg(long, short = 's', default_value = "all", value_name = "IDS")]
    pub scenarios: String,
    /// Where to write results.json, report.md and the charts [default: target/rosetta/report].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Print the results as JSON on stdout instead of the tables.
    #[arg(long)]
    pub json: bool,
    /// Also copy the report and charts into docs/ (docs/results.md, docs/results/).
    #[arg(long)]
    pub publish: bool,
    /// The gather sizes N, comma-separated integers from 1 to 1000000 [default:
    /// 1,10,100,1000,10000,100000; quick: 1,100,10000].
    #[arg(long, value_name = "N,N,...", value_parser = parse_sizes, allow_hyphen_values = true)]
    pub sizes: Option<Sizes>,
    /// Items through the queue per run, from 1 to 10000000 [default: 100000; quick: 20000].
    #[arg(long, value_name = "N", value_parser = |text: &str| parse_positive(text, MAX_ITEMS), allow_hyphen_values = true)]
    pub items: Option<u64>,
    /// Runs per runtime for each figure, from 1 to 1000 [default: 15; quick: 6]; a figure whose runs
    /// spread wide gets more, up to three times as many [default: 45; quick: 15].
    #[arg(long, value_name = "N", value_parser = |text: &str| parse_positive(text, MAX_ROUNDS), allow_hyphen_values = true)]
    pub rounds: Option<u64>,
    /// Measure the workloads N times, from 1 to 10, and report how many "× best runtime" ratios agree
    /// within ±10 % across the N, naming those that do not; the figures shown are the first
    /// measurement's [default: 1].
    #[arg(long, value_name = "N", value_parser = |text: &str| parse_positive(text, MAX_REPEAT), allow_hyphen_values = true)]
    pub repeat: Option<u64>,
    /// Seconds one run of a scenario may take before the watchdog stops it, more than 0 and at most 3600
    /// [default: 60].
    #[arg(long, value_name = "SECS", value_parser = parse_seconds, allow_hyphen_values = true)]
    pub timeout: Option<f64>,
    /// Leave out a part of the run (repeatable).
    #[arg(long, value_enum, value_name = "PART")]
    pub skip: Vec<Part>,
    /// The whole network sweep: every echo size (1, 10, 100 KiB) and HTTP at 1, 10, 100 and 1000
    /// connections, and requests/s against worker threads (1 to twice the cores) for the
    /// multi-thread and thread-per-core flavors; three runs of 400 ms each, about 20 minutes in all on
    /// 2 cores.
    #[arg(long, conflicts_with = "quick")]
    pub full: bool,
    /// Pin each network server to CPU 0 and the load generator to CPU 1 [default: both share every
    /// CPU].
    #[arg(long)]
    pub pin: bool,
}

/// A part of the comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Part {
    /// The scenario × runtime matrix.
    Matrix,
    /// The headline workloads on the runtimes.
    Perf,
    /// The Python baseline (and the Python network servers).
    Python,
    /// The network servers (echo) under the load generator.
    Net,
}

/// Gather sizes as given on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sizes(pub Vec<usize>);

/// The largest gather size: a million tasks.
const MAX_SIZE: u64 = 1_000_000;
/// The most items through the queue in one run.
const MAX_ITEMS: u64 = 10_000_000;
/// The most rounds per figure.
const MAX_ROUNDS: u64 = 1000;
/// The most measurements `--repeat` runs.
const MAX_REPEAT: u64 = 10;
/// How far a ratio may stray from the median of its repeated measurements and still agree: ±10 %.
pub const AGREEMENT: f64 = 0.10;
/// The longest a scenario run may take, in seconds: an hour.
const MAX_TIMEOUT: f64 = 3600.0;

fn parse_positive(text: &str, max: u64) -> Result<u64, String> {
    match text.trim().parse::<u64>() {
        Ok(value) if (1..=max).contains(&value) => Ok(value),
        _ => Err(format!("`{text}` is not a positive integer at most {max}")),
    }
}

fn parse_sizes(text: &str) -> Result<Sizes, String> {
    text.split(',')
        .map(|part| {
            let size = parse_positive(part, MAX_SIZE)?;
            usize::try_from(size).map_err(|_| format!("`{part}` is too large"))
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Sizes)
        .map_err(|why| {
            format!("{why}; give sizes as positive integers at most {MAX_SIZE}, e.g. 1,100,10000")
        })
}

fn parse_seconds(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(value) if value > 0.0 && value <= MAX_TIMEOUT => Ok(value),
        _ => Err(format!(
            "`{text}` is not a positive number of seconds at most {MAX_TIMEOUT}"
        )),
    }
}

/// The runtimes and the scenarios a comparison runs, in order.
pub type Selection = (Vec<&'static RuntimeInfo>, Vec<&'static ScenarioInfo>);

/// Why a comparison could not start: bad input, named with what is valid.
#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    /// An unknown runtime id.
    #[error("--runtimes: {0}")]
    Runtime(#[from] rosetta_runtimes::UnknownRuntime),
    /// An unknown scenario id.
    #[error("--scenarios: {0}")]
    Scenario(#[from] rosetta_scenarios::UnknownScenario),
    /// The output directory cannot be written.
    #[error(
        "--out: cannot write to {dir}: {error}; give a directory that can be created and written"
    )]
    Out {
        /// The directory.
        dir: PathBuf,
        /// Why.
        error: std::io::Error,
    },
}

/// The default output directory: `target/rosetta/report` in the repository.
pub fn default_out() -> PathBuf {
    rosetta_harness::python::repo_root().join("target/rosetta/report")
}

/// What a validated command line asks for.
#[derive(Debug)]
struct Plan {
    runtimes: Vec<&'static RuntimeInfo>,
    scenarios: Vec<&'static ScenarioInfo>,
    perf: PerfPlan,
    net: NetPlan,
    out: PathBuf,
    matrix: MatrixOptions,
    python_budget: f64,
    mode: Mode,
    repeat: usize,
}

impl CompareArgs {
    /// The runtimes and scenarios selected: what is left to check once clap has checked each value
    /// against its limits, and nothing that touches the file system.
    ///
    /// # Errors
    ///
    /// [`CompareError::Runtime`] or [`CompareError::Scenario`] for an id that names nothing.
    pub fn selection(&self) -> Result<Selection, CompareError> {
        Ok((
            rosetta_runtimes::select(&self.runtimes)?,
            rosetta_scenarios::select(&self.scenarios)?,
        ))
    }

    /// Checks every argument and makes the output directory, before anything long starts.
    fn plan(&self, exe: PathBuf) -> Result<Plan, CompareError> {
        let (runtimes, scenarios) = self.selection()?;
        let mut perf = if self.quick {
            PerfPlan::quick()
        } else {
            PerfPlan::full()
        };
        if let Some(Sizes(sizes)) = &self.sizes {
            perf.gather_sizes.clone_from(sizes);
        }
        if let Some(items) = self.items {
            perf.queue_items = items;
        }
        if let Some(rounds) = self.rounds {
            perf.rounds = u32::try_from(rounds).unwrap_or(u32::MAX);
            perf.max_rounds = perf.rounds.saturating_mul(3);
        }
        let mut net = if self.quick {
            NetPlan::quick()
        } else if self.full {
            NetPlan::full()
        } else {
            NetPlan::default_run()
        };
        net.pin = self.pin;
        let out = self.out.clone().unwrap_or_else(default_out);
        writable(&out).map_err(|error| CompareError::Out {
            dir: out.clone(),
            error,
        })?;
        Ok(Plan {
            runtimes,
            scenarios,
            perf,
            net,
            out,
            matrix: MatrixOptions {
                exe,
                timeout: Duration::from_secs_f64(self.timeout.unwrap_or(60.0)),
                attempts: 3,
                use_python: rosetta_harness::python::interpreter().is_some(),
                jobs: matrix::DEFAULT_JOBS,
            },
            python_budget: if self.quick { 0.05 } else { 0.4 },
            mode: if self.quick {
                Mode::Quick
            } else if self.full {
                Mode::Sweep
            } else {
                Mode::Full
            },
            repeat: usize::try_from(self.repeat.unwrap_or(1)).unwrap_or(1),
        })
    }
}

/// Makes `dir` and checks a file can be written in it.
fn writable(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let probe = dir.join(".rosetta-write-check");
    std::fs::write(&probe, b"")?;
    std::fs::remove_file(probe)
}

/// `rosetta compare`: runs the comparison `args` ask for, prints it, writes the report. `exe` is the
/// program that runs one matrix cell (`<exe> cell <scenario> <runtime>`), and `command` the command
/// line to record. Exit code 0, 1 if any cell failed or timed out (or a file could not be written),
/// 2 for bad arguments.
pub fn main(args: &CompareArgs, exe: PathBuf, command: String) -> ExitCode {
    let plan = match args.plan(exe) {
        Ok(plan) => plan,
        Err(error) => {
            eprintln!("rosetta compare: {error}");
            return ExitCode::from(2);
        }
    };
    let results = run(&plan, args, command);
    let written = match write_report(&results, &plan.out, args.publish) {
        Ok(written) => written,
        Err(error) => {
            eprintln!("rosetta compare: {error}");
            return ExitCode::FAILURE;
        }
    };
    if args.json {
        match serde_json::to_string_pretty(&results) {
            Ok(json) => println!("{json}"),
            Err(error) => {
                eprintln!("rosetta compare: {error}");
                return ExitCode::FAILURE;
            }
        }
    } else {
        print!("{}", terminal(&results));
        println!("\nWrote {}", written.join(", "));
    }
    if results.any_failure() {
        let failed = results
            .matrix
            .iter()
            .filter(|cell| cell.status.is_failure())
            .count();
        eprintln!("rosetta compare: {failed} cell(s) of the matrix failed or timed out");
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// Runs every part of `plan` not skipped.
fn run(plan: &Plan, args: &CompareArgs, command: String) -> Results {
    let started = Instant::now();
    let generated_at = jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let do_matrix = !args.skip.contains(&Part::Matrix);
    let do_perf = !args.skip.contains(&Part::Perf);
    let do_python = !args.skip.contains(&Part::Python);
    let do_net = !args.skip.contains(&Part::Net);
    let cases = plan.perf.cases();
    // The venv is made (pip's lines on stderr) before the progress bar takes stderr over.
    let prepared = do_python.then(python::prepare);
    if let Some(Ok(Prepared {
        not_installed: Some(why),
        ..
    })) = &prepared
    {
        eprintln!(
            "rosetta compare: the Python packages are not installed, so the uvloop and rloop cells say \
             \"{NOT_INSTALLED}\" and the run goes on: {why}"
        );
    }
    // The Python network servers run on the interpreter the baseline runs on.
    let python_side = match &prepared {
        Some(Ok(prepared)) => Some(PythonSide {
            python: Ok(prepared.python.clone()),
            loops: prepared.loops.clone(),
        }),
        Some(Err(why)) => Some(PythonSide {
            python: Err(why.clone()),
            loops: Vec::new(),
        }),
        None => None,
    };
    // The network part counts a step per run of a server, the batches laid out as they will run.
    let net_batches = plan.net.batches(
        &plan.runtimes,
        python_side.as_ref().map(|side| side.loops.as_slice()),
    );
    let steps = if do_matrix {
        plan.scenarios.len() * plan.runtimes.len()
    } else {
        0
    } + if do_perf {
        cases.len() * plan.repeat
    } else {
        0
    } + usize::from(do_python)
        + if do_net {
            plan.net.steps(&net_batches) * plan.repeat
        } else {
            0
        };
    let progress = progress_bar(steps as u64);

    let mut matrix_cells = Vec::new();
    if do_matrix {
        let mut references = References::default();
        progress.set_message("matrix: CPython's transcripts");
        matrix_cells = matrix::run_all(
            &plan.scenarios,
            &plan.runtimes,
            &plan.matrix,
            &mut references,
            &|scenario| {
                progress.set_message(format!("matrix: {}", scenario.id));
                progress.inc(1);
            },
        );
    }

    // The measurements: the first is reported, the others only say how far it can be trusted.
    let mut measurements: Vec<(perf::Measured, NetMeasured)> = Vec::new();
    for repeat in 0..plan.repeat {
        let of = if plan.repeat > 1 {
            format!(" ({} of {})", repeat + 1, plan.repeat)
        } else {
            String::new()
        };
        let mut measured = perf::Measured::default();
        if do_perf {
            for case in &cases {
                progress.set_message(format!(
                    "measuring {} {}{of}",
                    case.workload.name(),
                    case.param
                ));
                let one = perf::measure(case, &plan.runtimes, &plan.perf);
                measured.figures.extend(one.figures);
                measured.spreads.extend(one.spreads);
                measured.problems.extend(one.problems);
                progress.inc(1);
            }
        }
        let mut network = NetMeasured::default();
        if do_net {
            network = net::measure(
                &plan.net,
                &plan.runtimes,
                python_side.as_ref(),
                &plan.matrix.exe,
                |step| match step {
                    net::Progress::Measuring(what) => {
                        progress.set_message(format!("measuring {what}{of}"));
                    }
                    net::Progress::Measured(steps) => progress.inc(steps as u64),
                },
            );
        }
        if do_perf || do_net {
            measurements.push((measured, network));
        }
    }
    let mut measurements = measurements.into_iter();
    let (first, first_net) = measurements.next().unwrap_or_default();
    let again: Vec<(perf::Measured, NetMeasured)> = measurements.collect();
    let mut figures = first.figures;
    let spreads = first.spreads;
    let mut problems = first.problems;
    problems.extend(first_net.problems);

    let python_version = rosetta_harness::python::version();
    let (python_run, python_gaps, packages) = match &prepared {
        Some(Ok(prepared)) => {
            progress.set_message("Python baseline (asyncio, uvloop, rloop)");
            let json = plan.out.join("python-baseline.json");
            let outcome = python::run(
                prepared,
                &plan.perf,
                plan.python_budget,
                python::Queues::Bounded,
                &json,
            );
            progress.inc(1);
            match outcome {
                Ok(baseline) => {
                    figures.extend(baseline.figures);
                    (baseline.run, baseline.gaps, baseline.packages)
                }
                Err(why) => (PythonRun::Skipped { why }, Vec::new(), Vec::new()),
            }
        }
        Some(Err(why)) => {
            progress.inc(1);
            (
                PythonRun::Skipped {
                    why: format!("no python3 on this machine: {why}"),
                },
                Vec::new(),
                Vec::new(),
            )
        }
        None => (
            PythonRun::Skipped {
                why: "left out (--skip python)".to_owned(),
            },
            Vec::new(),
            Vec::new(),
        ),
    };
    progress.finish_and_clear();

    let ids: Vec<&str> = plan.runtimes.iter().map(|rt| rt.id).collect();
    let mut results = Results {
        schema: SCHEMA,
        generated_by: command,
        generated_at,
        mode: plan.mode,
        elapsed_s: 0.0,
        machine: machine::machine(),
        versions: machine::versions(python_version, packages),
        runtimes: machine::runtime_entries(&ids),
        scenarios: if do_matrix {
            plan.scenarios.iter().map(|s| s.id.to_owned()).collect()
        } else {
            Vec::new()
        },
        matrix: matrix_cells,
        figures,
        spreads,
        reproducibility: None,
        python: python_run,
        python_gaps,
        problems,
        net: first_net.figures,
        net_gaps: first_net.gaps,
    };
    if !again.is_empty() {
        let mut runs = vec![results.clone()];
        runs.extend(again.into_iter().map(|(measured, network)| Results {
            figures: measured.figures,
            spreads: measured.spreads,
            net: network.figures,
            ..results.clone()
        }));
        results.reproducibility = Reproducibility::of(&runs, AGREEMENT);
    }
    results.elapsed_s = (started.elapsed().as_secs_f64() * 10.0).round() / 10.0;
    results
}

/// A progress bar on stderr; where stderr is not a terminal, indicatif draws nothing.
fn progress_bar(steps: u64) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(steps), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} {wide_msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

/// Everything the terminal shows: the matrix, its notes, and a table per workload.
pub fn terminal(results: &Results) -> String {
    let mut out = String::new();
    if !results.matrix.is_empty() {
        out.push_str("Scenario × runtime\n");
        out.push_str(&tables::matrix(results).to_terminal());
        out.push('\n');
        out.push_str(crate::results::MATRIX_LEGEND);
        out.push('\n');
        let notes = tables::matrix_notes(results);
        if !notes.rows.is_empty() {
            out.push_str(&notes.to_terminal_wrapped(120));
            out.push('\n');
        }
    }
    for workload in COMPARED {
        let rows = tables::workload(results, workload);
        if rows.rows.is_empty() {
            continue;
        }
        out.push('\n');
        out.push_str(workload.title());
        out.push('\n');
        out.push_str(&rows.to_terminal());
        out.push('\n');
    }
    for (heading, rows, generator) in crate::sweep::sections(results) {
        out.push('\n');
        out.push_str(&heading);
        out.push('\n');
        out.push_str(&rows.to_terminal());
        out.push('\n');
        if let Some(line) = generator {
            out.push_str(&line);
            out.push('\n');
        }
    }
    if let Some(line) = tables::bimodal_note(results) {
        out.push('\n');
        out.push_str(&line);
        out.push('\n');
    }
    if let Some(line) = results
        .reproducibility
        .as_ref()
        .and_then(tables::net_reproducibility_line)
    {
        out.push('\n');
        out.push_str(&line);
        out.push('\n');
        if let Some(repro) = &results.reproducibility {
            let rows = tables::net_disagreeing(repro);
            if !rows.rows.is_empty() {
                out.push_str(&rows.to_terminal());
                out.push('\n');
            }
        }
    }
    if let Some(repro) = results
        .reproducibility
        .as_ref()
        .filter(|repro| !repro.ratios.is_empty())
    {
        out.push('\n');
        out.push_str(&tables::reproducibility_line(repro));
        out.push('\n');
        let rows = tables::disagreeing(results, repro);
        if !rows.rows.is_empty() {
            out.push_str(&rows.to_terminal());
            out.push('\n');
        }
    }
    for problem in &results.problems {
        out.push_str(&format!("measurement failed: {problem}\n"));
    }
    out
}

/// Writes results.json, report.md and the charts into `out`, and with `publish` copies them into
/// docs/; the paths written.
fn write_report(results: &Results, out: &Path, publish: bool) -> Result<Vec<String>, String> {
    let io =
        |path: &Path, error: std::io::Error| format!("cannot write {}: {error}", path.display());
    let json = serde_json::to_string_pretty(results).map_err(|error| error.to_string())?;
    let json_path = out.join("results.json");
    std::fs::write(&json_path, format!("{json}\n")).map_err(|e| io(&json_path, e))?;
    let charts = charts::write_all(results, out).map_err(|error| error.to_string())?;
    let chart_names: Vec<String> = charts
        .iter()
        .filter_map(|path| Some(path.file_name()?.to_string_lossy().into_owned()))
        .collect();
    let report_path = out.join("report.md");
    std::fs::write(
        &report_path,
        markdown::report(results, Place::Report, &chart_names),
    )
    .map_err(|e| io(&report_path, e))?;
    let mut written = vec![
        json_path.display().to_string(),
        report_path.display().to_string(),
    ];
    written.extend(charts.iter().map(|path| path.display().to_string()));
    if publish {
        let root = rosetta_harness::python::repo_root();
        let docs = root.join("docs");
        let dir = docs.join("results");
        std::fs::create_dir_all(&dir).map_err(|e| io(&dir, e))?;
        for name in &chart_names {
            let to = dir.join(name);
            std::fs::copy(out.join(name), &to).map_err(|e| io(&to, e))?;
        }
        let to = dir.join("results.json");
        std::fs::copy(&json_path, &to).map_err(|e| io(&to, e))?;
        let page = docs.join("results.md");
        std::fs::write(&page, markdown::report(results, Place::Docs, &chart_names))
            .map_err(|e| io(&page, e))?;
        written.push(page.display().to_string());
        let readme = root.join("README.md");
        let text = std::fs::read_to_string(&readme)
            .map_err(|error| format!("cannot read {}: {error}", readme.display()))?;
        let text =
            markdown::replace_headline(&text, &markdown::headline(results)).ok_or_else(|| {
                format!(
                    "{} has no headline block: put the lines `{}` and `{}` where it goes",
                    readme.display(),
                    markdown::README_BEGIN,
                    markdown::README_END
                )
            })?;
        std::fs::write(&readme, text).map_err(|e| io(&readme, e))?;
        written.push(readme.display().to_string());
    }
    Ok(written)
}

impl CompareArgs {
    /// The arguments of a bare `rosetta compare`: every default.
    pub fn parse_from_defaults() -> Self {
        #[derive(clap::Parser)]
        struct Wrapper {
            #[command(flatten)]
            args: CompareArgs,
        }
        <Wrapper as clap::Parser>::parse_from(["rosetta compare"]).args
    }
}
