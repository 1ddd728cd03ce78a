//! The overhead report: criterion's estimates from a bench run, read back from
//! `target/criterion/<group>/<function>/<parameter>/new/estimates.json`, and set side by side: toolkit
//! ÷ native per runtime, the toolkit queue against the fastest raw channel, timer lateness against the
//! `thread::sleep` floor, and the Python anchors (`python-baseline.json`, written by
//! `benches/python/baseline.py`) beside the toolkit's numbers.
//!
//! Every table is Markdown, so that the output can go into the docs as it is.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use comfy_table::{Table, presets::ASCII_MARKDOWN};
use rosetta_runtimes::{Config, Flavor, RUNTIMES, RuntimeInfo};
use serde_json::Value;

use crate::plan::{loop_configs, queue_shapes};
use crate::{
    Case, Error, Floor, OVERHEAD_GATHER_TASKS, Stat, TIMER_DELAYS, Target, Workload, channels_for,
};

/// The abstraction-overhead target: toolkit ÷ native at most this.
pub const OVERHEAD_TARGET: f64 = 1.05;

/// The queue target: toolkit throughput at least this fraction of the fastest raw channel's.
pub const QUEUE_TARGET: f64 = 0.8;

/// The timer target on smol and async-std: lateness at most this multiple of `thread::sleep`'s.
pub const TIMER_TARGET: f64 = 1.5;

/// The file the Python anchors are written to, in criterion's directory.
pub const PYTHON_BASELINE: &str = "python-baseline.json";

/// Where criterion writes its output: `$CRITERION_HOME`, else `$CARGO_TARGET_DIR/criterion`, else this
/// workspace's `target/criterion`, as criterion itself decides.
pub fn default_criterion_dir() -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return home.into();
    }
    if let Some(target) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(target).join("criterion");
    }
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .unwrap_or_else(|| Path::new("."));
    workspace.join("target").join("criterion")
}

/// Criterion's estimates from a bench run.
#[derive(Debug, Clone)]
pub struct Estimates {
    dir: PathBuf,
}

impl Estimates {
    /// The estimates under `dir` (criterion's output directory).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Estimates { dir: dir.into() }
    }

    /// Criterion's output directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where criterion writes `case`'s estimates.
    pub fn path(&self, case: &Case) -> PathBuf {
        self.dir
            .join(filename_safe(case.group().name()))
            .join(filename_safe(&case.function_id()))
            .join(filename_safe(&case.parameter()))
            .join("new")
            .join("estimates.json")
    }

    /// The estimated time of one iteration of `case`, or `None` if the case has not been measured:
    /// criterion's slope when it has one, else its mean; for the lateness groups, its median.
    ///
    /// # Errors
    ///
    /// [`Error::Report`] if the file exists but cannot be read or has no estimate.
    pub fn time(&self, case: &Case) -> Result<Option<Duration>, Error> {
        let path = self.path(case);
        let Some(json) = read_json(&path)? else {
            return Ok(None);
        };
        // Lateness has a heavy tail (one descheduled run weighs on a mean), so lateness groups are
        // read at their median; the others at criterion's slope, or mean when it has no slope.
        let keys: &[&str] = if case.group().is_lateness() {
            &["median"]
        } else {
            &["slope", "mean"]
        };
        let estimate = keys
            .iter()
            .find_map(|key| json[*key]["point_estimate"].as_f64())
            .ok_or_else(|| Error::Report {
                path: path.display().to_string(),
                why: format!("no {} point estimate", keys.join(" or ")),
            })?;
        Ok(Some(Duration::from_secs_f64(estimate.max(0.0) / 1e9)))
    }
}

/// Criterion's directory names: these characters become `_` (its `make_filename_safe`).
fn filename_safe(name: &str) -> String {
    name.chars()
        .map(|c| match c {
            '?' | '"' | '/' | '\\' | '*' | '<' | '>' | ':' | '|' | '^' => '_',
            c => c,
        })
        .collect()
}

