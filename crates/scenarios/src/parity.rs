//! Comparing a port's transcript with the CPython original's: same lines, same story.
//!
//! The reference transcript (CPython's, read from `ROSETTA_TRANSCRIPT=1` output) is cut into *instants*:
//! runs of lines printed less than [`INSTANT_GAP`] logical seconds apart. The port's lines, in the order
//! the port printed them, must fill those instants in order, each instant compared as a multiset: lines
//! printed at the same instant may come in any order (that is a scheduler detail), but no line may move
//! to another instant. Measured figures are masked first ([`mask`]).
//!
//! Only the reference's timestamps are used, and only to find its instants, so a loaded machine that
//! delays the port's timers cannot make a comparison fail; an order that puts a line before or after the
//! wrong sleep does.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::LazyLock;

use regex::Regex;

use crate::transcript::Line;

pub use rosetta_rt::Flavor;

/// Lines of the reference closer than this (logical seconds) belong to one instant.
///
/// Distinct instants of the programs are at least a tenth of a second apart (most are whole seconds),
/// and timers only ever fire late, so two instants never come closer than that. Lines of one instant
/// are printed within microseconds; the margin absorbs the reference being preempted between them.
pub const INSTANT_GAP: f64 = 0.3;

/// Parses the output of a reference program run with `ROSETTA_TRANSCRIPT=1`: `{t}\t{line}` per line.
///
/// # Errors
///
/// The first line that is not of that form, with its number.
pub fn parse_timed(output: &str) -> Result<Vec<Line>, String> {
    output
        .lines()
        .enumerate()
        .map(|(number, raw)| {
            let (t, text) = raw
                .split_once('\t')
                .ok_or_else(|| format!("line {}: no tab after the time: {raw:?}", number + 1))?;
            let t = t
                .parse::<f64>()
                .map_err(|_| format!("line {}: not a time: {t:?}", number + 1))?;
            Ok(Line {
                t,
                text: text.to_owned(),
            })
        })
        .collect()
}

/// Replaces what differs from run to run with placeholders: decimal numbers (measured seconds) with `#.#`,
/// `<hex>` ids with `<hex>`, clock times (`HH:MM:SS`) with `hh:mm:ss`, and the port of a Python address
/// tuple with `<port>`.
pub fn mask(text: &str) -> String {
    static DECIMAL: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"\d+\.\d+(e-?\d+)?").expect("valid regex"));
    static HEX: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"<[0-9a-f]{6,}>").expect("valid regex"));
    static CLOCK: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"\b\d{2}:\d{2}:\d{2}\b").expect("valid regex"));
    // A port picked by the system, in a Python address tuple: `('127.0.0.1', 54321)`.
    static PORT: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"\('([^']*)', \d+\)").expect("valid regex"));
    let text = PORT.replace_all(text, "('$1', <port>)");
    let text = CLOCK.replace_all(&text, "hh:mm:ss");
    let text = HEX.replace_all(&text, "<hex>");
    DECIMAL.replace_all(&text, "#.#").into_owned()
}

/// Cuts a reference transcript into instants (see the module docs), masking each line.
pub fn instants(reference: &[Line]) -> Vec<Vec<String>> {
    let mut instants: Vec<Vec<String>> = Vec::new();
    let mut last: Option<f64> = None;
    for line in reference {
        let starts_new = last.is_none_or(|t| line.t - t >= INSTANT_GAP);
        if starts_new {
            instants.push(Vec::new());
        }
        if let Some(current) = instants.last_mut() {
            current.push(mask(&line.text));
        }
        last = Some(line.t);
    }
    instants
}

