//! What a chart shows, independent of how it is drawn: its title and axes, and either lines of points
//! or grouped bars, each runner as a [`Series`] with its label and colour.

use plotters::style::RGBColor;

use rosetta_runtimes::RuntimeInfo;

use crate::results::{PYTHON_LOOPS, Results};

/// A runtime crate's two colours, a dark one and its light partner (Tableau 20, whose pairs stay
/// distinguishable for the common forms of colour blindness), in the order crates get them.
const HUES: [(RGBColor, RGBColor); 9] = [
    (RGBColor(0x4e, 0x79, 0xa7), RGBColor(0xa0, 0xcb, 0xe8)),
    (RGBColor(0xf2, 0x8e, 0x2b), RGBColor(0xff, 0xbe, 0x7d)),
    (RGBColor(0x59, 0xa1, 0x4f), RGBColor(0x8c, 0xd1, 0x7d)),
    (RGBColor(0xe1, 0x57, 0x59), RGBColor(0xff, 0x9d, 0x9a)),
    (RGBColor(0xb0, 0x7a, 0xa1), RGBColor(0xd4, 0xa6, 0xc8)),
    (RGBColor(0x49, 0x98, 0x94), RGBColor(0x86, 0xbc, 0xb6)),
    (RGBColor(0xd3, 0x72, 0x95), RGBColor(0xfa, 0xbf, 0xd2)),
    (RGBColor(0x9d, 0x76, 0x60), RGBColor(0xd7, 0xb5, 0xa6)),
    (RGBColor(0xb6, 0x99, 0x2d), RGBColor(0xf1, 0xce, 0x63)),
];

/// The Python loops' colours, asyncio's, uvloop's and rloop's: greys (Tableau 20's two, and a darker
/// one), which no runtime gets.
const PYTHON: [RGBColor; 3] = [
    RGBColor(0x79, 0x70, 0x6e),
    RGBColor(0xba, 0xb0, 0xac),
    RGBColor(0x3f, 0x3a, 0x38),
];

/// The runners of a comparison in the order and colours every chart gives them, both read from the
/// runtime registry, so that a runtime looks the same whichever runtimes a run measured.
///
/// The order is the registry's, then any runtime of the results that the registry does not know
/// (an older run's), then the Python loops. The colour rule: each runtime crate, in order of first
/// appearance, takes the next hue of [`HUES`]; its first runtime (tokio, smol) the dark shade, its
/// second (tokio-mt, smol-mt) the light one. Nine crates with up to two flavors each are told apart
/// (a tenth crate, or a third flavor, repeats a colour); the Python loops are grey.
#[derive(Debug)]
pub(super) struct Lineup<'a> {
    /// Every runtime that can appear, as (id, crate): the registry's, then the results' others.
    runtimes: Vec<(&'a str, &'a str)>,
    /// The runners with figures, in chart order.
    runners: Vec<&'a str>,
    results: &'a Results,
}

impl<'a> Lineup<'a> {
    /// The lineup of `results` by the runtime registry.
    pub(super) fn of(results: &'a Results) -> Lineup<'a> {
        Self::with_registry(results, rosetta_runtimes::RUNTIMES)
    }

    /// The lineup of `results` by `registry`.
    pub(super) fn with_registry(results: &'a Results, registry: &'a [RuntimeInfo]) -> Lineup<'a> {
        let mut runtimes: Vec<(&str, &str)> = registry
            .iter()
            .map(|info| (info.id, info.runtime_crate))
            .collect();
        for entry in &results.runtimes {
            if !runtimes.iter().any(|(id, _)| *id == entry.id) {
                runtimes.push((&entry.id, &entry.runtime_crate));
            }
        }
        let mut runners = results.runners();
        // Stable, so the Python loops (not runtimes) stay last, in their order.
        runners.sort_by_key(|runner| {
            runtimes
                .iter()
                .position(|(id, _)| id == runner)
                .unwrap_or(usize::MAX)
        });
        Lineup {
            runtimes,
            runners,
            results,
        }
    }

