//! monoio's I/O behind the [`Io`] trait: TCP and files on io_uring, behind owned-buffer adapters that
//! speak `futures-io`.
//!
//! monoio's sockets and files hold an `Rc`-shared fd and its futures hold the thread's driver: both are
//! `!Send`, and nothing safe turns a monoio socket back into a `Send` one. So the adapters here own the
//! fd as a std socket or file (`Send`), and each operation runs as a monoio task of its own on a
//! duplicate of that fd (`try_clone`, then monoio's `from_std`), submitted to the ring of the thread
//! that runs it; the duplicate is closed, on the ring, when the operation ends. Each operation thus
//! costs a task, a `dup` and a close beside the copy, what the `Send` bounds cost here without `unsafe`.
//! - Reading and writing are `rosetta_rt::io::owned`'s `OwnedReader` and `OwnedWriter`, as on compio:
//!   `poll_read` starts a read into the adapter's buffer if none is in flight, and once it completes
//!   copies into the caller's slice, keeping what does not fit for the next call. The read in flight
//!   belongs to the adapter, not to the caller's future: **a read whose caller was dropped completes
//!   into the adapter, and the next `poll_read` gets its bytes**, so asyncio's "a cancelled read loses
//!   no bytes" holds, at the price of one copy. `poll_write` copies the caller's bytes into the
//!   adapter's buffer, starts a `write_all` and returns at once; its error, if any, comes back from the
//!   next write, flush or close. `poll_close` flushes, then shuts the write half down (a plain
//!   `shutdown`, as monoio's own is).
//! - Dropping a stream cancels its read in flight (its bytes are lost, as unread bytes are when any
//!   socket closes) and lets its write in flight finish.
//! - `split` gives two adapters over one shared std socket; it closes once both are dropped and their
//!   operations ended.
//! - **Accepting** is a non-blocking `accept` on the std listener; when nothing is there, a task waits
//!   on the ring for the listener to be readable (monoio's `readable`, io_uring's poll), then tries
//!   again. A dropped accept therefore leaves every connection in the backlog, and a listener with no
//!   accept waiting holds no duplicate, so dropping it closes it at once.
//! - **Connecting** runs std's `connect` on the blocking pool: monoio's `connect` makes a monoio socket,
//!   which the adapter could not own.
//! - **Files** are opened with std's `OpenOptions` (a synchronous `open` on the calling thread), then
//!   read and written at an offset the adapter keeps (io_uring's `read`/`write` at a position): the
//!   reads and writes are truly asynchronous on the ring, with no blocking pool. Appending opens with
//!   `O_APPEND`, under which Linux writes at the end whatever the offset.

use std::future::Future;
use std::io;
use std::net::{Shutdown, SocketAddr};
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use monoio::BufResult;
use monoio::io::{AsyncReadRent as _, AsyncWriteRentExt as _};
use rosetta_rt::RawTask as _;
use rosetta_rt::io::owned::{Halves, OwnedOp, OwnedReader, OwnedWriter};
use rosetta_rt::io::{AsyncRead, AsyncWrite, Io};

use crate::Monoio;
use crate::task::OpTask;

/// A listening socket: a std listener in non-blocking mode, accepted from directly.
#[derive(Debug)]
pub struct MonoioListener {
    listener: std::net::TcpListener,
}

/// An operation in flight: a monoio task whose output is the result and the buffer.
type Op = OpTask<BufResult<usize, Vec<u8>>>;

impl OwnedOp for Op {
    fn detach(self) {
        OpTask::detach(self);
    }
}

type Reader = OwnedReader<Op>;
type Writer = OwnedWriter<Op>;

/// A monoio socket over a duplicate of `socket`'s fd, or the error that prevented it.
fn monoio_socket(socket: &std::net::TcpStream) -> io::Result<monoio::net::TcpStream> {
    monoio::net::TcpStream::from_std(socket.try_clone()?)
}

/// A monoio file over a duplicate of `file`'s fd, or the error that prevented it.
fn monoio_file(file: &std::fs::File) -> io::Result<monoio::fs::File> {
    monoio::fs::File::from_std(file.try_clone()?)
}

/// The read half of a monoio stream, as [`Io::split`] gives it.
#[derive(Debug)]
pub struct MonoioReadHalf {
    socket: Arc<std::net::TcpStream>,
    reader: Reader,
}

impl AsyncRead for MonoioReadHalf {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        out: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        let socket = &this.socket;
        this.reader.poll_read(cx, out, |buf| {
            let socket = monoio_socket(socket);
            OpTask::new(async move {
                match socket {
                    Ok(mut socket) => socket.read(buf).await,
                    Err(error) => (Err(error), buf),
                }
            })
        })
    }
}

/// The write half of a monoio stream, as [`Io::split`] gives it; closing it shuts down the write half.
#[derive(Debug)]
pub struct MonoioWriteHalf {
    socket: Arc<std::net::TcpStream>,
    writer: Writer,
}

impl AsyncWrite for MonoioWriteHalf {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        let socket = &this.socket;
        this.writer.poll_write(cx, data, |buf| {
            let socket = monoio_socket(socket);
            OpTask::new(async move {
                match socket {
                    Ok(mut socket) => socket.write_all(buf).await,
                    Err(error) => (Err(error), buf),
                }
            })
        })
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.writer.poll_flush(cx)
    }

    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.writer.poll_flush(cx))?;
        Poll::Ready(self.socket.shutdown(Shutdown::Write))
    }
}

