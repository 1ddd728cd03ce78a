//! The bookkeeping of the calls that wait on one side of a queue (getters or putters): how many are
//! parked and how many wake-ups are on their way to them, so that a put or a get notifies only when a
//! parked call has no wake-up coming.

use std::mem;

use event_listener::{Event, EventListener, Listener};

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
/// needs it. Every method runs under the queue's lock.
#[derive(Debug, Default)]
pub(super) struct Side {
    /// Calls counted as waiting: from the look that found them blocked to the look after their wake-up.
    parked: usize,
    /// Wake-ups sent to this side's listeners and not yet taken off.
    woken: usize,
}

impl Side {
    /// How many calls wait: parked, or woken and not yet run.
    pub(super) fn parked(&self) -> usize {
        self.parked
    }

    /// Decides whether a parked call must be woken, given whether the queue now lets one of this side
    /// through (`passable`): when it does and some parked call has no wake-up coming. Counts the
    /// wake-up if so; the caller sends it once the lock is released.
    pub(super) fn wake_one(&mut self, passable: bool) -> bool {
        if passable && self.parked > self.woken {
            self.woken += 1;
            true
        } else {
            false
        }
    }

    /// Takes off a wake-up that found no listener to wake: its call left between the decision and
    /// the notify.
    pub(super) fn take_back(&mut self) {
        self.woken = self.woken.saturating_sub(1);
    }

    /// Checks, in debug builds, what the accounting guarantees at the end of every critical section:
    /// of the parked calls, as many as the queue can let through (`passable`: items for getters, free
    /// slots for putters) have a wake-up coming. Were it false, a parked call could sleep while an
    /// item (or a slot) waits for it.
    pub(super) fn debug_check(&self, passable: usize, side: &str) {
        debug_assert!(
            self.woken >= self.parked.min(passable),
            "{} {side} parked, {} woken, {passable} can pass",
            self.parked,
            self.woken,
        );
    }
}

/// Which side of the queue a waiting call is on.
#[derive(Debug, Clone, Copy)]
pub(super) enum Which {
    /// `get` calls, waiting for an item.
    Getters,
    /// `put` calls, waiting for a free slot.
    Putters,
}

/// Which parked calls a change to the queue has to wake, once the lock is released.
#[derive(Debug, Clone, Copy, Default)]
#[must_use = "the parked calls must be notified once the lock is released"]
pub(super) struct Wake {
    /// Wake one parked getter.
    pub(super) getter: bool,
    /// Wake one parked putter.
    pub(super) putter: bool,
}

/// One waiting call's part of the accounting: whether it is counted in its [`Side`], the listener it
/// waits on, and whether that listener fired since the call last looked at the queue.
#[derive(Debug, Default)]
pub(super) struct Parking {
    parked: bool,
    listener: Option<EventListener>,
    woken: bool,
}

impl Parking {
    /// Starts a look at the queue, under the lock: the call stops being parked, and the wake-up that
    /// brought it here, if any, is taken off. It parks again if the queue is still blocked.
    pub(super) fn look(&mut self, side: &mut Side) {
        if mem::take(&mut self.woken) {
            // A wake-up sent by shutdown was never counted, hence saturating.
            side.take_back();
        }
        if mem::take(&mut self.parked) {
            side.parked -= 1;
        }
        self.listener = None;
    }

    /// Parks the call on `event`, under the lock. The listener is registered under the lock too, so
    /// whoever unblocks the queue after this look finds it there, and finds it counted.
    pub(super) fn park(&mut self, side: &mut Side, event: &Event) {
        side.parked += 1;
        self.parked = true;
        self.listener = Some(event.listen());
    }

    /// Waits for the wake-up.
    pub(super) async fn wait(&mut self) {
        if let Some(listener) = self.listener.as_mut() {
            listener.await;
            self.woken = true;
        }
    }

