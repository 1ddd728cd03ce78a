//! The network charts' selection: requests/s against connections for each message size and for
//! HTTP (each runner's first server of the table: the toolkit's streams server or the trait HTTP
//! server on each runtime, the floor, Python's streams server or aiohttp on each loop), the p50 and
//! p99 latency of every server at 1 KiB × 10, and requests/s against worker threads in the sweep.

use plotters::style::RGBColor;
use rosetta_netbench::servers::{self, Launch};

use crate::results::{NetFigure, NetWorkload, Results};
use crate::units;

use super::axis::positive;
use super::model::{Bars, Body, Chart, Line, Lineup, Marker, Point, Series};

/// The floor's colour: black, which no runner gets.
const FLOOR: RGBColor = RGBColor(0, 0, 0);

fn series(lineup: &Lineup<'_>, runner: &str) -> Series {
    if runner == "floor" {
        Series {
            label: "floor (std::net)".to_owned(),
            color: FLOOR,
        }
    } else {
        lineup.series(runner)
    }
}

/// The runners of the network figures, in chart order: runtimes by the lineup, the floor, Python.
fn runners(results: &Results) -> Vec<String> {
    let lineup = Lineup::of(results);
    let mut runners: Vec<String> = lineup.runners().map(|(r, _)| r.to_owned()).collect();
    runners.retain(|r| !r.starts_with("python-"));
    for runtime in &results.runtimes {
        if !runners.contains(&runtime.id) {
            runners.push(runtime.id.clone());
        }
    }
    runners.push("floor".to_owned());
    runners.extend(crate::results::PYTHON_LOOPS.iter().map(|p| (*p).to_owned()));
    runners.retain(|runner| results.net.iter().any(|f| &f.runner == runner));
    runners
}

/// The server a requests/s chart draws for `runner`: the first of `workload`'s table that runs on
/// it (a runtime's first per-runtime server, the first floor, Python's first script).
fn first_server(workload: NetWorkload, runner: &str) -> Option<&'static str> {
    servers::of(workload)
        .find(|server| match server.launch {
            Launch::Rust { per_runtime, .. } => {
                !runner.starts_with("python-") && per_runtime == (runner != "floor")
            }
            Launch::Python { .. } => runner.starts_with("python-"),
        })
        .map(|server| server.id)
}

/// The sizes of `workload` whose requests/s are charted: those measured at two connection counts
/// or more.
pub(super) fn rps_sizes(results: &Results, workload: NetWorkload) -> Vec<u64> {
    let points = results.net_points(workload);
    let mut sizes: Vec<u64> = points.iter().map(|(size, _)| *size).collect();
    sizes.dedup();
    sizes.retain(|size| points.iter().filter(|(s, _)| s == size).count() > 1);
    sizes
}

/// A line's point for `figure` at `x`: its median requests/s with the min–max of its runs.
fn rps_point(x: f64, figure: &NetFigure) -> Option<Point> {
    let runs = figure.runs_per_s.iter().copied().filter(|v| *v > 0.0);
    let low = runs.clone().min_by(f64::total_cmp);
    let high = runs.max_by(f64::total_cmp);
    Some(Point {
        x: positive(x)?,
        y: positive(figure.requests_per_s)?,
        spread: low.and_then(positive).zip(high.and_then(positive)),
    })
}

/// Requests/s against connections of `workload` at `size`, log-log: one line per runner, its first
/// server ([`first_server`]), with min–max bars over the runs.
pub(super) fn rps(results: &Results, workload: NetWorkload, size: u64) -> Option<Chart> {
    let lineup = Lineup::of(results);
    let mut lines = Vec::new();
    for runner in runners(results) {
        let Some(server) = first_server(workload, &runner) else {
            continue;
        };
        let mut points: Vec<Point> = results
            .net
            .iter()
            .filter(|f| {
                f.workload == workload
                    && f.size == size
                    && f.workers.is_none()
                    && f.runner == runner
                    && f.server == server
            })
            .filter_map(|f| rps_point(f64::from(f.connections), f))
            .collect();
        if points.len() < 2 {
            continue;
        }
        points.sort_by(|a, b| a.x.total_cmp(&b.x));
        lines.push(Line {
            series: series(&lineup, &runner),
            points,
            marker: Marker::Circle,
        });
    }
    let size = rosetta_netbench::measure::size_label(usize::try_from(size).unwrap_or(usize::MAX));
    let title = match workload {
        NetWorkload::Echo => {
            format!("echo {size}: requests/s against connections (streams servers)")
        }
        NetWorkload::Http => format!(
            "HTTP GET of {size}: requests/s against connections (trait servers; aiohttp on Python)"
        ),
    };
    (!lines.is_empty()).then_some(Chart {
        title,
        x_desc: "connections (log scale)",
        y_desc: "requests per second, median (log scale; bars: min–max)",
        body: Body::Lines {
            lines,
            x_log: true,
            x_format: units::count,
            y_format: units::rate,
        },
    })
}

