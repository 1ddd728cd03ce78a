//! The network charts' selection: requests/s against connections for each message size (the
//! toolkit's streams server on each runtime, the floor, Python's streams server on each loop), and
//! the p50 and p99 latency of every server at 1 KiB × 10.

use plotters::style::RGBColor;

use crate::results::{NetFigure, NetWorkload, Results};
use crate::units;

use super::axis::positive;
use super::model::{Bars, Body, Chart, Line, Lineup, Point, Series};

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

/// The runners of the echo figures, in chart order: runtimes by the lineup, the floor, Python.
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

/// The message sizes whose requests/s are charted: those measured at two connection counts or more.
pub(super) fn rps_sizes(results: &Results) -> Vec<u64> {
    let points = results.net_points(NetWorkload::Echo);
    let mut sizes: Vec<u64> = points.iter().map(|(size, _)| *size).collect();
    sizes.dedup();
    sizes.retain(|size| points.iter().filter(|(s, _)| s == size).count() > 1);
    sizes
}

/// Requests/s against connections at `size`, log-log: one line per runner, its streams server
/// (the floor's own), with min–max bars over the runs.
pub(super) fn echo_rps(results: &Results, size: u64) -> Option<Chart> {
    let lineup = Lineup::of(results);
    let mut lines = Vec::new();
    for runner in runners(results) {
        let server = if runner == "floor" {
            "floor"
        } else {
            "streams"
        };
        let mut points: Vec<Point> = results
            .net
            .iter()
            .filter(|f| {
                f.workload == NetWorkload::Echo
                    && f.size == size
                    && f.workers.is_none()
                    && f.runner == runner
                    && f.server == server
            })
            .filter_map(|f: &NetFigure| {
                let runs = f.runs_per_s.iter().copied().filter(|v| *v > 0.0);
                let low = runs.clone().min_by(f64::total_cmp);
                let high = runs.max_by(f64::total_cmp);
                Some(Point {
                    x: positive(f64::from(f.connections))?,
                    y: positive(f.requests_per_s)?,
                    spread: low.and_then(positive).zip(high.and_then(positive)),
                })
            })
            .collect();
        if points.len() < 2 {
            continue;
        }
        points.sort_by(|a, b| a.x.total_cmp(&b.x));
        lines.push(Line {
            series: series(&lineup, &runner),
            points,
        });
    }
    let size = rosetta_netbench::measure::size_label(usize::try_from(size).unwrap_or(usize::MAX));
    (!lines.is_empty()).then(|| Chart {
        title: format!("echo {size}: requests/s against connections (streams servers)"),
        x_desc: "connections (log scale)",
        y_desc: "requests per second, median (log scale; bars: min–max)",
        body: Body::Lines {
            lines,
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
