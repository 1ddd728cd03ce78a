//! asyncio's vocabulary, written once over the [`Runtime`] trait: every piece behaves as CPython's does on
//! every runtime, or says precisely where it differs.
//!
//! | asyncio | here |
//! |---|---|
//! | `asyncio.gather(*aws)` | [`gather`](fn@gather), [`try_gather`], [`gather_return_exceptions`] |
//! | `asyncio.create_task(coro)` | [`create_task`] → [`Task`] |
//! | `asyncio.wait_for(aw, timeout)` | [`wait_for`](fn@wait_for), [`wait_for_task`] |
//! | `asyncio.shield(aw)` | [`shield`](fn@shield) → [`Shield`] |
//! | `asyncio.TaskGroup` | [`task_group`] → [`TaskGroup`], [`ExceptionGroup`] |
//! | `asyncio.timeout(delay)`, `timeout_at(when)` | [`timeout`](fn@timeout), [`timeout_at`] → [`Timeout`] |
//! | `asyncio.wait(aws, timeout, return_when)` | [`wait`](fn@wait), [`try_wait`] → [`Waited`] |
//! | `asyncio.as_completed(aws, timeout)` | [`as_completed`](fn@as_completed) → [`AsCompleted`] |
//! | `loop.create_future()`, `asyncio.Future` | [`future::Future`] |
//! | `asyncio.to_thread(f)` | [`to_thread`] |
//! | `asyncio.sleep(delay, result)` | [`sleep`] |
//! | `asyncio.Queue`, `LifoQueue`, `PriorityQueue` | [`Queue`], [`LifoQueue`], [`PriorityQueue`] |
//! | `loop.call_soon`, `call_later`, `call_at`, `run_forever`, `stop`, `set_exception_handler` | [`EventLoop`] |
//! | `loop.run_in_executor(None, f)` | [`run_in_executor`] |
//! | async generators, `async for`, async comprehensions | [`agen!`](macro@agen), [`StreamExt`] |
//! | `async with` | [`async_with`], [`AsyncContextManager`] |
//! | `asyncio.Lock`, `Event`, `Condition`, `Semaphore`, `BoundedSemaphore`, `Barrier` | [`sync`] |
//! | `asyncio.create_subprocess_exec`, `asyncio.subprocess.Process` | [`subprocess`] |
//! | `asyncio.open_connection`, `start_server`, `StreamReader`, `StreamWriter` | [`streams`] |
#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]

pub use rosetta_rt::{Io, JoinError, Runtime};

pub mod agen;
pub mod as_completed;
pub mod callbacks;
pub mod context;
pub mod future;
pub mod gather;
pub mod queue;
pub mod shield;
pub mod sleep;
pub mod streams;
pub mod subprocess;
pub mod sync;
pub mod task;
pub mod taskgroup;
pub mod timeout;
pub mod wait;
pub mod wait_for;

pub use agen::{Stream, StreamExt, agen};
pub use as_completed::{AsCompleted, as_completed};
pub use callbacks::{EventLoop, ExceptionContext, ExceptionHandler, TimerHandle};
pub use context::{AsyncContextManager, Exit, WithError, async_with};
pub use gather::{Gather, GatherError, gather, gather_return_exceptions, try_gather};
pub use shield::{Shield, shield};
pub use sleep::sleep;
pub use subprocess::{SubprocessError, create_subprocess_exec};
pub use sync::{
    Barrier, BoundedSemaphore, BrokenBarrierError, Condition, ConditionGuard, Event, Lock,
    LockGuard, OverReleaseError, Semaphore, SemaphorePermit,
};
pub use task::{Task, create_task, run_in_executor, to_thread};
pub use taskgroup::{ExceptionGroup, Failure, TaskGroup, TaskGroupClosed, task_group};
pub use timeout::{Timeout, TimeoutExpired, timeout, timeout_at};
pub use wait::{ReturnWhen, Waited, try_wait, wait};
pub use wait_for::{TimeoutError, wait_for, wait_for_task};

pub use queue::{
    BaseQueue, Discipline, Fifo, GetError, Lifo, LifoQueue, Priority, PriorityQueue, Queue,
    QueueEmpty, QueueError, QueueFull, QueueShutDown, TaskDoneError,
};
