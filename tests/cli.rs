//! The `rosetta` command line, run as a user runs it.

use assert_cmd::Command;
use predicates::prelude::*;

fn rosetta() -> Command {
    Command::cargo_bin("rosetta").expect("the rosetta binary is built")
}

#[test]
fn list_prints_every_runtime_of_the_registry_with_its_version() {
    let mut assert = rosetta().arg("list").assert().success();
    for info in rosetta_runtimes::RUNTIMES {
        let version = rosetta_runtimes::runtime_version(info);
        assert_ne!(
            version, "unknown",
            "{} has no locked version",
            info.runtime_crate
        );
        assert =
            assert.stdout(predicate::str::contains(info.id).and(predicate::str::contains(version)));
    }
}

#[test]
fn list_says_async_std_is_discontinued_and_global() {
    rosetta()
        .arg("list")
        .assert()
        .success()
        .stdout(predicate::str::contains("discontinued").and(predicate::str::contains("no-ops")));
}

#[test]
fn an_unknown_subcommand_exits_with_2_and_names_the_valid_ones() {
    rosetta()
        .arg("frobnicate")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("frobnicate").and(predicate::str::contains("list")));
}
