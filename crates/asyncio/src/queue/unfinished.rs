//! The unfinished count (Python's `_unfinished_tasks`), kept outside the queue's lock: a put counts an
//! item, `task_done` finishes one with a compare-and-swap, and a waiting `join` makes the last one
//! take the lock so that it can tell.

use std::sync::atomic::{AtomicU64, Ordering};

use super::errors::TaskDoneError;

/// The unfinished count (Python's `_unfinished_tasks`), as two counters that only grow: the items
/// put, and the tasks done.
///
/// It lives outside the lock so that `task_done`, a third call per item beside the put and the get,
/// is one compare-and-swap rather than a third critical section. A put counts its item under the
/// lock, before the item can be gotten, so a `task_done` always finds the item it finishes counted;
/// and since only puts write `put`, under the lock, a put stores it without a read-modify-write.
/// See [`JOINING`] for how `join` still sees every time the count comes down to zero.
#[derive(Debug, Default)]
pub(super) struct Tasks {
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
    pub(super) fn now(&self) -> u64 {
        let done = self.done.load(Ordering::Acquire);
        Self::unfinished(self.put.load(Ordering::Acquire), done)
    }

    /// Counts one item put. Only under the queue's lock.
    pub(super) fn add(&self) {
        let put = self.put.load(Ordering::Relaxed);
        self.put.store(put + 1, Ordering::Release);
    }

    /// Counts one task done without the lock, unless it would finish the last unfinished item while a
    /// `join` waits: `Ok(false)` then, for [`Tasks::done_locked`] to count it.
    pub(super) fn done_lock_free(&self) -> Result<bool, TaskDoneError> {
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
    pub(super) fn done_locked(&self) -> Result<bool, TaskDoneError> {
        let put = self.put.load(Ordering::Acquire);
        let before = self
            .done
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |done| {
                (Self::unfinished(put, done) > 0).then_some(done + 1)
            })
            .map_err(|_| TaskDoneError)?;
        Ok(Self::unfinished(put, before) == 1)
    }

    /// Says, under the queue's lock, that a `join` now waits, and returns the unfinished count from
    /// then on: the count left by the last lock-free `task_done` before it. From here until
    /// [`Tasks::stop_joining`] the count comes down to zero only under the lock. Setting the bit and
    /// reading the count are one read-modify-write, so no `task_done` slips between them.
    pub(super) fn start_joining(&self) -> u64 {
        let done = self.done.fetch_or(JOINING, Ordering::AcqRel);
        Self::unfinished(self.put.load(Ordering::Acquire), done)
    }

    /// Says, under the queue's lock, that no `join` waits any more.
    pub(super) fn stop_joining(&self) {
        self.done.fetch_and(!JOINING, Ordering::AcqRel);
    }

