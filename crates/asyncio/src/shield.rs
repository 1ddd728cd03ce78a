//! `asyncio.shield`: await something without letting a cancellation of the awaiting task reach it.
//!
//! ```python
//! result = await asyncio.shield(something())
//! ```
//!
//! Cancelling a task cancels what it awaits (see [`JoinHandle`](rosetta_rt::JoinHandle)): a task
//! dropped while it awaits another task's handle cancels that task, and so do a gather and a `wait_for`.
//! [`shield`] is the way out. It starts its future as a task, as asyncio's `shield` wraps a coroutine in
//! one, and returns a [`Shield`] to await. Dropping the `Shield` (its task was cancelled, or a
//! `wait_for` timed out) **detaches** the inner task instead of cancelling it: the inner work runs to
//! its end, and its result is dropped (`test_shield_effect`). Awaited to the end, the `Shield` gives the
//! inner task's outcome (`test_shield_result`).
//!
//! A task's handle given to `shield` is awaited by the inner task, which nothing cancels: the task
//! runs on, as in asyncio.
//!
//! # Examples
//!
//! ```
//! use std::time::Duration;
//! use rosetta_asyncio::{Runtime, shield, wait_for};
//!
//! async fn demo<R: Runtime>() -> bool {
//!     let (done, finished) = async_channel::bounded(1);
//!     let slow = async move {
//!         R::sleep(Duration::from_millis(30)).await;
//!         done.send(()).await.expect("the demo waits");
//!     };
//!     // The timeout drops the shield, not the work behind it.
//!     let timed_out = wait_for::<R, _>(shield::<R, _>(slow), Some(Duration::from_millis(5))).await;
//!     timed_out.is_err() && finished.recv().await.is_ok()
//! }
//! # use rosetta_runtimes::rosetta_smol::Smol as Rt;
//! # let rt = Rt::create(&Default::default()).unwrap();
//! assert!(rt.block_on(demo::<Rt>()));
//! # rt.close();
//! ```
//!
//! # Per-runtime notes
//!
//! - None: the inner task is the runtime's own task, detached through the handle, on every runtime.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use rosetta_rt::{Handle, JoinError, Runtime};

/// Starts `future` as a task and returns a [`Shield`] to await it with (`asyncio.shield`).
///
/// Call it inside the running loop, as the task is spawned now.
pub fn shield<R, F>(future: F) -> Shield<R, F::Output>
where
    R: Runtime,
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    Shield {
        inner: Some(R::spawn(future)),
    }
}

/// The future [`shield`] returns: the inner task's outcome, and a drop that detaches it.
#[must_use = "a shield does nothing useful unless awaited; dropping it detaches its task"]
pub struct Shield<R: Runtime, T: Send + 'static> {
    /// `None` only once the outcome has been returned.
    inner: Option<Handle<R, T>>,
}

impl<R: Runtime, T: Send + 'static> Future for Shield<R, T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let inner = this
            .inner
            .as_mut()
            .expect("Shield polled after it returned its outcome");
        let outcome = Pin::new(inner).poll(cx);
        if outcome.is_ready() {
            this.inner = None;
        }
        outcome
    }
}

impl<R: Runtime, T: Send + 'static> Drop for Shield<R, T> {
    fn drop(&mut self) {
        if let Some(inner) = self.inner.take() {
            inner.detach();
        }
    }
}

impl<R: Runtime, T: Send + 'static> Unpin for Shield<R, T> {}

impl<R: Runtime, T: Send + 'static> fmt::Debug for Shield<R, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Shield")
            .field("runtime", &R::INFO.id)
            .field("done", &self.inner.is_none())
            .finish()
    }
}