    /// The runners with figures, in chart order, each with its series.
    pub(super) fn runners(&self) -> impl Iterator<Item = (&'a str, Series)> + '_ {
        self.runners
            .iter()
            .map(|runner| (*runner, self.series(runner)))
    }

    /// How `runner` is shown: its label, and its colour by the rule of [`Lineup`].
    pub(super) fn series(&self, runner: &str) -> Series {
        let discontinued = self
            .results
            .runtimes
            .iter()
            .any(|rt| rt.id == runner && rt.discontinued.is_some());
        Series {
            label: if discontinued {
                format!("{runner} (discontinued)")
            } else {
                runner.to_owned()
            },
            color: self.color(runner),
        }
    }

    fn color(&self, runner: &str) -> RGBColor {
        let Some(at) = self.runtimes.iter().position(|(id, _)| *id == runner) else {
            let at = PYTHON_LOOPS
                .iter()
                .position(|python| *python == runner)
                .unwrap_or(0);
            return PYTHON[at];
        };
        let krate = self.runtimes[at].1;
        let mut crates: Vec<&str> = Vec::new();
        for (_, each) in &self.runtimes {
            if !crates.contains(each) {
                crates.push(each);
            }
        }
        let hue = crates.iter().position(|each| *each == krate).unwrap_or(0);
        let shade = self.runtimes[..at]
            .iter()
            .filter(|(_, each)| *each == krate)
            .count();
        let (dark, light) = HUES[hue % HUES.len()];
        if shade % 2 == 0 { dark } else { light }
    }
}

/// A runner as a chart shows it.
#[derive(Debug, Clone)]
pub(super) struct Series {
    /// The legend's text.
    pub(super) label: String,
    /// Its colour, the same in every chart.
    pub(super) color: RGBColor,
}

/// A chart's content, independent of how it is drawn.
#[derive(Debug)]
pub(super) struct Chart {
    /// The heading.
    pub(super) title: String,
    /// What the x axis shows.
    pub(super) x_desc: &'static str,
    /// What the y axis shows.
    pub(super) y_desc: &'static str,
    /// The plot itself.
    pub(super) body: Body,
}

/// Lines over a log-log plane (or a linear x axis), or grouped bars.
#[derive(Debug)]
pub(super) enum Body {
    /// One line per runner (or per runner and server).
    Lines {
        /// Runners with at least one point, in runner order.
        lines: Vec<Line>,
        /// Whether the x axis is logarithmic; a linear one starts at zero.
        x_log: bool,
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
pub(super) struct Line {
    pub(super) series: Series,
    /// Sorted by x; every value positive and finite.
    pub(super) points: Vec<Point>,
    /// How its points are marked, in the plot and the legend.
    pub(super) marker: Marker,
}

/// The mark of a line's points: a circle, unless one chart has several lines of one runner (its
/// servers), which its colour alone cannot tell apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) enum Marker {
    /// A filled circle.
    #[default]
    Circle,
    /// A filled square.
    Square,
    /// A filled triangle, pointing up.
    Triangle,
}

impl Marker {
    /// The markers in the order a runner's lines take them.
    pub(super) const ALL: [Marker; 3] = [Marker::Circle, Marker::Square, Marker::Triangle];
}

/// A point of a line, with the spread of its runs.
#[derive(Debug, Clone, Copy)]
pub(super) struct Point {
    pub(super) x: f64,
    pub(super) y: f64,
    /// The fastest and slowest run, when both are positive and finite.
    pub(super) spread: Option<(f64, f64)>,
}

/// Grouped bars.
#[derive(Debug)]
pub(super) struct Bars {
    /// The groups' names, left to right.
    pub(super) groups: Vec<String>,
    /// The runners with at least one bar: each keeps its slot in every group.
    pub(super) slots: Vec<Series>,
    /// `values[group][slot]`: positive and finite, or no bar.
    pub(super) values: Vec<Vec<Option<f64>>>,
    /// Whether the y axis is logarithmic.
    pub(super) log: bool,
    /// Formats a y tick.
    pub(super) y_format: fn(f64) -> String,
}

#[cfg(test)]
mod tests {
    use rosetta_runtimes::Flavor;

