//! The compio adapter: [`Compio`] (runtime id `compio`), compio's runtime on the calling thread, driven
//! by io_uring.
//!
//! compio is thread-per-core and completion-based: a runtime belongs to one thread, its tasks never
//! leave that thread, and each I/O operation hands the kernel an owned buffer through the thread's
//! io_uring ring. The trait asks for `Send` tasks and `Send` futures; compio runs `Send` futures as a
//! subset of what it can run, and this adapter keeps every future it returns `Send` without `unsafe`:
//! what compio makes `!Send` (its timer and operation futures, which hold the thread's `Rc` driver)
//! runs as a compio task of its own, and the caller awaits that task's handle, which compio makes `Send`
//! for a `Send` output.
//!
//! Per-runtime notes:
//! - **Dropping a compio `JoinHandle` cancels its task**, as smol's does; the adapter's handle detaches
//!   instead, as on every runtime here. compio's `cancel` is async; a cancelled handle awaits it.
//! - A panicking task does not unwind the loop: compio keeps the payload and hands it to whoever awaits
//!   the handle, where the adapter turns it into `JoinError::Panicked`.
//! - `sleep` is compio's timer (`compio_runtime::time`), whose deadline is taken at the call; it runs as
//!   a task, so a sleep costs one spawn more than on the other runtimes. Dropping the sleep cancels it.
//! - The blocking pool is the driver's own thread pool (its `Asyncify` operation): `spawn_blocking`
//!   closures run there. Its idle threads exit after a timeout; closing the loop does not wait for a
//!   closure still running, which ends later, its value dropped.
//! - `spawn` needs the compio runtime of the calling thread: it works from `block_on` and from tasks;
//!   from a `spawn_blocking` closure (another thread, with no ring of its own) it panics with compio's
//!   "not in a compio runtime", a documented difference (docs/runtimes.md). The thread-per-core flavor
//!   over this adapter (`compio-tpc`, through [`PerCoreBase`]) has no such gap: its closures carry
//!   the flavor's context.
//! - If the kernel refuses io_uring (seccomp, an old kernel), [`Compio`]'s `create` returns
//!   [`RuntimeError::Unavailable`]; setting the environment variable
//!   [`FORCE_NO_IO_URING`] to anything but `0` makes it do so, so that the path can be tested.
#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]

mod io;
mod process;

pub use io::{CompioFile, CompioListener, CompioReadHalf, CompioStream, CompioWriteHalf};

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use rosetta_rt::{
    AsyncCancel, AsyncCancelTask, Config, Flavor, Handle, JoinHandle, PerCoreBase, Runtime,
    RuntimeError, RuntimeInfo,
};

/// The environment variable that makes [`Compio`]'s `create` act as if the kernel refused io_uring
/// (every io_uring adapter reads it).
pub use rosetta_rt::FORCE_NO_IO_URING;

/// A compio task's handle, as [`AsyncCancelTask`] drives it.
#[derive(Debug)]
pub struct CompioTask<T>(compio_runtime::JoinHandle<T>);

impl<T> Future for CompioTask<T> {
    type Output = T;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        match Pin::new(&mut self.0).poll(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Ok(value)) => Poll::Ready(value),
            // Re-raised here, caught by `AsyncCancelTask`, which reports it as `Panicked`.
            Poll::Ready(Err(compio_runtime::JoinError::Panicked(payload))) => {
                std::panic::resume_unwind(payload)
            }
            // Only a runtime that was dropped with the task pending says this of an uncancelled task.
            Poll::Ready(Err(compio_runtime::JoinError::Cancelled)) => {
                panic!("the compio task was dropped with its loop")
            }
        }
    }
}

impl<T: Send + 'static> AsyncCancel<T> for CompioTask<T> {
    fn cancel_and_wait(self) -> Pin<Box<dyn Future<Output = Option<T>> + Send>> {
        Box::pin(async move {
            let value = self.0.cancel().await;
            if value.is_none() {
                // compio's `cancel` resolves once the task is marked cancelled, before the executor
                // has dropped its future; the trait promises the drop. The cancelled task was queued
                // when it was marked, and the executor runs its queue in order: once a task spawned
                // now has run, the cancelled one has been dropped.
                let marker =
                    compio_runtime::Runtime::try_with_current(|rt| rt.spawn(async {})).ok();
                if let Some(marker) = marker {
                    let _ = marker.await;
                }
            }
            value
        })
    }

    fn detach(self) {
        self.0.detach();
    }
}

