//! Creating and closing runtimes leaks no thread. Its own test binary: cargo runs the tests of one binary
//! as threads of one process, and this one counts the process's threads.

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use rosetta_runtimes::{Config, Flavor, Runtime, conformance};

/// The tests of this binary run one at a time, so that each sees only its own runtime's threads.
static SERIAL: Mutex<()> = Mutex::new(());

/// The threads of this process, from `/proc/self/task`, less the test harness's own.
///
/// The harness runs each test on a thread named after it (`module::test`, cut to 15 bytes), and starts the
/// next test's thread whenever one ends, so its threads come and go during a measurement. No runtime
/// names a thread with `::`.
fn thread_count() -> usize {
    std::fs::read_dir("/proc/self/task")
        .expect("Linux /proc is mounted")
        .filter_map(Result::ok)
        .filter(|task| {
            let name = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
            !name.contains("::")
        })
        .count()
}

/// Creates a loop, runs a task with a timer on it, closes it; returns the thread count seen while it ran.
fn cycle<R: Runtime>() -> usize {
    let rt = R::create(&Config::with_workers(2)).expect("the runtime is created");
    let running = rt.block_on(async {
        R::spawn(async {
            R::sleep(Duration::from_millis(1)).await;
            thread_count()
        })
        .await
        .expect("no panic")
    });
    rt.close();
    running
}

conformance! {
    #[test]
    fn creating_and_closing_200_runtimes_leaves_the_thread_count_where_it_was() {
        let _serial = SERIAL.lock().unwrap_or_else(PoisonError::into_inner);
        // A first cycle starts the process-wide threads that live as long as the process: async-io's
        // reactor thread, and async-std's global executor. They are not any loop's to close.
        cycle::<Rt>();
        let before = thread_count();
        for i in 0..200 {
            let running = cycle::<Rt>();
            if i == 0 && Rt::INFO.flavor == Flavor::MultiThread {
                assert!(running >= before + 2, "two workers should be running: {running} threads, {before} before");
            }
        }
        let after = thread_count();
        assert_eq!(after, before, "threads before: {before}, after 200 create/close cycles: {after}");
    }
}
