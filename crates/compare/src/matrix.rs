//! The scenario × runtime matrix: every scenario on every runtime, each run in its own process under a
//! watchdog, judged against CPython's transcript (or, without python3, by the scenario's own checks).
//!
//! A cell runs in a child process, `<exe> cell <scenario> <runtime>` (see [`cell_main`]), so that a
//! scenario that panics, aborts or hangs takes only its own cell down: a panic is a failed cell with its
//! message, a hang is killed when the watchdog's time is up and marked timed out, and the matrix goes on.
//!
//! As in the parity test, a mismatch is tried again with fresh runs of both programs: CPython itself is
//! nondeterministic under load, and a real difference is systematic.

use std::collections::HashMap;
use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use rosetta_harness::{RunRequest, Verdict, judge, own_checks, python};
use rosetta_runtimes::RuntimeInfo;
use rosetta_scenarios::{Echo, Line, ScenarioInfo, parity};

use crate::results::{Against, Cell, Status};

/// The environment variable that makes chosen cells misbehave, to show how the matrix reports it:
/// `scenario@runtime=panic` or `scenario@runtime=hang`, comma-separated.
pub const FAULT_ENV: &str = "ROSETTA_FAULT";

/// The subcommand of the `rosetta` binary that runs one cell: `rosetta cell <scenario> <runtime>`.
pub const CELL_COMMAND: &str = "cell";

/// How the matrix runs its cells.
#[derive(Debug, Clone)]
pub struct MatrixOptions {
    /// The program that runs one cell as `<exe> cell <scenario> <runtime>`: the `rosetta` binary.
    pub exe: PathBuf,
    /// How long one run of a cell may take before the watchdog kills it.
    pub timeout: Duration,
    /// Runs of a cell whose transcript differs, at most (each with a fresh CPython run).
    pub attempts: u32,
    /// Judge against CPython when python3 is there; if false, by the scenarios' own checks only.
    pub use_python: bool,
    /// Cells run at once, each in its own process ([`run_all`]): the scenarios
    /// mostly sleep, so a few side by side cost each other almost nothing.
    pub jobs: usize,
}

/// How many cells of one scenario run at once by default: the scenarios wait on timers far more
/// than they compute, so four processes share two cores without shifting one another's instants
/// past what the judge allows (CPython's own lateness is larger), and the matrix takes about a third of
/// the time it takes one cell at a time.
pub const DEFAULT_JOBS: usize = 4;

/// CPython's transcripts, one per scenario, run when first needed.
#[derive(Debug, Default, Clone)]
pub struct References {
    cache: HashMap<&'static str, Result<Vec<Line>, String>>,
}

impl References {
    /// The cached transcript of `scenario`, running the reference program the first time.
    fn get(&mut self, scenario: &'static ScenarioInfo) -> Result<&[Line], String> {
        self.cache
            .entry(scenario.id)
            .or_insert_with(|| python::test_transcript(scenario).map_err(|error| error.to_string()))
            .as_deref()
            .map_err(Clone::clone)
    }

