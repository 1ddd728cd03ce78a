//! `asyncio.wait`: wait for some or all of a set of tasks, with a timeout that cancels nothing.
//!
//! ```python
//! done, pending = await asyncio.wait(tasks, timeout=5, return_when=asyncio.FIRST_COMPLETED)
//! ```
//!
//! [`wait`] takes tasks and gives them back, split into [`Waited::done`] and [`Waited::pending`], each with
//! its index among the arguments. It returns when [`ReturnWhen`] says so, or when the timeout passes,
//! and **cancels nothing**: a pending task runs on, and is yours to await, cancel or drop
//! (`test_wait_with_timeout`).
//!
//! - [`ReturnWhen::FirstCompleted`]: once any task is done (`test_wait_first_completed`).
//! - [`ReturnWhen::FirstException`]: once a task raised (a panic; with [`try_wait`], an `Err` too), or
//!   every task is done; a cancelled task is no exception (`test_wait_first_exception`,
//!   `test_wait_first_exception_in_wait`).
//! - [`ReturnWhen::AllCompleted`]: once every task is done (`test_wait_with_exception`).
//!
//! A done task's handle gives its outcome at once when awaited, as CPython's `task.result()` does.
//!
//! Each task given is awaited by a small watcher task of the toolkit, whose handle is what comes back:
//! the handles `wait` returns were never awaited, so dropping one detaches its task, as in asyncio,
//! and cancelling one cancels the task under it. Dropping the `wait` future (the waiting task
//! cancelled) leaves every task running (`test_wait_errors`' cousin: wait is no shield, but it never
//! cancels on its own). An empty set returns at once, both sides empty, where CPython raises
//! `ValueError`.
//!
//! # Examples
//!
//! ```
//! use std::time::Duration;
//! use rosetta_asyncio::{ReturnWhen, Runtime, create_task, wait};
//!
//! async fn demo<R: Runtime>() -> (usize, usize) {
//!     let fast = create_task::<R, _>(async { 1 });
//!     let slow = create_task::<R, _>(async {
//!         R::sleep(Duration::from_secs(60)).await;
//!         2
//!     });
//!     let mut waited = wait::<R, _>(vec![fast, slow], None, ReturnWhen::FirstCompleted).await;
//!     for (_, task) in &mut waited.pending {
//!         task.abort();
//!     }
//!     (waited.done.len(), waited.pending.len())
//! }
//! # use rosetta_runtimes::rosetta_smol::Smol as Rt;
//! # let rt = Rt::create(&Default::default()).unwrap();
//! assert_eq!(rt.block_on(demo::<Rt>()), (1, 1));
//! # rt.close();
//! ```
//!
//! # Per-runtime notes
//!
//! - None beyond the timer's resolution (see [`wait_for`](crate::wait_for)): the watchers are the
//!   runtime's own tasks on every runtime.

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use event_listener::Event;
use futures_lite::future;
use rosetta_rt::{JoinError, Runtime};

use crate::task::Task;

/// When [`wait`] returns (asyncio's `return_when`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReturnWhen {
    /// `FIRST_COMPLETED`: once any task is done.
    FirstCompleted,
    /// `FIRST_EXCEPTION`: once a task raised, or every task is done.
    FirstException,
    /// `ALL_COMPLETED` (the default): once every task is done.
    #[default]
    AllCompleted,
}

/// The tasks [`wait`] gives back, each with its index among the arguments, in argument order.
pub struct Waited<R: Runtime, T: Send + 'static> {
    /// The tasks that were done when `wait` returned; awaiting one gives its outcome at once.
    pub done: Vec<(usize, Task<R, T>)>,
    /// The tasks still running; nothing cancelled them.
    pub pending: Vec<(usize, Task<R, T>)>,
}

impl<R: Runtime, T: Send + 'static> fmt::Debug for Waited<R, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let indices =
            |side: &[(usize, Task<R, T>)]| side.iter().map(|(i, _)| *i).collect::<Vec<_>>();
        f.debug_struct("Waited")
            .field("done", &indices(&self.done))
            .field("pending", &indices(&self.pending))
            .finish()
    }
}

