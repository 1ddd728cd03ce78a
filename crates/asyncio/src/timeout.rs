//! `asyncio.timeout` and `asyncio.timeout_at`: run a block under a deadline that can be moved.
//!
//! ```python
//! async with asyncio.timeout(10) as cm:      # or timeout_at(loop.time() + 10)
//!     cm.reschedule(loop.time() + 20)        # move the deadline; None disables it
//!     await long_running()
//! cm.expired()                               # True if the deadline fired
//! ```
//!
//! [`timeout`] and [`timeout_at`] make a [`Timeout`]; [`Timeout::run`] is the `async with` block.
//! The `Timeout` is a cheap handle: clone it into the block to [`reschedule`](Timeout::reschedule) from
//! inside, as CPython's `cm` is used.
//!
//! - **Expiry cancels the block.** When the deadline passes, the block's future is dropped at its
//!   current `.await` (Rust's cancellation: it drops the tasks' handles it awaits, which cancels those
//!   tasks), and `run` returns [`TimeoutExpired`]; [`expired`](Timeout::expired) is then `true`
//!   (`test_timeout_basic`, `test_timeout_at_basic`).
//! - **Only its own cancellation is a timeout.** Cancelling the task that runs the block drops the
//!   block with it: the task ends `Cancelled`, no timeout is reported and `expired` stays `false`
//!   (`test_foreign_cancel_doesnt_timeout_if_not_expired`, `test_reschedule`). A timeout error that comes
//!   out of the block (an inner timeout's) is the block's value, passed through untouched.
//! - **Nested timeouts: the one that fires reports.** An inner timeout that fires ends its own block with
//!   its error; the outer one keeps running its block until its own deadline
//!   (`test_nested_timeouts_loop_busy`, `test_nested_timeouts_concurrent`). When both deadlines have
//!   passed at the same poll, the inner block is polled first and the inner timeout reports; CPython,
//!   whose two timers both cancel the task, reports the outer one (`test_nested_timeouts`).
//! - **A deadline already past** at entry lets the block run to its first suspension, as CPython calls
//!   the expiry soon rather than at once (`test_timeout_zero_sleep_zero`,
//!   `test_timeout_in_the_past_sleep_zero`): a block that never suspends gives its value.
//! - `None` (`timeout(None)`, `reschedule(None)`) disables the deadline (`test_timeout_disabled`).
//!
//! # Examples
//!
//! ```
//! use std::time::Duration;
//! use rosetta_asyncio::{Runtime, timeout};
//!
//! async fn demo<R: Runtime>() -> bool {
//!     let cm = timeout::<R>(Some(Duration::from_millis(10)));
//!     let outcome = cm.run(R::sleep(Duration::from_secs(60))).await;
//!     outcome.is_err() && cm.expired()
//! }
//! # use rosetta_runtimes::rosetta_smol::Smol as Rt;
//! # let rt = Rt::create(&Default::default()).unwrap();
//! assert!(rt.block_on(demo::<Rt>()));
//! # rt.close();
//! ```
//!
//! # Per-runtime notes
//!
//! - The deadline is the runtime's timer (`R::sleep_until`): tokio's fires on its 1 ms wheel, up to
//!   ~1 ms late; smol's and async-std's as precisely as the OS allows. A deadline already past is seen
//!   without asking the timer, on every runtime.

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use event_listener::Event;
use futures_lite::future;
use rosetta_rt::Runtime;

/// The deadline of a [`Timeout`] passed while its block ran (asyncio's `TimeoutError` from `timeout`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the block timed out at its deadline")]
pub struct TimeoutExpired {
    /// The deadline that passed.
    pub when: Instant,
}

/// What a [`Timeout`]'s handles share.
#[derive(Debug)]
struct Shared {
    when: Mutex<Option<Instant>>,
    expired: AtomicBool,
    /// Notified on every reschedule, so that a waiting block re-arms its timer.
    moved: Event,
}

/// asyncio's `Timeout` context manager: a movable deadline for a block run by [`run`](Timeout::run).
///
/// Clones share the deadline: reschedule one and every clone sees it.
pub struct Timeout<R: Runtime> {
    shared: Arc<Shared>,
    runtime: PhantomData<fn() -> R>,
}

impl<R: Runtime> Clone for Timeout<R> {
    fn clone(&self) -> Self {
        Timeout {
            shared: Arc::clone(&self.shared),
            runtime: PhantomData,
        }
    }
}

impl<R: Runtime> fmt::Debug for Timeout<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Timeout")
            .field("runtime", &R::INFO.id)
            .field("when", &self.when())
            .field("expired", &self.expired())
            .finish()
    }
}

/// A timeout `delay` from now (`asyncio.timeout(delay)`); `None` disables it.
pub fn timeout<R: Runtime>(delay: Option<Duration>) -> Timeout<R> {
    timeout_at(delay.map(|delay| Instant::now() + delay))
}

/// A timeout at the instant `when` (`asyncio.timeout_at(when)`); `None` disables it.
pub fn timeout_at<R: Runtime>(when: Option<Instant>) -> Timeout<R> {
    Timeout {
        shared: Arc::new(Shared {
            when: Mutex::new(when),
            expired: AtomicBool::new(false),
            moved: Event::new(),
        }),
        runtime: PhantomData,
    }
}

impl<R: Runtime> Timeout<R> {
    /// The current deadline (`cm.when()`); `None` if disabled.
    pub fn when(&self) -> Option<Instant> {
        *self
            .shared
            .when
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Moves the deadline (`cm.reschedule(when)`); `None` disables it, an instant already past expires
    /// the block at its next suspension.
    pub fn reschedule(&self, when: Option<Instant>) {
        *self
            .shared
            .when
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = when;
        self.shared.moved.notify(usize::MAX);
    }

    /// Whether the deadline fired and cancelled the block (`cm.expired()`).
    pub fn expired(&self) -> bool {
        self.shared.expired.load(Ordering::SeqCst)
    }

    /// Runs `body` under the deadline (`async with cm: ...`): its output, or [`TimeoutExpired`] once the
    /// deadline passed, the body dropped by then.
    ///
    /// # Errors
    ///
    /// [`TimeoutExpired`] if the deadline passed before `body` finished.
    pub async fn run<F: Future>(&self, body: F) -> Result<F::Output, TimeoutExpired> {
        // `or` polls the body first, then the deadline, and drops whichever loses.
        future::or(async { Ok(body.await) }, async {
            let when = self.deadline().await;
            self.shared.expired.store(true, Ordering::SeqCst);
            Err(TimeoutExpired { when })
        })
        .await
    }

    /// Resolves once the current deadline has passed, following every reschedule; returns it.
    async fn deadline(&self) -> Instant {
        loop {
            // Listen before reading, so that a reschedule in between is not missed.
            let moved = self.shared.moved.listen();
            match self.when() {
                None => moved.await,
                Some(when) if Instant::now() >= when => return when,
                Some(when) => {
                    future::or(R::sleep_until(when), moved).await;
                }
            }
        }
    }
}