    /// Runs the reference programs of `scenarios` not yet cached, `jobs` at a time, each in its own
    /// python3 process (they mostly sleep, as the cells do).
    pub fn prefetch(&mut self, scenarios: &[&'static ScenarioInfo], jobs: usize) {
        let missing: Vec<&'static ScenarioInfo> = scenarios
            .iter()
            .copied()
            .filter(|scenario| !self.cache.contains_key(scenario.id))
            .collect();
        let transcripts = in_parallel(&missing, jobs, |scenario| {
            python::test_transcript(scenario).map_err(|error| error.to_string())
        });
        for (scenario, transcript) in missing.iter().zip(transcripts) {
            let transcript =
                transcript.unwrap_or_else(|| Err("the reference's runner panicked".to_owned()));
            self.cache.insert(scenario.id, transcript);
        }
    }

    /// Runs the reference program of `scenario` again, replacing the cached transcript.
    fn refresh(&mut self, scenario: &'static ScenarioInfo) {
        self.cache.remove(scenario.id);
    }
}

/// Runs and judges every scenario of `scenarios` on each of `runtimes`, [`MatrixOptions::jobs`]
/// cells at a time, each in its own process; the cells come back scenario by scenario, in the order
/// of `runtimes`. `done` is called as each cell ends, with its scenario.
///
/// CPython's transcripts are run first, `jobs` at a time ([`References::prefetch`]); a cell whose
/// transcript differs runs CPython again on its own copy of the references, as [`run_cell`] does.
pub fn run_all(
    scenarios: &[&'static ScenarioInfo],
    runtimes: &[&'static RuntimeInfo],
    options: &MatrixOptions,
    references: &mut References,
    done: &(dyn Fn(&ScenarioInfo) + Sync),
) -> Vec<Cell> {
    if options.use_python {
        references.prefetch(scenarios, options.jobs);
    }
    let shared: &References = references;
    let cells: Vec<(&'static ScenarioInfo, &'static RuntimeInfo)> = scenarios
        .iter()
        .flat_map(|scenario| runtimes.iter().map(move |runtime| (*scenario, *runtime)))
        .collect();
    let finished = in_parallel(&cells, options.jobs, |&(scenario, runtime)| {
        let mut own = shared.clone();
        let cell = run_cell(scenario, runtime, options, &mut own);
        done(scenario);
        cell
    });
    finished
        .into_iter()
        .zip(&cells)
        .map(|(cell, (scenario, runtime))| {
            cell.unwrap_or_else(|| Cell {
                scenario: scenario.id.to_owned(),
                runtime: runtime.id.to_owned(),
                status: Status::Fail,
                against: Against::OwnChecks,
                detail: Some("the cell's runner panicked".to_owned()),
                attempts: 0,
                seconds: 0.0,
            })
        })
        .collect()
}

/// Runs `work` on every item, `jobs` threads at a time, each thread taking the next item as it
/// finishes one; the results in the items' order, `None` for an item whose work panicked (the
/// panic is caught, so the other items still run).
fn in_parallel<T: Sync, U: Send>(
    items: &[T],
    jobs: usize,
    work: impl Fn(&T) -> U + Sync,
) -> Vec<Option<U>> {
    let next = AtomicUsize::new(0);
    let slots: Vec<Mutex<Option<U>>> = items.iter().map(|_| Mutex::new(None)).collect();
    std::thread::scope(|scope| {
        for _ in 0..jobs.clamp(1, items.len().max(1)) {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(index) else {
                        return;
                    };
                    let value =
                        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(item)));
                    *slots[index].lock().unwrap_or_else(PoisonError::into_inner) = value.ok();
                }
            });
        }
    });
    slots
        .into_iter()
        .map(|slot| slot.into_inner().unwrap_or_else(PoisonError::into_inner))
        .collect()
}

/// Runs and judges one cell: `scenario` on `runtime`.
pub fn run_cell(
    scenario: &'static ScenarioInfo,
    runtime: &'static RuntimeInfo,
    options: &MatrixOptions,
    references: &mut References,
) -> Cell {
    let mut cell = Cell {
        scenario: scenario.id.to_owned(),
        runtime: runtime.id.to_owned(),
        status: Status::Fail,
        against: if options.use_python {
            Against::Cpython
        } else {
            Against::OwnChecks
        },
        detail: None,
        attempts: 0,
        seconds: 0.0,
    };
    for attempt in 1..=options.attempts.max(1) {
        cell.attempts = attempt;
        let started = Instant::now();
        let outcome = run_child(options, scenario.id, runtime.id);
        cell.seconds = started.elapsed().as_secs_f64();
        let port = match outcome {
            Ok(port) => port,
            Err(Stopped::TimedOut) => {
                cell.status = Status::TimedOut;
                cell.detail = Some(format!(
                    "still running after {} s: stopped by the watchdog",
                    options.timeout.as_secs_f64()
                ));
                return cell;
            }
            Err(Stopped::Unavailable(why)) => {
                cell.status = Status::Unavailable;
                cell.detail = Some(why);
                return cell;
            }
            Err(Stopped::Failed(why)) => {
                cell.status = Status::Fail;
                cell.detail = Some(plain(&why));
                return cell;
            }
        };
        let verdict = if options.use_python {
            if attempt > 1 {
                references.refresh(scenario);
            }
            match references.get(scenario) {
                Ok(reference) => judge(scenario, runtime, reference, &port),
                Err(why) => {
                    cell.detail = Some(format!("the CPython reference failed: {why}"));
                    return cell;
                }
            }
        } else {
            own_checks(scenario, &port)
        };
        match verdict {
            Verdict::Pass => {
                cell.status = Status::Pass;
                cell.detail = None;
                return cell;
            }
            Verdict::DiffersAsDocumented(why) => {
                cell.status = Status::DiffersAsDocumented;
                cell.detail = Some(why.to_owned());
                return cell;
            }
            Verdict::Fail(why) => cell.detail = Some(plain(&why)),
        }
    }
    cell
}

