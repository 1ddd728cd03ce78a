//! Drawing the report: every table of the generated block, from an [`Overhead`] value only, with the
//! results page's [`units`] and Markdown tables.

use rosetta_runtimes::{Config, Flavor, RUNTIMES, RuntimeInfo};
use rosetta_workloads::{
    Case, Floor, Group, OVERHEAD_GATHER_TASKS, QueueShape, Stat, TIMER_DELAYS, Target,
    Workload as Run, channels_for, plan,
};

use super::model::{BLOCK_BEGIN, BLOCK_END, OVERHEAD_TARGET, Overhead, QUEUE_TARGET, TIMER_TARGET};
use crate::markdown;
use crate::results::PYTHON_LOOPS;
use crate::tables::Rows;
use crate::units;

/// A comparison's times in ns, when measured: its toolkit side and its native side.
type Sides = (Option<f64>, Option<f64>);

impl Overhead {
    /// criterion's time of `case`, in ns.
    pub(super) fn time(&self, case: &Case) -> Option<f64> {
        let id = case.to_string();
        self.criterion
            .iter()
            .find(|timing| timing.case == id)
            .map(|timing| timing.median_ns)
    }

    /// The paired runs' times of a comparison, in ns: its toolkit side, and its native side.
    fn paired_times(&self, row: &Comparison) -> Sides {
        let (toolkit, native) = (
            row.toolkit.to_string(),
            row.native.as_ref().map(Case::to_string),
        );
        let pair = self.paired.as_ref().and_then(|paired| {
            paired.pairs.iter().find(|pair| {
                pair.toolkit.case == toolkit
                    && pair.native.as_ref().map(|timing| &timing.case) == native.as_ref()
            })
        });
        (
            pair.map(|pair| pair.toolkit.median_ns),
            pair.and_then(|pair| pair.native.as_ref())
                .map(|timing| timing.median_ns),
        )
    }

    /// criterion's times of a comparison, in ns: its toolkit side, and its native side.
    fn criterion_times(&self, row: &Comparison) -> Sides {
        (
            self.time(&row.toolkit),
            row.native.as_ref().and_then(|native| self.time(native)),
        )
    }
}

/// The generated block: versions, then every table, all from `data`.
pub fn block(data: &Overhead) -> String {
    let mut out = String::new();
    let crates: Vec<String> = data
        .crates
        .iter()
        .map(|(name, version)| format!("{name} {version}"))
        .collect();
    out.push_str(&format!(
        "Versions: {}; {}.\n\n",
        data.rustc,
        crates.join(", ")
    ));
    let mut section = |title: String, rows: Rows| {
        out.push_str(&format!("### {title}\n\n"));
        out.push_str(&markdown::table_text(&rows));
    };
    section(
        format!("Abstraction overhead: toolkit ÷ native (target ≤ {OVERHEAD_TARGET})"),
        overhead(data, Overhead::criterion_times),
    );
    section(
        format!(
            "Queue 1x1 bounded: toolkit against the fastest raw channel on the same runtime \
             (target ≥ {QUEUE_TARGET} × its throughput)"
        ),
        queue_vs_channels(data),
    );
    section(
        format!(
            "Timer lateness against the `thread::sleep` floor (target on {}: ≤ {TIMER_TARGET} × the \
             floor)",
            RUNTIMES
                .iter()
                .filter(|info| timer_judged(info))
                .map(|info| info.id)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        timers(data),
    );
    section(
        "Blocking: a 1 ms ticker beside a task that blocks 1 ms at a time (its lateness), and one \
         `run_in_executor` round trip"
            .to_owned(),
        blocking(data),
    );
    section("Loop create and close".to_owned(), loops(data));
    section("The floors (no runtime at all)".to_owned(), floors(data));
    if data.python.is_empty() {
        out.push_str("No Python anchors: run `rosetta overhead --python`.\n\n");
    } else {
        out.push_str("### Python anchors (time per iteration; lateness for the timers)\n\n");
        out.push_str(&markdown::table_text(&python_anchors(data)));
    }
    if let Some(paired) = &data.paired {
        out.push_str(&format!(
            "### Abstraction overhead, paired: toolkit ÷ native measured alternating ({} runs each, \
             medians; target ≤ {OVERHEAD_TARGET})\n\n",
            paired.rounds
        ));
        out.push_str(&markdown::table_text(&overhead(
            data,
            Overhead::paired_times,
        )));
    }
    out
}

/// `page` with the text between [`BLOCK_BEGIN`] and [`BLOCK_END`] replaced by `block`; `None` if the
/// markers are missing.
pub fn replace_block(page: &str, block: &str) -> Option<String> {
    let start = page.find(BLOCK_BEGIN)? + BLOCK_BEGIN.len();
    let end = start + page[start..].find(BLOCK_END)?;
    Some(format!("{}\n\n{block}{}", &page[..start], &page[end..]))
}

fn rows(header: &[&str]) -> Rows {
    Rows {
        header: header.iter().map(|&h| h.to_owned()).collect(),
        rows: Vec::new(),
    }
}

fn shown(ns: Option<f64>) -> String {
    ns.map_or_else(|| "not measured".to_owned(), units::time)
}

fn ratio_text(ratio: Option<f64>) -> String {
    ratio.map_or_else(|| "-".to_owned(), units::fraction)
}

fn verdict(holds: bool) -> &'static str {
    if holds { "yes" } else { "**no**" }
}

