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

/// Above this relative spread ([`Summary::relative_spread`], the interquartile range over the
/// median) a figure is wide: [`settled`] measures it further.
pub const WIDE: f64 = 0.10;

/// The fewest runs in which [`Summary::of`] looks for two modes: with fewer, two clusters cannot be
/// told from noise.
pub const MIN_RUNS_FOR_MODES: usize = 6;

/// How a set of runs is spread: its median, quartiles and extremes, and its two modes when it has two.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    /// The median run.
    pub median: Duration,
    /// The fastest run.
    pub min: Duration,
    /// The slowest run.
    pub max: Duration,
    /// The first quartile: a quarter of the runs were faster.
    pub q1: Duration,
    /// The third quartile: a quarter of the runs were slower.
    pub q3: Duration,
    /// How many runs.
    pub runs: u32,
    /// The two clusters the runs fall into, when they fall into two (see [`Modes`]); a median of such
    /// runs is whichever cluster happened to hold the middle run, and means little.
    pub modes: Option<Modes>,
}

/// The two modes of a bimodal set of runs: the faster cluster and the slower one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Modes {
    /// The faster cluster.
    pub low: Mode,
    /// The slower cluster.
    pub high: Mode,
}

/// One cluster of a bimodal set of runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mode {
    /// The median of the cluster's runs.
    pub median: Duration,
    /// How many runs fell in it.
    pub runs: u32,
}

impl Summary {
    /// The summary of `times` (per iteration), or `None` if there is no run.
    ///
    /// ```
    /// use std::time::Duration;
    /// use rosetta_workloads::interleave::Summary;
    ///
    /// let us = |n: u64| Duration::from_micros(n);
    /// let steady = Summary::of(&[us(10), us(11), us(10), us(12), us(10), us(11)]).unwrap();
    /// assert_eq!(steady.modes, None);
    /// let split = Summary::of(&[us(10), us(60), us(11), us(62), us(10), us(61), us(11)]).unwrap();
    /// let modes = split.modes.unwrap();
    /// assert_eq!((modes.low.runs, modes.high.runs), (4, 3));
    /// ```
    pub fn of(times: &[Duration]) -> Option<Summary> {
        let mut sorted = times.to_vec();
        sorted.sort_unstable();
        let quartile = |q: f64| sorted[((sorted.len() - 1) as f64 * q).round() as usize];
        Some(Summary {
            median: *sorted.get(sorted.len() / 2)?,
            min: *sorted.first()?,
            max: *sorted.last()?,
            q1: quartile(0.25),
            q3: quartile(0.75),
            runs: count(sorted.len()),
            modes: modes(&sorted),
        })
    }

    /// The interquartile range over the median: 0.05 when the middle half of the runs lies within
    /// 5 % of the median's size. Zero for a zero median.
    pub fn relative_spread(&self) -> f64 {
        let median = self.median.as_secs_f64();
        if median > 0.0 {
            (self.q3.as_secs_f64() - self.q1.as_secs_f64()) / median
        } else {
            0.0
        }
    }

