//! The lock over a queue's state: [`Lock`], one alias that names the lock every queue uses, and the
//! spin-then-yield lock that the comparison bench measures against it.
//!
//! The alias is `parking_lot`'s mutex. The spin-then-yield lock came first, and its reason was
//! measured only against std's `Mutex`, which puts a thread to sleep on a futex as soon as it loses
//! one race for the lock after a short spin. A producer and a consumer on two workers lose such races
//! all the time, and each sleep costs a futex wait and a futex wake, microseconds against a critical
//! section of tens of nanoseconds: on smol-mt, one producer and one consumer made some 14 000 futex
//! calls per 100 000 items, and spent half their time there. `parking_lot`'s mutex already spins with
//! exponential backoff, then yields, then parks, which is what [`SpinThenYield`] adds to std's, and it
//! has no poisoning to ignore. The `spin-then-yield-lock` feature puts [`SpinThenYield`] back behind
//! the alias, so that the queue bench can measure one against the other (`benches/queue.rs` says
//! how).
//!
//! Whichever lock it is, a panic while the lock is held (in an item's `Ord`, say) leaves the queue's
//! state consistent, since every count is updated after the storage call, so the lock is usable
//! afterwards: `parking_lot` does not poison, and [`SpinThenYield`] ignores the poison.

use std::sync::{Mutex, MutexGuard, PoisonError, TryLockError};
use std::{hint, thread};

/// The lock every queue's state lives under. To settle on another lock, write it on this line (the
/// other one only serves the queue bench's comparison).
#[cfg(not(feature = "spin-then-yield-lock"))]
pub(super) type Lock<T> = parking_lot::Mutex<T>;

/// The lock every queue's state lives under, with the `spin-then-yield-lock` feature.
#[cfg(feature = "spin-then-yield-lock")]
pub(super) type Lock<T> = SpinThenYield<T>;

/// std's `Mutex`, taken by retrying `try_lock` with exponential backoff, then yielding the thread in
/// case the holder waits for this core, and only then sleeping on the futex; poison is ignored.
#[derive(Debug, Default)]
#[cfg_attr(
    not(feature = "spin-then-yield-lock"),
    allow(
        dead_code,
        reason = "the lock the queue bench compares with `Lock`, under a feature"
    )
)]
pub(super) struct SpinThenYield<T>(Mutex<T>);

#[cfg_attr(
    not(feature = "spin-then-yield-lock"),
    allow(
        dead_code,
        reason = "the lock the queue bench compares with `Lock`, under a feature"
    )
)]
impl<T> SpinThenYield<T> {
    /// How many times [`SpinThenYield::lock`] spins before it yields: 1, 2, 4, ... 128 spin-loop
    /// hints, a few microseconds in all, several times a critical section even when the holder has to
    /// fetch the queue's cache lines from another core.
    const SPIN_ROUNDS: u32 = 8;

    /// How many times [`SpinThenYield::lock`] yields the thread, after spinning, before it sleeps on
    /// the lock.
    const YIELD_ROUNDS: u32 = 4;

    /// A lock holding `value`.
    pub(super) const fn new(value: T) -> Self {
        SpinThenYield(Mutex::new(value))
    }

    /// Takes the lock, waiting as the type's documentation says.
    pub(super) fn lock(&self) -> MutexGuard<'_, T> {
        for round in 0..Self::SPIN_ROUNDS + Self::YIELD_ROUNDS {
            match self.0.try_lock() {
                Ok(guard) => return guard,
                Err(TryLockError::Poisoned(poisoned)) => return poisoned.into_inner(),
                Err(TryLockError::WouldBlock) => {}
            }
            if round < Self::SPIN_ROUNDS {
                for _ in 0..1_u32 << round {
                    hint::spin_loop();
                }
            } else {
                thread::yield_now();
            }
        }
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use std::ops::DerefMut;
    use std::panic::{self, AssertUnwindSafe};
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    use std::sync::mpsc;
    use std::time::Duration;

    use super::*;

    /// The two locks under one face, so that each test runs on both.
    trait TestLock<T>: Sync {
        fn new(value: T) -> Self;
        fn lock(&self) -> impl DerefMut<Target = T> + '_;
    }

    impl<T: Send> TestLock<T> for parking_lot::Mutex<T> {
        fn new(value: T) -> Self {
            parking_lot::Mutex::new(value)
        }

