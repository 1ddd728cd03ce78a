//! `rosetta compare`: the whole comparison in one run.
//!
//! - [`matrix`] runs every scenario on every runtime, each in its own process under a watchdog, and
//!   judges its transcript against CPython's (or, without python3, by the scenario's own checks);
//! - [`perf`] measures the headline workloads in-process, runs interleaved across runtimes;
//! - [`python`] runs the Python baseline (asyncio, uvloop and rloop, the last two from the project's
//!   venv);
//! - [`net`] runs the network part: the echo and HTTP servers under the load generator;
//! - [`results`] holds what was found; [`tables`], [`markdown`] and [`charts`] show it, in
//!   [`units`], and [`sweep`] the network tables of a full run;
//! - [`overhead`] is `rosetta overhead`: criterion's estimates and the paired overhead runs, drawn
//!   with the same units and Markdown tables, as the generated block of `docs/methodology.md`;
//! - [`run`] is the command: its arguments, the run, what it prints and writes (and publishes into
//!   `docs/` with `--publish`).

pub mod charts;
pub mod machine;
pub mod markdown;
pub mod matrix;
pub mod net;
pub mod overhead;
pub mod perf;
pub mod python;
pub mod results;
pub mod run;
pub mod sweep;
pub mod tables;
pub mod units;

pub use overhead::OverheadArgs;
pub use results::{COMPARED, Heading, Results, Status, Workload};
pub use run::{CompareArgs, CompareError};
