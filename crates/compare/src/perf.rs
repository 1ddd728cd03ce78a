//! The headline workloads, measured in-process on every runtime, with runs interleaved across runtimes.
//!
//! Each workload at each size is prepared on every runtime at once (the runtimes created untimed), then
//! measured in rounds by `rosetta_workloads::interleave`: one run per runtime per round, the order
//! rotated every round, so that whatever the machine does meanwhile (another process, a frequency
//! change) falls on every runtime alike. A run
//! repeats the workload enough times to last about [`PerfPlan::run_target`]; the figures are the
//! median, fastest and slowest run, per iteration. The workloads themselves are `rosetta-workloads`'
//! toolkit versions, as `cargo bench` measures them (see `docs/methodology.md`).

use std::time::Duration;

use rosetta_runtimes::{Config, RuntimeInfo};
use rosetta_workloads::interleave::{Rounds, Summary, settled};
use rosetta_workloads::{
    Bench, GATHER_SIZES, QUEUE_BOUND, QUEUE_ITEMS, QUEUE_PAIRS, QueueShape, Stat, TIMER_DELAYS,
    Target,
};

use crate::results::{Figure, Spread, Workload};

/// What to measure, and how long.
#[derive(Debug, Clone, PartialEq)]
pub struct PerfPlan {
    /// N of the gather workload.
    pub gather_sizes: Vec<usize>,
    /// P = C of the queue workload (P producers × C consumers, bounded).
    pub queue_pairs: Vec<usize>,
    /// Items through the queue in one iteration.
    pub queue_items: u64,
    /// Timer delays.
    pub timer_delays: Vec<Duration>,
    /// Runs per runtime, the median taken over them: the least; a wide figure gets more.
    pub rounds: u32,
    /// Rounds per block, each block on freshly created runtimes.
    pub block: u32,
    /// The most runs per runtime a case gets while its figures are wide.
    pub max_rounds: u32,
    /// No further block of a case starts once it has taken this long.
    pub case_budget: Duration,
    /// About how long one run lasts (iterations are added to reach it).
    pub run_target: Duration,
}

impl PerfPlan {
    /// The default plan, the sizes of `cargo bench`: about 30 s on two cores when every figure is
    /// tight, at most about 100 s when all are wide.
    pub fn full() -> Self {
        PerfPlan {
            gather_sizes: GATHER_SIZES.to_vec(),
            queue_pairs: QUEUE_PAIRS.to_vec(),
            queue_items: QUEUE_ITEMS,
            timer_delays: TIMER_DELAYS.to_vec(),
            rounds: 15,
            block: 5,
            max_rounds: 45,
            case_budget: Duration::from_secs(5),
            run_target: Duration::from_millis(20),
        }
    }

    /// The `--quick` plan: a few seconds.
    pub fn quick() -> Self {
        PerfPlan {
            gather_sizes: vec![1, 100, 10_000],
            queue_pairs: vec![1, 16],
            queue_items: 20_000,
            timer_delays: vec![Duration::from_millis(1)],
            rounds: 6,
            block: 3,
            max_rounds: 15,
            case_budget: Duration::from_millis(600),
            run_target: Duration::from_millis(4),
        }
    }

    /// The rounds [`measure`] runs: [`PerfPlan::rounds`] at least, [`PerfPlan::max_rounds`] at most
    /// (never fewer than the least).
    pub fn bounds(&self) -> Rounds {
        let base = self.rounds.max(1) as usize;
        Rounds {
            base,
            block: self.block.max(1) as usize,
            max: (self.max_rounds as usize).max(base),
            budget: self.case_budget,
        }
    }

    /// Every measurement of the plan, in report order.
    pub fn cases(&self) -> Vec<Case> {
        let mut cases = Vec::new();
        for &tasks in &self.gather_sizes {
            cases.push(Case {
                workload: Workload::Gather,
                param: tasks.to_string(),
                elements: Some(tasks as u64),
                run: rosetta_workloads::Workload::Gather { tasks },
            });
        }
        for &pairs in &self.queue_pairs {
            let shape = QueueShape {
                producers: pairs,
                consumers: pairs,
                bound: Some(QUEUE_BOUND),
                items: self.queue_items,
            };
            cases.push(Case {
                workload: Workload::Queue,
                param: shape.to_string(),
                elements: Some(self.queue_items),
                run: rosetta_workloads::Workload::Queue { shape },
            });
        }
        let config = Config::default();
        cases.push(Case {
            workload: Workload::LoopCreate,
            param: "default".to_owned(),
            elements: None,
            run: rosetta_workloads::Workload::LoopCreate { config },
        });
        cases.push(Case {
            workload: Workload::LoopClose,
            param: "default".to_owned(),
            elements: None,
            run: rosetta_workloads::Workload::LoopClose { config },
        });
        for &delay in &self.timer_delays {
            let param = format!("{}ms", delay.as_millis());
            cases.push(Case {
                workload: Workload::TimerSleep,
                param: param.clone(),
                elements: None,
                run: rosetta_workloads::Workload::Sleep { delay },
            });
            cases.push(Case {
                workload: Workload::TimerCallLater,
                param,
                elements: None,
                run: rosetta_workloads::Workload::CallLater { delay },
            });
        }
        for (stat, param) in [(Stat::Median, "median"), (Stat::Worst, "worst")] {
            cases.push(Case {
                workload: Workload::BlockingStall,
                param: param.to_owned(),
                elements: None,
                run: rosetta_workloads::Workload::Stall { stat },
            });
        }
        cases
    }
}

/// One measurement: a workload at one parameter, to be run on every runtime.
#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    /// The workload, as reported.
    pub workload: Workload,
    /// Its parameter, as reported.
    pub param: String,
    /// Items per iteration, for throughput workloads.
    pub elements: Option<u64>,
    /// The workload as `rosetta-workloads` runs it.
    pub run: rosetta_workloads::Workload,
}

