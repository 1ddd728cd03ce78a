//! The runtime trait: what generic asyncio-style code needs from an async runtime, and nothing else.
//!
//! [`Runtime`] is the "event loop" of asyncio. Every scenario, toolkit piece and benchmark of this
//! workspace is written once against it, and each runtime (tokio, smol, async-std, compio, monoio) implements
//! it in a small adapter crate. The trait is statically dispatched throughout: its methods return
//! `impl Future` or associated types, so generic code compiles to the same machine code as code written
//! against the runtime directly, and a benchmark can show that the abstraction costs nothing.
//!
//! This crate depends on no other crate of ours, and on one of anyone's: `futures-io`, whose
//! `AsyncRead`/`AsyncWrite` the [`Io`] trait's streams speak.
//!
//! # Examples
//!
//! Generic code names the runtime as a type parameter, the way asyncio code names the running loop:
//!
//! ```
//! use std::time::Duration;
//! use rosetta_rt::{JoinError, Runtime};
//!
//! /// `asyncio.gather(count(), count())`, generic over the runtime.
//! async fn two_counts<R: Runtime>() -> Result<(u32, u32), JoinError> {
//!     let a = R::spawn(async {
//!         R::sleep(Duration::from_millis(10)).await;
//!         1
//!     });
//!     let b = R::spawn(async { 2 });
//!     Ok((a.await?, b.await?))
//! }
//! # fn main() {}
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]

mod handle;
mod info;
pub mod io;
mod percore;
pub mod process;

use std::future::Future;
use std::time::{Duration, Instant};

pub use handle::{
    AsyncCancel, AsyncCancelTask, JoinError, JoinHandle, RawTask, cancelling, panic_message,
};
pub use info::{Config, FORCE_NO_IO_URING, Flavor, RuntimeError, RuntimeInfo};
pub use io::{AsyncRead, AsyncWrite, Io};
pub use percore::PerCoreBase;
pub use process::{Pipes, Process, Redirect, Spawned};

/// The handle type that [`Runtime::spawn`] and [`Runtime::spawn_blocking`] return on runtime `R`.
pub type Handle<R, T> = JoinHandle<T, <R as Runtime>::Task<T>>;

