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

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::fmt;
use std::marker::PhantomData;
use std::mem;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, TryLockError};
use std::{hint, thread};

use event_listener::{Event, EventListener, Listener, listener};

/// How a queue stores its items: the order in which they come out.
///
/// Python's queue classes differ only in `_init`, `_put` and `_get`; this trait is those three (plus the
/// length). [`Fifo`], [`Lifo`] and [`Priority`] are asyncio's three; write another for another order.
/// Its methods run while the queue's lock is held, so they should be quick and must not touch the queue.
pub trait Discipline<T>: Send {
    /// Creates the empty storage for a queue of `maxsize` items, 0 meaning unbounded (Python's `_init`).
    fn init(maxsize: usize) -> Self
    where
        Self: Sized;

    /// Stores `item` (Python's `_put`).
    fn push(&mut self, item: T);

    /// Takes the next item out, if there is one (Python's `_get`).
    fn pop(&mut self) -> Option<T>;

    /// How many items are stored.
    fn len(&self) -> usize;

    /// Whether no item is stored.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// First in, first out: the storage of [`Queue`] (a `VecDeque`, like Python's `collections.deque`).
pub struct Fifo<T>(VecDeque<T>);

/// Last in, first out: the storage of [`LifoQueue`] (a `Vec`, like Python's list).
pub struct Lifo<T>(Vec<T>);

/// Smallest first: the storage of [`PriorityQueue`] (a min-heap, like Python's `heapq`).
pub struct Priority<T>(BinaryHeap<Reverse<T>>);

impl<T: Send> Discipline<T> for Fifo<T> {
    fn init(_maxsize: usize) -> Self {
        Fifo(VecDeque::new())
    }

    fn push(&mut self, item: T) {
        self.0.push_back(item);
    }

    fn pop(&mut self) -> Option<T> {
        self.0.pop_front()
    }

    fn len(&self) -> usize {
        self.0.len()
    }
}

impl<T: Send> Discipline<T> for Lifo<T> {
    fn init(_maxsize: usize) -> Self {
        Lifo(Vec::new())
    }

    fn push(&mut self, item: T) {
        self.0.push(item);
    }

    fn pop(&mut self) -> Option<T> {
        self.0.pop()
    }

    fn len(&self) -> usize {
        self.0.len()
    }
}

impl<T: Ord + Send> Discipline<T> for Priority<T> {
    fn init(_maxsize: usize) -> Self {
        Priority(BinaryHeap::new())
    }

    fn push(&mut self, item: T) {
        self.0.push(Reverse(item));
    }

    fn pop(&mut self) -> Option<T> {
        self.0.pop().map(|Reverse(item)| item)
    }

    fn len(&self) -> usize {
        self.0.len()
    }
}

impl<T: fmt::Debug> fmt::Debug for Fifo<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(&self.0).finish()
    }
}

impl<T: fmt::Debug> fmt::Debug for Lifo<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(&self.0).finish()
    }
}

impl<T: fmt::Debug> fmt::Debug for Priority<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(|Reverse(item)| item))
            .finish()
    }
}

/// `put_nowait` on a full queue: asyncio's `QueueFull`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, thiserror::Error)]
#[error("queue is full")]
pub struct QueueFull;

/// `get_nowait` on an empty queue: asyncio's `QueueEmpty`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, thiserror::Error)]
#[error("queue is empty")]
pub struct QueueEmpty;

/// A put on a shut-down queue, or a get on a shut-down queue with no item left: asyncio's
/// `QueueShutDown`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, thiserror::Error)]
#[error("queue is shut down")]
pub struct QueueShutDown;

/// More `task_done` calls than items put: asyncio's `ValueError('task_done() called too many times')`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, thiserror::Error)]
#[error("task_done() called too many times")]
pub struct TaskDoneError;

/// Why [`put_nowait`](BaseQueue::put_nowait) refused an item: [`QueueFull`] or [`QueueShutDown`], with
/// the item given back.
#[derive(Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub enum QueueError<T> {
    /// The queue is full ([`QueueFull`]); here is the item.
    #[error("{}", QueueFull)]
    Full(T),
    /// The queue is shut down ([`QueueShutDown`]); here is the item.
    #[error("{}", QueueShutDown)]
    ShutDown(T),
}

impl<T> QueueError<T> {
    /// The item that was not put.
    pub fn into_inner(self) -> T {
        match self {
            QueueError::Full(item) | QueueError::ShutDown(item) => item,
        }
    }

