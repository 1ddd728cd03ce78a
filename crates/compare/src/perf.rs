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
use rosetta_workloads::interleave::{Summary, interleaved};
use rosetta_workloads::{
    Bench, GATHER_SIZES, QUEUE_BOUND, QUEUE_ITEMS, QUEUE_PAIRS, QueueShape, Stat, TIMER_DELAYS,
    Target,
};

use crate::results::{Figure, Workload};

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
    /// Runs per runtime, the median taken over them.
    pub rounds: u32,
    /// About how long one run lasts (iterations are added to reach it).
    pub run_target: Duration,
}

impl PerfPlan {
    /// The default plan, the sizes of `cargo bench`: about 40 s on two cores.
    pub fn full() -> Self {
        PerfPlan {
            gather_sizes: GATHER_SIZES.to_vec(),
            queue_pairs: QUEUE_PAIRS.to_vec(),
            queue_items: QUEUE_ITEMS,
            timer_delays: TIMER_DELAYS.to_vec(),
            rounds: 15,
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
            rounds: 5,
            run_target: Duration::from_millis(4),
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
    /// What failed, naming the workload and runtime.
    pub problems: Vec<String>,
}

/// Measures `case` on every runtime of `runtimes`, runs interleaved; see the [module docs](self).
pub fn measure(case: &Case, runtimes: &[&'static RuntimeInfo], plan: &PerfPlan) -> Measured {
    let mut measured = Measured::default();
    let what = |id: &str| format!("{} {} on {id}", case.workload.id(), case.param);
    // Prepare every runtime's bench, and find how many iterations make a run of about the target.
    let mut ids: Vec<&'static str> = Vec::new();
    let mut benches: Vec<(Bench, u64)> = Vec::new();
    for runtime in runtimes {
        let prepared = Bench::new(Target::Toolkit(runtime.id), case.run)
            .and_then(|mut bench| calibrate(&mut bench, plan.run_target).map(|n| (bench, n)));
        match prepared {
            Ok(prepared) => {
                ids.push(runtime.id);
                benches.push(prepared);
            }
            Err(error) => measured
                .problems
                .push(format!("{}: {error}", what(runtime.id))),
        }
    }
    let rounds = plan.rounds.max(1) as usize;
    for (id, runs) in ids.into_iter().zip(interleaved(&mut benches, rounds)) {
        match runs.map(|runs| Summary::of(&runs)) {
            Ok(Some(summary)) => measured.figures.push(Figure::new(
                case.workload,
                &case.param,
                id,
                &summary,
                case.elements,
            )),
            Ok(None) => {}
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
            for workload in Workload::ALL {
                assert!(
                    cases.iter().any(|case| case.workload == workload),
                    "{workload:?}"
                );
            }
            let mut keys: Vec<(Workload, &str)> = cases
                .iter()
                .map(|case| (case.workload, case.param.as_str()))
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
            assert_eq!(figure.runs, 3);
            assert!(figure.min_ns <= figure.median_ns && figure.median_ns <= figure.max_ns);
            assert!(figure.min_ns > 0.0);
        }
    }
}
