//! `asyncio.wait_for`: wait for a future, but give up after a timeout, cancelling it.
//!
//! ```python
//! try:
//!     result = await asyncio.wait_for(slow(), timeout=1.0)
//! except TimeoutError:
//!     ...
//! ```
//!
//! - [`wait_for`] runs a future under a timeout. If the future finishes first, its output is returned. If
//!   the deadline passes first, the future is dropped (Rust's cancellation), and only then is
//!   [`TimeoutError`] returned: nothing of the future is left running. Given a task's handle, it polls
//!   the handle, so dropping it on timeout cancels the task (a handle dropped while being awaited cancels
//!   its task, see [`JoinHandle`](rosetta_rt::JoinHandle)); the cancellation takes hold at the task's next
//!   suspension point, just after `wait_for` has returned (`test_wait_for`).
//! - [`wait_for_task`] does the same for a task, and waits until the task's future is gone before
//!   returning the error (`test_wait_for_waits_for_task_cancellation`). A task that finished before the
//!   cancellation took hold keeps its result, which is returned.
//! - A **zero timeout** (asyncio's `timeout <= 0`): [`wait_for`] never starts the future
//!   (`test_wait_for_timeout_less_then_0_or_0_coroutine_do_not_started`): it is dropped without being
//!   polled, as CPython cancels the coroutine's task before it first runs. [`wait_for_task`] returns a
//!   finished task's result (`test_wait_for_timeout_less_then_0_or_0_future_done`) and cancels an
//!   unfinished one, returning once it is gone (`test_wait_for_timeout_less_then_0_or_0`). `wait_for`
//!   cannot tell a handle from a coroutine without polling it, and polling would start a coroutine: so
//!   with a zero timeout it drops a handle unpolled too (inside [`rosetta_rt::cancelling`], so the task
//!   is cancelled, not detached), and the result of a task that had already finished is lost. Give a
//!   task to `wait_for_task`.
//! - A deadline that has already passed once the future has first been polled (a timeout of a
//!   nanosecond) times out at the future's first suspension, on every runtime, whatever its timer's
//!   resolution: a future that completes without suspending gives its value, one that yields even once
//!   times out. That is CPython 3.12's and 3.13's `wait_for` (built on `asyncio.timeout`, which
//!   schedules a deadline already past with `call_soon`, ahead of the coroutine's next step). CPython
//!   3.11's older `wait_for` still returned the value of a coroutine that yields once.
//! - `None` waits forever.
//!
//! # How this differs from the runtimes' own timeouts
//!
//! `tokio::time::timeout` and `async_std::future::timeout` (and smol's `FutureExt::or` with a `Timer`)
//! poll the inner future *before* checking the deadline. With a zero duration they still start it, and a
//! future that is ready on its first poll wins even though its deadline had passed. `wait_for` checks a
//! zero timeout first, as CPython does. With a positive timeout both poll the future first; so does
//! CPython (`async with timeout(t): return await fut` lets the future run before the deadline fires).
//!
//! # Examples
//!
//! ```
//! use std::time::Duration;
//! use rosetta_asyncio::{Runtime, TimeoutError, wait_for};
//!
//! async fn demo<R: Runtime>() -> (Result<u8, TimeoutError>, Result<u8, TimeoutError>) {
//!     let slow = async {
//!         R::sleep(Duration::from_secs(60)).await;
//!         1
//!     };
//!     let fast = async { 2 };
//!     (
//!         wait_for::<R, _>(slow, Some(Duration::from_millis(10))).await,
//!         wait_for::<R, _>(fast, Some(Duration::from_millis(10))).await,
//!     )
//! }
//! # use rosetta_runtimes::rosetta_smol::Smol as Rt;
//! # let rt = Rt::create(&Default::default()).unwrap();
//! let (slow, fast) = rt.block_on(demo::<Rt>());
//! assert!(slow.is_err());
//! assert_eq!(fast, Ok(2));
//! # rt.close();
//! ```
//!
//! # Per-runtime notes
//!
//! - The deadline is the runtime's timer: on `tokio` and `tokio-mt` it fires on the 1 ms wheel, so a
//!   timeout ends up to ~1 ms late; on smol and async-std it is as precise as the OS allows.
//! - A task's cancellation is the runtime's own; on every runtime `wait_for_task` returns only once the
//!   task's future has been dropped.

use std::future::Future;
use std::time::{Duration, Instant};

use futures_lite::future;
use rosetta_rt::{Handle, JoinError, Runtime};

/// The deadline of a [`wait_for`] passed before the future finished (asyncio's `TimeoutError`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("timed out after {timeout:?}")]
pub struct TimeoutError {
    /// The timeout that passed.
    pub timeout: Duration,
}

/// Waits for `future` for at most `timeout` (`None`: forever); on timeout the future is dropped.
///
/// # Errors
///
/// [`TimeoutError`] if the deadline passed first; the future has been dropped by then.
pub async fn wait_for<R: Runtime, F: Future>(
    future: F,
    timeout: Option<Duration>,
) -> Result<F::Output, TimeoutError> {
    let Some(timeout) = timeout else {
        return Ok(future.await);
    };
    if timeout.is_zero() {
        // Never polled: the coroutine never starts. Dropped as a cancellation, so that a task's handle
        // given here cancels its task rather than detaching it.
        rosetta_rt::cancelling(|| drop(future));
        return Err(TimeoutError { timeout });
    }
    let deadline = Instant::now() + timeout;
    // `or` polls the future first, then the timer, and drops whichever loses.
    future::or(async { Ok(future.await) }, async {
        expiry::<R>(deadline).await;
        Err(TimeoutError { timeout })
    })
    .await
}

/// Waits until `deadline`. One already past is expired at once, without asking the runtime's timer,
/// which may round it up to its next tick (tokio's 1 ms wheel), as `asyncio.timeout` calls it soon.
async fn expiry<R: Runtime>(deadline: Instant) {
    if Instant::now() < deadline {
        R::sleep_until(deadline).await;
    }
}

/// Waits for a running task for at most `timeout`; on timeout the task is cancelled, and the error is
/// returned only once it is gone.
///
/// Returns the task's own outcome (`Ok(value)`, or its panic) if it finished in time, or if it finished
/// before the cancellation took hold.
///
/// # Errors
///
/// [`TimeoutError`] if the deadline passed first and the task was cancelled.
pub async fn wait_for_task<R: Runtime, T: Send + 'static>(
    mut task: Handle<R, T>,
    timeout: Option<Duration>,
) -> Result<Result<T, JoinError>, TimeoutError> {
    let Some(timeout) = timeout else {
        return Ok(task.await);
    };
    if timeout.is_zero() {
        // asyncio: a done future's result, whatever the timeout.
        if task.is_finished() {
            return Ok(task.await);
        }
    } else {
        let deadline = Instant::now() + timeout;
        let outcome = future::or(async { Some((&mut task).await) }, async {
            expiry::<R>(deadline).await;
            None
        })
        .await;
        if let Some(outcome) = outcome {
            return Ok(outcome);
        }
    }
    match task.cancel().await {
        Err(JoinError::Cancelled) => Err(TimeoutError { timeout }),
        finished => Ok(finished),
    }
}
