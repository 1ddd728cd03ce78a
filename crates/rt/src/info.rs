//! What a runtime is ([`RuntimeInfo`], [`Flavor`]) and how it is built ([`Config`], [`RuntimeError`]).

use std::fmt;
use std::num::NonZeroUsize;

/// How a runtime runs its tasks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Flavor {
    /// One thread, the one that calls `block_on`, runs every task (asyncio's own model).
    CurrentThread,
    /// A pool of worker threads, created with the loop, runs the tasks; `block_on` only waits.
    MultiThread,
    /// N worker threads, created with the loop, each running a current-thread base runtime of its own
    /// (its own io_uring ring). `spawn` places each new task on the next worker in turn, and a placed task
    /// never moves: no work stealing. `block_on` runs its future on the calling thread, in a base
    /// runtime of its own, and is not a worker. Closing joins every worker, and drops each pending
    /// task on its own worker thread, inside that worker's base runtime.
    ThreadPerCore,
    /// One process-wide runtime, started on first use and never shut down; creating and closing a loop
    /// are no-ops, and closing drops no task.
    Global,
}

impl Flavor {
    /// The flavor's name as the CLI and reports print it.
    pub fn as_str(self) -> &'static str {
        match self {
            Flavor::CurrentThread => "current-thread",
            Flavor::MultiThread => "multi-thread",
            Flavor::ThreadPerCore => "thread-per-core",
            Flavor::Global => "global",
        }
    }

    /// Whether closing a loop of this flavor drops its pending tasks (false for a global runtime).
    pub fn close_drops_tasks(self) -> bool {
        !matches!(self, Flavor::Global)
    }

    /// Whether the number of worker threads can be chosen per loop.
    pub fn configurable_workers(self) -> bool {
        matches!(self, Flavor::MultiThread | Flavor::ThreadPerCore)
    }
}

impl fmt::Display for Flavor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a runtime is. Each adapter states it once, as [`Runtime::INFO`](crate::Runtime::INFO).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuntimeInfo {
    /// The id used everywhere: CLI, tests, benches, docs (`tokio`, `tokio-mt`, `smol`, `smol-mt`,
    /// `async-std`, `compio`, `compio-tpc`, `monoio`, `monoio-tpc`).
    pub id: &'static str,
    /// A human name, e.g. "tokio (current-thread)".
    pub name: &'static str,
    /// The crate that implements the runtime, whose version reports print.
    pub runtime_crate: &'static str,
    /// How it runs tasks.
    pub flavor: Flavor,
    /// Set when the runtime is no longer maintained: what to say about it wherever it appears.
    pub discontinued: Option<&'static str>,
    /// One line on what makes this runtime differ underneath (timers, handles, pools).
    pub notes: &'static str,
    /// The OS mechanism its I/O waits on, and whether that mechanism reports readiness or completion:
    /// `"epoll (readiness)"`, `"io_uring (completion)"`.
    pub driver: &'static str,
    /// How tasks are placed on threads: `"single thread"` (every task on the thread that calls
    /// `block_on`), `"work-stealing"`, `"shared queue"` (N threads running one queue),
    /// `"thread-per-core"` (a runtime per thread; a task never leaves the thread that spawned it), or
    /// `"thread-per-core (N rings)"` (N workers, each a runtime with its own ring; a task never leaves
    /// the worker it was placed on).
    pub model: &'static str,
}

/// How to build a loop.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Config {
    /// Worker threads for multi-thread and thread-per-core flavors; `None` means the machine's
    /// available parallelism. Current-thread and global flavors ignore it.
    pub worker_threads: Option<usize>,
}

impl Config {
    /// A config with `n` worker threads.
    pub fn with_workers(n: usize) -> Self {
        Config {
            worker_threads: Some(n),
        }
    }