    /// Whether the queue was full.
    pub fn is_full(&self) -> bool {
        matches!(self, QueueError::Full(_))
    }

    /// Whether the queue was shut down.
    pub fn is_shutdown(&self) -> bool {
        matches!(self, QueueError::ShutDown(_))
    }
}

// Written by hand so that the error is `Debug`, hence an `Error`, whatever the item type, as
// `std::sync::mpsc::TrySendError` is.
impl<T> fmt::Debug for QueueError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QueueError::Full(_) => f.write_str("Full(..)"),
            QueueError::ShutDown(_) => f.write_str("ShutDown(..)"),
        }
    }
}

/// Why [`get_nowait`](BaseQueue::get_nowait) returned no item: [`QueueEmpty`] or [`QueueShutDown`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub enum GetError {
    /// The queue is empty and open ([`QueueEmpty`]).
    #[error("{}", QueueEmpty)]
    Empty,
    /// The queue is empty and shut down ([`QueueShutDown`]).
    #[error("{}", QueueShutDown)]
    ShutDown,
}

impl GetError {
    /// Whether the queue was empty and open.
    pub fn is_empty(&self) -> bool {
        matches!(self, GetError::Empty)
    }

    /// Whether the queue was shut down.
    pub fn is_shutdown(&self) -> bool {
        matches!(self, GetError::ShutDown)
    }
}

impl From<QueueEmpty> for GetError {
    fn from(_: QueueEmpty) -> Self {
        GetError::Empty
    }
}

impl From<QueueShutDown> for GetError {
    fn from(_: QueueShutDown) -> Self {
        GetError::ShutDown
    }
}

/// A FIFO queue: asyncio's `Queue`.
pub type Queue<T> = BaseQueue<T, Fifo<T>>;

/// A LIFO queue: asyncio's `LifoQueue`.
pub type LifoQueue<T> = BaseQueue<T, Lifo<T>>;

/// A queue that gives the smallest item first: asyncio's `PriorityQueue`.
///
/// As in Python, items are typically `(priority, data)` tuples.
pub type PriorityQueue<T> = BaseQueue<T, Priority<T>>;

/// An asyncio queue whose storage order is `D`; use it through [`Queue`], [`LifoQueue`] or
/// [`PriorityQueue`].
///
/// Cloning is cheap and gives another handle to the same queue, the way asyncio code passes `q` to
/// several coroutines. The queue is `Send` and `Sync` when its items are `Send`. Each method's
/// documentation states its promise; the documentation of the `queue` module (`src/queue.rs`) lists them
/// all, with the notes per runtime.
///
/// # Examples
///
/// ```
/// use futures_lite::future::block_on;
/// use rosetta_asyncio::{PriorityQueue, QueueError};
///
/// let q = PriorityQueue::new(2);
/// q.put_nowait((2, "write")).unwrap();
/// q.put_nowait((1, "read")).unwrap();
/// assert_eq!(q.put_nowait((0, "late")), Err(QueueError::Full((0, "late"))));
///
/// block_on(async {
///     assert_eq!(q.get().await, Ok((1, "read")));
///     q.shutdown(false);
///     assert_eq!(q.get().await, Ok((2, "write")));
///     assert!(q.get().await.is_err());
/// });
/// assert!(q.get_nowait().is_err_and(|error| error.is_shutdown()));
/// ```
pub struct BaseQueue<T, D = Fifo<T>> {
    shared: Arc<Shared<D>>,
    // The items live in `D`; `fn(T) -> T` names `T` without making the queue's `Send` or `Sync`
    // depend on anything but `D`.
    _item: PhantomData<fn(T) -> T>,
}

/// What every handle of one queue shares.
struct Shared<D> {
    maxsize: usize,
    state: Mutex<State<D>>,
    /// The unfinished count, outside the lock.
    tasks: Tasks,
    /// Getters wait here for an item (or for shutdown).
    not_empty: Event,
    /// Putters wait here for a free slot (or for shutdown).
    not_full: Event,
    /// `join` waits here for the unfinished count to come down to zero.
    finished: Event,
}

/// Everything else that changes, under one lock, so that each put or get is one short critical
/// section.
struct State<D> {
    items: D,
    /// Counts the times the unfinished count came down to zero under the lock, which is every time
    /// while a `join` waits ([`JOINING`]), so that a waiting `join` can tell that it did even if new
    /// items have been put since.
    finished_epoch: u64,
    shutdown: bool,
    getters: Side,
    putters: Side,
    /// `join` calls waiting for `finished`; [`JOINING`] is set while there is one.
    joiners: usize,
}

