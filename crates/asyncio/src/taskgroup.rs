//! `asyncio.TaskGroup`: tasks that live inside a block; the first failure cancels the rest, and every
//! failure comes out together.
//!
//! ```python
//! async with asyncio.TaskGroup() as tg:
//!     t1 = tg.create_task(fetch(1))
//!     t2 = tg.create_task(fetch(2))
//! # here every task is done; t1.result(), t2.result()
//! ```
//!
//! [`task_group`] runs a body given a [`TaskGroup`] handle (clone it into children to start more), and
//! returns the body's value with every child's value, in the order they were started:
//!
//! - **Children run concurrently**, each a task of the runtime, started at once (`test_taskgroup_01`).
//! - **Leaving the group waits for all**: `task_group` returns only once every child has finished,
//!   including ones started after the body returned (`test_taskgroup_02`).
//! - **The first failure cancels the others**: a child that returns `Err` or panics cancels every other
//!   child and the body (each dropped at its current `.await`), and the group returns an
//!   [`ExceptionGroup`] carrying every failure that happened before the others stopped
//!   (`test_taskgroup_04`, `test_cancel_children_on_child_error`). A body that returns `Err` does the same,
//!   its error in the group too. Cancelled children are not failures.
//! - **Cancelling the task that owns the group cancels the children** (`test_cancellation`): dropping the
//!   `task_group` future cancels every child. (Rust has no async `Drop`, so it cannot wait for them as
//!   CPython's `__aexit__` does; each child's future is dropped at its next poll.)
//! - **No new task once shutting down**: after a failure, and after the group has finished,
//!   [`create_task`](TaskGroup::create_task) refuses with [`TaskGroupClosed`]
//!   (`test_taskgroup_no_create_task_after_failure`, `test_taskgroup_finished`).
//!
//! Children are cancelled cooperatively: each child task checks the group's shutdown before polling its
//! future, so a cancelled child never takes another step, and the group's count of live children drops
//! as each future is dropped.
//!
//! # Examples
//!
//! ```
//! use std::time::Duration;
//! use rosetta_asyncio::{Runtime, task_group};
//!
//! async fn demo<R: Runtime>() -> Vec<u64> {
//!     let outcome = task_group::<R, u64, String, _, _, _>(|tg| async move {
//!         for i in 1..=3 {
//!             tg.create_task(async move {
//!                 R::sleep(Duration::from_millis(10 * (4 - i))).await;
//!                 Ok(i)
//!             })
//!             .expect("the group is open");
//!         }
//!         Ok(())
//!     })
//!     .await;
//!     outcome.expect("no child fails").1
//! }
//! # use rosetta_runtimes::rosetta_tokio::TokioCurrentThread as Rt;
//! # let rt = Rt::create(&Default::default()).unwrap();
//! assert_eq!(rt.block_on(demo::<Rt>()), [1, 2, 3]);
//! # rt.close();
//! ```
//!
//! # Per-runtime notes
//!
//! - Children are the runtime's own tasks: interleaved on the loop's thread on `tokio` and `smol`, in
//!   parallel on `tokio-mt`, `smol-mt` and `async-std`. `task_group` needs `Send` children, as
//!   `tokio::task::JoinSet` does.

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use event_listener::Event;
use futures_lite::{FutureExt, future};
use rosetta_rt::{JoinError, Runtime};

/// One failure inside a task group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure<E> {
    /// The body of the group returned `Err`.
    Body(E),
    /// A child returned `Err`.
    Failed {
        /// The child's place in start order.
        index: usize,
        /// What it returned.
        error: E,
    },
    /// A child panicked; the payload's message.
    Panicked {
        /// The child's place in start order.
        index: usize,
        /// The panic's message.
        message: String,
    },
}

/// Every failure of a task group, in the order they happened (asyncio's `ExceptionGroup`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the task group failed ({} failures)", failures.len())]
pub struct ExceptionGroup<E> {
    /// The failures, first first; never empty.
    pub failures: Vec<Failure<E>>,
}

/// [`TaskGroup::create_task`] was called once the group was shutting down or finished (CPython's
/// `RuntimeError: TaskGroup ... is shutting down` / `is finished`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the task group is shutting down or finished: it starts no new task")]
pub struct TaskGroupClosed;

/// The group's state, under one lock.
struct State<T, E> {
    /// Child values, by start index; `None` while running, or if it failed or was cancelled.
    values: Vec<Option<T>>,
    failures: Vec<Failure<E>>,
    /// Children whose futures are still alive.
    live: usize,
    /// The group has finished: no child is left, nor will be.
    finished: bool,
}

/// What the group and its children share.
struct Shared<T, E> {
    state: Mutex<State<T, E>>,
    /// Set on the first failure, or when the owner is dropped: children stop, no new child starts.
    aborting: AtomicBool,
    /// Notified when `aborting` is set.
    abort: Event,
    /// Notified when a child's future is gone.
    child_done: Event,
}

impl<T, E> Shared<T, E> {
    fn state(&self) -> MutexGuard<'_, State<T, E>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn start_abort(&self) {
        self.aborting.store(true, Ordering::SeqCst);
        self.abort.notify(usize::MAX);
    }

    fn is_aborting(&self) -> bool {
        self.aborting.load(Ordering::SeqCst)
    }

    /// Resolves once the group is aborting.
    async fn aborted(&self) {
        loop {
            if self.is_aborting() {
                return;
            }
            let listener = self.abort.listen();
            if self.is_aborting() {
                return;
            }
            listener.await;
        }
    }

    fn fail(&self, failure: Failure<E>) {
        self.state().failures.push(failure);
        self.start_abort();
    }
}

