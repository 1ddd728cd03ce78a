//! SVG charts of a comparison's figures: gather latency, queue throughput, loop create and close,
//! and timer lateness, one file each, drawn from [`Results`].
//!
//! Plotters draws them with its SVG backend and none of its font machinery: text goes into the SVG
//! as `<text>` elements in the generic `sans-serif` family, and whatever shows the SVG lays it out,
//! so drawing needs no font file and no fontconfig. Plotters can then only *estimate* how wide a
//! text is (0.7 em per byte, wider than real type), so the layout leaves room: the legend has its
//! own column beside the plot and never covers a bar or a line.

use std::ops::Range;
use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::coord::cartesian::Cartesian2d;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::results::{Figure, Results, Workload};
use crate::units;

/// Why the charts could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    /// The directory could not be created or a chart file could not be written.
    #[error("cannot write {}: {source}", .path.display())]
    Io {
        /// The directory or file.
        path: PathBuf,
        /// What the OS said.
        #[source]
        source: std::io::Error,
    },
    /// Plotters failed to draw a chart.
    #[error("cannot draw {}: {message}", .path.display())]
    Draw {
        /// The chart's file.
        path: PathBuf,
        /// Plotters' error, as text.
        message: String,
    },
}

/// Writes the charts of `results` into `dir`, creating it, and returns the paths written.
///
/// The charts are `gather.svg` (gather latency against N, log-log, with min–max bars),
/// `queue.svg` (queue throughput per producers × consumers), `loops.svg` (loop create and close,
/// log scale) and `timers.svg` (timer lateness and the blocking stall). A chart with nothing to
/// draw (its workloads have no figures, or none with a positive, finite value) is not written, and
/// when no chart has anything to draw `dir` is not created either. Each runner keeps one colour in
/// every chart: its position in [`Results::runners`] picks it from a fixed palette.
///
/// # Errors
///
/// [`ChartError::Io`] when `dir` cannot be created or a file cannot be written,
/// [`ChartError::Draw`] when plotters fails; both name the path.
///
/// # Examples
///
/// ```
/// use rosetta_compare::results::{Figure, Machine, Mode, PythonRun, Results, RuntimeEntry, Versions};
/// use rosetta_compare::{Workload, charts};
///
/// # let results = Results {
/// #     schema: rosetta_compare::results::SCHEMA,
/// #     generated_by: "rosetta compare --quick".into(),
/// #     generated_at: "2025-01-01T00:00:00Z".into(),
/// #     mode: Mode::Quick,
/// #     elapsed_s: 30.0,
/// #     machine: Machine {
/// #         os: "linux".into(),
/// #         kernel: "6.1".into(),
/// #         cpu: "unknown".into(),
/// #         cores: 2,
/// #         memory_gib: None,
/// #     },
/// #     versions: Versions {
/// #         rustc: "rustc 1.88.0".into(),
/// #         async_rosetta: "0.1.0".into(),
/// #         crates: vec![],
/// #         python: None,
/// #         uvloop: None,
/// #     },
/// #     runtimes: vec![RuntimeEntry {
/// #         id: "tokio".into(),
/// #         name: "tokio (current-thread)".into(),
/// #         runtime_crate: "tokio".into(),
/// #         version: "1.54.1".into(),
/// #         flavor: "current-thread".into(),
/// #         workers: 1,
/// #         discontinued: None,
/// #     }],
/// #     scenarios: vec![],
/// #     matrix: vec![],
/// #     figures: vec![],
/// #     python: PythonRun::Skipped { why: "no python3".into() },
/// #     problems: vec![],
/// # };
/// // `results` has one runtime, tokio, and one figure: 1 000 tasks gathered in 80 µs.
/// # let mut results = results;
/// results.figures.push(Figure {
///     workload: Workload::Gather,
///     param: "1000".into(),
///     runner: "tokio".into(),
///     median_ns: 80_000.0,
///     min_ns: 75_000.0,
///     max_ns: 95_000.0,
///     runs: 10,
///     elements: Some(1000),
/// });
/// let dir = std::env::temp_dir().join(format!("rosetta-charts-doc-{}", std::process::id()));
/// let written = charts::write_all(&results, &dir)?;
/// assert_eq!(written, [dir.join("gather.svg")]);
/// assert!(std::fs::read_to_string(&written[0])?.starts_with("<svg"));
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write_all(results: &Results, dir: &Path) -> Result<Vec<PathBuf>, ChartError> {
    let charts = [
        (GATHER_SVG, gather(results)),
        (QUEUE_SVG, queue(results)),
        (LOOPS_SVG, loops(results)),
        (TIMERS_SVG, timers(results)),
    ];
    let charts: Vec<(&str, Chart)> = charts
        .into_iter()
        .filter_map(|(file, chart)| Some((file, chart?)))
        .collect();
    if charts.is_empty() {
        return Ok(Vec::new());
    }

    std::fs::create_dir_all(dir).map_err(|source| ChartError::Io {
        path: dir.to_owned(),
        source,
    })?;
    let footer = footer(results);
    let mut written = Vec::with_capacity(charts.len());
    for (file, chart) in charts {
        let path = dir.join(file);
        let svg = render(&chart, &footer).map_err(|error| ChartError::Draw {
            path: path.clone(),
            message: error.to_string(),
        })?;
        std::fs::write(&path, svg).map_err(|source| ChartError::Io {
            path: path.clone(),
            source,
        })?;
        written.push(path);
    }
    Ok(written)
}

