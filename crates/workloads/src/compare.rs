//! Paired comparison: two cases run in alternation, in one process, so that both see the same machine.
//!
//! Criterion measures one case after another, seconds apart; on a shared or virtual machine the speed
//! of the machine itself drifts by more than the few per cent an abstraction may cost, so two adjacent
//! criterion estimates of identical code can differ by 10 %. Alternating the two cases run by run
//! ([`crate::interleave`]), and taking each one's median, cancels the drift: what is left is the
//! difference between the cases.

use crate::error::Error;
use crate::interleave::{Summary, Timed, interleaved};

/// The two sides of a paired comparison, per iteration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paired {
    /// The first case's runs.
    pub a: Summary,
    /// The second case's runs.
    pub b: Summary,
}

impl Paired {
    /// `a ÷ b`, of the medians.
    pub fn ratio(&self) -> f64 {
        self.a.median.as_secs_f64() / self.b.median.as_secs_f64()
    }
}

/// Runs `a` and `b` alternately, `rounds` runs of `iters` iterations each, after one untimed warm-up
/// run of each; the order flips every round, so that neither always runs first.
///
/// # Errors
///
/// Whatever running either side returns.
pub fn paired<T: Timed>(a: T, b: T, rounds: usize, iters: u64) -> Result<Paired, Error> {
    let mut benches = [(a, iters), (b, iters)];
    interleaved(&mut benches, 1)
        .into_iter()
        .try_for_each(|warm_up| warm_up.map(drop))?;
    let [a, b] = summaries(interleaved(&mut benches, rounds.max(1)))?;
    Ok(Paired { a, b })
}

/// Runs `bench` alone, `rounds` runs of `iters` iterations after one untimed warm-up run: for a case
/// that has no twin to pair with.
///
/// # Errors
///
/// Whatever running the case returns.
pub fn alone<T: Timed>(bench: T, rounds: usize, iters: u64) -> Result<Summary, Error> {
    let mut benches = [(bench, iters)];
    interleaved(&mut benches, 1)
        .into_iter()
        .try_for_each(|warm_up| warm_up.map(drop))?;
    let [summary] = summaries(interleaved(&mut benches, rounds.max(1)))?;
    Ok(summary)
}

/// The summary of each side's runs, or the first side's error.
fn summaries<const N: usize>(
    times: Vec<Result<Vec<std::time::Duration>, Error>>,
) -> Result<[Summary; N], Error> {
    let summaries = times
        .into_iter()
        .map(|runs| {
            let runs = runs?;
            Summary::of(&runs).ok_or_else(|| Error::Wrong("no run was measured".into()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    summaries
        .try_into()
        .map_err(|_| Error::Wrong("a side of the comparison went missing".into()))
}
