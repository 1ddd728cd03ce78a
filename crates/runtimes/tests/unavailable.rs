//! Every io_uring runtime of the registry (`compio`, `compio-tpc`) gives `RuntimeError::Unavailable`
//! from `create` when io_uring is refused, not a panic, and leaves no loop behind: forced here through
//! the environment variable the compio adapter honours.
//!
//! Its own test binary, since the variable is process-wide: it is set only in a child process (this
//! binary again, running `forced_child`), as setting it here would take `unsafe` and race other tests.

use rosetta_runtimes::rosetta_rt::RuntimeError;
use rosetta_runtimes::{Config, Runtime, RuntimeVisitor};

/// The variable that makes an io_uring runtime's `create` act as if the kernel refused io_uring.
const FORCE: &str = "ROSETTA_FORCE_NO_IO_URING";

/// The ids of the registry's runtimes that drive io_uring.
fn io_uring_ids() -> Vec<&'static str> {
    rosetta_runtimes::RUNTIMES
        .iter()
        .filter(|info| info.driver.starts_with("io_uring"))
        .map(|info| info.id)
        .collect()
}

/// Creates the runtime with two workers, and says what came of it: the error's message, or that a
/// loop ran a task.
struct Create;

impl RuntimeVisitor for Create {
    type Output = Result<String, String>;

    fn visit<R: Runtime>(self) -> Result<String, String> {
        match R::create(&Config::with_workers(2)) {
            Err(error @ RuntimeError::Unavailable(_)) => Ok(error.to_string()),
            Err(other) => Err(format!("expected Unavailable, got {other}")),
            Ok(rt) => {
                let answer = rt.block_on(async { R::spawn(async { 7 }).await });
                rt.close();
                Err(format!("create ignored {FORCE}: a task gave {answer:?}"))
            }
        }
    }
}

#[test]
fn a_refused_io_uring_gives_unavailable_on_every_io_uring_runtime() {
    let ids = io_uring_ids();
    assert!(
        ids.contains(&"compio") && ids.contains(&"compio-tpc"),
        "{ids:?}"
    );
    let exe = std::env::current_exe().expect("the test binary's path");
    let forced = std::process::Command::new(&exe)
        .args(["--exact", "forced_child", "--nocapture"])
        .env(FORCE, "1")
        .output()
        .expect("the test binary runs again");
    let stdout = String::from_utf8_lossy(&forced.stdout);
    assert!(forced.status.success(), "the forced child failed: {stdout}");
    for id in ids {
        let line = format!("{id}: unavailable: io_uring not permitted ({FORCE} is set)");
        assert!(stdout.contains(&line), "no `{line}` in: {stdout}");
    }

    // Without the variable, io_uring is there on this machine and every one of them runs.
    if std::env::var_os(FORCE).is_none() {
        for id in io_uring_ids() {
            let outcome = rosetta_runtimes::visit(id, Create).expect("a registry id");
            assert!(
                outcome.as_ref().is_err_and(|why| why.contains("Ok(7)")),
                "{id}: {outcome:?}"
            );
        }
    }
}

/// Run only by the test above, in a child process whose environment forces the refusal.
#[test]
fn forced_child() {
    if std::env::var_os(FORCE).is_none() {
        return;
    }
    for id in io_uring_ids() {
        match rosetta_runtimes::visit(id, Create).expect("a registry id") {
            Ok(message) => println!("{id}: {message}"),
            Err(why) => panic!("{id}: {why}"),
        }
    }
}
