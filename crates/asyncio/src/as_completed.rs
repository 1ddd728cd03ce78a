//! `asyncio.as_completed`: the outcomes of futures in the order they finish, with an overall timeout.
//!
//! ```python
//! for next_done in asyncio.as_completed(aws, timeout=5):
//!     result = await next_done      # TimeoutError for each one left when the timeout passes
//! ```
//!
//! [`as_completed`] starts every future as a task at once, as CPython wraps each in `ensure_future`,
//! and returns an [`AsCompleted`] stream: each item is the next outcome to finish (`test_as_completed`).
//! When the timeout (counted from the call) passes, each future still running gives one
//! [`TimeoutError`], then the stream ends (`test_as_completed_with_timeout`); a timeout that never
//! passes changes nothing (`test_as_completed_with_unused_timeout`). The timeout cancels nothing: the
//! tasks left run on, detached, as in CPython; so does dropping the stream.
//!
//! An item is `Ok(Ok(value))`, `Ok(Err(JoinError::Panicked(_)))` for a future that panicked, or
//! `Err(TimeoutError)`. CPython's items are awaitables in completion order; a Rust stream of outcomes
//! is the same order without the extra `await`. Which future an outcome came from is the value's
//! business (CPython's 3.13 iterator yields the original tasks; carry an index in the value to tell).
//!
//! # Examples
//!
//! ```
//! use std::time::Duration;
//! use rosetta_asyncio::{Runtime, StreamExt, as_completed};
//!
//! async fn demo<R: Runtime>() -> Vec<u64> {
//!     let sleeps = [30, 10, 20].map(|ms| async move {
//!         R::sleep(Duration::from_millis(ms)).await;
//!         ms
//!     });
//!     let mut order = Vec::new();
//!     let mut done = as_completed::<R, _>(sleeps, None);
//!     while let Some(outcome) = done.next().await {
//!         order.push(outcome.expect("no timeout").expect("no panic"));
//!     }
//!     order
//! }
//! # use rosetta_runtimes::rosetta_smol::Smol as Rt;
//! # let rt = Rt::create(&Default::default()).unwrap();
//! assert_eq!(rt.block_on(demo::<Rt>()), [10, 20, 30]);
//! # rt.close();
//! ```
//!
//! # Per-runtime notes
//!
//! - On the multi-thread runtimes (`tokio-mt`, `smol-mt`, `async-std`) "completion order" is the order
//!   the tasks reported, which for tasks finishing at the same instant on two workers is either.

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use atomic_waker::AtomicWaker;
use futures_lite::{FutureExt, Stream};
use rosetta_rt::{JoinError, Runtime};

use crate::wait_for::TimeoutError;

/// Outcomes reported by the tasks, not yet taken by the stream.
struct Shared<T> {
    finished: Mutex<VecDeque<Result<T, JoinError>>>,
    waker: AtomicWaker,
}

impl<T> Shared<T> {
    fn finished(&self) -> MutexGuard<'_, VecDeque<Result<T, JoinError>>> {
        self.finished.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The stream [`as_completed`] returns: outcomes in completion order, then a [`TimeoutError`] for each
/// future left when the timeout passes.
#[must_use = "streams do nothing unless polled; the tasks run anyway"]
pub struct AsCompleted<R: Runtime, T> {
    shared: Arc<Shared<T>>,
    /// Outcomes not yet given, timeouts included.
    remaining: usize,
    timeout: Option<Duration>,
    /// The timeout's timer, boxed because the runtime's sleep cannot be named.
    timer: Option<Pin<Box<dyn Future<Output = ()> + Send>>>,
    timed_out: bool,
    runtime: PhantomData<fn() -> R>,
}

impl<R: Runtime, T> fmt::Debug for AsCompleted<R, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsCompleted")
            .field("runtime", &R::INFO.id)
            .field("remaining", &self.remaining)
            .field("timed_out", &self.timed_out)
            .finish_non_exhaustive()
    }
}

/// Starts every future as a task and streams their outcomes as they finish (`asyncio.as_completed`).
///
/// Call it inside the running loop: the tasks are spawned now, and `timeout` counts from now.
pub fn as_completed<R, I>(
    futures: I,
    timeout: Option<Duration>,
) -> AsCompleted<R, <I::Item as Future>::Output>
where
    R: Runtime,
    I: IntoIterator,
    I::Item: Future + Send + 'static,
    <I::Item as Future>::Output: Send + 'static,
{
    let shared = Arc::new(Shared {
        finished: Mutex::new(VecDeque::new()),
        waker: AtomicWaker::new(),
    });
    let mut remaining = 0;
    for future in futures {
        remaining += 1;
        let shared = Arc::clone(&shared);
        R::spawn(async move {
            let outcome = AssertUnwindSafe(future)
                .catch_unwind()
                .await
                .map_err(JoinError::from_panic);
            shared.finished().push_back(outcome);
            shared.waker.wake();
        })
        .detach();
    }
    let timer = timeout.map(|timeout| {
        let deadline = Instant::now() + timeout;
        Box::pin(async move {
            if Instant::now() < deadline {
                R::sleep_until(deadline).await;
            }
        }) as Pin<Box<dyn Future<Output = ()> + Send>>
    });
    AsCompleted {
        shared,
        remaining,
        timeout,
        timer,
        timed_out: false,
        runtime: PhantomData,
    }
}

impl<R: Runtime, T> AsCompleted<R, T> {
    fn take(&mut self) -> Option<Result<T, JoinError>> {
        let outcome = self.shared.finished().pop_front()?;
        self.remaining -= 1;
        Some(outcome)
    }
}

impl<R: Runtime, T> Stream for AsCompleted<R, T> {
    type Item = Result<Result<T, JoinError>, TimeoutError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.remaining == 0 {
            return Poll::Ready(None);
        }
        if this.timed_out {
            this.remaining -= 1;
            let timeout = this.timeout.unwrap_or_default();
            return Poll::Ready(Some(Err(TimeoutError { timeout })));
        }
        if let Some(outcome) = this.take() {
            return Poll::Ready(Some(Ok(outcome)));
        }
        this.shared.waker.register(cx.waker());
        // Again after registering: a task may have reported in between.
        if let Some(outcome) = this.take() {
            return Poll::Ready(Some(Ok(outcome)));
        }
        if let Some(timer) = &mut this.timer
            && timer.as_mut().poll(cx).is_ready()
        {
            this.timer = None;
            this.timed_out = true;
            this.remaining -= 1;
            let timeout = this.timeout.unwrap_or_default();
            return Poll::Ready(Some(Err(TimeoutError { timeout })));
        }
        Poll::Pending
    }
}

impl<R: Runtime, T> Unpin for AsCompleted<R, T> {}
