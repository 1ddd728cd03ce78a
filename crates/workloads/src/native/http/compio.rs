//! The HTTP server on compio's own API: its runtime on the calling thread (io_uring), `compio-net`'s
//! listener, a compio task per connection, and compio's own hyper glue, cyper-core's `HyperStream` and
//! `CompioTimer`.

use cyper_core::{CompioTimer, HyperStream};
use rosetta_http::server::{Settings, accept_until, serve_connection};
use rosetta_runtimes::Config;

use super::NativeHttp;
use crate::net::{LOOPBACK, Ready, ServerError, Stop};

/// On compio's runtime on the calling thread, as `compio` in the registry.
pub(super) const CURRENT_THREAD: NativeHttp = NativeHttp {
    id: "compio",
    serve,
};

/// Serves on a compio runtime until `stop` (one thread: no worker count).
fn serve(
    _config: &Config,
    settings: Settings,
    ready: Ready<'_>,
    stop: Stop,
) -> Result<(), ServerError> {
    let rt = compio_runtime::Runtime::new().map_err(|error| ServerError::Runtime {
        runtime: "compio",
        why: error.to_string(),
    })?;
    rt.block_on(async {
        let listener = compio_net::TcpListener::bind(LOOPBACK)
            .await
            .map_err(ServerError::Bind)?;
        ready(listener.local_addr().map_err(ServerError::Bind)?).map_err(ServerError::Ready)?;
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
            stop.wait(),
        )
        .await;
        Ok(())
    })
}
