//! `asyncio.Condition`: wait, under a lock, until another task notifies.
//!
//! ```python
//! cond = asyncio.Condition()
//! async with cond:
//!     await cond.wait_for(lambda: queue)
//!     ...
//! # elsewhere:
//! async with cond:
//!     cond.notify(1)
//! ```
//!
//! Here `let guard = cond.acquire().await;` holds the condition's [`Lock`]; `guard.wait()`,
//! `guard.wait_for(predicate)`, `guard.notify(n)` and `guard.notify_all()` are methods of the guard, so
//! asyncio's "cannot wait on / notify an un-acquired lock" `RuntimeError`s cannot happen. `wait` takes
//! the guard and gives it back: it releases the lock while it waits and re-acquires it before it
//! returns.
//!
//! Notified waiters are woken in the order they began waiting. A waiter that is cancelled (its future
//! dropped) after it was notified and before `wait` returned passes its notification to the next waiter,
//! as CPython's `wait` does since 3.13 (`test_cancelled_wakeup`, `test_cancelled_error_wakeup`): a
//! `notify(1)` is never lost to a cancelled task. A cancelled `wait` leaves the lock released: its guard
//! went with the future, where asyncio re-acquires before raising so that `async with` can release.
//!
//! # Examples
//!
//! ```
//! use rosetta_asyncio::Condition;
//!
//! # futures_lite::future::block_on(async {
//! let cond = Condition::new();
//! let guard = cond.acquire().await;
//! assert_eq!(guard.notify_all(), 0, "no one waits");
//! let _guard = guard.wait_for(|| true).await;
//! # });
//! ```
//!
//! # Per-runtime notes
//!
//! - None: written once here. tokio and async-lock have no async condition variable; tokio's `Notify`
//!   is the nearest, with no lock.

use std::fmt;
use std::future::poll_fn;

use parking_lot::Mutex;

use super::lock::{Lock, LockGuard};
use super::waiters::{Id, Waiters};

/// `asyncio.Condition()`, with a lock of its own.
pub struct Condition {
    lock: Lock,
    waiters: Mutex<Waiters<()>>,
}

impl fmt::Debug for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Condition")
            .field("locked", &self.locked())
            .finish_non_exhaustive()
    }
}

impl Default for Condition {
    fn default() -> Self {
        Self::new()
    }
}

impl Condition {
    /// A condition over a new, unlocked lock.
    pub fn new() -> Self {
        Self {
            lock: Lock::new(),
            waiters: Mutex::new(Waiters::default()),
        }
    }

    /// Acquires the condition's lock (`async with cond:`), in FIFO order as [`Lock::acquire`].
    pub async fn acquire(&self) -> ConditionGuard<'_> {
        ConditionGuard {
            cond: self,
            _lock: self.lock.acquire().await,
        }
    }

    /// The lock is held (`cond.locked()`).
    pub fn locked(&self) -> bool {
        self.lock.locked()
    }

    /// How many tasks wait to be notified.
    pub fn waiting(&self) -> usize {
        self.waiters.lock().waiting()
    }
}

/// The held lock of a [`Condition`]: wait and notify through it; dropping it releases the lock.
#[must_use = "dropping the guard releases the lock at once"]
pub struct ConditionGuard<'a> {
    cond: &'a Condition,
    _lock: LockGuard<'a>,
}

impl fmt::Debug for ConditionGuard<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConditionGuard").finish_non_exhaustive()
    }
}

/// A waiter's place among a condition's waiters, from its `wait` until `wait` returns.
struct Registration<'a> {
    cond: &'a Condition,
    id: Id,
    /// Its notification arrived and was taken out of the queue.
    notified: bool,
    /// `wait` returned: nothing to pass on.
    done: bool,
}

impl Drop for Registration<'_> {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        let mut waiters = self.cond.waiters.lock();
        // Dropped after its notification came (whether or not it saw it): pass it to the next waiter.
        let unseen = !self.notified && waiters.remove(self.id).is_some();
        if self.notified || unseen {
            let _ = waiters.serve_first(());
        }
    }
}

impl<'a> ConditionGuard<'a> {
    /// Releases the lock, waits to be notified, re-acquires the lock (`await cond.wait()`).
    pub async fn wait(self) -> ConditionGuard<'a> {
        let cond = self.cond;
        let mut registration = Registration {
            cond,
            id: cond.waiters.lock().push(),
            notified: false,
            done: false,
        };
        // Registered before the lock goes, so a notify right after the release is not missed.
        drop(self);
        poll_fn(|cx| cond.waiters.lock().poll(registration.id, cx)).await;
        registration.notified = true;
        let guard = cond.acquire().await;
        registration.done = true;
        guard
    }

    /// Waits until `predicate()` holds (`await cond.wait_for(predicate)`), checking it with the lock
    /// held, first at once and then after each notification.
    pub async fn wait_for(self, mut predicate: impl FnMut() -> bool) -> ConditionGuard<'a> {
        let mut guard = self;
        while !predicate() {
            guard = guard.wait().await;
        }
        guard
    }

    /// Wakes up to `n` waiters, longest-waiting first (`cond.notify(n)`); returns how many.
    pub fn notify(&self, n: usize) -> usize {
        let mut waiters = self.cond.waiters.lock();
        (0..n)
            .take_while(|_| waiters.serve_first(()).is_ok())
            .count()
    }

    /// Wakes every waiter (`cond.notify_all()`); returns how many.
    pub fn notify_all(&self) -> usize {
        self.cond.waiters.lock().serve_all(|| ())
    }
}
