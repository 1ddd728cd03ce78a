//! Task handles: the one [`JoinHandle`] every runtime returns, and the [`RawTask`] each adapter wraps.

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

/// Why a task did not produce its value.
///
/// asyncio raises `CancelledError` when a cancelled task is awaited, and re-raises the task's exception;
/// here both come back as this error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JoinError {
    /// The task was cancelled before it finished; its future has been dropped.
    Cancelled,
    /// The task panicked; the payload's message (or `"Box<dyn Any>"` when it was not a string).
    Panicked(String),
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JoinError::Cancelled => f.write_str("task was cancelled"),
            JoinError::Panicked(message) => write!(f, "task panicked: {message}"),
        }
    }
}

impl std::error::Error for JoinError {}

impl JoinError {
    /// Builds [`JoinError::Panicked`] from a panic payload.
    pub fn from_panic(payload: Box<dyn Any + Send>) -> Self {
        JoinError::Panicked(panic_message(payload.as_ref()))
    }

    /// Whether this is [`JoinError::Cancelled`].
    pub fn is_cancelled(&self) -> bool {
        matches!(self, JoinError::Cancelled)
    }
}

/// The message of a panic payload: the `&str` or `String` given to `panic!`, else `"Box<dyn Any>"`.
///
/// # Examples
///
/// ```
/// let payload = std::panic::catch_unwind(|| panic!("boom {}", 1)).unwrap_err();
/// assert_eq!(rosetta_rt::panic_message(payload.as_ref()), "boom 1");
/// ```
pub fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(message) = payload.downcast_ref::<&str>() {
        (*message).to_owned()
    } else if let Some(message) = payload.downcast_ref::<String>() {
        message.clone()
    } else {
        "Box<dyn Any>".to_owned()
    }
}

/// A runtime's own task handle, as an adapter exposes it to [`JoinHandle`].
///
/// Two methods, both required:
/// - [`poll_join`](RawTask::poll_join) polls the task's outcome, turning the runtime's panic and
///   cancellation reports into [`JoinError`];
/// - [`abort`](RawTask::abort) requests cancellation; once it has been called, `poll_join` resolves when
///   the task's future has been dropped (`Cancelled`), or with the value if the task had finished first.
///
/// Dropping a raw task must **detach** it: the task keeps running.
pub trait RawTask<T>: Unpin + Send + 'static {
    /// Polls the task's outcome.
    fn poll_join(&mut self, cx: &mut Context<'_>) -> Poll<Result<T, JoinError>>;

    /// Requests cancellation. Calling it again, or after the task finished, has no further effect.
    fn abort(&mut self);
}

/// The handle to a spawned task: await it for the outcome, drop it to detach, cancel it to stop the task.
///
/// This is asyncio's `Task` as far as the loop is concerned. Awaiting gives `Ok(value)`,
/// `Err(JoinError::Panicked(_))` or, after a cancel, `Err(JoinError::Cancelled)`.
#[must_use = "dropping a JoinHandle detaches the task; bind it to `_` to say so"]
pub struct JoinHandle<T, R> {
    raw: R,
    /// The outcome, once [`JoinHandle::is_finished`] has seen it (it has to poll to know).
    /// Boxed: the handle stays small (a gather holds thousands), and only `is_finished` fills it.
    outcome: Option<Box<Result<T, JoinError>>>,
}

impl<T, R: RawTask<T>> JoinHandle<T, R> {
    /// Wraps an adapter's raw task.
    pub fn new(raw: R) -> Self {
        JoinHandle { raw, outcome: None }
    }

    /// Requests cancellation (asyncio's `task.cancel()`); await the handle for the outcome.
    pub fn abort(&mut self) {
        if self.outcome.is_none() {
            self.raw.abort();
        }
    }

    /// Requests cancellation and returns the handle, to await the outcome: `Err(Cancelled)` once the task's
    /// future is gone, or `Ok(value)` if the task had already finished.
    ///
    /// # Examples
    ///
    /// ```
    /// # use rosetta_rt::{JoinError, Runtime};
    /// async fn stop<R: Runtime>() {
    ///     let task = R::spawn(std::future::pending::<()>());
    ///     assert_eq!(task.cancel().await, Err(JoinError::Cancelled));
    /// }
    /// # fn main() {}
    /// ```
    pub fn cancel(mut self) -> Self {
        self.abort();
        self
    }

    /// Whether the task has finished (asyncio's `task.done()`), without waiting.
    ///
    /// Polls the task once with a no-op waker and keeps the outcome for the next await.
    pub fn is_finished(&mut self) -> bool {
        if self.outcome.is_none() {
            let mut cx = Context::from_waker(Waker::noop());
            if let Poll::Ready(outcome) = self.raw.poll_join(&mut cx) {
                self.outcome = Some(Box::new(outcome));
            }
        }
        self.outcome.is_some()
    }

    /// Detaches the task explicitly: it keeps running, and its outcome is discarded.
    pub fn detach(self) {}
}

impl<T, R: RawTask<T>> Future for JoinHandle<T, R> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // `JoinHandle` is `Unpin`: both fields are (`R: Unpin` by the trait bound, `Option<Result<T, _>>`
        // only moves `T` by value).
        let this = self.get_mut();
        match this.outcome.take() {
            Some(outcome) => Poll::Ready(*outcome),
            None => this.raw.poll_join(cx),
        }
    }
}

impl<T, R: RawTask<T>> Unpin for JoinHandle<T, R> {}

