//! The tables of a comparison, as rows of text: drawn for the terminal with comfy-table here, and as
//! Markdown by [`crate::markdown`], from the same rows.

use comfy_table::{ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};

use crate::results::{Figure, PYTHON_ASYNCIO, Results, Status, Workload};
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

/// The scenario × runtime matrix: a row per scenario, a column per runtime.
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
                    .map_or("-", |cell| cell.status.label())
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

/// The figures of `workload`: a row per parameter and runner, with the median, the range, the rate
/// (for throughput workloads), and the ratios to the best runtime and to CPython's asyncio.
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
        let global_loop = |figure: &Figure| {
            matches!(workload, Workload::LoopCreate | Workload::LoopClose)
                && results.is_global(&figure.runner)
        };
        let best = figures
            .iter()
            .filter(|figure| !figure.is_python() && !global_loop(figure))
            .map(|figure| figure.median_ns)
            .fold(f64::INFINITY, f64::min);
        let asyncio = results
            .figure(workload, param, PYTHON_ASYNCIO)
            .map(|figure| figure.median_ns);
        for figure in figures {
            let mut label = runner_label(results, &figure.runner);
            if global_loop(figure) {
                label.push_str(" [global runtime: no per-loop cost]");
            }
            let mut row = vec![
                param.to_owned(),
                label,
                units::time(figure.median_ns),
                format!(
                    "{} … {}",
                    units::time(figure.min_ns),
                    units::time(figure.max_ns)
                ),
            ];
            if throughput {
                row.push(figure.per_second().map_or("-".to_owned(), units::rate));
            }
            if global_loop(figure) {
                row.extend(["-".to_owned(), "-".to_owned()]);
            } else {
                row.push(units::ratio(figure.median_ns, best));
                row.push(asyncio.map_or("-".to_owned(), |py| units::ratio(figure.median_ns, py)));
            }
            rows.push(row);
        }
    }
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
    }
}

fn rate_heading(workload: Workload) -> &'static str {
    match workload {
        Workload::Gather => "tasks/s",
        _ => "items/s",
    }
}
