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
//!   running, and a child that is a task's handle cancels that task, whether or not the gather had got
//!   to await it yet, as asyncio's gather attaches to its tasks at once (`test_cancellation_broadcast`).
//!   [`shield`](fn@crate::shield) a task to keep it out of that. An empty gather gives an empty vector.
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

use std::collections::VecDeque;
use std::future::Future;
use std::marker::PhantomData;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

use atomic_waker::AtomicWaker;
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
    Gather::spawn(futures, Ok)
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
    Gather::spawn(futures, std::convert::identity)
}

/// `asyncio.gather(*aws, return_exceptions=True)`: every child's own outcome, once every child is done.
///
/// The children are spawned now, as [`gather`]'s are, not when the returned future is first polled.
pub fn gather_return_exceptions<R, I>(
    futures: I,
) -> impl Future<Output = Vec<Result<<I::Item as Future>::Output, JoinError>>>
where
    R: Runtime,
    I: IntoIterator,
    I::Item: Future + Send + 'static,
    <I::Item as Future>::Output: Send + 'static,
{
    // A guard cancels the rest if the returned future is dropped.
    let mut children = Children(
        futures
            .into_iter()
            .map(|future| R::spawn(Given::new(future)))
            .collect::<VecDeque<_>>(),
    );
    async move {
        let mut outcomes = Vec::with_capacity(children.0.len());
        while let Some(child) = children.0.front_mut() {
            outcomes.push(child.await);
            children.0.pop_front();
        }
        outcomes
    }
}

/// Handles that are cancelled when dropped: the children of an unfinished gather.
struct Children<H: CancelOnDrop>(VecDeque<H>);

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

/// The gathers waiting for their children: how a failing child finds its gather.
///
/// A child holds one number, its *ticket*, rather than a reference-counted pointer to its gather and
/// its index: cloning and dropping an `Arc` in each of 10 000 children, and the 8 bytes more that each
/// task carried, cost a gather a fifth of its time on tokio (`docs/methodology.md`). A gather of `n`
/// children takes `n` consecutive tickets, and is found under the first; a child's index is its ticket
/// less that. The price moves to the rare paths: registering a gather and completing it take a global
/// lock once each, and so does a child's failure.
mod live {
    use std::any::Any;
    use std::collections::BTreeMap;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::{Arc, Mutex, PoisonError, Weak};

    use super::{GatherError, Shared};

    /// A child's ticket: its gather's first ticket plus its index. 64 bits do not run out.
    pub(super) type Ticket = u64;

    /// A live gather, under its first ticket: how many children it has, and its shared state.
    struct Entry {
        children: u64,
        shared: Weak<dyn Any + Send + Sync>,
    }

    static NEXT: AtomicU64 = AtomicU64::new(0);
    static GATHERS: Mutex<BTreeMap<Ticket, Entry>> = Mutex::new(BTreeMap::new());

    fn gathers() -> std::sync::MutexGuard<'static, BTreeMap<Ticket, Entry>> {
        GATHERS.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A gather's entry among the live ones, removed when this is dropped.
    #[derive(Debug)]
    pub(super) struct Registration(Ticket);

    impl Registration {
        /// Registers a gather of `children` children; their tickets are `first()..first() + children`.
        pub(super) fn new<E: Send + 'static>(shared: &Arc<Shared<E>>, children: usize) -> Self {
            let children = u64::try_from(children).unwrap_or(u64::MAX);
            // At least one ticket: an empty gather taking none would share its first ticket, its key
            // here, with the next gather, and removing its entry would remove that gather's.
            let first = NEXT.fetch_add(children.max(1), Ordering::Relaxed);
            let shared: Arc<dyn Any + Send + Sync> = shared.clone();
            let shared = Arc::downgrade(&shared);
            gathers().insert(first, Entry { children, shared });
            Registration(first)
        }

        /// The first child's ticket.
        pub(super) fn first(&self) -> Ticket {
            self.0
        }
    }

    impl Drop for Registration {
        fn drop(&mut self) {
            gathers().remove(&self.0);
        }
    }

    /// Reports the failure of the child holding `ticket` to its gather, if the gather is still waiting.
    /// `failure` is built from the child's index. A gather that has completed (or was dropped) no longer
    /// hears from its children, as an asyncio gather that raised no longer does.
    pub(super) fn fail<E: Send + 'static>(
        ticket: Ticket,
        failure: impl FnOnce(usize) -> GatherError<E>,
    ) {
        let found = gathers()
            .range(..=ticket)
            .next_back()
            .filter(|(first, entry)| ticket - **first < entry.children)
            .and_then(|(first, entry)| Some((ticket - first, entry.shared.upgrade()?)));
        let Some((index, shared)) = found else { return };
        if let (Ok(index), Ok(shared)) = (usize::try_from(index), shared.downcast::<Shared<E>>()) {
            shared.fail(failure(index));
        }
    }
}

/// What a gather shares with its failing children (through [`live`]): the first failure, and who to
/// wake when it happens.
struct Shared<E> {
    failed: AtomicBool,
    failure: Mutex<Option<GatherError<E>>>,
    waker: AtomicWaker,
}

impl<E> Shared<E> {
    /// Records `failure` unless another child failed first, and wakes the gather.
    fn fail(&self, failure: GatherError<E>) {
        let mut first = self.failure.lock().unwrap_or_else(PoisonError::into_inner);
        if first.is_none() {
            *first = Some(failure);
            self.failed.store(true, Ordering::Release);
        }
        drop(first);
        self.waker.wake();
    }