/// A monoio TCP stream behind `futures-io`: a read half and a write half over one socket.
pub type MonoioStream = Halves<MonoioReadHalf, MonoioWriteHalf>;

/// The stream over `socket`, which its two halves share.
fn new_stream(socket: std::net::TcpStream) -> MonoioStream {
    let socket = Arc::new(socket);
    Halves::new(
        MonoioReadHalf {
            socket: Arc::clone(&socket),
            reader: Reader::new(),
        },
        MonoioWriteHalf {
            socket,
            writer: Writer::new(),
        },
    )
}

/// A monoio file behind `futures-io`, read and written at an offset the adapter keeps.
#[derive(Debug)]
pub struct MonoioFile {
    file: std::fs::File,
    /// Where the next read or write lands (ignored by the kernel for an `O_APPEND` file).
    position: u64,
    reader: Reader,
    writer: Writer,
}

impl MonoioFile {
    fn new(file: std::fs::File) -> Self {
        MonoioFile {
            file,
            position: 0,
            reader: Reader::new(),
            writer: Writer::new(),
        }
    }
}

impl AsyncRead for MonoioFile {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        out: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        let file = &this.file;
        this.reader
            .poll_read_at(cx, out, &mut this.position, |buf, position| {
                let file = monoio_file(file);
                OpTask::new(async move {
                    match file {
                        Ok(file) => file.read_at(buf, position).await,
                        Err(error) => (Err(error), buf),
                    }
                })
            })
    }
}

impl AsyncWrite for MonoioFile {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        let file = &this.file;
        this.writer
            .poll_write_at(cx, data, &mut this.position, |buf, position| {
                let file = monoio_file(file);
                OpTask::new(async move {
                    match file {
                        Ok(file) => {
                            let len = buf.len();
                            let (result, buf) = file.write_all_at(buf, position).await;
                            (result.map(|()| len), buf)
                        }
                        Err(error) => (Err(error), buf),
                    }
                })
            })
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.writer.poll_flush(cx)
    }

    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.writer.poll_flush(cx)
    }
}

/// Opens a file with std's `options` (a synchronous `open`), as a ready future.
fn open(
    path: &Path,
    options: &std::fs::OpenOptions,
) -> impl Future<Output = io::Result<MonoioFile>> + Send + use<> {
    std::future::ready(options.open(path).map(MonoioFile::new))
}

/// Accepts from `listener`: at once if a connection is there, else once the ring says it is readable.
async fn accept(listener: &MonoioListener) -> io::Result<(MonoioStream, SocketAddr)> {
    loop {
        match listener.listener.accept() {
            Ok((socket, peer)) => {
                // Linux does not pass the listener's `O_NONBLOCK` on; monoio's operations expect a
                // blocking fd all the same.
                socket.set_nonblocking(false)?;
                return Ok((new_stream(socket), peer));
            }
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) if error.kind() == io::ErrorKind::WouldBlock => {}
            Err(error) => return Err(error),
        }
        let duplicate = listener.listener.try_clone()?;
        OpTask::new(async move {
            monoio::net::TcpListener::from_std(duplicate)?
                .readable(false)
                .await
        })
        .await??;
    }
}

impl Io for Monoio {
    type TcpListener = MonoioListener;
    type TcpStream = MonoioStream;
    type ReadHalf = MonoioReadHalf;
    type WriteHalf = MonoioWriteHalf;
    type File = MonoioFile;

    fn bind(addr: SocketAddr) -> impl Future<Output = io::Result<MonoioListener>> + Send {
        let listener = std::net::TcpListener::bind(addr).and_then(|listener| {
            listener.set_nonblocking(true)?;
            Ok(MonoioListener { listener })
        });
        std::future::ready(listener)
    }

    fn local_addr(listener: &MonoioListener) -> io::Result<SocketAddr> {
        listener.listener.local_addr()
    }

    fn accept(
        listener: &MonoioListener,
    ) -> impl Future<Output = io::Result<(MonoioStream, SocketAddr)>> + Send {
        accept(listener)
    }

    async fn connect(addr: SocketAddr) -> io::Result<MonoioStream> {
        let mut task = crate::task::spawn_blocking(move || std::net::TcpStream::connect(addr));
        let outcome = std::future::poll_fn(|cx| task.poll_join(cx)).await;
        outcome
            .map_err(|error| io::Error::other(format!("monoio connect: {error}")))?
            .map(new_stream)
    }

    fn peer_addr(stream: &MonoioStream) -> io::Result<SocketAddr> {
        stream.read_half().socket.peer_addr()
    }

    fn set_nodelay(stream: &MonoioStream, nodelay: bool) -> io::Result<()> {
        stream.read_half().socket.set_nodelay(nodelay)
    }

    fn split(stream: MonoioStream) -> (MonoioReadHalf, MonoioWriteHalf) {
        stream.into_halves()
    }

    fn open_file(path: &Path) -> impl Future<Output = io::Result<MonoioFile>> + Send {
        open(path, std::fs::OpenOptions::new().read(true))
    }

    fn create_file(path: &Path) -> impl Future<Output = io::Result<MonoioFile>> + Send {
        open(
            path,
            std::fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true),
        )
    }

    fn append_file(path: &Path) -> impl Future<Output = io::Result<MonoioFile>> + Send {
        open(path, std::fs::OpenOptions::new().append(true).create(true))
    }
}
