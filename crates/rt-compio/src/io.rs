//! compio's I/O behind the [`Io`] trait: `compio-net` sockets and `compio-fs` files, on io_uring, behind
//! owned-buffer adapters that speak `futures-io`.
//!
//! compio's calls take an owned buffer and give it back with the result (`BufResult`), and their
//! futures are `!Send` (they hold the thread's driver). The adapters here own their buffers, and run
//! each operation as a compio task of its own, whose `Send` handle they keep:
//! - `poll_read` starts a read into the adapter's buffer (as long as the caller's slice, up to
//!   [`CHUNK`]) if none is in flight, and once it completes copies into the caller's slice, keeping
//!   what does not fit (a read started for a caller that went away, with a longer slice) for the next
//!   call. The read in flight
//!   belongs to the adapter, not to the caller's future: **a read whose caller was dropped completes
//!   into the adapter, and the next `poll_read` gets its bytes**, so asyncio's "a cancelled read loses
//!   no bytes" holds, at the price of one copy.
//! - `poll_write` waits for the write in flight, if any, then copies the caller's bytes (up to
//!   [`CHUNK`]) into the adapter's buffer, starts a `write_all` and returns at once; its error, if any,
//!   comes back from the next write, flush or close. `poll_flush` waits for the write in flight;
//!   `poll_close` flushes, then shuts the write half down.
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
use rosetta_rt::io::{AsyncRead, AsyncWrite, Io};

use crate::{Compio, io_outcome, run_as_task};

/// The most bytes one read or write moves through an adapter's buffer.
pub const CHUNK: usize = 64 * 1024;

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
        Poll::Ready(io_outcome(outcome).map(|(stream, peer)| (CompioStream::new(stream), peer)))
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

/// The reading side of a stream or a file: a buffer the kernel fills, and what is left of it.
#[derive(Debug)]
struct Reader {
    /// The read in flight, if any: it owns the buffer until it completes.
    task: Option<Task<BufResult<usize, Vec<u8>>>>,
    /// What the last read delivered; `buf[start..]` is not yet given out.
    buf: Vec<u8>,
    start: usize,
}

impl Reader {
    fn new() -> Self {
        Reader {
            task: None,
            buf: Vec::new(),
            start: 0,
        }
    }

    /// Gives out parked bytes, or starts a read (with `start`, given the buffer) and gives out what it
    /// delivers.
    fn poll_read<F>(
        &mut self,
        cx: &mut Context<'_>,
        out: &mut [u8],
        start: impl FnOnce(Vec<u8>) -> F,
    ) -> Poll<io::Result<usize>>
    where
        F: Future<Output = BufResult<usize, Vec<u8>>> + 'static,
    {
        if out.is_empty() {
            return Poll::Ready(Ok(0));
        }
        if self.start == self.buf.len() {
            let task = self.task.get_or_insert_with(|| {
                // The kernel is asked for no more than the caller asked for: bytes nobody asked for
                // stay in the socket, where closing it with unread bytes still resets the peer.
                let wanted = out.len().min(CHUNK);
                let mut buf = std::mem::take(&mut self.buf);
                self.start = 0;
                buf.clear();
                if buf.capacity() != wanted {
                    buf = Vec::with_capacity(wanted);
                }
                run_as_task(start(buf))
            });
            let outcome = ready!(Pin::new(task).poll(cx));
            self.task = None;
            let BufResult(result, buf) = match outcome {
                Ok(done) => done,
                Err(error) => return Poll::Ready(io_outcome(Err(error))),
            };
            self.buf = buf;
            self.start = 0;
            if let Err(error) = result {
                self.buf.clear();
                return Poll::Ready(Err(error));
            }
        }
        let n = out.len().min(self.buf.len() - self.start);
        out[..n].copy_from_slice(&self.buf[self.start..self.start + n]);
        self.start += n;
        Poll::Ready(Ok(n))
    }
}

