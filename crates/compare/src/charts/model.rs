//! What a chart shows, independent of how it is drawn: its title and axes, and either lines of points
//! or grouped bars, each runner as a [`Series`] with its label and colour.

use plotters::style::RGBColor;

use crate::results::Results;

/// One colour per runner, by its position in [`Results::runners`] (Tableau 10, which stays
/// distinguishable for the common forms of colour blindness).
pub(super) const PALETTE: [RGBColor; 10] = [
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

/// A runner as a chart shows it.
#[derive(Debug, Clone)]
pub(super) struct Series {
    /// The legend's text.
    pub(super) label: String,
    /// Its colour, the same in every chart.
    pub(super) color: RGBColor,
}

impl Series {
    /// The runner at `index` of [`Results::runners`].
    pub(super) fn of(results: &Results, index: usize, runner: &str) -> Series {
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

/// Lines over a log-log plane, or grouped bars.
#[derive(Debug)]
pub(super) enum Body {
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
pub(super) struct Line {
    pub(super) series: Series,
    /// Sorted by x; every value positive and finite.
    pub(super) points: Vec<Point>,
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
    use super::super::testing::{RUNTIMES, results};
    use super::*;

    #[test]
    fn a_discontinued_runtime_says_so_in_its_label() {
        let results = results(&RUNTIMES, Vec::new());
        assert_eq!(Series::of(&results, 0, "tokio").label, "tokio");
        assert_eq!(
            Series::of(&results, 4, "async-std").label,
            "async-std (discontinued)"
        );
    }

    #[test]
    fn a_runner_is_coloured_by_its_position() {
        let results = results(&RUNTIMES, Vec::new());
        assert_eq!(Series::of(&results, 2, "smol").color, PALETTE[2]);
        assert_eq!(Series::of(&results, 12, "smol").color, PALETTE[2]);
    }
}
