//! The flavor's scheduler: one queue of runnable tasks per worker, the round-robin placement, the
//! driver each worker's base runtime runs, and the two-step close that drops every task on its worker.
//!
//! A task is an `async-task` task whose schedule function pushes it to its worker's queue, a
//! lock-free `ConcurrentQueue`, and wakes the worker's driver through an `AtomicWaker`: a wake costs
//! the push and, when the driver sleeps, one wake of the base runtime's task. No lock, no box per poll.
//!
//! Every task that has been polled is also in its worker's registry of live tasks (a thread-local
//! slab of wakers, touched only on the worker's thread: on a task's first poll and its drop), so that
//! closing can reach a task nobody holds a waker of, and drop it there.

use std::cell::RefCell;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::task::{Poll, Waker};

use async_task::Runnable;
use atomic_waker::AtomicWaker;
use concurrent_queue::ConcurrentQueue;
use rosetta_rt::Runtime;
use slab::Slab;

/// How many tasks a driver runs before it yields to its base runtime, so that the base runtime's own
/// tasks (timers, I/O completions) run between batches. compio's executor runs 61 between polls of its
/// ring; this is of the same order.
const BATCH: usize = 64;

thread_local! {
    /// The thread-per-core loop this thread belongs to: set on its workers, in `block_on`, and in its
    /// blocking closures.
    static CURRENT: RefCell<Option<Current>> = const { RefCell::new(None) };

    /// The live tasks of the worker running on this thread: a waker of each task polled at least once.
    static ACTIVE: RefCell<Slab<Waker>> = const { RefCell::new(Slab::new()) };
    /// Whether this thread is running one of the loop's placed tasks (inside its driver's batch).
    static IN_TASK: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// The loop of the calling thread, and whether a base runtime runs on the thread.
#[derive(Debug, Clone)]
pub(crate) struct Current {
    pub(crate) shared: Arc<Shared>,
    /// True on workers and in `block_on`; false in blocking closures, whose thread has none.
    pub(crate) base_here: bool,
}

/// Makes `current` the loop of this thread until the guard is dropped.
pub(crate) fn enter(current: Current) -> EnterGuard {
    EnterGuard {
        previous: CURRENT.with(|slot| slot.replace(Some(current))),
    }
}

/// Restores the previous loop of the thread.
#[derive(Debug)]
pub(crate) struct EnterGuard {
    previous: Option<Current>,
}

impl Drop for EnterGuard {
    fn drop(&mut self) {
        let previous = self.previous.take();
        let _ = CURRENT.try_with(|slot| *slot.borrow_mut() = previous);
    }
}

/// Whether the caller is a task placed on a worker (not `block_on`'s future, not a blocking closure).
pub(crate) fn in_placed_task() -> bool {
    IN_TASK.try_with(std::cell::Cell::get).unwrap_or(false)
}

/// Runs `f` with the loop of this thread.
///
/// # Panics
///
/// If no thread-per-core loop runs on this thread, as asyncio raises "no running event loop".
pub(crate) fn with_current<T>(f: impl FnOnce(&Current) -> T) -> T {
    CURRENT.with(|slot| match slot.borrow().as_ref() {
        Some(current) => f(current),
        None => panic!(
            "no running thread-per-core loop on this thread: spawn from inside block_on, a task or a spawn_blocking closure"
        ),
    })
}

/// One worker: its queue of runnable tasks and the waker of its driver.
#[derive(Debug)]
struct Worker {
    queue: ConcurrentQueue<Runnable>,
    driver: AtomicWaker,
    stopping: AtomicBool,
}

impl Worker {
    /// Queues `runnable` on this worker and wakes its driver. Once the worker has closed, the task is
    /// dropped here instead: it was spawned after close, and never polled.
    fn schedule(&self, runnable: Runnable) {
        if let Err(refused) = self.queue.push(runnable) {
            drop(refused.into_inner());
        }
        self.driver.wake();
    }
}

/// What every thread of one loop shares: the workers, the round-robin counter, the close's steps.
#[derive(Debug)]
pub(crate) struct Shared {
    workers: Box<[Worker]>,
    next: AtomicUsize,
    /// Set by close: spawning is refused from then on.
    closed: AtomicBool,
    /// Every worker has stopped running tasks: each may now drop its own.
    stopped: Barrier,
    /// Every worker has dropped its tasks: each may now close its base runtime.
    dropped: Barrier,
}

impl Shared {
    /// The state of a loop of `workers` workers.
    pub(crate) fn new(workers: usize) -> Self {
        Shared {
            workers: (0..workers)
                .map(|_| Worker {
                    queue: ConcurrentQueue::unbounded(),
                    driver: AtomicWaker::new(),
                    stopping: AtomicBool::new(false),
                })
                .collect(),
            next: AtomicUsize::new(0),
            closed: AtomicBool::new(false),
            stopped: Barrier::new(workers),
            dropped: Barrier::new(workers),
        }
    }

    /// Places `future` on the next worker in turn and queues it there.
    ///
    /// # Panics
    ///
    /// If the loop has been closed (a blocking closure still running after close), as asyncio's
    /// `create_task` raises "Event loop is closed".
    pub(crate) fn spawn<F>(self: &Arc<Self>, future: F) -> async_task::Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        assert!(
            !self.closed.load(Ordering::Acquire),
            "the thread-per-core loop is closed: nothing can be spawned on it"
        );
        let index = self.next.fetch_add(1, Ordering::Relaxed) % self.workers.len();
        let shared = Arc::clone(self);
        let (runnable, task) = async_task::Builder::new()
            // A panic is kept for whoever awaits the task, which turns it into `JoinError::Panicked`.
            .propagate_panic(true)
            .spawn(
                move |_| tracked(future),
                move |runnable| shared.workers[index].schedule(runnable),
            );
        runnable.schedule();
        task
    }

    /// Asks every worker to stop; [`drive`] then runs the close's steps on each.
    pub(crate) fn stop(&self) {
        self.closed.store(true, Ordering::Release);
        for worker in &self.workers {
            worker.stopping.store(true, Ordering::Release);
            worker.driver.wake();
        }
    }
}