/// The unfinished count (Python's `_unfinished_tasks`), as two counters that only grow: the items
/// put, and the tasks done.
///
/// It lives outside the lock so that `task_done`, a third call per item beside the put and the get,
/// is one compare-and-swap rather than a third critical section. A put counts its item under the
/// lock, before the item can be gotten, so a `task_done` always finds the item it finishes counted;
/// and since only puts write `put`, under the lock, a put stores it without a read-modify-write.
/// See [`JOINING`] for how `join` still sees every time the count comes down to zero.
#[derive(Debug, Default)]
struct Tasks {
    /// Items ever put. Written only under the queue's lock; read anywhere.
    put: AtomicU64,
    /// `task_done` calls, plus the items dropped by `shutdown(true)`, in the bits below [`JOINING`];
    /// never more than `put`.
    done: AtomicU64,
}

/// The bit of [`Tasks::done`] that says a `join` waits.
///
/// While it is set, the unfinished count comes down to zero only under the queue's lock, where the
/// epoch that waiting joiners compare is advanced in the same critical section: a `task_done` that
/// would finish the last unfinished item with this bit set takes the lock. The bit is set and cleared
/// under the lock, in the same word as the count of tasks done, so a lock-free `task_done` either
/// finds it set or finishes before the joiner's look, which then sees the count it left. Without a
/// waiting `join` nothing needs to know when the count reaches zero.
///
/// This leaves 63 bits to count tasks done, centuries of `task_done` calls.
const JOINING: u64 = 1 << 63;

impl Tasks {
    /// How many of `put` items are unfinished when `done` is the word of [`Tasks::done`].
    fn unfinished(put: u64, done: u64) -> u64 {
        put - (done & !JOINING)
    }

    /// The unfinished count, read without the lock. Reading `done` before `put` makes a zero exact:
    /// `put` only grows and a `task_done` checks `put` before it counts itself, so the `put` read is
    /// never below the `done` read, and equal only if the count was zero when `done` was read.
    fn now(&self) -> u64 {
        let done = self.done.load(Ordering::Acquire);
        Self::unfinished(self.put.load(Ordering::Acquire), done)
    }

    /// Counts one item put. Only under the queue's lock.
    fn add(&self) {
        let put = self.put.load(Ordering::Relaxed);
        self.put.store(put + 1, Ordering::Release);
    }

    /// Counts one task done without the lock, unless it would finish the last unfinished item while a
    /// `join` waits: `Ok(false)` then, for [`Tasks::done_locked`] to count it.
    fn done_lock_free(&self) -> Result<bool, TaskDoneError> {
        let mut done = self.done.load(Ordering::Acquire);
        loop {
            match Self::unfinished(self.put.load(Ordering::Acquire), done) {
                0 => return Err(TaskDoneError),
                1 if done & JOINING != 0 => return Ok(false),
                _ => {}
            }
            match self.done.compare_exchange_weak(
                done,
                done + 1,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return Ok(true),
                Err(now) => done = now,
            }
        }
    }

    /// Counts one task done, under the queue's lock, where `put` holds still and other calls may count
    /// tasks done but not finish the last one; says whether this finished the last one.
    fn done_locked(&self) -> Result<bool, TaskDoneError> {
        let put = self.put.load(Ordering::Acquire);
        let before = self
            .done
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |done| {
                (Self::unfinished(put, done) > 0).then_some(done + 1)
            })
            .map_err(|_| TaskDoneError)?;
        Ok(Self::unfinished(put, before) == 1)
    }

    /// Lowers the unfinished count by the `dropped` items of `shutdown(true)`, not below zero, under
    /// the queue's lock; says whether it is zero now.
    fn drop_items(&self, dropped: u64) -> bool {
        let put = self.put.load(Ordering::Acquire);
        let lower = |done| done + dropped.min(Self::unfinished(put, done));
        let before = self
            .done
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |done| {
                Some(lower(done))
            })
            .unwrap_or_else(|done| done);
        Self::unfinished(put, lower(before)) == 0
    }
}

/// How many times [`Shared::lock`] spins before it yields: 1, 2, 4, ... 128 spin-loop hints, a few
/// microseconds in all, several times a critical section even when the holder has to fetch the
/// queue's cache lines from another core.
const SPIN_ROUNDS: u32 = 8;