/// `text` without terminal colour codes (the scenarios colour some lines as the originals do).
fn plain(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('\u{1b}') {
        out.push_str(&rest[..start]);
        let code = &rest[start + 1..];
        // A CSI sequence: ESC [ parameters final-byte.
        let end = code
            .strip_prefix('[')
            .and_then(|params| {
                params
                    .find(|c: char| c.is_ascii_alphabetic())
                    .map(|at| at + 2)
            })
            .unwrap_or(0);
        rest = &code[end..];
    }
    out.push_str(rest);
    out
}

/// Why a cell's child gave no transcript.
enum Stopped {
    /// The watchdog killed it.
    TimedOut,
    /// It exited with an error or a panic: the message.
    Failed(String),
    /// Its runtime cannot run here (exit code [`UNAVAILABLE_EXIT`]): the reason it printed.
    Unavailable(String),
}

/// The exit code of a cell whose runtime cannot run on this machine (`RuntimeError::Unavailable`).
const UNAVAILABLE_EXIT: u8 = 3;

/// Runs `<exe> cell <scenario> <runtime>` under the watchdog; its transcript.
fn run_child(options: &MatrixOptions, scenario: &str, runtime: &str) -> Result<Vec<Line>, Stopped> {
    let mut child = Command::new(&options.exe)
        .args([CELL_COMMAND, scenario, runtime])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|error| {
            Stopped::Failed(format!(
                "could not start {}: {error}",
                options.exe.display()
            ))
        })?;
    // Read both pipes as the child writes, so that a chatty child never blocks on a full pipe.
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let deadline = Instant::now() + options.timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(Stopped::TimedOut);
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(error) => return Err(Stopped::Failed(format!("lost the child: {error}"))),
        }
    };
    let stdout = stdout.join().unwrap_or_default();
    let stderr = stderr.join().unwrap_or_default();
    if status.code() == Some(i32::from(UNAVAILABLE_EXIT)) {
        let why = stderr.lines().rev().find(|line| !line.trim().is_empty());
        return Err(Stopped::Unavailable(
            why.unwrap_or("unavailable").trim().to_owned(),
        ));
    }
    if !status.success() {
        return Err(Stopped::Failed(failure_message(&stderr, status)));
    }
    parity::parse_timed(&stdout)
        .map_err(|error| Stopped::Failed(format!("unreadable transcript: {error}")))
}

/// A thread reading `pipe` to its end.
fn drain(pipe: Option<impl Read + Send + 'static>) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(mut pipe) = pipe {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            text = String::from_utf8_lossy(&bytes).into_owned();
        }
        text
    })
}

/// What a failed cell says: the panic message if it panicked, else its last error line.
fn failure_message(stderr: &str, status: std::process::ExitStatus) -> String {
    let lines: Vec<&str> = stderr.lines().collect();
    // The default panic hook prints "thread '…' panicked at file:line:col:" and then the message.
    if let Some(at) = lines.iter().position(|line| line.contains("panicked at")) {
        let message: Vec<&str> = lines[at + 1..]
            .iter()
            .take_while(|line| !line.starts_with("note:") && !line.starts_with("stack backtrace:"))
            .copied()
            .collect();
        return format!("panicked: {}", message.join(" ").trim());
    }
    match lines.iter().rev().find(|line| !line.trim().is_empty()) {
        Some(last) => format!("{status}: {}", last.trim()),
        None => status.to_string(),
    }
}

