//! A kernel that refuses io_uring makes `create` return `RuntimeError::Unavailable`, not a panic: forced
//! here through the environment variable the adapter honours.
//!
//! Its own test binary, since it sets a process-wide environment variable.

use rosetta_compio::{Compio, FORCE_NO_IO_URING};
use rosetta_rt::{Config, Runtime, RuntimeError};

#[test]
fn a_refused_io_uring_gives_unavailable_and_the_next_create_works_again() {
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
    assert!(
        stdout.contains("unavailable: io_uring not permitted (ROSETTA_FORCE_NO_IO_URING is set)"),
        "the child did not report the refusal: {stdout}"
    );

    // Without the variable, io_uring is there on this machine and the loop runs.
    if std::env::var_os(FORCE_NO_IO_URING).is_none() {
        let rt = Compio::create(&Config::default()).expect("io_uring is permitted here");
        assert_eq!(
            rt.block_on(async { Compio::spawn(async { 7 }).await }),
            Ok(7)
        );
        rt.close();
    }
}

/// Run only by the test above, in a child process whose environment forces the refusal.
#[test]
fn forced_child() {
    if std::env::var_os(FORCE_NO_IO_URING).is_none() {
        return;
    }
    match Compio::create(&Config::default()) {
        Err(error @ RuntimeError::Unavailable(_)) => println!("{error}"),
        Err(other) => panic!("expected Unavailable, got {other}"),
        Ok(_) => panic!("create ignored {FORCE_NO_IO_URING}"),
    }
}