/// How many times [`Shared::lock`] yields the thread, after spinning, before it sleeps on the lock.
const YIELD_ROUNDS: u32 = 4;

/// The calls waiting on one side of the queue (getters or putters), as the queue accounts for them.
///
/// `Event::notify` takes the event's own lock even when nobody listens, and a woken call takes a while
/// to run. Counting parked calls and the wake-ups already sent to them lets a put or get notify only
/// when a parked call has no wake-up coming, so that the uncontended path is one critical section, and
/// a thousand puts behind one sleeping getter notify it once rather than a thousand times.
///
/// The accounting is exact, and it has to be: a `woken` count above the truth would leave a parked
/// call asleep. Each parked call registers its listener under the queue's lock, so every listener
/// belongs to a counted call. Each wake-up sent is counted in `woken` when it is decided, and taken
/// off when its call looks at the queue again, when its call is dropped holding it (the listener is
/// discarded, not dropped, so event-listener does not forward it blindly), or when it finds no listener
/// to wake (its call left meanwhile). In the last two cases it is sent again if a parked call still
/// needs it.
#[derive(Debug, Default)]
struct Side {
    /// Calls counted as waiting: from the look that found them blocked to the look after their wake-up.
    parked: usize,
    /// Wake-ups sent to this side's listeners and not yet taken off.
    woken: usize,
}

/// Which side of the queue a waiting call is on.
#[derive(Debug, Clone, Copy)]
enum Which {
    Getters,
    Putters,
}

/// Which parked calls a change to the queue has to wake, once the lock is released.
#[derive(Debug, Clone, Copy, Default)]
#[must_use = "the parked calls must be notified once the lock is released"]
struct Wake {
    getter: bool,
    putter: bool,
}

impl<D> State<D> {
    fn side(&mut self, which: Which) -> &mut Side {
        match which {
            Which::Getters => &mut self.getters,
            Which::Putters => &mut self.putters,
        }
    }
}

impl<D> Shared<D> {
    /// Locks the state. A panic while the lock was held (in an item's `Ord`, say) leaves the state
    /// consistent, since every count is updated after the storage call, so the poison is ignored.
    fn lock(&self) -> MutexGuard<'_, State<D>> {
        // `Mutex::lock` puts the thread to sleep on a futex as soon as it loses one race for the lock
        // after a short spin. A producer and a consumer on two workers lose such races all the time,
        // and each sleep costs a futex wait and a futex wake, microseconds against a critical section
        // of tens of nanoseconds: on smol-mt, one producer and one consumer made some 14 000 futex
        // calls per 100 000 items, and spent half their time there. So a call retries first, spinning
        // with exponential backoff (as `parking_lot` and crossbeam do), then yielding the thread in
        // case the holder waits for this core, and only then sleeps.
        for round in 0..SPIN_ROUNDS + YIELD_ROUNDS {
            match self.state.try_lock() {
                Ok(guard) => return guard,
                Err(TryLockError::Poisoned(poisoned)) => return poisoned.into_inner(),
                Err(TryLockError::WouldBlock) => {}
            }
            if round < SPIN_ROUNDS {
                for _ in 0..1_u32 << round {
                    hint::spin_loop();
                }
            } else {
                thread::yield_now();
            }
        }
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn event(&self, which: Which) -> &Event {
        match which {
            Which::Getters => &self.not_empty,
            Which::Putters => &self.not_full,
        }
    }

    /// Whether `state` holds `maxsize` items or more; never for an unbounded queue.
    fn is_full<T>(&self, state: &State<D>) -> bool
    where
        D: Discipline<T>,
    {
        self.maxsize != 0 && state.items.len() >= self.maxsize
    }

    /// Decides, under the lock, whether a parked call of `which` must be woken: when the queue now lets
    /// it through and some parked call has no wake-up coming. Counts the wake-up if so.
    fn wake_one<T>(&self, state: &mut State<D>, which: Which) -> bool
    where
        D: Discipline<T>,
    {
        // Shutdown has woken every listener, and no call parks after it.
        if state.shutdown {
            return false;
        }
        let passable = match which {
            Which::Getters => !state.items.is_empty(),
            Which::Putters => !self.is_full::<T>(state),
        };
        let side = state.side(which);
        if passable && side.parked > side.woken {
            side.woken += 1;
            true
        } else {
            false
        }
    }

