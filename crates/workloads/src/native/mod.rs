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
mod compio;
mod entry;
pub(crate) mod http;
mod monoio;
mod per_core;
mod smol;
mod tokio;

pub(crate) use entry::{CreateClose, Native};

use rosetta_runtimes::Config;

use crate::echo::Ready;
use crate::error::Error;

/// Every native baseline, one entry per runtime that has one.
pub(crate) const NATIVES: &[Native] = &[
    tokio::CURRENT_THREAD,
    tokio::MULTI_THREAD,
    smol::CURRENT_THREAD,
    smol::MULTI_THREAD,
    async_std::GLOBAL,
];

/// A native echo server: binds, calls `ready`, echoes until the process ends (see [`crate::net`]).
pub(crate) type EchoServe = fn(&Config, Ready<'_>) -> Result<(), Error>;

/// Every native echo server, by runtime id: a runtime without one shows "-" in the tables.
pub(crate) const ECHO_SERVERS: &[(&str, EchoServe)] = &[
    ("tokio", |config, ready| tokio::echo(false, config, ready)),
    ("tokio-mt", |config, ready| tokio::echo(true, config, ready)),
    ("smol", |config, ready| smol::echo(false, config, ready)),
    ("smol-mt", |config, ready| smol::echo(true, config, ready)),
    ("async-std", async_std::echo),
    ("compio", compio::echo),
    ("compio-tpc", compio::echo_per_core),
    ("monoio", monoio::echo),
    ("monoio-tpc", monoio::echo_per_core),
];

/// The native echo server of the runtime `id`, if one is written.
pub(crate) fn echo_server(id: &str) -> Option<EchoServe> {
    ECHO_SERVERS
        .iter()
        .find(|(native, _)| *native == id)
        .map(|(_, serve)| *serve)
}

/// The native baseline of the runtime `id`, if one is written.
pub(crate) fn of(id: &str) -> Option<&'static Native> {
    NATIVES.iter().find(|native| native.id == id)
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
        for (index, (id, _)) in ECHO_SERVERS.iter().enumerate() {
            assert!(
                rosetta_runtimes::lookup(id).is_ok(),
                "{id} is not in the registry"
            );
            assert!(
                ECHO_SERVERS[..index].iter().all(|(seen, _)| seen != id),
                "{id} has two native echo servers"
            );
        }
    }
}
