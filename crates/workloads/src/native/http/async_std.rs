//! The HTTP server on async-std's own API (discontinued in 2025), as its docs show: `task::block_on`,
//! `async_std::net`, `task::spawn` per connection, its streams through smol-hyper's `futures-io` wrapper,
//! and a timer over `task::sleep`.

use std::pin::Pin;
use std::time::{Duration, Instant};

use async_std::net::TcpListener;
use async_std::task;
use rosetta_http::Sleep;
use rosetta_http::server::{Settings, accept_until, serve_connection};
use rosetta_runtimes::Config;
use smol_hyper::rt::FuturesIo;

use super::NativeHttp;
use crate::net::{LOOPBACK, Ready, ServerError, Stop};

/// On the global runtime, as `async-std` in the registry.
pub(super) const GLOBAL: NativeHttp = NativeHttp {
    id: "async-std",
    serve,
};

/// hyper's timer on async-std's `task::sleep`.
#[derive(Debug, Clone, Copy)]
struct AsyncStdTimer;

impl hyper::rt::Timer for AsyncStdTimer {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn hyper::rt::Sleep>> {
        Sleep::boxed(task::sleep(duration))
    }

    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn hyper::rt::Sleep>> {
        Sleep::boxed(task::sleep(
            deadline.saturating_duration_since(Instant::now()),
        ))
    }
}

/// Serves on async-std's global runtime until `stop` (its global pool sizes itself: no worker count).
fn serve(
    _config: &Config,
    settings: Settings,
    ready: Ready<'_>,
    stop: Stop,
) -> Result<(), ServerError> {
    task::block_on(async {
        let listener = TcpListener::bind(LOOPBACK)
            .await
            .map_err(ServerError::Bind)?;
        ready(listener.local_addr().map_err(ServerError::Bind)?).map_err(ServerError::Ready)?;
        accept_until(
            || listener.accept(),
            |(stream, _peer)| {
                let _ = stream.set_nodelay(true);
                task::spawn(async move {
                    let _ = serve_connection(FuturesIo::new(stream), AsyncStdTimer, settings).await;
                });
            },
            task::sleep,
            stop.wait(),
        )
        .await;
        Ok(())
    })
}