    /// Checks, in debug builds, what the accounting of [`Side`] guarantees at the end of every critical
    /// section: as many parked calls as the queue can let through have a wake-up coming. Were it false, a
    /// parked call could sleep while an item (or a slot) waits for it.
    fn debug_check<T>(&self, state: &State<D>)
    where
        D: Discipline<T>,
    {
        if cfg!(debug_assertions) && !state.shutdown {
            let items = state.items.len();
            let getters = &state.getters;
            debug_assert!(
                getters.woken >= getters.parked.min(items),
                "{} getters parked, {} woken, {items} items",
                getters.parked,
                getters.woken,
            );
            if self.maxsize != 0 {
                let free = self.maxsize.saturating_sub(items);
                let putters = &state.putters;
                debug_assert!(
                    putters.woken >= putters.parked.min(free),
                    "{} putters parked, {} woken, {free} free slots",
                    putters.parked,
                    putters.woken,
                );
            }
        }
    }

    /// Sends the wake-ups that `wake` decided, outside the lock.
    fn notify<T>(&self, wake: Wake)
    where
        D: Discipline<T>,
    {
        if wake.getter {
            self.notify_one::<T>(Which::Getters);
        }
        if wake.putter {
            self.notify_one::<T>(Which::Putters);
        }
    }

    /// Wakes one parked call of `which`. A wake-up that finds no listener (its call was dropped between
    /// the decision and now) is taken back, and sent again if a parked call still needs it.
    fn notify_one<T>(&self, which: Which)
    where
        D: Discipline<T>,
    {
        let event = self.event(which);
        while event.notify_additional(1) == 0 {
            let mut state = self.lock();
            let side = state.side(which);
            side.woken = side.woken.saturating_sub(1);
            let again = self.wake_one::<T>(&mut state, which);
            self.debug_check::<T>(&state);
            if !again {
                return;
            }
        }
    }

    /// Puts `item` if the queue is open and has room; says whom to wake.
    fn try_put<T>(&self, state: &mut State<D>, item: T) -> Result<Wake, QueueError<T>>
    where
        D: Discipline<T>,
    {
        if state.shutdown {
            return Err(QueueError::ShutDown(item));
        }
        if self.is_full::<T>(state) {
            return Err(QueueError::Full(item));
        }
        state.items.push(item);
        self.tasks.add();
        let wake = Wake {
            getter: self.wake_one::<T>(state, Which::Getters),
            // Normally no putter waits while there is room; should one, it is woken rather than left.
            putter: self.wake_one::<T>(state, Which::Putters),
        };
        self.debug_check::<T>(state);
        Ok(wake)
    }

    /// Takes the next item if there is one; says whom to wake.
    fn try_get<T>(&self, state: &mut State<D>) -> Result<(T, Wake), GetError>
    where
        D: Discipline<T>,
    {
        match state.items.pop() {
            Some(item) => {
                let wake = Wake {
                    putter: self.wake_one::<T>(state, Which::Putters),
                    // Normally no getter waits while there are items; should one, it is woken rather
                    // than left.
                    getter: self.wake_one::<T>(state, Which::Getters),
                };
                self.debug_check::<T>(state);
                Ok((item, wake))
            }
            None if state.shutdown => Err(GetError::ShutDown),
            None => Err(GetError::Empty),
        }
    }
}

/// A `get` or `put` that has found the queue blocked: counted in its side's [`Side::parked`] while it
/// waits, with the listener it waits on.
struct Waiter<'a, T, D: Discipline<T>> {
    shared: &'a Shared<D>,
    which: Which,
    parked: bool,
    listener: Option<EventListener>,
    /// Whether the listener fired since the call last looked at the queue.
    woken: bool,
    _item: PhantomData<fn(T) -> T>,
}

impl<'a, T, D: Discipline<T>> Waiter<'a, T, D> {
    fn new(shared: &'a Shared<D>, which: Which) -> Self {
        Waiter {
            shared,
            which,
            parked: false,
            listener: None,
            woken: false,
            _item: PhantomData,
        }
    }

    /// Starts a look at the queue, under the lock: the call stops being parked, and the wake-up that
    /// brought it here, if any, is taken off. It parks again if the queue is still blocked.
    fn look(&mut self, state: &mut State<D>) {
        let side = state.side(self.which);
        if mem::take(&mut self.woken) {
            // A wake-up sent by shutdown was never counted, hence saturating.
            side.woken = side.woken.saturating_sub(1);
        }
        if mem::take(&mut self.parked) {
            side.parked -= 1;
        }
        self.listener = None;
    }

