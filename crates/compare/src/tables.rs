//! The tables of a comparison, as rows of text: drawn for the terminal with comfy-table here, and as
//! Markdown by [`crate::markdown`], from the same rows.

use comfy_table::{ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};

use crate::results::{
    Figure, Modes, PYTHON_ASYNCIO, PYTHON_LOOPS, Reproducibility, Results, Status, Workload,
};
use crate::units;

/// A table: a header and its rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rows {
    /// Column headings.
    pub header: Vec<String>,
    /// One vector per row, as long as the header.
    pub rows: Vec<Vec<String>>,
}

impl Rows {
    /// Draws the rows for a terminal.
    pub fn to_terminal(&self) -> String {
        self.draw(ContentArrangement::Disabled)
    }

    /// Draws the rows for a terminal, wrapping long cells to fit `width` columns.
    pub fn to_terminal_wrapped(&self, width: u16) -> String {
        let mut table = self.table(ContentArrangement::Dynamic);
        table.set_width(width);
        table.to_string()
    }

    fn draw(&self, arrangement: ContentArrangement) -> String {
        self.table(arrangement).to_string()
    }

    fn table(&self, arrangement: ContentArrangement) -> Table {
        let mut table = Table::new();
        table
            .load_style(UTF8_FULL_CONDENSED)
            .set_content_arrangement(arrangement)
            .set_header(&self.header);
        for row in &self.rows {
            table.add_row(row);
        }
        table
    }
}

/// The scenario × runtime matrix: a row per scenario, a column per runtime, each cell its outcome's
/// compact mark ([`Status::mark`], explained by [`MATRIX_LEGEND`](crate::results::MATRIX_LEGEND)).
pub fn matrix(results: &Results) -> Rows {
    let mut header = vec!["scenario".to_owned()];
    header.extend(results.runtimes.iter().map(|rt| rt.id.clone()));
    let rows = results
        .scenarios
        .iter()
        .map(|scenario| {
            let mut row = vec![scenario.clone()];
            row.extend(results.runtimes.iter().map(|rt| {
                results
                    .cell(scenario, &rt.id)
                    .map_or("-", |cell| cell.status.mark())
                    .to_owned()
            }));
            row
        })
        .collect();
    Rows { header, rows }
}

/// Why each cell that did not pass did not: one row per failed or timed-out cell, and one per
/// scenario for the documented differences (with the runtimes they apply to).
pub fn matrix_notes(results: &Results) -> Rows {
    let mut rows: Vec<Vec<String>> = Vec::new();
    for scenario in &results.scenarios {
        let cells: Vec<_> = results
            .matrix
            .iter()
            .filter(|cell| &cell.scenario == scenario)
            .collect();
        let mut documented: Vec<(&str, Vec<&str>)> = Vec::new();
        for cell in &cells {
            let why = cell.detail.as_deref().unwrap_or("");
            match cell.status {
                Status::Pass => {}
                Status::DiffersAsDocumented => {
                    match documented.iter_mut().find(|(known, _)| *known == why) {
                        Some((_, runtimes)) => runtimes.push(&cell.runtime),
                        None => documented.push((why, vec![&cell.runtime])),
                    }
                }
                Status::Fail | Status::TimedOut | Status::Unavailable => rows.push(vec![
                    scenario.clone(),
                    cell.runtime.clone(),
                    cell.status.label().to_owned(),
                    why.to_owned(),
                ]),
            }
        }
        for (why, runtimes) in documented {
            rows.push(vec![
                scenario.clone(),
                runtimes.join(", "),
                Status::DiffersAsDocumented.label().to_owned(),
                why.to_owned(),
            ]);
        }
    }
    Rows {
        header: ["scenario", "runtimes", "status", "why"]
            .map(str::to_owned)
            .to_vec(),
        rows,
    }
}

/// The figures of `workload`: a row per parameter and runner, with the median, the spread of the
/// runs, the range, the rate (for throughput workloads), and the ratios to the best runtime and to
/// CPython's asyncio. A bimodal figure shows both modes, and how many runs fell in each, wherever a
/// median would stand.
pub fn workload(results: &Results, workload: Workload) -> Rows {
    let throughput = results.figures_of(workload).any(|f| f.elements.is_some());
    let mut header: Vec<String> = vec![
        param_heading(workload).to_owned(),
        "runner".to_owned(),
        if workload.is_lateness() {
            "late by (median)"
        } else {
            "median"
        }
        .to_owned(),
        "spread".to_owned(),
        "min … max".to_owned(),
    ];
    if throughput {
        header.push(rate_heading(workload).to_owned());
    }
    header.push("× best runtime".to_owned());
    header.push("× asyncio".to_owned());
    let mut rows = Vec::new();
    for param in results.params_of(workload) {
        let figures: Vec<&Figure> = results
            .runners()
            .into_iter()
            .filter_map(|runner| results.figure(workload, param, runner))
            .collect();
        let best = results.best_runtime(workload, param);
        let asyncio = results
            .figure(workload, param, PYTHON_ASYNCIO)
            .map(|figure| figure.median_ns);
        for figure in figures {
            let global_loop = results.is_global_loop(figure);
            let mut label = runner_label(results, &figure.runner);
            if global_loop {
                label.push_str(" [global runtime: no per-loop cost]");
            }
            let modes = results.spread_of(figure).and_then(|spread| spread.modes);
            let mut row = vec![
                param.to_owned(),
                label,
                shown(figure, modes, units::time),
                spread(results, figure),
                format!(
                    "{} … {}",
                    units::time(figure.min_ns),
                    units::time(figure.max_ns)
                ),
            ];
            if throughput {
                row.push(figure.elements.map_or("-".to_owned(), |elements| {
                    shown(figure, modes, |ns| units::rate(elements as f64 * 1e9 / ns))
                }));
            }
            if global_loop {
                row.extend(["-".to_owned(), "-".to_owned()]);
            } else {
                let over = |reference: Option<f64>| {
                    reference.map_or("-".to_owned(), |reference| {
                        shown(figure, modes, |ns| units::ratio(ns, reference))
                    })
                };
                row.push(over(best));
                row.push(over(asyncio));
            }
            rows.push(row);
        }
        // A Python loop that could not run this point says why in its row, in place of a figure.
        for runner in PYTHON_LOOPS {
            if results.figure(workload, param, runner).is_some() {
                continue;
            }
            if let Some(says) = results.python_gap(runner, workload, param) {
                let mut row = vec![param.to_owned(), runner.to_owned(), says.to_owned()];
                row.resize(header.len(), "-".to_owned());
                rows.push(row);
            }
        }
    }
    Rows { header, rows }
}