    /// Whether the call is counted as waiting: only a call dropped while it waits is (asyncio's
    /// cancelled getter or putter).
    pub(super) fn is_parked(&self) -> bool {
        self.parked
    }

    /// Uncounts a call dropped while parked, under the lock, with the wake-up it held if any. The
    /// caller then wakes another parked call if one needs it ([`Side::wake_one`]).
    pub(super) fn leave(&mut self, side: &mut Side) {
        if !mem::take(&mut self.parked) {
            return;
        }
        // Discarding unregisters the listener without forwarding its wake-up, which could reach a
        // call that does not need it while one that does stays asleep; the wake-up is taken off here
        // and sent again by the caller, to a parked call that needs it, if there is one.
        let held_wake_up = self.listener.take().is_some_and(Listener::discard) || self.woken;
        side.parked -= 1;
        if held_wake_up {
            side.take_back();
        }
    }
}

#[cfg(test)]
mod tests {
    use futures_lite::future;

    use super::*;

    /// `n` calls parked on `event`, as a blocked queue parks them.
    fn park(side: &mut Side, event: &Event, n: usize) -> Vec<Parking> {
        (0..n)
            .map(|_| {
                let mut parking = Parking::default();
                parking.park(side, event);
                parking
            })
            .collect()
    }

    #[test]
    fn a_wake_up_is_sent_only_to_a_parked_call_without_one() {
        let (mut side, event) = (Side::default(), Event::new());
        assert!(!side.wake_one(true), "nobody is parked");
        let _parked = park(&mut side, &event, 2);
        assert!(!side.wake_one(false), "the queue lets nobody through");
        assert!(side.wake_one(true));
        assert!(side.wake_one(true));
        assert!(!side.wake_one(true), "both have a wake-up coming");
        side.debug_check(2, "getters");
    }

    #[test]
    fn a_woken_call_that_looks_again_takes_its_wake_up_off() {
        let (mut side, event) = (Side::default(), Event::new());
        let mut parked = park(&mut side, &event, 2);
        assert!(side.wake_one(true));
        assert_eq!(event.notify_additional(1), 1);
        future::block_on(parked[0].wait());
        parked[0].look(&mut side);
        assert_eq!(side.parked(), 1);
        // The other parked call has no wake-up coming: the next item must wake it.
        assert!(side.wake_one(true));
    }

    #[test]
    fn a_woken_call_dropped_before_it_runs_gives_its_wake_up_back() {
        // asyncio's `_wakeup_next` on cancellation: the wake-up goes on to a call that still needs it.
        let (mut side, event) = (Side::default(), Event::new());
        let mut parked = park(&mut side, &event, 2);
        assert!(side.wake_one(true));
        assert_eq!(event.notify_additional(1), 1);
        let woken = parked
            .iter()
            .position(|parking| parking.is_parked())
            .expect("both are parked");
        parked[woken].leave(&mut side);
        assert_eq!(side.parked(), 1);
        assert!(
            side.wake_one(true),
            "the wake-up is sent again, to the call left"
        );
        assert!(!side.wake_one(true));
    }

    #[test]
    fn a_parked_call_dropped_unwoken_leaves_no_count_behind() {
        let (mut side, event) = (Side::default(), Event::new());
        let mut parked = park(&mut side, &event, 1);
        parked[0].leave(&mut side);
        assert_eq!(side.parked(), 0);
        assert!(!side.wake_one(true));
        // Leaving twice (a drop after the call was already uncounted) changes nothing.
        parked[0].leave(&mut side);
        assert_eq!(side.parked(), 0);
    }

    #[test]
    fn a_wake_up_that_finds_no_listener_is_taken_back() {
        let (mut side, event) = (Side::default(), Event::new());
        let _parked = park(&mut side, &event, 1);
        assert!(side.wake_one(true));
        side.take_back();
        assert!(
            side.wake_one(true),
            "the parked call needs the wake-up again"
        );
        side.take_back();
        side.take_back();
        side.debug_check(0, "getters");
    }
}
