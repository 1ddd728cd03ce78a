//! The queue itself: [`BaseQueue`] and its three aliases, the state its handles share, and the calls,
//! each one short critical section under the [`Lock`] built from the parts beside this module.

use std::fmt;
use std::marker::PhantomData;
use std::mem;
use std::ops::DerefMut;
use std::sync::Arc;

use event_listener::{Event, listener};

use super::discipline::{Discipline, Fifo, Lifo, Priority};
use super::errors::{GetError, QueueError, QueueShutDown, TaskDoneError};
use super::lock::Lock;
use super::unfinished::Tasks;
use super::waiters::{Parking, Side, Wake, Which};

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
/// documentation states its promise; the documentation of the `queue` module (`src/queue/mod.rs`)
/// lists them all, with the notes per runtime.
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
    state: Lock<State<D>>,
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
    /// while a `join` waits ([`Tasks::start_joining`]), so that a waiting `join` can tell that it did
    /// even if new items have been put since.
    finished_epoch: u64,
    shutdown: bool,
    getters: Side,
    putters: Side,
    /// `join` calls waiting for `finished`; while there is one, the count comes down to zero only under
    /// the lock ([`Tasks::start_joining`]).
    joiners: usize,
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
    /// consistent, since every count is updated after the storage call, so the lock stays usable.
    fn lock(&self) -> impl DerefMut<Target = State<D>> + '_ {
        self.state.lock()
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
        state.side(which).wake_one(passable)
    }

    /// Checks, in debug builds, at the end of every critical section, that as many parked calls as the
    /// queue can let through have a wake-up coming ([`Side::debug_check`]).
    fn debug_check<T>(&self, state: &State<D>)
    where
        D: Discipline<T>,
    {
        if cfg!(debug_assertions) && !state.shutdown {
            let items = state.items.len();
            state.getters.debug_check(items, "getters");
            if self.maxsize != 0 {
                state
                    .putters
                    .debug_check(self.maxsize.saturating_sub(items), "putters");
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
            state.side(which).take_back();
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

/// A `get` or `put` that has found the queue blocked: its [`Parking`] on its side of the queue, and
/// on drop, the hand-off of a wake-up it held.
struct Waiter<'a, T, D: Discipline<T>> {
    shared: &'a Shared<D>,
    which: Which,
    parking: Parking,
    _item: PhantomData<fn(T) -> T>,
}

impl<'a, T, D: Discipline<T>> Waiter<'a, T, D> {
    fn new(shared: &'a Shared<D>, which: Which) -> Self {
        Waiter {
            shared,
            which,
            parking: Parking::default(),
            _item: PhantomData,
        }
    }

    /// Starts a look at the queue, under the lock ([`Parking::look`]).
    fn look(&mut self, state: &mut State<D>) {
        self.parking.look(state.side(self.which));
    }

    /// Parks the call, under the lock ([`Parking::park`]).
    fn park(&mut self, state: &mut State<D>) {
        self.parking
            .park(state.side(self.which), self.shared.event(self.which));
        self.shared.debug_check::<T>(state);
    }

    /// Waits for the wake-up.
    async fn wait(&mut self) {
        self.parking.wait().await;
    }
}

impl<T, D: Discipline<T>> Drop for Waiter<'_, T, D> {
    fn drop(&mut self) {
        // Only a future dropped while it waits gets here parked (asyncio's cancelled getter or putter).
        if !self.parking.is_parked() {
            return;
        }
        let wake = {
            let mut state = self.shared.lock();
            self.parking.leave(state.side(self.which));
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
    /// joiner makes the count come down to zero only under the lock from now on
    /// ([`Tasks::start_joining`]).
    fn start(&mut self, state: &mut State<D>) -> u64 {
        state.joiners += 1;
        self.epoch = Some(state.finished_epoch);
        let tasks = &self.shared.tasks;
        if state.joiners == 1 {
            tasks.start_joining()
        } else {
            tasks.now()
        }
    }

    /// Uncounts the joiner, under the lock; the last one out lets the count come down to zero without
    /// the lock again.
    fn stop(&mut self, state: &mut State<D>) {
        if self.epoch.take().is_some() {
            state.joiners -= 1;
            if state.joiners == 0 {
                self.shared.tasks.stop_joining();
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
                state: Lock::new(State {
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
        // The last unfinished item while a `join` waits: see `Tasks::start_joining`.
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
                    // under the lock (`Tasks::start_joining`), advancing the epoch.
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
        self.shared.lock().getters.parked()
    }

    /// How many [`put`](Self::put) calls are waiting now: parked on a full queue, or woken and not yet
    /// run.
    pub fn waiting_putters(&self) -> usize {
        self.shared.lock().putters.parked()
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
            .field("waiting_getters", &state.getters.parked())
            .field("waiting_putters", &state.putters.parked())
            .field("shutdown", &state.shutdown)
            .finish()
    }
}
