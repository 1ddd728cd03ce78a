//! `asyncio.StreamWriter`: writes that try the socket at once, a buffer for what it does not take, and
//! `drain` as the backpressure point.

use std::fmt;
use std::future::poll_fn;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use rosetta_rt::AsyncWrite;

use super::errors::StreamError;

/// A drained buffer with more capacity than this gives it back.
const SHRINK_ABOVE: usize = 1 << 20;

/// asyncio's `StreamWriter`, over any `futures-io` writer (a TCP write half, a file, a test pipe).
///
/// - [`write`](Self::write) is synchronous, as in asyncio: it hands the bytes to the socket at once if
///   the socket takes them (one non-blocking write), and buffers whatever it does not take.
/// - [`drain`](Self::drain) is where a writer waits: it returns once the buffer has gone to the socket.
///   A writer whose peer does not read therefore blocks in `drain` when the kernel's socket buffers
///   are full, and its own buffer holds no more than what it wrote since its last `drain`:
///   backpressure, not memory growth.
///
/// **Where this differs from asyncio.** asyncio's transport sends its buffer in the background and its
/// `drain` waits only while the buffer is above the high-water mark (64 KiB), until it falls under the
/// low-water mark. There is no background sender here (none is needed to serve a connection, and
/// none is paid for), so `drain` waits until the buffer is empty: the high-water mark is zero. A
/// writer that writes without draining, then waits for something else, has sent what the socket took
/// at once; the rest goes with its next `write`, `drain`, `write_eof` or `wait_closed`.
///
/// Closing: [`write_eof`](Self::write_eof) shuts down the write half once the buffer is out (the peer
/// reads end of file and may still answer); [`close`](Self::close) does the same and marks the writer
/// closing; [`wait_closed`](Self::wait_closed) finishes both. The socket itself closes once the reader
/// is dropped too.
///
/// # Examples
///
/// ```
/// use rosetta_asyncio::streams::StreamWriter;
/// # futures_lite::future::block_on(async {
/// let mut writer = StreamWriter::new(Vec::new(), None);
/// writer.write(b"hello ").unwrap();
/// writer.writelines([&b"world"[..], b"\n"]).unwrap();
/// writer.drain().await.unwrap();
/// assert_eq!(writer.get_ref(), b"hello world\n");
/// # });
/// ```
pub struct StreamWriter<S> {
    inner: S,
    /// Bytes written and not yet taken by the socket: `buffer[sent..]`.
    buffer: Vec<u8>,
    sent: usize,
    peer: Option<SocketAddr>,
    /// `close` was called.
    closing: bool,
    /// `write_eof` or `close` was called: the write half is to be shut down once the buffer is out.
    eof: bool,
    /// The write half has been shut down.
    shut_down: bool,
    /// An error met by a write that could not report it (an eager write inside `write`).
    error: Option<io::Error>,
}

impl<S> fmt::Debug for StreamWriter<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamWriter")
            .field("buffered", &(self.buffer.len() - self.sent))
            .field("peer", &self.peer)
            .field("closing", &self.closing)
            .field("eof", &self.eof)
            .finish_non_exhaustive()
    }
}

impl<S: AsyncWrite + Unpin> StreamWriter<S> {
    /// A writer over `inner`, connected to `peer` if it is a socket.
    pub fn new(inner: S, peer: Option<SocketAddr>) -> Self {
        StreamWriter {
            inner,
            buffer: Vec::new(),
            sent: 0,
            peer,
            closing: false,
            eof: false,
            shut_down: false,
            error: None,
        }
    }

    /// The peer's address (`writer.get_extra_info('peername')`), if the writer is a socket's.
    pub fn peer_addr(&self) -> Option<SocketAddr> {
        self.peer
    }

    /// The inner writer.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// How many written bytes wait for the socket (`writer.transport.get_write_buffer_size()`).
    pub fn write_buffer_size(&self) -> usize {
        self.buffer.len() - self.sent
    }

    /// Whether the writer is closed or closing (`writer.is_closing()`).
    pub fn is_closing(&self) -> bool {
        self.closing
    }

    /// Whether [`write_eof`](Self::write_eof) is supported (`writer.can_write_eof()`): always, on TCP.
    pub fn can_write_eof(&self) -> bool {
        true
    }

    /// Writes `data` (`writer.write(data)`): to the socket at once as far as it takes it, the rest into
    /// the buffer. Never waits.
    ///
    /// After [`close`](Self::close) the bytes are dropped, and the next [`drain`](Self::drain) reports
    /// the connection lost, as asyncio's does.
    ///
    /// # Errors
    ///
    /// [`StreamError::WriteAfterEof`] after [`write_eof`](Self::write_eof).
    pub fn write(&mut self, data: &[u8]) -> Result<(), StreamError> {
        if self.closing {
            return Ok(());
        }
        if self.eof {
            return Err(StreamError::WriteAfterEof);
        }
        let mut data = data;
        if self.write_buffer_size() == 0 && self.error.is_none() {
            // Nothing is queued ahead: try the socket straight from the caller's slice.
            let mut cx = Context::from_waker(Waker::noop());
            while !data.is_empty() {
                match Pin::new(&mut self.inner).poll_write(&mut cx, data) {
                    Poll::Ready(Ok(0)) => break,
                    Poll::Ready(Ok(n)) => data = &data[n..],
                    Poll::Ready(Err(error)) => {
                        self.error = Some(error);
                        break;
                    }
                    Poll::Pending => break,
                }
            }
        }
        if self.sent > 0 && self.sent >= self.buffer.len() / 2 {
            // Most of the buffer has gone out: drop it rather than let the sent prefix grow.
            self.buffer.drain(..self.sent);
            self.sent = 0;
        }
        self.buffer.extend_from_slice(data);
        Ok(())
    }