/// How far the tasks of one `wait` have got.
#[derive(Debug, Default)]
struct Progress {
    done: Vec<bool>,
    finished: usize,
    raised: bool,
}

#[derive(Debug, Default)]
struct Shared {
    progress: Mutex<Progress>,
    changed: Event,
}

impl Shared {
    fn progress(&self) -> MutexGuard<'_, Progress> {
        self.progress.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Waits for `tasks` until `return_when` holds or `timeout` passes (`asyncio.wait`); cancels nothing.
///
/// A task raised, for [`ReturnWhen::FirstException`], if it panicked. Call it inside the running loop:
/// the watchers are spawned now.
pub async fn wait<R: Runtime, T: Send + 'static>(
    tasks: impl IntoIterator<Item = Task<R, T>>,
    timeout: Option<Duration>,
    return_when: ReturnWhen,
) -> Waited<R, T> {
    wait_raising(tasks, timeout, return_when, |outcome| {
        matches!(outcome, Err(JoinError::Panicked(_)))
    })
    .await
}

/// [`wait`] for tasks that return `Result`: an `Err` counts as raised for
/// [`ReturnWhen::FirstException`], as a panic does.
pub async fn try_wait<R, T, E>(
    tasks: impl IntoIterator<Item = Task<R, Result<T, E>>>,
    timeout: Option<Duration>,
    return_when: ReturnWhen,
) -> Waited<R, Result<T, E>>
where
    R: Runtime,
    T: Send + 'static,
    E: Send + 'static,
{
    wait_raising(tasks, timeout, return_when, |outcome| {
        matches!(outcome, Ok(Err(_)) | Err(JoinError::Panicked(_)))
    })
    .await
}

async fn wait_raising<R: Runtime, T: Send + 'static>(
    tasks: impl IntoIterator<Item = Task<R, T>>,
    timeout: Option<Duration>,
    return_when: ReturnWhen,
    raised: fn(&Result<T, JoinError>) -> bool,
) -> Waited<R, T> {
    let deadline = timeout.map(|timeout| Instant::now() + timeout);
    let shared = Arc::new(Shared::default());
    let watchers: Vec<Task<R, T>> = tasks
        .into_iter()
        .enumerate()
        .map(|(index, task)| {
            shared.progress().done.push(false);
            let shared = Arc::clone(&shared);
            R::spawn(async move {
                let outcome = task.await;
                {
                    let mut progress = shared.progress();
                    progress.done[index] = true;
                    progress.finished += 1;
                    progress.raised |= raised(&outcome);
                }
                shared.changed.notify(usize::MAX);
                match outcome {
                    Ok(value) => value,
                    // Re-raised without the panic hook: the task's own panic was reported already.
                    Err(JoinError::Panicked(message)) => {
                        std::panic::resume_unwind(Box::new(message))
                    }
                    Err(JoinError::Cancelled) => {
                        std::panic::resume_unwind(Box::new(String::from("the task was cancelled")))
                    }
                }
            })
        })
        .collect();
    let total = watchers.len();
    let ready = || {
        let progress = shared.progress();
        progress.finished == total
            || match return_when {
                ReturnWhen::FirstCompleted => progress.finished > 0,
                ReturnWhen::FirstException => progress.raised,
                ReturnWhen::AllCompleted => false,
            }
    };
    let ready_now = async {
        loop {
            let listener = shared.changed.listen();
            if ready() {
                return;
            }
            listener.await;
        }
    };
    match deadline {
        None => ready_now.await,
        Some(deadline) => {
            future::or(ready_now, async {
                if Instant::now() < deadline {
                    R::sleep_until(deadline).await;
                }
            })
            .await;
        }
    }
    let done = shared.progress().done.clone();
    let (done, pending) = watchers
        .into_iter()
        .enumerate()
        .partition(|(index, _)| done[*index]);
    Waited { done, pending }
}
