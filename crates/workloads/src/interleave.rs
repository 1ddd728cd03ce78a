//! Interleaved measurement: the one routine by which every comparison here runs its cases side by
//! side, so that whatever the machine does meanwhile (another process, a frequency change) falls on
//! every case alike.
//!
//! [`rotation`] gives the order of round `k`: the list started at its `k`-th entry, so that no entry is
//! always first (with two entries, they alternate). [`interleaved`] runs prepared benches in rounds in
//! that order and returns each one's per-iteration times, [`Summary`] sums them up. The plan orders
//! criterion's cases with [`rotation`]; [`crate::compare`] pairs two cases with [`interleaved`];
//! `rosetta compare` measures every runtime with it.

use std::time::Duration;

use crate::error::Error;

/// The order of `n` entries in round `round`: `round % n`, `round % n + 1`, ..., wrapping around.
///
/// ```
/// use rosetta_workloads::interleave::rotation;
///
/// assert_eq!(rotation(3, 1).collect::<Vec<_>>(), [1, 2, 0]);
/// assert_eq!(rotation(2, 0).chain(rotation(2, 1)).collect::<Vec<_>>(), [0, 1, 1, 0]);
/// ```
pub fn rotation(n: usize, round: usize) -> impl Iterator<Item = usize> {
    (0..n).map(move |k| (k + round) % n.max(1))
}

/// What runs in rounds: a prepared [`Bench`](crate::Bench), or anything else timed the same way.
pub trait Timed {
    /// Runs `iters` iterations and returns the measured time.
    ///
    /// # Errors
    ///
    /// Whatever the run reports.
    fn run(&mut self, iters: u64) -> Result<Duration, Error>;
}

/// Runs each `(bench, iters)` once per round, `rounds` rounds, in the order [`rotation`] gives, and
/// returns each bench's times per iteration, in round order. A bench that fails is left out of the
/// rounds after; its entry is the error.
pub fn interleaved<T: Timed>(
    benches: &mut [(T, u64)],
    rounds: usize,
) -> Vec<Result<Vec<Duration>, Error>> {
    let mut times: Vec<Result<Vec<Duration>, Error>> = benches
        .iter()
        .map(|_| Ok(Vec::with_capacity(rounds)))
        .collect();
    for round in 0..rounds {
        for index in rotation(benches.len(), round) {
            let (bench, iters) = &mut benches[index];
            let iters = (*iters).max(1);
            let Ok(runs) = &mut times[index] else {
                continue;
            };
            match bench.run(iters) {
                Ok(total) => runs.push(total / u32::try_from(iters).unwrap_or(u32::MAX)),
                Err(error) => times[index] = Err(error),
            }
        }
    }
    times
}

/// The median, fastest and slowest of a set of runs, per iteration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    /// The median run.
    pub median: Duration,
    /// The fastest run.
    pub min: Duration,
    /// The slowest run.
    pub max: Duration,
    /// How many runs.
    pub runs: u32,
}

impl Summary {
    /// The summary of `times` (per iteration), or `None` if there is no run.
    pub fn of(times: &[Duration]) -> Option<Summary> {
        let mut sorted = times.to_vec();
        sorted.sort_unstable();
        Some(Summary {
            median: *sorted.get(sorted.len() / 2)?,
            min: *sorted.first()?,
            max: *sorted.last()?,
            runs: u32::try_from(sorted.len()).unwrap_or(u32::MAX),
        })
    }
}
