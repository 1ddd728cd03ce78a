//! `asyncio.gather`: run futures as tasks, concurrently, and collect their results in argument order.
//!
//! ```python
//! results = await asyncio.gather(count(), count(), count())
//! results = await asyncio.gather(*coros, return_exceptions=True)
//! ```
//!
//! - [`gather`] — every child becomes a task at once; results come back in argument order whatever the
//!   order the children finish in. The first child that fails (panics) completes the gather at once with
//!   that error, and the **other children are not cancelled**: they keep running, detached, as in asyncio
//!   (`test_one_exception`). `futures::future::try_join_all` cancels them instead, so it is not gather.
//! - [`try_gather`] — the same for children that return `Result`: the first `Err` is asyncio's first
//!   exception.
//! - [`gather_return_exceptions`] — `return_exceptions=True`: every slot holds its own outcome, and the
//!   gather completes only when every child has.
//! - Dropping an unfinished gather (cancelling it, or the task awaiting it) cancels every child still
//!   running (`test_cancellation_broadcast`). An empty gather gives an empty vector.
//!
//! # Examples
//!
//! ```
//! use std::time::Duration;
//! use rosetta_asyncio::{Runtime, gather};
//!
//! async fn count<R: Runtime>(i: u64) -> u64 {
//!     R::sleep(Duration::from_millis(10 * (3 - i))).await;
//!     i
//! }
//!
//! async fn main_<R: Runtime>() -> Vec<u64> {
//!     gather::<R, _>((0..3).map(count::<R>)).await.expect("no child fails")
//! }
//! # use rosetta_runtimes::rosetta_tokio::TokioCurrentThread as Rt;
//! # let rt = Rt::create(&Default::default()).unwrap();
//! assert_eq!(rt.block_on(main_::<Rt>()), [0, 1, 2]);
//! # rt.close();
//! ```
//!
//! # Per-runtime notes
//!
//! - Children are tasks of the runtime: on `tokio` and `smol` they run on the thread of `block_on`, one at
//!   a time, as in asyncio; on `tokio-mt`, `smol-mt` and `async-std` they run in parallel on the workers.
//! - Cancelling a child is the runtime's own cancellation (see `docs/runtimes.md`): the child's future is
//!   dropped at its next suspension point, never in the middle of a poll.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

use atomic_waker::AtomicWaker;
use futures_lite::FutureExt;
use rosetta_rt::{Handle, JoinError, Runtime};

/// Why a gather failed: the first child to fail, and how.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GatherError<E> {
    /// The child returned `Err` (asyncio: the coroutine raised).
    #[error("child {index} of the gather failed")]
    Failed {
        /// The child's position among the gather's arguments.
        index: usize,
        /// What it returned.
        error: E,
    },
    /// The child panicked (asyncio: the coroutine raised) or was cancelled.
    #[error("child {index} of the gather {error}")]
    Task {
        /// The child's position among the gather's arguments.
        index: usize,
        /// How it ended.
        error: JoinError,
    },
}

impl<E> GatherError<E> {
    /// The position of the failed child among the gather's arguments.
    pub fn index(&self) -> usize {
        match self {
            GatherError::Failed { index, .. } | GatherError::Task { index, .. } => *index,
        }
    }
}

/// Runs every future as a task and collects their outputs in argument order (`asyncio.gather`).
///
/// The children are spawned now, so they run even before the gather is awaited; call it inside the
/// running loop (in `block_on`, or a task), as asyncio's `gather` needs a running loop. The gather
/// completes with the first panic among them, leaving the others running; see the [module docs](self).
pub fn gather<R, I>(futures: I) -> Gather<R, <I::Item as Future>::Output, std::convert::Infallible>
where
    R: Runtime,
    I: IntoIterator,
    I::Item: Future + Send + 'static,
    <I::Item as Future>::Output: Send + 'static,
{
    Gather::spawn(
        futures
            .into_iter()
            .map(|future| async move { Ok(future.await) }),
    )
}

/// [`gather`] for children that return `Result`: the first `Err`, or panic, completes the gather.
pub fn try_gather<R, I, T, E>(futures: I) -> Gather<R, T, E>
where
    R: Runtime,
    I: IntoIterator,
    I::Item: Future<Output = Result<T, E>> + Send + 'static,
    T: Send + 'static,
    E: Send + 'static,
{
    Gather::spawn(futures)
}

/// `asyncio.gather(*aws, return_exceptions=True)`: every child's own outcome, once every child is done.
pub async fn gather_return_exceptions<R, I>(
    futures: I,
) -> Vec<Result<<I::Item as Future>::Output, JoinError>>
where
    R: Runtime,
    I: IntoIterator,
    I::Item: Future + Send + 'static,
    <I::Item as Future>::Output: Send + 'static,
{
    // Spawned now, as the children of a gather are; a guard cancels the rest if this future is dropped.
    let mut children = Children(futures.into_iter().map(R::spawn).collect::<Vec<_>>());
    let mut outcomes = Vec::with_capacity(children.0.len());
    for child in children.0.iter_mut() {
        outcomes.push(child.await);
    }
    children.0.clear();
    outcomes
}

