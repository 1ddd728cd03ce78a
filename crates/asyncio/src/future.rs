//! `asyncio.Future`: a result set by hand, awaited by anyone, with done callbacks.
//!
//! ```python
//! fut = loop.create_future()
//! fut.add_done_callback(lambda f: print("done", f.result()))
//! fut.set_result(42)              # a second set_result raises InvalidStateError
//! value = await fut
//! ```
//!
//! A [`Future`] is a shared handle (clone it to hand it out): [`set_result`](Future::set_result),
//! [`set_exception`](Future::set_exception) and [`cancel`](Future::cancel) settle it once; a second
//! settling is an [`InvalidStateError`] (`test_result`, `test_exception`), and `cancel` on a settled
//! future returns `false` (`test_cancel`). [`result`](Future::result) reads the outcome without waiting
//! (`InvalidStateError` while pending), and awaiting a clone waits for it.
//!
//! **Done callbacks** run once the future is settled, in the order they were added, each given the
//! future (`test_callbacks_invoked_on_set_result`, `test_callbacks_invoked_on_set_exception`); one added
//! to a settled future runs at once; [`remove_done_callback`](Future::remove_done_callback) takes one
//! out before it ran (`test_remove_done_callback`). CPython schedules the callbacks with `call_soon`,
//! so they run at the loop's next turn; here a future belongs to no loop (it can be set from any thread),
//! and the callbacks run in the call that settles it, after the future is settled and its lock released.
//!
//! # Examples
//!
//! ```
//! use rosetta_asyncio::{Runtime, future::Future};
//!
//! async fn demo<R: Runtime>() -> Result<u8, rosetta_asyncio::future::FutureError<String>> {
//!     let fut = Future::<u8, String>::new();
//!     let setter = fut.clone();
//!     let _task = R::spawn(async move { setter.set_result(7) });
//!     fut.await
//! }
//! # use rosetta_runtimes::rosetta_smol::Smol as Rt;
//! # let rt = Rt::create(&Default::default()).unwrap();
//! assert_eq!(rt.block_on(demo::<Rt>()), Ok(7));
//! # rt.close();
//! ```
//!
//! # Per-runtime notes
//!
//! - None: the future is the toolkit's own (a lock and an `event-listener`), the same on every runtime.
//!   The nearest natives are `tokio::sync::oneshot` and `async-channel`/`futures::channel::oneshot`:
//!   one sender, one receiver, no callbacks, no `cancel` from the waiting side.

use std::fmt;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};

use event_listener::{Event, EventListener};

/// How an asyncio future ended, as reading or awaiting it reports.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FutureError<E> {
    /// The future was cancelled (`CancelledError`).
    #[error("the future was cancelled")]
    Cancelled,
    /// The future was given an exception (`set_exception`).
    #[error("the future was set an exception")]
    Exception(E),
    /// The future is not done yet (`InvalidStateError` from `result()`).
    #[error(transparent)]
    InvalidState(#[from] InvalidStateError),
}

/// The operation does not fit the future's state (asyncio's `InvalidStateError`): setting a settled
/// future, or reading a pending one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("invalid state: the future is {0}")]
pub struct InvalidStateError(pub &'static str);

/// The id of a done callback, to remove it with [`Future::remove_done_callback`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CallbackId(u64);

type Callback<T, E> = Box<dyn FnOnce(&Future<T, E>) + Send>;

enum Outcome<T, E> {
    Result(T),
    Exception(E),
    Cancelled,
}

struct State<T, E> {
    outcome: Option<Outcome<T, E>>,
    callbacks: Vec<(CallbackId, Callback<T, E>)>,
    next_id: u64,
}

struct Shared<T, E> {
    state: Mutex<State<T, E>>,
    settled: Event,
}

/// asyncio's `Future`: settled once, by hand, read and awaited by any clone.
///
/// Awaiting a clone gives `Ok(value)`, `Err(FutureError::Exception(e))` or `Err(FutureError::Cancelled)`;
/// the outcome is cloned for each reader, as every awaiter of a CPython future sees the same result.
pub struct Future<T, E> {
    shared: Arc<Shared<T, E>>,
    /// Set while this clone is being awaited.
    listener: Option<Pin<Box<EventListener>>>,
}

impl<T, E> Clone for Future<T, E> {
    fn clone(&self) -> Self {
        Future {
            shared: Arc::clone(&self.shared),
            listener: None,
        }
    }
}

impl<T, E> Default for Future<T, E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T, E> fmt::Debug for Future<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match &self.state().outcome {
            None => "pending",
            Some(Outcome::Result(_)) => "finished",
            Some(Outcome::Exception(_)) => "finished with an exception",
            Some(Outcome::Cancelled) => "cancelled",
        };
        f.debug_struct("Future").field("state", &state).finish()
    }
}

