//! The thread-per-core flavor: [`PerCore<B>`], N worker threads each running a current-thread
//! base runtime `B` of its own (runtime id `compio-tpc` over compio), generic over the base.
//!
//! This is the model compio's `Dispatcher` and monoio's per-core runtimes are built for: one runtime,
//! with its own io_uring ring, per thread, and tasks that never leave their thread. The flavor adds
//! only what the trait needs on top of N such runtimes: a `spawn` that can be called from anywhere and
//! places each task on the next worker in turn, and a `close` that joins them all.
//!
//! - **Tasks** are `async-task` tasks whose schedule function pushes them to their worker's queue
//!   (lock-free) and wakes the worker's driver: a task of the base runtime that runs the queue in
//!   batches, yielding to the base runtime between batches so that its timers and I/O completions run.
//!   A placed task never moves; there is no work stealing.
//! - **`block_on`** runs its future on the calling thread in a base runtime of its own, so that timers
//!   and I/O inside it work. It cannot run on a worker: its future need not be `Send`. That thread is
//!   not a worker (tasks spawned from it go to the workers), so a task placed on a worker keeps running
//!   between two `block_on` calls, as on the multi-thread flavors.
//! - **Time, blocking work, I/O and subprocesses** are the base runtime's, called on the thread that
//!   runs the task. Blocking closures carry the flavor's context, so that `spawn` and `spawn_blocking`
//!   work inside them, which plain compio cannot offer (its spawn needs the thread's compio runtime).
//! - **Closing** stops every worker, then each drops its own tasks on its own thread, inside its base
//!   runtime, then closes that runtime; `close` returns once every worker has exited. A base runtime's
//!   blocking pool is the base's own: as on plain compio, a closure still running is not waited for.
//!   Such a closure's `spawn` after close panics ("the thread-per-core loop is closed"), as asyncio's
//!   `create_task` on a closed loop raises; one racing the close is dropped unpolled.
//!
//! A base runtime takes part by implementing [`PerCoreBase`], one constant: the flavor's
//! [`RuntimeInfo`]. The registry then names `PerCore<Base>`.
#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]

mod io;
mod scheduler;
mod task;

pub use task::{BaseBlocking, PerCoreTask, PlacedTask};

