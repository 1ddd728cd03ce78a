//! Which figures each chart shows: the data selection from [`Results`] into a [`Chart`], one function
//! per chart, leaving out every value that its axis cannot show.

use crate::results::{Figure, Heading, Results, Workload};
use crate::units;

use super::axis::positive;
use super::model::{Bars, Body, Chart, Line, Lineup, Marker, Point};

/// One group of bars: which figures it shows.
struct Group {
    label: String,
    workload: Workload,
    param: String,
}

/// Gather latency against N, one line per runner.
pub(super) fn gather(results: &Results) -> Option<Chart> {
    let mut lines = Vec::new();
    for (runner, series) in Lineup::of(results).runners() {
        let mut points: Vec<Point> = results
            .figures_of(Workload::Gather)
            .filter(|figure| figure.runner == runner)
            .filter_map(|figure| {
                let n: f64 = figure.param.replace(['_', ' '], "").parse().ok()?;
                Some(Point {
                    x: positive(n)?,
                    y: positive(figure.median_ns)?,
                    spread: positive(figure.min_ns).zip(positive(figure.max_ns)),
                })
            })
            .collect();
        if points.is_empty() {
            continue;
        }
        points.sort_by(|a, b| a.x.total_cmp(&b.x));
        lines.push(Line {
            series,
            points,
            marker: Marker::Circle,
        });
    }
    (!lines.is_empty()).then(|| Chart {
        title: Workload::Gather.title().to_owned(),
        x_desc: "N, tasks per gather (log scale)",
        y_desc: "median time per gather (log scale; bars: min–max)",
        body: Body::Lines {
            lines,
            x_log: true,
            x_format: units::count,
            y_format: units::time,
        },
    })
}

/// Queue throughput, one group per producers × consumers.
pub(super) fn queue(results: &Results) -> Option<Chart> {
    let groups = results
        .params_of(Workload::Queue)
        .into_iter()
        .map(|param| Group {
            label: param.to_owned(),
            workload: Workload::Queue,
            param: param.to_owned(),
        })
        .collect();
    let bars = bars(results, groups, Figure::per_second, false, units::rate)?;
    Some(Chart {
        title: Workload::Queue.title().to_owned(),
        x_desc: "producers × consumers, queue bound",
        y_desc: "items per second (median)",
        body: Body::Bars(bars),
    })
}

/// Loop create and close, log scale: a runner's create and close can be orders of magnitude apart.
pub(super) fn loops(results: &Results) -> Option<Chart> {
    let mut groups = Vec::new();
    for (workload, name) in [
        (Workload::LoopCreate, "create"),
        (Workload::LoopClose, "close"),
    ] {
        for param in results.params_of(workload) {
            groups.push(Group {
                label: if param == "default" {
                    name.to_owned()
                } else {
                    format!("{name} ({param})")
                },
                workload,
                param: param.to_owned(),
            });
        }
    }
    let bars = bars(
        results,
        groups,
        |figure| Some(figure.median_ns),
        true,
        units::time,
    )?;
    Some(Chart {
        title: format!(
            "{} and {}",
            Workload::LoopCreate.title(),
            Workload::LoopClose.title()
        ),
        x_desc: "",
        y_desc: "median time (log scale)",
        body: Body::Bars(bars),
    })
}

/// Timer lateness and the blocking stall, in µs.
pub(super) fn timers(results: &Results) -> Option<Chart> {
    let mut groups = Vec::new();
    for (workload, name) in [
        (Workload::TimerSleep, "sleep"),
        (Workload::TimerCallLater, "call_later"),
        (Workload::BlockingStall, "stall"),
    ] {
        for param in results.params_of(workload) {
            groups.push(Group {
                label: format!("{name} {param}"),
                workload,
                param: param.to_owned(),
            });
        }
    }
    let bars = bars(
        results,
        groups,
        |figure| Some(figure.median_ns / 1e3),
        false,
        units::plain,
    )?;
    Some(Chart {
        title: "timer lateness: sleep(d), call_later(d), and a 1 ms ticker beside a blocking task"
            .to_owned(),
        x_desc: "timer and delay; stall: median and worst tick",
        y_desc: "lateness past the deadline (µs, median)",
        body: Body::Bars(bars),
    })
}