/// One overhead comparison: what it is, the toolkit case, and the native case beside it (`None` for a
/// global runtime's loop, which has no per-loop cost).
pub(super) struct Comparison {
    pub(super) label: String,
    pub(super) toolkit: Case,
    pub(super) native: Option<Case>,
}

/// The overhead comparisons of `info`'s runtime: gather 10 000, spawn-and-await through the trait
/// (beside the native gather, which does the same), queue 1×1 bounded, a global runtime's one-time
/// start, and loop create at each measured config; only what the table admits.
pub(super) fn overhead_rows(info: &'static RuntimeInfo) -> Vec<Comparison> {
    let toolkit = |workload| Case::new(Target::Toolkit(info.id), workload);
    let native = |workload| {
        let case = Case::new(Target::Native(info.id), workload);
        case.supported().is_ok().then_some(case)
    };
    let gather = Run::Gather {
        tasks: OVERHEAD_GATHER_TASKS,
    };
    let shape = QueueShape::new(1, 1, true);
    let queue = Run::Queue { shape };
    let mut rows = vec![
        Comparison {
            label: format!("gather {OVERHEAD_GATHER_TASKS}"),
            toolkit: toolkit(gather),
            native: native(gather),
        },
        Comparison {
            label: format!("spawn+await {OVERHEAD_GATHER_TASKS} (trait only, no gather)"),
            toolkit: toolkit(Run::SpawnAwait {
                tasks: OVERHEAD_GATHER_TASKS,
            }),
            native: native(gather),
        },
        Comparison {
            label: format!("queue {shape}"),
            toolkit: toolkit(queue),
            native: native(queue),
        },
    ];
    if toolkit(Run::FirstStart).supported().is_ok() {
        rows.push(Comparison {
            label: "one-time start (fresh process)".to_owned(),
            toolkit: toolkit(Run::FirstStart),
            native: native(Run::FirstStart),
        });
    }
    for config in rosetta_workloads::plan::loop_configs(info) {
        let create = toolkit(Run::LoopCreate { config });
        rows.push(Comparison {
            label: format!("loop create {}", create.parameter()),
            toolkit: create,
            native: native(Run::LoopCreate { config }),
        });
    }
    rows
}

/// Toolkit ÷ native per runtime, with the times `time` gives.
fn overhead(data: &Overhead, times: fn(&Overhead, &Comparison) -> Sides) -> Rows {
    let mut out = rows(&[
        "runtime",
        "workload",
        "toolkit",
        "native",
        "ratio",
        "≤ target",
    ]);
    for info in RUNTIMES {
        for row in overhead_rows(info) {
            let (toolkit, native) = times(data, &row);
            if row.native.is_none() {
                out.rows.push(vec![
                    info.id.to_owned(),
                    row.label,
                    shown(toolkit),
                    no_native(info).to_owned(),
                    "-".to_owned(),
                    "-".to_owned(),
                ]);
                continue;
            }
            let ratio = toolkit
                .zip(native)
                .map(|(toolkit, native)| toolkit / native);
            out.rows.push(vec![
                info.id.to_owned(),
                row.label,
                shown(toolkit),
                shown(native),
                ratio_text(ratio),
                ratio
                    .map_or("-", |r| verdict(r <= OVERHEAD_TARGET))
                    .to_owned(),
            ]);
        }
    }
    out
}

/// What stands where a runtime has no native case.
fn no_native(info: &RuntimeInfo) -> &'static str {
    if info.flavor == Flavor::Global {
        "global runtime: no per-loop cost"
    } else {
        "no native version"
    }
}

