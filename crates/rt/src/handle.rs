//! Task handles: the one [`JoinHandle`] every runtime returns, and the [`RawTask`] each adapter wraps.

use std::any::Any;
use std::cell::Cell;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
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
/// Three methods, all required:
/// - [`poll_join`](RawTask::poll_join) polls the task's outcome, turning the runtime's panic and
///   cancellation reports into [`JoinError`];
/// - [`abort`](RawTask::abort) requests cancellation; once it has been called, `poll_join` resolves when
///   the task's future has been dropped (`Cancelled`), or with the value if the task had finished first;
/// - [`is_finished`](RawTask::is_finished) says whether the task has finished, without waiting.
///
/// Dropping a raw task must **detach** it: the task keeps running. (Whether the [`JoinHandle`] around it
/// cancels first is the handle's business: see its docs.)
pub trait RawTask<T>: Unpin + Send + 'static {
    /// Polls the task's outcome.
    fn poll_join(&mut self, cx: &mut Context<'_>) -> Poll<Result<T, JoinError>>;

    /// Requests cancellation. Calling it again, or after the task finished, has no further effect.
    fn abort(&mut self);

    /// Whether the task has finished (or has been stopped), without waiting. A raw task that has to poll
    /// to know keeps the outcome it saw for the next [`poll_join`](RawTask::poll_join).
    fn is_finished(&mut self) -> bool;
}

/// The handle was polled, found the task unfinished, and has not seen it finish since: it is being
/// awaited, and dropping it now cancels the task.
const AWAITING: u8 = 1;
/// The handle is a blocking closure's ([`JoinHandle::new_blocking`]).
const BLOCKING: u8 = 2;
/// A blocking closure's handle was cancelled while the closure ran or waited: it reports `Cancelled`
/// without waiting for the closure.
const CANCELLED: u8 = 4;
/// The handle has returned the task's outcome: dropping it has nothing left to cancel.
const DONE: u8 = 8;

thread_local! {
    /// Set while [`cancelling`] runs on this thread.
    static CANCELLING: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f` as a cancellation: every [`JoinHandle`] that `f` drops, on this thread, cancels its task,
/// whether it was being awaited yet or not.
///
/// For a future that was *given* tasks to await and is cancelled before it got to poll them: asyncio's
/// `gather(t1, t2)` attaches to its tasks at once, so cancelling it cancels them even if it never ran,
/// whereas a handle dropped unpolled otherwise detaches. The toolkit's gather drops the futures of its
/// unfinished children this way.
///
/// # Examples
///
/// ```
/// # use rosetta_rt::Runtime;
/// async fn demo<R: Runtime>() {
///     let task = R::spawn(std::future::pending::<()>());
///     // Dropped before anything awaited it, yet cancelled rather than detached.
///     rosetta_rt::cancelling(|| drop(task));
/// }
/// # fn main() {}
/// ```
pub fn cancelling<T>(f: impl FnOnce() -> T) -> T {
    /// Restores the outer state, even if `f` panics.
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            CANCELLING.with(|cancelling| cancelling.set(self.0));
        }
    }
    let _restore = Restore(CANCELLING.with(|cancelling| cancelling.replace(true)));
    f()
}

/// The handle to a spawned task: await it for the outcome, cancel it to stop the task, drop it unawaited
/// to detach.
///
/// This is asyncio's `Task` as far as the loop is concerned. Awaiting gives `Ok(value)`,
/// `Err(JoinError::Panicked(_))` or, after a cancel, `Err(JoinError::Cancelled)`.
///
/// # Dropping: detach, unless the handle is being awaited
///
/// asyncio's `Task.cancel()` cancels the future the task is waiting on: a task cancelled in `await t`,
/// `await gather(t, ...)` or `await wait_for(t, ...)` cancels `t` too. In Rust a task is cancelled by
/// dropping its future, which drops whatever it was awaiting; so the handle carries the rule:
///
/// - a handle **dropped while it is being awaited** (it has been polled, found the task unfinished, and
///   has not seen it finish since) **cancels its task**, as [`abort`](JoinHandle::abort) does. That is
///   how cancelling a task reaches the tasks it awaits, directly or through a gather or a `wait_for`;
/// - a handle dropped **before it was ever awaited**, or after its task finished, **detaches** the task:
///   it runs on until done, as asyncio's "a created task runs until it is done or cancelled";
/// - [`detach`](JoinHandle::detach) lets go of a handle without cancelling, even one being awaited
///   (asyncio's `shield` is built on it);
/// - a handle dropped inside [`cancelling`] cancels its task, awaited or not: what a gather does
///   with the tasks it was given, as asyncio's gather attaches to them at once.
///
/// Tracking costs one byte, beside the runtime's own handle, and one store on a `Pending` poll.
///
/// # Blocking closures
///
/// A closure run by [`Runtime::spawn_blocking`](crate::Runtime::spawn_blocking) cannot be interrupted
/// once it has started. Cancelling its handle gives `Err(Cancelled)` **at once**, as cancelling the
/// future of asyncio's `run_in_executor` does: a closure that has not started never runs, and one that
/// has runs to its end in the background, its value dropped. A closure that had already finished keeps
/// its result (`Ok`).
#[must_use = "dropping a JoinHandle that is not being awaited detaches the task; bind it to `_` to say so"]
pub struct JoinHandle<T, R: RawTask<T>> {
    raw: R,
    /// `AWAITING`, `BLOCKING`, `CANCELLED`, `DONE`.
    flags: u8,
    output: PhantomData<fn() -> T>,
}

