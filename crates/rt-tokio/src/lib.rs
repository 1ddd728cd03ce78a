//! The tokio adapter: [`TokioCurrentThread`] (runtime id `tokio`) and [`TokioMultiThread`] (`tokio-mt`).
//!
//! Per-runtime notes:
//! - tokio's `JoinHandle` already detaches on drop and reports cancellation and panics, so the handle is
//!   passed through as it is.
//! - tokio's timer wheel has 1 ms slots: a `sleep(d)` completes on the first tick at or after `d`,
//!   usually about 1 ms late.
//! - `yield_now` is tokio's own: a task woken from inside its own poll would go to the worker's LIFO slot
//!   and run again at once, so tokio defers the wake-up.
//! - On `tokio-mt`, `block_on` runs on the calling thread, which is not a worker.
//! - tokio's `abort` cannot stop a `spawn_blocking` closure that has started, and its handle then waits
//!   for the closure and gives its value; the adapter's blocking handle reports `Cancelled` at once
//!   instead, as on every runtime, and the closure's value is dropped. Closing the loop waits for a
//!   closure still running (the blocking pool is the runtime's own).
#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]

mod io;
mod process;

use std::future::Future;
use std::task::{Context, Poll};
use std::time::Duration;

pub use io::{TokioFile, TokioReadHalf, TokioStream, TokioWriteHalf};
pub use process::TokioPipe;

use rosetta_rt::{
    Config, Flavor, Handle, JoinError, JoinHandle, RawTask, Runtime, RuntimeError, RuntimeInfo,
};

/// tokio's `current_thread` runtime: every task runs on the thread that calls `block_on`.
#[derive(Debug)]
pub struct TokioCurrentThread {
    rt: tokio::runtime::Runtime,
}

/// tokio's `multi_thread` runtime: a work-stealing pool of worker threads.
#[derive(Debug)]
pub struct TokioMultiThread {
    rt: tokio::runtime::Runtime,
}

/// A tokio `JoinHandle`, as the [`RawTask`] behind [`JoinHandle`].
#[derive(Debug)]
pub struct TokioTask<T>(tokio::task::JoinHandle<T>);

impl<T: Send + 'static> RawTask<T> for TokioTask<T> {
    fn poll_join(&mut self, cx: &mut Context<'_>) -> Poll<Result<T, JoinError>> {
        std::pin::Pin::new(&mut self.0).poll(cx).map(|outcome| {
            outcome.map_err(|error| match error.try_into_panic() {
                Ok(payload) => JoinError::from_panic(payload),
                Err(_) => JoinError::Cancelled,
            })
        })
    }

    fn abort(&mut self) {
        self.0.abort();
    }

    fn is_finished(&mut self) -> bool {
        self.0.is_finished()
    }
}

/// What both tokio flavors share: everything but how the runtime is built.
macro_rules! tokio_runtime {
    ($ty:ty, $info:expr, |$config:ident| $builder:expr) => {
        impl Runtime for $ty {
            const INFO: RuntimeInfo = $info;
            type Task<T: Send + 'static> = TokioTask<T>;

            fn create($config: &Config) -> Result<Self, RuntimeError> {
                let builder: Result<tokio::runtime::Builder, RuntimeError> = $builder;
                Ok(Self {
                    rt: builder?.enable_time().enable_io().build()?,
                })
            }

            fn close(self) {
                // Dropping a tokio runtime cancels its tasks, then joins every worker and blocking-pool
                // thread, waiting for blocking closures that are still running.
                drop(self.rt);
            }

            fn block_on<F: Future>(&self, future: F) -> F::Output {
                self.rt.block_on(future)
            }

            fn spawn<F>(future: F) -> Handle<Self, F::Output>
            where
                F: Future + Send + 'static,
                F::Output: Send + 'static,
            {
                JoinHandle::new(TokioTask(tokio::task::spawn(future)))
            }

            fn spawn_blocking<F, T>(f: F) -> Handle<Self, T>
            where
                F: FnOnce() -> T + Send + 'static,
                T: Send + 'static,
            {
                JoinHandle::new_blocking(TokioTask(tokio::task::spawn_blocking(f)))
            }

            fn sleep(duration: Duration) -> impl Future<Output = ()> + Send + 'static {
                tokio::time::sleep(duration)
            }

            fn sleep_until(
                deadline: std::time::Instant,
            ) -> impl Future<Output = ()> + Send + 'static {
                tokio::time::sleep_until(tokio::time::Instant::from_std(deadline))
            }

            fn yield_now() -> impl Future<Output = ()> + Send + 'static {
                tokio::task::yield_now()
            }
        }
    };
}

const TIMER_NOTE: &str = "timer wheel with 1 ms slots: sleeps end up to ~1 ms late";

tokio_runtime!(
    TokioCurrentThread,
    RuntimeInfo {
        id: "tokio",
        name: "tokio (current-thread)",
        runtime_crate: "tokio",
        flavor: Flavor::CurrentThread,
        discontinued: None,
        notes: TIMER_NOTE,
        driver: "epoll (readiness)",
        model: "single thread",
    },
    |_config| Ok(tokio::runtime::Builder::new_current_thread())
);

tokio_runtime!(
    TokioMultiThread,
    RuntimeInfo {
        id: "tokio-mt",
        name: "tokio (multi-thread)",
        runtime_crate: "tokio",
        flavor: Flavor::MultiThread,
        discontinued: None,
        notes: TIMER_NOTE,
        driver: "epoll (readiness)",
        model: "work-stealing",
    },
    |config| {
        let mut builder = tokio::runtime::Builder::new_multi_thread();
        builder.worker_threads(config.checked_workers()?);
        Ok(builder)
    }
);
