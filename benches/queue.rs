//! Queue throughput: 100 000 items through the toolkit `Queue` (put, get, `task_done`, `join`),
//! P producers × C consumers ∈ {1×1, 4×4, 16×16}, bounded 1 024 and unbounded, every task spawned;
//! beside it the raw channels (tokio `mpsc`, `async-channel`, `flume`), at 1×1 the same queue on
//! native spawns (the abstraction's overhead) and a `VecDeque` push/pop loop (asyncio's `Queue`).
//!
//! Run: `cargo bench --bench queue`; one shape: `cargo bench --bench queue -- 1x1-bounded`.
//!
//! The queue's lock against the spin-then-yield lock it replaced: save this run as a baseline, then run
//! again with the other lock under the queue, and criterion prints each case's change:
//!
//! ```text
//! cargo bench --bench queue -- --save-baseline parking-lot
//! cargo bench -p async-rosetta -p rosetta-asyncio --features rosetta-asyncio/spin-then-yield-lock \
//!     --bench queue -- --baseline parking-lot
//! ```

mod common;

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use rosetta_workloads::Group;

fn queue(c: &mut Criterion) {
    common::run_group(c, Group::Queue, |group| {
        group
            .sample_size(10)
            .warm_up_time(Duration::from_millis(200))
            .measurement_time(Duration::from_millis(600));
    });
}

criterion_group!(benches, queue);
criterion_main!(benches);