    /// The recorded failure, if any; a load, not a lock, while there is none.
    fn take_failure(&self) -> Option<GatherError<E>> {
        if !self.failed.load(Ordering::Acquire) {
            return None;
        }
        self.failure
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }
}

pin_project_lite::pin_project! {
    /// A future a gather was given, as its child task holds it: dropped unfinished (the child task was
    /// cancelled), it drops the future inside [`rosetta_rt::cancelling`], so that a task's handle given
    /// to the gather is cancelled even if the child never got to poll it, as asyncio's gather attaches
    /// to its tasks at once (`test_cancellation_broadcast`).
    struct Given<F> {
        // `None` once it has returned: dropped eagerly, so only an unfinished future goes the slow way.
        #[pin]
        future: Option<F>,
    }

    impl<F> PinnedDrop for Given<F> {
        fn drop(this: Pin<&mut Self>) {
            let mut future = this.project().future;
            if future.is_some() {
                rosetta_rt::cancelling(|| future.set(None));
            }
        }
    }
}

impl<F> Given<F> {
    fn new(future: F) -> Self {
        Given {
            future: Some(future),
        }
    }
}

impl<F: Future> Future for Given<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let mut future = self.project().future;
        let inner = future
            .as_mut()
            .as_pin_mut()
            .expect("a gather's child is not polled after it returned");
        let output = std::task::ready!(inner.poll(cx));
        future.set(None);
        Poll::Ready(output)
    }
}

pin_project_lite::pin_project! {
    /// The task a gather spawns for child `index`: its future's output, split by `split` into a value or a
    /// failure. A failure (or a panic) is reported to the gather as soon as it happens, and the task then
    /// yields `None`.
    ///
    /// Written by hand rather than as an `async fn`: it holds the future once (an `async fn` holds its
    /// argument and the future it awaits side by side), and so keeps the spawned task small.
    struct Child<F, S, E> {
        #[pin]
        future: Given<F>,
        split: S,
        ticket: live::Ticket,
        failure: PhantomData<fn() -> E>,
    }
}

impl<F, S, T, E: Send + 'static> Future for Child<F, S, E>
where
    F: Future,
    S: Fn(F::Output) -> Result<T, E>,
{
    type Output = Option<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let mut this = self.project();
        let poll = std::panic::catch_unwind(AssertUnwindSafe(|| this.future.as_mut().poll(cx)));
        match poll {
            Ok(Poll::Pending) => return Poll::Pending,
            Ok(Poll::Ready(output)) => match (this.split)(output) {
                Ok(value) => return Poll::Ready(Some(value)),
                Err(error) => {
                    live::fail(*this.ticket, |index| GatherError::Failed { index, error })
                }
            },
            Err(payload) => live::fail(*this.ticket, |index| GatherError::<E>::Task {
                index,
                error: JoinError::from_panic(payload),
            }),
        }
        Poll::Ready(None)
    }
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
    /// Keeps the gather findable by its failing children until it completes.
    registration: Option<live::Registration>,
}

impl<R: Runtime, T: Send + 'static, E: Send + 'static> Gather<R, T, E> {
    /// Spawns every future as a child; `split` tells a child's value from its failure.
    fn spawn<I, S>(futures: I, split: S) -> Self
    where
        I: IntoIterator,
        I::Item: Future + Send + 'static,
        S: Fn(<I::Item as Future>::Output) -> Result<T, E> + Copy + Send + 'static,
    {
        let shared = Arc::new(Shared {
            failed: AtomicBool::new(false),
            failure: Mutex::new(None),
            waker: AtomicWaker::new(),
        });
        // Counted before any child is spawned: a child may fail at once, on another thread.
        let futures: Vec<_> = futures.into_iter().collect();
        let registration = live::Registration::new(&shared, futures.len());
        let children = futures
            .into_iter()
            .zip(registration.first()..)
            .map(|(future, ticket)| {
                R::spawn(Child {
                    future: Given::new(future),
                    split,
                    ticket,
                    failure: PhantomData,
                })
            })
            .collect::<VecDeque<_>>();
        Gather {
            values: Vec::with_capacity(children.len()),
            children: Children(children),
            shared,
            registration: Some(registration),
        }
    }

    /// Completes the gather: the children left running are detached, not cancelled.
    fn finish(&mut self) {
        self.registration = None;
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
        if let Some(failure) = this.shared.take_failure() {
            this.finish();
            return Poll::Ready(Err(failure));
        }
        loop {
            let index = this.values.len();
            let Some(next) = this.children.0.front_mut() else {
                this.finish();
                return Poll::Ready(Ok(std::mem::take(&mut this.values)));
            };
            let failure = match Pin::new(next).poll(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Ok(Some(value))) => {
                    // The handle goes now, while its task is still in the cache.
                    this.values.push(value);
                    this.children.0.pop_front();
                    continue;
                }
                // The child recorded a failure before it returned: its own, or one that came first.
                Poll::Ready(Ok(None)) => this
                    .shared
                    .take_failure()
                    .expect("a failed child records the gather's failure before it completes"),
                // Only the gather could have cancelled its child, and a panic is caught in the child.
                Poll::Ready(Err(error)) => GatherError::Task { index, error },
            };
            this.finish();
            return Poll::Ready(Err(failure));
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
