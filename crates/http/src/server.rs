//! The HTTP server the network workloads measure: `GET` (any path) answered with a fixed 1 KiB body over
//! HTTP/1.1 keep-alive, one task per connection, written once over the trait.
//!
//! What a connection does is written once, [`serve_connection`], over any stream, executor-free timer
//! and runtime: hyper's `server::conn::http1` with [`settings`](Settings) every server shares, answering
//! every request with [`response`]. [`serve_over_trait`] is its accept loop over the [`Io`] trait; the
//! servers written on each runtime's own API (its native listener, stream, spawn and timer) run the same
//! [`serve_connection`], so that the only difference between a trait server and a native one is the
//! runtime glue underneath.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::pin::pin;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Request, Response, header};
use rosetta_rt::{Io, Runtime};

use crate::rt::{Compat, Sleeper};

/// The size of every answer's body: 1 KiB.
pub const BODY_LEN: usize = 1024;

/// The body every request is answered with: [`BODY_LEN`] bytes of printable ASCII, lines of 64.
pub static BODY: [u8; BODY_LEN] = body();

/// The `Content-Type` of every answer.
pub const CONTENT_TYPE: &str = "text/plain";

/// The fixed body: `a` to `z` over and over, a newline ending each 64 bytes.
const fn body() -> [u8; BODY_LEN] {
    let mut body = [0; BODY_LEN];
    let mut i = 0;
    while i < BODY_LEN {
        body[i] = if i % 64 == 63 {
            b'\n'
        } else {
            b'a' + (i % 26) as u8
        };
        i += 1;
    }
    body
}

/// How long a server waits between accept errors that repeat (out of descriptors), so that such a
/// loop does not spin.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(10);

/// What every server, over the trait or native, sets on its connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// How long a client may take to send a whole request head, counted from when the server starts
    /// reading it (also for a connection that never sends a byte): past it the connection is closed.
    /// hyper keeps this time with the server's [`hyper::rt::Timer`].
    pub header_read_timeout: Duration,
}

impl Settings {
    /// The settings the measured servers run with: a 10 s header read timeout.
    pub const DEFAULT: Settings = Settings {
        header_read_timeout: Duration::from_secs(10),
    };
}

impl Default for Settings {
    fn default() -> Self {
        Settings::DEFAULT
    }
}

/// The answer to every request: 200, `Content-Type: text/plain`, `Content-Length: 1024`, [`BODY`].
pub fn response() -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from_static(&BODY)));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static(CONTENT_TYPE),
    );
    response
        .headers_mut()
        .insert(header::CONTENT_LENGTH, header::HeaderValue::from(BODY_LEN));
    response
}

/// Serves one connection until its client closes it, it fails, or the header read timeout ends it:
/// HTTP/1.1 keep-alive, every request answered with [`response`].
///
/// `io` is the connection as hyper reads and writes it, and `timer` the runtime's timer as hyper
/// sleeps with it: the trait's ([`Compat`], [`Sleeper`]) or a runtime's own.
///
/// # Errors
///
/// hyper's, for a connection that ended badly (a client that sent garbage, reset, or timed out). Each
/// is that connection's alone.
pub async fn serve_connection<I, T>(io: I, timer: T, settings: Settings) -> Result<(), hyper::Error>
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin,
    T: hyper::rt::Timer + Send + Sync + 'static,
{
    let service = hyper::service::service_fn(|_request: Request<Incoming>| async {
        Ok::<_, Infallible>(response())
    });
    hyper::server::conn::http1::Builder::new()
        .keep_alive(true)
        .timer(timer)
        .header_read_timeout(settings.header_read_timeout)
        .serve_connection(io, service)
        .await
}

/// Runs `accept` until `stop` completes: each accepted connection is handed to `serve`; a failed
/// accept waits 10 ms with `backoff` (so that a loop out of descriptors does not spin) and goes on.
///
/// The one accept loop of every server, trait or native: only the calls it is given differ.
pub async fn accept_until<T, A, F, B, BF>(
    mut accept: A,
    mut serve: impl FnMut(T),
    backoff: B,
    stop: impl Future<Output = ()>,
) where
    A: FnMut() -> F,
    F: Future<Output = io::Result<T>>,
    B: Fn(Duration) -> BF,
    BF: Future<Output = ()>,
{
    let mut stop = pin!(stop);
    loop {
        let next = async { Some(accept().await) };
        let stopped = async {
            stop.as_mut().await;
            None
        };
        match first(stopped, next).await {
            None => return,
            Some(Ok(connection)) => serve(connection),
            // A peer that gave up in the backlog, or no descriptor left: wait a little, go on.
            Some(Err(_)) => backoff(ACCEPT_BACKOFF).await,
        }
    }
}

/// Whichever of `a` and `b` completes first (`a` when both are ready).
async fn first<T>(a: impl Future<Output = T>, b: impl Future<Output = T>) -> T {
    let (mut a, mut b) = (pin!(a), pin!(b));
    std::future::poll_fn(|cx| {
        if let std::task::Poll::Ready(value) = a.as_mut().poll(cx) {
            return std::task::Poll::Ready(value);
        }
        b.as_mut().poll(cx)
    })
    .await
}

/// The HTTP server over the trait: accepts on `listener` until `stop` completes, one task of `R` per
/// connection, each served by [`serve_connection`] with [`Settings::DEFAULT`].
///
/// Connections still open when `stop` completes go on as detached tasks until they end or the loop is
/// closed.
///
/// # Examples
///
/// ```
/// use std::net::SocketAddr;
/// use rosetta_rt::{Io, Runtime};
///
/// /// Serves on 127.0.0.1 (a free port) until `stop` completes.
/// async fn serve<R: Runtime + Io>(stop: impl std::future::Future<Output = ()> + Send) -> std::io::Result<()> {
///     let listener = R::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
///     rosetta_http::serve_over_trait::<R>(listener, stop).await;
///     Ok(())
/// }
/// # fn main() {}
/// ```
pub async fn serve_over_trait<R: Runtime + Io>(
    listener: R::TcpListener,
    stop: impl Future<Output = ()> + Send,
) {
    serve_over_trait_with::<R>(listener, Settings::DEFAULT, stop).await;
}

/// [`serve_over_trait`] with `settings` of the caller's.
pub async fn serve_over_trait_with<R: Runtime + Io>(
    listener: R::TcpListener,
    settings: Settings,
    stop: impl Future<Output = ()> + Send,
) {
    accept_until(
        || R::accept(&listener),
        |(stream, _peer)| {
            // Small answers go out at once, as every measured server sets.
            let _ = R::set_nodelay(&stream, true);
            R::spawn(async move {
                // A connection's end (a client gone, garbage, a timeout) is its own.
                let _ = serve_connection(Compat::new(stream), Sleeper::<R>::new(), settings).await;
            })
            .detach();
        },
        R::sleep,
        stop,
    )
    .await;
}
