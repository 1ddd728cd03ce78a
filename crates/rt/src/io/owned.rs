//! Owned-buffer reading and writing for completion-based adapters: the buffer a read in flight fills,
//! what it delivered beyond the caller's slice, and the write in flight, behind `futures-io`'s calls.
//!
//! A completion-based runtime (io_uring) takes an owned buffer for each operation and gives it back
//! with the result; the operation belongs to the kernel until it completes, even if the future that
//! asked is dropped. [`OwnedReader`] and [`OwnedWriter`] are the halves of an adapter stream or file
//! that keep the trait's promises over such operations (see [`Io`](super::Io)'s docs): an adapter gives
//! them a way to start an operation on a buffer, as an [`OwnedOp`], and calls them from its
//! `poll_read`, `poll_write` and `poll_flush`.
//!
//! - [`OwnedReader::poll_read`] starts a read into the reader's buffer (as long as the caller's slice,
//!   up to [`CHUNK`]) if none is in flight, and once it completes copies into the caller's slice,
//!   keeping what does not fit for the next call. The read in flight belongs to the reader, not to the
//!   caller's future: a read whose caller was dropped completes into the reader, and the next
//!   `poll_read` gets its bytes. Dropping the reader drops the operation (the adapter's `OwnedOp`
//!   decides whether that cancels it).
//! - [`OwnedWriter::poll_write`] waits for the write in flight, if any, then copies the caller's bytes
//!   (up to [`CHUNK`]) into the writer's buffer, starts the write and returns at once; its error, if
//!   any, comes back from the next write or flush. Dropping the writer
//!   [`detach`](OwnedOp::detach)es the write in flight, so that bytes returned as written still go out.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use super::{AsyncRead, AsyncWrite};

/// The most bytes one read or write moves through an [`OwnedReader`]'s or [`OwnedWriter`]'s buffer.
pub const CHUNK: usize = 64 * 1024;

/// An owned-buffer operation in flight, as an adapter runs it: a future of the operation's result and
/// the buffer given back (`Ok((result, buffer))`, the count read or written), or the error that ended
/// it without giving the buffer back (its task was lost with its loop).
pub trait OwnedOp: Future<Output = io::Result<(io::Result<usize>, Vec<u8>)>> + Unpin {
    /// Lets the operation run to its end with nobody waiting for it.
    fn detach(self);
}

/// The reading side of an owned-buffer stream or file: a buffer the kernel fills, and what is left of
/// it.
#[derive(Debug)]
pub struct OwnedReader<Op> {
    /// The read in flight, if any: it owns the buffer until it completes.
    op: Option<Op>,
    /// What the last read delivered; `buf[start..]` is not yet given out.
    buf: Vec<u8>,
    start: usize,
}

impl<Op> Default for OwnedReader<Op> {
    fn default() -> Self {
        OwnedReader {
            op: None,
            buf: Vec::new(),
            start: 0,
        }
    }
}

impl<Op: OwnedOp> OwnedReader<Op> {
    /// A reader with nothing parked and no read in flight.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many bytes the last read delivered and the caller has not yet taken.
    pub fn parked(&self) -> usize {
        self.buf.len() - self.start
    }