/// The bars of `groups`, `value` of each runner's figure; `None` when there is no bar at all.
fn bars(
    results: &Results,
    groups: Vec<Group>,
    value: fn(&Figure) -> Option<f64>,
    log: bool,
    y_format: fn(f64) -> String,
) -> Option<Bars> {
    let mut slots = Vec::new();
    // Runner-major while collecting, so a runner without a single bar gets no slot.
    let mut columns: Vec<Vec<Option<f64>>> = Vec::new();
    for (runner, series) in Lineup::of(results).runners() {
        let column: Vec<Option<f64>> = groups
            .iter()
            .map(|group| {
                results
                    .figure(group.workload, &group.param, runner)
                    .and_then(value)
                    .and_then(positive)
            })
            .collect();
        if column.iter().any(Option::is_some) {
            slots.push(series);
            columns.push(column);
        }
    }
    if slots.is_empty() {
        return None;
    }
    let values = (0..groups.len())
        .map(|group| columns.iter().map(|column| column[group]).collect())
        .collect();
    Some(Bars {
        groups: groups.into_iter().map(|group| group.label).collect(),
        slots,
        values,
        log,
        y_format,
    })
}

#[cfg(test)]
mod tests {
    use super::super::model::Series;
    use super::super::testing::{figure, registry, results, synthetic};
    use super::*;

    fn lines(chart: &Chart) -> &[Line] {
        match &chart.body {
            Body::Lines { lines, .. } => lines,
            Body::Bars(_) => panic!("{} is drawn as bars", chart.title),
        }
    }

    fn bars(chart: &Chart) -> &Bars {
        match &chart.body {
            Body::Bars(bars) => bars,
            Body::Lines { .. } => panic!("{} is drawn as lines", chart.title),
        }
    }

    fn labels(series: impl IntoIterator<Item = Series>) -> Vec<String> {
        series.into_iter().map(|series| series.label).collect()
    }

    #[test]
    fn gather_draws_a_line_per_runner_sorted_by_n_without_what_a_log_axis_cannot_show() {
        let figures = vec![
            figure(Workload::Gather, "1_000", "smol", 90_000.0),
            figure(Workload::Gather, "10", "smol", 2_000.0),
            figure(Workload::Gather, "100", "smol", f64::NAN),
            figure(Workload::Gather, "0", "smol", 1_000.0),
            figure(Workload::Gather, "many", "smol", 1_000.0),
            figure(Workload::Gather, "10", "tokio", 0.0),
        ];
        let chart = gather(&results(&registry(), figures)).expect("smol has points");
        let lines = lines(&chart);
        assert_eq!(
            labels(lines.iter().map(|line| line.series.clone())),
            ["smol"]
        );
        let xs: Vec<f64> = lines[0].points.iter().map(|point| point.x).collect();
        assert_eq!(xs, [10.0, 1_000.0]);
        assert_eq!(lines[0].points[0].spread, Some((1_600.0, 3_000.0)));
    }

    #[test]
    fn bars_give_each_runner_with_a_bar_one_slot_in_every_group() {
        let figures = vec![
            figure(Workload::LoopCreate, "default", "tokio", 9_000.0),
            figure(Workload::LoopClose, "default", "tokio", 0.0),
            figure(Workload::LoopClose, "default", "smol", 700.0),
            figure(Workload::LoopClose, "4 workers", "smol", 800.0),
        ];
        let chart = loops(&results(&registry(), figures)).expect("two runners have bars");
        let bars = bars(&chart);
        assert_eq!(bars.groups, ["create", "close", "close (4 workers)"]);
        assert_eq!(labels(bars.slots.clone()), ["tokio", "smol"]);
        assert_eq!(
            bars.values,
            [
                [Some(9_000.0), None],
                [None, Some(700.0)],
                [None, Some(800.0)]
            ]
        );
        assert!(bars.log);
    }

    #[test]
    fn queue_bars_are_items_per_second_and_timers_are_microseconds() {
        let results = synthetic();
        let queue = queue(&results).expect("the queue was measured");
        let tokio = &bars(&queue).values[0][0];
        // 10 000 items in 1 ms.
        assert_eq!(*tokio, Some(1.0e7));
        let timers = timers(&results).expect("the timers were measured");
        let timers = bars(&timers);
        assert_eq!(timers.groups[0], "sleep 1ms");
        assert_eq!(timers.values[0][0], Some(80.0));
        assert!(!timers.log);
    }

    #[test]
    fn a_chart_with_nothing_to_show_is_none() {
        let results = results(&registry(), Vec::new());
        assert!(gather(&results).is_none());
        assert!(queue(&results).is_none());
        assert!(loops(&results).is_none());
        assert!(timers(&results).is_none());
    }
}
