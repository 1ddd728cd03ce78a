//! What a comparison shows, from a recorded run (`tests/fixtures/results.json`: three runtimes, one
//! scenario made to panic on one of them, one that differs as documented, the Python baseline): the
//! terminal's tables and the Markdown report, as snapshots.

use rosetta_compare::markdown::{self, Place};
use rosetta_compare::results::Results;

fn fixture() -> Results {
    serde_json::from_str(include_str!("fixtures/results.json")).expect("the fixture reads")
}

#[test]
fn the_terminal_shows_the_matrix_its_notes_and_a_table_per_workload() {
    insta::assert_snapshot!(rosetta_compare::run::terminal(&fixture()));
}

#[test]
fn the_published_page_states_machine_versions_matrix_and_figures() {
    let charts = ["gather.svg", "queue.svg", "loops.svg", "timers.svg"].map(str::to_owned);
    insta::assert_snapshot!(markdown::report(&fixture(), Place::Docs, &charts));
}

#[test]
fn a_failed_cell_makes_the_run_a_failure() {
    let mut results = fixture();
    assert!(results.any_failure(), "the fixture has a panicking cell");
    results.matrix.retain(|cell| !cell.status.is_failure());
    assert!(!results.any_failure());
}
