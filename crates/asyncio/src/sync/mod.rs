//! asyncio's synchronization primitives: `Lock`, `Event`, `Condition`, `Semaphore`,
//! `BoundedSemaphore` and `Barrier`, with asyncio's semantics on every runtime.
//!
//! They need nothing from the runtime (no timer, no spawn), so they are plain types, usable on any
//! runtime and across threads. What they keep from asyncio, and where the runtimes' own differ:
//!
//! - **FIFO fairness.** A lock or a permit that is freed goes to the waiter that has waited longest; a
//!   newcomer never takes it ahead of a waiter, even when it finds the count free (asyncio's
//!   `Lock.acquire` checks `self._waiters` for that reason). `async-lock` and `tokio::sync` let a
//!   newcomer's `try_acquire` barge in ahead of queued waiters, which fails `test_acquire_fifo_order`'s
//!   rule; hence the queue of [`waiters`] here, handing each freed permit directly to the first waiter.
//! - **Cancellation.** A waiter is cancelled by dropping its future. A waiter dropped before it was
//!   handed the permit leaves the queue; one dropped after it was handed the permit but before it saw it
//!   passes the permit on to the next waiter (`test_locks`' `test_cancel_race`, `test_cancel_release_race`,
//!   `test_acquire_cancel_before_awoken`): a cancelled waiter never ends up holding anything.
//! - **Release** is a guard's drop (`async with lock:` is `let _guard = lock.acquire().await;`), so
//!   asyncio's "release an unlocked lock" `RuntimeError` cannot happen; [`Semaphore::release`] and
//!   [`BoundedSemaphore::release`] exist for the permit-counting uses, and the bounded one refuses an
//!   over-release as asyncio's does.
//! - No poisoning: a task that panics while holding a guard releases it in the unwind.

mod barrier;
mod condition;
mod event;
mod lock;
mod semaphore;
mod waiters;

pub use barrier::{Barrier, BrokenBarrierError};
pub use condition::{Condition, ConditionGuard};
pub use event::Event;
pub use lock::{Lock, LockGuard};
pub use semaphore::{BoundedSemaphore, OverReleaseError, Semaphore, SemaphorePermit};