impl<T, E> Future<T, E> {
    /// A pending future (`loop.create_future()`).
    pub fn new() -> Self {
        Future {
            shared: Arc::new(Shared {
                state: Mutex::new(State {
                    outcome: None,
                    callbacks: Vec::new(),
                    next_id: 0,
                }),
                settled: Event::new(),
            }),
            listener: None,
        }
    }

    fn state(&self) -> MutexGuard<'_, State<T, E>> {
        self.shared
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Settles the future with `outcome` unless it is settled, then runs the callbacks outside the lock.
    fn settle(&self, outcome: Outcome<T, E>) -> Result<(), InvalidStateError> {
        let callbacks = {
            let mut state = self.state();
            if state.outcome.is_some() {
                return Err(InvalidStateError("already done"));
            }
            state.outcome = Some(outcome);
            std::mem::take(&mut state.callbacks)
        };
        self.shared.settled.notify(usize::MAX);
        for (_, callback) in callbacks {
            callback(self);
        }
        Ok(())
    }

    /// Sets the result (`fut.set_result(value)`), waking every awaiter and running the callbacks.
    ///
    /// # Errors
    ///
    /// [`InvalidStateError`] if the future is already done (set, given an exception, or cancelled).
    pub fn set_result(&self, value: T) -> Result<(), InvalidStateError> {
        self.settle(Outcome::Result(value))
    }

    /// Sets an exception (`fut.set_exception(exc)`), waking every awaiter and running the callbacks.
    ///
    /// # Errors
    ///
    /// [`InvalidStateError`] if the future is already done.
    pub fn set_exception(&self, error: E) -> Result<(), InvalidStateError> {
        self.settle(Outcome::Exception(error))
    }

    /// Cancels the future (`fut.cancel()`): `true` if it was pending and is now cancelled, `false` if it
    /// was already done.
    pub fn cancel(&self) -> bool {
        self.settle(Outcome::Cancelled).is_ok()
    }

    /// Whether the future is settled, whichever way (`fut.done()`).
    pub fn done(&self) -> bool {
        self.state().outcome.is_some()
    }

    /// Whether the future was cancelled (`fut.cancelled()`).
    pub fn cancelled(&self) -> bool {
        matches!(self.state().outcome, Some(Outcome::Cancelled))
    }

    /// Adds a callback run once the future is done, given the future (`fut.add_done_callback(fn)`); at
    /// once if it is done already. Callbacks run in the order they were added.
    pub fn add_done_callback(
        &self,
        callback: impl FnOnce(&Future<T, E>) + Send + 'static,
    ) -> CallbackId {
        let mut state = self.state();
        let id = CallbackId(state.next_id);
        state.next_id += 1;
        if state.outcome.is_some() {
            drop(state);
            callback(self);
        } else {
            state.callbacks.push((id, Box::new(callback)));
        }
        id
    }

    /// Removes a callback that has not run yet (`fut.remove_done_callback(fn)`); says whether it did.
    pub fn remove_done_callback(&self, id: CallbackId) -> bool {
        let mut state = self.state();
        let before = state.callbacks.len();
        state.callbacks.retain(|(each, _)| *each != id);
        state.callbacks.len() != before
    }
}

impl<T: Clone, E: Clone> Future<T, E> {
    /// The outcome, without waiting (`fut.result()`).
    ///
    /// # Errors
    ///
    /// [`FutureError::InvalidState`] while pending, [`FutureError::Cancelled`] or
    /// [`FutureError::Exception`] as it was settled.
    pub fn result(&self) -> Result<T, FutureError<E>> {
        match &self.state().outcome {
            None => Err(InvalidStateError("not done yet").into()),
            Some(Outcome::Result(value)) => Ok(value.clone()),
            Some(Outcome::Exception(error)) => Err(FutureError::Exception(error.clone())),
            Some(Outcome::Cancelled) => Err(FutureError::Cancelled),
        }
    }
}

impl<T: Clone, E: Clone> std::future::Future for Future<T, E> {
    type Output = Result<T, FutureError<E>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        loop {
            if this.done() {
                this.listener = None;
                return Poll::Ready(this.result());
            }
            match &mut this.listener {
                // Listening first, then checking again, so that a settling in between is not missed.
                None => this.listener = Some(Box::pin(this.shared.settled.listen())),
                Some(listener) => {
                    std::task::ready!(listener.as_mut().poll(cx));
                    this.listener = None;
                }
            }
        }
    }
}

impl<T, E> Unpin for Future<T, E> {}