const GATHER_SVG: &str = "gather.svg";
const QUEUE_SVG: &str = "queue.svg";
const LOOPS_SVG: &str = "loops.svg";
const TIMERS_SVG: &str = "timers.svg";

/// The chart that shows `workload`, by file name; `None` for a workload shown beside another's (loop
/// close with loop create, the stall and `call_later` with the timers).
pub fn file_of(workload: Workload) -> Option<&'static str> {
    match workload {
        Workload::Gather => Some(GATHER_SVG),
        Workload::Queue => Some(QUEUE_SVG),
        Workload::LoopCreate => Some(LOOPS_SVG),
        Workload::TimerSleep => Some(TIMERS_SVG),
        Workload::LoopClose | Workload::TimerCallLater | Workload::BlockingStall => None,
    }
}

/// The size of every chart, in pixels.
const SIZE: (u32, u32) = (900, 500);
/// The width of the legend's column, right of the plot.
const LEGEND_WIDTH: u32 = 200;
/// The height of the "generated by" line at the bottom.
const FOOTER_HEIGHT: u32 = 22;
/// The only font family used: generic, so the viewer picks a face and no font file is needed.
const FONT: &str = "sans-serif";
/// Grid lines.
const GRID: RGBColor = RGBColor(0xdd, 0xdd, 0xdd);
/// Minor grid lines.
const GRID_LIGHT: RGBColor = RGBColor(0xf2, 0xf2, 0xf2);
/// Secondary text.
const GREY: RGBColor = RGBColor(0x66, 0x66, 0x66);

/// One colour per runner, by its position in [`Results::runners`] (Tableau 10, which stays
/// distinguishable for the common forms of colour blindness).
const PALETTE: [RGBColor; 10] = [
    RGBColor(0x4e, 0x79, 0xa7),
    RGBColor(0xf2, 0x8e, 0x2b),
    RGBColor(0x59, 0xa1, 0x4f),
    RGBColor(0xe1, 0x57, 0x59),
    RGBColor(0xb0, 0x7a, 0xa1),
    RGBColor(0x9c, 0x75, 0x5f),
    RGBColor(0x76, 0xb7, 0xb2),
    RGBColor(0xed, 0xc9, 0x48),
    RGBColor(0xff, 0x9d, 0xa7),
    RGBColor(0xba, 0xb0, 0xac),
];

/// The error of drawing on the SVG backend.
type DrawError = DrawingAreaErrorKind<std::io::Error>;
/// A pixel-addressed part of a chart.
type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

/// A runner as a chart shows it.
#[derive(Debug, Clone)]
struct Series {
    /// The legend's text.
    label: String,
    /// Its colour, the same in every chart.
    color: RGBColor,
}

impl Series {
    /// The runner at `index` of [`Results::runners`].
    fn of(results: &Results, index: usize, runner: &str) -> Series {
        let discontinued = results
            .runtimes
            .iter()
            .any(|rt| rt.id == runner && rt.discontinued.is_some());
        Series {
            label: if discontinued {
                format!("{runner} (discontinued)")
            } else {
                runner.to_owned()
            },
            color: PALETTE[index % PALETTE.len()],
        }
    }
}