/// Where a port's transcript departs from the reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// The instant (0-based) where they first differ.
    pub instant: usize,
    /// What the reference printed at that instant (masked).
    pub expected: Vec<String>,
    /// What the port printed in its place (masked).
    pub found: Vec<String>,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "the transcripts differ at instant {}:", self.instant)?;
        writeln!(f, "  CPython printed:")?;
        for line in &self.expected {
            writeln!(f, "    {line}")?;
        }
        writeln!(f, "  the port printed:")?;
        for line in &self.found {
            writeln!(f, "    {line}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Mismatch {}

/// Compares the port's lines (in the order printed) with the reference's instants.
///
/// # Errors
///
/// The first instant whose lines differ, as multisets, from the port's lines in the same place; or the
/// port's extra lines after the last instant.
pub fn compare(reference: &[Line], port: &[String]) -> Result<(), Mismatch> {
    let instants = instants(reference);
    let port: Vec<String> = port.iter().map(|line| mask(line)).collect();
    let mut rest = port.as_slice();
    for (index, expected) in instants.iter().enumerate() {
        let take = expected.len().min(rest.len());
        let (found, after) = rest.split_at(take);
        if multiset(expected) != multiset(found) {
            return Err(Mismatch {
                instant: index,
                expected: expected.clone(),
                found: found.to_vec(),
            });
        }
        rest = after;
    }
    if rest.is_empty() {
        Ok(())
    } else {
        Err(Mismatch {
            instant: instants.len(),
            expected: Vec::new(),
            found: rest.to_vec(),
        })
    }
}

fn multiset(lines: &[String]) -> BTreeMap<&str, usize> {
    let mut counts = BTreeMap::new();
    for line in lines {
        *counts.entry(line.as_str()).or_insert(0) += 1;
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timed(lines: &[(f64, &str)]) -> Vec<Line> {
        lines
            .iter()
            .map(|&(t, text)| Line {
                t,
                text: text.to_owned(),
            })
            .collect()
    }

    fn texts(lines: &[&str]) -> Vec<String> {
        lines.iter().map(|line| (*line).to_owned()).collect()
    }

    #[test]
    fn same_instant_lines_may_come_in_any_order() {
        let reference = timed(&[(0.0, "One"), (0.001, "Two"), (1.0, "Three")]);
        assert_eq!(
            compare(&reference, &texts(&["Two", "One", "Three"])),
            Ok(())
        );
    }

    #[test]
    fn a_line_moved_to_another_instant_is_a_mismatch() {
        let reference = timed(&[(0.0, "One"), (1.0, "Two"), (1.0, "Three")]);
        let mismatch = compare(&reference, &texts(&["Two", "One", "Three"])).unwrap_err();
        assert_eq!(mismatch.instant, 0);
        assert_eq!(mismatch.found, ["Two"]);
    }

    #[test]
    fn missing_and_extra_lines_are_mismatches() {
        let reference = timed(&[(0.0, "One"), (1.0, "Two")]);
        assert_eq!(
            compare(&reference, &texts(&["One"])).unwrap_err().instant,
            1
        );
        assert_eq!(
            compare(&reference, &texts(&["One", "Two", "Three"]))
                .unwrap_err()
                .instant,
            2
        );
    }

    #[test]
    fn measured_figures_are_masked() {
        assert_eq!(
            mask("countasync.py executed in 1.00 seconds."),
            "countasync.py executed in #.# seconds."
        );
        assert_eq!(
            mask("Producer 0 added <71c8fc6c28> to queue."),
            "Producer 0 added <hex> to queue."
        );
        assert_eq!(mask("started at 17:14:32"), "started at hh:mm:ss");
        assert_eq!(
            mask("Time taken: 6.006925582885742 seconds"),
            "Time taken: #.# seconds"
        );
        assert_eq!(mask("r1: 8, r2: 9, r3: 10"), "r1: 8, r2: 9, r3: 10");
    }

    #[test]
    fn the_timed_format_parses_and_bad_lines_are_named() {
        let parsed = parse_timed("0.000100\tOne\n1.002000\tTwo\n").unwrap();
        assert_eq!(parsed, timed(&[(0.0001, "One"), (1.002, "Two")]));
        assert_eq!(
            parse_timed("One\n").unwrap_err(),
            "line 1: no tab after the time: \"One\""
        );
    }
}

/// What a port must print, compared with CPython, on one kind of runtime.
#[derive(Debug, Clone, Copy)]
pub enum Expect {
    /// CPython's lines, at CPython's instants ([`compare`]).
    Same,
    /// A difference from CPython that the scenario documents; `check` must hold instead.
    Differs {
        /// Why the runtime prints something else, in one sentence.
        why: &'static str,
        /// What must hold: given CPython's transcript and the port's lines.
        check: fn(&[Line], &[String]) -> Result<(), String>,
    },
}

impl Expect {
    /// The difference `why`, checked by `check`, on runtimes whose tasks run in parallel on several
    /// threads; CPython's lines where they run on one, as in asyncio.
    pub fn differs_in_parallel(
        flavor: Flavor,
        why: &'static str,
        check: fn(&[Line], &[String]) -> Result<(), String>,
    ) -> Expect {
        if crate::parallel(flavor) {
            Expect::Differs { why, check }
        } else {
            Expect::Same
        }
    }
}

/// Every instant but the last matches; the port's remaining lines are some of the last instant's.
///
/// For programs that stop the loop while tasks on other workers are still printing.
pub fn all_but_the_last_instant(reference: &[Line], port: &[String]) -> Result<(), String> {
    let instants = instants(reference);
    let Some((last, before)) = instants.split_last() else {
        return compare(reference, port).map_err(|mismatch| mismatch.to_string());
    };
    let masked: Vec<String> = port.iter().map(|line| mask(line)).collect();
    let mut rest = masked.as_slice();
    for (index, expected) in before.iter().enumerate() {
        let (found, after) = rest.split_at(expected.len().min(rest.len()));
        if multiset(expected) != multiset(found) {
            return Err(Mismatch {
                instant: index,
                expected: expected.clone(),
                found: found.to_vec(),
            }
            .to_string());
        }
        rest = after;
    }
    let mut allowed = multiset(last);
    for line in rest {
        match allowed.get_mut(line.as_str()) {
            Some(count) if *count > 0 => *count -= 1,
            _ => {
                return Err(format!(
                    "after the last full instant the port printed {line:?}, which CPython did not"
                ));
            }
        }
    }
    Ok(())
}

/// The port's lines, masked, are exactly `expected`, in order.
pub fn exactly(port: &[String], expected: &[&str]) -> Result<(), String> {
    let masked: Vec<String> = port.iter().map(|line| mask(line)).collect();
    if masked == expected {
        Ok(())
    } else {
        Err(format!(
            "expected {expected:?}, the port printed {masked:?}"
        ))
    }
}
