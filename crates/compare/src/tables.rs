//! The tables of a comparison, as rows of text: drawn for the terminal with comfy-table here, and as
//! Markdown by [`crate::markdown`], from the same rows.

use comfy_table::{ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};

use crate::results::{
    Figure, Modes, NetFigure, NetWorkload, PYTHON_ASYNCIO, PYTHON_LOOPS, PYTHON_UVLOOP,
    Reproducibility, Results, Status, Workload,
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
            row.extend(ratio_cells(&ratio.ratios));
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

/// A ratio in each measurement, as cells: `×1.05`, `-` where it was not measured.
fn ratio_cells(ratios: &[Option<f64>]) -> impl Iterator<Item = String> + '_ {
    ratios
        .iter()
        .map(|value| value.map_or("-".to_owned(), |value| units::ratio(value, 1.0)))
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

/// A network figure's spread column: `±4 %` (half the interquartile range over the median), or
/// `bimodal`.
fn net_spread(figure: &NetFigure) -> String {
    if figure.bimodal {
        "bimodal".to_owned()
    } else {
        format!("±{} %", units::percent(figure.relative_spread * 50.0))
    }
}

/// KiB as MiB: `12.3 MiB`.
fn mib(kib: Option<u64>) -> String {
    kib.map_or("-".to_owned(), |kib| {
        format!("{} MiB", units::plain(kib as f64 / 1024.0))
    })
}

/// The runners of the network figures in table order: the runtimes of the run, the floor, then the
/// Python loops (those not installed too).
fn net_runners(results: &Results, workload: NetWorkload) -> Vec<String> {
    let mut runners: Vec<String> = results.runtimes.iter().map(|rt| rt.id.clone()).collect();
    runners.push("floor".to_owned());
    runners.extend(PYTHON_LOOPS.iter().map(|loop_id| (*loop_id).to_owned()));
    runners.retain(|runner| {
        results
            .net
            .iter()
            .any(|f| f.workload == workload && &f.runner == runner)
            || results
                .net_gaps
                .iter()
                .any(|gap| gap.workload == workload && &gap.runner == runner)
    });
    runners
}

/// One network point (`size` × `connections`): a row per server on each runner, with requests/s,
/// *× best Rust*, the latency distribution, the server's CPU time per request, its peak RSS and the
/// spread of the runs. A
/// runtime without a native server shows `-` in that row; a Python loop not installed says so.
pub fn net_point(results: &Results, workload: NetWorkload, size: u64, connections: u32) -> Rows {
    let header = [
        "runner",
        "server",
        "requests/s",
        "× best Rust",
        "mean",
        "p50",
        "p99",
        "p99.9",
        "server CPU/req",
        "peak RSS",
        "spread",
    ]
    .map(str::to_owned)
    .to_vec();
    let us = |value: f64| units::time(value * 1e3);
    let mut rows = Vec::new();
    let servers: Vec<&str> = results
        .net
        .iter()
        .filter(|f| f.at(workload, size, connections) && !f.is_python() && !f.is_floor())
        .fold(Vec::new(), |mut seen, f| {
            if !seen.contains(&f.server.as_str()) {
                seen.push(&f.server);
            }
            seen
        });
    for runner in net_runners(results, workload) {
        if let Some(gap) = results
            .net_gaps
            .iter()
            .find(|gap| gap.workload == workload && gap.runner == runner)
        {
            let mut row = vec![runner.clone(), "all".to_owned()];
            row.resize(header.len(), gap.says.clone());
            rows.push(row);
            continue;
        }
        let here: Vec<&NetFigure> = results
            .net
            .iter()
            .filter(|f| f.at(workload, size, connections) && f.runner == runner)
            .collect();
        let is_runtime = results.runtimes.iter().any(|rt| rt.id == runner);
        let shown_servers: Vec<String> = if is_runtime && !here.is_empty() {
            servers.iter().map(|s| (*s).to_owned()).collect()
        } else {
            here.iter().map(|f| f.server.clone()).collect()
        };
        for server in shown_servers {
            let label = runner_label(results, &runner);
            let Some(figure) = here.iter().find(|f| f.server == server) else {
                let mut row = vec![label, server];
                row.resize(header.len(), "-".to_owned());
                rows.push(row);
                continue;
            };
            rows.push(vec![
                label,
                server,
                units::rate(figure.requests_per_s),
                results
                    .net_ratio_to_best(figure)
                    .map_or("-".to_owned(), |ratio| units::ratio(ratio, 1.0)),
                us(figure.mean_us),
                us(figure.p50_us),
                us(figure.p99_us),
                us(figure.p999_us),
                figure.server_cpu_us_per_request.map_or("-".to_owned(), us),
                mib(figure.peak_rss_kib),
                net_spread(figure),
            ]);
        }
    }
    Rows { header, rows }
}

/// The worker sweep: requests/s of each multi-thread server at each worker count.
pub fn net_workers(results: &Results, workload: NetWorkload) -> Rows {
    let swept: Vec<&NetFigure> = results
        .net
        .iter()
        .filter(|f| f.workload == workload && f.workers.is_some())
        .collect();
    let mut workers: Vec<u32> = swept.iter().filter_map(|f| f.workers).collect();
    workers.sort_unstable();
    workers.dedup();
    let mut header = vec!["runner".to_owned(), "server".to_owned()];
    header.extend(
        workers
            .iter()
            .map(|n| format!("{n} worker{}", if *n == 1 { "" } else { "s" })),
    );
    let mut rows: Vec<Vec<String>> = Vec::new();
    for figure in &swept {
        let label = runner_label(results, &figure.runner);
        if rows
            .iter()
            .any(|row| row[0] == label && row[1] == figure.server)
        {
            continue;
        }
        let mut row = vec![label, figure.server.clone()];
        row.extend(workers.iter().map(|n| {
            swept
                .iter()
                .find(|f| {
                    f.runner == figure.runner && f.server == figure.server && f.workers == Some(*n)
                })
                .map_or("-".to_owned(), |f| units::rate(f.requests_per_s))
        }));
        rows.push(row);
    }
    Rows { header, rows }
}

/// The network targets, each measured: the toolkit's streams server over the runtime's native one
/// (time per request, so above 1 is slower), the best Rust server over uvloop's best at 1 KiB × 10
/// (requests/s), and the best Rust round trip over the floor's at 1 KiB × 1 (mean latency).
pub fn net_ratios(results: &Results, workload: NetWorkload) -> Rows {
    let header = ["ratio", "point", "runner", "value", "target"]
        .map(str::to_owned)
        .to_vec();
    let mut rows = Vec::new();
    let at = |size: u64, connections: u32, runner: &str, server: &str| {
        results
            .net
            .iter()
            .find(|f| f.at(workload, size, connections) && f.runner == runner && f.server == server)
    };
    let label = |size: u64, connections: u32| {
        format!(
            "{} × {connections}",
            rosetta_netbench::measure::size_label(usize::try_from(size).unwrap_or(usize::MAX))
        )
    };
    for (size, connections) in results.net_points(workload) {
        if size != 1024 {
            continue;
        }
        for rt in &results.runtimes {
            if let (Some(toolkit), Some(native)) = (
                at(size, connections, &rt.id, "streams"),
                at(size, connections, &rt.id, "native"),
            ) {
                rows.push(vec![
                    "toolkit ÷ native".to_owned(),
                    label(size, connections),
                    runner_label(results, &rt.id),
                    units::fraction(native.requests_per_s / toolkit.requests_per_s),
                    "≤ 1.05".to_owned(),
                ]);
            }
        }
    }
    let rust_at = |size: u64, connections: u32| {
        results
            .net
            .iter()
            .filter(move |f| f.at(workload, size, connections) && !f.is_python() && !f.is_floor())
    };
    let uvloop = results
        .net
        .iter()
        .filter(|f| f.at(workload, 1024, 10) && f.runner == PYTHON_UVLOOP)
        .max_by(|a, b| a.requests_per_s.total_cmp(&b.requests_per_s));
    if let (Some(best), Some(uvloop)) = (
        rust_at(1024, 10).max_by(|a, b| a.requests_per_s.total_cmp(&b.requests_per_s)),
        uvloop,
    ) {
        rows.push(vec![
            "best Rust ÷ uvloop, requests/s".to_owned(),
            label(1024, 10),
            format!("{}/{} ÷ uvloop/{}", best.runner, best.server, uvloop.server),
            units::ratio(best.requests_per_s, uvloop.requests_per_s),
            "≥ ×5".to_owned(),
        ]);
    }
    // The lower floor: a thread per connection, or the epoll loop.
    let floor = results
        .net
        .iter()
        .filter(|f| f.at(workload, 1024, 1) && f.is_floor())
        .min_by(|a, b| a.mean_us.total_cmp(&b.mean_us));
    if let (Some(best), Some(floor)) = (
        rust_at(1024, 1).min_by(|a, b| a.mean_us.total_cmp(&b.mean_us)),
        floor,
    ) {
        rows.push(vec![
            "best Rust round trip ÷ floor".to_owned(),
            label(1024, 1),
            format!("{}/{} ÷ floor/{}", best.runner, best.server, floor.server),
            units::ratio(best.mean_us, floor.mean_us),
            "≤ ×1.3".to_owned(),
        ]);
    }
    Rows { header, rows }
}

/// The network reproducibility line, when `--repeat` measured the network part.
pub fn net_reproducibility_line(repro: &Reproducibility) -> Option<String> {
    (!repro.net.is_empty()).then(|| {
        format!(
            "Network: {} of {} \"× best Rust\" ratios agree within ±{} % across {} measurements.",
            repro.net_agreeing(),
            repro.net.len(),
            units::plain(repro.tolerance * 100.0),
            repro.measurements,
        )
    })
}

/// The network ratios that did not agree across `--repeat`.
pub fn net_disagreeing(repro: &Reproducibility) -> Rows {
    let mut header: Vec<String> = ["point", "server", "runner"].map(str::to_owned).to_vec();
    header.extend((1..=repro.measurements).map(|n| format!("run {n}")));
    let rows = repro
        .net
        .iter()
        .filter(|ratio| !ratio.agrees)
        .map(|ratio| {
            let mut row = vec![
                format!("{} {}", ratio.workload.id(), ratio.point),
                ratio.server.clone(),
                ratio.runner.clone(),
            ];
            row.extend(ratio_cells(&ratio.ratios));
            row
        })
        .collect();
    Rows { header, rows }
}

/// The line under a network point's table that says how busy the generator was: its engine and
/// its busiest run over every server at the point, so that a reader sees it had headroom (`None`
/// in results from before the generator's CPU time was read).
pub fn net_generator_line(
    results: &Results,
    workload: NetWorkload,
    size: u64,
    connections: u32,
) -> Option<String> {
    let busiest = results
        .net
        .iter()
        .filter(|f| f.at(workload, size, connections))
        .filter_map(|f| f.generator_busy.map(|busy| (busy, f)))
        .max_by(|a, b| a.0.total_cmp(&b.0))?;
    let (busy, figure) = busiest;
    let engine = figure.generator_engine.as_deref().unwrap_or("threads");
    let threads = figure.generator_threads.map_or(String::new(), |n| {
        format!(", {n} thread{}", if n == 1 { "" } else { "s" })
    });
    let placed = match figure.placement.as_deref() {
        Some("one CPU") => "; the server and the generator on one CPU",
        Some("one CPU each") => "; the server and the generator on one CPU each",
        _ => "",
    };
    Some(format!(
        "generator: {engine}{threads}{placed}; at most {} % of a core busy (against {} {})",
        units::percent(busy * 100.0),
        runner_label(results, &figure.runner),
        figure.server
    ))
}

/// Every network table of `results`, each under its heading, in report order: per workload each
/// point (with the line on the generator under it, where there is one), the targets' ratios, and
/// the worker sweep.
pub fn net_sections(results: &Results) -> Vec<(String, Rows, Option<String>)> {
    let mut sections = Vec::new();
    for workload in NetWorkload::ALL {
        for (size, connections) in results.net_points(workload) {
            let size_text =
                rosetta_netbench::measure::size_label(usize::try_from(size).unwrap_or(usize::MAX));
            sections.push((
                format!(
                    "{} at {size_text} × {connections} connection{}",
                    workload.title(),
                    if connections == 1 { "" } else { "s" }
                ),
                net_point(results, workload, size, connections),
                net_generator_line(results, workload, size, connections),
            ));
        }
        let ratios = net_ratios(results, workload);
        if !ratios.rows.is_empty() {
            sections.push((format!("{}: the targets", workload.id()), ratios, None));
        }
        let workers = net_workers(results, workload);
        if !workers.rows.is_empty() {
            sections.push((
                format!("{}: requests/s against worker threads", workload.id()),
                workers,
                None,
            ));
        }
    }
    sections
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::recorded;

    /// A network figure as results.json holds it; `extra` adds the fields read since the first
    /// version (none: a figure from before them).
    fn figure(server: &str, runner: &str, extra: &str) -> NetFigure {
        let json = format!(
            r#"{{"workload":"echo","server":"{server}","runner":"{runner}","size":1024,
            "connections":10,"requests_per_s":50000.0,"runs_per_s":[50000.0],
            "relative_spread":0.02,"bimodal":false,"mean_us":200.0,"p50_us":190.0,"p99_us":400.0,
            "p999_us":800.0,"peak_rss_kib":4096,"requests":4000,"errors":0{extra}}}"#
        );
        serde_json::from_str(&json).expect("a figure loads")
    }

    #[test]
    fn a_point_shows_the_server_cpu_per_request_and_a_line_on_the_busiest_generator_run() {
        let mut results = recorded();
        let runtime = results.runtimes[0].id.clone();
        let cpu =
            r#","server_cpu_us_per_request":12.5,"generator_engine":"epoll","generator_threads":1"#;
        results.net = vec![
            figure(
                "streams",
                &runtime,
                &format!(r#"{cpu},"generator_busy":0.2"#),
            ),
            figure(
                "native",
                &runtime,
                &format!(r#"{cpu},"generator_busy":0.41"#),
            ),
            // From before the CPU was read: its cells say so with a dash.
            figure("floor", "floor", ""),
        ];
        let rows = net_point(&results, NetWorkload::Echo, 1024, 10);
        let column = rows
            .header
            .iter()
            .position(|h| h == "server CPU/req")
            .expect("the column");
        let cells: Vec<&str> = rows.rows.iter().map(|row| row[column].as_str()).collect();
        assert_eq!(
            cells,
            [units::time(12_500.0), units::time(12_500.0), "-".to_owned()]
        );
        let line = net_generator_line(&results, NetWorkload::Echo, 1024, 10).expect("a line");
        assert_eq!(
            line,
            format!(
                "generator: epoll, 1 thread; at most 41 % of a core busy (against {} native)",
                runner_label(&results, &runtime)
            )
        );
        let sections = net_sections(&results);
        assert_eq!(sections[0].2.as_deref(), Some(line.as_str()));
        // Where the two processes ran is said when they were pinned.
        for (placement, says) in [
            ("one CPU", "on one CPU;"),
            ("one CPU each", "on one CPU each;"),
        ] {
            for figure in &mut results.net {
                figure.placement = Some(placement.to_owned());
            }
            let line = net_generator_line(&results, NetWorkload::Echo, 1024, 10).expect("a line");
            assert!(
                line.contains(&format!("the server and the generator {says}")),
                "{line}"
            );
        }
        // Only figures from before: no line.
        results.net.truncate(0);
        results.net.push(figure("floor", "floor", ""));
        assert_eq!(
            net_generator_line(&results, NetWorkload::Echo, 1024, 10),
            None
        );
    }
}
