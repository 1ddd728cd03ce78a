//! `asyncio.Semaphore` and `asyncio.BoundedSemaphore`: a count of permits, handed out in FIFO order.
//!
//! ```python
//! sem = asyncio.Semaphore(3)
//! async with sem:
//!     await fetch(url)
//! ```
//!
//! Here `let _permit = sem.acquire().await;` and the permit's drop is `release()`. Everything in this
//! module rests on [`Permits`], which [`Lock`](super::Lock) uses too: a count, and a FIFO queue of
//! waiters to which a freed permit is handed directly, so a newcomer never overtakes a waiter
//! (`test_acquire_fifo_order`) and a cancelled waiter passes on a permit it was handed and never saw
//! (`test_acquire_cancel_before_awoken`).
//!
//! # Examples
//!
//! ```
//! use rosetta_asyncio::Semaphore;
//!
//! # futures_lite::future::block_on(async {
//! let sem = Semaphore::new(1);
//! let permit = sem.acquire().await;
//! assert!(sem.locked());
//! drop(permit);
//! assert!(!sem.locked());
//! # });
//! ```
//!
//! # Per-runtime notes
//!
//! - None: written once here, on no runtime's primitive. `tokio::sync::Semaphore` is FIFO too, but its
//!   `try_acquire` barges ahead of queued waiters; `async-lock`'s `Semaphore` lets any newcomer take a
//!   freed permit before the woken waiter runs (it fails `test_acquire_fifo_order`).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use parking_lot::Mutex;

use super::waiters::{Id, Waiters};

/// The count and its FIFO queue.
#[derive(Debug)]
struct State {
    value: usize,
    waiters: Waiters<()>,
}

/// Permits handed out in FIFO order: the core of [`Semaphore`], [`BoundedSemaphore`] and
/// [`Lock`](super::Lock).
#[derive(Debug)]
pub(crate) struct Permits {
    state: Mutex<State>,
}

impl Permits {
    /// `value` permits, free.
    pub(crate) fn new(value: usize) -> Self {
        Self {
            state: Mutex::new(State {
                value,
                waiters: Waiters::default(),
            }),
        }
    }

    /// Waits for a permit, in arrival order.
    pub(crate) fn acquire(&self) -> Acquire<'_> {
        Acquire {
            permits: self,
            id: None,
        }
    }

    /// Gives a permit back: to the first waiter if there is one, else to the count.
    pub(crate) fn release(&self) {
        let mut state = self.state.lock();
        if state.waiters.serve_first(()).is_err() {
            state.value += 1;
        }
    }

    /// [`release`](Self::release), unless the count already holds `bound` permits.
    pub(crate) fn release_bounded(&self, bound: usize) -> bool {
        let mut state = self.state.lock();
        if state.value >= bound {
            return false;
        }
        if state.waiters.serve_first(()).is_err() {
            state.value += 1;
        }
        true
    }

    /// No permit can be had at once: none is free, or someone waits for one.
    pub(crate) fn locked(&self) -> bool {
        let state = self.state.lock();
        state.value == 0 || state.waiters.waiting() > 0
    }

    /// How many tasks wait for a permit.
    pub(crate) fn waiting(&self) -> usize {
        self.state.lock().waiters.waiting()
    }
}

/// The future of [`Permits::acquire`]: `Ready` once it holds a permit.
#[derive(Debug)]
pub(crate) struct Acquire<'a> {
    permits: &'a Permits,
    /// Its place in the queue, once it had to wait.
    id: Option<Id>,
}

impl Future for Acquire<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut state = self.permits.state.lock();
        let id = match self.id {
            Some(id) => id,
            None => {
                // asyncio's rule: a free permit is taken at once only if no one waits for it.
                if state.value > 0 && state.waiters.waiting() == 0 {
                    state.value -= 1;
                    return Poll::Ready(());
                }
                let id = state.waiters.push();
                self.id = Some(id);
                id
            }
        };
        let poll = state.waiters.poll(id, cx);
        if poll.is_ready() {
            self.id = None;
        }
        poll
    }
}