/// An async runtime seen as an asyncio event loop.
///
/// # Required and provided methods
///
/// Required are only the six operations that really differ from one runtime to the next:
/// [`create`](Runtime::create), [`close`](Runtime::close), [`block_on`](Runtime::block_on),
/// [`spawn`](Runtime::spawn), [`spawn_blocking`](Runtime::spawn_blocking) and
/// [`sleep`](Runtime::sleep), plus the [`INFO`](Runtime::INFO) constant and the raw
/// [`Task`](Runtime::Task) type. Everything else ([`yield_now`](Runtime::yield_now),
/// [`sleep_until`](Runtime::sleep_until), [`worker_threads`](Runtime::worker_threads), and the whole of
/// [`JoinHandle`]: awaiting, cancelling, detaching) is provided once, here, so that every runtime gets the
/// same semantics from the same code.
///
/// # Semantic promises
///
/// Every implementation keeps these promises; the conformance suite (`crates/runtimes/tests`) checks each
/// of them on every runtime:
///
/// - **Loop lifetime.** [`create`](Runtime::create) builds the loop from a [`Config`];
///   [`close`](Runtime::close) shuts it down and returns only once every thread the runtime started has
///   exited (a process-wide blocking pool is no loop's to join: see [`close`](Runtime::close)). Tasks
///   still pending at close are dropped, without being polled again. Both steps can be called, and
///   timed, on their own. A [`Flavor::Global`] runtime (async-std) has one process-wide loop:
///   for it create and close are no-ops and close drops nothing, which its [`RuntimeInfo`] says.
/// - **Running loop.** [`spawn`](Runtime::spawn), [`spawn_blocking`](Runtime::spawn_blocking),
///   [`sleep`](Runtime::sleep) and [`yield_now`](Runtime::yield_now) act on the *running* loop: call them
///   from inside [`block_on`](Runtime::block_on), a spawned task, or a `spawn_blocking` closure. Called
///   elsewhere they may panic, as asyncio raises `RuntimeError: no running event loop`.
/// - **Tasks.** A spawned task starts running without being awaited. Awaiting its [`JoinHandle`] gives
///   `Ok(value)`, or `Err(JoinError::Panicked(message))` if it panicked; a panic never takes the loop
///   down, and other tasks keep running. Values come back per handle, so awaiting handles in spawn order
///   returns values in spawn order whatever order the tasks finished in.
/// - **Dropping a handle detaches the task, unless it is being awaited**: a handle dropped before it was
///   ever polled, or after its task finished, lets the task run until done (asyncio's "a created task
///   runs until it is done or cancelled"); adapters whose native handle cancels on drop (smol) detach
///   explicitly. A handle dropped **while it is being awaited** (polled, and the task not yet finished)
///   cancels its task: a task is cancelled by dropping its future, so cancelling a task cancels the task
///   it awaits, as asyncio's `Task.cancel()` cancels the future its task waits on.
///   [`JoinHandle::detach`] lets go without cancelling; [`cancelling`] makes every handle dropped inside
///   it cancel, awaited or not (what a gather does with the tasks it was given). See [`JoinHandle`].
/// - **Cancelling** through [`JoinHandle::cancel`] and awaiting gives `Err(JoinError::Cancelled)` once the
///   task's future has been dropped, or `Ok(value)` if the task had already finished: a finished task keeps
///   its result, as in asyncio. A cancel that lands *while* the task's last poll is running on another
///   thread is a race either answer may win: tokio keeps the output, async-task (smol, async-std) drops it
///   and reports `Cancelled`.
/// - **Blocking work** passed to [`spawn_blocking`](Runtime::spawn_blocking) runs on another thread, and
///   the loop keeps running other tasks meanwhile. A closure that has started cannot be interrupted, so
///   cancelling its handle gives `Err(JoinError::Cancelled)` **at once**, as cancelling asyncio's
///   `run_in_executor` future does: a closure not yet started never runs, one that runs finishes in the
///   background and its value is dropped, one that has finished keeps its result (`Ok`).
/// - **Time.** [`sleep`](Runtime::sleep)`(d)` never completes before `d` has elapsed; how late it
///   completes is the runtime's timer resolution (tokio's timer wheel has 1 ms slots; async-io's timers
///   are as precise as the OS allows). Concurrent sleeps overlap.
/// - **Yielding.** [`yield_now`](Runtime::yield_now) returns `Pending` once and reschedules the caller
///   behind the tasks already ready on its worker, as `await asyncio.sleep(0)` does.
///
/// # The thread-per-core flavor's promises
///
/// A [`Flavor::ThreadPerCore`] runtime (`compio-tpc`: the generic flavor of `rosetta-percore` over a
/// current-thread base runtime that implements [`PerCoreBase`]) keeps every promise above, and these:
///
/// - **Workers.** [`create`](Runtime::create) starts N worker threads (N from [`Config`], default the
///   machine's parallelism; zero is [`RuntimeError::InvalidConfig`]), each running a base runtime of
///   its own, with its own io_uring ring. If a worker's base runtime cannot be created, `create`
///   returns that error (`Unavailable` where io_uring is refused) and leaves no thread behind.
/// - **Placement.** [`spawn`](Runtime::spawn) places each new task on the next worker in turn
///   (round-robin, as compio's `Dispatcher` does), from whichever thread it is called. A placed task
///   never moves: every poll of it, and its drop, happen on its worker's thread, inside that worker's
///   base runtime, so the base runtime's `!Send` timers and operations started by the task work there.
///   There is no work stealing: a busy worker's ready tasks wait for it.
/// - **`block_on`** runs its future on the calling thread, in a base runtime of its own (so that I/O
///   and timers inside it work there); that thread is not a worker, and no spawned task runs on it.
/// - **Yielding** ([`yield_now`](Runtime::yield_now)) lets the ready tasks *of the caller's worker*
///   run before it resumes; tasks on other workers run in parallel anyway.
/// - **Blocking work** runs on the base runtime's blocking pool; a closure carries the flavor's
///   context, so [`spawn`](Runtime::spawn) and [`spawn_blocking`](Runtime::spawn_blocking) work inside it.
/// - **Closing** stops every worker, then drops each pending task on its own worker thread, inside its
///   base runtime (a base runtime's future dropped off its thread, or outside its runtime, may panic),
///   then closes each base runtime and joins every worker thread. A blocking closure still running
///   after close that calls `spawn` panics ("the thread-per-core loop is closed"), as asyncio's
///   `create_task` on a closed loop raises.
/// - **I/O and subprocesses** are the base runtime's ([`Io`], [`Process`]); each operation goes to the
///   ring of the thread that runs it, so a stream accepted on one worker can be used from a task placed
///   on another.
pub trait Runtime: Sized + 'static {
    /// What this runtime is: its id, name, crate and flavor.
    const INFO: RuntimeInfo;

    /// The runtime's own task handle, wrapped by [`JoinHandle`].
    type Task<T: Send + 'static>: RawTask<T>;

    /// Creates the loop (asyncio's `new_event_loop`). Required.
    ///
    /// Multi-thread and thread-per-core flavors start their worker threads here.
    ///
    /// # Errors
    ///
    /// [`RuntimeError::InvalidConfig`] if the config does not fit this runtime (zero workers), and
    /// [`RuntimeError::Io`] if the OS refuses a resource (threads, epoll, timers).
    fn create(config: &Config) -> Result<Self, RuntimeError>;

    /// Closes the loop (asyncio's `loop.close()`). Required.
    ///
    /// Returns once every thread the runtime started has exited; pending tasks are dropped. A blocking
    /// closure that is still running cannot be interrupted: a runtime with a blocking pool of its own
    /// (tokio) waits for it; one that uses a process-wide pool (smol, async-std: the `blocking` crate's)
    /// returns without waiting, and the closure ends there later, its value dropped.
    fn close(self);

    /// Runs `future` to completion on this loop (asyncio's `run_until_complete`). Required.
    ///
    /// On current-thread flavors the calling thread drives the loop; on multi-thread flavors it only
    /// waits, and spawned tasks run on the workers. On the thread-per-core flavor the calling thread runs
    /// `future` in a base runtime of its own, and spawned tasks run on the workers.
    fn block_on<F: Future>(&self, future: F) -> F::Output;

    /// Starts `future` as a task on the running loop (asyncio's `create_task`). Required.
    fn spawn<F>(future: F) -> Handle<Self, F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static;

    /// Runs `f` on the runtime's blocking pool (asyncio's `run_in_executor(None, f)`). Required.
    fn spawn_blocking<F, T>(f: F) -> Handle<Self, T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static;

    /// Waits for `duration` without blocking the loop (asyncio's `sleep`). Required.
    fn sleep(duration: Duration) -> impl Future<Output = ()> + Send + 'static;

    /// Waits until `deadline` without blocking the loop (asyncio's `call_at` clock). Provided.
    fn sleep_until(deadline: Instant) -> impl Future<Output = ()> + Send + 'static {
        Self::sleep(deadline.saturating_duration_since(Instant::now()))
    }

    /// Lets the other ready tasks run before the caller resumes (`await asyncio.sleep(0)`). Provided.
    ///
    /// The default returns `Pending` once after waking the caller, which puts it at the back of the run
    /// queue. A runtime whose scheduler would run a self-woken task again at once (tokio's LIFO slot)
    /// overrides it with its own.
    fn yield_now() -> impl Future<Output = ()> + Send + 'static {
        handle::YieldNow::default()
    }

    /// How many worker threads this runtime runs tasks on, for `config`. Provided.
    ///
    /// One for current-thread flavors; the configured count, or the machine's parallelism, for
    /// multi-thread and thread-per-core ones. Global runtimes override it with what their global pool uses.
    fn worker_threads(config: &Config) -> usize {
        match Self::INFO.flavor {
            Flavor::CurrentThread => 1,
            Flavor::MultiThread | Flavor::ThreadPerCore | Flavor::Global => {
                config.workers_or_default()
            }
        }
    }
}