/// Handles that are cancelled when dropped: the children of an unfinished gather.
struct Children<H: CancelOnDrop>(Vec<H>);

/// A handle that a dropped gather cancels.
trait CancelOnDrop {
    fn request_cancel(&mut self);
}

impl<T, H: rosetta_rt::RawTask<T>> CancelOnDrop for rosetta_rt::JoinHandle<T, H> {
    fn request_cancel(&mut self) {
        self.abort();
    }
}

impl<H: CancelOnDrop> Drop for Children<H> {
    fn drop(&mut self) {
        for child in &mut self.0 {
            child.request_cancel();
        }
    }
}

/// What a gather shares with its children: the first failure, and who to wake when it happens.
struct Shared<E> {
    failure: Mutex<Option<GatherError<E>>>,
    waker: AtomicWaker,
}

impl<E> Shared<E> {
    /// Records `failure` unless another child failed first, and wakes the gather.
    fn fail(&self, failure: GatherError<E>) {
        let mut first = self.failure.lock().unwrap_or_else(PoisonError::into_inner);
        if first.is_none() {
            *first = Some(failure);
        }
        drop(first);
        self.waker.wake();
    }

    fn take_failure(&self) -> Option<GatherError<E>> {
        self.failure
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }
}

/// The task a gather spawns for child `index`: it reports its failure to the gather as soon as it
/// happens, and then yields `None`.
async fn child<F, T, E>(future: F, index: usize, shared: Arc<Shared<E>>) -> Option<T>
where
    F: Future<Output = Result<T, E>>,
{
    let failure = match AssertUnwindSafe(future).catch_unwind().await {
        Ok(Ok(value)) => return Some(value),
        Ok(Err(error)) => GatherError::Failed { index, error },
        Err(payload) => GatherError::Task {
            index,
            error: JoinError::from_panic(payload),
        },
    };
    shared.fail(failure);
    None
}

/// The future [`gather`] and [`try_gather`] return.
///
/// Awaiting it gives every child's value in argument order, or the first failure. Dropping it before it
/// completes cancels the children still running; once it has completed, the children left running are
/// detached.
#[must_use = "a gather does nothing useful unless awaited; dropping it cancels its children"]
pub struct Gather<R: Runtime, T: Send + 'static, E: Send + 'static> {
    children: Children<Handle<R, Option<T>>>,
    values: Vec<T>,
    shared: Arc<Shared<E>>,
}

impl<R: Runtime, T: Send + 'static, E: Send + 'static> Gather<R, T, E> {
    fn spawn<I>(futures: I) -> Self
    where
        I: IntoIterator,
        I::Item: Future<Output = Result<T, E>> + Send + 'static,
    {
        let shared = Arc::new(Shared {
            failure: Mutex::new(None),
            waker: AtomicWaker::new(),
        });
        let children: Vec<_> = futures
            .into_iter()
            .enumerate()
            .map(|(index, future)| R::spawn(child(future, index, Arc::clone(&shared))))
            .collect();
        Gather {
            values: Vec::with_capacity(children.len()),
            children: Children(children),
            shared,
        }
    }

    /// Completes the gather: the children left running are detached, not cancelled.
    fn finish(&mut self) {
        for child in self.children.0.drain(..) {
            child.detach();
        }
    }
}

impl<R: Runtime, T: Send + 'static, E: Send + 'static> Future for Gather<R, T, E> {
    type Output = Result<Vec<T>, GatherError<E>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        // The children are awaited in order, which costs one wake-up per child at most; a failure of a
        // child further on is seen at once through the shared slot, whose waker is registered first.
        this.shared.waker.register(cx.waker());
        loop {
            if let Some(failure) = this.shared.take_failure() {
                this.finish();
                return Poll::Ready(Err(failure));
            }
            let index = this.values.len();
            let Some(next) = this.children.0.get_mut(index) else {
                this.finish();
                return Poll::Ready(Ok(std::mem::take(&mut this.values)));
            };
            match Pin::new(next).poll(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Ok(Some(value))) => this.values.push(value),
                // The child recorded its failure before it returned: the loop picks it up.
                Poll::Ready(Ok(None)) => {}
                // Only the gather could have cancelled its child, and a panic is caught in the child.
                Poll::Ready(Err(error)) => {
                    this.finish();
                    return Poll::Ready(Err(GatherError::Task { index, error }));
                }
            }
        }
    }
}

impl<R: Runtime, T: Send + 'static, E: Send + 'static> Unpin for Gather<R, T, E> {}

impl<R: Runtime, T: Send + 'static, E: Send + 'static> std::fmt::Debug for Gather<R, T, E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gather")
            .field("children", &self.children.0.len())
            .field("done", &self.values.len())
            .finish()
    }
}
