//! async-std's I/O behind the [`Io`] trait: `async_std::net` sockets and `async_std::fs` files.
//!
//! Per-runtime notes:
//! - Underneath is smol's reactor: `async-io`'s process-wide epoll, driven by its "async-io" thread and
//!   by threads blocked in `block_on`.
//! - `split` clones the stream (an `Arc` around one socket): no lock; the socket closes when the last
//!   clone is dropped.
//! - async-std's `poll_close` on a stream only flushes: it does not shut down the write half. The
//!   stream type here wraps it so that closing sends end of file, as on the other runtimes.
//! - Files are `async_std::fs`: reads and writes run on async-std's blocking pool (the `blocking`
//!   crate's), with a buffer in the file; `poll_flush` waits until the buffer is written.

use std::future::Future;
use std::io;
use std::net::{Shutdown, SocketAddr};
use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll};

use async_std::fs::{File, OpenOptions};
use async_std::net::{TcpListener, TcpStream};
use rosetta_rt::Io;

use crate::AsyncStd;

/// An async-std `TcpStream` whose `poll_close` shuts down the write half.
#[derive(Debug, Clone)]
pub struct AsyncStdStream(TcpStream);

impl futures_io::AsyncRead for AsyncStdStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl futures_io::AsyncWrite for AsyncStdStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        // Sockets have no user-space buffer; the flush only reports an error already pending.
        std::task::ready!(Pin::new(&mut self.0).poll_flush(cx))?;
        Poll::Ready(self.0.shutdown(Shutdown::Write))
    }
}

impl Io for AsyncStd {
    type TcpListener = TcpListener;
    type TcpStream = AsyncStdStream;
    type ReadHalf = TcpStream;
    type WriteHalf = AsyncStdStream;
    type File = File;

    async fn bind(addr: SocketAddr) -> io::Result<TcpListener> {
        TcpListener::bind(addr).await
    }

    fn local_addr(listener: &TcpListener) -> io::Result<SocketAddr> {
        listener.local_addr()
    }

    async fn accept(listener: &TcpListener) -> io::Result<(AsyncStdStream, SocketAddr)> {
        let (stream, peer) = listener.accept().await?;
        Ok((AsyncStdStream(stream), peer))
    }

    async fn connect(addr: SocketAddr) -> io::Result<AsyncStdStream> {
        TcpStream::connect(addr).await.map(AsyncStdStream)
    }

    fn peer_addr(stream: &AsyncStdStream) -> io::Result<SocketAddr> {
        stream.0.peer_addr()
    }

    fn set_nodelay(stream: &AsyncStdStream, nodelay: bool) -> io::Result<()> {
        stream.0.set_nodelay(nodelay)
    }

    fn split(stream: AsyncStdStream) -> (TcpStream, AsyncStdStream) {
        (stream.0.clone(), stream)
    }

    fn open_file(path: &Path) -> impl Future<Output = io::Result<File>> + Send {
        File::open(path)
    }

    fn create_file(path: &Path) -> impl Future<Output = io::Result<File>> + Send {
        File::create(path)
    }

    fn append_file(path: &Path) -> impl Future<Output = io::Result<File>> + Send {
        OpenOptions::new().append(true).create(true).open(path)
    }

    fn read_file(path: &Path) -> impl Future<Output = io::Result<Vec<u8>>> + Send {
        async_std::fs::read(path)
    }
}