/// The JSON at `path`, or `None` if there is no such file.
fn read_json(path: &Path) -> Result<Option<Value>, Error> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => {
            return Err(Error::Report {
                path: path.display().to_string(),
                why: error.to_string(),
            });
        }
    };
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|error| Error::Report {
            path: path.display().to_string(),
            why: error.to_string(),
        })
}

/// Writes the whole report: versions, overhead, queue, timers, and the Python anchors if present.
///
/// # Errors
///
/// [`Error::Report`] if an estimate or the Python baseline exists but cannot be read.
pub fn render(estimates: &Estimates) -> Result<String, Error> {
    let mut out = String::new();
    let _ = writeln!(out, "{}\n", versions());
    let _ = writeln!(
        out,
        "### Abstraction overhead: toolkit ÷ native (target ≤ {OVERHEAD_TARGET:.2})\n\n{}\n",
        overhead(estimates)?
    );
    let _ = writeln!(
        out,
        "### Queue 1x1 bounded: toolkit against the fastest raw channel on the same runtime \
         (target ≥ {QUEUE_TARGET:.1} × its throughput)\n\n{}\n",
        queue_vs_channels(estimates)?
    );
    let _ = writeln!(
        out,
        "### Timer lateness against the `thread::sleep` floor (target on smol and async-std: \
         ≤ {TIMER_TARGET:.1} × the floor)\n\n{}\n",
        timers(estimates)?
    );
    let _ = writeln!(
        out,
        "### Blocking: a 1 ms ticker beside a task that blocks 1 ms at a time (its lateness), and \
         one `run_in_executor` round trip\n\n{}\n",
        blocking(estimates)?
    );
    let _ = writeln!(out, "### Loop create and close\n\n{}\n", loops(estimates)?);
    let _ = writeln!(
        out,
        "### The floors (no runtime at all)\n\n{}\n",
        floors(estimates)?
    );
    let python = estimates.dir().join(PYTHON_BASELINE);
    match read_json(&python)? {
        Some(json) => {
            let _ = writeln!(
                out,
                "### Python anchors (time per iteration; lateness for the timers)\n\n{}\n",
                python_anchors(estimates, &json)?
            );
        }
        None => {
            let _ = writeln!(
                out,
                "No Python anchors at {}: run `python3 benches/python/baseline.py`.\n",
                python.display()
            );
        }
    }
    Ok(out)
}

/// The versions every number depends on: rustc and each runtime crate, from the lock file.
pub fn versions() -> String {
    let crates: Vec<String> = rosetta_runtimes::runtime_crate_versions()
        .into_iter()
        .map(|(name, version)| format!("{name} {version}"))
        .collect();
    format!(
        "Versions: {}; {}.",
        rosetta_runtimes::RUSTC_VERSION,
        crates.join(", ")
    )
}

fn table(header: &[&str]) -> Table {
    let mut table = Table::new();
    table.load_style(ASCII_MARKDOWN).set_header(header.to_vec());
    table
}

/// A time, at a readable scale.
pub fn human(time: Duration) -> String {
    let ns = time.as_secs_f64() * 1e9;
    if ns < 1e3 {
        format!("{ns:.1} ns")
    } else if ns < 1e6 {
        format!("{:.2} µs", ns / 1e3)
    } else if ns < 1e9 {
        format!("{:.2} ms", ns / 1e6)
    } else {
        format!("{:.2} s", ns / 1e9)
    }
}

/// A rate of `elements` per `time`, at a readable scale.
fn rate(elements: u64, time: Duration) -> String {
    let per_second = elements as f64 / time.as_secs_f64();
    if per_second >= 1e6 {
        format!("{:.2} M/s", per_second / 1e6)
    } else if per_second >= 1e3 {
        format!("{:.1} k/s", per_second / 1e3)
    } else {
        format!("{per_second:.0}/s")
    }
}