    /// Parks the call, under the lock. The listener is registered under the lock too, so whoever
    /// unblocks the queue after this look finds it there, and finds it counted.
    fn park(&mut self, state: &mut State<D>) {
        state.side(self.which).parked += 1;
        self.parked = true;
        self.listener = Some(self.shared.event(self.which).listen());
        self.shared.debug_check::<T>(state);
    }

    /// Waits for the wake-up.
    async fn wait(&mut self) {
        if let Some(listener) = self.listener.as_mut() {
            listener.await;
            self.woken = true;
        }
    }
}

impl<T, D: Discipline<T>> Drop for Waiter<'_, T, D> {
    fn drop(&mut self) {
        // Only a future dropped while it waits gets here parked (asyncio's cancelled getter or putter).
        if !self.parked {
            return;
        }
        let wake = {
            let mut state = self.shared.lock();
            // Discarding unregisters the listener without forwarding its wake-up, which could reach a
            // call that does not need it while one that does stays asleep; the wake-up is taken off and
            // sent again below, to a parked call that needs it, if there is one.
            let held_wake_up = self.listener.take().is_some_and(Listener::discard) || self.woken;
            let side = state.side(self.which);
            side.parked -= 1;
            if held_wake_up {
                side.woken = side.woken.saturating_sub(1);
            }
            let wake = self.shared.wake_one::<T>(&mut state, self.which);
            self.shared.debug_check::<T>(&state);
            wake
        };
        if wake {
            self.shared.notify_one::<T>(self.which);
        }
    }
}

/// Keeps a waiting `join` counted in [`State::joiners`], and uncounts it when it leaves, also when its
/// future is dropped.
struct Joiner<'a, D> {
    shared: &'a Shared<D>,
    /// The epoch the joiner started in, once it is counted.
    epoch: Option<u64>,
}

impl<D> Joiner<'_, D> {
    /// Counts the joiner, under the lock, and says the unfinished count it starts from. The first
    /// joiner sets [`JOINING`]; the count it reads with it is the one left by the last lock-free
    /// `task_done` before it, and from then on the count comes down to zero only under the lock.
    fn start(&mut self, state: &mut State<D>) -> u64 {
        state.joiners += 1;
        self.epoch = Some(state.finished_epoch);
        let tasks = &self.shared.tasks;
        if state.joiners == 1 {
            let done = tasks.done.fetch_or(JOINING, Ordering::AcqRel);
            Tasks::unfinished(tasks.put.load(Ordering::Acquire), done)
        } else {
            tasks.now()
        }
    }

    /// Uncounts the joiner, under the lock; the last one out clears [`JOINING`].
    fn stop(&mut self, state: &mut State<D>) {
        if self.epoch.take().is_some() {
            state.joiners -= 1;
            if state.joiners == 0 {
                self.shared.tasks.done.fetch_and(!JOINING, Ordering::AcqRel);
            }
        }
    }
}

impl<D> Drop for Joiner<'_, D> {
    fn drop(&mut self) {
        if self.epoch.is_some() {
            let shared = self.shared;
            self.stop(&mut shared.lock());
        }
    }
}

impl<T, D: Discipline<T>> BaseQueue<T, D> {
    /// Creates a queue that holds at most `maxsize` items, 0 meaning unbounded (asyncio's
    /// `Queue(maxsize)`).
    pub fn new(maxsize: usize) -> Self {
        BaseQueue {
            shared: Arc::new(Shared {
                maxsize,
                state: Mutex::new(State {
                    items: D::init(maxsize),
                    finished_epoch: 0,
                    shutdown: false,
                    getters: Side::default(),
                    putters: Side::default(),
                    joiners: 0,
                }),
                tasks: Tasks::default(),
                not_empty: Event::new(),
                not_full: Event::new(),
                finished: Event::new(),
            }),
            _item: PhantomData,
        }
    }

    /// Creates an unbounded queue (asyncio's `Queue()`).
    pub fn unbounded() -> Self {
        Self::new(0)
    }

    /// How many items the queue holds at most; 0 when it is unbounded.
    pub fn maxsize(&self) -> usize {
        self.shared.maxsize
    }

    /// How many items the queue holds now.
    pub fn qsize(&self) -> usize {
        self.shared.lock().items.len()
    }

    /// Whether the queue holds no item now.
    pub fn empty(&self) -> bool {
        self.shared.lock().items.is_empty()
    }