    /// Writes each of `chunks` (`writer.writelines(data)`).
    ///
    /// # Errors
    ///
    /// As [`write`](Self::write).
    pub fn writelines<'a>(
        &mut self,
        chunks: impl IntoIterator<Item = &'a [u8]>,
    ) -> Result<(), StreamError> {
        for chunk in chunks {
            self.write(chunk)?;
        }
        Ok(())
    }

    /// Waits until the buffer has gone to the socket (`await writer.drain()`); then, if `write_eof` or
    /// `close` was called, shuts down the write half.
    ///
    /// Cancel-safe: dropped at its `.await`, it leaves the unsent bytes in the buffer.
    ///
    /// # Errors
    ///
    /// [`StreamError::ConnectionReset`] if the peer has gone, or if the writer was closed (asyncio's
    /// "Connection lost"); any other write error of the socket.
    pub async fn drain(&mut self) -> Result<(), StreamError> {
        if self.closing {
            self.flush_and_shut_down().await?;
            return Err(StreamError::connection_lost());
        }
        self.flush_and_shut_down().await
    }

    /// Shuts down the write half once the buffer is out (`writer.write_eof()`): the peer reads end of
    /// file, and can still send. Never waits: if the buffer is not empty yet, the next
    /// [`drain`](Self::drain) finishes the job.
    ///
    /// # Errors
    ///
    /// A write error met while sending the buffer.
    pub fn write_eof(&mut self) -> Result<(), StreamError> {
        self.eof = true;
        self.try_now()
    }

    /// Starts closing the writer (`writer.close()`): no more writes; the buffer goes out and the write
    /// half is shut down, at once if the socket takes it, else in [`wait_closed`](Self::wait_closed).
    pub fn close(&mut self) {
        self.closing = true;
        self.eof = true;
        // An error here is the peer's; `wait_closed` reports it.
        let _ = self.try_now();
    }

    /// Closes the writer and waits until it is closed (`writer.close(); await writer.wait_closed()`):
    /// the buffer is out and the write half shut down.
    ///
    /// asyncio's `wait_closed` on a writer nobody closed waits for ever; this one closes it.
    ///
    /// # Errors
    ///
    /// A write error met while sending the buffer (the peer reset the connection).
    pub async fn wait_closed(&mut self) -> Result<(), StreamError> {
        self.closing = true;
        self.eof = true;
        self.flush_and_shut_down().await
    }

    /// Sends what the socket takes now and, if that empties the buffer, the end of file that is due.
    fn try_now(&mut self) -> Result<(), StreamError> {
        let mut cx = Context::from_waker(Waker::noop());
        match self.poll_flush_and_shut_down(&mut cx) {
            Poll::Ready(result) => result,
            Poll::Pending => Ok(()),
        }
    }

    /// Sends the whole buffer, flushes, and shuts down the write half if that is due.
    async fn flush_and_shut_down(&mut self) -> Result<(), StreamError> {
        poll_fn(|cx| self.poll_flush_and_shut_down(cx)).await
    }

    fn poll_flush_and_shut_down(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), StreamError>> {
        if let Some(error) = self.error.take() {
            // Kept for later calls too: the connection does not come back.
            let again = io::Error::new(error.kind(), error.to_string());
            self.error = Some(again);
            return Poll::Ready(Err(error.into()));
        }
        while self.sent < self.buffer.len() {
            match Pin::new(&mut self.inner).poll_write(cx, &self.buffer[self.sent..]) {
                Poll::Ready(Ok(0)) => {
                    return Poll::Ready(Err(StreamError::from(io::Error::from(
                        io::ErrorKind::WriteZero,
                    ))));
                }
                Poll::Ready(Ok(n)) => self.sent += n,
                Poll::Ready(Err(error)) => return Poll::Ready(Err(error.into())),
                Poll::Pending => return Poll::Pending,
            }
        }
        self.buffer.clear();
        self.sent = 0;
        if self.buffer.capacity() > SHRINK_ABOVE {
            // One large write should not pin its buffer for the connection's lifetime.
            self.buffer = Vec::new();
        }
        std::task::ready!(Pin::new(&mut self.inner).poll_flush(cx))?;
        if self.eof && !self.shut_down {
            std::task::ready!(Pin::new(&mut self.inner).poll_close(cx))?;
            self.shut_down = true;
        }
        Poll::Ready(Ok(()))
    }
}