/// A chart's content, independent of how it is drawn.
#[derive(Debug)]
struct Chart {
    /// The heading.
    title: String,
    /// What the x axis shows.
    x_desc: &'static str,
    /// What the y axis shows.
    y_desc: &'static str,
    /// The plot itself.
    body: Body,
}

/// Lines over a log-log plane, or grouped bars.
#[derive(Debug)]
enum Body {
    /// One line per runner.
    Lines {
        /// Runners with at least one point, in runner order.
        lines: Vec<Line>,
        /// Formats an x tick.
        x_format: fn(f64) -> String,
        /// Formats a y tick.
        y_format: fn(f64) -> String,
    },
    /// One group of bars per parameter, one bar per runner.
    Bars(Bars),
}

/// One runner's line.
#[derive(Debug)]
struct Line {
    series: Series,
    /// Sorted by x; every value positive and finite.
    points: Vec<Point>,
}

/// A point of a line, with the spread of its runs.
#[derive(Debug, Clone, Copy)]
struct Point {
    x: f64,
    y: f64,
    /// The fastest and slowest run, when both are positive and finite.
    spread: Option<(f64, f64)>,
}

/// Grouped bars.
#[derive(Debug)]
struct Bars {
    /// The groups' names, left to right.
    groups: Vec<String>,
    /// The runners with at least one bar: each keeps its slot in every group.
    slots: Vec<Series>,
    /// `values[group][slot]`: positive and finite, or no bar.
    values: Vec<Vec<Option<f64>>>,
    /// Whether the y axis is logarithmic.
    log: bool,
    /// Formats a y tick.
    y_format: fn(f64) -> String,
}

/// One group of bars: which figures it shows.
struct Group {
    label: String,
    workload: Workload,
    param: String,
}

/// `value` if a log axis can show it: positive and finite (NaN is neither).
fn positive(value: f64) -> Option<f64> {
    (value.is_finite() && value > 0.0).then_some(value)
}

/// Gather latency against N, one line per runner.
fn gather(results: &Results) -> Option<Chart> {
    let mut lines = Vec::new();
    for (index, runner) in results.runners().into_iter().enumerate() {
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
            series: Series::of(results, index, runner),
            points,
        });
    }
    (!lines.is_empty()).then(|| Chart {
        title: Workload::Gather.title().to_owned(),
        x_desc: "N, tasks per gather (log scale)",
        y_desc: "median time per gather (log scale; bars: min–max)",
        body: Body::Lines {
            lines,
            x_format: units::count,
            y_format: units::time,
        },
    })
}