        fn lock(&self) -> impl DerefMut<Target = T> + '_ {
            parking_lot::Mutex::lock(self)
        }
    }

    impl<T: Send> TestLock<T> for SpinThenYield<T> {
        fn new(value: T) -> Self {
            SpinThenYield::new(value)
        }

        fn lock(&self) -> impl DerefMut<Target = T> + '_ {
            SpinThenYield::lock(self)
        }
    }

    /// How long the contended threads may take in all before the test calls the lock stuck: far
    /// beyond what a few hundred thousand short critical sections take on a loaded machine.
    const LIMIT: Duration = Duration::from_secs(60);

    /// Threads that contend for the lock, more than the machine's cores, so that waiters spin, yield
    /// and sleep.
    const THREADS: usize = 8;

    /// Critical sections per thread.
    const ROUNDS: u64 = 20_000;

    /// What the contended threads update: a count inside the lock, and, as the queue's count of items
    /// put is, a count outside it that only the lock's holder writes, with a load and a store.
    #[derive(Default)]
    struct Board {
        outside: AtomicU64,
        inside: AtomicBool,
        overlaps: AtomicU64,
    }

    /// Runs [`THREADS`] threads of [`ROUNDS`] critical sections each on `L`, and checks that no update
    /// was lost and no two critical sections overlapped.
    fn contend<L: TestLock<u64> + 'static>() {
        let lock: &'static L = Box::leak(Box::new(L::new(0)));
        let board: &'static Board = Box::leak(Box::default());
        let (done, finished) = mpsc::channel();
        for _ in 0..THREADS {
            let done = done.clone();
            thread::spawn(move || {
                for _ in 0..ROUNDS {
                    let mut count = lock.lock();
                    if board.inside.swap(true, Ordering::Relaxed) {
                        board.overlaps.fetch_add(1, Ordering::Relaxed);
                    }
                    let outside = board.outside.load(Ordering::Relaxed);
                    // A little work between the read and the write, as a critical section has.
                    hint::spin_loop();
                    board.outside.store(outside + 1, Ordering::Relaxed);
                    *count += 1;
                    board.inside.store(false, Ordering::Relaxed);
                }
                // The receiver only goes away once the test has failed.
                let _ = done.send(());
            });
        }
        // The threads are not joined, so that a stuck lock fails the test after `LIMIT` rather than
        // hanging it; the lock and board are leaked for them.
        let deadline = std::time::Instant::now() + LIMIT;
        for finished_threads in 0..THREADS {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            assert!(
                finished.recv_timeout(left).is_ok(),
                "only {finished_threads} of {THREADS} threads got through {ROUNDS} critical \
                 sections in {LIMIT:?}"
            );
        }
        let total = THREADS as u64 * ROUNDS;
        assert_eq!(
            board.overlaps.load(Ordering::Relaxed),
            0,
            "critical sections overlapped"
        );
        assert_eq!(*lock.lock(), total, "updates inside the lock were lost");
        assert_eq!(
            board.outside.load(Ordering::Relaxed),
            total,
            "updates outside the lock were lost"
        );
    }

    /// Panics while holding `L`, then takes it again.
    fn survive_a_panic<L: TestLock<Vec<u32>>>() {
        let lock = L::new(vec![1]);
        let panicked = panic::catch_unwind(AssertUnwindSafe(|| {
            let mut items = lock.lock();
            items.push(2);
            panic!("an item's Ord panicked");
        }));
        assert!(panicked.is_err());
        // From another thread too, as another worker would.
        thread::scope(|scope| {
            scope.spawn(|| lock.lock().push(3));
        });
        assert_eq!(*lock.lock(), [1, 2, 3]);
    }

    #[test]
    fn the_queues_lock_loses_no_update_under_contention() {
        contend::<Lock<u64>>();
    }

    #[test]
    fn spin_then_yield_loses_no_update_under_contention() {
        contend::<SpinThenYield<u64>>();
    }

    #[test]
    fn the_queues_lock_is_usable_after_a_panic_while_held() {
        survive_a_panic::<Lock<Vec<u32>>>();
    }

    #[test]
    fn spin_then_yield_is_usable_after_a_panic_while_held() {
        survive_a_panic::<SpinThenYield<Vec<u32>>>();
    }
}