/// The `cell` subcommand: runs `scenario` on `runtime` at its test scale, as the parity checks do, and
/// prints its timed transcript (`{t}\t{line}` per line) on stdout. Exit code 1 on an error, 2 on an
/// unknown id, 3 when the runtime cannot run here (its reason last on stderr); a panic ends the process
/// as panics do (code 101).
pub fn cell_main(scenario: &str, runtime: &str) -> ExitCode {
    let request = match RunRequest::at_test_scale(scenario, runtime) {
        Ok(request) => request,
        Err(unknown) => {
            eprintln!("rosetta cell: {unknown}");
            return ExitCode::from(2);
        }
    };
    match injected_fault(scenario, runtime).as_deref() {
        Some("panic") => panic!("injected by {FAULT_ENV}: {scenario} on {runtime} panics"),
        Some("hang") => loop {
            std::thread::park();
        },
        _ => {}
    }
    warm_up(runtime);
    match rosetta_harness::run(&request, Echo::Quiet) {
        Ok(lines) => {
            let mut out = String::new();
            for line in lines {
                out.push_str(&format!("{}\t{}\n", line.t, line.text));
            }
            print!("{out}");
            ExitCode::SUCCESS
        }
        Err(rosetta_scenarios::ScenarioError::Runtime(
            error @ rosetta_runtimes::rosetta_rt::RuntimeError::Unavailable(_),
        )) => {
            eprintln!("{error}");
            ExitCode::from(UNAVAILABLE_EXIT)
        }
        Err(error) => {
            eprintln!("{scenario} on {runtime}: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Pays the runtime's one-time costs before the scenario starts: the first timer of a process starts
/// async-io's reactor thread, the first spawn its executor's state. In a fresh process these would
/// land inside the scenario's first instant and shift its timers against each other; `makerandom`,
/// whose coroutines tie at some instants, then draws in another order than CPython. The parity test
/// runs in a process that has long paid them, and so does a cell after this.
fn warm_up(runtime: &str) {
    struct WarmUp;
    impl rosetta_runtimes::RuntimeVisitor for WarmUp {
        type Output = ();
        fn visit<R: rosetta_runtimes::Runtime>(self) {
            if let Ok(rt) = R::create(&rosetta_runtimes::Config::default()) {
                rt.block_on(async {
                    let _ = R::spawn(R::sleep(Duration::from_millis(1))).await;
                    R::yield_now().await;
                });
                rt.close();
            }
        }
    }
    let _ = rosetta_runtimes::visit(runtime, WarmUp);
}

/// The fault [`FAULT_ENV`] asks of this cell, if any.
fn injected_fault(scenario: &str, runtime: &str) -> Option<String> {
    let spec = std::env::var(FAULT_ENV).ok()?;
    let cell = format!("{scenario}@{runtime}");
    spec.split(',').find_map(|entry| {
        let (target, fault) = entry.trim().split_once('=')?;
        (target == cell).then(|| fault.to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_parallel_keeps_the_items_order_and_survives_a_panic() {
        let items: Vec<u32> = (0..40).collect();
        let results = in_parallel(&items, 4, |item| {
            assert_ne!(*item, 7, "item 7 fails");
            item * 2
        });
        assert_eq!(results.len(), 40);
        for (item, result) in items.iter().zip(&results) {
            assert_eq!(*result, (*item != 7).then_some(item * 2), "item {item}");
        }
    }

    #[test]
    fn a_panic_is_reported_by_its_message() {
        let stderr = "\nthread 'main' panicked at src/x.rs:1:2:\nboom here\nnote: run with `RUST_BACKTRACE=1`\n";
        let status = Command::new("false").status().expect("false runs");
        assert_eq!(failure_message(stderr, status), "panicked: boom here");
        let stderr = "thread 'main' panicked at src/x.rs:1:2:\nboom\nstack backtrace:\n   0: f\n";
        assert_eq!(failure_message(stderr, status), "panicked: boom");
    }

    #[test]
    fn colour_codes_are_taken_out_of_details() {
        assert_eq!(plain("\u{1b}[91mred\u{1b}[0m and plain"), "red and plain");
        assert_eq!(plain("no codes"), "no codes");
    }

    #[test]
    fn another_failure_is_reported_by_its_last_line() {
        let status = Command::new("false").status().expect("false runs");
        let message = failure_message("first\nlast words\n\n", status);
        assert!(message.ends_with(": last words"), "{message}");
    }
}
