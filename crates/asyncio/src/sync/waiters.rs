//! The FIFO queue of waiters every primitive here shares: each waiter is an entry with its waker and,
//! once it has been served, the outcome handed to it.
//!
//! The queue lives inside its primitive's own mutex, next to the primitive's state, so that deciding
//! who is served and serving them is one step. Entries are found by id; a queue is as long as the number
//! of tasks blocked on one primitive, so the linear search costs what asyncio's `deque.remove` does.

use std::collections::VecDeque;
use std::task::{Context, Poll, Waker};

/// A waiter's place in the queue.
pub(crate) type Id = u64;

/// One waiter: its id, the waker of its last poll, and its outcome once served.
#[derive(Debug)]
struct Entry<T> {
    id: Id,
    waker: Option<Waker>,
    outcome: Option<T>,
}

/// Waiters in arrival order.
#[derive(Debug)]
pub(crate) struct Waiters<T> {
    next: Id,
    entries: VecDeque<Entry<T>>,
}

impl<T> Default for Waiters<T> {
    fn default() -> Self {
        Self {
            next: 0,
            entries: VecDeque::new(),
        }
    }
}

impl<T> Waiters<T> {
    /// Queues a new waiter at the back.
    pub(crate) fn push(&mut self) -> Id {
        let id = self.next;
        self.next += 1;
        self.entries.push_back(Entry {
            id,
            waker: None,
            outcome: None,
        });
        id
    }

    /// How many waiters have not been served yet.
    pub(crate) fn waiting(&self) -> usize {
        self.entries.iter().filter(|e| e.outcome.is_none()).count()
    }

    /// `Ready(outcome)` (and the entry leaves) once `id` has been served; else stores the waker.
    pub(crate) fn poll(&mut self, id: Id, cx: &mut Context<'_>) -> Poll<T> {
        let Some(index) = self.entries.iter().position(|e| e.id == id) else {
            // Not reachable: an entry leaves only through this poll or its waiter's drop.
            return Poll::Pending;
        };
        if self.entries[index].outcome.is_some() {
            let entry = self.entries.remove(index);
            if let Some(outcome) = entry.and_then(|e| e.outcome) {
                return Poll::Ready(outcome);
            }
        }
        let entry = &mut self.entries[index];
        match &entry.waker {
            Some(waker) if waker.will_wake(cx.waker()) => {}
            _ => entry.waker = Some(cx.waker().clone()),
        }
        Poll::Pending
    }

    /// Takes `id` out of the queue (its waiter was dropped); returns the outcome it had been served and
    /// never saw, so that the primitive can pass it on.
    pub(crate) fn remove(&mut self, id: Id) -> Option<T> {
        let index = self.entries.iter().position(|e| e.id == id)?;
        self.entries.remove(index).and_then(|e| e.outcome)
    }

    /// Serves the first waiter not yet served with `outcome` and wakes it; gives `outcome` back if
    /// no one waits.
    pub(crate) fn serve_first(&mut self, outcome: T) -> Result<(), T> {
        match self.entries.iter_mut().find(|e| e.outcome.is_none()) {
            Some(entry) => {
                entry.outcome = Some(outcome);
                if let Some(waker) = entry.waker.take() {
                    waker.wake();
                }
                Ok(())
            }
            None => Err(outcome),
        }
    }

    /// Serves every waiter not yet served with `outcome()`; returns how many.
    pub(crate) fn serve_all(&mut self, mut outcome: impl FnMut() -> T) -> usize {
        let mut served = 0;
        for entry in self.entries.iter_mut().filter(|e| e.outcome.is_none()) {
            entry.outcome = Some(outcome());
            if let Some(waker) = entry.waker.take() {
                waker.wake();
            }
            served += 1;
        }
        served
    }
}
