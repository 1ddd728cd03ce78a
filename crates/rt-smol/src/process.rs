//! smol's subprocesses behind the [`Process`] trait: `async-process`, through smol's re-export; its
//! pipes speak `futures-io` natively.
//!
//! Per-runtime notes:
//! - Children are reaped by `async-process`'s process-wide reaper (a SIGCHLD handler on the
//!   `async-io` reactor), shared by both smol flavors and by async-std.
//! - `id` stays `Some` after the child was reaped (`async-process` keeps it).

use crate::{Smol, SmolMultiThread};

// One impl for both smol flavors: the reaper is process-wide.
rosetta_rt::process_with_async_process!(Smol, SmolMultiThread => smol::process::);
