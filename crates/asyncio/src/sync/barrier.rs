//! `asyncio.Barrier` (3.11): `parties` tasks wait until all of them have arrived.
//!
//! ```python
//! barrier = asyncio.Barrier(3)
//! index = await barrier.wait()   # 0, 1, 2 in order of arrival
//! ```
//!
//! [`Barrier::wait`] returns the party's index in order of arrival (`test_filling_tasks_check_return_value`:
//! the last to arrive gets `parties - 1` and releases the others); the barrier then refills for the next
//! round. [`abort`](Barrier::abort) breaks it: every waiter, and every later `wait`, gets
//! [`BrokenBarrierError`] until [`reset`](Barrier::reset). `reset` breaks the current waiters the same way
//! and makes the barrier usable again. A waiter cancelled before the barrier filled leaves it, and the
//! barrier counts one party fewer, as CPython's `wait` does in its `finally`.
//!
//! One difference: CPython releases a full barrier in a draining phase, during which new arrivals wait
//! for the released parties to leave. Here release is one step, so an arrival right after it starts
//! the next round at once; the indices and errors each party sees are the same.
//!
//! # Examples
//!
//! ```
//! use rosetta_asyncio::Barrier;
//!
//! # futures_lite::future::block_on(async {
//! let barrier = Barrier::new(1);
//! assert_eq!(barrier.wait().await, Ok(0));
//! barrier.abort();
//! assert!(barrier.wait().await.is_err());
//! # });
//! ```
//!
//! # Per-runtime notes
//!
//! - None: written once here. `tokio::sync::Barrier` and async-std's have no abort or reset, and say
//!   which party is the leader instead of giving indices.

use std::fmt;
use std::future::poll_fn;

use parking_lot::Mutex;

use super::waiters::{Id, Waiters};

/// `asyncio.BrokenBarrierError`: the barrier was aborted or reset while waiting, or is broken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the barrier is broken: it was aborted, or reset while parties waited")]
pub struct BrokenBarrierError;

/// The count of arrivals and the parties waiting.
#[derive(Debug)]
struct State {
    arrived: usize,
    broken: bool,
    waiters: Waiters<Result<(), BrokenBarrierError>>,
}

/// `asyncio.Barrier(parties)`.
pub struct Barrier {
    parties: usize,
    state: Mutex<State>,
}

impl fmt::Debug for Barrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Barrier")
            .field("parties", &self.parties)
            .field("n_waiting", &self.n_waiting())
            .field("broken", &self.broken())
            .finish()
    }
}

/// A waiting party's place, until it is released or cancelled.
struct Arrival<'a> {
    barrier: &'a Barrier,
    id: Id,
    done: bool,
}

impl Drop for Arrival<'_> {
    fn drop(&mut self) {
        if !self.done {
            let mut state = self.barrier.state.lock();
            // Cancelled before the barrier filled: one party fewer has arrived.
            if state.waiters.remove(self.id).is_none() {
                state.arrived = state.arrived.saturating_sub(1);
            }
        }
    }
}

impl Barrier {
    /// A barrier for `parties` tasks. A barrier of 0 parties releases every `wait` at once, as 1 does.
    pub fn new(parties: usize) -> Self {
        Self {
            parties: parties.max(1),
            state: Mutex::new(State {
                arrived: 0,
                broken: false,
                waiters: Waiters::default(),
            }),
        }
    }

    /// Waits until `parties` tasks have called `wait` (`await barrier.wait()`); returns this party's
    /// index, 0 for the first to arrive.
    ///
    /// # Errors
    ///
    /// [`BrokenBarrierError`] if the barrier is broken, or is aborted or reset while this party waits.
    pub async fn wait(&self) -> Result<usize, BrokenBarrierError> {
        let (index, id) = {
            let mut state = self.state.lock();
            if state.broken {
                return Err(BrokenBarrierError);
            }
            let index = state.arrived;
            state.arrived += 1;
            if state.arrived == self.parties {
                state.arrived = 0;
                state.waiters.serve_all(|| Ok(()));
                return Ok(index);
            }
            (index, state.waiters.push())
        };
        let mut arrival = Arrival {
            barrier: self,
            id,
            done: false,
        };
        let outcome = poll_fn(|cx| self.state.lock().waiters.poll(arrival.id, cx)).await;
        arrival.done = true;
        outcome.map(|()| index)
    }

    /// Breaks the barrier (`barrier.abort()`): waiters and later `wait`s get [`BrokenBarrierError`].
    pub fn abort(&self) {
        let mut state = self.state.lock();
        state.broken = true;
        state.arrived = 0;
        state.waiters.serve_all(|| Err(BrokenBarrierError));
    }

    /// Empties the barrier (`barrier.reset()`): current waiters get [`BrokenBarrierError`], and the
    /// barrier, broken or not, is ready for a new round.
    pub fn reset(&self) {
        let mut state = self.state.lock();
        state.broken = false;
        state.arrived = 0;
        state.waiters.serve_all(|| Err(BrokenBarrierError));
    }

    /// How many parties it takes (`barrier.parties`).
    pub fn parties(&self) -> usize {
        self.parties
    }

    /// How many parties wait now (`barrier.n_waiting`).
    pub fn n_waiting(&self) -> usize {
        self.state.lock().arrived
    }

    /// The barrier is broken (`barrier.broken`).
    pub fn broken(&self) -> bool {
        self.state.lock().broken
    }
}
