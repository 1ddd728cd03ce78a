//! The HTTP server on smol's own API, as smol's docs show: an `Executor` (run by the calling thread, or
//! by N threads), `smol::net`, a task per connection, and smol-hyper's `FuturesIo` and `SmolTimer`.

use std::sync::Arc;

use rosetta_http::server::{Settings, accept_until, serve_connection};
use rosetta_runtimes::Config;
use smol::net::TcpListener;
use smol::{Executor, Timer};
use smol_hyper::rt::{FuturesIo, SmolTimer};

use super::NativeHttp;
use crate::native::smol::Pool;
use crate::net::{LOOPBACK, Ready, ServerError, Stop};

/// On an executor run by the calling thread, as `smol` in the registry.
pub(super) const CURRENT_THREAD: NativeHttp = NativeHttp {
    id: "smol",
    serve: |config, settings, ready, stop| serve(false, config, settings, ready, stop),
};

/// On an executor run by N threads, as `smol-mt` in the registry.
pub(super) const MULTI_THREAD: NativeHttp = NativeHttp {
    id: "smol-mt",
    serve: |config, settings, ready, stop| serve(true, config, settings, ready, stop),
};

/// Serves on a smol executor until `stop`: run by the calling thread, or by the config's workers
/// when `multi_thread` (the accept loop then runs on them too).
fn serve(
    multi_thread: bool,
    config: &Config,
    settings: Settings,
    ready: Ready<'_>,
    stop: Stop,
) -> Result<(), ServerError> {
    // The workers start first: a server that says it listens runs on every thread it was given.
    let pool = if multi_thread {
        Some(
            Pool::start(config.workers_or_default()).map_err(|error| ServerError::Runtime {
                runtime: "smol-mt",
                why: error.to_string(),
            })?,
        )
    } else {
        None
    };
    let listener = smol::block_on(TcpListener::bind(LOOPBACK)).map_err(ServerError::Bind)?;
    ready(listener.local_addr().map_err(ServerError::Bind)?).map_err(ServerError::Ready)?;
    if let Some(pool) = pool {
        let ex = Arc::clone(&pool.ex);
        smol::block_on(pool.ex.spawn(accept(ex, listener, settings, stop)));
    } else {
        let ex = Arc::new(Executor::new());
        smol::block_on(ex.run(accept(Arc::clone(&ex), listener, settings, stop)));
    }
    Ok(())
}

/// The accept loop: one task of `ex` per connection.
async fn accept(ex: Arc<Executor<'static>>, listener: TcpListener, settings: Settings, stop: Stop) {
    accept_until(
        || listener.accept(),
        |(stream, _peer)| {
            let _ = stream.set_nodelay(true);
            ex.spawn(async move {
                let _ = serve_connection(FuturesIo::new(stream), SmolTimer::new(), settings).await;
            })
            .detach();
        },
        |duration| async move {
            Timer::after(duration).await;
        },
        stop.wait(),
    )
    .await;
}