/// What measuring one case gave: a figure per runtime that worked, a problem per runtime that did not.
#[derive(Debug, Default)]
pub struct Measured {
    /// The figures, in the runtimes' order.
    pub figures: Vec<Figure>,
    /// How each figure's runs spread, in the same order.
    pub spreads: Vec<Spread>,
    /// What failed, naming the workload and runtime.
    pub problems: Vec<String>,
}

/// Measures `case` on every runtime of `runtimes`, runs interleaved; see the [module docs](self).
pub fn measure(case: &Case, runtimes: &[&'static RuntimeInfo], plan: &PerfPlan) -> Measured {
    let mut measured = Measured::default();
    let what = |id: &str| format!("{} {} on {id}", case.workload.name(), case.param);
    // Prepare every runtime's bench once, to find how many iterations make a run of about the
    // target; the rounds run on fresh ones.
    let mut ids: Vec<&'static str> = Vec::new();
    let mut iters: Vec<u64> = Vec::new();
    for runtime in runtimes {
        let calibrated = Bench::new(Target::Toolkit(runtime.id), case.run)
            .and_then(|mut bench| calibrate(&mut bench, plan.run_target));
        match calibrated {
            Ok(n) => {
                ids.push(runtime.id);
                iters.push(n);
            }
            Err(error) => measured
                .problems
                .push(format!("{}: {error}", what(runtime.id))),
        }
    }
    let prepare = |index: usize| Bench::new(Target::Toolkit(ids[index]), case.run);
    let times = settled(prepare, &iters, plan.bounds());
    for (id, runs) in ids.iter().zip(times) {
        match runs {
            Ok(runs) => {
                if let Some(summary) = Summary::of(&runs) {
                    measured.figures.push(Figure::new(
                        case.workload,
                        &case.param,
                        id,
                        &summary,
                        case.elements,
                    ));
                    measured.spreads.push(Spread::new(
                        case.workload,
                        &case.param,
                        id,
                        &summary,
                        &runs,
                    ));
                }
            }
            Err(error) => measured.problems.push(format!("{}: {error}", what(id))),
        }
    }
    measured
}

/// Warms `bench` up with one run of one iteration, and returns how many iterations make a run of
/// about `target` (at least one).
fn calibrate(bench: &mut Bench, target: Duration) -> Result<u64, rosetta_workloads::Error> {
    let mut iters = 1u64;
    // Lateness workloads return the lateness, not the time a run took: time the runs themselves.
    loop {
        let started = std::time::Instant::now();
        bench.run(iters)?;
        let took = started.elapsed();
        if took >= target / 4 || iters >= 1 << 20 {
            let per = took.as_secs_f64() / iters as f64;
            let wanted = (target.as_secs_f64() / per.max(1e-9)).ceil();
            return Ok((wanted as u64).clamp(1, 1 << 22));
        }
        iters *= 4;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_plan_covers_every_workload_once_per_parameter() {
        for plan in [PerfPlan::full(), PerfPlan::quick()] {
            let cases = plan.cases();
            for workload in crate::results::COMPARED {
                assert!(
                    cases.iter().any(|case| case.workload == workload),
                    "{workload:?}"
                );
            }
            // And nothing the report does not list.
            assert!(
                cases
                    .iter()
                    .all(|case| crate::results::COMPARED.contains(&case.workload))
            );
            let mut keys: Vec<(&str, &str)> = cases
                .iter()
                .map(|case| (case.workload.name(), case.param.as_str()))
                .collect();
            let all = keys.len();
            keys.sort_unstable();
            keys.dedup();
            assert_eq!(keys.len(), all, "a case measured twice");
        }
    }

    #[test]
    fn measuring_gives_one_figure_per_runtime_with_min_le_median_le_max() {
        let plan = PerfPlan {
            rounds: 3,
            max_rounds: 6,
            run_target: Duration::from_millis(1),
            ..PerfPlan::quick()
        };
        let runtimes: Vec<_> = rosetta_runtimes::RUNTIMES.iter().collect();
        let case = &plan.cases()[0];
        let measured = measure(case, &runtimes, &plan);
        assert!(measured.problems.is_empty(), "{:?}", measured.problems);
        assert_eq!(measured.figures.len(), runtimes.len());
        for (figure, runtime) in measured.figures.iter().zip(&runtimes) {
            assert_eq!(figure.runner, runtime.id);
            assert!(
                (3..=plan.max_rounds).contains(&figure.runs),
                "{}",
                figure.runs
            );
            assert!(figure.min_ns <= figure.median_ns && figure.median_ns <= figure.max_ns);
            assert!(figure.min_ns > 0.0);
        }
        for (spread, figure) in measured.spreads.iter().zip(&measured.figures) {
            assert_eq!(
                (spread.workload, &spread.runner),
                (figure.workload, &figure.runner)
            );
            assert_eq!(spread.runs_ns.len() as u32, figure.runs);
            assert!(figure.min_ns <= spread.q1_ns && spread.q1_ns <= figure.median_ns);
            assert!(figure.median_ns <= spread.q3_ns && spread.q3_ns <= figure.max_ns);
        }
    }

    #[test]
    fn the_rounds_never_exceed_the_bound_nor_fall_below_the_least() {
        let plan = PerfPlan {
            rounds: 20,
            max_rounds: 5,
            ..PerfPlan::quick()
        };
        let bounds = plan.bounds();
        assert_eq!((bounds.base, bounds.max), (20, 20));
        let quick = PerfPlan::quick().bounds();
        assert!(quick.base <= quick.max && quick.block <= quick.base);
    }
}
