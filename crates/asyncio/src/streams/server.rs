//! `asyncio.start_server` and `asyncio.Server`: an accept loop task that spawns one handler task per
//! connection, and the close / wait_closed protocol around it.

use std::fmt;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use event_listener::{Event, listener};
use rosetta_rt::Io;

use super::{Reader, StreamError, Writer, connected};

/// How long the accept loop waits after an error that is not the connection's own (out of file
/// descriptors, out of memory): asyncio's `constants.ACCEPT_RETRY_DELAY`.
const ACCEPT_RETRY_DELAY: Duration = Duration::from_secs(1);

/// What the accept loop and the server share.
#[derive(Debug)]
struct Shared {
    /// `close` was called.
    closed: AtomicBool,
    /// Notified by `close`.
    closing: Event,
    /// The accept loop (1 while it runs) plus the handlers still running.
    active: AtomicUsize,
    /// Notified when `active` reaches zero.
    idle: Event,
}

impl Shared {
    fn is_closed(&self) -> bool {
        self.closed.load(Ordering::SeqCst)
    }

    /// Waits until `close` is called.
    async fn until_closed(&self) {
        loop {
            if self.is_closed() {
                return;
            }
            listener!(self.closing => closing);
            if self.is_closed() {
                return;
            }
            closing.await;
        }
    }
}

/// Counts one unit of `active` for as long as it lives: dropped when its task ends, panics included.
#[derive(Debug)]
struct Active(Arc<Shared>);

impl Active {
    fn new(shared: &Arc<Shared>) -> Self {
        shared.active.fetch_add(1, Ordering::SeqCst);
        Active(Arc::clone(shared))
    }
}

impl Drop for Active {
    fn drop(&mut self) {
        if self.0.active.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0.idle.notify(usize::MAX);
        }
    }
}

/// A listening server (asyncio's `Server`, as `start_server` returns it).
///
/// It accepts connections from the moment [`start_server`] returns (asyncio's `start_serving=True`).
/// [`close`](Self::close) stops accepting: the listening socket is closed by the accept loop as soon as
/// it sees the close, and connections already accepted run until their handlers return.
/// [`wait_closed`](Self::wait_closed) returns once the server is closed, the listening socket with it,
/// and every handler has returned.
///
/// Dropping the server closes it, as leaving asyncio's `async with server:` does; its handlers keep
/// running.
pub struct Server {
    shared: Arc<Shared>,
    local_addr: SocketAddr,
}

impl fmt::Debug for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Server")
            .field("local_addr", &self.local_addr)
            .field("serving", &self.is_serving())
            .field("active", &self.shared.active.load(Ordering::SeqCst))
            .finish()
    }
}

impl Server {
    /// The address the server listens on (`server.sockets[0].getsockname()`).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Whether the server accepts new connections (`server.is_serving()`).
    pub fn is_serving(&self) -> bool {
        !self.shared.is_closed()
    }

    /// Stops accepting new connections (`server.close()`). Connections already accepted go on.
    pub fn close(&self) {
        self.shared.closed.store(true, Ordering::SeqCst);
        self.shared.closing.notify(usize::MAX);
    }

    /// Waits until the server is closed (`await server.serve_forever()`, which asyncio ends by
    /// cancelling it).
    ///
    /// # Errors
    ///
    /// [`StreamError::ServerClosed`] if the server was already closed, as asyncio raises
    /// `RuntimeError`.
    pub async fn serve_forever(&self) -> Result<(), StreamError> {
        if self.shared.is_closed() {
            return Err(StreamError::ServerClosed);
        }
        self.shared.until_closed().await;
        Ok(())
    }

