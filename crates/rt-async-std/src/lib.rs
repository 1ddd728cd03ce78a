//! The async-std adapter: [`AsyncStd`] (runtime id `async-std`). **async-std is discontinued** (2025):
//! its README points users to smol, and it is kept here so that code being moved off it can be compared.
//!
//! Per-runtime notes:
//! - async-std has **one global runtime**, started on first use and never shut down. Creating and closing
//!   an [`AsyncStd`] loop are no-ops, and closing drops no task: a task left pending keeps its place in
//!   the global executor.
//! - Underneath it is smol's machinery (`async-global-executor` over `async-executor`, timers from
//!   `async-io`, the `blocking` pool), so its behaviour and its numbers are close to smol's.
//! - Its `JoinHandle` detaches on drop; `cancel` is async and waits for the task to stop. A blocking
//!   closure's handle reports `Cancelled` at once, as on every runtime; the closure runs on in the
//!   process-wide `blocking` pool, which closing (a no-op) does not wait for.
//! - The global executor runs `ASYNC_STD_THREAD_COUNT` threads (default: one per CPU); the count cannot be
//!   chosen per loop.
#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]

mod io;
mod process;

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

pub use io::AsyncStdStream;

use rosetta_rt::{
    AsyncCancel, AsyncCancelTask, Config, Flavor, Handle, JoinHandle, Runtime, RuntimeError,
    RuntimeInfo,
};

/// async-std's global runtime, seen as a loop. Discontinued upstream; see the crate docs.
#[derive(Debug, Clone, Copy, Default)]
pub struct AsyncStd;

/// An async-std `JoinHandle`.
#[derive(Debug)]
pub struct AsyncStdTask<T>(async_std::task::JoinHandle<T>);

impl<T> Future for AsyncStdTask<T> {
    type Output = T;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        Pin::new(&mut self.0).poll(cx)
    }
}

impl<T: Send + 'static> AsyncCancel<T> for AsyncStdTask<T> {
    fn cancel_and_wait(self) -> Pin<Box<dyn Future<Output = Option<T>> + Send>> {
        Box::pin(self.0.cancel())
    }

    fn detach(self) {
        // async-std's own `JoinHandle` detaches when dropped.
        drop(self.0);
    }
}

impl Runtime for AsyncStd {
    const INFO: RuntimeInfo = RuntimeInfo {
        id: "async-std",
        name: "async-std (global runtime)",
        runtime_crate: "async-std",
        flavor: Flavor::Global,
        discontinued: Some("discontinued since 2025; its README says to use smol"),
        notes: "global runtime: create and close are no-ops, close drops no task; smol's executor and timers underneath",
        driver: "epoll (readiness)",
        model: "shared queue",
    };

    type Task<T: Send + 'static> = AsyncCancelTask<AsyncStdTask<T>, T>;

    fn create(_config: &Config) -> Result<Self, RuntimeError> {
        Ok(AsyncStd)
    }

    fn close(self) {}

    fn block_on<F: Future>(&self, future: F) -> F::Output {
        async_std::task::block_on(future)
    }

    fn spawn<F>(future: F) -> Handle<Self, F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        JoinHandle::new(AsyncCancelTask::new(AsyncStdTask(async_std::task::spawn(
            future,
        ))))
    }

    fn spawn_blocking<F, T>(f: F) -> Handle<Self, T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        JoinHandle::new_blocking(AsyncCancelTask::new(AsyncStdTask(
            async_std::task::spawn_blocking(f),
        )))
    }

    fn sleep(duration: Duration) -> impl Future<Output = ()> + Send + 'static {
        async_std::task::sleep(duration)
    }

    fn yield_now() -> impl Future<Output = ()> + Send + 'static {
        async_std::task::yield_now()
    }

    fn worker_threads(_config: &Config) -> usize {
        std::env::var("ASYNC_STD_THREAD_COUNT")
            .ok()
            .and_then(|count| count.parse().ok())
            .unwrap_or_else(|| Config::default().workers_or_default())
    }
}