/// `future`, registered in its worker's registry of live tasks from its first poll until it is dropped.
async fn tracked<F: Future>(future: F) -> F::Output {
    let _registered = std::future::poll_fn(|cx| Poll::Ready(Registered::new(cx.waker()))).await;
    future.await
}

/// A task's entry in the registry of the worker it runs on.
struct Registered(usize);

impl Registered {
    fn new(waker: &Waker) -> Self {
        Registered(ACTIVE.with(|active| active.borrow_mut().insert(waker.clone())))
    }
}

impl Drop for Registered {
    fn drop(&mut self) {
        // At close the registry has been emptied before the tasks are dropped: nothing to remove then.
        let _ = ACTIVE.try_with(|active| {
            if let Ok(mut active) = active.try_borrow_mut() {
                active.try_remove(self.0);
            }
        });
    }
}

/// Runs `f`, keeping a panic from unwinding into the driver: a panic there would leave the other
/// workers waiting at a step of the close.
fn quietly(f: impl FnOnce()) {
    let _ = catch_unwind(AssertUnwindSafe(f));
}

/// The driver of worker `index`, run as a task of the worker's base runtime `B`: runs the worker's
/// tasks in batches until the loop closes, then drops them there.
pub(crate) async fn drive<B: Runtime>(shared: Arc<Shared>, index: usize) {
    let worker = &shared.workers[index];
    loop {
        let mut ran = 0;
        while ran < BATCH {
            let Ok(runnable) = worker.queue.pop() else {
                break;
            };
            // `run` keeps a task's panic for its handle; a panic in a task's drop stops here.
            IN_TASK.with(|flag| flag.set(true));
            quietly(|| {
                runnable.run();
            });
            IN_TASK.with(|flag| flag.set(false));
            ran += 1;
        }
        if worker.stopping.load(Ordering::Acquire) {
            break;
        }
        if ran == BATCH {
            // More may be ready: let the base runtime run its own tasks and poll its ring first.
            B::yield_now().await;
            continue;
        }
        std::future::poll_fn(|cx| {
            worker.driver.register(cx.waker());
            if worker.queue.is_empty() && !worker.stopping.load(Ordering::Acquire) {
                Poll::Pending
            } else {
                Poll::Ready(())
            }
        })
        .await;
    }
    // Close, step one: once no worker runs tasks, no task can wake or spawn another mid-poll.
    shared.stopped.wait();
    drop_tasks(worker);
    // Step two: every task of every worker is gone before any base runtime closes, so no task's drop
    // reaches a closed runtime. What arrives now was spawned by a drop; the closed queue refuses more.
    shared.dropped.wait();
    worker.queue.close();
    while let Ok(runnable) = worker.queue.pop() {
        quietly(|| drop(runnable));
    }
}

/// Drops every task of this thread's worker, here: those queued, and those waiting to be woken, which
/// are woken (into the queue) so that their `Runnable` can be dropped.
fn drop_tasks(worker: &Worker) {
    loop {
        let waiting = ACTIVE.with(|active| std::mem::take(&mut *active.borrow_mut()));
        let mut any = !waiting.is_empty();
        for (_, waker) in waiting {
            waker.wake();
        }
        while let Ok(runnable) = worker.queue.pop() {
            any = true;
            // Dropping a `Runnable` drops its task's future.
            quietly(|| drop(runnable));
        }
        if !any {
            return;
        }
    }
}