/// The writing side of a stream or a file: the write in flight, whose buffer comes back for reuse.
#[derive(Debug)]
struct Writer {
    task: Option<Task<BufResult<(), Vec<u8>>>>,
    buf: Vec<u8>,
}

impl Writer {
    fn new() -> Self {
        Writer {
            task: None,
            buf: Vec::new(),
        }
    }

    /// Waits for the write in flight, if any.
    fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let Some(task) = self.task.as_mut() else {
            return Poll::Ready(Ok(()));
        };
        let outcome = ready!(Pin::new(task).poll(cx));
        self.task = None;
        match outcome {
            Ok(BufResult(result, buf)) => {
                self.buf = buf;
                Poll::Ready(result)
            }
            Err(error) => Poll::Ready(io_outcome(Err(error))),
        }
    }

    /// Waits for the write in flight, then starts writing (a copy of) `data` with `start`.
    fn poll_write<F>(
        &mut self,
        cx: &mut Context<'_>,
        data: &[u8],
        start: impl FnOnce(Vec<u8>) -> F,
    ) -> Poll<io::Result<usize>>
    where
        F: Future<Output = BufResult<(), Vec<u8>>> + 'static,
    {
        ready!(self.poll_flush(cx))?;
        if data.is_empty() {
            return Poll::Ready(Ok(0));
        }
        let n = data.len().min(CHUNK);
        let mut buf = std::mem::take(&mut self.buf);
        buf.clear();
        buf.extend_from_slice(&data[..n]);
        self.task = Some(run_as_task(start(buf)));
        Poll::Ready(Ok(n))
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        // The bytes of a write already returned as written still go out.
        if let Some(task) = self.task.take() {
            task.detach();
        }
    }
}

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
        this.reader.poll_read(cx, out, move |buf| async move {
            let mut socket = socket;
            socket.read(buf).await
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
        this.writer.poll_write(cx, data, move |buf| async move {
            let mut socket = socket;
            socket.write_all(buf).await
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
#[derive(Debug)]
pub struct CompioStream {
    read: CompioReadHalf,
    write: CompioWriteHalf,
}

impl CompioStream {
    fn new(socket: compio_net::TcpStream) -> Self {
        CompioStream {
            read: CompioReadHalf {
                socket: socket.clone(),
                reader: Reader::new(),
            },
            write: CompioWriteHalf {
                socket,
                writer: Writer::new(),
                shutdown: None,
            },
        }
    }
}

impl AsyncRead for CompioStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        out: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.read).poll_read(cx, out)
    }
}

impl AsyncWrite for CompioStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.write).poll_write(cx, data)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.write).poll_flush(cx)
    }

    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.write).poll_close(cx)
    }
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
        let (file, position) = (this.file.clone(), this.position);
        let parked = this.reader.buf.len() - this.reader.start;
        let n = ready!(this.reader.poll_read(cx, out, move |buf| async move {
            file.read_at(buf, position).await
        }))?;
        if parked == 0 {
            // A read from the kernel: the offset moves by all it delivered, parked or given out.
            this.position += this.reader.buf.len() as u64;
        }
        Poll::Ready(Ok(n))
    }
}

impl AsyncWrite for CompioFile {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        let (file, position) = (this.file.clone(), this.position);
        let n = ready!(this.writer.poll_write(cx, data, move |buf| async move {
            let mut file = file;
            file.write_all_at(buf, position).await
        }))?;
        this.position += n as u64;
        Poll::Ready(Ok(n))
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
        async move { io_outcome(task.await).map(CompioStream::new) }
    }

    fn peer_addr(stream: &CompioStream) -> io::Result<SocketAddr> {
        stream.read.socket.peer_addr()
    }

    fn set_nodelay(stream: &CompioStream, nodelay: bool) -> io::Result<()> {
        stream.read.socket.set_nodelay(nodelay)
    }

    fn split(stream: CompioStream) -> (CompioReadHalf, CompioWriteHalf) {
        (stream.read, stream.write)
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