/// The toolkit queue (1×1 bounded) against the fastest raw channel of each runtime.
fn queue_vs_channels(data: &Overhead) -> Rows {
    let shape = QueueShape::new(1, 1, true);
    let mut out = rows(&[
        "runtime",
        "toolkit Queue",
        "put/get only",
        "fastest channel",
        "its throughput",
        "toolkit ÷ fastest",
        "put/get ÷ fastest",
        "≥ target",
    ]);
    for info in RUNTIMES {
        let toolkit = data.time(&Case::new(Target::Toolkit(info.id), Run::Queue { shape }));
        let put_get = data.time(&Case::new(
            Target::Toolkit(info.id),
            Run::QueuePutGet { shape },
        ));
        let mut fastest: Option<(&str, f64)> = None;
        for kind in channels_for(info, &shape) {
            let case = Case::new(Target::Native(info.id), Run::Channel { kind, shape });
            if let Some(time) = data.time(&case)
                && fastest.is_none_or(|(_, best)| time < best)
            {
                fastest = Some((kind.name(), time));
            }
        }
        // Throughput relative to the fastest channel: its time over ours.
        let relative = |time: Option<f64>| time.zip(fastest).map(|(time, (_, best))| best / time);
        let throughput = |time: Option<f64>| {
            time.map_or_else(
                || "not measured".to_owned(),
                |ns| units::rate(shape.items as f64 * 1e9 / ns),
            )
        };
        let ratio = relative(toolkit);
        out.rows.push(vec![
            info.id.to_owned(),
            throughput(toolkit),
            throughput(put_get),
            fastest.map_or_else(|| "-".to_owned(), |(name, _)| name.to_owned()),
            throughput(fastest.map(|(_, time)| time)),
            ratio_text(ratio),
            ratio_text(relative(put_get)),
            ratio.map_or("-", |r| verdict(r >= QUEUE_TARGET)).to_owned(),
        ]);
    }
    out
}

/// Whether the timer target holds `info`'s runtime to account: every runtime's but tokio's and monoio's,
/// whose timer wheels have a 1 ms granularity by design.
fn timer_judged(info: &RuntimeInfo) -> bool {
    !matches!(info.runtime_crate, "tokio" | "monoio")
}

/// Timer lateness (sleep and call_later) of every runtime against the `thread::sleep` floor.
fn timers(data: &Overhead) -> Rows {
    let mut out = rows(&[
        "runtime",
        "delay",
        "sleep",
        "call_later",
        "floor",
        "sleep ÷ floor",
        "call_later ÷ floor",
        "≤ target",
    ]);
    for delay in TIMER_DELAYS {
        let floor = data.time(&Case::new(
            Target::Floor(Floor::ThreadSleep),
            Run::Sleep { delay },
        ));
        for info in RUNTIMES {
            let toolkit = Target::Toolkit(info.id);
            let sleep = data.time(&Case::new(toolkit, Run::Sleep { delay }));
            let call_later = data.time(&Case::new(toolkit, Run::CallLater { delay }));
            let ratio = |time: Option<f64>| time.zip(floor).map(|(time, floor)| time / floor);
            let (sleep_ratio, call_ratio) = (ratio(sleep), ratio(call_later));
            let holds = match (timer_judged(info), sleep_ratio, call_ratio) {
                (true, Some(a), Some(b)) => verdict(a <= TIMER_TARGET && b <= TIMER_TARGET),
                _ => "-",
            };
            out.rows.push(vec![
                info.id.to_owned(),
                units::time(delay.as_secs_f64() * 1e9),
                shown(sleep),
                shown(call_later),
                shown(floor),
                ratio_text(sleep_ratio),
                ratio_text(call_ratio),
                holds.to_owned(),
            ]);
        }
    }
    out
}

/// The stall (median and worst tick) and the `run_in_executor` round trip, toolkit and native.
fn blocking(data: &Overhead) -> Rows {
    let mut out = rows(&[
        "runtime",
        "stall median",
        "stall worst",
        "native median",
        "native worst",
        "run_in_executor",
        "native round trip",
    ]);
    let stall = |stat| Run::Stall { stat };
    let mut lines: Vec<(String, [Case; 6])> = RUNTIMES
        .iter()
        .map(|info| {
            let (toolkit, native) = (Target::Toolkit(info.id), Target::Native(info.id));
            let cases = [
                Case::new(toolkit, stall(Stat::Median)),
                Case::new(toolkit, stall(Stat::Worst)),
                Case::new(native, stall(Stat::Median)),
                Case::new(native, stall(Stat::Worst)),
                Case::new(toolkit, Run::RunInExecutor),
                Case::new(native, Run::RunInExecutor),
            ];
            (info.id.to_owned(), cases)
        })
        .collect();
    let (ticker, handoff) = (
        Target::Floor(Floor::ThreadTicker),
        Target::Floor(Floor::ThreadHandoff),
    );
    lines.push((
        "floor".to_owned(),
        [
            Case::new(ticker, stall(Stat::Median)),
            Case::new(ticker, stall(Stat::Worst)),
            Case::new(ticker, stall(Stat::Median)),
            Case::new(ticker, stall(Stat::Worst)),
            Case::new(handoff, Run::RunInExecutor),
            Case::new(handoff, Run::RunInExecutor),
        ],
    ));
    for (name, cases) in lines {
        let mut row = vec![name];
        row.extend(cases.iter().map(|case| shown(data.time(case))));
        out.rows.push(row);
    }
    out
}