/// Queue throughput, one group per producers × consumers.
fn queue(results: &Results) -> Option<Chart> {
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
fn loops(results: &Results) -> Option<Chart> {
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
fn timers(results: &Results) -> Option<Chart> {
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
    for (index, runner) in results.runners().into_iter().enumerate() {
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
            slots.push(Series::of(results, index, runner));
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

/// The line at the bottom of every chart: where the numbers come from.
fn footer(results: &Results) -> String {
    format!(
        "generated by `{}` at {} on {} ({} cores); do not edit",
        results.generated_by, results.generated_at, results.machine.cpu, results.machine.cores
    )
}

/// Draws `chart` as an SVG document.
fn render(chart: &Chart, footer: &str) -> Result<String, DrawError> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE)?;
        let (body, bottom) = root.split_vertically(SIZE.1 - FOOTER_HEIGHT);
        let body = body.titled(&chart.title, (FONT, 24))?;
        let (plot, legend) = body.split_horizontally(SIZE.0 - LEGEND_WIDTH);
        let entries: Vec<&Series> = match &chart.body {
            Body::Lines {
                lines,
                x_format,
                y_format,
            } => {
                draw_lines(&plot, chart, lines, *x_format, *y_format)?;
                lines.iter().map(|line| &line.series).collect()
            }
            Body::Bars(bars) => {
                draw_bars(&plot, chart, bars)?;
                bars.slots.iter().collect()
            }
        };
        draw_legend(&legend, &entries, matches!(chart.body, Body::Lines { .. }))?;
        bottom.draw(&Text::new(
            footer.to_owned(),
            (10, (FOOTER_HEIGHT / 2) as i32),
            TextStyle::from((FONT, 13).into_font())
                .color(&GREY)
                .pos(Pos::new(HPos::Left, VPos::Center)),
        ))?;
        root.present()?;
    }
    Ok(svg)
}

/// Draws the legend's column: a swatch (a marked line, or a bar's colour) and a label per runner.
fn draw_legend(area: &Area<'_>, entries: &[&Series], line: bool) -> Result<(), DrawError> {
    let style = TextStyle::from((FONT, 16).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
    for (row, series) in entries.iter().enumerate() {
        let y = 24 + 24 * row as i32;
        if line {
            area.draw(&PathElement::new(
                vec![(8, y), (34, y)],
                series.color.stroke_width(2),
            ))?;
            area.draw(&Circle::new((21, y), 4, series.color.filled()))?;
        } else {
            area.draw(&Rectangle::new(
                [(12, y - 7), (28, y + 7)],
                series.color.filled(),
            ))?;
        }
        area.draw(&Text::new(series.label.clone(), (42, y), style.clone()))?;
    }
    Ok(())
}

/// Draws log-log lines with min–max bars.
fn draw_lines(
    area: &Area<'_>,
    chart: &Chart,
    lines: &[Line],
    x_format: fn(f64) -> String,
    y_format: fn(f64) -> String,
) -> Result<(), DrawError> {
    let points = || lines.iter().flat_map(|line| line.points.iter());
    let x = Axis::log(points().map(|point| point.x));
    let y = Axis::log(points().flat_map(|point| {
        let (lo, hi) = point.spread.unwrap_or((point.y, point.y));
        [point.y, lo, hi]
    }));
    let mut plane = plane(
        area,
        chart,
        (x, &|x| x_format(*x)),
        (y, &|y| y_format(*y)),
        true,
    )?;
    for line in lines {
        let color = line.series.color;
        let thin = color.stroke_width(1);
        plane.draw_series(line.points.iter().filter_map(|point| {
            let (lo, hi) = point.spread?;
            Some(PathElement::new(vec![(point.x, lo), (point.x, hi)], thin))
        }))?;
        plane.draw_series(
            line.points
                .iter()
                .filter_map(|point| Some((point.x, point.spread?)))
                .flat_map(|(x, (lo, hi))| [(x, lo), (x, hi)])
                .map(|end| EmptyElement::at(end) + PathElement::new(vec![(-4, 0), (4, 0)], thin)),
        )?;
        plane.draw_series(LineSeries::new(
            line.points.iter().map(|point| (point.x, point.y)),
            color.stroke_width(2),
        ))?;
        plane.draw_series(
            line.points
                .iter()
                .map(|point| Circle::new((point.x, point.y), 4, color.filled())),
        )?;
    }
    Ok(())
}

/// Draws grouped bars: group `g` spans `g..g + 1` on the x axis, its name under `g + 0.5`, and
/// each runner keeps its slot in every group.
fn draw_bars(area: &Area<'_>, chart: &Chart, bars: &Bars) -> Result<(), DrawError> {
    let values = bars.values.iter().flatten().flatten().copied();
    let y = if bars.log {
        Axis::log(values)
    } else {
        Axis::linear(values.fold(0.0, f64::max) * 1.1)
    };
    // A bar grows from the bottom of the axis: zero on a linear one, below the least value on a
    // log one (which cannot show zero).
    let base = y.range.start;
    let x_format = |x: &f64| {
        bars.groups
            .get(x.floor().max(0.0) as usize)
            .cloned()
            .unwrap_or_default()
    };
    let mut plane = plane(
        area,
        chart,
        (Axis::groups(bars.groups.len()), &x_format),
        (y, &|y| (bars.y_format)(*y)),
        false,
    )?;
    let width = 0.8 / bars.slots.len() as f64;
    plane.draw_series(bars.values.iter().enumerate().flat_map(|(group, row)| {
        row.iter().enumerate().filter_map(move |(slot, value)| {
            let left = group as f64 + 0.1 + slot as f64 * width;
            let (x0, x1) = (left + width * 0.08, left + width * 0.92);
            let color = bars.slots[slot].color;
            Some(Rectangle::new(
                [(x0, base), (x1, (*value)?)],
                color.filled(),
            ))
        })
    }))?;
    Ok(())
}

/// The plotting plane of a chart, its axes, grid and their labels drawn; `x_mesh` is false for
/// bars, whose vertical grid lines would cut through the groups.
fn plane<'a, 'b>(
    area: &'a Area<'b>,
    chart: &Chart,
    (x, x_format): (Axis, &dyn Fn(&f64) -> String),
    (y, y_format): (Axis, &dyn Fn(&f64) -> String),
    x_mesh: bool,
) -> Result<ChartContext<'a, SVGBackend<'b>, Cartesian2d<Axis, Axis>>, DrawError> {
    let mut plane = ChartBuilder::on(area)
        .margin(10)
        .margin_right(20)
        .x_label_area_size(if chart.x_desc.is_empty() { 35 } else { 55 })
        .y_label_area_size(80)
        .build_cartesian_2d(x, y)?;
    let mut mesh = plane.configure_mesh();
    mesh.x_desc(chart.x_desc)
        .y_desc(chart.y_desc)
        .x_label_formatter(x_format)
        .y_label_formatter(y_format)
        .label_style((FONT, 15))
        .axis_desc_style((FONT, 16))
        .bold_line_style(GRID)
        .light_line_style(GRID_LIGHT);
    if !x_mesh {
        mesh.disable_x_mesh();
    }
    mesh.draw()?;
    Ok(plane)
}

/// One axis of a chart: linear or logarithmic, with the ticks this module picks.
///
/// Plotters' own axes pick their ticks, and binding chosen ticks to its `f64` axis loses the
/// label formatter; this one does both.
#[derive(Debug, Clone)]
struct Axis {
    range: Range<f64>,
    log: bool,
    /// Labelled ticks, with a grid line.
    ticks: Vec<f64>,
    /// Unlabelled minor grid lines.
    minor: Vec<f64>,
}

impl Axis {
    /// `0..hi`, ticked at round steps.
    fn linear(hi: f64) -> Axis {
        let hi = positive(hi).unwrap_or(1.0);
        let step = nice_step(hi / 8.0);
        let ticks = (0..)
            .map(|index| f64::from(index) * step)
            .take_while(|tick| *tick <= hi)
            .collect();
        Axis {
            range: 0.0..hi,
            log: false,
            ticks,
            minor: Vec::new(),
        }
    }

    /// A log axis around `values` (all positive), with a margin of 1.6× each side so a point is
    /// never on the frame and the range holds at least one 1-2-5 tick.
    fn log(values: impl Iterator<Item = f64>) -> Axis {
        let (lo, hi) = values.fold((f64::INFINITY, 0.0_f64), |(lo, hi), value| {
            (lo.min(value), hi.max(value))
        });
        let (lo, hi) = if lo.is_finite() && hi > 0.0 {
            (lo / 1.6, hi * 1.6)
        } else {
            (1.0, 10.0)
        };
        let within = |ticks: Vec<f64>| -> Vec<f64> {
            ticks
                .into_iter()
                .filter(|tick| (lo..=hi).contains(tick))
                .collect()
        };
        let exponents = lo.log10().floor() as i32..=hi.log10().ceil() as i32;
        let decades = within(exponents.clone().map(|exp| 10f64.powi(exp)).collect());
        let multiples = |steps: &[f64]| {
            within(
                exponents
                    .clone()
                    .flat_map(|exp| steps.iter().map(move |step| step * 10f64.powi(exp)))
                    .collect(),
            )
        };
        let (ticks, minor) = if decades.len() >= 3 {
            (
                decades,
                multiples(&[2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]),
            )
        } else {
            (multiples(&[1.0, 2.0, 5.0]), Vec::new())
        };
        Axis {
            range: lo..hi,
            log: true,
            ticks,
            minor,
        }
    }

    /// `0..groups`, ticked at each group's centre.
    fn groups(groups: usize) -> Axis {
        Axis {
            range: 0.0..groups.max(1) as f64,
            log: false,
            ticks: (0..groups).map(|group| group as f64 + 0.5).collect(),
            minor: Vec::new(),
        }
    }
}

impl Ranged for Axis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let scale = |value: f64| if self.log { value.ln() } else { value };
        let (lo, hi) = (scale(self.range.start), scale(self.range.end));
        let fraction = (scale(*value) - lo) / (hi - lo);
        // A value far outside (or NaN) lands just outside the frame rather than at i32::MIN.
        let fraction = if fraction.is_nan() {
            0.0
        } else {
            fraction.clamp(-1.0, 2.0)
        };
        limit.0 + (fraction * f64::from(limit.1 - limit.0)).round() as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            self.minor.clone()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> Range<f64> {
        self.range.clone()
    }
}

/// The least of 1, 2, 2.5 or 5 × 10^k that is at least `raw`: an axis of `8 × raw` gets 4 to 9 ticks.
fn nice_step(raw: f64) -> f64 {
    let power = 10f64.powi(raw.log10().floor() as i32);
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .map(|step| step * power)
        .find(|step| *step >= raw)
        .unwrap_or(10.0 * power)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::{
        Machine, Mode, PYTHON_ASYNCIO, PythonRun, RuntimeEntry, SCHEMA, Versions,
    };

    const RUNTIMES: [&str; 5] = ["tokio", "tokio-mt", "smol", "smol-mt", "async-std"];

    /// A directory under the system's temp dir, removed when dropped (also when a test fails).
    struct TempDir(PathBuf);

    impl TempDir {
        fn new(test: &str) -> TempDir {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |elapsed| elapsed.as_nanos());
            TempDir(std::env::temp_dir().join(format!(
                "rosetta-charts-{test}-{}-{nanos}",
                std::process::id()
            )))
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn results(runtimes: &[&str], figures: Vec<Figure>) -> Results {
        Results {
            schema: SCHEMA,
            generated_by: "rosetta compare --quick".to_owned(),
            generated_at: "2025-01-01T00:00:00Z".to_owned(),
            mode: Mode::Quick,
            elapsed_s: 30.0,
            machine: Machine {
                os: "linux".to_owned(),
                kernel: "6.1.0".to_owned(),
                cpu: "Test CPU @ 3.0GHz".to_owned(),
                cores: 4,
                memory_gib: Some(16.0),
            },
            versions: Versions {
                rustc: "rustc 1.88.0".to_owned(),
                async_rosetta: "0.1.0".to_owned(),
                crates: Vec::new(),
                python: Some("3.12.3".to_owned()),
                uvloop: None,
            },
            runtimes: runtimes
                .iter()
                .map(|id| RuntimeEntry {
                    id: (*id).to_owned(),
                    name: (*id).to_owned(),
                    runtime_crate: id.split('-').next().unwrap_or(id).to_owned(),
                    version: "1.0.0".to_owned(),
                    flavor: if id.ends_with("-mt") {
                        "multi-thread"
                    } else {
                        "current-thread"
                    }
                    .to_owned(),
                    workers: 1,
                    discontinued: (*id == "async-std").then(|| "discontinued".to_owned()),
                })
                .collect(),
            scenarios: Vec::new(),
            matrix: Vec::new(),
            figures,
            python: PythonRun::Ran {
                loops: vec!["asyncio".to_owned()],
                skipped: Vec::new(),
            },
            problems: Vec::new(),
        }
    }

    fn figure(workload: Workload, param: &str, runner: &str, median_ns: f64) -> Figure {
        Figure {
            workload,
            param: param.to_owned(),
            runner: runner.to_owned(),
            median_ns,
            min_ns: median_ns * 0.8,
            max_ns: median_ns * 1.5,
            runs: 10,
            elements: match workload {
                Workload::Gather => param.parse().ok(),
                Workload::Queue => Some(10_000),
                _ => None,
            },
        }
    }

    /// Every workload at every parameter on the five runtimes and python-asyncio, with a spread of
    /// values like a real run's.
    fn synthetic() -> Results {
        let mut figures = Vec::new();
        let runners = RUNTIMES.iter().copied().chain([PYTHON_ASYNCIO]);
        for (index, runner) in runners.enumerate() {
            let speed = 1.0 + index as f64 * 0.6;
            let python = if runner == PYTHON_ASYNCIO { 8.0 } else { 1.0 };
            for n in [10, 100, 1_000, 10_000] {
                let ns = (2_000.0 + 90.0 * f64::from(n)) * speed * python;
                figures.push(figure(Workload::Gather, &n.to_string(), runner, ns));
            }
            for (param, base) in [
                ("1x1-bounded", 1.0e6),
                ("1x1-unbounded", 0.8e6),
                ("4x4-bounded", 2.5e6),
            ] {
                figures.push(figure(
                    Workload::Queue,
                    param,
                    runner,
                    base * speed * python,
                ));
            }
            let (create, close) = match runner {
                "async-std" => (0.4, 0.3),
                PYTHON_ASYNCIO => (45_000.0, 12_000.0),
                _ => (8_000.0 * speed, 900.0 * speed),
            };
            figures.push(figure(Workload::LoopCreate, "default", runner, create));
            figures.push(figure(Workload::LoopClose, "default", runner, close));
            for (workload, param, ns) in [
                (Workload::TimerSleep, "1ms", 80_000.0),
                (Workload::TimerSleep, "10ms", 120_000.0),
                (Workload::TimerCallLater, "1ms", 60_000.0),
                (Workload::TimerCallLater, "10ms", 90_000.0),
                (Workload::BlockingStall, "median", 500_000.0),
                (Workload::BlockingStall, "worst", 1_100_000.0),
            ] {
                figures.push(figure(workload, param, runner, ns * speed));
            }
        }
        results(&RUNTIMES, figures)
    }

    /// Renders every chart of `results` into a fresh temp dir and returns the files' names and
    /// contents.
    fn write(test: &str, results: &Results) -> Vec<(String, String)> {
        let dir = TempDir::new(test);
        let written = write_all(results, &dir.0).expect("charts are written");
        written
            .iter()
            .map(|path| {
                assert_eq!(path.parent(), Some(dir.0.as_path()));
                let name = path
                    .file_name()
                    .map(|name| name.to_string_lossy().into_owned());
                let svg = std::fs::read_to_string(path).expect("a written chart can be read");
                (name.unwrap_or_default(), svg)
            })
            .collect()
    }

    /// The texts an SVG shows, each `<text>` element's content.
    fn texts(svg: &str) -> Vec<&str> {
        svg.split("<text")
            .skip(1)
            .filter_map(|rest| {
                let (_, body) = rest.split_once('>')?;
                Some(body.split_once("</text>")?.0.trim())
            })
            .collect()
    }

    #[test]
    fn every_chart_is_an_svg_naming_every_runner() {
        let charts = write("every", &synthetic());
        let names: Vec<&str> = charts.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(
            names,
            ["gather.svg", "queue.svg", "loops.svg", "timers.svg"]
        );
        for (name, svg) in &charts {
            assert!(svg.starts_with("<svg"), "{name} is not an SVG");
            for label in [
                "tokio",
                "tokio-mt",
                "smol",
                "smol-mt",
                "async-std (discontinued)",
                "python-asyncio",
            ] {
                assert!(texts(svg).contains(&label), "{name} does not name {label}");
            }
            assert!(
                svg.contains("do not edit"),
                "{name} has no generated-by line"
            );
        }
    }

    #[test]
    fn each_chart_is_titled_by_its_workload() {
        let charts = write("titles", &synthetic());
        let texts = |file: &str| texts(&charts.iter().find(|(name, _)| name == file).unwrap().1);
        assert!(texts("gather.svg").contains(&Workload::Gather.title()));
        assert!(texts("queue.svg").contains(&Workload::Queue.title()));
        assert!(texts("loops.svg").contains(&"loop create and loop close"));
        for group in [
            "sleep 1ms",
            "call_later 10ms",
            "stall median",
            "stall worst",
        ] {
            assert!(texts("timers.svg").contains(&group), "no {group} group");
        }
    }

    #[test]
    fn no_figures_writes_nothing_and_creates_no_dir() {
        let dir = TempDir::new("empty");
        let written = write_all(&results(&RUNTIMES, Vec::new()), &dir.0).expect("no error");
        assert!(written.is_empty());
        assert!(!dir.0.exists());
    }

    #[test]
    fn values_no_axis_can_show_leave_their_chart_out() {
        let figures = vec![
            figure(Workload::Gather, "100", "tokio", f64::NAN),
            figure(Workload::Gather, "many", "tokio", 1_000.0),
            figure(Workload::Gather, "0", "tokio", 1_000.0),
            figure(Workload::LoopCreate, "default", "tokio", 0.0),
            figure(Workload::LoopClose, "default", "tokio", -3.0),
            figure(Workload::TimerSleep, "1ms", "tokio", f64::INFINITY),
            Figure {
                elements: None,
                ..figure(Workload::Queue, "1x1-bounded", "tokio", 1_000.0)
            },
        ];
        let dir = TempDir::new("unshowable");
        let written = write_all(&results(&RUNTIMES, figures), &dir.0).expect("no error");
        assert!(written.is_empty());
    }

    #[test]
    fn a_runner_without_a_figure_gets_no_bar_and_no_legend_entry() {
        let figures = vec![
            figure(Workload::LoopCreate, "default", "tokio", 9_000.0),
            figure(Workload::LoopClose, "default", "tokio", 0.0),
            figure(Workload::LoopClose, "default", "smol", 700.0),
        ];
        let charts = write("absent", &results(&RUNTIMES, figures));
        assert_eq!(charts.len(), 1);
        let (name, svg) = &charts[0];
        assert_eq!(name, "loops.svg");
        let texts = texts(svg);
        assert!(texts.contains(&"tokio") && texts.contains(&"smol"));
        assert!(!svg.contains("async-std") && !svg.contains("tokio-mt"));
    }

    #[test]
    fn a_single_runner_with_a_single_point_is_drawn() {
        let figures = vec![
            figure(Workload::Gather, "1000", "smol", 50_000.0),
            figure(Workload::Queue, "1x1-bounded", "smol", 1.0e6),
            figure(Workload::TimerSleep, "1ms", "smol", 0.0),
            figure(Workload::TimerCallLater, "1ms", "smol", 70_000.0),
        ];
        let charts = write("single", &results(&["smol"], figures));
        let names: Vec<&str> = charts.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(names, ["gather.svg", "queue.svg", "timers.svg"]);
        assert!(charts.iter().all(|(_, svg)| texts(svg).contains(&"smol")));
    }

    #[test]
    fn a_runner_keeps_its_colour_in_every_chart() {
        let results = synthetic();
        let runners = results.runners();
        let smol = runners.iter().position(|runner| *runner == "smol").unwrap();
        let color = PALETTE[smol];
        let hex = format!("#{:02X}{:02X}{:02X}", color.0, color.1, color.2);
        for (name, svg) in write("colour", &results) {
            assert!(svg.contains(&hex), "{name} does not draw smol in {hex}");
        }
    }

    #[test]
    fn an_unwritable_dir_is_an_io_error_naming_it() {
        let dir = TempDir::new("unwritable");
        std::fs::write(&dir.0, "a file, not a dir").unwrap();
        let error = write_all(&synthetic(), &dir.0).unwrap_err();
        assert!(matches!(error, ChartError::Io { ref path, .. } if *path == dir.0));
        assert!(error.to_string().contains(&*dir.0.to_string_lossy()));
        std::fs::remove_file(&dir.0).unwrap();
    }

    #[test]
    fn a_log_axis_always_has_ticks_inside_its_range() {
        for (lo, hi) in [
            (1.0, 1.0),
            (2.1, 4.7),
            (0.3, 45_000.0),
            (1e-3, 1e9),
            (999.0, 1_001.0),
        ] {
            let axis = Axis::log([lo, hi].into_iter());
            assert!(!axis.ticks.is_empty(), "no tick for {lo}..{hi}");
            assert!(
                axis.ticks.iter().all(|tick| axis.range.contains(tick)),
                "a tick outside {:?}",
                axis.range
            );
            assert!(axis.range.start < lo && hi < axis.range.end);
        }
    }

    #[test]
    fn a_linear_axis_starts_at_zero_and_ticks_round_steps() {
        let axis = Axis::linear(1_320.0);
        assert_eq!(
            axis.ticks,
            [0.0, 200.0, 400.0, 600.0, 800.0, 1_000.0, 1_200.0]
        );
        assert!(!Axis::linear(0.0).ticks.is_empty());
    }
}
