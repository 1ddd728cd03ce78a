//! `asyncio.Lock`: a mutual-exclusion lock for tasks, acquired in FIFO order.
//!
//! ```python
//! lock = asyncio.Lock()
//! async with lock:
//!     ...
//! ```
//!
//! Here `let _guard = lock.acquire().await;`: the guard's drop is `release()`. The lock is one permit
//! of the semaphore core ([`Semaphore`](super::Semaphore)'s): a freed lock goes to the waiter that has
//! waited longest (`LockTests.test_acquire`), and a waiter cancelled after it was handed the lock passes
//! it on (`test_cancel_race`, `test_cancel_release_race`). It guards no data, as asyncio's does not;
//! put the data beside it.
//!
//! # Examples
//!
//! ```
//! use rosetta_asyncio::Lock;
//!
//! # futures_lite::future::block_on(async {
//! let lock = Lock::new();
//! {
//!     let _guard = lock.acquire().await;
//!     assert!(lock.locked());
//! }
//! assert!(!lock.locked());
//! # });
//! ```
//!
//! # Per-runtime notes
//!
//! - None: written once here. `tokio::sync::Mutex` is FIFO but owns its data; `async-lock`'s `Mutex`
//!   lets a newcomer take a just-released lock before the woken waiter runs (not FIFO) and is fair only
//!   after a starvation timeout.

use std::fmt;

use super::semaphore::Permits;

/// `asyncio.Lock()`.
pub struct Lock {
    permits: Permits,
}

impl fmt::Debug for Lock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lock")
            .field("locked", &self.locked())
            .finish_non_exhaustive()
    }
}

impl Default for Lock {
    fn default() -> Self {
        Self::new()
    }
}

impl Lock {
    /// An unlocked lock.
    pub fn new() -> Self {
        Self {
            permits: Permits::new(1),
        }
    }

    /// Waits for the lock (`await lock.acquire()`); the guard's drop releases it.
    ///
    /// Waiters are served in arrival order; dropping the future gives up its place, and passes on the
    /// lock if it had just been handed it.
    pub async fn acquire(&self) -> LockGuard<'_> {
        self.permits.acquire().await;
        LockGuard { lock: self }
    }

    /// The lock is held, or about to be handed to a waiter (`lock.locked()`).
    pub fn locked(&self) -> bool {
        self.permits.locked()
    }

    /// How many tasks wait for the lock.
    pub fn waiting(&self) -> usize {
        self.permits.waiting()
    }
}

/// The held [`Lock`]; dropping it releases the lock to the next waiter.
#[must_use = "dropping the guard releases the lock at once"]
pub struct LockGuard<'a> {
    lock: &'a Lock,
}

impl fmt::Debug for LockGuard<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LockGuard").finish_non_exhaustive()
    }
}

impl<'a> LockGuard<'a> {
    /// The lock this guard holds.
    pub fn lock(&self) -> &'a Lock {
        self.lock
    }
}

impl Drop for LockGuard<'_> {
    fn drop(&mut self) {
        self.lock.permits.release();
    }
}