    /// Whether the queue holds `maxsize` items now; never true for an unbounded queue.
    pub fn full(&self) -> bool {
        self.shared.is_full::<T>(&self.shared.lock())
    }

    /// Puts `item` in the queue, waiting while the queue is full (asyncio's `await q.put(item)`).
    ///
    /// Dropping the future before it completes puts nothing.
    ///
    /// # Errors
    ///
    /// [`QueueShutDown`] if the queue is shut down, or is shut down while this call waits; the item is
    /// dropped.
    pub async fn put(&self, item: T) -> Result<(), QueueShutDown> {
        let mut item = match self.put_nowait(item) {
            Ok(()) => return Ok(()),
            Err(QueueError::ShutDown(_)) => return Err(QueueShutDown),
            Err(QueueError::Full(item)) => item,
        };
        let shared = &*self.shared;
        let mut waiter = Waiter::new(shared, Which::Putters);
        loop {
            let outcome = {
                let mut state = shared.lock();
                waiter.look(&mut state);
                let outcome = shared.try_put(&mut state, item);
                if let Err(QueueError::Full(_)) = outcome {
                    waiter.park(&mut state);
                }
                outcome
            };
            match outcome {
                Ok(wake) => {
                    shared.notify::<T>(wake);
                    return Ok(());
                }
                Err(QueueError::Full(back)) => item = back,
                // The refused item is dropped here, outside the lock, since its drop may run any code.
                Err(QueueError::ShutDown(_)) => return Err(QueueShutDown),
            }
            waiter.wait().await;
        }
    }

    /// Puts `item` in the queue if there is room now (asyncio's `q.put_nowait(item)`).
    ///
    /// # Errors
    ///
    /// [`QueueError::ShutDown`] if the queue is shut down (checked first, as in Python), else
    /// [`QueueError::Full`] if it is full; either gives the item back.
    pub fn put_nowait(&self, item: T) -> Result<(), QueueError<T>> {
        let shared = &*self.shared;
        let wake = shared.try_put(&mut shared.lock(), item)?;
        shared.notify::<T>(wake);
        Ok(())
    }

    /// Takes the next item, waiting while the queue is empty (asyncio's `await q.get()`).
    ///
    /// Dropping the future before it completes takes nothing: an item leaves the queue only in the poll
    /// that returns it.
    ///
    /// # Errors
    ///
    /// [`QueueShutDown`] if the queue is shut down and empty, or is shut down while this call waits.
    pub async fn get(&self) -> Result<T, QueueShutDown> {
        match self.get_nowait() {
            Ok(item) => return Ok(item),
            Err(GetError::ShutDown) => return Err(QueueShutDown),
            Err(GetError::Empty) => {}
        }
        let shared = &*self.shared;
        let mut waiter = Waiter::new(shared, Which::Getters);
        loop {
            let outcome = {
                let mut state = shared.lock();
                waiter.look(&mut state);
                let outcome = shared.try_get(&mut state);
                if let Err(GetError::Empty) = outcome {
                    waiter.park(&mut state);
                }
                outcome
            };
            match outcome {
                Ok((item, wake)) => {
                    shared.notify::<T>(wake);
                    return Ok(item);
                }
                Err(GetError::ShutDown) => return Err(QueueShutDown),
                Err(GetError::Empty) => {}
            }
            waiter.wait().await;
        }
    }

    /// Takes the next item if there is one now (asyncio's `q.get_nowait()`).
    ///
    /// # Errors
    ///
    /// [`GetError::Empty`] if the queue is empty, [`GetError::ShutDown`] if it is empty and shut down.
    pub fn get_nowait(&self) -> Result<T, GetError> {
        let shared = &*self.shared;
        let (item, wake) = shared.try_get(&mut shared.lock())?;
        shared.notify::<T>(wake);
        Ok(item)
    }

    /// Says that one item taken from the queue has been processed (asyncio's `q.task_done()`).
    ///
    /// When the last unfinished item is done, every waiting [`join`](Self::join) returns.
    ///
    /// # Errors
    ///
    /// [`TaskDoneError`] if no item is unfinished: more calls than items put.
    pub fn task_done(&self) -> Result<(), TaskDoneError> {
        if self.shared.tasks.done_lock_free()? {
            return Ok(());
        }
        // The last unfinished item while a `join` waits: see `JOINING`.
        let shared = &*self.shared;
        let wake_joiners = {
            let mut state = shared.lock();
            shared.tasks.done_locked()? && Self::finish(&mut state)
        };
        if wake_joiners {
            shared.finished.notify(usize::MAX);
        }
        Ok(())
    }

