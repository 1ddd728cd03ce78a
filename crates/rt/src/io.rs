//! The I/O trait: TCP listeners and streams, and files, as each runtime's own reactor drives them.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::path::Path;
use std::pin::Pin;

pub use futures_io::{AsyncRead, AsyncWrite};

pub mod owned;

/// A runtime's sockets and files, seen through `futures-io`'s [`AsyncRead`] and [`AsyncWrite`].
///
/// It stands beside [`Runtime`](crate::Runtime) rather than inside it, so that a runtime without I/O can
/// still be compared on the rest. Each adapter implements it with its runtime's own I/O (tokio's
/// `tokio::net`/`tokio::fs`, smol's `async-net`/`async-fs`, async-std's `net`/`fs`); its associated types
/// are the runtime's own types, or a thin wrapper where they speak another I/O trait, so that generic code
/// reading a stream compiles to the runtime's own `poll_read`: no box, no dynamic call.
///
/// # Required and provided methods
///
/// Required: every TCP operation ([`bind`](Io::bind), [`local_addr`](Io::local_addr),
/// [`accept`](Io::accept), [`connect`](Io::connect), [`peer_addr`](Io::peer_addr),
/// [`set_nodelay`](Io::set_nodelay), [`split`](Io::split)) and the three ways of opening a file
/// ([`open_file`](Io::open_file), [`create_file`](Io::create_file),
/// [`append_file`](Io::append_file)): each is a different native call on every runtime.
/// [`read_file`](Io::read_file) is provided (open, then read to the end) and overridden by adapters
/// whose runtime reads a whole file in one blocking call.
///
/// # I/O promises
///
/// Every implementation keeps these; the conformance suite (`crates/runtimes/tests/io.rs`, and the
/// streams rules in `crates/asyncio/tests/streams.rs`) checks each on every runtime:
///
/// - **Listening.** [`bind`](Io::bind) to port 0 picks a free port, which [`local_addr`](Io::local_addr)
///   reports. [`accept`](Io::accept) gives the stream and the peer's address; dropping a pending accept
///   loses no connection (it stays in the backlog). Dropping the listener closes it: a later connect
///   is refused.
/// - **Connecting.** [`connect`](Io::connect) to a port nobody listens on fails with
///   [`io::ErrorKind::ConnectionRefused`].
/// - **Reading and writing.** A stream is [`AsyncRead`] + [`AsyncWrite`]: `poll_read` returning
///   `Ok(0)` is end of file; `poll_write` may take fewer bytes than given; `poll_flush` returns once the
///   written bytes are in the kernel (sockets have no user-space buffer, files may: flush them before
///   relying on their contents); `poll_close` **shuts down the write half only**: the peer reads end of
///   file, and this side can still read what the peer sends back.
/// - **A dropped read loses nothing.** A `poll_read` that returned `Pending` has taken no bytes: dropping
///   the future that polled it (a cancelled task, a lost `select`) leaves every byte in the socket for
///   the next read. Readiness-based runtimes keep this by construction; a completion-based one
///   (compio, monoio) keeps it by parking what the kernel delivered in its adapter (see below).
/// - **Errors from the peer are errors, not panics.** A peer that resets gives
///   [`io::ErrorKind::ConnectionReset`] (or `BrokenPipe`) on a later read or write, on that stream only.
/// - **Splitting.** [`split`](Io::split) gives a read half and a write half that two tasks can use at
///   once, on any thread. Dropping one half closes nothing; the socket is closed once both are dropped.
/// - **Files.** [`open_file`](Io::open_file) opens for reading, [`create_file`](Io::create_file)
///   creates or truncates for writing, [`append_file`](Io::append_file) creates if needed and appends:
///   every single `poll_write` lands at the end of the file at the moment it is carried out, whoever
///   else appends meanwhile (`O_APPEND`), so concurrent appenders that each write a whole line per write
///   never interleave inside a line. A missing file is [`io::ErrorKind::NotFound`]. File I/O may run on
///   a blocking pool (it does on the readiness runtimes here; compio's and monoio's run on io_uring); that is
///   invisible to the caller except in latency.
///
/// # The bounds generic code relies on
///
/// Streams, halves, listeners and files are `Unpin + Send + 'static` (listeners `Sync` too: an accept
/// loop borrows its listener across an `.await`); streams and halves are
/// [`AsyncRead`]/[`AsyncWrite`]; every future this trait returns is `Send`. Generic code (the toolkit's
/// streams, the scenarios, the workloads) asks for nothing more: no `Sync` or `Clone` stream, no
/// borrowed buffer held by the runtime across an `.await`. That is what lets a completion-based runtime
/// join.
///
/// # How a completion-based, thread-per-core runtime fits
///
/// compio and monoio (io_uring) hand the kernel an **owned buffer** for each read and write, and the
/// buffer belongs to the kernel until the operation completes, even if the future is dropped. Such a
/// runtime implements this trait with an adapter stream that owns its buffers: `poll_read` submits a read
/// into the adapter's buffer if none is in flight and, once it completes, copies out into the caller's
/// slice, keeping what does not fit for the next call; `poll_write` copies the caller's bytes into the
/// adapter's buffer and submits, `poll_flush` waits for the writes in flight. A read whose caller went
/// away completes into the adapter, so the "dropped read loses nothing" promise holds there too, at the
/// price of one copy (not yet measured against the native owned-buffer calls). [`owned`] holds that
/// reader and writer, written once for every such adapter: each gives it its own way to start an
/// operation.
/// Dropping the stream itself with a read in flight leaves the buffer to the runtime to reclaim once the
/// kernel is done with it; its bytes are lost, as unread bytes are when any socket is closed.
///
/// Their futures are `!Send` (they hold the thread's driver), and without compio's `sync` feature its
/// sockets are too; monoio's always are (an `Rc`-shared fd). The `compio` adapter keeps this trait's bounds without `unsafe`: compio's sockets
/// and files are `Send` with its `sync` feature (their fds are `Arc`-shared), and each `!Send` operation
/// runs as a compio task of its own, whose `Send` handle the adapter's stream keeps, so every future
/// here stays `Send`. The operation is still submitted to the ring of the thread that runs it: a stream
/// is driven from its runtime's thread, as every task of a current-thread runtime is. The `monoio`
/// adapter keeps the bounds the same way, but its streams and files own a std socket or file (`Send`)
/// and give each operation, run as a monoio task, a duplicate of the fd turned into monoio's with
/// `from_std`. A runtime whose streams cannot be `Send` at all would need a sibling trait, `LocalIo`, with these same items and
/// promises minus the `Send` bounds, beside a `spawn_local`; the toolkit's streams ask nothing more of a
/// half than `AsyncRead`/`AsyncWrite + Unpin`, so they would run over either.
///
/// # Examples
///
/// ```
/// use std::net::SocketAddr;
/// use rosetta_rt::io::{AsyncWrite, Io};
/// use std::pin::Pin;
///
/// /// Writes one byte to whoever listens at `addr`, generic over the runtime.
/// async fn poke<R: Io>(addr: SocketAddr) -> std::io::Result<()> {
///     let mut stream = R::connect(addr).await?;
///     let written = std::future::poll_fn(|cx| Pin::new(&mut stream).poll_write(cx, b"!")).await?;
///     assert_eq!(written, 1);
///     Ok(())
/// }
/// # fn main() {}
/// ```
pub trait Io: crate::Runtime {
    /// A listening TCP socket.
    type TcpListener: Unpin + Send + Sync + 'static;

