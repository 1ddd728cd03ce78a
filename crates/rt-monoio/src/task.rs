//! monoio tasks made cancellable and panic-safe: the guard every task runs in, the loop's list of live
//! tasks, the raw handle the trait's `JoinHandle` wraps, and the shared blocking pool.
//!
//! monoio's own task has no cancel and lets a panic unwind through the loop. Here a task's future runs
//! inside [`guarded`], which catches a panic and, once the task's [`Abort`] is set, drops the future at
//! the next poll and ends the task. [`Abort::abort`] wakes the task so that the next poll comes.

use std::any::Any;
use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::io;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::{Pin, pin};
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::task::{Context, Poll, Waker};

use monoio::blocking::{BlockingTask, DefaultThreadPool, ThreadPool};
use rosetta_rt::{JoinError, RawTask};

/// Why a task ended without its value.
enum Stopped {
    Cancelled,
    Panicked(Box<dyn Any + Send>),
}

/// What a guarded task gives its handle.
type Outcome<T> = Result<T, Stopped>;

/// A task's cancellation flag, and the waker that makes the task see it.
#[derive(Debug, Default)]
pub(crate) struct Abort {
    aborted: AtomicBool,
    waker: Mutex<Option<Waker>>,
}

impl Abort {
    /// Marks the task cancelled and wakes it, from any thread.
    pub(crate) fn abort(&self) {
        self.aborted.store(true, Ordering::SeqCst);
        let waker = self
            .waker
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    fn is_aborted(&self) -> bool {
        self.aborted.load(Ordering::SeqCst)
    }

    /// Keeps the waker of the task, once: a monoio task's waker is the same at every poll.
    fn register(&self, waker: &Waker) {
        *self.waker.lock().unwrap_or_else(PoisonError::into_inner) = Some(waker.clone());
    }
}

/// Polls `future` until it is done, it panics, or `abort` is set; in the last two cases it is dropped
/// before this returns, so before the task ends.
async fn guarded<F: Future>(future: F, abort: &Abort) -> Outcome<F::Output> {
    let mut future = pin!(future);
    let mut registered = false;
    std::future::poll_fn(move |cx| {
        if !registered {
            // Registered before the flag is read: an `abort` either is seen now or finds the waker.
            abort.register(cx.waker());
            registered = true;
        }
        if abort.is_aborted() {
            return Poll::Ready(Err(Stopped::Cancelled));
        }
        match catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(value)) => Poll::Ready(Ok(value)),
            Err(payload) => Poll::Ready(Err(Stopped::Panicked(payload))),
        }
    })
    .await
}

/// The tasks of one loop that have not ended: what `close` cancels.
#[derive(Debug, Default)]
pub(crate) struct Live {
    slots: RefCell<Slots>,
}

#[derive(Debug, Default)]
struct Slots {
    tasks: Vec<Option<Arc<Abort>>>,
    free: Vec<usize>,
}

impl Live {
    fn insert(&self, abort: Arc<Abort>) -> usize {
        let mut slots = self.slots.borrow_mut();
        match slots.free.pop() {
            Some(key) => {
                slots.tasks[key] = Some(abort);
                key
            }
            None => {
                slots.tasks.push(Some(abort));
                slots.tasks.len() - 1
            }
        }
    }

    fn remove(&self, key: usize) {
        let mut slots = self.slots.borrow_mut();
        slots.tasks[key] = None;
        slots.free.push(key);
    }

    /// The cancellation flags of the live tasks (a copy: cancelling one may end others).
    pub(crate) fn snapshot(&self) -> Vec<Arc<Abort>> {
        self.slots
            .borrow()
            .tasks
            .iter()
            .flatten()
            .cloned()
            .collect()
    }

    /// How many tasks are live.
    pub(crate) fn len(&self) -> usize {
        let slots = self.slots.borrow();
        slots.tasks.len() - slots.free.len()
    }
}

/// A task's place in its loop's [`Live`] list, given up when the task's future is dropped.
struct Registration {
    live: Rc<Live>,
    key: usize,
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.live.remove(self.key);
    }
}

thread_local! {
    /// The live list of the loop running on this thread, while its `block_on` runs.
    static CURRENT: RefCell<Option<Rc<Live>>> = const { RefCell::new(None) };
}

/// Makes `live` the running loop's list until dropped (restoring the previous one).
pub(crate) fn enter(live: &Rc<Live>) -> Entered {
    Entered(CURRENT.with(|current| current.replace(Some(Rc::clone(live)))))
}

/// The list that was current before [`enter`].
pub(crate) struct Entered(Option<Rc<Live>>);

impl Drop for Entered {
    fn drop(&mut self) {
        let previous = self.0.take();
        CURRENT.with(|current| *current.borrow_mut() = previous);
    }
}

/// Spawns `future` as a guarded monoio task on the running loop.
///
/// # Panics
///
/// Outside a monoio loop's `block_on` (a `spawn_blocking` closure's thread has none), as monoio does.
pub(crate) fn spawn<F>(future: F) -> MonoioTask<F::Output>
where
    F: Future + 'static,
    F::Output: Send + 'static,
{
    let live = CURRENT.with(|current| current.borrow().clone()).unwrap_or_else(|| {
        panic!(
            "no running monoio loop on this thread: spawn from inside block_on or a task (a spawn_blocking closure's thread has no loop)"
        )
    });
    let abort = Arc::new(Abort::default());
    let key = live.insert(Arc::clone(&abort));
    let registration = Registration { live, key };
    let flag = Arc::clone(&abort);
    let join = monoio::spawn(async move {
        let _registration = registration;
        guarded(future, &flag).await
    });
    MonoioTask {
        join: Join::Task(join),
        abort,
    }
}

