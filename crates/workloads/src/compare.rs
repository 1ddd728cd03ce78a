//! Paired comparison: two cases run in alternation, in one process, so that both see the same machine.
//!
//! Criterion measures one case after another, seconds apart; on a shared or virtual machine the speed
//! of the machine itself drifts by more than the few per cent an abstraction may cost, so two adjacent
//! criterion estimates of identical code can differ by 10 %. Alternating the two cases run by run, and
//! taking each one's median, cancels the drift: what is left is the difference between the cases.

use std::time::Duration;

use crate::{Case, Error};

/// The medians of a paired comparison, per iteration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Paired {
    /// The first case's median time of one iteration.
    pub a: Duration,
    /// The second case's median time of one iteration.
    pub b: Duration,
    /// How many runs of each case the medians are taken over.
    pub rounds: usize,
}

impl Paired {
    /// `a ÷ b`.
    pub fn ratio(&self) -> f64 {
        self.a.as_secs_f64() / self.b.as_secs_f64()
    }
}

/// Runs `a` and `b` alternately, `rounds` runs of `iters` iterations each, after one untimed warm-up
/// run of each; the order flips every round, so that neither always runs first.
///
/// # Errors
///
/// Whatever preparing or running either case returns.
pub fn paired(a: &Case, b: &Case, rounds: usize, iters: u64) -> Result<Paired, Error> {
    let iters = iters.max(1);
    let (mut bench_a, mut bench_b) = (a.bench()?, b.bench()?);
    bench_a.run(iters)?;
    bench_b.run(iters)?;
    let (mut times_a, mut times_b) = (Vec::with_capacity(rounds), Vec::with_capacity(rounds));
    for round in 0..rounds {
        if round.is_multiple_of(2) {
            times_a.push(bench_a.run(iters)?);
            times_b.push(bench_b.run(iters)?);
        } else {
            times_b.push(bench_b.run(iters)?);
            times_a.push(bench_a.run(iters)?);
        }
    }
    Ok(Paired {
        a: per_iteration(&mut times_a, iters),
        b: per_iteration(&mut times_b, iters),
        rounds,
    })
}

/// Runs `case` alone, `rounds` runs of `iters` iterations after one untimed warm-up run; the median
/// time of one iteration. For a case that has no twin to pair with.
///
/// # Errors
///
/// Whatever preparing or running the case returns.
pub fn alone(case: &Case, rounds: usize, iters: u64) -> Result<Duration, Error> {
    let iters = iters.max(1);
    let mut bench = case.bench()?;
    bench.run(iters)?;
    let mut times = (0..rounds)
        .map(|_| bench.run(iters))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(per_iteration(&mut times, iters))
}

/// The median of `times` (each of `iters` iterations), per iteration.
fn per_iteration(times: &mut [Duration], iters: u64) -> Duration {
    times.sort_unstable();
    let median = times.get(times.len() / 2).copied().unwrap_or_default();
    median / u32::try_from(iters).unwrap_or(u32::MAX)
}