    /// Records, under the lock, that the unfinished count is zero; says whether a joiner waits to be
    /// told.
    fn finish(state: &mut State<D>) -> bool {
        state.finished_epoch = state.finished_epoch.wrapping_add(1);
        state.joiners > 0
    }

    /// Waits until every item put has had its [`task_done`](Self::task_done) (asyncio's
    /// `await q.join()`).
    ///
    /// Returns at once if no item is unfinished; otherwise once the unfinished count has come down to
    /// zero after this call started, even if items have been put again since.
    pub async fn join(&self) {
        let shared = &*self.shared;
        if shared.tasks.now() == 0 {
            return;
        }
        let mut joiner = Joiner {
            shared,
            epoch: None,
        };
        loop {
            // Listening before looking again under the lock means that a count reaching zero after the
            // look notifies this listener. Every joiner is woken, so a joiner's wake-up needs no
            // accounting: one that is dropped, or forwarded on drop, wakes no one who should sleep.
            listener!(shared.finished => listener);
            {
                let mut state = shared.lock();
                let done = match joiner.epoch {
                    // The first look starts the wait: from here on the count comes down to zero only
                    // under the lock (`JOINING`), advancing the epoch.
                    None => joiner.start(&mut state) == 0,
                    Some(epoch) => shared.tasks.now() == 0 || state.finished_epoch != epoch,
                };
                if done {
                    joiner.stop(&mut state);
                    return;
                }
            }
            listener.await;
        }
    }

    /// Shuts the queue down (asyncio 3.13's `q.shutdown(immediate)`).
    ///
    /// Puts fail from now on and blocked putters are woken to fail. With `immediate` false, gets keep
    /// returning the queued items and fail once none is left; with `immediate` true the queued items are
    /// dropped first, each lowering the unfinished count (not below zero), so that gets fail at once and
    /// [`join`](Self::join) can return. Blocked getters are woken either way.
    pub fn shutdown(&self, immediate: bool) {
        let shared = &*self.shared;
        let (dropped, wake_joiners) = {
            let mut state = shared.lock();
            state.shutdown = true;
            if immediate {
                let dropped = mem::replace(&mut state.items, D::init(shared.maxsize));
                let dropped_len = u64::try_from(dropped.len()).unwrap_or(u64::MAX);
                let wake_joiners = shared.tasks.drop_items(dropped_len) && Self::finish(&mut state);
                (Some(dropped), wake_joiners)
            } else {
                (None, false)
            }
        };
        shared.not_empty.notify(usize::MAX);
        shared.not_full.notify(usize::MAX);
        if wake_joiners {
            shared.finished.notify(usize::MAX);
        }
        // The dropped items go outside the lock, since their drops may run any code.
        drop(dropped);
    }

    /// Whether [`shutdown`](Self::shutdown) has been called.
    pub fn is_shutdown(&self) -> bool {
        self.shared.lock().shutdown
    }

    /// How many [`get`](Self::get) calls are waiting now: parked on an empty queue, or woken and not yet
    /// run.
    pub fn waiting_getters(&self) -> usize {
        self.shared.lock().getters.parked
    }

    /// How many [`put`](Self::put) calls are waiting now: parked on a full queue, or woken and not yet
    /// run.
    pub fn waiting_putters(&self) -> usize {
        self.shared.lock().putters.parked
    }
}

impl<T, D: Discipline<T>> Default for BaseQueue<T, D> {
    /// An unbounded queue.
    fn default() -> Self {
        Self::unbounded()
    }
}

impl<T, D> Clone for BaseQueue<T, D> {
    /// Another handle to the same queue.
    fn clone(&self) -> Self {
        BaseQueue {
            shared: Arc::clone(&self.shared),
            _item: PhantomData,
        }
    }
}

impl<T, D: Discipline<T>> fmt::Debug for BaseQueue<T, D> {
    /// What Python's `repr(q)` shows, without the items (which need not be `Debug`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.shared.lock();
        f.debug_struct("BaseQueue")
            .field("maxsize", &self.shared.maxsize)
            .field("qsize", &state.items.len())
            .field("unfinished", &self.shared.tasks.now())
            .field("waiting_getters", &state.getters.parked)
            .field("waiting_putters", &state.putters.parked)
            .field("shutdown", &state.shutdown)
            .finish()
    }
}