    /// The configured worker count, or the machine's available parallelism (at least one).
    pub fn workers_or_default(&self) -> usize {
        self.worker_threads.unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(NonZeroUsize::get)
                .unwrap_or(1)
        })
    }

    /// The worker count a multi-thread loop should start, checked.
    ///
    /// # Errors
    ///
    /// [`RuntimeError::InvalidConfig`] if the configured count is zero.
    pub fn checked_workers(&self) -> Result<usize, RuntimeError> {
        match self.workers_or_default() {
            0 => Err(RuntimeError::InvalidConfig(
                "worker_threads must be at least 1 (or unset for the machine's parallelism)".into(),
            )),
            n => Ok(n),
        }
    }
}

/// Why a loop could not be created.
#[derive(Debug)]
#[non_exhaustive]
pub enum RuntimeError {
    /// The config does not fit the runtime; the message says what is valid.
    InvalidConfig(String),
    /// The OS refused a resource the loop needs (a thread, an epoll instance, a timer).
    Io(std::io::Error),
    /// The runtime cannot run on this machine at all: its driver is not permitted here (io_uring
    /// refused by seccomp or an old kernel). The message says what was refused and why, e.g.
    /// "io_uring not permitted (Operation not permitted (os error 1))". Reports mark the runtime's
    /// cells unavailable and go on.
    Unavailable(String),
}

/// The environment variable that makes every io_uring runtime's `create` act as if the kernel refused
/// io_uring, when set to anything but empty or `0`: how tests reach that path on a machine that allows
/// io_uring.
pub const FORCE_NO_IO_URING: &str = "ROSETTA_FORCE_NO_IO_URING";

impl RuntimeError {
    /// `Some(Unavailable)` when [`FORCE_NO_IO_URING`] is set: what an io_uring runtime's `create`
    /// checks before it builds its ring.
    ///
    /// ```
    /// # use rosetta_rt::RuntimeError;
    /// if std::env::var_os(rosetta_rt::FORCE_NO_IO_URING).is_none() {
    ///     assert!(RuntimeError::io_uring_forced_off().is_none());
    /// }
    /// ```
    pub fn io_uring_forced_off() -> Option<RuntimeError> {
        let forced = std::env::var_os(FORCE_NO_IO_URING)
            .is_some_and(|value| !value.is_empty() && value != "0");
        forced.then(|| {
            RuntimeError::Unavailable(format!(
                "io_uring not permitted ({FORCE_NO_IO_URING} is set)"
            ))
        })
    }

    /// The error for a ring that could not be built: [`Unavailable`](RuntimeError::Unavailable) when
    /// io_uring is not permitted here, [`Io`](RuntimeError::Io) when a resource ran out.
    ///
    /// Not permitted: EPERM (seccomp, `io_uring_disabled=2`), ENOSYS (no io_uring in the kernel),
    /// EACCES (`io_uring_disabled=1` for this group), EINVAL (a kernel too old for the ring's setup
    /// flags).
    ///
    /// ```
    /// # use rosetta_rt::RuntimeError;
    /// let refused = RuntimeError::from_io_uring_setup(std::io::Error::from_raw_os_error(1));
    /// assert!(refused.to_string().starts_with("unavailable: io_uring not permitted ("));
    /// let exhausted = RuntimeError::from_io_uring_setup(std::io::Error::from_raw_os_error(12));
    /// assert!(matches!(exhausted, RuntimeError::Io(_)));
    /// ```
    pub fn from_io_uring_setup(error: std::io::Error) -> RuntimeError {
        if matches!(error.raw_os_error(), Some(1 | 38 | 13 | 22)) {
            RuntimeError::Unavailable(format!("io_uring not permitted ({error})"))
        } else {
            RuntimeError::Io(error)
        }
    }
}

impl fmt::Display for RuntimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RuntimeError::InvalidConfig(message) => write!(f, "invalid runtime config: {message}"),
            RuntimeError::Io(error) => write!(f, "cannot create the runtime: {error}"),
            RuntimeError::Unavailable(message) => write!(f, "unavailable: {message}"),
        }
    }
}

impl std::error::Error for RuntimeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            RuntimeError::InvalidConfig(_) | RuntimeError::Unavailable(_) => None,
            RuntimeError::Io(error) => Some(error),
        }
    }
}

impl From<std::io::Error> for RuntimeError {
    fn from(error: std::io::Error) -> Self {
        RuntimeError::Io(error)
    }
}
