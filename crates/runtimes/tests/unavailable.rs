//! A kernel that refuses io_uring makes `create` of every io_uring runtime of the registry return
//! `RuntimeError::Unavailable`, not a panic: forced here through the environment variable the io_uring
//! adapters honour.
//!
//! Its own test binary, since it sets a process-wide environment variable (in a child process).

use rosetta_runtimes::rosetta_rt::{FORCE_NO_IO_URING, RuntimeError};
use rosetta_runtimes::{Config, RUNTIMES, Runtime, RuntimeVisitor, visit};

/// The ids of the registry's runtimes whose driver is io_uring.
fn io_uring_runtimes() -> Vec<&'static str> {
    RUNTIMES
        .iter()
        .filter(|info| info.driver.starts_with("io_uring"))
        .map(|info| info.id)
        .collect()
}

/// Creates a loop and closes it at once.
struct CreateAndClose;

impl RuntimeVisitor for CreateAndClose {
    type Output = Result<(), RuntimeError>;

    fn visit<R: Runtime>(self) -> Result<(), RuntimeError> {
        let rt = R::create(&Config::default())?;
        rt.block_on(async { assert_eq!(R::spawn(async { 7 }).await, Ok(7)) });
        rt.close();
        Ok(())
    }
}

#[test]
fn a_refused_io_uring_gives_unavailable_on_every_io_uring_runtime_and_the_next_create_works_again()
{
    let ids = io_uring_runtimes();
    assert!(!ids.is_empty(), "the registry has io_uring runtimes");
    // The variable is set only in a child process (this binary again, running `forced_child`): setting
    // it here would take `unsafe` (`set_var` in edition 2024) and race the other tests.
    let exe = std::env::current_exe().expect("the test binary's path");
    let forced = std::process::Command::new(&exe)
        .args(["--exact", "forced_child", "--nocapture"])
        .env(FORCE_NO_IO_URING, "1")
        .output()
        .expect("the test binary runs again");
    let stdout = String::from_utf8_lossy(&forced.stdout);
    assert!(forced.status.success(), "the forced child failed: {stdout}");
    for id in &ids {
        let refusal =
            format!("{id}: unavailable: io_uring not permitted ({FORCE_NO_IO_URING} is set)");
        assert!(
            stdout.contains(&refusal),
            "the child did not report {id}'s refusal: {stdout}"
        );
    }

    // Without the variable, io_uring is there on this machine and every loop runs.
    if std::env::var_os(FORCE_NO_IO_URING).is_none() {
        for id in ids {
            let created = visit(id, CreateAndClose).expect("a registry id");
            assert!(
                created.is_ok(),
                "{id}: io_uring is permitted here: {created:?}"
            );
        }
    }
}

/// Run only by the test above, in a child process whose environment forces the refusal.
#[test]
fn forced_child() {
    if std::env::var_os(FORCE_NO_IO_URING).is_none() {
        return;
    }
    for id in io_uring_runtimes() {
        match visit(id, CreateAndClose).expect("a registry id") {
            Err(error @ RuntimeError::Unavailable(_)) => println!("{id}: {error}"),
            Err(other) => panic!("{id}: expected Unavailable, got {other}"),
            Ok(()) => panic!("{id}: create ignored {FORCE_NO_IO_URING}"),
        }
    }
}
