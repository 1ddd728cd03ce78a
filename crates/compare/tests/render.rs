//! What a comparison shows, from a recorded run (`tests/fixtures/results.json`: three runtimes, one
//! scenario made to panic on one of them, one that differs as documented, the Python baseline; the
//! runs' spreads, one figure made bimodal, and a second measurement's ratios added by hand): the
//! terminal's tables and the Markdown report, as snapshots, and what a bimodal figure shows.

use rosetta_compare::markdown::{self, Place};
use rosetta_compare::results::Results;
use rosetta_compare::{Workload, tables, units};

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

#[test]
fn a_bimodal_figure_shows_both_modes_and_never_a_bare_median() {
    let results = fixture();
    let figure = results
        .figure(Workload::Queue, "16x16-bounded", "smol-mt")
        .expect("the fixture's bimodal figure");
    let modes = results
        .spread_of(figure)
        .and_then(|spread| spread.modes)
        .expect("bimodal in the fixture");
    let median = units::time(figure.median_ns);
    let rows = tables::workload(&results, Workload::Queue);
    let row = rows
        .rows
        .iter()
        .find(|row| row[0] == "16x16-bounded" && row[1] == "smol-mt")
        .expect("a row for it");
    let both = format!(
        "{} ({} runs) or {} ({} runs)",
        units::time(modes.low.median_ns),
        modes.low.runs,
        units::time(modes.high.median_ns),
        modes.high.runs
    );
    assert_eq!(row[2], both);
    assert_eq!(row[3], "bimodal");
    assert!(row.iter().all(|cell| *cell != median), "{row:?}");
    assert!(
        row[row.len() - 2].contains(" or "),
        "× best runtime: {row:?}"
    );
    let note = tables::bimodal_note(&results).expect("a note");
    assert!(note.contains("queue 16x16-bounded on smol-mt"), "{note}");

    // The headline shows the first queue shape: make that one bimodal, and it is marked.
    let mut results = results;
    let spread = results
        .spreads
        .iter_mut()
        .find(|s| s.param == "1x1-bounded" && s.runner == "smol-mt")
        .expect("a spread");
    spread.modes = Some(modes);
    let headline = markdown::headline(&results);
    let line = headline
        .lines()
        .find(|line| line.starts_with("| smol-mt"))
        .expect("a row for smol-mt");
    assert!(line.contains("(bimodal, 3:6 runs)"), "{line}");
}

#[test]
fn the_report_says_how_many_ratios_agreed_and_names_the_others() {
    let results = fixture();
    let repro = results.reproducibility.as_ref().expect("two measurements");
    let line = tables::reproducibility_line(repro);
    assert!(
        line.starts_with(&format!(
            "Reproducibility: {} of {} ",
            repro.agreeing(),
            repro.ratios.len()
        )),
        "{line}"
    );
    assert!(repro.agreeing() < repro.ratios.len());
    let rows = tables::disagreeing(&results, repro);
    assert_eq!(rows.rows.len(), repro.ratios.len() - repro.agreeing());
    assert!(
        rows.rows
            .iter()
            .any(|row| row[..3] == ["queue", "16x16-bounded", "smol-mt"])
    );
    let report = markdown::report(&results, Place::Report, &[]);
    assert!(report.contains(&line), "the report states it");
}
