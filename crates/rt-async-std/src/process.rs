//! async-std's subprocesses behind the [`Process`] trait: `async-process`, the crate that
//! async-std's own `process` module re-exports behind its `unstable` feature, used directly so that
//! the adapter needs no unstable async-std API. Its pipes speak `futures-io` natively.
//!
//! Per-runtime notes:
//! - Children are reaped by `async-process`'s process-wide reaper on the `async-io` reactor that
//!   async-std runs on (the same one smol uses).
//! - `id` stays `Some` after the child was reaped (`async-process` keeps it).

use crate::AsyncStd;

rosetta_rt::process_with_async_process!(AsyncStd => async_process::);
