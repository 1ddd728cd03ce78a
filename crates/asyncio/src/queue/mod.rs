//! asyncio's `Queue`, `LifoQueue` and `PriorityQueue`: CPython 3.13's `asyncio/queues.py`, runtime-free.
//!
//! ```python
//! q = asyncio.Queue(maxsize=2)
//! await q.put("job")            # waits while the queue is full
//! item = await q.get()          # waits while the queue is empty
//! q.task_done()                 # one item finished
//! await q.join()                # every item put has had its task_done()
//! q.shutdown(immediate=False)   # later puts fail; gets drain what is left, then fail
//! ```
//!
//! Here the same program is [`Queue`]`::new(2)`, `q.put("job").await?`, `q.get().await?`,
//! `q.task_done()?`, `q.join().await`, `q.shutdown(false)`. [`LifoQueue`] and [`PriorityQueue`] are the
//! same queue with another storage order ([`Discipline`]), as in Python where they override `_init`,
//! `_put` and `_get`.
//!
//! The queue does not name a runtime: it waits with `event-listener`, so one queue value works on tokio,
//! smol and async-std alike, and may even be shared between loops.
//!
//! # Semantic promises
//!
//! Each holds on every runtime; `tests/queue.rs` checks each one on every runtime of the registry and
//! `tests/queue_model.rs` checks the non-waiting calls against a plain model.
//!
//! - **Order.** [`Queue`] is first in, first out; [`LifoQueue`] last in, first out; [`PriorityQueue`]
//!   gives the smallest item first (Python's `heapq`; equal items come out in no promised order).
//! - **Size.** `maxsize` 0 means unbounded, as in Python (which also treats negatives so). [`full`] is
//!   `qsize() >= maxsize` for a bounded queue and never true for an unbounded one.
//! - **Waiting.** [`put`] waits while the queue is full and [`get`] while it is empty; [`put_nowait`]
//!   and [`get_nowait`] never wait and fail instead ([`QueueError::Full`] gives the item back,
//!   [`GetError::Empty`]).
//! - **Fairness.** Blocked putters are woken in the order they started waiting, one per freed slot, and
//!   blocked getters one per item put. As in Python, a call that finds room (or an item) at once does not
//!   queue behind the woken waiters: a woken waiter that loses the race waits again, at the back.
//! - **Cancellation.** A future is cancelled by being dropped (asyncio's `task.cancel()`). A dropped
//!   [`get`] has taken nothing and a dropped [`put`] has added nothing: an item moves only in the poll that
//!   returns `Ready`. A waiter that was woken and then dropped before it ran passes its wake-up on to a
//!   waiter that still needs one (asyncio's `_wakeup_next` on cancellation), so no item or slot is left
//!   behind a sleeping waiter, and no dropped call stays counted in
//!   [`waiting_getters`]/[`waiting_putters`].
//! - **Tasks.** Every successful put adds one unfinished task; [`task_done`] finishes one and fails with
//!   [`TaskDoneError`] when none is unfinished (Python's `ValueError`). [`join`] returns at once when
//!   nothing is unfinished, and otherwise once the count has come down to zero at some point after it
//!   started waiting, even if new items have been put since (Python's `Event.set()` wakes every waiter).
//! - **Shutdown** (Python 3.13). After [`shutdown`], [`put`] and [`put_nowait`] fail with
//!   [`QueueShutDown`], and blocked putters are woken and fail so. [`get`] and [`get_nowait`] keep
//!   returning the items still queued and fail with [`QueueShutDown`] once the queue is empty; blocked
//!   getters are woken and fail so. `shutdown(true)` first drops every queued item and lowers the
//!   unfinished count by one per dropped item (never below zero), so that [`join`] can return.
//!   Shutting down is final and may be repeated.
//!
//! # Examples
//!
//! A producer and a consumer, run here on `futures-lite`'s `block_on` since the queue needs no runtime:
//!
//! ```
//! use futures_lite::future::{block_on, zip};
//! use rosetta_asyncio::Queue;
//!
//! let q = Queue::new(2);
//! let producer = {
//!     let q = q.clone();
//!     async move {
//!         for job in 0..5 {
//!             q.put(job).await.expect("the queue is open");
//!         }
//!     }
//! };
//! let consumer = {
//!     let q = q.clone();
//!     async move {
//!         let mut done = Vec::new();
//!         while done.len() < 5 {
//!             done.push(q.get().await.expect("the queue is open"));
//!             q.task_done().expect("one task_done per item");
//!         }
//!         done
//!     }
//! };
//! let ((), done) = block_on(zip(producer, consumer));
//! assert_eq!(done, [0, 1, 2, 3, 4]);
//! block_on(q.join());
//! ```
//!
//! # Per-runtime notes
//!
//! The queue is the same code on every runtime; only who runs a woken waiter differs.
//!
//! - **tokio** (current-thread), **smol**: the woken getter or putter runs on the loop's one thread,
//!   after the task that woke it yields, as in asyncio.
//! - **tokio-mt**, **smol-mt**, **async-std**: a woken waiter may run on another worker at once, in
//!   parallel with the task that woke it. Everything above still holds; what is not promised there (nor in
//!   asyncio) is *which* of several racing calls wins an item or a slot.
//!
//! # Layout
//!
//! One module per mechanism, each with its own tests: `discipline` (the storage orders), `errors`,
//! `unfinished` (the lock-free unfinished count and how `join` still sees it reach zero), `lock`
//! (the lock over the state, behind one alias), `waiters` (the accounting of parked calls and their
//! wake-ups), and `base`, the queue built from them.
//!
//! [`full`]: BaseQueue::full
//! [`put`]: BaseQueue::put
//! [`get`]: BaseQueue::get
//! [`put_nowait`]: BaseQueue::put_nowait
//! [`get_nowait`]: BaseQueue::get_nowait
//! [`task_done`]: BaseQueue::task_done
//! [`join`]: BaseQueue::join
//! [`shutdown`]: BaseQueue::shutdown
//! [`waiting_getters`]: BaseQueue::waiting_getters
//! [`waiting_putters`]: BaseQueue::waiting_putters

mod base;
mod discipline;
mod errors;
mod lock;
mod unfinished;
mod waiters;

pub use base::{BaseQueue, LifoQueue, PriorityQueue, Queue};
pub use discipline::{Discipline, Fifo, Lifo, Priority};
pub use errors::{GetError, QueueEmpty, QueueError, QueueFull, QueueShutDown, TaskDoneError};
