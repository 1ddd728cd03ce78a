//! Gather latency: spawn N no-op tasks and gather them, N from 1 to 100 000, on every runtime, beside
//! the same written natively and `join_all` without spawning (asyncio's `gather`).
//!
//! Run: `cargo bench --bench gather`; one point: `cargo bench --bench gather -- gather/smol/10000`.

mod common;

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use rosetta_workloads::Group;

fn gather(c: &mut Criterion) {
    common::run_group(c, Group::Gather, |group| {
        group
            .sample_size(10)
            .warm_up_time(Duration::from_millis(300))
            .measurement_time(Duration::from_secs(1));
    });
}

criterion_group!(benches, gather);
criterion_main!(benches);