    /// Gives out parked bytes, or starts a read (with `start`, given the buffer, whose capacity is what
    /// to read) and gives out what it delivers.
    pub fn poll_read(
        &mut self,
        cx: &mut Context<'_>,
        out: &mut [u8],
        start: impl FnOnce(Vec<u8>) -> Op,
    ) -> Poll<io::Result<usize>> {
        if out.is_empty() {
            return Poll::Ready(Ok(0));
        }
        if self.start == self.buf.len() {
            let op = self.op.get_or_insert_with(|| {
                // The kernel is asked for no more than the caller asked for: bytes nobody asked for
                // stay in the socket, where closing it with unread bytes still resets the peer.
                let wanted = out.len().min(CHUNK);
                let mut buf = std::mem::take(&mut self.buf);
                self.start = 0;
                buf.clear();
                if buf.capacity() != wanted {
                    buf = Vec::with_capacity(wanted);
                }
                start(buf)
            });
            let outcome = ready!(Pin::new(op).poll(cx));
            self.op = None;
            let (result, buf) = outcome?;
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

    /// [`poll_read`](OwnedReader::poll_read) for a file read at `position`: `start` is given the
    /// offset too, and `position` moves by all that a read from the kernel delivered, given out or
    /// parked.
    pub fn poll_read_at(
        &mut self,
        cx: &mut Context<'_>,
        out: &mut [u8],
        position: &mut u64,
        start: impl FnOnce(Vec<u8>, u64) -> Op,
    ) -> Poll<io::Result<usize>> {
        if out.is_empty() {
            return Poll::Ready(Ok(0));
        }
        // With nothing parked, this call reads from the kernel.
        let from_kernel = self.parked() == 0;
        let at = *position;
        let n = ready!(self.poll_read(cx, out, |buf| start(buf, at)))?;
        if from_kernel {
            *position += self.buf.len() as u64;
        }
        Poll::Ready(Ok(n))
    }
}

/// The writing side of an owned-buffer stream or file: the write in flight, whose buffer comes back
/// for reuse.
#[derive(Debug)]
pub struct OwnedWriter<Op: OwnedOp> {
    op: Option<Op>,
    buf: Vec<u8>,
}

impl<Op: OwnedOp> Default for OwnedWriter<Op> {
    fn default() -> Self {
        OwnedWriter {
            op: None,
            buf: Vec::new(),
        }
    }
}

impl<Op: OwnedOp> OwnedWriter<Op> {
    /// A writer with no write in flight.
    pub fn new() -> Self {
        Self::default()
    }

    /// Waits for the write in flight, if any, and gives its error.
    pub fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let Some(op) = self.op.as_mut() else {
            return Poll::Ready(Ok(()));
        };
        let outcome = ready!(Pin::new(op).poll(cx));
        self.op = None;
        let (result, buf) = outcome?;
        self.buf = buf;
        Poll::Ready(result.map(drop))
    }

    /// Waits for the write in flight, then starts writing (a copy of) `data` with `start`, which must
    /// write the whole buffer it is given.
    pub fn poll_write(
        &mut self,
        cx: &mut Context<'_>,
        data: &[u8],
        start: impl FnOnce(Vec<u8>) -> Op,
    ) -> Poll<io::Result<usize>> {
        ready!(self.poll_flush(cx))?;
        if data.is_empty() {
            return Poll::Ready(Ok(0));
        }
        let n = data.len().min(CHUNK);
        let mut buf = std::mem::take(&mut self.buf);
        buf.clear();
        buf.extend_from_slice(&data[..n]);
        self.op = Some(start(buf));
        Poll::Ready(Ok(n))
    }

    /// [`poll_write`](OwnedWriter::poll_write) for a file written at `position`: `start` is given the
    /// offset too, and `position` moves by what was taken (an `O_APPEND` file ignores it).
    pub fn poll_write_at(
        &mut self,
        cx: &mut Context<'_>,
        data: &[u8],
        position: &mut u64,
        start: impl FnOnce(Vec<u8>, u64) -> Op,
    ) -> Poll<io::Result<usize>> {
        let at = *position;
        let n = ready!(self.poll_write(cx, data, |buf| start(buf, at)))?;
        *position += n as u64;
        Poll::Ready(Ok(n))
    }
}

impl<Op: OwnedOp> Drop for OwnedWriter<Op> {
    fn drop(&mut self) {
        // The bytes of a write already returned as written still go out.
        if let Some(op) = self.op.take() {
            op.detach();
        }
    }
}

/// A stream made of a read half and a write half, each an adapter of its own: reads go to the one;
/// writes, flushes and closes to the other. What [`Io::split`](super::Io::split) takes apart.
#[derive(Debug)]
pub struct Halves<R, W> {
    read: R,
    write: W,
}

impl<R, W> Halves<R, W> {
    /// The stream of `read` and `write`.
    pub fn new(read: R, write: W) -> Self {
        Halves { read, write }
    }

    /// The read half.
    pub fn read_half(&self) -> &R {
        &self.read
    }

    /// The two halves.
    pub fn into_halves(self) -> (R, W) {
        (self.read, self.write)
    }
}

impl<R: AsyncRead + Unpin, W: Unpin> AsyncRead for Halves<R, W> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        out: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.read).poll_read(cx, out)
    }
}

impl<R: Unpin, W: AsyncWrite + Unpin> AsyncWrite for Halves<R, W> {
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
