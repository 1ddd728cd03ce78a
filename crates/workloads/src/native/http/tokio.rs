//! The HTTP server on tokio's own API, as a tokio user writes it: a `Builder` runtime, `tokio::net`,
//! `tokio::spawn` per connection, and hyper-util's `TokioIo` and `TokioTimer`.

use hyper_util::rt::{TokioIo, TokioTimer};
use rosetta_http::server::{Settings, accept_until, serve_connection};
use rosetta_runtimes::Config;
use tokio::net::TcpListener;
use tokio::runtime::Builder;

use super::NativeHttp;
use crate::net::{LOOPBACK, Ready, ServerError, Stop};

/// On the current-thread runtime, as `tokio` in the registry.
pub(super) const CURRENT_THREAD: NativeHttp = NativeHttp {
    id: "tokio",
    serve: |config, settings, ready, stop| serve(false, config, settings, ready, stop),
};

/// On the multi-thread runtime, as `tokio-mt` in the registry.
pub(super) const MULTI_THREAD: NativeHttp = NativeHttp {
    id: "tokio-mt",
    serve: |config, settings, ready, stop| serve(true, config, settings, ready, stop),
};

/// Serves on a tokio runtime (`multi_thread` on the config's workers, or `current_thread`) until
/// `stop`.
fn serve(
    multi_thread: bool,
    config: &Config,
    settings: Settings,
    ready: Ready<'_>,
    stop: Stop,
) -> Result<(), ServerError> {
    let mut builder = if multi_thread {
        let mut builder = Builder::new_multi_thread();
        builder.worker_threads(config.workers_or_default());
        builder
    } else {
        Builder::new_current_thread()
    };
    let id = if multi_thread { "tokio-mt" } else { "tokio" };
    let rt = builder
        .enable_all()
        .build()
        .map_err(|error| ServerError::Runtime {
            runtime: id,
            why: error.to_string(),
        })?;
    rt.block_on(async {
        let listener = TcpListener::bind(LOOPBACK)
            .await
            .map_err(ServerError::Bind)?;
        ready(listener.local_addr().map_err(ServerError::Bind)?).map_err(ServerError::Ready)?;
        accept_until(
            || listener.accept(),
            |(stream, _peer)| {
                let _ = stream.set_nodelay(true);
                tokio::spawn(async move {
                    let _ =
                        serve_connection(TokioIo::new(stream), TokioTimer::new(), settings).await;
                });
            },
            tokio::time::sleep,
            stop.wait(),
        )
        .await;
        Ok(())
    })
}
