//! compio's I/O behind the [`Io`] trait: `compio-net` sockets and `compio-fs` files, on io_uring, behind
//! owned-buffer adapters that speak `futures-io`.
//!
//! compio's calls take an owned buffer and give it back with the result (`BufResult`), and their
//! futures are `!Send` (they hold the thread's driver). The adapters here own their buffers, and run
//! each operation as a compio task of its own, whose `Send` handle they keep. Their reading and
//! writing sides are `rosetta_rt::io::owned`'s `OwnedReader` and `OwnedWriter`, which every
//! completion-based adapter shares:
//! - `poll_read` starts a read into the adapter's buffer (as long as the caller's slice, up to
//!   [`CHUNK`](rosetta_rt::io::owned::CHUNK)) if none is in flight, and once it completes copies into
//!   the caller's slice, keeping what does not fit for the next call. The read in flight belongs to the
//!   adapter, not to the caller's future: **a read whose caller was dropped completes into the adapter,
//!   and the next `poll_read` gets its bytes**, so asyncio's "a cancelled read loses no bytes" holds, at
//!   the price of one copy.
//! - `poll_write` waits for the write in flight, if any, then copies the caller's bytes into the
//!   adapter's buffer, starts a `write_all` and returns at once; its error, if any, comes back from the
//!   next write, flush or close. `poll_flush` waits for the write in flight; `poll_close` flushes, then
//!   shuts the write half down.
//! - Dropping a stream cancels its read in flight (its bytes are lost, as unread bytes are when any
//!   socket closes) and lets its write in flight finish.
//! - `split` gives two adapters over clones of the one socket (compio's `into_split`); the socket closes
//!   once both are dropped and their operations ended.
//! - compio's `compio_io::compat` adapter is not used: its stream keeps compio's `!Send` futures inside,
//!   so it is `!Send`, which the trait's bounds do not allow.
//! - Files are read and written at an offset the adapter keeps (io_uring's `read`/`write` at a
//!   position): truly asynchronous on the ring, no blocking pool. Opening goes through compio-fs's
//!   `OpenOptions`; appending opens with `O_APPEND`, under which Linux writes at the end whatever the
//!   offset.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Mutex;
use std::task::{Context, Poll, ready};

use compio_buf::BufResult;
use compio_io::{
    AsyncRead as _, AsyncReadAt as _, AsyncWrite as _, AsyncWriteAtExt as _, AsyncWriteExt as _,
};
use compio_runtime::JoinHandle as Task;
use rosetta_rt::io::owned::{Halves, OwnedOp, OwnedReader, OwnedWriter};
use rosetta_rt::io::{AsyncRead, AsyncWrite, Io};

use crate::{Compio, io_outcome, run_as_task};

/// Linux's `O_APPEND` (the same on every Linux architecture Rust supports but alpha and sparc).
const O_APPEND: i32 = 0o2000;

/// An accept in flight: its connection, once it completes.
type AcceptTask = Task<io::Result<(compio_net::TcpStream, SocketAddr)>>;

/// A compio listener, with the accept in flight that a dropped `accept` left behind.
#[derive(Debug)]
pub struct CompioListener {
    listener: compio_net::TcpListener,
    /// An accept whose caller went away: the next `accept` takes it over, so no connection is lost.
    parked: Mutex<Option<AcceptTask>>,
}

/// An accept that parks its task in the listener if it is dropped before the task completes.
struct Accept<'a> {
    listener: &'a CompioListener,
    task: Option<AcceptTask>,
}

impl Future for Accept<'_> {
    type Output = io::Result<(CompioStream, SocketAddr)>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let listener = this.listener;
        let task = this.task.get_or_insert_with(|| {
            let parked = listener
                .parked
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .take();
            parked.unwrap_or_else(|| {
                let listener = listener.listener.clone();
                run_as_task(async move { listener.accept().await })
            })
        });
        let outcome = ready!(Pin::new(task).poll(cx));
        this.task = None;
        Poll::Ready(io_outcome(outcome).map(|(stream, peer)| (new_stream(stream), peer)))
    }
}

impl Drop for Accept<'_> {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            *self
                .listener
                .parked
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(task);
        }
    }
}

/// An operation in flight: a compio task whose output is the result and the buffer.
#[derive(Debug)]
struct Op(Task<(io::Result<usize>, Vec<u8>)>);

impl Op {
    /// Starts `operation` as a compio task of its own.
    fn start<F>(operation: F) -> Self
    where
        F: Future<Output = (io::Result<usize>, Vec<u8>)> + 'static,
    {
        Op(run_as_task(operation))
    }
}

impl Future for Op {
    type Output = io::Result<(io::Result<usize>, Vec<u8>)>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.0).poll(cx).map(|outcome| {
            outcome.map_err(|error| io::Error::other(format!("compio I/O task: {error}")))
        })
    }
}

impl OwnedOp for Op {
    fn detach(self) {
        self.0.detach();
    }
}

type Reader = OwnedReader<Op>;
type Writer = OwnedWriter<Op>;

/// The read half of a compio stream, as [`Io::split`] gives it.
#[derive(Debug)]
pub struct CompioReadHalf {
    socket: compio_net::TcpStream,
    reader: Reader,
}

impl AsyncRead for CompioReadHalf {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        out: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        let socket = this.socket.clone();
        this.reader.poll_read(cx, out, move |buf| {
            Op::start(async move {
                let mut socket = socket;
                let BufResult(result, buf) = socket.read(buf).await;
                (result, buf)
            })
        })
    }
}

