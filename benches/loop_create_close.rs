//! Loop create and close, timed separately, on every runtime (asyncio's `new_event_loop` / `close`),
//! multi-thread flavors at 1 and 2 workers, beside the runtime's own builder and two floors: a bare
//! `async_executor::Executor::new()`, and `epoll_create1` + `eventfd`.
//!
//! async-std has one global runtime, so its create and close are no-ops (global runtime: no per-loop
//! cost); its one-time start is measured instead, in a fresh process per iteration: this binary starts
//! itself again, and `rosetta_workloads::fresh::serve_child` answers in the child.
//!
//! Run: `cargo bench --bench loop_create_close`.

mod common;

use std::time::Duration;

use criterion::Criterion;
use rosetta_workloads::Group;

fn main() {
    if rosetta_workloads::fresh::serve_child() {
        return;
    }
    let mut c = Criterion::default().configure_from_args();
    for group in [Group::LoopCreate, Group::LoopClose] {
        common::run_group(&mut c, group, |group| {
            group
                .sample_size(20)
                .warm_up_time(Duration::from_millis(200))
                .measurement_time(Duration::from_millis(500));
        });
    }
    c.final_summary();
}