    use super::super::testing::{registry, results};
    use super::*;
    use crate::results::{PYTHON_ASYNCIO, PYTHON_RLOOP, PYTHON_UVLOOP};

    /// A registry of ten runtimes: today's five, then compio and monoio, each with a thread-per-core
    /// flavor, and one more crate.
    fn ten() -> Vec<RuntimeInfo> {
        let mut registry = rosetta_runtimes::RUNTIMES.to_vec();
        for (id, runtime_crate) in [
            ("compio", "compio"),
            ("compio-tpc", "compio"),
            ("monoio", "monoio"),
            ("monoio-tpc", "monoio"),
            ("glommio", "glommio"),
        ] {
            if registry.iter().any(|info| info.id == id) {
                continue;
            }
            registry.push(RuntimeInfo {
                id,
                name: id,
                runtime_crate,
                flavor: Flavor::CurrentThread,
                discontinued: None,
                notes: "",
                driver: "",
                model: "",
            });
        }
        registry
    }

    fn hex(color: RGBColor) -> String {
        format!("#{:02x}{:02x}{:02x}", color.0, color.1, color.2)
    }

    #[test]
    fn a_discontinued_runtime_says_so_in_its_label() {
        let results = results(&registry(), Vec::new());
        let lineup = Lineup::of(&results);
        assert_eq!(lineup.series("tokio").label, "tokio");
        assert_eq!(lineup.series("async-std").label, "async-std (discontinued)");
    }

    #[test]
    fn a_crate_has_one_hue_and_its_flavors_two_shades() {
        let results = results(&registry(), Vec::new());
        let lineup = Lineup::of(&results);
        let colors: Vec<String> = ["tokio", "tokio-mt", "smol", "smol-mt", "async-std"]
            .into_iter()
            .map(|id| hex(lineup.series(id).color))
            .collect();
        assert_eq!(
            colors,
            ["#4e79a7", "#a0cbe8", "#f28e2b", "#ffbe7d", "#59a14f"]
        );
        assert_eq!(hex(lineup.series(PYTHON_ASYNCIO).color), "#79706e");
        assert_eq!(hex(lineup.series(PYTHON_UVLOOP).color), "#bab0ac");
        assert_eq!(hex(lineup.series(PYTHON_RLOOP).color), "#3f3a38");
    }

    #[test]
    fn ten_runtimes_and_the_three_python_loops_get_thirteen_colours() {
        let registry = ten();
        let ids: Vec<&str> = registry.iter().map(|info| info.id).collect();
        let results = results(&ids, Vec::new());
        let lineup = Lineup::with_registry(&results, &registry);
        let mut colors: Vec<String> = ids
            .iter()
            .chain(&PYTHON_LOOPS)
            .map(|id| hex(lineup.series(id).color))
            .collect();
        colors.sort();
        colors.dedup();
        assert_eq!(colors.len(), 13, "{colors:?}");
    }

    #[test]
    fn a_runtime_keeps_its_colour_whichever_runtimes_were_measured() {
        let all = results(&registry(), Vec::new());
        let some = results(&["smol-mt", "tokio"], Vec::new());
        for id in ["smol-mt", "tokio"] {
            assert_eq!(
                Lineup::of(&all).series(id).color,
                Lineup::of(&some).series(id).color
            );
        }
    }

    #[test]
    fn runners_come_in_registry_order_then_unknown_runtimes_then_python() {
        let mut results = results(&["old-runtime", "async-std", "smol", "tokio"], Vec::new());
        results.figures.push(super::super::testing::figure(
            crate::results::Workload::Gather,
            "10",
            PYTHON_ASYNCIO,
            1.0,
        ));
        let lineup = Lineup::of(&results);
        let order: Vec<&str> = lineup.runners().map(|(runner, _)| runner).collect();
        assert_eq!(
            order,
            ["tokio", "smol", "async-std", "old-runtime", PYTHON_ASYNCIO]
        );
        // A runtime the registry does not know still gets a hue of its own.
        let old = lineup.series("old-runtime").color;
        assert!(registry().iter().all(|id| lineup.series(id).color != old));
    }
}
