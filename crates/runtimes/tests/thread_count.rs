//! Creating and closing runtimes leaks no thread.
//!
//! The checks count the process's threads, so this binary has a harness of its own (`harness = false`):
//! libtest runs each test on a thread of its own and starts the next test's thread when one ends, and a
//! new thread carries its creator's name until it names itself, so no filter can tell the harness's
//! threads from a runtime's while they come and go. Here the checks run one after another on the main
//! thread, and nothing else starts threads. The output has libtest's form, one line per runtime.

use std::collections::BTreeSet;
use std::process::ExitCode;
use std::time::Duration;

use rosetta_runtimes::{Config, Flavor, Runtime, RuntimeVisitor};

/// Process-wide threads that no loop owns, so that no loop's `close` may stop them (docs/runtimes.md): the
/// async-io reactor (started on first use, by any smol or async-std loop), the `blocking` pool (whose idle
/// threads exit on their own), and async-std's global executor.
const PROCESS_WIDE: &[&str] = &[
    "async-io",
    "blocking-",
    "async-std/runti",
    "async-global-ex",
];

/// The ids of this process's threads.
fn threads() -> BTreeSet<u32> {
    std::fs::read_dir("/proc/self/task")
        .expect("Linux /proc is mounted")
        .filter_map(Result::ok)
        .filter_map(|task| task.file_name().to_str()?.parse().ok())
        .collect()
}

/// This process's threads once no thread is still on its way out: a joined thread can linger in
/// `/proc/self/task` for a moment after `join` returns (the kernel wakes the joiner before it
/// removes the task), longer on a loaded machine. The set, once two reads 20 ms apart agree, or
/// after 2 s.
fn settled() -> BTreeSet<u32> {
    let deadline = std::time::Instant::now() + Duration::from_secs(2);
    let mut last = threads();
    loop {
        std::thread::sleep(Duration::from_millis(20));
        let now = threads();
        if now == last || std::time::Instant::now() > deadline {
            return now;
        }
        last = now;
    }
}

/// The name of thread `tid` of this process.
fn name(tid: u32) -> String {
    std::fs::read_to_string(format!("/proc/self/task/{tid}/comm"))
        .unwrap_or_default()
        .trim()
        .to_owned()
}

/// Creates a loop, runs a task with a timer on it, closes it; returns the thread count seen while it ran.
fn cycle<R: Runtime>() -> usize {
    let rt = R::create(&Config::with_workers(2)).expect("the runtime is created");
    let running = rt.block_on(async {
        R::spawn(async {
            R::sleep(Duration::from_millis(1)).await;
            threads().len()
        })
        .await
        .expect("no panic")
    });
    rt.close();
    running
}

/// Creating and closing 200 runtimes leaves no thread behind but process-wide ones.
struct TwoHundredCycles;

impl RuntimeVisitor for TwoHundredCycles {
    type Output = Result<(), String>;

    fn visit<R: Runtime>(self) -> Result<(), String> {
        // A first cycle, so that whatever a runtime starts once per process has started.
        cycle::<R>();
        let before = settled();
        for i in 0..200 {
            let running = cycle::<R>();
            if i == 0
                && matches!(R::INFO.flavor, Flavor::MultiThread | Flavor::ThreadPerCore)
                && running < before.len() + 2
            {
                return Err(format!(
                    "two workers should be running: {running} threads, {} before",
                    before.len()
                ));
            }
        }
        let left: Vec<String> = settled()
            .difference(&before)
            .map(|&tid| name(tid))
            .filter(|name| !PROCESS_WIDE.iter().any(|shared| name.starts_with(shared)))
            .collect();
        if left.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "after 200 create/close cycles these threads are left: {left:?}"
            ))
        }
    }
}

fn main() -> ExitCode {
    // `cargo test -- FILTER` passes the filter on; `--list` and other libtest flags are accepted and ignored
    // but for `--list`.
    let args: Vec<String> = std::env::args().skip(1).collect();
    let filter = args
        .iter()
        .find(|arg| !arg.starts_with('-'))
        .cloned()
        .unwrap_or_default();
    let test = "creating_and_closing_200_runtimes_leaves_the_thread_count_where_it_was";
    let selected: Vec<_> = rosetta_runtimes::RUNTIMES
        .iter()
        .map(|info| (info, format!("{}::{test}", info.id.replace('-', "_"))))
        .filter(|(_, name)| name.contains(&filter))
        .collect();
    if args.iter().any(|arg| arg == "--list") {
        for (_, name) in &selected {
            println!("{name}: test");
        }
        return ExitCode::SUCCESS;
    }
    println!("\nrunning {} tests", selected.len());
    let mut failures = Vec::new();
    for (info, name) in &selected {
        let outcome = rosetta_runtimes::visit(info.id, TwoHundredCycles).expect("a registry id");
        println!(
            "test {name} ... {}",
            if outcome.is_ok() { "ok" } else { "FAILED" }
        );
        if let Err(why) = outcome {
            failures.push(format!("{name}: {why}"));
        }
    }
    for failure in &failures {
        println!("\n---- {failure}");
    }
    let verdict = if failures.is_empty() { "ok" } else { "FAILED" };
    println!(
        "\ntest result: {verdict}. {} passed; {} failed; 0 ignored; 0 measured; {} filtered out\n",
        selected.len() - failures.len(),
        failures.len(),
        rosetta_runtimes::RUNTIMES.len() - selected.len()
    );
    if failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
