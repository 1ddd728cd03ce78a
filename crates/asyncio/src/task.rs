//! `asyncio.create_task`, `run_in_executor` and `to_thread`: tasks on the running loop, and blocking work
//! beside it.
//!
//! ```python
//! task = asyncio.create_task(say_after(1, "hello"))
//! value = await task              # the result, or the task's exception re-raised
//! task.cancel(); await task       # CancelledError
//! await loop.run_in_executor(None, time.sleep, 5)
//! ```
//!
//! A [`Task`] is the runtime's [`JoinHandle`](rosetta_rt::JoinHandle):
//! - awaiting it gives `Ok(value)`; a panic in the task comes back as `Err(JoinError::Panicked)`, and a
//!   task whose future returns `Result` gives its `Err` inside `Ok`, as asyncio re-raises the exception;
//! - [`cancel`](rosetta_rt::JoinHandle::cancel) then await gives `Err(JoinError::Cancelled)`, once the
//!   task's future has been dropped; cancelling a task that has already finished keeps its result
//!   (`test_cancel*`);
//! - **cancelling a task cancels the task it awaits**, as asyncio's `Task.cancel()` cancels the future
//!   the task waits on: a handle dropped while it is being awaited (directly, through a
//!   [`gather`](fn@crate::gather) or a [`wait_for`](fn@crate::wait_for)) cancels its task
//!   (`test_cancel_awaited_task`, `test_cancellation_broadcast`, `test_wait_for`). [`shield`](fn@crate::shield)
//!   is the way out;
//! - dropping a handle that is not being awaited leaves the task running ("a created task runs until it
//!   is done"), and so does [`detach`](rosetta_rt::JoinHandle::detach).
//!
//! [`run_in_executor`] gives a `Task` too. Its closure cannot be interrupted once started, so cancelling
//! it gives `Err(JoinError::Cancelled)` **at once**, as cancelling asyncio's `run_in_executor` future
//! does: a closure not yet started never runs, one that runs finishes in the background and its value is
//! dropped; one that has finished keeps its result (`test_run_in_executor_cancel`).
//!
//! # Examples
//!
//! ```
//! use std::time::Duration;
//! use rosetta_asyncio::{Runtime, create_task, run_in_executor};
//!
//! async fn demo<R: Runtime>() -> (&'static str, u64) {
//!     let hello = create_task::<R, _>(async {
//!         R::sleep(Duration::from_millis(5)).await;
//!         "hello"
//!     });
//!     let blocking = run_in_executor::<R, _, _>(|| {
//!         std::thread::sleep(Duration::from_millis(5));
//!         5
//!     });
//!     (hello.await.unwrap(), blocking.await.unwrap())
//! }
//! # use rosetta_runtimes::rosetta_async_std::AsyncStd as Rt;
//! # let rt = Rt::create(&Default::default()).unwrap();
//! assert_eq!(rt.block_on(demo::<Rt>()), ("hello", 5));
//! # rt.close();
//! ```
//!
//! # Per-runtime notes
//!
//! - `tokio`, `tokio-mt` and `async-std` handles detach on drop natively; smol's would cancel, and the
//!   adapter detaches instead.
//! - `run_in_executor` uses the runtime's blocking pool: one per tokio runtime, so closing a tokio loop
//!   waits for a closure still running; for smol and async-std the process-wide `blocking` pool, which
//!   closing the loop does not wait for (the closure ends there later, its value dropped). A cancelled
//!   closure gives `Cancelled` at once on every runtime.

use std::future::Future;

use rosetta_rt::{Handle, Runtime};

/// A task on runtime `R` with output `T` (asyncio's `Task`).
pub type Task<R, T> = Handle<R, T>;

/// Starts `future` as a task on the running loop (`asyncio.create_task`).
pub fn create_task<R, F>(future: F) -> Task<R, F::Output>
where
    R: Runtime,
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    R::spawn(future)
}

/// Runs the blocking closure `f` on the runtime's blocking pool (`loop.run_in_executor(None, f)`); the
/// loop keeps running other tasks meanwhile.
///
/// [`to_thread`] is the same under `asyncio.to_thread`'s name.
pub fn run_in_executor<R, F, T>(f: F) -> Task<R, T>
where
    R: Runtime,
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    R::spawn_blocking(f)
}

/// Runs the blocking closure `f` in a thread beside the loop (`asyncio.to_thread(f)`).
///
/// [`run_in_executor`] under asyncio 3.9's newer name: the same pool, the same cancellation
/// (`Cancelled` at once, the closure finishing in the background). CPython's `to_thread` also copies
/// the caller's `contextvars`; Rust has no ambient context to copy: move what `f` needs into it.
pub fn to_thread<R, F, T>(f: F) -> Task<R, T>
where
    R: Runtime,
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    run_in_executor::<R, F, T>(f)
}