impl<T, R> fmt::Debug for JoinHandle<T, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle")
            .field("finished", &self.outcome.is_some())
            .finish_non_exhaustive()
    }
}

/// The provided [`Runtime::yield_now`](crate::Runtime::yield_now): `Pending` once, after waking itself.
#[derive(Debug, Default)]
pub(crate) struct YieldNow {
    yielded: bool,
}

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            Poll::Ready(())
        } else {
            self.yielded = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

/// A native handle whose cancellation is itself a future: `async-task`'s `Task`, as smol and async-std
/// hand it out. Wrap one in [`AsyncCancelTask`] to get a [`RawTask`].
pub trait AsyncCancel<T>: Future<Output = T> + Unpin + Send + Sized + 'static {
    /// Cancels the task and resolves once it has stopped: `None` if it was stopped before finishing,
    /// `Some(value)` if it had already finished.
    ///
    /// Boxed because the native `cancel` is an `async fn`, whose type cannot be named; only cancellation
    /// pays for it, never spawning or awaiting.
    fn cancel_and_wait(self) -> Pin<Box<dyn Future<Output = Option<T>> + Send>>;

    /// Lets the task run on without the handle.
    fn detach(self);
}

/// The [`RawTask`] for an [`AsyncCancel`] handle.
///
/// - Awaiting catches the panic that `async-task` re-raises in whoever polls a panicked task, and turns it
///   into [`JoinError::Panicked`].
/// - [`abort`](RawTask::abort) starts the native cancellation; awaiting then waits for it.
/// - Dropping detaches, whatever the native handle does on drop.
#[derive(Debug)]
pub struct AsyncCancelTask<H: AsyncCancel<T>, T: Send + 'static> {
    state: CancelState<H, T>,
}

enum CancelState<H, T> {
    Running(H),
    Cancelling(Box<Pin<Box<dyn Future<Output = Option<T>> + Send>>>),
    /// The cancellation resolved as soon as it started (the task had already stopped).
    Finished(Option<Box<Result<T, JoinError>>>),
    Detached,
}

impl<H: fmt::Debug, T> fmt::Debug for CancelState<H, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CancelState::Running(handle) => f.debug_tuple("Running").field(handle).finish(),
            CancelState::Cancelling(_) => f.write_str("Cancelling"),
            CancelState::Finished(_) => f.write_str("Finished"),
            CancelState::Detached => f.write_str("Detached"),
        }
    }
}

impl<H: AsyncCancel<T>, T: Send + 'static> AsyncCancelTask<H, T> {
    /// Wraps a native handle.
    pub fn new(handle: H) -> Self {
        AsyncCancelTask {
            state: CancelState::Running(handle),
        }
    }
}

/// Polls `future`, turning a panic re-raised by the poll into [`JoinError::Panicked`].
fn poll_catching<F: Future + Unpin + ?Sized>(
    future: &mut F,
    cx: &mut Context<'_>,
) -> Poll<Result<F::Output, JoinError>> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| Pin::new(future).poll(cx))) {
        Ok(Poll::Pending) => Poll::Pending,
        Ok(Poll::Ready(output)) => Poll::Ready(Ok(output)),
        Err(payload) => Poll::Ready(Err(JoinError::from_panic(payload))),
    }
}

// Nothing in it is pinned: the native handle is `Unpin` and the cancellation future is boxed.
impl<H: AsyncCancel<T>, T: Send + 'static> Unpin for AsyncCancelTask<H, T> {}

/// The outcome of a native cancellation: `None` means the task was stopped before it finished.
fn cancelled_outcome<T>(outcome: Result<Option<T>, JoinError>) -> Result<T, JoinError> {
    outcome.and_then(|value| value.ok_or(JoinError::Cancelled))
}

impl<H: AsyncCancel<T>, T: Send + 'static> RawTask<T> for AsyncCancelTask<H, T> {
    fn poll_join(&mut self, cx: &mut Context<'_>) -> Poll<Result<T, JoinError>> {
        match &mut self.state {
            CancelState::Running(handle) => poll_catching(handle, cx),
            CancelState::Cancelling(cancel) => poll_catching(cancel, cx).map(cancelled_outcome),
            CancelState::Finished(outcome) => {
                Poll::Ready(*outcome.take().expect("JoinHandle polled after completion"))
            }
            CancelState::Detached => panic!("JoinHandle polled after its task was detached"),
        }
    }

    fn abort(&mut self) {
        self.state = match std::mem::replace(&mut self.state, CancelState::Detached) {
            CancelState::Running(handle) => {
                // The native `cancel` is an `async fn`: it does nothing until polled, and dropping it
                // unpolled would drop the native handle, which detaches on async-std. Poll it once now,
                // so that the cancellation is under way whether or not the handle is awaited.
                let mut cancel = handle.cancel_and_wait();
                let mut cx = Context::from_waker(Waker::noop());
                match poll_catching(&mut cancel, &mut cx) {
                    Poll::Ready(outcome) => {
                        CancelState::Finished(Some(Box::new(cancelled_outcome(outcome))))
                    }
                    Poll::Pending => CancelState::Cancelling(Box::new(cancel)),
                }
            }
            other => other,
        };
    }
}

impl<H: AsyncCancel<T>, T: Send + 'static> Drop for AsyncCancelTask<H, T> {
    fn drop(&mut self) {
        if let CancelState::Running(handle) =
            std::mem::replace(&mut self.state, CancelState::Detached)
        {
            handle.detach();
        }
    }
}
