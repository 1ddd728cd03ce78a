//! What every bench file shares: running one group's cases, from `rosetta_workloads::plan`, under
//! criterion.

use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, BenchmarkId, Criterion, Throughput};
use rosetta_workloads::{Group, plan};

/// The longest a case is measured for under `--quick`.
const QUICK_MEASUREMENT: Duration = Duration::from_millis(400);

/// Whether criterion runs in `--quick` mode.
fn quick() -> bool {
    std::env::args().any(|arg| arg == "--quick")
}

/// Runs every case of `group`, in the plan's order, with the group's settings applied by `tune`.
///
/// Each case's runtime is created once, before criterion starts timing it, and closed after its last
/// sample; criterion's `iter_custom` gets the time measured inside the runtime.
pub fn run_group(
    c: &mut Criterion,
    group: Group,
    tune: impl FnOnce(&mut BenchmarkGroup<'_, WallTime>),
) {
    let mut benches = c.benchmark_group(group.name());
    // Criterion's default of 100 000 bootstrap resamples costs seconds of analysis per bench, more than
    // the measurement; 5 000 still give stable 95 % intervals.
    benches.nresamples(5_000);
    tune(&mut benches);
    if quick() {
        // `--quick` measures each case until its estimate is steady, up to the measurement time; on a
        // noisy 2-core machine that is often the whole of it. A quick look stops sooner, and its two
        // samples gain nothing from thousands of resamples (criterion warns below 1 000).
        benches
            .measurement_time(QUICK_MEASUREMENT)
            .nresamples(1_001);
    }
    for case in plan(group) {
        if let Some(elements) = case.elements() {
            benches.throughput(Throughput::Elements(elements));
        }
        let mut bench = case
            .bench()
            .unwrap_or_else(|error| panic!("{case}: {error}"));
        benches.bench_function(
            BenchmarkId::new(case.function_id(), case.parameter()),
            |b| {
                b.iter_custom(|iters| {
                    bench
                        .run(iters)
                        .unwrap_or_else(|error| panic!("{case}: {error}"))
                });
            },
        );
    }
    benches.finish();
}