/// Loop create and close of every runtime and config, toolkit and native.
fn loops(data: &Overhead) -> Rows {
    let mut out = rows(&[
        "runtime",
        "loop",
        "create",
        "close",
        "native create",
        "native close",
    ]);
    for info in RUNTIMES {
        let (toolkit, native) = (Target::Toolkit(info.id), Target::Native(info.id));
        for config in rosetta_workloads::plan::loop_configs(info) {
            let (create, close) = (Run::LoopCreate { config }, Run::LoopClose { config });
            let mut row = vec![
                info.id.to_owned(),
                Case::new(toolkit, create).parameter(),
                shown(data.time(&Case::new(toolkit, create))),
                shown(data.time(&Case::new(toolkit, close))),
            ];
            if Case::new(native, create).supported().is_ok() {
                row.push(shown(data.time(&Case::new(native, create))));
                row.push(shown(data.time(&Case::new(native, close))));
            } else {
                row.push(no_native(info).to_owned());
                row.push("-".to_owned());
            }
            out.rows.push(row);
        }
        let first = Case::new(toolkit, Run::FirstStart);
        if first.supported().is_ok() {
            out.rows.push(vec![
                info.id.to_owned(),
                "one-time start (fresh process)".to_owned(),
                shown(data.time(&first)),
                "-".to_owned(),
                shown(data.time(&Case::new(native, Run::FirstStart))),
                "-".to_owned(),
            ]);
        }
    }
    out
}

/// Every floor case of the plan and its estimate.
fn floors(data: &Overhead) -> Rows {
    let mut out = rows(&["group", "floor", "parameter", "time"]);
    for group in Group::ALL {
        for case in plan(group) {
            if let Target::Floor(floor) = case.target {
                out.rows.push(vec![
                    group.name().to_owned(),
                    floor.name().to_owned(),
                    case.parameter(),
                    shown(data.time(&case)),
                ]);
            }
        }
    }
    out
}

/// The Python anchors beside the toolkit's time on every runtime, for each measured point.
fn python_anchors(data: &Overhead) -> Rows {
    let loops: Vec<&str> = PYTHON_LOOPS
        .into_iter()
        .filter(|runner| data.python.iter().any(|figure| figure.runner == *runner))
        .collect();
    let mut header = vec!["group", "parameter"];
    header.extend(
        loops
            .iter()
            .map(|runner| runner.trim_start_matches("python-")),
    );
    header.extend(RUNTIMES.iter().map(|info| info.id));
    let mut out = rows(&header);
    // One row per (workload, parameter), in the order the script measured them.
    let mut points: Vec<(crate::results::Workload, &str)> = Vec::new();
    for figure in &data.python {
        if !points.contains(&(figure.workload, figure.param.as_str())) {
            points.push((figure.workload, &figure.param));
        }
    }
    for (workload, param) in points {
        let mut row = vec![workload.name().to_owned(), param.to_owned()];
        for runner in &loops {
            let figure = data.python.iter().find(|figure| {
                figure.workload == workload && figure.param == param && figure.runner == *runner
            });
            row.push(shown(figure.map(|figure| figure.median_ns)));
        }
        for info in RUNTIMES {
            let time = rust_case(info, workload, param).and_then(|case| data.time(&case));
            row.push(time.map_or_else(|| "-".to_owned(), units::time));
        }
        out.rows.push(row);
    }
    out
}

/// The toolkit case on `info` that a Python anchor of `group` at `param` stands beside: the same
/// parameter, or for the loops (asyncio's is current-thread) the runtime's default loop.
fn rust_case(info: &'static RuntimeInfo, group: Group, param: &str) -> Option<Case> {
    if matches!(group, Group::LoopCreate | Group::LoopClose) {
        let config = Config::default();
        let workload = if group == Group::LoopCreate {
            Run::LoopCreate { config }
        } else {
            Run::LoopClose { config }
        };
        return Some(Case::new(Target::Toolkit(info.id), workload));
    }
    plan(group).into_iter().find(|case| {
        case.target == Target::Toolkit(info.id)
            && case.parameter() == param
            && !matches!(
                case.workload,
                Run::SpawnAwait { .. } | Run::QueuePutGet { .. }
            )
    })
}