/// `figure`'s median through `format`, or, for a bimodal one, both modes with their runs:
/// `1.05 µs (9 runs) or 6.4 µs (6 runs)`.
pub fn shown(figure: &Figure, modes: Option<Modes>, format: impl Fn(f64) -> String) -> String {
    match modes {
        Some(Modes { low, high }) => format!(
            "{} ({} runs) or {} ({} runs)",
            format(low.median_ns),
            low.runs,
            format(high.median_ns),
            high.runs
        ),
        None => format(figure.median_ns),
    }
}

/// The spread column: the interquartile range as a share of the median (`±4 %` is half the range
/// over the median), `bimodal` for a bimodal figure, `-` where the runs were not kept.
fn spread(results: &Results, figure: &Figure) -> String {
    match results.spread_of(figure) {
        Some(spread) if spread.modes.is_some() => "bimodal".to_owned(),
        Some(spread) => format!("±{} %", units::percent(spread.relative * 50.0)),
        None => "-".to_owned(),
    }
}

/// A line naming the bimodal figures, or `None` when there is none.
pub fn bimodal_note(results: &Results) -> Option<String> {
    let bimodal: Vec<String> = results
        .spreads
        .iter()
        .filter(|spread| spread.modes.is_some())
        .map(|spread| {
            format!(
                "{} {} on {}",
                spread.workload.name(),
                spread.param,
                spread.runner
            )
        })
        .collect();
    (!bimodal.is_empty()).then(|| {
        format!(
            "Bimodal (runs in two clusters, both shown; a median of them would be luck): {}.",
            bimodal.join(", ")
        )
    })
}

/// The reproducibility line: how many *× best runtime* ratios agreed across the measurements.
pub fn reproducibility_line(repro: &Reproducibility) -> String {
    format!(
        "Reproducibility: {} of {} \"× best runtime\" ratios agree within ±{} % across {} \
         measurements (each within ±{} % of their median).",
        repro.agreeing(),
        repro.ratios.len(),
        units::plain(repro.tolerance * 100.0),
        repro.measurements,
        units::plain(repro.tolerance * 100.0),
    )
}

/// The ratios that did not agree: a row each, with its value in every measurement and whether the
/// reported figure is bimodal.
pub fn disagreeing(results: &Results, repro: &Reproducibility) -> Rows {
    let mut header: Vec<String> = ["workload", "param", "runtime"].map(str::to_owned).to_vec();
    header.extend((1..=repro.measurements).map(|n| format!("run {n}")));
    header.push("first run's spread".to_owned());
    let rows = repro
        .ratios
        .iter()
        .filter(|ratio| !ratio.agrees)
        .map(|ratio| {
            let mut row = vec![
                ratio.workload.name().to_owned(),
                ratio.param.clone(),
                ratio.runner.clone(),
            ];
            row.extend(
                ratio
                    .ratios
                    .iter()
                    .map(|value| value.map_or("-".to_owned(), |value| units::ratio(value, 1.0))),
            );
            row.push(
                results
                    .figure(ratio.workload, &ratio.param, &ratio.runner)
                    .map_or("-".to_owned(), |figure| spread(results, figure)),
            );
            row
        })
        .collect();
    Rows { header, rows }
}

/// A runner as tables name it: the id, marked when the runtime is discontinued.
pub fn runner_label(results: &Results, runner: &str) -> String {
    let discontinued = results
        .runtimes
        .iter()
        .any(|rt| rt.id == runner && rt.discontinued.is_some());
    if discontinued {
        format!("{runner} (discontinued)")
    } else {
        runner.to_owned()
    }
}

fn param_heading(workload: Workload) -> &'static str {
    match workload {
        Workload::Gather => "N",
        Workload::Queue => "P×C, bound",
        Workload::LoopCreate | Workload::LoopClose => "config",
        Workload::TimerSleep | Workload::TimerCallLater => "delay",
        Workload::BlockingStall => "tick",
        Workload::RunInExecutor => "round trip",
    }
}

fn rate_heading(workload: Workload) -> &'static str {
    match workload {
        Workload::Gather => "tasks/s",
        _ => "items/s",
    }
}
