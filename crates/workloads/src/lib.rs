//! The measured workloads: each one written over the [`Runtime`] trait with the toolkit, written again
//! against each runtime's own API, and set beside the physical floor that no runtime can beat.
//!
//! The benches (`benches/`) and any in-process comparison run the same code from here, so a number
//! means the same thing wherever it is printed. A [`Case`] is one measured thing: a [`Target`] (the
//! toolkit on a runtime, the native version on a runtime, or a floor) running a [`Workload`]; the
//! [`plan()`] of a [`Group`] lists its cases in the order they run. [`Case::bench`] prepares a [`Bench`]
//! (the runtime is created there, never in the timed region), and [`Bench::run`] runs the workload
//! `iters` times and returns the time it took, measured inside the runtime, as criterion's
//! `iter_custom` wants it.
//!
//! | group | workload | native | floor |
//! |---|---|---|---|
//! | `gather` | gather of N no-op tasks ([`rosetta_asyncio::gather()`]); at 10 000 also spawn-and-await through the trait | spawn and await the handles | `join_all` without spawning |
//! | `queue` | P producers × C consumers through [`rosetta_asyncio::Queue`] with `task_done`/`join` | the same queue, tasks spawned natively; raw channels | a `VecDeque` push/pop loop |
//! | `loop_create`, `loop_close` | [`Runtime::create`] / [`Runtime::close`] | the runtime's own builder | `Executor::new()`; `epoll_create1` + `eventfd` |
//! | `timer_sleep`, `timer_call_later` | lateness of `gather` of three `sleep(d)`; of `call_later(d)` | the runtime's own timer | `std::thread::sleep(d)` |
//! | `blocking_stall` | a 1 ms ticker beside a task that blocks 1 ms at a time | the same, natively | a ticker on its own thread |
//! | `run_in_executor` | one `run_in_executor` round trip | the runtime's `spawn_blocking` | a hand-off to a parked thread |
//!
//! # Naming runtime crates
//!
//! Code above the registry reaches runtimes only through `rosetta-runtimes`, with one exception: this
//! crate's `native` module and floors name tokio, smol, async-executor, async-std and compio directly,
//! because a native baseline exists to be compared with the abstraction and cannot be written through it. The
//! toolkit workloads here are generic over `R: Runtime` like any other code, and reach a runtime by id
//! through [`rosetta_runtimes::visit`]; the native ones are found in the native module's list of
//! baselines, by id.
//!
//! # Layout
//!
//! - leaves: the types and sizes (`workload`), the error, the checks every version runs after its
//!   timed region (`check`), the typed jobs the engines run (`job`), and [`interleave`], the one
//!   routine by which cases are run side by side in rotated rounds;
//! - one module per workload family, with its toolkit version and its floor side by side: `gather`,
//!   `queue` (also the producer and consumer every queue version shares), `loops`, `timers`,
//!   `blocking`;
//! - the engines, peers that import only the above: `toolkit` (over the trait, through the registry),
//!   `native` (one module per runtime, written against its own API), `floor`;
//! - the table, [`supports`]: which target runs which workload, and as which engine's job;
//! - the dispatcher, [`Bench`]: prepares a case on the engine the table names, or in fresh processes
//!   for a one-time start (`fresh`);
//! - above them: the [`plan()`] of each [`Group`], and [`compare`], the paired measurement.
//! - the network servers: [`net`] (a leaf: the kinds, the stop signal, the error), the native HTTP
//!   servers in `native::http` (one module per runtime), and [`servers`], the one table of servers by
//!   runtime id and kind, with the server process contract.
//!
//! A new workload family (`echo`, `http`) is a module of its own beside `gather`, its variants in
//! [`Workload`] and in the engines' jobs, one line per target in the table, and its cases in the plan;
//! a new runtime's native baseline is a module in `native` and its entry in the list there.
//!
//! # Examples
//!
//! ```
//! use rosetta_workloads::{Case, Target, Workload};
//!
//! let case = Case::new(Target::Toolkit("smol"), Workload::Gather { tasks: 100 });
//! assert_eq!((case.function_id(), case.parameter()), ("smol".to_owned(), "100".to_owned()));
//! let mut bench = case.bench().unwrap();
//! let elapsed = bench.run(3).unwrap(); // three gathers of 100 tasks, timed inside the runtime
//! assert!(elapsed > std::time::Duration::ZERO);
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]

pub use rosetta_runtimes::{Config, Runtime, RuntimeInfo};

mod bench;
mod blocking;
mod check;
pub mod compare;
pub mod echo;
mod error;
mod floor;
pub mod fresh;
mod gather;
pub mod interleave;
mod job;
mod loops;
mod native;
pub mod net;
pub mod plan;
mod queue;
pub mod servers;
mod support;
mod timers;
mod toolkit;
mod workload;

pub use bench::Bench;
pub use error::Error;
pub use plan::{Case, plan};
pub use support::{channels_for, supports};
pub use workload::{
    ChannelKind, Floor, GATHER_SIZES, Group, OVERHEAD_GATHER_TASKS, QUEUE_BOUND, QUEUE_ITEMS,
    QUEUE_PAIRS, QueueShape, STALL_PERIOD, STALL_TICKS, Stat, TIMER_DELAYS, Target, Workload,
};
