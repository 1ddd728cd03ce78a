//! hyper's runtime seams (`hyper::rt`) over the runtime trait, written once for every runtime.
//!
//! hyper names no runtime: it reads and writes through [`hyper::rt::Read`] and [`hyper::rt::Write`],
//! spawns through [`hyper::rt::Executor`] and sleeps through [`hyper::rt::Timer`]. This module gives
//! it each of those over the trait ([`Compat`] over any `futures-io` stream of [`Io`], [`Exec`] over
//! [`Runtime::spawn`], [`Sleeper`] over [`Runtime::sleep`]), so that one HTTP stack runs on every
//! runtime of the registry alike, and hyper's own tokio glue (hyper-util) is never pulled in.

use std::future::Future;
use std::io;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Mutex;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use futures_io::{AsyncRead, AsyncWrite};
use rosetta_rt::{Io, Runtime};

/// The most bytes one read hands hyper: reads go through a buffer of this size, because filling
/// hyper's uninitialised buffer in place would need `unsafe`.
const READ_CHUNK: usize = 16 * 1024;

/// A `futures-io` stream seen as hyper's [`hyper::rt::Read`] and [`hyper::rt::Write`].
#[derive(Debug)]
pub struct Compat<S> {
    inner: S,
    scratch: Box<[u8]>,
}

impl<S> Compat<S> {
    /// Wraps `inner`.
    pub fn new(inner: S) -> Self {
        Compat {
            inner,
            scratch: vec![0; READ_CHUNK].into_boxed_slice(),
        }
    }
}

impl<S: AsyncRead + Unpin> hyper::rt::Read for Compat<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut buf: hyper::rt::ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let want = buf.remaining().min(this.scratch.len());
        match Pin::new(&mut this.inner).poll_read(cx, &mut this.scratch[..want]) {
            Poll::Ready(Ok(n)) => {
                buf.put_slice(&this.scratch[..n]);
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(error)) => Poll::Ready(Err(error)),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<S: AsyncWrite + Unpin> hyper::rt::Write for Compat<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_close(cx)
    }
}

/// A TCP stream of `R` as hyper reads and writes it.
pub type HyperStream<R> = Compat<<R as Io>::TcpStream>;

/// hyper's executor: spawns its background futures as tasks of `R`, detached.
#[derive(Debug)]
pub struct Exec<R>(PhantomData<fn() -> R>);

impl<R> Exec<R> {
    /// The executor of `R`.
    pub fn new() -> Self {
        Exec(PhantomData)
    }
}

impl<R> Default for Exec<R> {
    fn default() -> Self {
        Exec::new()
    }
}

impl<R> Clone for Exec<R> {
    fn clone(&self) -> Self {
        Exec::new()
    }
}

impl<R: Runtime, F> hyper::rt::Executor<F> for Exec<R>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    fn execute(&self, future: F) {
        R::spawn(future).detach();
    }
}

/// hyper's timer: sleeps with `R`'s timers (header read timeouts, keep-alive timers).
#[derive(Debug)]
pub struct Sleeper<R>(PhantomData<fn() -> R>);

impl<R> Sleeper<R> {
    /// The timer of `R`.
    pub fn new() -> Self {
        Sleeper(PhantomData)
    }
}

impl<R> Default for Sleeper<R> {
    fn default() -> Self {
        Sleeper::new()
    }
}

impl<R> Clone for Sleeper<R> {
    fn clone(&self) -> Self {
        Sleeper::new()
    }
}

/// A sleep made `Sync`, as hyper's [`hyper::rt::Sleep`] asks: the future sits behind a mutex that only
/// `poll`, with `&mut` access, ever reaches, so it is never locked.
///
/// [`Sleeper`] makes its sleeps with it; a timer written for a runtime's own API (a native server's)
/// can wrap its runtime's sleep the same way.
pub struct Sleep(Mutex<Pin<Box<dyn Future<Output = ()> + Send>>>);

impl Sleep {
    /// Wraps `sleep`, a runtime's own sleep future, as hyper's sleep.
    pub fn boxed(
        sleep: impl Future<Output = ()> + Send + 'static,
    ) -> Pin<Box<dyn hyper::rt::Sleep>> {
        Box::pin(Sleep(Mutex::new(Box::pin(sleep))))
    }
}

impl std::fmt::Debug for Sleep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sleep")
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        match self.get_mut().0.get_mut() {
            Ok(future) => future.as_mut().poll(cx),
            // A panic inside a timer's poll: the sleep is over.
            Err(_) => Poll::Ready(()),
        }
    }
}

impl hyper::rt::Sleep for Sleep {}

impl<R: Runtime> hyper::rt::Timer for Sleeper<R> {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn hyper::rt::Sleep>> {
        Sleep::boxed(R::sleep(duration))
    }

    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn hyper::rt::Sleep>> {
        Sleep::boxed(R::sleep_until(deadline))
    }
}