    /// Whether the runs are too spread for their median to be repeatable: two modes, or a relative
    /// spread above [`WIDE`].
    pub fn is_wide(&self) -> bool {
        self.modes.is_some() || self.relative_spread() > WIDE
    }
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The two modes of `sorted` (ascending), if it has two: the widest gap between neighbours (on a log
/// scale, since times differ by factors) that leaves at least two runs and 15 % of them on each
/// side, when the time above the gap is at least 1.5 times the time below it, and the gap at least
/// three times either side's own spread (its median absolute deviation, on the same scale). Noise
/// around one centre thins out towards the tails but leaves no such hole in the middle, and a few
/// runs slowed by a busy machine trail off rather than form a cluster of their own.
fn modes(sorted: &[Duration]) -> Option<Modes> {
    let n = sorted.len();
    if n < MIN_RUNS_FOR_MODES {
        return None;
    }
    let logs: Vec<f64> = sorted
        .iter()
        .map(|time| time.as_secs_f64().max(1e-12).ln())
        .collect();
    let least = 2.max((n as f64 * 0.15).ceil() as usize);
    let (split, gap) = (least..=n - least)
        .map(|k| (k, logs[k] - logs[k - 1]))
        .max_by(|a, b| a.1.total_cmp(&b.1))?;
    let spread = |side: &[f64]| {
        let centre = side[side.len() / 2];
        let mut deviations: Vec<f64> = side.iter().map(|x| (x - centre).abs()).collect();
        deviations.sort_unstable_by(f64::total_cmp);
        deviations[deviations.len() / 2]
    };
    let within = spread(&logs[..split]).max(spread(&logs[split..]));
    if gap < 1.5f64.ln() || gap < 3.0 * within {
        return None;
    }
    let mode = |side: &[Duration]| Mode {
        median: side[side.len() / 2],
        runs: count(side.len()),
    };
    Some(Modes {
        low: mode(&sorted[..split]),
        high: mode(&sorted[split..]),
    })
}

/// How many rounds [`settled`] runs: a floor, more in blocks while a figure is wide, and a ceiling
/// in rounds and in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rounds {
    /// Rounds every bench runs.
    pub base: usize,
    /// Rounds per block: each block runs on freshly prepared benches.
    pub block: usize,
    /// The most rounds any bench runs, however wide its figure.
    pub max: usize,
    /// No block starts past this much time from the first.
    pub budget: Duration,
}

/// Runs benches in rounds, [`interleaved`], until every figure has settled or the bound is reached:
/// `rounds.base` rounds, then more blocks of `rounds.block` rounds while any bench's runs are
/// [wide](Summary::is_wide), up to `rounds.max` rounds and while `rounds.budget` lasts.
///
/// Each block prepares every bench afresh (`prepare(i)` gives bench `i`, to run `iters[i]`
/// iterations at a time) and runs it once untimed before its rounds: a figure whose speed is decided
/// when its runtime starts (where its threads land) then shows each way it can start within one
/// measurement, rather than one of them per measurement. Returns each bench's times per iteration,
/// in round order; a bench that fails to prepare or run is left out from then on, its entry the error.
pub fn settled<T: Timed>(
    mut prepare: impl FnMut(usize) -> Result<T, Error>,
    iters: &[u64],
    rounds: Rounds,
) -> Vec<Result<Vec<Duration>, Error>> {
    let started = std::time::Instant::now();
    let block = rounds.block.max(1);
    let max = rounds.max.max(rounds.base).max(1);
    let mut times: Vec<Result<Vec<Duration>, Error>> =
        iters.iter().map(|_| Ok(Vec::with_capacity(max))).collect();
    let mut done = 0;
    while done < max {
        let wide = times.iter().any(|runs| {
            runs.as_ref()
                .is_ok_and(|runs| Summary::of(runs).is_some_and(|summary| summary.is_wide()))
        });
        if done >= rounds.base && (!wide || started.elapsed() >= rounds.budget) {
            break;
        }
        let these = block.min(max - done);
        let live: Vec<usize> = (0..iters.len()).filter(|&i| times[i].is_ok()).collect();
        let mut benches = Vec::with_capacity(live.len());
        let mut owners = Vec::with_capacity(live.len());
        for &i in &live {
            match prepare(i).and_then(|mut bench| bench.run(iters[i].max(1)).map(|_| bench)) {
                Ok(bench) => {
                    benches.push((bench, iters[i]));
                    owners.push(i);
                }
                Err(error) => times[i] = Err(error),
            }
        }
        if benches.is_empty() {
            break;
        }
        for (i, runs) in owners.into_iter().zip(interleaved(&mut benches, these)) {
            match (runs, &mut times[i]) {
                (Ok(runs), Ok(all)) => all.extend(runs),
                (Err(error), entry) => *entry = Err(error),
                (Ok(_), Err(_)) => {}
            }
        }
        done += these;
    }
    times
}

#[cfg(test)]
mod tests {
    use super::*;

    fn us(values: &[u64]) -> Vec<Duration> {
        values.iter().copied().map(Duration::from_micros).collect()
    }

    #[test]
    fn two_clusters_far_apart_are_two_modes_with_their_counts() {
        // smol-mt's queue: most runs near 1.05 × the best, the rest near 6.5 ×.
        let runs = us(&[105, 650, 103, 108, 640, 104, 700, 106, 107, 660, 104]);
        let summary = Summary::of(&runs).expect("runs");
        let modes = summary.modes.expect("bimodal");
        assert_eq!((modes.low.runs, modes.high.runs), (7, 4));
        assert!(modes.low.median <= Duration::from_micros(108));
        assert!(modes.high.median >= Duration::from_micros(640));
        assert!(summary.is_wide());
    }

    #[test]
    fn noise_around_one_centre_is_one_mode_however_wide() {
        // ±30 % around 100 µs, spread evenly, with one straggler: wide, but one cluster.
        let runs = us(&[
            70, 75, 80, 85, 90, 95, 100, 105, 110, 115, 120, 125, 130, 180,
        ]);
        let summary = Summary::of(&runs).expect("runs");
        assert_eq!(summary.modes, None);
        assert!(summary.relative_spread() > WIDE);
        assert!(summary.is_wide());
        // A tight set: neither two modes nor wide.
        let tight = Summary::of(&us(&[100, 101, 99, 100, 102, 98, 100, 101])).expect("runs");
        assert_eq!(tight.modes, None);
        assert!(!tight.is_wide(), "{}", tight.relative_spread());
    }