impl<T, R: RawTask<T>> JoinHandle<T, R> {
    /// Wraps an adapter's raw task, for a spawned future.
    pub fn new(raw: R) -> Self {
        JoinHandle {
            raw,
            flags: 0,
            output: PhantomData,
        }
    }

    /// Wraps an adapter's raw task, for a blocking closure: cancelling it does not wait for a closure
    /// that has started (see [Blocking closures](JoinHandle#blocking-closures)).
    pub fn new_blocking(raw: R) -> Self {
        JoinHandle {
            raw,
            flags: BLOCKING,
            output: PhantomData,
        }
    }

    /// Requests cancellation (asyncio's `task.cancel()`); await the handle for the outcome.
    pub fn abort(&mut self) {
        if self.flags & BLOCKING == 0 {
            self.raw.abort();
        } else if self.flags & CANCELLED == 0 && !self.raw.is_finished() {
            // A closure that has not started will not; one that runs cannot be stopped, and is not
            // waited for.
            self.raw.abort();
            self.flags |= CANCELLED;
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
    /// On runtimes whose handle has to be polled to know, it is polled once with a no-op waker and the
    /// outcome is kept for the next await. Asking does not count as awaiting: dropping the handle after
    /// it still detaches.
    pub fn is_finished(&mut self) -> bool {
        self.flags & CANCELLED != 0 || self.raw.is_finished()
    }

    /// Detaches the task explicitly: it keeps running, and its outcome is discarded. Unlike a plain drop,
    /// this never cancels, even a handle being awaited.
    pub fn detach(mut self) {
        self.flags |= DONE;
    }
}

impl<T, R: RawTask<T>> Future for JoinHandle<T, R> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if this.flags & CANCELLED != 0 {
            this.flags = (this.flags & !AWAITING) | DONE;
            return Poll::Ready(Err(JoinError::Cancelled));
        }
        match this.raw.poll_join(cx) {
            Poll::Pending => {
                this.flags |= AWAITING;
                Poll::Pending
            }
            ready => {
                // Finished: a drop now has nothing to cancel, and costs no call into the runtime.
                this.flags = (this.flags & !AWAITING) | DONE;
                ready
            }
        }
    }
}

impl<T, R: RawTask<T>> Drop for JoinHandle<T, R> {
    fn drop(&mut self) {
        // A handle that gave its outcome (the common case) costs one test.
        if self.flags & DONE == 0 && (self.flags & AWAITING != 0 || CANCELLING.with(Cell::get)) {
            // Its awaiter was dropped mid-await, which is how a task is cancelled: pass it on.
            self.abort();
        }
        // Dropping `raw` then detaches whatever is left.
    }
}

// `JoinHandle` is `Unpin`: `R: Unpin` by the trait bound, and nothing else is pinned.
impl<T, R: RawTask<T>> Unpin for JoinHandle<T, R> {}

impl<T, R: RawTask<T>> fmt::Debug for JoinHandle<T, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle")
            .field("awaiting", &(self.flags & AWAITING != 0))
            .field("blocking", &(self.flags & BLOCKING != 0))
            .field("cancelled", &(self.flags & CANCELLED != 0))
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

    fn is_finished(&mut self) -> bool {
        if matches!(self.state, CancelState::Finished(_) | CancelState::Detached) {
            return true;
        }
        let mut cx = Context::from_waker(Waker::noop());
        match self.poll_join(&mut cx) {
            Poll::Ready(outcome) => {
                // The native handle has given its outcome; it is dropped here, which detaches nothing.
                self.state = CancelState::Finished(Some(Box::new(outcome)));
                true
            }
            Poll::Pending => false,
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
