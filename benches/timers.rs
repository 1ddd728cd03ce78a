//! Timer lateness: how late a gather of three `sleep(d)` and a `call_later(d)` complete past their
//! deadline, d ∈ {1 ms, 10 ms}, on every runtime, beside the runtime's own timer and
//! `std::thread::sleep(d)` (asyncio's `sleep` and `loop.call_later`).
//!
//! The reported time is the mean lateness of one run, not how long it took.
//!
//! Run: `cargo bench --bench timers`.

mod common;

use std::time::Duration;

use criterion::{Criterion, SamplingMode, criterion_group, criterion_main};
use rosetta_workloads::Group;

fn timers(c: &mut Criterion) {
    for group in [Group::TimerSleep, Group::TimerCallLater] {
        common::run_group(c, group, |group| {
            // Each run lasts the delay: flat sampling keeps the sample count, not the run count, small.
            group
                .sampling_mode(SamplingMode::Flat)
                .sample_size(10)
                .warm_up_time(Duration::from_millis(100))
                .measurement_time(Duration::from_millis(500));
        });
    }
}

criterion_group!(benches, timers);
criterion_main!(benches);