use std::fmt;
use std::future::Future;
use std::sync::{Arc, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use rosetta_rt::{
    AsyncCancelTask, Config, Handle, JoinError, JoinHandle, PerCoreBase, Runtime, RuntimeError,
    RuntimeInfo,
};

use scheduler::{Current, Shared, enter, with_current};

/// The thread-per-core flavor over the base runtime `B`: N workers, each a `B` on a thread of its own.
///
/// # Examples
///
/// ```
/// use rosetta_percore::PerCore;
/// use rosetta_rt::{Config, PerCoreBase, Runtime};
///
/// /// Two tasks on two workers, each reporting the thread it ran on: never the caller's.
/// fn two_threads<B: PerCoreBase>() -> bool {
///     let rt = PerCore::<B>::create(&Config::with_workers(2)).expect("io_uring is permitted");
///     let caller = std::thread::current().id();
///     let (a, b) = rt.block_on(async {
///         let a = PerCore::<B>::spawn(async { std::thread::current().id() });
///         let b = PerCore::<B>::spawn(async { std::thread::current().id() });
///         (a.await.expect("no panic"), b.await.expect("no panic"))
///     });
///     rt.close();
///     a != b && a != caller && b != caller
/// }
/// # fn main() {}
/// ```
pub struct PerCore<B: PerCoreBase> {
    shared: Arc<Shared>,
    workers: Vec<thread::JoinHandle<()>>,
    /// The calling thread's own base runtime, which `block_on` runs in.
    base: B,
}

impl<B: PerCoreBase + fmt::Debug> fmt::Debug for PerCore<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PerCore")
            .field("workers", &self.workers.len())
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

/// A worker thread: creates its base runtime, says whether it could, and once told to go runs the
/// driver in it until the loop closes.
fn worker<B: PerCoreBase>(
    shared: Arc<Shared>,
    index: usize,
    ready: mpsc::Sender<Result<(), RuntimeError>>,
    go: mpsc::Receiver<bool>,
) {
    let base = match B::create(&Config::default()) {
        Ok(base) => base,
        Err(error) => {
            let _ = ready.send(Err(error));
            return;
        }
    };
    let _ = ready.send(Ok(()));
    drop(ready);
    if go.recv() != Ok(true) {
        // Another worker could not start: the loop is not created.
        base.close();
        return;
    }
    {
        let _context = enter(Current {
            shared: Arc::clone(&shared),
            base_here: true,
        });
        base.block_on(async move {
            // The driver is a task of the base runtime, beside the base's own tasks: a wake from this
            // thread is the base's cheap local wake.
            let _ = B::spawn(scheduler::drive::<B>(shared, index)).await;
        });
    }
    base.close();
}

impl<B: PerCoreBase> Runtime for PerCore<B> {
    const INFO: RuntimeInfo = B::PER_CORE;

    type Task<T: Send + 'static> = PerCoreTask<T, B::Task<T>>;

    fn create(config: &Config) -> Result<Self, RuntimeError> {
        let n = config.checked_workers()?;
        let base = B::create(&Config::default())?;
        let shared = Arc::new(Shared::new(n));
        let (ready, readiness) = mpsc::channel();
        let mut workers = Vec::with_capacity(n);
        let mut gos = Vec::with_capacity(n);
        let mut failure = None;
        for index in 0..n {
            let (go, told) = mpsc::channel();
            let spawned = thread::Builder::new()
                .name(format!("rosetta-tpc-{index}"))
                .spawn({
                    let (shared, ready) = (Arc::clone(&shared), ready.clone());
                    move || worker::<B>(shared, index, ready, told)
                });
            match spawned {
                Ok(handle) => {
                    workers.push(handle);
                    gos.push(go);
                }
                Err(error) => {
                    failure = Some(RuntimeError::Io(error));
                    break;
                }
            }
        }
        drop(ready);
        for _ in 0..workers.len() {
            match readiness.recv() {
                Ok(Ok(())) => {}
                Ok(Err(error)) => {
                    failure.get_or_insert(error);
                }
                Err(_) => {
                    failure.get_or_insert(RuntimeError::Io(std::io::Error::other(
                        "a worker thread ended before its runtime was created",
                    )));
                    break;
                }
            }
        }
        let go = failure.is_none();
        for told in &gos {
            let _ = told.send(go);
        }
        if let Some(error) = failure {
            for worker in workers {
                let _ = worker.join();
            }
            base.close();
            return Err(error);
        }
        Ok(PerCore {
            shared,
            workers,
            base,
        })
    }

    fn close(self) {
        let PerCore {
            shared,
            workers,
            base,
        } = self;
        shared.stop();
        for worker in workers {
            // A worker's driver keeps every panic of a task to itself; there is nothing to recover here.
            let _ = worker.join();
        }
        base.close();
    }

    fn block_on<F: Future>(&self, future: F) -> F::Output {
        let _context = enter(Current {
            shared: Arc::clone(&self.shared),
            base_here: true,
        });
        self.base.block_on(future)
    }

    fn spawn<F>(future: F) -> Handle<Self, F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let task = with_current(|current| current.shared.spawn(future));
        JoinHandle::new(PerCoreTask::Placed(AsyncCancelTask::new(PlacedTask(task))))
    }

    fn spawn_blocking<F, T>(f: F) -> Handle<Self, T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let (shared, base_here) =
            with_current(|current| (Arc::clone(&current.shared), current.base_here));
        // The closure sees the same loop as its caller, so it may spawn.
        let closure = {
            let shared = Arc::clone(&shared);
            move || {
                let _context = enter(Current {
                    shared,
                    base_here: false,
                });
                f()
            }
        };
        let raw = if base_here {
            PerCoreTask::Blocking(BaseBlocking::new(B::spawn_blocking(closure)))
        } else {
            // A blocking closure's thread has no base runtime to start another: a worker starts it.
            // Cancelling the relay drops the base's handle while awaited, which cancels the closure.
            let relay = shared.spawn(async move {
                match B::spawn_blocking(closure).await {
                    Ok(value) => value,
                    Err(JoinError::Panicked(message)) => {
                        std::panic::resume_unwind(Box::new(message))
                    }
                    Err(JoinError::Cancelled) => std::panic::resume_unwind(Box::new(
                        "the base runtime cancelled the blocking closure".to_owned(),
                    )),
                }
            });
            PerCoreTask::Placed(AsyncCancelTask::new(PlacedTask(relay)))
        };
        JoinHandle::new_blocking(raw)
    }

    fn sleep(duration: Duration) -> impl Future<Output = ()> + Send + 'static {
        B::sleep(duration)
    }

    fn sleep_until(deadline: Instant) -> impl Future<Output = ()> + Send + 'static {
        B::sleep_until(deadline)
    }

    fn yield_now() -> impl Future<Output = ()> + Send + 'static {
        // A placed task yields to its worker's queue: woken at once, it goes behind the tasks already
        // queued there. Anywhere else (`block_on`'s future) the base runtime's own yield is the one that
        // lets its tasks and its ring run: monoio, for one, polls a self-woken `block_on` future again
        // before it looks at its ring, so a loop of plain yields there would never see a completion.
        let in_task = scheduler::in_placed_task();
        async move {
            if in_task {
                let mut yielded = false;
                std::future::poll_fn(|cx| {
                    if yielded {
                        std::task::Poll::Ready(())
                    } else {
                        yielded = true;
                        cx.waker().wake_by_ref();
                        std::task::Poll::Pending
                    }
                })
                .await;
            } else {
                B::yield_now().await;
            }
        }
    }
}