    /// Lowers the unfinished count by the `dropped` items of `shutdown(true)`, not below zero, under
    /// the queue's lock; says whether it is zero now.
    pub(super) fn drop_items(&self, dropped: u64) -> bool {
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

#[cfg(test)]
mod tests {
    use std::hint;
    use std::sync::{Barrier, Condvar, Mutex, MutexGuard};
    use std::thread;
    use std::time::{Duration, Instant};

    use super::*;

    /// How long a `join` may wait for the count to reach zero before the test calls it missed: far
    /// beyond what a dozen `task_done` calls take on a loaded machine.
    const LIMIT: Duration = Duration::from_secs(20);

    /// The counter with what the queue keeps beside it for `join`, as the queue uses them: the lock,
    /// the epoch advanced under it each time the count comes down to zero there, and the joiners'
    /// wake-up (a condition variable standing in for the queue's `finished` event).
    #[derive(Default)]
    struct Counted {
        tasks: Tasks,
        lock: Mutex<Joining>,
        finished: Condvar,
    }

    #[derive(Default)]
    struct Joining {
        epoch: u64,
        joiners: usize,
    }

    impl Counted {
        fn lock(&self) -> MutexGuard<'_, Joining> {
            self.lock
                .lock()
                .expect("no test thread panics holding the lock")
        }

        fn put(&self, items: usize) {
            let _locked = self.lock();
            for _ in 0..items {
                self.tasks.add();
            }
        }

        /// `BaseQueue::task_done`.
        fn task_done(&self) -> Result<(), TaskDoneError> {
            if self.tasks.done_lock_free()? {
                return Ok(());
            }
            let mut locked = self.lock();
            if self.tasks.done_locked()? {
                locked.epoch += 1;
                self.finished.notify_all();
            }
            Ok(())
        }

        /// `BaseQueue::join`, giving up after [`LIMIT`]: whether it was told that the count came down to
        /// zero (or found it there).
        fn join(&self) -> bool {
            if self.tasks.now() == 0 {
                return true;
            }
            let mut locked = self.lock();
            locked.joiners += 1;
            let epoch = locked.epoch;
            let mut done = if locked.joiners == 1 {
                self.tasks.start_joining() == 0
            } else {
                self.tasks.now() == 0
            };
            let deadline = Instant::now() + LIMIT;
            while !done {
                let left = deadline.saturating_duration_since(Instant::now());
                let (relocked, wait) = self
                    .finished
                    .wait_timeout(locked, left)
                    .expect("no test thread panics holding the lock");
                locked = relocked;
                // A join woken by its deadline rather than by the last `task_done` missed the
                // wake-up, whatever the count says by now.
                if wait.timed_out() {
                    break;
                }
                done = self.tasks.now() == 0 || locked.epoch != epoch;
            }
            locked.joiners -= 1;
            if locked.joiners == 0 {
                self.tasks.stop_joining();
            }
            done
        }
    }

    #[test]
    fn join_sees_the_count_reach_zero_however_task_done_races_it() {
        // Workers finish the items on real threads while one or two joiners start waiting at slightly
        // different moments each round, so that over the rounds the last `task_done` lands before,
        // during and after a joiner's look. A joiner that misses the count reaching zero waits until
        // `LIMIT` and fails the round; one that returns early sees items unfinished.
        const ROUNDS: usize = 400;
        const WORKERS: usize = 3;
        const PER_WORKER: usize = 4;
        for round in 0..ROUNDS {
            let counted = Counted::default();
            counted.put(WORKERS * PER_WORKER);
            let joiners = 1 + round % 2;
            let start = Barrier::new(WORKERS + joiners);
            thread::scope(|scope| {
                for _ in 0..WORKERS {
                    scope.spawn(|| {
                        start.wait();
                        for _ in 0..PER_WORKER {
                            counted.task_done().expect("each item is finished once");
                        }
                    });
                }
                for joiner in 0..joiners {
                    let (counted, start) = (&counted, &start);
                    scope.spawn(move || {
                        start.wait();
                        for _ in 0..(round * (joiner + 1)) % 97 {
                            hint::spin_loop();
                        }
                        assert!(
                            counted.join(),
                            "round {round}: a join missed the count reaching zero"
                        );
                        assert_eq!(
                            counted.tasks.now(),
                            0,
                            "round {round}: a join returned early"
                        );
                    });
                }
            });
            assert_eq!(counted.task_done(), Err(TaskDoneError), "round {round}");
        }
    }

    #[test]
    fn task_done_on_threads_finishes_exactly_the_items_put() {
        // More calls than items, on threads racing each other and a waiting join: exactly as many
        // succeed as items were put, whichever path (lock-free or locked) each takes.
        const ITEMS: usize = 2_000;
        const THREADS: usize = 4;
        const CALLS: usize = 600;
        let counted = Counted::default();
        counted.put(ITEMS);
        let finished = thread::scope(|scope| {
            let joiner = scope.spawn(|| counted.join());
            let workers: Vec<_> = (0..THREADS)
                .map(|_| scope.spawn(|| (0..CALLS).filter(|_| counted.task_done().is_ok()).count()))
                .collect();
            let finished: usize = workers
                .into_iter()
                .map(|worker| worker.join().expect("a worker does not panic"))
                .sum();
            assert!(joiner.join().expect("the joiner does not panic"));
            finished
        });
        assert_eq!(finished, ITEMS);
        assert_eq!(counted.tasks.now(), 0);
    }

    #[test]
    fn the_joining_bit_is_not_counted() {
        let counted = Counted::default();
        counted.put(3);
        assert_eq!(counted.tasks.start_joining(), 3);
        assert_eq!(counted.tasks.now(), 3);
        assert_eq!(counted.tasks.done_lock_free(), Ok(true));
        assert_eq!(counted.tasks.done_lock_free(), Ok(true));
        // The last one, while a join waits, is left to the locked path.
        assert_eq!(counted.tasks.done_lock_free(), Ok(false));
        assert_eq!(counted.tasks.done_locked(), Ok(true));
        assert_eq!(counted.tasks.now(), 0);
        counted.tasks.stop_joining();
        assert_eq!(counted.tasks.done_lock_free(), Err(TaskDoneError));
    }

    #[test]
    fn a_task_done_overtaken_on_its_way_to_the_lock_finds_nothing_left() {
        // The last item while a join waits sends its `task_done` to the lock; before it gets there the
        // join leaves and another `task_done` finishes the item without the lock. The first must then
        // fail, as a second `task_done` for one item does.
        let counted = Counted::default();
        counted.put(1);
        assert_eq!(counted.tasks.start_joining(), 1);
        assert_eq!(counted.tasks.done_lock_free(), Ok(false));
        counted.tasks.stop_joining();
        assert_eq!(counted.tasks.done_lock_free(), Ok(true));
        assert_eq!(counted.tasks.done_locked(), Err(TaskDoneError));
        assert_eq!(counted.tasks.now(), 0);
    }

    #[test]
    fn dropped_items_lower_the_count_but_never_below_zero() {
        let counted = Counted::default();
        counted.put(3);
        counted.task_done().expect("one of three");
        assert!(!counted.tasks.drop_items(1));
        assert_eq!(counted.tasks.now(), 1);
        assert!(counted.tasks.drop_items(5));
        assert_eq!(counted.tasks.now(), 0);
        assert_eq!(counted.task_done(), Err(TaskDoneError));
        counted.put(1);
        assert_eq!(counted.tasks.now(), 1);
    }
}