/// Requests/s against worker threads in the sweep: one line per runner and server, the runner's
/// colour with a marker per server, on a linear x axis; `None` without two worker counts.
pub(super) fn workers(results: &Results) -> Option<Chart> {
    let swept: Vec<&NetFigure> = results
        .net
        .iter()
        .filter(|f| f.workload == NetWorkload::Echo && f.workers.is_some())
        .collect();
    let point = swept.first()?;
    let (size, connections) = (point.size, point.connections);
    let lineup = Lineup::of(results);
    let mut lines = Vec::new();
    for runner in runners(results) {
        let mut servers: Vec<&str> = Vec::new();
        for figure in swept.iter().filter(|f| f.runner == runner) {
            if !servers.contains(&figure.server.as_str()) {
                servers.push(&figure.server);
            }
        }
        for (server, marker) in servers.into_iter().zip(Marker::ALL.into_iter().cycle()) {
            let mut points: Vec<Point> = swept
                .iter()
                .filter(|f| f.runner == runner && f.server == server)
                .filter_map(|f| rps_point(f64::from(f.workers?), f))
                .collect();
            if points.len() < 2 {
                continue;
            }
            points.sort_by(|a, b| a.x.total_cmp(&b.x));
            let mut series = series(&lineup, &runner);
            series.label = format!("{} {server}", series.label);
            lines.push(Line {
                series,
                points,
                marker,
            });
        }
    }
    let size = rosetta_netbench::measure::size_label(usize::try_from(size).unwrap_or(usize::MAX));
    (!lines.is_empty()).then(|| Chart {
        title: format!("echo {size} × {connections}: requests/s against worker threads"),
        x_desc: "worker threads",
        y_desc: "requests per second, median (log scale; bars: min–max)",
        body: Body::Lines {
            lines,
            x_log: false,
            x_format: units::count,
            y_format: units::rate,
        },
    })
}

/// p50 and p99 latency of every server on every runner at 1 KiB × 10, log scale: a group per server
/// and percentile, a bar per runner.
pub(super) fn echo_latency(results: &Results) -> Option<Chart> {
    let at: Vec<&NetFigure> = results
        .net
        .iter()
        .filter(|f| f.at(NetWorkload::Echo, 1024, 10))
        .collect();
    let mut servers: Vec<&str> = Vec::new();
    for figure in &at {
        if !servers.contains(&figure.server.as_str()) {
            servers.push(&figure.server);
        }
    }
    let lineup = Lineup::of(results);
    let runners: Vec<String> = runners(results)
        .into_iter()
        .filter(|runner| at.iter().any(|f| &f.runner == runner))
        .collect();
    let mut groups = Vec::new();
    let mut values = Vec::new();
    for server in &servers {
        for (name, pick) in [
            ("p50", (|f: &NetFigure| f.p50_us) as fn(&NetFigure) -> f64),
            ("p99", |f: &NetFigure| f.p99_us),
        ] {
            groups.push(format!("{server} {name}"));
            values.push(
                runners
                    .iter()
                    .map(|runner| {
                        at.iter()
                            .find(|f| &f.runner == runner && f.server == *server)
                            .and_then(|f| positive(pick(f) * 1e3))
                    })
                    .collect::<Vec<_>>(),
            );
        }
    }
    if values.iter().flatten().all(Option::is_none) {
        return None;
    }
    Some(Chart {
        title: "echo 1 KiB × 10: p50 and p99 latency per server".to_owned(),
        x_desc: "server, percentile",
        y_desc: "latency (log scale)",
        body: Body::Bars(Bars {
            groups,
            slots: runners
                .iter()
                .map(|runner| series(&lineup, runner))
                .collect(),
            values,
            log: true,
            y_format: units::time,
        }),
    })
}
