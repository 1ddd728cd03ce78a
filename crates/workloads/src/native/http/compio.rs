//! The HTTP servers on compio's own API: its runtime on the calling thread (io_uring), `compio-net`'s
//! listener, a compio task per connection, and compio's own hyper glue, cyper-core's `HyperStream` and
//! `CompioTimer`; and the same thread-per-core (`compio-tpc`): a compio runtime per worker, each with a
//! listener of its own on the one port (`SO_REUSEPORT`), serving what it accepts.

use std::future::Future;

use cyper_core::{CompioTimer, HyperStream};
use rosetta_http::server::{Settings, accept_until, serve_connection};
use rosetta_runtimes::Config;

use super::NativeHttp;
use crate::native::{compio, per_core};
use crate::net::{LOOPBACK, Ready, ServerError, Stop};

/// On compio's runtime on the calling thread, as `compio` in the registry.
pub(super) const CURRENT_THREAD: NativeHttp = NativeHttp {
    id: "compio",
    serve,
};

/// On a compio runtime per worker, as `compio-tpc` in the registry.
pub(super) const PER_CORE: NativeHttp = NativeHttp {
    id: "compio-tpc",
    serve: serve_per_core,
};

/// Serves on a compio runtime until `stop` (one thread: no worker count).
fn serve(
    _config: &Config,
    settings: Settings,
    ready: Ready<'_>,
    stop: Stop,
) -> Result<(), ServerError> {
    runtime("compio")?.block_on(async {
        let listener = compio_net::TcpListener::bind(LOOPBACK)
            .await
            .map_err(ServerError::Bind)?;
        ready(listener.local_addr().map_err(ServerError::Bind)?).map_err(ServerError::Ready)?;
        accept(listener, settings, stop.wait()).await;
        Ok(())
    })
}

/// Serves thread-per-core until `stop`: the config's workers (one per CPU by default), each a
/// compio runtime accepting on a listener of its own on the one port; says where once all listen.
fn serve_per_core(
    config: &Config,
    settings: Settings,
    ready: Ready<'_>,
    stop: Stop,
) -> Result<(), ServerError> {
    const ID: &str = "compio-tpc";
    let n = config
        .checked_workers()
        .map_err(|error| ServerError::Runtime {
            runtime: ID,
            why: error.to_string(),
        })?;
    let listeners = per_core::listeners(n).map_err(ServerError::Bind)?;
    let addr = listeners[0].local_addr().map_err(ServerError::Bind)?;
    per_core::run(
        ID,
        listeners,
        move |listener, listening| {
            runtime(ID)?.block_on(async {
                let listener =
                    compio_net::TcpListener::from_std(listener).map_err(ServerError::Bind)?;
                listening();
                accept(listener, settings, stop.wait()).await;
                Ok(())
            })
        },
        &mut || ready(addr).map_err(ServerError::Ready),
        |why| ServerError::Runtime { runtime: ID, why },
    )
}

/// A compio runtime on the calling thread, as the echo servers make it (unavailable when io_uring is
/// refused).
fn runtime(id: &'static str) -> Result<compio_runtime::Runtime, ServerError> {
    compio::runtime().map_err(|error| ServerError::Runtime {
        runtime: id,
        why: error.to_string(),
    })
}

/// The accept loop: a compio task per connection, until `stop`.
async fn accept(
    listener: compio_net::TcpListener,
    settings: Settings,
    stop: impl Future<Output = ()>,
) {
    accept_until(
        || listener.accept(),
        |(stream, _peer)| {
            let _ = stream.set_nodelay(true);
            compio_runtime::spawn(async move {
                let stream = HyperStream::new_plain(stream);
                let _ = serve_connection(stream, CompioTimer, settings).await;
            })
            .detach();
        },
        compio_runtime::time::sleep,
        stop,
    )
    .await;
}
