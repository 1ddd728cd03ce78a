//! The network tables of a full run (`--full`), which a report can still read: per message size
//! (and for HTTP) one compact table of requests/s and *× best Rust* against connections, the full
//! per-point tables of the default run's points only, the targets and the worker sweep. A default or
//! quick run's tables are [`tables::net_sections`], unchanged.

use crate::net::NetPlan;
use crate::results::{NetFigure, NetWorkload, Results};
use crate::tables::{self, Rows};

/// Whether `results` are of a sweep: a network figure at a point the default run does not measure,
/// or one of the worker sweep.
pub fn is_sweep(results: &Results) -> bool {
    results
        .net
        .iter()
        .any(|figure| figure.workers.is_some() || !at_default_point(figure))
}

/// Whether `figure` is at one of the default run's points ([`NetPlan::default_run`]).
fn at_default_point(figure: &NetFigure) -> bool {
    NetPlan::default_run().points.iter().any(|point| {
        figure.workload == point.workload
            && figure.size == point.size as u64
            && figure.connections as usize == point.connections
    })
}

/// The compact table of `workload` at `size`: a row per runner and server, as the full tables
/// order them, and a column per connection count, each cell the requests/s and *× best Rust* at
/// that point (`82.3k/s ×1.30`), `-` where the server has no figure, and what a loop that is not
/// installed says.
pub fn by_connections(results: &Results, workload: NetWorkload, size: u64) -> Rows {
    let counts: Vec<u32> = results
        .net_points(workload)
        .into_iter()
        .filter(|(s, _)| *s == size)
        .map(|(_, connections)| connections)
        .collect();
    let mut header = vec!["runner".to_owned(), "server".to_owned()];
    header.extend(counts.iter().map(|n| format!("× {n}")));
    let mut rows: Vec<Vec<String>> = Vec::new();
    for (column, connections) in counts.iter().enumerate() {
        let point = tables::net_point(results, workload, size, *connections);
        let find = |name: &str| point.header.iter().position(|heading| heading == name);
        let (Some(rps), Some(ratio)) = (find("requests/s"), find("× best Rust")) else {
            continue;
        };
        for row in &point.rows {
            let cell = if row[rps] == row[ratio] {
                // A dash, or what a loop that is not installed says: once.
                row[rps].clone()
            } else {
                format!("{} {}", row[rps], row[ratio])
            };
            let at = match rows.iter().position(|r| r[0] == row[0] && r[1] == row[1]) {
                Some(at) => at,
                None => {
                    let mut new = vec![row[0].clone(), row[1].clone()];
                    new.resize(header.len(), "-".to_owned());
                    rows.push(new);
                    rows.len() - 1
                }
            };
            rows[at][2 + column] = cell;
        }
    }
    Rows { header, rows }
}

/// Every network table of `results` under its heading, in report order. A sweep's, per workload:
/// the compact table of each size ([`by_connections`]), then what [`tables::net_sections`] shows of
/// the default run's points and the worker sweep (the full per-point tables, the targets, the
/// requests/s against worker threads). Any other run's: [`tables::net_sections`] as it is.
pub fn sections(results: &Results) -> Vec<(String, Rows, Option<String>)> {
    if !is_sweep(results) {
        return tables::net_sections(results);
    }
    let mut sections = Vec::new();
    for workload in NetWorkload::ALL {
        let mut sizes: Vec<u64> = results
            .net_points(workload)
            .into_iter()
            .map(|(size, _)| size)
            .collect();
        sizes.dedup();
        for size in sizes {
            let size_text =
                rosetta_netbench::measure::size_label(usize::try_from(size).unwrap_or(usize::MAX));
            sections.push((
                format!(
                    "{} at {size_text}: requests/s and × best Rust against connections",
                    workload.title()
                ),
                by_connections(results, workload, size),
                None,
            ));
        }
        let mut shown = results.clone();
        shown.net.retain(|figure| {
            figure.workload == workload && (figure.workers.is_some() || at_default_point(figure))
        });
        shown.net_gaps.retain(|gap| gap.workload == workload);
        sections.extend(tables::net_sections(&shown));
    }
    sections
}

/// What a sweep's report says of its tables, or `None` for any other run.
pub fn note(results: &Results) -> Option<&'static str> {
    is_sweep(results).then_some(
        "A full run measures every point: per message size, one table shows each server's \
         requests/s and *× best Rust* at every connection count; the full tables (latencies, peak \
         RSS, spread) are those of the default run's points, and the worker sweep closes the \
         section.",
    )
}
