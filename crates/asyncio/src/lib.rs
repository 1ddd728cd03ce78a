//! asyncio's vocabulary, written once over the [`Runtime`] trait: every piece behaves as CPython's does on
//! every runtime, or says precisely where it differs.
//!
//! | asyncio | here |
//! |---|---|
//! | `asyncio.gather(*aws)` | [`gather`], [`try_gather`], [`gather_return_exceptions`] |
//! | `asyncio.create_task(coro)` | [`create_task`] → [`Task`] |
//! | `asyncio.wait_for(aw, timeout)` | [`wait_for`], [`wait_for_task`] |
//! | `asyncio.shield(aw)` | [`shield`] → [`Shield`] |
//! | `asyncio.Queue`, `LifoQueue`, `PriorityQueue` | [`Queue`], [`LifoQueue`], [`PriorityQueue`] |
//! | `loop.call_soon`, `call_later`, `call_at`, `run_forever`, `stop`, `set_exception_handler` | [`EventLoop`] |
//! | `loop.run_in_executor(None, f)` | [`run_in_executor`] |
//! | async generators, `async for`, async comprehensions | [`agen!`](agen), [`StreamExt`] |
//! | `async with` | [`async_with`], [`AsyncContextManager`] |
//! | `asyncio.Lock`, `Event`, `Condition`, `Semaphore`, `BoundedSemaphore`, `Barrier` | [`sync`] |
//! | `asyncio.create_subprocess_exec`, `asyncio.subprocess.Process` | [`subprocess`] |
//! | `asyncio.open_connection`, `start_server`, `StreamReader`, `StreamWriter` | [`streams`] |
#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]

pub use rosetta_rt::{Io, JoinError, Runtime};

pub mod agen;
pub mod callbacks;
pub mod context;
pub mod gather;
pub mod queue;
pub mod shield;
pub mod streams;
pub mod subprocess;
pub mod sync;
pub mod task;
pub mod wait_for;

pub use agen::{Stream, StreamExt, agen};
pub use callbacks::{EventLoop, ExceptionContext, ExceptionHandler, TimerHandle};
pub use context::{AsyncContextManager, Exit, WithError, async_with};
pub use gather::{Gather, GatherError, gather, gather_return_exceptions, try_gather};
pub use shield::{Shield, shield};
pub use subprocess::{SubprocessError, create_subprocess_exec};
pub use sync::{
    Barrier, BoundedSemaphore, BrokenBarrierError, Condition, ConditionGuard, Event, Lock,
    LockGuard, OverReleaseError, Semaphore, SemaphorePermit,
};
pub use task::{Task, create_task, run_in_executor};
pub use wait_for::{TimeoutError, wait_for, wait_for_task};

pub use queue::{
    BaseQueue, Discipline, Fifo, GetError, Lifo, LifoQueue, Priority, PriorityQueue, Queue,
    QueueEmpty, QueueError, QueueFull, QueueShutDown, TaskDoneError,
};
