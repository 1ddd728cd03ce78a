//! Figures as people read them: three significant digits, no trailing zeros, in the unit that suits
//! them (`586 ns`, `3.48 µs`, `2.5M/s`). The tables, the Markdown (the results page and the
//! methodology's overhead report) and the charts' axes all use these.

/// `value` with about three significant digits and no trailing zeros: `1`, `2.5`, `120`, `0.015`.
pub fn plain(value: f64) -> String {
    if value == 0.0 || !value.is_finite() {
        return format!("{value}");
    }
    let magnitude = value.abs().log10().floor() as i32;
    trimmed(value, (2 - magnitude).clamp(0, 9) as usize)
}

/// `value` to `decimals` decimals, trailing zeros (and a trailing point) dropped.
fn trimmed(value: f64, decimals: usize) -> String {
    let text = format!("{value:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text
    }
}

/// `value` scaled by the largest of `units` (factor, suffix) it reaches.
fn scaled(value: f64, units: &[(f64, &str)]) -> String {
    let (factor, suffix) = units
        .iter()
        .rev()
        .find(|(factor, _)| value.abs() >= *factor)
        .unwrap_or(&units[0]);
    format!("{}{suffix}", plain(value / factor))
}

/// Nanoseconds as ns, µs, ms or s: `250 ns`, `1.5 µs`, `12 ms`; `-` for what is not a number.
pub fn time(ns: f64) -> String {
    if !ns.is_finite() {
        return "-".to_owned();
    }
    scaled(ns, &[(1.0, " ns"), (1e3, " µs"), (1e6, " ms"), (1e9, " s")])
}

/// A count: `10`, `1k`, `2.5M`.
pub fn count(count: f64) -> String {
    scaled(count, &[(1.0, ""), (1e3, "k"), (1e6, "M"), (1e9, "G")])
}

/// A rate per second: `500k/s`, `2.5M/s`; `-` for what is not a number.
pub fn rate(per_second: f64) -> String {
    if !per_second.is_finite() {
        return "-".to_owned();
    }
    format!("{}/s", count(per_second))
}

/// `value ÷ reference`, as `×1.23` (two significant digits below 1: `×0.0015`); `-` when either is not
/// a positive number.
pub fn ratio(value: f64, reference: f64) -> String {
    if !(value.is_finite() && reference.is_finite() && value > 0.0 && reference > 0.0) {
        return "-".to_owned();
    }
    let ratio = value / reference;
    if ratio >= 0.995 {
        return format!("×{ratio:.2}");
    }
    let decimals = (1 - ratio.log10().floor() as i32).clamp(2, 9) as usize;
    format!("×{ratio:.decimals$}")
}

/// A percentage to two significant digits, whole from ten up: `16`, `5.1`, `0.78`; `-` for what is
/// not a number.
pub fn percent(value: f64) -> String {
    if !value.is_finite() {
        return "-".to_owned();
    }
    if value == 0.0 {
        return "0".to_owned();
    }
    let magnitude = value.abs().log10().floor() as i32;
    trimmed(value, (1 - magnitude).clamp(0, 9) as usize)
}

/// A ratio to three decimals, where a per cent matters (an overhead against its 5 % target): `1.049`;
/// `-` for what is not a number.
pub fn fraction(ratio: f64) -> String {
    if !ratio.is_finite() {
        return "-".to_owned();
    }
    format!("{ratio:.3}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(format: fn(f64) -> String, cases: &[(f64, &str)]) {
        for (value, expected) in cases {
            assert_eq!(format(*value), *expected, "formatting {value}");
        }
    }

    #[test]
    fn figures_read_in_human_units() {
        check(
            time,
            &[
                (0.0, "0 ns"),
                (0.004, "0.004 ns"),
                (1.0, "1 ns"),
                (250.0, "250 ns"),
                (1_000.0, "1 µs"),
                (1_500.0, "1.5 µs"),
                (20_000.0, "20 µs"),
                (12_000_000.0, "12 ms"),
                (3e9, "3 s"),
                (3_480.0, "3.48 µs"),
                (54_600_000.0, "54.6 ms"),
                (f64::INFINITY, "-"),
            ],
        );
        check(
            rate,
            &[
                (0.0, "0/s"),
                (f64::NAN, "-"),
                (2_310_000.0, "2.31M/s"),
                (500.0, "500/s"),
                (5e5, "500k/s"),
                (2.5e6, "2.5M/s"),
            ],
        );
        check(
            count,
            &[
                (10.0, "10"),
                (1_000.0, "1k"),
                (10_000.0, "10k"),
                (1e6, "1M"),
            ],
        );
        check(
            percent,
            &[
                (16.2, "16"),
                (5.11, "5.1"),
                (0.778, "0.78"),
                (0.0, "0"),
                (f64::NAN, "-"),
            ],
        );
        check(
            fraction,
            &[(1.0494, "1.049"), (0.5, "0.500"), (f64::NAN, "-")],
        );
        check(
            plain,
            &[
                (0.0, "0"),
                (0.30000000000000004, "0.3"),
                (1_200.0, "1200"),
                (12.5, "12.5"),
            ],
        );
    }
}
