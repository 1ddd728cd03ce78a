//! The smol adapter: [`Smol`] (runtime id `smol`) and [`SmolMultiThread`] (`smol-mt`).
//!
//! smol is a set of small crates rather than one runtime; this adapter assembles them, through the `smol`
//! crate's re-exports, the way smol's own docs do: an `async-executor` `Executor` for tasks, `async-io`
//! for timers and `block_on`, and the `blocking` thread pool for `spawn_blocking`.
//!
//! Per-runtime notes:
//! - **Dropping a smol `Task` cancels it.** The adapter's handle detaches on drop instead, so a task runs
//!   until done unless cancelled, as in asyncio and on every other runtime here.
//! - `Task::cancel` is async and waits for the future to be dropped; a cancelled handle awaits that.
//! - A panicking task does not unwind the executor: `async-task` keeps the panic and re-raises it in
//!   whoever awaits the task, where the adapter catches it.
//! - Timers are `async-io` timers: as precise as the OS allows (no 1 ms wheel).
//! - The blocking pool is the `blocking` crate's, shared by the whole process; its idle threads exit
//!   on their own. Closing a loop does not wait for a closure still running there: it ends later, its
//!   value dropped. A cancelled blocking handle reports `Cancelled` at once (`async-task` alone would
//!   wait for the closure to end), as on every runtime. The `async-io` reactor thread is also process-wide, started on first use.
//! - `spawn` finds the running executor through a thread-local set by `block_on`, by the `smol-mt`
//!   workers and by `spawn_blocking` closures.
#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]

mod io;
mod process;

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use rosetta_rt::{
    AsyncCancel, AsyncCancelTask, Config, Flavor, Handle, JoinHandle, Runtime, RuntimeError,
    RuntimeInfo,
};
use smol::Executor;

thread_local! {
    /// The executor of the loop running on this thread, if any.
    static CURRENT: RefCell<Option<Arc<Executor<'static>>>> = const { RefCell::new(None) };
}

/// Makes `executor` the running loop of this thread until the guard is dropped.
fn enter(executor: Arc<Executor<'static>>) -> EnterGuard {
    EnterGuard {
        previous: CURRENT.with(|current| current.replace(Some(executor))),
    }
}

/// Restores the previous running loop of the thread.
struct EnterGuard {
    previous: Option<Arc<Executor<'static>>>,
}

impl Drop for EnterGuard {
    fn drop(&mut self) {
        CURRENT.with(|current| *current.borrow_mut() = self.previous.take());
    }
}

/// Runs `f` with the running loop's executor.
///
/// # Panics
///
/// If no smol loop runs on this thread, as asyncio raises "no running event loop".
fn with_current<R>(f: impl FnOnce(&Arc<Executor<'static>>) -> R) -> R {
    CURRENT.with(|current| match current.borrow().as_ref() {
        Some(executor) => f(executor),
        None => panic!(
            "no running smol loop on this thread: spawn from inside block_on, a task or a spawn_blocking closure"
        ),
    })
}

/// An `async-task` task, as smol's executor and blocking pool return it.
#[derive(Debug)]
pub struct SmolTask<T>(smol::Task<T>);

impl<T> Future for SmolTask<T> {
    type Output = T;

    fn poll(mut self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> std::task::Poll<T> {
        Pin::new(&mut self.0).poll(cx)
    }
}

impl<T: Send + 'static> AsyncCancel<T> for SmolTask<T> {
    fn cancel_and_wait(self) -> Pin<Box<dyn Future<Output = Option<T>> + Send>> {
        Box::pin(self.0.cancel())
    }

    fn detach(self) {
        self.0.detach();
    }
}

/// What both smol flavors share: everything but how the loop is built, run and closed.
macro_rules! smol_tasks {
    () => {
        type Task<T: Send + 'static> = AsyncCancelTask<SmolTask<T>, T>;

        fn spawn<F>(future: F) -> Handle<Self, F::Output>
        where
            F: Future + Send + 'static,
            F::Output: Send + 'static,
        {
            with_current(|executor| {
                JoinHandle::new(AsyncCancelTask::new(SmolTask(executor.spawn(future))))
            })
        }

        fn spawn_blocking<F, T>(f: F) -> Handle<Self, T>
        where
            F: FnOnce() -> T + Send + 'static,
            T: Send + 'static,
        {
            // The closure sees the same running loop as its caller, so it may spawn, as on tokio.
            let executor = with_current(Arc::clone);
            let task = smol::unblock(move || {
                let _running = enter(executor);
                f()
            });
            JoinHandle::new_blocking(AsyncCancelTask::new(SmolTask(task)))
        }

        fn sleep(duration: Duration) -> impl Future<Output = ()> + Send + 'static {
            // The deadline is taken now, at the call, as tokio's `sleep` does.
            let timer = smol::Timer::after(duration);
            async move {
                timer.await;
            }
        }

        fn sleep_until(deadline: std::time::Instant) -> impl Future<Output = ()> + Send + 'static {
            let timer = smol::Timer::at(deadline);
            async move {
                timer.await;
            }
        }
    };
}

