//! `asyncio.Event`: a flag that tasks wait to be set.
//!
//! ```python
//! event = asyncio.Event()
//! await event.wait()      # elsewhere: event.set()
//! ```
//!
//! Built on `event-listener`, plus one thing it lacks: a count of `set` calls. A waiter returns once the
//! flag is set **or** a `set` happened since it began waiting, so a waiter woken by `set()` returns even
//! if `clear()` came before it ran, as asyncio's waiter futures already resolved do
//! (`test_clear_with_waiters`). Re-checking the flag alone, `event-listener`'s usual pattern, would
//! send such a waiter back to sleep: that is the rule the bare crate fails.
//!
//! # Examples
//!
//! ```
//! use rosetta_asyncio::Event;
//!
//! # futures_lite::future::block_on(async {
//! let event = Event::new();
//! event.set();
//! event.wait().await;
//! assert!(event.is_set());
//! # });
//! ```
//!
//! # Per-runtime notes
//!
//! - None: `event-listener` is runtime-neutral. tokio has no event; `tokio::sync::Notify` stores one
//!   permit instead of a flag.

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// `asyncio.Event()`.
pub struct Event {
    flag: AtomicBool,
    /// How many times `set` has woken waiters.
    sets: AtomicU64,
    waiters: event_listener::Event,
}

impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Event")
            .field("set", &self.is_set())
            .finish_non_exhaustive()
    }
}

impl Default for Event {
    fn default() -> Self {
        Self::new()
    }
}

impl Event {
    /// An event not set.
    pub fn new() -> Self {
        Self {
            flag: AtomicBool::new(false),
            sets: AtomicU64::new(0),
            waiters: event_listener::Event::new(),
        }
    }

    /// Sets the flag and wakes every waiter (`event.set()`).
    pub fn set(&self) {
        if !self.flag.swap(true, Ordering::SeqCst) {
            self.sets.fetch_add(1, Ordering::SeqCst);
            self.waiters.notify(usize::MAX);
        }
    }

    /// Clears the flag (`event.clear()`): later waits block until the next `set`.
    pub fn clear(&self) {
        self.flag.store(false, Ordering::SeqCst);
    }

    /// The flag is set (`event.is_set()`).
    pub fn is_set(&self) -> bool {
        self.flag.load(Ordering::SeqCst)
    }

    /// Waits until the flag is set (`await event.wait()`); returns at once if it is.
    ///
    /// A `set` that happens while it waits ends the wait even if the flag is cleared again before the
    /// waiter runs.
    pub async fn wait(&self) {
        let start = self.sets.load(Ordering::SeqCst);
        loop {
            if self.is_set() || self.sets.load(Ordering::SeqCst) != start {
                return;
            }
            let listener = self.waiters.listen();
            // Checked again now that the listener is registered, so that a set in between is not missed.
            if self.is_set() || self.sets.load(Ordering::SeqCst) != start {
                return;
            }
            listener.await;
        }
    }
}
