//! The charts' own axis: linear, logarithmic or one slot per group, with the ticks this module picks
//! and plotters' `Ranged` to draw on it.

use std::ops::Range;

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};

/// `value` if a log axis can show it: positive and finite (NaN is neither).
pub(super) fn positive(value: f64) -> Option<f64> {
    (value.is_finite() && value > 0.0).then_some(value)
}

/// One axis of a chart: linear or logarithmic, with the ticks this module picks.
///
/// Plotters' own axes pick their ticks, and binding chosen ticks to its `f64` axis loses the
/// label formatter; this one does both.
#[derive(Debug, Clone)]
pub(super) struct Axis {
    pub(super) range: Range<f64>,
    log: bool,
    /// Labelled ticks, with a grid line.
    pub(super) ticks: Vec<f64>,
    /// Unlabelled minor grid lines.
    minor: Vec<f64>,
}

impl Axis {
    /// `0..hi`, ticked at round steps.
    pub(super) fn linear(hi: f64) -> Axis {
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
    pub(super) fn log(values: impl Iterator<Item = f64>) -> Axis {
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
    pub(super) fn groups(groups: usize) -> Axis {
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
    use plotters::coord::ranged1d::{BoldPoints, LightPoints};

    use super::*;

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

    #[test]
    fn a_step_is_the_least_round_one_at_least_as_large() {
        assert_eq!(nice_step(0.9), 1.0);
        assert_eq!(nice_step(1.5), 2.0);
        assert_eq!(nice_step(2.2), 2.5);
        assert_eq!(nice_step(3.0), 5.0);
        assert_eq!(nice_step(7.0), 10.0);
        assert_eq!(nice_step(140.0), 200.0);
    }

    #[test]
    fn a_group_axis_ticks_each_groups_centre() {
        let axis = Axis::groups(3);
        assert_eq!(axis.range, 0.0..3.0);
        assert_eq!(axis.ticks, [0.5, 1.5, 2.5]);
        assert_eq!(Axis::groups(0).range, 0.0..1.0);
    }

    #[test]
    fn values_map_in_proportion_and_far_ones_just_outside_the_frame() {
        let linear = Axis::linear(100.0);
        assert_eq!(linear.map(&50.0, (0, 200)), 100);
        assert_eq!(linear.map(&1e12, (0, 200)), 400);
        assert_eq!(linear.map(&f64::NAN, (0, 200)), 0);
        let log = Axis {
            range: 1.0..100.0,
            log: true,
            ticks: Vec::new(),
            minor: Vec::new(),
        };
        assert_eq!(log.map(&10.0, (0, 200)), 100);
    }

    #[test]
    fn light_points_are_the_minor_grid() {
        let axis = Axis::log([1.0, 1e6].into_iter());
        assert!(!axis.minor.is_empty());
        assert_eq!(axis.key_points(LightPoints::new(10, 100)), axis.minor);
        assert_eq!(axis.key_points(BoldPoints(10)), axis.ticks);
    }
}