/// smol on the calling thread: `block_on` drives an `async-executor` `Executor` and every task.
#[derive(Debug)]
pub struct Smol {
    executor: Arc<Executor<'static>>,
}

impl Runtime for Smol {
    const INFO: RuntimeInfo = RuntimeInfo {
        id: "smol",
        name: "smol (calling thread)",
        runtime_crate: "smol",
        flavor: Flavor::CurrentThread,
        discontinued: None,
        notes: "dropping a smol Task cancels it (the adapter detaches); timerfd-precise timers",
        driver: "epoll (readiness)",
        model: "single thread",
    };

    smol_tasks!();

    fn create(_config: &Config) -> Result<Self, RuntimeError> {
        Ok(Smol {
            executor: Arc::new(Executor::new()),
        })
    }

    fn close(self) {
        // Dropping the last reference to the executor drops every pending task.
        drop(self.executor);
    }

    fn block_on<F: Future>(&self, future: F) -> F::Output {
        let _running = enter(Arc::clone(&self.executor));
        smol::block_on(self.executor.run(future))
    }
}

/// smol on N threads: each worker runs the same `async-executor` `Executor`; `block_on` only waits.
#[derive(Debug)]
pub struct SmolMultiThread {
    executor: Arc<Executor<'static>>,
    /// Dropping it ends every worker's `run` loop.
    stop: smol::channel::Sender<()>,
    workers: Vec<thread::JoinHandle<()>>,
}

impl Runtime for SmolMultiThread {
    const INFO: RuntimeInfo = RuntimeInfo {
        id: "smol-mt",
        name: "smol (N threads)",
        runtime_crate: "smol",
        flavor: Flavor::MultiThread,
        discontinued: None,
        notes: "async-executor run by N threads; dropping a smol Task cancels it (the adapter detaches)",
        driver: "epoll (readiness)",
        model: "shared queue",
    };

    smol_tasks!();

    fn create(config: &Config) -> Result<Self, RuntimeError> {
        let n = config.checked_workers()?;
        let executor = Arc::new(Executor::new());
        let (stop, stopped) = smol::channel::bounded::<()>(1);
        let mut runtime = SmolMultiThread {
            executor,
            stop,
            workers: Vec::with_capacity(n),
        };
        for i in 0..n {
            let executor = Arc::clone(&runtime.executor);
            let stopped = stopped.clone();
            let worker = thread::Builder::new()
                .name(format!("smol-mt-{i}"))
                .spawn(move || {
                    let _running = enter(Arc::clone(&executor));
                    // `recv` fails once the sender is dropped: that is the stop signal.
                    let _ = smol::block_on(executor.run(stopped.recv()));
                });
            match worker {
                Ok(worker) => runtime.workers.push(worker),
                Err(error) => {
                    // Stop and join the workers already started before reporting.
                    runtime.close();
                    return Err(error.into());
                }
            }
        }
        Ok(runtime)
    }

    fn close(self) {
        let SmolMultiThread {
            executor,
            stop,
            workers,
        } = self;
        drop(stop);
        for worker in workers {
            // A worker only panics if the executor itself does; there is nothing to recover then.
            let _ = worker.join();
        }
        drop(executor);
    }

    fn block_on<F: Future>(&self, future: F) -> F::Output {
        let _running = enter(Arc::clone(&self.executor));
        smol::block_on(future)
    }
}