    /// Waits until the server is closed and every handler has returned (`await server.wait_closed()`).
    ///
    /// Called before [`close`](Self::close), it waits for the close too, as in asyncio 3.12.1 and later.
    pub async fn wait_closed(&self) {
        loop {
            if self.shared.active.load(Ordering::SeqCst) == 0 {
                return;
            }
            listener!(self.shared.idle => idle);
            if self.shared.active.load(Ordering::SeqCst) == 0 {
                return;
            }
            idle.await;
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.close();
    }
}

/// Starts a TCP server on `addr` (`await asyncio.start_server(client_connected_cb, host, port)`).
///
/// For each connection, `handler` gets a reader and a writer and runs as its own task (asyncio's
/// `client_connected_cb` coroutine, wrapped in a task). What it returns is dropped; so are the reader
/// and writer, which closes the connection. `TCP_NODELAY` is set on every connection, as asyncio does.
///
/// # Errors
///
/// The bind's error (address in use, permission denied).
///
/// # Examples
///
/// ```
/// use std::net::SocketAddr;
/// use rosetta_asyncio::streams::{StreamError, open_connection, start_server};
/// use rosetta_rt::Io;
///
/// /// The asyncio docs' echo server, and one client of it.
/// async fn echo_once<R: Io>() -> Result<Vec<u8>, StreamError> {
///     let addr: SocketAddr = ([127, 0, 0, 1], 0).into();
///     let server = start_server::<R, _, _>(
///         |mut reader, mut writer| async move {
///             let data = reader.read(100).await?;
///             writer.write(&data)?;
///             writer.drain().await?;
///             writer.wait_closed().await
///         },
///         addr,
///     )
///     .await?;
///     let (mut reader, mut writer) = open_connection::<R>(server.local_addr()).await?;
///     writer.write(b"Hello World!")?;
///     let answer = reader.read_to_eof().await?;
///     server.close();
///     server.wait_closed().await;
///     Ok(answer)
/// }
/// # fn main() {}
/// ```
pub async fn start_server<R, H, F>(handler: H, addr: SocketAddr) -> Result<Server, StreamError>
where
    R: Io,
    H: Fn(Reader<R>, Writer<R>) -> F + Send + 'static,
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    start_server_with_limit::<R, H, F>(handler, addr, super::DEFAULT_LIMIT).await
}

/// [`start_server`] with the readers' buffer limit (`start_server(..., limit=limit)`).
///
/// # Errors
///
/// [`StreamError::InvalidLimit`] for a zero limit; the bind's error.
pub async fn start_server_with_limit<R, H, F>(
    handler: H,
    addr: SocketAddr,
    limit: usize,
) -> Result<Server, StreamError>
where
    R: Io,
    H: Fn(Reader<R>, Writer<R>) -> F + Send + 'static,
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    if limit == 0 {
        return Err(StreamError::InvalidLimit);
    }
    let listener = R::bind(addr).await?;
    let local_addr = R::local_addr(&listener)?;
    let shared = Arc::new(Shared {
        closed: AtomicBool::new(false),
        closing: Event::new(),
        active: AtomicUsize::new(0),
        idle: Event::new(),
    });
    let running = Active::new(&shared);
    drop(R::spawn(accept_loop::<R, H, F>(
        listener, handler, limit, running,
    )));
    Ok(Server { shared, local_addr })
}

/// What the accept loop waits for: a connection, or the close.
enum Next<T> {
    Closed,
    Accepted(T),
}

/// Accepts connections until the server is closed, spawning `handler` for each; then drops the
/// listener, which closes the listening socket.
async fn accept_loop<R, H, F>(listener: R::TcpListener, handler: H, limit: usize, running: Active)
where
    R: Io,
    H: Fn(Reader<R>, Writer<R>) -> F + Send + 'static,
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let shared = Arc::clone(&running.0);
    loop {
        // The close is polled first, so a close wins over a connection that is ready at once.
        let next = futures_lite::future::or(
            async {
                shared.until_closed().await;
                Next::Closed
            },
            async { Next::Accepted(R::accept(&listener).await) },
        )
        .await;
        match next {
            Next::Closed => break,
            Next::Accepted(Ok(_)) if shared.is_closed() => {
                // Accepted while `close` ran on another thread: after `close` no connection is served,
                // so it is dropped unserved.
                break;
            }
            Next::Accepted(Ok((stream, peer))) => {
                let (reader, writer) = match connected::<R>(stream, Some(peer), limit) {
                    Ok(pair) => pair,
                    // The connection went away between accept and setup: only it is lost.
                    Err(_) => continue,
                };
                let active = Active::new(&shared);
                let served = handler(reader, writer);
                drop(R::spawn(async move {
                    let _active = active;
                    drop(served.await);
                }));
            }
            Next::Accepted(Err(error)) if is_per_connection(&error) => continue,
            Next::Accepted(Err(_)) => {
                // Out of descriptors or memory: back off as asyncio does, unless closed meanwhile.
                futures_lite::future::or(shared.until_closed(), R::sleep(ACCEPT_RETRY_DELAY)).await;
            }
        }
    }
    drop(listener);
    drop(running);
}

/// Whether an accept error belongs to one connection only (it was reset before it was accepted),
/// rather than to the listener.
fn is_per_connection(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::Interrupted
            | io::ErrorKind::WouldBlock
    )
}
