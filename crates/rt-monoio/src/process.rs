//! monoio's subprocesses behind the [`Process`] trait, through `async-process` (monoio has no process
//! API): `async-process` runs on any executor, and its pipes speak `futures-io` natively. The impl is
//! `rosetta_rt::process_with_async_process!`, the glue every adapter over `async-process` shares.
//!
//! Per-runtime notes:
//! - The pipes are driven by the `async-io` reactor, on its own thread, not by monoio's io_uring ring:
//!   a monoio program that spawns children runs a second, epoll-based reactor for them.
//! - Children are reaped by `async-process`'s process-wide reaper.
//! - `id` stays `Some` after the child was reaped (`async-process` keeps it).

use crate::Monoio;

rosetta_rt::process_with_async_process!(Monoio => async_process::);
