//! Blocking: a ticker that wants to wake every 1 ms beside a task that blocks its thread 1 ms at a
//! time (the ticker's median and worst lateness), and the round trip of `run_in_executor`, on every
//! runtime, beside the same written natively and their floors (asyncio's blocking-call pitfall and
//! `loop.run_in_executor`).
//!
//! Run: `cargo bench --bench blocking`.

mod common;

use std::time::Duration;

use criterion::{Criterion, SamplingMode, criterion_group, criterion_main};
use rosetta_workloads::Group;

fn blocking(c: &mut Criterion) {
    common::run_group(c, Group::BlockingStall, |group| {
        // Each run lasts ten ticks: flat sampling keeps the run count small.
        group
            .sampling_mode(SamplingMode::Flat)
            .sample_size(10)
            .warm_up_time(Duration::from_millis(100))
            .measurement_time(Duration::from_millis(500));
    });
    common::run_group(c, Group::RunInExecutor, |group| {
        group
            .sample_size(20)
            .warm_up_time(Duration::from_millis(200))
            .measurement_time(Duration::from_millis(500));
    });
}

criterion_group!(benches, blocking);
criterion_main!(benches);