/// compio's runtime on the calling thread: `block_on` drives its executor and its io_uring ring.
#[derive(Debug)]
pub struct Compio {
    runtime: compio_runtime::Runtime,
}

impl Runtime for Compio {
    const INFO: RuntimeInfo = RuntimeInfo {
        id: "compio",
        name: "compio (calling thread, io_uring)",
        runtime_crate: "compio-runtime",
        flavor: Flavor::CurrentThread,
        discontinued: None,
        notes: "owned-buffer I/O, one task per operation behind the trait; dropping a compio JoinHandle cancels it (the adapter detaches)",
        driver: "io_uring (completion)",
        model: "thread-per-core",
    };

    type Task<T: Send + 'static> = AsyncCancelTask<CompioTask<T>, T>;

    fn create(_config: &Config) -> Result<Self, RuntimeError> {
        if let Some(refused) = RuntimeError::io_uring_forced_off() {
            return Err(refused);
        }
        match compio_runtime::Runtime::new() {
            // Another driver would be a different runtime to measure: refuse rather than mislabel it.
            Ok(runtime) if runtime.driver_type() != compio_driver::DriverType::IoUring => {
                Err(RuntimeError::Unavailable(format!(
                    "io_uring not permitted (compio chose its {:?} driver)",
                    runtime.driver_type()
                )))
            }
            Ok(runtime) => Ok(Compio { runtime }),
            Err(error) => Err(RuntimeError::from_io_uring_setup(error)),
        }
    }

    fn close(self) {
        // Dropping the last handle to the runtime drops every pending task, inside the runtime so that
        // their operations can be cancelled on its ring.
        drop(self.runtime);
    }

    fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }

    fn spawn<F>(future: F) -> Handle<Self, F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        JoinHandle::new(AsyncCancelTask::new(CompioTask(compio_runtime::spawn(
            future,
        ))))
    }

    fn spawn_blocking<F, T>(f: F) -> Handle<Self, T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        JoinHandle::new_blocking(AsyncCancelTask::new(CompioTask(
            compio_runtime::spawn_blocking(f),
        )))
    }

    fn sleep(duration: Duration) -> impl Future<Output = ()> + Send + 'static {
        Self::sleep_until(Instant::now() + duration)
    }

    fn sleep_until(deadline: Instant) -> impl Future<Output = ()> + Send + 'static {
        // compio's timer future is `!Send`; its task's handle is `Send`, and dropping the handle cancels
        // the timer.
        let timer = compio_runtime::spawn(compio_runtime::time::sleep_until(deadline));
        async move {
            // `Err` only if the loop closed meanwhile, when nobody waits any more.
            let _ = timer.await;
        }
    }
}

/// compio as the base of the thread-per-core flavor (`compio-tpc`): one compio runtime per worker
/// thread, each with its own ring, as compio's own `Dispatcher` runs them.
impl PerCoreBase for Compio {
    const PER_CORE: RuntimeInfo = RuntimeInfo {
        id: "compio-tpc",
        name: "compio (thread per core, io_uring)",
        runtime_crate: "compio-runtime",
        flavor: Flavor::ThreadPerCore,
        discontinued: None,
        notes: "N compio runtimes, one per thread; spawn places tasks round-robin, a task never moves; block_on has a ring of its own",
        driver: "io_uring (completion)",
        model: "thread-per-core (N rings)",
    };
}

/// Runs `future` as a compio task of its own and gives its handle: how a `!Send` compio future becomes a
/// `Send` one. The task starts at once, on the calling thread's runtime.
fn run_as_task<T: Send + 'static>(
    future: impl Future<Output = T> + 'static,
) -> compio_runtime::JoinHandle<T> {
    compio_runtime::spawn(future)
}

/// The outcome of an I/O task, as an `io::Result`: a panic or a dropped loop become errors.
fn io_outcome<T>(
    outcome: Result<std::io::Result<T>, compio_runtime::JoinError>,
) -> std::io::Result<T> {
    match outcome {
        Ok(result) => result,
        Err(error) => Err(std::io::Error::other(format!("compio I/O task: {error}"))),
    }
}
