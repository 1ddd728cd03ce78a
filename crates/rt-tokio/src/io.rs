//! tokio's I/O behind the [`Io`] trait: `tokio::net` sockets and `tokio::fs` files, seen through
//! `futures-io`'s traits by thin wrappers of this file.
//!
//! Per-runtime notes:
//! - The reactor is tokio's I/O driver, run by the worker that polls it (the `block_on` thread on
//!   `tokio`, a worker on `tokio-mt`): no reactor thread of its own.
//! - tokio speaks its own `AsyncRead`/`AsyncWrite` (with `ReadBuf`); the wrappers here translate each
//!   call, with no buffer of their own, so a `poll_read` that returns `Pending` has taken no bytes.
//! - `split` is tokio's `into_split` (no lock). tokio's write half shuts down the socket's write side
//!   when dropped; the wrapper `forget`s it instead, so that dropping a half closes nothing, as on the
//!   other runtimes, and the socket closes when both halves are gone.
//! - Files are `tokio::fs`: every read and write is a `spawn_blocking` call on tokio's blocking pool. A
//!   write returns once its bytes are copied into the file's buffer; `poll_flush` waits for the blocking
//!   write to finish.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use rosetta_rt::Io;
use tokio::io::{AsyncWrite as _, ReadBuf};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};

use crate::{TokioCurrentThread, TokioMultiThread};

/// A `tokio::net::TcpStream` as a `futures-io` stream.
#[derive(Debug)]
pub struct TokioStream(tokio::net::TcpStream);

/// The read half of a split [`TokioStream`]: tokio's `OwnedReadHalf`.
#[derive(Debug)]
pub struct TokioReadHalf(OwnedReadHalf);

/// The write half of a split [`TokioStream`]: tokio's `OwnedWriteHalf`, which closes nothing when dropped.
#[derive(Debug)]
pub struct TokioWriteHalf(Option<OwnedWriteHalf>);

/// A `tokio::fs::File` as a `futures-io` file.
#[derive(Debug)]
pub struct TokioFile(tokio::fs::File);

/// Reads through tokio's `poll_read`, into the caller's (initialized) slice.
fn poll_read_via(
    inner: Pin<&mut impl tokio::io::AsyncRead>,
    cx: &mut Context<'_>,
    buf: &mut [u8],
) -> Poll<io::Result<usize>> {
    let mut buf = ReadBuf::new(buf);
    ready!(inner.poll_read(cx, &mut buf))?;
    Poll::Ready(Ok(buf.filled().len()))
}

/// Implements `futures_io::AsyncRead` for a wrapper by borrowing its tokio reader.
macro_rules! async_read {
    ($ty:ty, |$this:ident| $inner:expr) => {
        impl futures_io::AsyncRead for $ty {
            fn poll_read(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &mut [u8],
            ) -> Poll<io::Result<usize>> {
                let $this = self.get_mut();
                poll_read_via(Pin::new($inner), cx, buf)
            }
        }
    };
}

/// Implements `futures_io::AsyncWrite` for a wrapper: write, flush, and close as tokio's shutdown.
macro_rules! async_write {
    ($ty:ty, |$this:ident| $inner:expr) => {
        impl futures_io::AsyncWrite for $ty {
            fn poll_write(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                let $this = self.get_mut();
                Pin::new($inner).poll_write(cx, buf)
            }

            fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                let $this = self.get_mut();
                Pin::new($inner).poll_flush(cx)
            }

            fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                let $this = self.get_mut();
                Pin::new($inner).poll_shutdown(cx)
            }
        }
    };
}

async_read!(TokioStream, |this| &mut this.0);
async_write!(TokioStream, |this| &mut this.0);
async_read!(TokioReadHalf, |this| &mut this.0);
async_write!(TokioWriteHalf, |this| this.half()?);
async_read!(TokioFile, |this| &mut this.0);
async_write!(TokioFile, |this| &mut this.0);

impl TokioWriteHalf {
    /// The tokio half; it is only taken out by `drop`.
    fn half(&mut self) -> io::Result<&mut OwnedWriteHalf> {
        self.0
            .as_mut()
            .ok_or_else(|| io::Error::other("write half dropped"))
    }
}

impl Drop for TokioWriteHalf {
    fn drop(&mut self) {
        if let Some(half) = self.0.take() {
            // `forget` leaves the write side open until the read half is dropped too.
            half.forget();
        }
    }
}

/// The [`Io`] impl both tokio flavors share: the I/O driver is the same, only the scheduler differs.
macro_rules! tokio_io {
    ($ty:ty) => {
        impl Io for $ty {
            type TcpListener = tokio::net::TcpListener;
            type TcpStream = TokioStream;
            type ReadHalf = TokioReadHalf;
            type WriteHalf = TokioWriteHalf;
            type File = TokioFile;

            fn bind(
                addr: SocketAddr,
            ) -> impl Future<Output = io::Result<Self::TcpListener>> + Send {
                tokio::net::TcpListener::bind(addr)
            }

            fn local_addr(listener: &Self::TcpListener) -> io::Result<SocketAddr> {
                listener.local_addr()
            }

            async fn accept(
                listener: &Self::TcpListener,
            ) -> io::Result<(Self::TcpStream, SocketAddr)> {
                let (stream, peer) = listener.accept().await?;
                Ok((TokioStream(stream), peer))
            }

            async fn connect(addr: SocketAddr) -> io::Result<Self::TcpStream> {
                tokio::net::TcpStream::connect(addr).await.map(TokioStream)
            }

            fn peer_addr(stream: &Self::TcpStream) -> io::Result<SocketAddr> {
                stream.0.peer_addr()
            }

            fn set_nodelay(stream: &Self::TcpStream, nodelay: bool) -> io::Result<()> {
                stream.0.set_nodelay(nodelay)
            }

            fn split(stream: Self::TcpStream) -> (Self::ReadHalf, Self::WriteHalf) {
                let (read, write) = stream.0.into_split();
                (TokioReadHalf(read), TokioWriteHalf(Some(write)))
            }

            async fn open_file(path: &Path) -> io::Result<Self::File> {
                tokio::fs::File::open(path).await.map(TokioFile)
            }

            async fn create_file(path: &Path) -> io::Result<Self::File> {
                tokio::fs::File::create(path).await.map(TokioFile)
            }

            async fn append_file(path: &Path) -> io::Result<Self::File> {
                let mut options = tokio::fs::OpenOptions::new();
                options.append(true).create(true);
                options.open(path).await.map(TokioFile)
            }

            fn read_file(path: &Path) -> impl Future<Output = io::Result<Vec<u8>>> + Send {
                tokio::fs::read(path)
            }
        }
    };
}

tokio_io!(TokioCurrentThread);
tokio_io!(TokioMultiThread);