/// The handle to a running task group (asyncio's `tg` in `async with TaskGroup() as tg`).
///
/// Cheap to clone: give a clone to a child that starts children of its own.
pub struct TaskGroup<R: Runtime, T, E> {
    shared: Arc<Shared<T, E>>,
    runtime: PhantomData<fn() -> R>,
}

impl<R: Runtime, T, E> Clone for TaskGroup<R, T, E> {
    fn clone(&self) -> Self {
        TaskGroup {
            shared: Arc::clone(&self.shared),
            runtime: PhantomData,
        }
    }
}

impl<R: Runtime, T, E> fmt::Debug for TaskGroup<R, T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.shared.state();
        f.debug_struct("TaskGroup")
            .field("runtime", &R::INFO.id)
            .field("started", &state.values.len())
            .field("live", &state.live)
            .field("failures", &state.failures.len())
            .field("aborting", &self.shared.is_aborting())
            .finish()
    }
}

/// Counts a child's future as gone when dropped, finished or cancelled, started or not.
struct Live<T, E>(Arc<Shared<T, E>>);

impl<T, E> Drop for Live<T, E> {
    fn drop(&mut self) {
        self.0.state().live -= 1;
        self.0.child_done.notify(usize::MAX);
    }
}

impl<R, T, E> TaskGroup<R, T, E>
where
    R: Runtime,
    T: Send + 'static,
    E: Send + 'static,
{
    /// Starts `future` as a child task (`tg.create_task(coro)`); returns its index in start order, the
    /// place of its value in the group's result.
    ///
    /// # Errors
    ///
    /// [`TaskGroupClosed`] once the group is shutting down (a failure happened, or its owner was
    /// cancelled) or finished; `future` is dropped unstarted.
    pub fn create_task<F>(&self, future: F) -> Result<usize, TaskGroupClosed>
    where
        F: Future<Output = Result<T, E>> + Send + 'static,
    {
        let index = {
            let mut state = self.shared.state();
            if state.finished || self.shared.is_aborting() {
                return Err(TaskGroupClosed);
            }
            state.live += 1;
            state.values.push(None);
            state.values.len() - 1
        };
        let live = Live(Arc::clone(&self.shared));
        let shared = Arc::clone(&self.shared);
        let child = async move {
            let _live = live;
            // The shutdown is polled first: a cancelled child never takes another step.
            let outcome = future::or(
                async {
                    shared.aborted().await;
                    None
                },
                async { Some(AssertUnwindSafe(future).catch_unwind().await) },
            )
            .await;
            match outcome {
                None => {}
                Some(Ok(Ok(value))) => shared.state().values[index] = Some(value),
                Some(Ok(Err(error))) => shared.fail(Failure::Failed { index, error }),
                Some(Err(payload)) => shared.fail(Failure::Panicked {
                    index,
                    message: panic_text(payload),
                }),
            }
        };
        // The group follows the child through `Live`, not through its handle.
        R::spawn(child).detach();
        Ok(index)
    }
}

fn panic_text(payload: Box<dyn std::any::Any + Send>) -> String {
    match JoinError::from_panic(payload) {
        JoinError::Panicked(message) => message,
        JoinError::Cancelled => String::new(),
    }
}

/// Aborts the group if its owner is dropped before the group finished.
struct Owner<T, E>(Arc<Shared<T, E>>);

impl<T, E> Drop for Owner<T, E> {
    fn drop(&mut self) {
        if !self.0.state().finished {
            self.0.start_abort();
        }
    }
}

/// What a task group that succeeded gives: the body's value, and every child's value in start order.
pub type Joined<U, T> = (U, Vec<T>);

/// Runs `body` with a new [`TaskGroup`], then waits for every child (`async with TaskGroup() as tg`).
///
/// # Errors
///
/// [`ExceptionGroup`] with every failure, if the body or any child failed; every other child has been
/// cancelled, and every child is gone, by then.
pub async fn task_group<R, T, E, U, B, Fut>(body: B) -> Result<Joined<U, T>, ExceptionGroup<E>>
where
    R: Runtime,
    T: Send + 'static,
    E: Send + 'static,
    B: FnOnce(TaskGroup<R, T, E>) -> Fut,
    Fut: Future<Output = Result<U, E>>,
{
    let shared = Arc::new(Shared {
        state: Mutex::new(State {
            values: Vec::new(),
            failures: Vec::new(),
            live: 0,
            finished: false,
        }),
        aborting: AtomicBool::new(false),
        abort: Event::new(),
        child_done: Event::new(),
    });
    let owner = Owner(Arc::clone(&shared));
    let group = TaskGroup {
        shared: Arc::clone(&shared),
        runtime: PhantomData,
    };
    let body = body(group);
    // A failure among the children cancels the body too, as CPython cancels the group's parent task.
    let body_value = future::or(
        async {
            shared.aborted().await;
            None
        },
        async { Some(body.await) },
    )
    .await;
    let body_value = match body_value {
        Some(Ok(value)) => Some(value),
        Some(Err(error)) => {
            shared.fail(Failure::Body(error));
            None
        }
        None => None,
    };
    // Leaving the group: wait for every child, those started meanwhile included.
    loop {
        let listener = shared.child_done.listen();
        {
            let mut state = shared.state();
            if state.live == 0 {
                state.finished = true;
                break;
            }
        }
        listener.await;
    }
    drop(owner);
    let mut state = shared.state();
    let failures = std::mem::take(&mut state.failures);
    match body_value {
        Some(value) if failures.is_empty() => {
            let values = state.values.drain(..).flatten().collect();
            Ok((value, values))
        }
        _ => Err(ExceptionGroup { failures }),
    }
}
