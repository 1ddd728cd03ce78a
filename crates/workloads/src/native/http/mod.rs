//! The HTTP server written on each runtime's own API: its own listener, streams, spawn and timer, and
//! hyper's glue for it from the runtime's side (hyper-util for tokio, smol-hyper for smol, cyper-core for
//! compio and its thread-per-core flavor, a `futures-io` wrapper for async-std).
//!
//! Every one runs the connection code of the server over the trait, [`rosetta_http::serve_connection`],
//! and its accept loop, [`rosetta_http::server::accept_until`]: a native server differs from the trait's
//! only in the runtime underneath. [`NATIVE_HTTP`] lists them, one entry per runtime id that has one.

mod async_std;
mod compio;
mod smol;
mod tokio;

use rosetta_http::Settings;
use rosetta_runtimes::Config;

use crate::net::{Ready, ServerError, Stop};

/// One runtime's native HTTP server.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NativeHttp {
    /// The runtime's id in the registry.
    pub(crate) id: &'static str,
    /// Binds 127.0.0.1 port 0 on a runtime built as its users build it (with the config's worker
    /// count, where the runtime takes one), says where, and serves until `stop`.
    pub(crate) serve: fn(&Config, Settings, Ready<'_>, Stop) -> Result<(), ServerError>,
}

/// Every native HTTP server, one entry per runtime that has one, in registry order.
pub(crate) const NATIVE_HTTP: &[NativeHttp] = &[
    tokio::CURRENT_THREAD,
    tokio::MULTI_THREAD,
    smol::CURRENT_THREAD,
    smol::MULTI_THREAD,
    async_std::GLOBAL,
    compio::CURRENT_THREAD,
    compio::PER_CORE,
];

/// The native HTTP server of the runtime `id`, if one is written.
pub(crate) fn of(id: &str) -> Option<&'static NativeHttp> {
    NATIVE_HTTP.iter().find(|native| native.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_native_http_server_is_of_a_runtime_of_the_registry_once() {
        for (index, native) in NATIVE_HTTP.iter().enumerate() {
            assert!(
                rosetta_runtimes::lookup(native.id).is_ok(),
                "{} is not in the registry",
                native.id
            );
            assert!(
                NATIVE_HTTP[..index].iter().all(|seen| seen.id != native.id),
                "{} has two native HTTP servers",
                native.id
            );
        }
    }
}
