//! compio's subprocesses behind the [`Process`] trait, through `async-process`: the documented
//! fallback. compio's own process support is not wrapped here (yet); `async-process` runs on any
//! executor, and its pipes speak `futures-io` natively.
//!
//! Per-runtime notes:
//! - The pipes are driven by the `async-io` reactor, on its own thread, not by compio's io_uring ring:
//!   a compio program that spawns children runs a second, epoll-based reactor for them.
//! - Children are reaped by `async-process`'s process-wide reaper.
//! - `id` stays `Some` after the child was reaped (`async-process` keeps it).

use crate::Compio;

rosetta_rt::process_with_async_process!(Compio => async_process::);