    #[test]
    fn a_lone_outlier_or_a_trailing_tail_is_not_a_second_mode() {
        let runs = us(&[100, 101, 99, 100, 102, 98, 100, 900]);
        assert_eq!(Summary::of(&runs).expect("runs").modes, None);
        // Runs slowed by a loaded machine, each by another amount (seen on two busy cores).
        let tail = us(&[
            1106, 941, 1153, 2077, 892, 1484, 1011, 897, 901, 2646, 1151, 994, 2436, 904, 804,
        ]);
        assert_eq!(Summary::of(&tail).expect("runs").modes, None);
    }

    #[test]
    fn too_few_runs_have_no_modes_and_none_have_no_summary() {
        assert_eq!(Summary::of(&[]), None);
        let one = Summary::of(&us(&[5])).expect("one run");
        assert_eq!(
            (one.min, one.q1, one.median, one.q3, one.max),
            (one.min, one.min, one.min, one.min, one.min)
        );
        assert_eq!(one.modes, None);
        // Two clear clusters, but fewer runs than it takes to tell them from noise.
        let few = us(&[10, 10, 60, 60, 10][..MIN_RUNS_FOR_MODES - 1]);
        assert_eq!(Summary::of(&few).expect("runs").modes, None);
    }

    #[test]
    fn quartiles_lie_between_the_extremes_around_the_median() {
        let summary = Summary::of(&us(&[9, 1, 8, 2, 7, 3, 6, 4, 5])).expect("runs");
        assert_eq!(summary.median, Duration::from_micros(5));
        assert_eq!(summary.q1, Duration::from_micros(3));
        assert_eq!(summary.q3, Duration::from_micros(7));
        assert!((summary.relative_spread() - 0.8).abs() < 1e-9);
    }

    /// A bench whose runs take the times of a list, round after round; counts its preparations.
    struct Scripted {
        times: Vec<Duration>,
        next: usize,
    }

    impl Timed for Scripted {
        fn run(&mut self, iters: u64) -> Result<Duration, Error> {
            let time = self.times[self.next % self.times.len()];
            self.next += 1;
            Ok(time * u32::try_from(iters).unwrap_or(1))
        }
    }

    fn scripted(times: &[u64]) -> Scripted {
        Scripted {
            times: us(times),
            next: 0,
        }
    }

    const ROUNDS: Rounds = Rounds {
        base: 4,
        block: 2,
        max: 10,
        budget: Duration::from_secs(3600),
    };

    #[test]
    fn settled_figures_stop_at_the_base_rounds() {
        let mut prepared = 0;
        let times = settled(
            |_| {
                prepared += 1;
                Ok(scripted(&[100, 101]))
            },
            &[1, 3],
            ROUNDS,
        );
        for runs in &times {
            assert_eq!(runs.as_ref().expect("runs").len(), ROUNDS.base);
        }
        // Two blocks of two rounds, each on fresh benches.
        assert_eq!(prepared, 2 * 2);
    }

    #[test]
    fn a_wide_figure_gets_more_rounds_up_to_the_bound_and_no_further() {
        // The second bench alternates between 100 µs and 300 µs for ever: it never settles.
        let times = settled(
            |i| {
                Ok(if i == 0 {
                    scripted(&[100])
                } else {
                    scripted(&[100, 300])
                })
            },
            &[1, 1],
            ROUNDS,
        );
        for runs in &times {
            assert_eq!(runs.as_ref().expect("runs").len(), ROUNDS.max);
        }
        // With no time left after the base rounds, it stops there.
        let spent = Rounds {
            budget: Duration::ZERO,
            ..ROUNDS
        };
        let times = settled(|_| Ok(scripted(&[100, 300])), &[1], spent);
        assert_eq!(times[0].as_ref().expect("runs").len(), spent.base);
    }

    #[test]
    fn a_bench_that_cannot_be_prepared_is_an_error_and_the_others_still_run() {
        let times = settled(
            |i| {
                if i == 1 {
                    Err(Error::Wrong("no such bench".into()))
                } else {
                    Ok(scripted(&[100]))
                }
            },
            &[1, 1],
            ROUNDS,
        );
        assert_eq!(times[0].as_ref().expect("runs").len(), ROUNDS.base);
        assert!(times[1].is_err());
    }
}
