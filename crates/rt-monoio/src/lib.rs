//! The monoio adapter: [`Monoio`] (runtime id `monoio`), monoio's runtime on the calling thread, driven
//! by io_uring.
//!
//! monoio is thread-per-core and completion-based: a runtime belongs to one thread, its tasks never
//! leave that thread, and each I/O operation hands the kernel an owned buffer through the thread's
//! io_uring ring. What it offers, and what this adapter does with it:
//!
//! - **Its futures are `!Send`** (timers and operations hold the thread's `Rc` driver), and so are its
//!   sockets and files: their fd is an `Rc`-shared `SharedFd`, with no feature that makes it `Send`.
//!   `from_std` turns a std socket or file into monoio's; nothing safe turns one back (`into_raw_fd`
//!   gives a bare fd, and owning it again takes `unsafe`). monoio's task handle, though, is `Send` for a
//!   `Send` output. So every `!Send` future runs as a monoio task of its own whose handle the adapter
//!   awaits, and the I/O types hold a std owner of the fd and give each operation a duplicate of it
//!   (see `io.rs`): every future and stream the traits ask for stays `Send`, with no `unsafe`.
//! - **A monoio task cannot be cancelled, and a panic in one unwinds through the loop**: monoio's
//!   `JoinHandle` only waits (dropping it detaches), and it does not catch panics. Each task here runs
//!   inside a guard that catches a panic (reported as `JoinError::Panicked`) and, once cancelled, drops
//!   the task's future at its next poll and ends it (`Cancelled`).
//! - **monoio keeps no list of its tasks**, so dropping the runtime would leave a task that waits on
//!   nothing alive forever. The adapter keeps one, and `close` cancels every task still in it and lets
//!   each drop its future, on the loop, before the runtime goes.
//! - **A task that wakes itself runs again first**: monoio puts a task woken during its own poll at the
//!   front of the run queue. `yield_now` therefore has another task wake it, which puts it at the back.
//! - `sleep` is monoio's timer, a wheel with 1 ms slots (as tokio's): a sleep ends up to about 1 ms late.
//!   It runs as a task, so a sleep costs one spawn more than on the readiness runtimes; dropping the
//!   sleep cancels it.
//! - `spawn_blocking` is monoio's, on a thread pool shared by every monoio loop of the process (monoio
//!   runs blocking work only on a pool attached to the runtime); closing a loop does not wait for a
//!   closure still running, which ends later, its value dropped.
//! - `spawn` needs the monoio loop of the calling thread: it works from `block_on` and from tasks; from a
//!   `spawn_blocking` closure (another thread, with no ring of its own) it panics, as on compio, a
//!   documented difference (docs/runtimes.md).
//! - Only the io_uring driver is built (no `legacy` epoll fallback): if the kernel refuses io_uring,
//!   [`Monoio`]'s `create` returns [`RuntimeError::Unavailable`]; setting the environment variable
//!   [`FORCE_NO_IO_URING`] to anything but `0` makes it do so, so that the path can be tested.
#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]

mod io;
mod process;
mod task;

pub use io::{MonoioFile, MonoioListener, MonoioReadHalf, MonoioStream, MonoioWriteHalf};
pub use task::MonoioTask;

use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;
use std::time::{Duration, Instant};

use monoio::IoUringDriver;
use monoio::time::TimeDriver;
use rosetta_rt::{
    Config, Flavor, Handle, JoinHandle, PerCoreBase, Runtime, RuntimeError, RuntimeInfo,
};

use crate::task::{Live, OpTask};

/// The environment variable that makes [`Monoio`]'s `create` act as if the kernel refused io_uring
/// (every io_uring adapter reads it).
pub use rosetta_rt::FORCE_NO_IO_URING;

/// The monoio runtime this adapter builds: io_uring, with monoio's timer.
type MonoioRuntime = monoio::Runtime<TimeDriver<IoUringDriver>>;