fn shown(time: Option<Duration>) -> String {
    time.map_or_else(|| "not measured".to_owned(), human)
}

fn verdict(holds: bool) -> &'static str {
    if holds { "yes" } else { "**no**" }
}

/// One overhead comparison: what it is, the toolkit case, and the native case beside it (`None` for a
/// global runtime's loop, which has no per-loop cost).
struct Overhead {
    label: String,
    toolkit: Case,
    native: Option<Case>,
}

/// The overhead comparisons of `info`'s runtime: gather 10 000, spawn-and-await through the trait
/// (beside the native gather, which does the same), queue 1×1 bounded, a global runtime's one-time
/// start, and loop create at each measured config.
fn overhead_rows(info: &'static RuntimeInfo) -> Vec<Overhead> {
    let toolkit = |workload| Case::new(Target::Toolkit(info.id), workload);
    let native = |workload| Some(Case::new(Target::Native(info.id), workload));
    let gather = Workload::Gather {
        tasks: OVERHEAD_GATHER_TASKS,
    };
    let queue = Workload::Queue {
        shape: queue_shapes()[0],
    };
    let mut rows = vec![
        Overhead {
            label: format!("gather {OVERHEAD_GATHER_TASKS}"),
            toolkit: toolkit(gather),
            native: native(gather),
        },
        Overhead {
            label: format!("spawn+await {OVERHEAD_GATHER_TASKS} (trait only, no gather)"),
            toolkit: toolkit(Workload::SpawnAwait {
                tasks: OVERHEAD_GATHER_TASKS,
            }),
            native: native(gather),
        },
        Overhead {
            label: format!("queue {}", queue_shapes()[0]),
            toolkit: toolkit(queue),
            native: native(queue),
        },
    ];
    if info.flavor == Flavor::Global {
        rows.push(Overhead {
            label: "one-time start (fresh process)".to_owned(),
            toolkit: toolkit(Workload::FirstStart),
            native: native(Workload::FirstStart),
        });
    }
    for config in loop_configs(info) {
        let create = Workload::LoopCreate { config };
        let case = toolkit(create);
        rows.push(Overhead {
            label: format!("loop create {}", case.parameter()),
            toolkit: case,
            native: if info.flavor == Flavor::Global {
                None
            } else {
                native(create)
            },
        });
    }
    rows
}

fn overhead_table() -> Table {
    table(&[
        "runtime",
        "workload",
        "toolkit",
        "native",
        "ratio",
        "≤ target",
    ])
}

/// A row of an overhead table.
fn overhead_row(
    info: &RuntimeInfo,
    row: &Overhead,
    toolkit: Option<Duration>,
    native: Option<Duration>,
) -> Vec<String> {
    if row.native.is_none() {
        return vec![
            info.id.to_owned(),
            row.label.clone(),
            shown(toolkit),
            "global runtime: no per-loop cost".to_owned(),
            "-".to_owned(),
            "-".to_owned(),
        ];
    }
    let (ratio, holds) = match (toolkit, native) {
        (Some(toolkit), Some(native)) => {
            let ratio = toolkit.as_secs_f64() / native.as_secs_f64();
            (
                format!("{ratio:.3}"),
                verdict(ratio <= OVERHEAD_TARGET).to_owned(),
            )
        }
        _ => ("-".to_owned(), "-".to_owned()),
    };
    vec![
        info.id.to_owned(),
        row.label.clone(),
        shown(toolkit),
        shown(native),
        ratio,
        holds,
    ]
}

/// Toolkit ÷ native per runtime, from criterion's estimates.
fn overhead(estimates: &Estimates) -> Result<String, Error> {
    let mut out = overhead_table();
    for info in RUNTIMES {
        for row in overhead_rows(info) {
            let toolkit = estimates.time(&row.toolkit)?;
            let native = match &row.native {
                Some(case) => estimates.time(case)?,
                None => None,
            };
            out.add_row(overhead_row(info, &row, toolkit, native));
        }
    }
    Ok(out.to_string())
}

