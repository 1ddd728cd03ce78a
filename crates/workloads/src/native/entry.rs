//! What a native baseline offers, as one [`Native`] entry: the one type every runtime's module fills
//! in and the list in `native/mod.rs` holds.

use std::time::Duration;

use rosetta_runtimes::Config;

use crate::error::Error;
use crate::job::{NativeTask, Runner};
use crate::workload::ChannelKind;

/// What one runtime's native baseline offers.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Native {
    /// The runtime's id in the registry.
    pub(crate) id: &'static str,
    /// Prepares a task-shaped workload on a runtime built the way its users build it.
    pub(crate) prepare: fn(NativeTask) -> Result<Runner, Error>,
    /// Builds and drops `iters` runtimes of this config: the total time of the builds, and of the
    /// drops. `None` for a global runtime, which has no loop of its own.
    pub(crate) create_close: Option<CreateClose>,
    /// A global runtime's one-time start, in this process.
    pub(crate) first_start: Option<fn() -> Result<Duration, Error>>,
    /// The raw channels a user of this runtime picks beside an asyncio-style queue.
    pub(crate) channels: &'static [ChannelKind],
}

/// Builds and drops `iters` runtimes of a config: the total time of the builds, and of the drops.
pub(crate) type CreateClose = fn(&Config, u64) -> Result<(Duration, Duration), Error>;

/// A join error of any runtime, as a workload error.
pub(super) fn task_failed(error: impl std::fmt::Display) -> Error {
    Error::Task(error.to_string())
}