/// monoio's runtime on the calling thread: `block_on` drives its executor and its io_uring ring.
pub struct Monoio {
    runtime: RefCell<MonoioRuntime>,
    /// The tasks spawned on this loop and not yet ended, for `close` to drop.
    live: Rc<Live>,
}

impl std::fmt::Debug for Monoio {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Monoio")
            .field("live_tasks", &self.live.len())
            .finish_non_exhaustive()
    }
}

impl Runtime for Monoio {
    const INFO: RuntimeInfo = RuntimeInfo {
        id: "monoio",
        name: "monoio (calling thread, io_uring)",
        runtime_crate: "monoio",
        flavor: Flavor::CurrentThread,
        discontinued: None,
        notes: "owned-buffer I/O, one task per operation behind the trait; tasks cannot be cancelled natively (the adapter's guard drops the future); 1 ms timer wheel",
        driver: "io_uring (completion)",
        model: "thread-per-core",
    };

    type Task<T: Send + 'static> = MonoioTask<T>;

    fn create(_config: &Config) -> Result<Self, RuntimeError> {
        if let Some(refused) = RuntimeError::io_uring_forced_off() {
            return Err(refused);
        }
        // Only the io_uring driver is compiled in: there is no other driver to fall back to, so a
        // runtime that builds is an io_uring one.
        match monoio::RuntimeBuilder::<IoUringDriver>::new()
            .enable_timer()
            .attach_thread_pool(Box::new(task::SharedPool))
            .build()
        {
            Ok(runtime) => Ok(Monoio {
                runtime: RefCell::new(runtime),
                live: Rc::default(),
            }),
            Err(error) => Err(RuntimeError::from_io_uring_setup(error)),
        }
    }

    fn close(self) {
        // Every task still alive is cancelled and polled once more, on the loop, so that its future is
        // dropped with the ring still there to cancel its operations. Dropping one may cancel others (a
        // handle dropped while awaited), hence the rounds.
        let live = Rc::clone(&self.live);
        self.block_on(async move {
            for _ in 0..10_000 {
                let pending = live.snapshot();
                if pending.is_empty() {
                    break;
                }
                for task in pending {
                    task.abort();
                }
                Self::yield_now().await;
            }
        });
        drop(self.runtime);
    }

    fn block_on<F: Future>(&self, future: F) -> F::Output {
        let _current = task::enter(&self.live);
        self.runtime.borrow_mut().block_on(future)
    }

    fn spawn<F>(future: F) -> Handle<Self, F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        JoinHandle::new(task::spawn(future))
    }

    fn spawn_blocking<F, T>(f: F) -> Handle<Self, T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        JoinHandle::new_blocking(task::spawn_blocking(f))
    }

    fn sleep(duration: Duration) -> impl Future<Output = ()> + Send + 'static {
        Self::sleep_until(Instant::now() + duration)
    }

    fn sleep_until(deadline: Instant) -> impl Future<Output = ()> + Send + 'static {
        // monoio's timer future is `!Send`; its task's handle is `Send`, and dropping the handle cancels
        // the timer. The deadline is taken now; the task starts at the first poll, so that a sleep can
        // be made before the loop runs (`block_on(R::sleep(d))`).
        let deadline = monoio::time::Instant::from_std(deadline);
        async move {
            // `Err` only if the loop closed meanwhile, when nobody waits any more.
            let _ = OpTask::new(monoio::time::sleep_until(deadline)).await;
        }
    }

    fn yield_now() -> impl Future<Output = ()> + Send + 'static {
        task::YieldNow::default()
    }
}

impl PerCoreBase for Monoio {
    const PER_CORE: RuntimeInfo = RuntimeInfo {
        id: "monoio-tpc",
        name: "monoio (thread per core, io_uring)",
        runtime_crate: "monoio",
        flavor: Flavor::ThreadPerCore,
        discontinued: None,
        notes: "N monoio runtimes, one per thread; spawn places tasks round-robin, a task never moves; block_on has a ring of its own",
        driver: "io_uring (completion)",
        model: "thread-per-core (N rings)",
    };
}