impl Drop for Acquire<'_> {
    fn drop(&mut self) {
        if let Some(id) = self.id.take() {
            let mut state = self.permits.state.lock();
            // Handed a permit it never saw: the permit goes to the next waiter, or back to the count.
            if state.waiters.remove(id).is_some() && state.waiters.serve_first(()).is_err() {
                state.value += 1;
            }
        }
    }
}

/// `asyncio.Semaphore(value)`: `value` permits, handed out in FIFO order.
pub struct Semaphore {
    permits: Permits,
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Semaphore")
            .field("locked", &self.locked())
            .finish_non_exhaustive()
    }
}

impl Semaphore {
    /// A semaphore with `value` permits (`asyncio.Semaphore(value)`).
    pub fn new(value: usize) -> Self {
        Self {
            permits: Permits::new(value),
        }
    }

    /// Waits for a permit (`await sem.acquire()`); the permit's drop releases it.
    ///
    /// Waiters are served in arrival order. Dropping the future before it is ready gives up its place,
    /// and passes on a permit it had been handed.
    pub async fn acquire(&self) -> SemaphorePermit<'_> {
        self.permits.acquire().await;
        SemaphorePermit {
            permits: &self.permits,
        }
    }

    /// Adds a permit (`sem.release()`), waking the first waiter; an unbounded semaphore has no limit.
    pub fn release(&self) {
        self.permits.release();
    }

    /// No permit can be had at once (`sem.locked()`).
    pub fn locked(&self) -> bool {
        self.permits.locked()
    }

    /// How many tasks wait for a permit.
    pub fn waiting(&self) -> usize {
        self.permits.waiting()
    }
}

/// A permit of a [`Semaphore`] or [`BoundedSemaphore`]; dropping it releases it.
#[must_use = "dropping the permit releases it at once"]
pub struct SemaphorePermit<'a> {
    permits: &'a Permits,
}

impl fmt::Debug for SemaphorePermit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SemaphorePermit").finish_non_exhaustive()
    }
}

impl SemaphorePermit<'_> {
    /// Keeps the permit acquired for good: `await sem.acquire()` without the `release()`.
    pub fn forget(self) {
        std::mem::forget(self);
    }
}

impl Drop for SemaphorePermit<'_> {
    fn drop(&mut self) {
        self.permits.release();
    }
}

/// `BoundedSemaphore.release()` called with every permit already free.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("BoundedSemaphore released too many times: all {bound} permits are already free")]
pub struct OverReleaseError {
    /// The semaphore's initial value, which the count may not exceed.
    pub bound: usize,
}

/// `asyncio.BoundedSemaphore(value)`: a [`Semaphore`] whose count never exceeds its initial value.
pub struct BoundedSemaphore {
    permits: Permits,
    bound: usize,
}

impl fmt::Debug for BoundedSemaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BoundedSemaphore")
            .field("bound", &self.bound)
            .field("locked", &self.locked())
            .finish_non_exhaustive()
    }
}

impl BoundedSemaphore {
    /// A bounded semaphore with `value` permits.
    pub fn new(value: usize) -> Self {
        Self {
            permits: Permits::new(value),
            bound: value,
        }
    }

    /// Waits for a permit, as [`Semaphore::acquire`].
    pub async fn acquire(&self) -> SemaphorePermit<'_> {
        self.permits.acquire().await;
        SemaphorePermit {
            permits: &self.permits,
        }
    }

    /// Gives back a permit taken with [`SemaphorePermit::forget`] (`sem.release()`).
    ///
    /// # Errors
    ///
    /// [`OverReleaseError`] if every permit is already free, as asyncio raises `ValueError`.
    pub fn release(&self) -> Result<(), OverReleaseError> {
        if self.permits.release_bounded(self.bound) {
            Ok(())
        } else {
            Err(OverReleaseError { bound: self.bound })
        }
    }

    /// No permit can be had at once.
    pub fn locked(&self) -> bool {
        self.permits.locked()
    }

    /// How many tasks wait for a permit.
    pub fn waiting(&self) -> usize {
        self.permits.waiting()
    }
}