/// The write half of a compio stream, as [`Io::split`] gives it; closing it shuts down the write half.
#[derive(Debug)]
pub struct CompioWriteHalf {
    socket: compio_net::TcpStream,
    writer: Writer,
    /// The shutdown in flight, once `poll_close` has flushed.
    shutdown: Option<Task<io::Result<()>>>,
}

impl AsyncWrite for CompioWriteHalf {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        let socket = this.socket.clone();
        this.writer.poll_write(cx, data, move |buf| {
            Op::start(async move {
                let mut socket = socket;
                let len = buf.len();
                let BufResult(result, buf) = socket.write_all(buf).await;
                (result.map(|()| len), buf)
            })
        })
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.writer.poll_flush(cx)
    }

    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        ready!(this.writer.poll_flush(cx))?;
        let task = this.shutdown.get_or_insert_with(|| {
            let socket = this.socket.clone();
            run_as_task(async move {
                let mut socket = socket;
                socket.shutdown().await
            })
        });
        let outcome = ready!(Pin::new(task).poll(cx));
        this.shutdown = None;
        Poll::Ready(io_outcome(outcome))
    }
}

/// A compio TCP stream behind `futures-io`: a read half and a write half over one socket.
pub type CompioStream = Halves<CompioReadHalf, CompioWriteHalf>;

/// The stream over `socket`.
fn new_stream(socket: compio_net::TcpStream) -> CompioStream {
    Halves::new(
        CompioReadHalf {
            socket: socket.clone(),
            reader: Reader::new(),
        },
        CompioWriteHalf {
            socket,
            writer: Writer::new(),
            shutdown: None,
        },
    )
}

/// A compio file behind `futures-io`, read and written at an offset the adapter keeps.
#[derive(Debug)]
pub struct CompioFile {
    file: compio_fs::File,
    /// Where the next read or write lands (ignored by the kernel for an `O_APPEND` file).
    position: u64,
    reader: Reader,
    writer: Writer,
}

impl CompioFile {
    fn new(file: compio_fs::File) -> Self {
        CompioFile {
            file,
            position: 0,
            reader: Reader::new(),
            writer: Writer::new(),
        }
    }
}

impl AsyncRead for CompioFile {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        out: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        let file = &this.file;
        this.reader
            .poll_read_at(cx, out, &mut this.position, |buf, position| {
                let file = file.clone();
                Op::start(async move {
                    let BufResult(result, buf) = file.read_at(buf, position).await;
                    (result, buf)
                })
            })
    }
}

impl AsyncWrite for CompioFile {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        let file = &this.file;
        this.writer
            .poll_write_at(cx, data, &mut this.position, |buf, position| {
                let mut file = file.clone();
                Op::start(async move {
                    let len = buf.len();
                    let BufResult(result, buf) = file.write_all_at(buf, position).await;
                    (result.map(|()| len), buf)
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

/// Opens the file at `path` with compio-fs's `opening` (whose future is `!Send`) as a task of its own.
fn open<O, F>(
    path: &Path,
    opening: O,
) -> impl Future<Output = io::Result<CompioFile>> + Send + use<O, F>
where
    O: FnOnce(PathBuf) -> F,
    F: Future<Output = io::Result<compio_fs::File>> + 'static,
{
    let task = run_as_task(opening(path.to_owned()));
    async move { io_outcome(task.await).map(CompioFile::new) }
}

impl Io for Compio {
    type TcpListener = CompioListener;
    type TcpStream = CompioStream;
    type ReadHalf = CompioReadHalf;
    type WriteHalf = CompioWriteHalf;
    type File = CompioFile;

    fn bind(addr: SocketAddr) -> impl Future<Output = io::Result<CompioListener>> + Send {
        let task = run_as_task(async move { compio_net::TcpListener::bind(addr).await });
        async move {
            io_outcome(task.await).map(|listener| CompioListener {
                listener,
                parked: Mutex::new(None),
            })
        }
    }

    fn local_addr(listener: &CompioListener) -> io::Result<SocketAddr> {
        listener.listener.local_addr()
    }

    fn accept(
        listener: &CompioListener,
    ) -> impl Future<Output = io::Result<(CompioStream, SocketAddr)>> + Send {
        Accept {
            listener,
            task: None,
        }
    }

    fn connect(addr: SocketAddr) -> impl Future<Output = io::Result<CompioStream>> + Send {
        let task = run_as_task(async move { compio_net::TcpStream::connect(addr).await });
        async move { io_outcome(task.await).map(new_stream) }
    }

    fn peer_addr(stream: &CompioStream) -> io::Result<SocketAddr> {
        stream.read_half().socket.peer_addr()
    }

    fn set_nodelay(stream: &CompioStream, nodelay: bool) -> io::Result<()> {
        stream.read_half().socket.set_nodelay(nodelay)
    }

    fn split(stream: CompioStream) -> (CompioReadHalf, CompioWriteHalf) {
        stream.into_halves()
    }

    fn open_file(path: &Path) -> impl Future<Output = io::Result<CompioFile>> + Send {
        open(
            path,
            |path| async move { compio_fs::File::open(path).await },
        )
    }

    fn create_file(path: &Path) -> impl Future<Output = io::Result<CompioFile>> + Send {
        open(
            path,
            |path| async move { compio_fs::File::create(path).await },
        )
    }

    fn append_file(path: &Path) -> impl Future<Output = io::Result<CompioFile>> + Send {
        open(path, |path| async move {
            compio_fs::OpenOptions::new()
                .write(true)
                .create(true)
                .custom_flags(O_APPEND)
                .open(path)
                .await
        })
    }
}