/// Runs `f` on the shared blocking pool; once cancelled, a closure that has not started never does.
pub(crate) fn spawn_blocking<F, T>(f: F) -> MonoioTask<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let abort = Arc::new(Abort::default());
    let flag = Arc::clone(&abort);
    let join = monoio::spawn_blocking(move || {
        if flag.is_aborted() {
            return Err(Stopped::Cancelled);
        }
        catch_unwind(AssertUnwindSafe(f)).map_err(Stopped::Panicked)
    });
    MonoioTask {
        join: Join::Blocking(join),
        abort,
    }
}

/// How many threads the shared blocking pool runs (CPython's default executor has at most 32).
const POOL_THREADS: usize = 32;

/// The blocking pool every monoio loop of the process hands its `spawn_blocking` closures to: monoio
/// runs blocking work only on a pool attached to the runtime, and one per loop would be threads that
/// no `close` waits for, made again for every loop.
#[derive(Debug)]
pub(crate) struct SharedPool;

impl ThreadPool for SharedPool {
    fn schedule_task(&self, task: BlockingTask) {
        static POOL: OnceLock<DefaultThreadPool> = OnceLock::new();
        POOL.get_or_init(|| DefaultThreadPool::new(POOL_THREADS))
            .schedule_task(task);
    }
}

/// monoio's handle to a spawned task or to a blocking closure.
enum Join<T> {
    Task(monoio::task::JoinHandle<Outcome<T>>),
    Blocking(monoio::task::JoinHandle<Result<Outcome<T>, monoio::blocking::JoinError>>),
}

/// A monoio task's handle, with its cancellation flag: the [`RawTask`] behind the trait's `JoinHandle`.
///
/// Dropping it detaches the task (monoio's handle does).
pub struct MonoioTask<T> {
    join: Join<T>,
    abort: Arc<Abort>,
}

impl<T> fmt::Debug for MonoioTask<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MonoioTask")
            .field("blocking", &matches!(self.join, Join::Blocking(_)))
            .field("aborted", &self.abort.is_aborted())
            .finish()
    }
}

/// The trait's view of a guarded task's outcome.
fn joined<T>(outcome: Outcome<T>) -> Result<T, JoinError> {
    match outcome {
        Ok(value) => Ok(value),
        Err(Stopped::Cancelled) => Err(JoinError::Cancelled),
        Err(Stopped::Panicked(payload)) => Err(JoinError::from_panic(payload)),
    }
}

impl<T: Send + 'static> RawTask<T> for MonoioTask<T> {
    fn poll_join(&mut self, cx: &mut Context<'_>) -> Poll<Result<T, JoinError>> {
        match &mut self.join {
            Join::Task(join) => Pin::new(join).poll(cx).map(joined),
            Join::Blocking(join) => Pin::new(join).poll(cx).map(|outcome| match outcome {
                Ok(outcome) => joined(outcome),
                // The pool dropped the closure unrun.
                Err(monoio::blocking::JoinError::Canceled) => Err(JoinError::Cancelled),
            }),
        }
    }

    fn abort(&mut self) {
        self.abort.abort();
    }

    fn is_finished(&mut self) -> bool {
        match &self.join {
            Join::Task(join) => join.is_finished(),
            Join::Blocking(join) => join.is_finished(),
        }
    }
}

/// A `!Send` monoio future run as a task of its own, so that a `Send` future can await it: awaiting
/// gives its output, dropping it cancels the task (unless [`detach`](OpTask::detach)ed).
pub(crate) struct OpTask<T: Send + 'static> {
    task: Option<MonoioTask<T>>,
}

impl<T: Send + 'static> fmt::Debug for OpTask<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpTask")
            .field("done", &self.task.is_none())
            .finish()
    }
}

impl<T: Send + 'static> OpTask<T> {
    /// Starts `future` as a task on the running loop.
    pub(crate) fn new(future: impl Future<Output = T> + 'static) -> Self {
        OpTask {
            task: Some(spawn(future)),
        }
    }

    /// Lets the task run to its end without anyone waiting.
    pub(crate) fn detach(mut self) {
        // Dropping monoio's handle detaches.
        drop(self.task.take());
    }
}

impl<T: Send + 'static> Future for OpTask<T> {
    type Output = io::Result<T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<T>> {
        let Some(task) = self.task.as_mut() else {
            return Poll::Ready(Err(io::Error::other("monoio task polled after it ended")));
        };
        let outcome = std::task::ready!(task.poll_join(cx));
        self.task = None;
        Poll::Ready(outcome.map_err(|error| io::Error::other(format!("monoio I/O task: {error}"))))
    }
}

impl<T: Send + 'static> Drop for OpTask<T> {
    fn drop(&mut self) {
        if let Some(task) = self.task.as_mut()
            && !task.is_finished()
        {
            task.abort();
        }
    }
}

/// `yield_now`: `Pending` once, woken by a task spawned behind the ready ones. A task that woke itself
/// would run again at once: monoio puts a task woken during its own poll at the front of the queue.
#[derive(Debug, Default)]
pub(crate) struct YieldNow {
    yielded: bool,
}

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        let waker = cx.waker().clone();
        // Not a guarded task: it cannot panic, and ends at its first poll.
        drop(monoio::spawn(async move { waker.wake() }));
        Poll::Pending
    }
}
