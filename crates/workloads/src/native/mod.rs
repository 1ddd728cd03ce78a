//! The native engine: every workload written again directly against each runtime's own API, with no
//! trait in between, so that the benches can show what the abstraction costs.
//!
//! This module and the floors are the only code above the adapters that names runtime crates. Each
//! runtime's module states what it offers as one [`Native`] entry, and [`NATIVES`] lists the entries:
//! a runtime of the registry without an entry simply has no native baseline, and the table
//! ([`crate::support`]) says so wherever a native case of it is asked for. To add a native baseline,
//! write its module and add its entry here.

mod async_std;
mod channel;
mod smol;
mod tokio;

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

/// Every native baseline, one entry per runtime that has one.
pub(crate) const NATIVES: &[Native] = &[
    tokio::CURRENT_THREAD,
    tokio::MULTI_THREAD,
    smol::CURRENT_THREAD,
    smol::MULTI_THREAD,
    async_std::GLOBAL,
];

/// The native baseline of the runtime `id`, if one is written.
pub(crate) fn of(id: &str) -> Option<&'static Native> {
    NATIVES.iter().find(|native| native.id == id)
}

/// A join error of any runtime, as a workload error.
fn task_failed(error: impl std::fmt::Display) -> Error {
    Error::Task(error.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_native_baseline_is_of_a_runtime_of_the_registry_once() {
        for (index, native) in NATIVES.iter().enumerate() {
            assert!(
                rosetta_runtimes::lookup(native.id).is_ok(),
                "{} is not in the registry",
                native.id
            );
            assert!(
                NATIVES[..index].iter().all(|seen| seen.id != native.id),
                "{} has two native baselines",
                native.id
            );
        }
    }
}