/// Toolkit ÷ native per runtime, measured now as paired comparisons ([`crate::compare::paired`]):
/// each toolkit case alternates with its native twin, `rounds` runs each, and the medians are set
/// side by side. Loop creates run 50 to a run, so that a run is long enough to time.
///
/// # Errors
///
/// Whatever preparing or running a case returns.
pub fn paired_overhead(rounds: usize) -> Result<String, Error> {
    let mut out = overhead_table();
    for info in RUNTIMES {
        for row in overhead_rows(info) {
            let iters = match row.toolkit.workload {
                Workload::LoopCreate { .. } => 50,
                _ => 1,
            };
            let (toolkit, native) = match &row.native {
                Some(native) => {
                    let paired = crate::compare::paired(
                        row.toolkit.bench()?,
                        native.bench()?,
                        rounds,
                        iters,
                    )?;
                    (Some(paired.a.median), Some(paired.b.median))
                }
                None => (
                    Some(crate::compare::alone(row.toolkit.bench()?, rounds, iters)?.median),
                    None,
                ),
            };
            out.add_row(overhead_row(info, &row, toolkit, native));
        }
    }
    Ok(out.to_string())
}

/// The toolkit queue (1×1 bounded) against the fastest raw channel of each runtime.
fn queue_vs_channels(estimates: &Estimates) -> Result<String, Error> {
    let shape = queue_shapes()[0];
    let mut out = table(&[
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
        let toolkit = estimates.time(&Case::new(
            Target::Toolkit(info.id),
            Workload::Queue { shape },
        ))?;
        let put_get = estimates.time(&Case::new(
            Target::Toolkit(info.id),
            Workload::QueuePutGet { shape },
        ))?;
        let mut fastest: Option<(&str, Duration)> = None;
        for kind in channels_for(info, &shape) {
            let case = Case::new(Target::Native(info.id), Workload::Channel { kind, shape });
            if let Some(time) = estimates.time(&case)?
                && fastest.is_none_or(|(_, best)| time < best)
            {
                fastest = Some((kind.name(), time));
            }
        }
        // Throughput relative to the fastest channel: its time over ours.
        let relative = |time: Option<Duration>| match (time, fastest) {
            (Some(time), Some((_, channel))) => Some(channel.as_secs_f64() / time.as_secs_f64()),
            _ => None,
        };
        let show = |r: Option<f64>| r.map_or_else(|| "-".to_owned(), |r| format!("{r:.2}"));
        let throughput = |time: Option<Duration>| {
            time.map_or_else(|| "not measured".to_owned(), |t| rate(shape.items, t))
        };
        let ratio = relative(toolkit);
        out.add_row(vec![
            info.id.to_owned(),
            throughput(toolkit),
            throughput(put_get),
            fastest.map_or_else(|| "-".to_owned(), |(name, _)| name.to_owned()),
            throughput(fastest.map(|(_, time)| time)),
            show(ratio),
            show(relative(put_get)),
            ratio.map_or_else(|| "-".to_owned(), |r| verdict(r >= QUEUE_TARGET).to_owned()),
        ]);
    }
    Ok(out.to_string())
}

/// Timer lateness (sleep and call_later) of every runtime against the `thread::sleep` floor.
fn timers(estimates: &Estimates) -> Result<String, Error> {
    let mut out = table(&[
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
        let floor = estimates.time(&Case::new(
            Target::Floor(Floor::ThreadSleep),
            Workload::Sleep { delay },
        ))?;
        for info in RUNTIMES {
            let sleep = estimates.time(&Case::new(
                Target::Toolkit(info.id),
                Workload::Sleep { delay },
            ))?;
            let call_later = estimates.time(&Case::new(
                Target::Toolkit(info.id),
                Workload::CallLater { delay },
            ))?;
            let ratio = |time: Option<Duration>| match (time, floor) {
                (Some(time), Some(floor)) => Some(time.as_secs_f64() / floor.as_secs_f64()),
                _ => None,
            };
            let (sleep_ratio, call_ratio) = (ratio(sleep), ratio(call_later));
            let judged = info.runtime_crate != "tokio";
            let holds = match (judged, sleep_ratio, call_ratio) {
                (false, ..) => "-".to_owned(),
                (true, Some(a), Some(b)) => verdict(a <= TIMER_TARGET && b <= TIMER_TARGET).into(),
                _ => "-".to_owned(),
            };
            let show = |r: Option<f64>| r.map_or_else(|| "-".to_owned(), |r| format!("{r:.2}"));
            out.add_row(vec![
                info.id.to_owned(),
                format!("{} ms", delay.as_millis()),
                shown(sleep),
                shown(call_later),
                shown(floor),
                show(sleep_ratio),
                show(call_ratio),
                holds,
            ]);
        }
    }
    Ok(out.to_string())
}

/// The stall (median and worst tick) and the `run_in_executor` round trip, toolkit and native.
fn blocking(estimates: &Estimates) -> Result<String, Error> {
    let mut out = table(&[
        "runtime",
        "stall median",
        "stall worst",
        "native median",
        "native worst",
        "run_in_executor",
        "native round trip",
    ]);
    let stall = |stat| Workload::Stall { stat };
    let mut rows: Vec<(String, Vec<Case>)> = RUNTIMES
        .iter()
        .map(|info| {
            let (toolkit, native) = (Target::Toolkit(info.id), Target::Native(info.id));
            let cases = vec![
                Case::new(toolkit, stall(Stat::Median)),
                Case::new(toolkit, stall(Stat::Worst)),
                Case::new(native, stall(Stat::Median)),
                Case::new(native, stall(Stat::Worst)),
                Case::new(toolkit, Workload::RunInExecutor),
                Case::new(native, Workload::RunInExecutor),
            ];
            (info.id.to_owned(), cases)
        })
        .collect();
    let (ticker, handoff) = (
        Target::Floor(Floor::ThreadTicker),
        Target::Floor(Floor::ThreadHandoff),
    );
    rows.push((
        "floor".to_owned(),
        vec![
            Case::new(ticker, stall(Stat::Median)),
            Case::new(ticker, stall(Stat::Worst)),
            Case::new(ticker, stall(Stat::Median)),
            Case::new(ticker, stall(Stat::Worst)),
            Case::new(handoff, Workload::RunInExecutor),
            Case::new(handoff, Workload::RunInExecutor),
        ],
    ));
    for (name, cases) in rows {
        let mut row = vec![name];
        for case in &cases {
            row.push(shown(estimates.time(case)?));
        }
        out.add_row(row);
    }
    Ok(out.to_string())
}

/// Loop create and close of every runtime and config, toolkit and native.
fn loops(estimates: &Estimates) -> Result<String, Error> {
    let mut out = table(&[
        "runtime",
        "loop",
        "create",
        "close",
        "native create",
        "native close",
    ]);
    for info in RUNTIMES {
        for config in loop_configs(info) {
            let (create, close) = (
                Workload::LoopCreate { config },
                Workload::LoopClose { config },
            );
            let toolkit = Target::Toolkit(info.id);
            let native = Target::Native(info.id);
            let mut row = vec![
                info.id.to_owned(),
                Case::new(toolkit, create).parameter(),
                shown(estimates.time(&Case::new(toolkit, create))?),
                shown(estimates.time(&Case::new(toolkit, close))?),
            ];
            if info.flavor == Flavor::Global {
                row.push("global runtime: no per-loop cost".to_owned());
                row.push("-".to_owned());
                out.add_row(row);
                let first = Case::new(toolkit, Workload::FirstStart);
                out.add_row(vec![
                    info.id.to_owned(),
                    "one-time start (fresh process)".to_owned(),
                    shown(estimates.time(&first)?),
                    "-".to_owned(),
                    shown(estimates.time(&Case::new(native, Workload::FirstStart))?),
                    "-".to_owned(),
                ]);
            } else {
                row.push(shown(estimates.time(&Case::new(native, create))?));
                row.push(shown(estimates.time(&Case::new(native, close))?));
                out.add_row(row);
            }
        }
    }
    Ok(out.to_string())
}

/// Every floor case of the plan and its estimate.
fn floors(estimates: &Estimates) -> Result<String, Error> {
    let mut out = table(&["group", "floor", "parameter", "time"]);
    for group in crate::Group::ALL {
        for case in crate::plan(group) {
            if let Target::Floor(floor) = case.target {
                out.add_row(vec![
                    group.name().to_owned(),
                    floor.name().to_owned(),
                    case.parameter(),
                    shown(estimates.time(&case)?),
                ]);
            }
        }
    }
    Ok(out.to_string())
}

/// The Python anchors beside the toolkit's time on every runtime, for each measured point.
fn python_anchors(estimates: &Estimates, json: &Value) -> Result<String, Error> {
    let mut header = vec!["group", "parameter"];
    let loops: Vec<&str> = json["loops"]
        .as_array()
        .map(|loops| loops.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    header.extend(loops.iter().copied());
    header.extend(RUNTIMES.iter().map(|info| info.id));
    let mut out = table(&header);
    let Some(results) = json["results"].as_array() else {
        return Err(Error::Report {
            path: estimates.dir().join(PYTHON_BASELINE).display().to_string(),
            why: "no `results` array".into(),
        });
    };
    // One row per (group, parameter), in the order the script measured them.
    let mut points: Vec<(&str, &str)> = Vec::new();
    for result in results {
        if let (Some(group), Some(parameter)) =
            (result["group"].as_str(), result["parameter"].as_str())
            && !points.contains(&(group, parameter))
        {
            points.push((group, parameter));
        }
    }
    for (group, parameter) in points {
        let mut row = vec![group.to_owned(), parameter.to_owned()];
        for lp in &loops {
            let ns = results.iter().find_map(|result| {
                (result["group"] == group
                    && result["parameter"] == parameter
                    && result["loop"] == *lp)
                    .then(|| result["ns"].as_f64())
                    .flatten()
            });
            row.push(ns.map_or_else(
                || "-".to_owned(),
                |ns| human(Duration::from_secs_f64(ns.max(0.0) / 1e9)),
            ));
        }
        for info in RUNTIMES {
            let time = match rust_case(info, group, parameter) {
                Some(case) => estimates.time(&case)?,
                None => None,
            };
            row.push(time.map_or_else(|| "-".to_owned(), human));
        }
        out.add_row(row);
    }
    Ok(out.to_string())
}

/// The toolkit case on `info` that a Python anchor's group and parameter stand beside.
fn rust_case(info: &'static RuntimeInfo, group: &str, parameter: &str) -> Option<Case> {
    let target = Target::Toolkit(info.id);
    let configs = match info.flavor {
        Flavor::MultiThread => vec![Config::default()],
        _ => loop_configs(info),
    };
    let mut candidates: Vec<Workload> = Vec::new();
    candidates.extend(crate::GATHER_SIZES.map(|tasks| Workload::Gather { tasks }));
    candidates.extend(
        queue_shapes()
            .into_iter()
            .map(|shape| Workload::Queue { shape }),
    );
    for config in configs {
        candidates.push(Workload::LoopCreate { config });
        candidates.push(Workload::LoopClose { config });
    }
    for delay in TIMER_DELAYS {
        candidates.push(Workload::Sleep { delay });
        candidates.push(Workload::CallLater { delay });
    }
    candidates.into_iter().map(|w| Case::new(target, w)).find(|case| {
        case.group().name() == group
            && (case.parameter() == parameter
                // asyncio's loop is current-thread; beside it, each runtime's default loop.
                || matches!(case.workload, Workload::LoopCreate { .. } | Workload::LoopClose { .. }))
    })
}