    /// A connected TCP stream: both directions.
    type TcpStream: AsyncRead + AsyncWrite + Unpin + Send + 'static;

    /// The read half of a [`split`](Io::split) stream.
    type ReadHalf: AsyncRead + Unpin + Send + 'static;

    /// The write half of a [`split`](Io::split) stream; closing it shuts down the stream's write half.
    type WriteHalf: AsyncWrite + Unpin + Send + 'static;

    /// An open file.
    type File: AsyncRead + AsyncWrite + Unpin + Send + 'static;

    /// Binds a listener to `addr` (Python's `socket.bind` + `listen`); port 0 picks a free port. Required.
    fn bind(addr: SocketAddr) -> impl Future<Output = io::Result<Self::TcpListener>> + Send;

    /// The address `listener` is bound to (Python's `getsockname()`). Required.
    fn local_addr(listener: &Self::TcpListener) -> io::Result<SocketAddr>;

    /// Waits for the next connection: the stream and the peer's address (`sock.accept()`). Required.
    ///
    /// Dropping the future before it completes loses no connection.
    fn accept(
        listener: &Self::TcpListener,
    ) -> impl Future<Output = io::Result<(Self::TcpStream, SocketAddr)>> + Send;

    /// Connects to `addr` (`sock.connect`). Required.
    ///
    /// # Errors
    ///
    /// [`io::ErrorKind::ConnectionRefused`] when nothing listens there.
    fn connect(addr: SocketAddr) -> impl Future<Output = io::Result<Self::TcpStream>> + Send;

    /// The address of the stream's peer (`getpeername()`). Required.
    fn peer_addr(stream: &Self::TcpStream) -> io::Result<SocketAddr>;

    /// Sets `TCP_NODELAY` (no Nagle delay on small writes), as asyncio does on every TCP transport.
    /// Required.
    fn set_nodelay(stream: &Self::TcpStream, nodelay: bool) -> io::Result<()>;

    /// Splits `stream` into a read half and a write half that two tasks can use at once. Required.
    ///
    /// The runtime's own split, not a lock around the stream: tokio's `into_split`, a clone of the
    /// stream on smol and async-std.
    fn split(stream: Self::TcpStream) -> (Self::ReadHalf, Self::WriteHalf);

    /// Opens the file at `path` for reading (`open(path, "rb")`). Required.
    ///
    /// # Errors
    ///
    /// [`io::ErrorKind::NotFound`] if there is no such file.
    fn open_file(path: &Path) -> impl Future<Output = io::Result<Self::File>> + Send;

    /// Creates the file at `path`, or truncates it, for writing (`open(path, "wb")`). Required.
    fn create_file(path: &Path) -> impl Future<Output = io::Result<Self::File>> + Send;

    /// Opens the file at `path` for appending, creating it if needed (`open(path, "ab")`). Required.
    fn append_file(path: &Path) -> impl Future<Output = io::Result<Self::File>> + Send;

    /// Reads the whole file at `path` (`Path.read_bytes()`). Provided: [`open_file`](Io::open_file), then
    /// reads to the end.
    ///
    /// # Errors
    ///
    /// [`io::ErrorKind::NotFound`] if there is no such file.
    fn read_file(path: &Path) -> impl Future<Output = io::Result<Vec<u8>>> + Send {
        async move {
            let mut file = Self::open_file(path).await?;
            let mut contents = Vec::new();
            let mut chunk = vec![0; 64 * 1024];
            loop {
                let n = std::future::poll_fn(|cx| Pin::new(&mut file).poll_read(cx, &mut chunk))
                    .await?;
                if n == 0 {
                    return Ok(contents);
                }
                contents.extend_from_slice(&chunk[..n]);
            }
        }
    }
}
