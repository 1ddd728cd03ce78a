//! asyncio's `Lock`, `Event`, `Condition`, `Semaphore`, `BoundedSemaphore` and `Barrier` on every
//! runtime: one test per rule, each named after the rule and citing the CPython test of
//! `Lib/test/test_asyncio/test_locks.py` it mirrors, stamped once per runtime by `conformance!`.
//!
//! Where CPython orders tasks with `await asyncio.sleep(0)`, these tests wait for the primitive's own
//! count of waiters to say so (a multi-thread runtime gives no other order). The cancellation races are
//! set up by polling futures by hand, so that "handed the permit, then cancelled before it ran" happens
//! on every runtime, not only when the scheduler happens to allow it.

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicIsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_lite::future::{self, poll_once};
use rosetta_asyncio::{
    Barrier, BoundedSemaphore, BrokenBarrierError, Condition, Event, Lock, OverReleaseError,
    Semaphore,
};
use rosetta_runtimes::testing::run;
use rosetta_runtimes::{JoinError, Runtime, conformance};

/// How long a test waits for something a working primitive does at once, before it calls it a hang.
const LIMIT: Duration = Duration::from_secs(60);

/// Lets the loop run until `condition` holds, failing the test if it does not within [`LIMIT`].
async fn until<R: Runtime>(what: &str, condition: impl Fn() -> bool) {
    let give_up = Instant::now() + LIMIT;
    while !condition() {
        assert!(Instant::now() < give_up, "gave up waiting until {what}");
        R::sleep(Duration::from_millis(1)).await;
    }
}

/// Runs `future`, failing the test if it has not finished within [`LIMIT`].
async fn within<R: Runtime, F: Future>(what: &str, future: F) -> F::Output {
    future::or(future, async {
        R::sleep(LIMIT).await;
        panic!("{what} did not finish within {LIMIT:?}: it hangs")
    })
    .await
}

/// The tags tasks append in the order they get somewhere.
type Log = Arc<Mutex<Vec<String>>>;

fn log(log: &Log, tag: impl Into<String>) {
    log.lock().expect("no test task panicked").push(tag.into());
}

fn logged(log: &Log) -> Vec<String> {
    log.lock().expect("no test task panicked").clone()
}

conformance! {
    /// A freed lock goes to the waiters in the order they came, and is handed over, never left free for
    /// a newcomer (`LockTests.test_acquire`).
    #[test]
    fn lock_acquire_is_fifo() {
        run::<Rt, _>(async {
            let lock = Arc::new(Lock::new());
            let order: Log = Arc::default();
            let guard = lock.acquire().await;
            let mut tasks = Vec::new();
            for tag in 1..=3 {
                let (task_lock, task_order) = (Arc::clone(&lock), Arc::clone(&order));
                tasks.push(Rt::spawn(async move {
                    let _guard = task_lock.acquire().await;
                    log(&task_order, tag.to_string());
                }));
                until::<Rt>("the task waits for the lock", || lock.waiting() == tag).await;
            }
            drop(guard);
            assert!(lock.locked(), "the released lock went to the first waiter, not back to free");
            for task in tasks {
                within::<Rt, _>("a waiter", task).await.expect("the waiter finished");
            }
            assert_eq!(logged(&order), ["1", "2", "3"]);
            assert!(!lock.locked());
        });
    }

    /// A waiter cancelled while the holder releases never takes the lock; the next waiter does
    /// (`LockTests.test_cancel_race`: A holds, B and C wait, B is cancelled as A releases).
    #[test]
    fn lock_cancelled_waiter_passes_its_place_on() {
        run::<Rt, _>(async {
            let lock = Arc::new(Lock::new());
            let a = lock.acquire().await;
            let spawn_waiter = |tag: &'static str| {
                let lock = Arc::clone(&lock);
                Rt::spawn(async move {
                    let _guard = lock.acquire().await;
                    tag
                })
            };
            let b = spawn_waiter("B");
            until::<Rt>("B waits", || lock.waiting() == 1).await;
            let c = spawn_waiter("C");
            until::<Rt>("C waits", || lock.waiting() == 2).await;
            let b = b.cancel();
            drop(a);
            assert_eq!(b.await, Err(JoinError::Cancelled));
            assert_eq!(within::<Rt, _>("C", c).await, Ok("C"));
            assert!(!lock.locked(), "no one holds the lock at the end");
        });
    }

    /// A waiter handed the lock and cancelled before it saw it passes the lock to the next waiter, so
    /// one lock is taken, not two or none (`LockTests.test_cancel_release_race`).
    #[test]
    fn lock_waiter_cancelled_after_release_hands_it_on() {
        run::<Rt, _>(async {
            let lock = Lock::new();
            let held = lock.acquire().await;
            let mut t1 = Box::pin(lock.acquire());
            let mut t2 = pin!(lock.acquire());
            let mut t3 = pin!(lock.acquire());
            assert!(poll_once(&mut t1).await.is_none());
            assert!(poll_once(&mut t2).await.is_none());
            assert!(poll_once(&mut t3).await.is_none());
            // The release hands the lock to t1, which is cancelled before it runs.
            drop(held);
            drop(t1);
            let t2_guard = poll_once(&mut t2).await;
            assert!(t2_guard.is_some(), "t2 took the lock t1 was handed");
            assert!(poll_once(&mut t3).await.is_none(), "only one task holds the lock");
            drop(t2_guard);
            assert!(poll_once(&mut t3).await.is_some());
        });
    }

    /// Freed permits go to waiters in arrival order: a task that releases and acquires again queues
    /// behind the others (`SemaphoreTests.test_acquire_fifo_order`; each task holds its first permit
    /// until the other two wait, where CPython sleeps 10 ms).
    #[test]
    fn semaphore_acquire_fifo_order() {
        run::<Rt, _>(async {
            let sem = Arc::new(Semaphore::new(1));
            let order: Log = Arc::default();
            let mut tasks = Vec::new();
            for (n, tag) in ["c1", "c2", "c3"].into_iter().enumerate() {
                let (task_sem, task_order) = (Arc::clone(&sem), Arc::clone(&order));
                tasks.push(Rt::spawn(async move {
                    let permit = task_sem.acquire().await;
                    log(&task_order, format!("{tag}_1"));
                    // Both others, whatever threads they run on: c1 re-queues while c2 holds the permit
                    // it was handed, so c2 must see c1 back in the queue before it releases.
                    until::<Rt>("the others wait", || task_sem.waiting() >= 2).await;
                    drop(permit);
                    let _permit = task_sem.acquire().await;
                    log(&task_order, format!("{tag}_2"));
                    Rt::sleep(Duration::from_millis(10)).await;
                }));
                until::<Rt>("the task is in", || logged(&order).len() + sem.waiting() > n)
                    .await;
            }
            for task in tasks {
                within::<Rt, _>("a task", task).await.expect("the task finished");
            }
            assert_eq!(logged(&order), ["c1_1", "c2_1", "c3_1", "c1_2", "c2_2", "c3_2"]);
        });
    }

    /// Waiters cancelled before they ran never hold a permit: of four waiters on a zero semaphore,
    /// the first two cancelled (one before the release, one after it was handed the permit), one
    /// release lets exactly the third through (`SemaphoreTests.test_acquire_cancel_before_awoken`).
    #[test]
    fn semaphore_acquire_cancel_before_awoken() {
        run::<Rt, _>(async {
            let sem = Semaphore::new(0);
            let mut t1 = Box::pin(sem.acquire());
            let mut t2 = Box::pin(sem.acquire());
            let mut t3 = pin!(sem.acquire());
            let mut t4 = pin!(sem.acquire());
            for waiter in [&mut t1, &mut t2] {
                assert!(poll_once(waiter).await.is_none());
            }
            assert!(poll_once(&mut t3).await.is_none());
            assert!(poll_once(&mut t4).await.is_none());
            drop(t1);
            sem.release();
            drop(t2);
            let third = poll_once(&mut t3).await;
            assert!(third.is_some(), "t3 holds the one permit");
            assert!(poll_once(&mut t4).await.is_none(), "t4 still waits");
            assert!(sem.locked());
        });
    }

    /// A released permit with no one waiting is free for the next acquire, and a semaphore's count
    /// has no bound (`SemaphoreTests.test_release_no_waiters`).
    #[test]
    fn semaphore_release_no_waiters() {
        run::<Rt, _>(async {
            let sem = Semaphore::new(1);
            sem.acquire().await.forget();
            assert!(sem.locked());
            sem.release();
            assert!(!sem.locked());
            sem.release();
            let (_a, _b) = (sem.acquire().await, sem.acquire().await);
            assert!(sem.locked());
        });
    }

    /// A bounded semaphore refuses a release beyond its initial value, as asyncio raises
    /// `ValueError` (`SemaphoreTests.test_release_not_acquired`).
    #[test]
    fn bounded_semaphore_refuses_over_release() {
        run::<Rt, _>(async {
            let sem = BoundedSemaphore::new(1);
            assert_eq!(sem.release(), Err(OverReleaseError { bound: 1 }));
            sem.acquire().await.forget();
            assert_eq!(sem.release(), Ok(()));
            assert_eq!(sem.release(), Err(OverReleaseError { bound: 1 }));
            let _permit = sem.acquire().await;
            assert!(sem.locked());
        });
    }

    /// `set` wakes every waiter, and a wait on a set event returns at once (`EventTests.test_wait`,
    /// `test_wait_on_set`).
    #[test]
    fn event_set_wakes_every_waiter() {
        run::<Rt, _>(async {
            let event = Arc::new(Event::new());
            let woken = Arc::new(AtomicIsize::new(0));
            let tasks: Vec<_> = (0..3)
                .map(|_| {
                    let (event, woken) = (Arc::clone(&event), Arc::clone(&woken));
                    Rt::spawn(async move {
                        event.wait().await;
                        woken.fetch_add(1, Ordering::SeqCst);
                    })
                })
                .collect();
            Rt::sleep(Duration::from_millis(5)).await;
            assert_eq!(woken.load(Ordering::SeqCst), 0, "no waiter returns before the set");
            event.set();
            for task in tasks {
                within::<Rt, _>("a waiter", task).await.expect("the waiter finished");
            }
            assert_eq!(woken.load(Ordering::SeqCst), 3);
            event.wait().await;
            assert!(event.is_set());
        });
    }

    /// A waiter woken by `set` returns even if `clear` came before it ran
    /// (`EventTests.test_clear_with_waiters`).
    #[test]
    fn event_clear_with_waiters() {
        run::<Rt, _>(async {
            let event = Event::new();
            let mut waiter = pin!(event.wait());
            assert!(poll_once(&mut waiter).await.is_none());
            event.set();
            event.clear();
            assert!(!event.is_set());
            assert!(poll_once(&mut waiter).await.is_some(), "the set reached the waiter");
            let mut later = pin!(event.wait());
            assert!(poll_once(&mut later).await.is_none(), "a new wait blocks on the cleared flag");
        });
    }

    /// `notify(n)` wakes n waiters, longest-waiting first, and `notify_all` the rest
    /// (`ConditionTests.test_notify`, `test_notify_all`). Waiters woken together re-take the lock in
    /// the order the scheduler runs them, so only the set of the two woken by `notify(2)` is checked.
    #[test]
    fn condition_notify_n_then_all() {
        run::<Rt, _>(async {
            let cond = Arc::new(Condition::new());
            let order: Log = Arc::default();
            let mut tasks = Vec::new();
            for tag in 1..=5 {
                let (task_cond, task_order) = (Arc::clone(&cond), Arc::clone(&order));
                tasks.push(Rt::spawn(async move {
                    let guard = task_cond.acquire().await;
                    let _guard = guard.wait().await;
                    log(&task_order, tag.to_string());
                }));
                until::<Rt>("the task waits", || cond.waiting() == tag).await;
            }
            assert_eq!(cond.acquire().await.notify(1), 1);
            until::<Rt>("one waiter is woken", || logged(&order).len() == 1).await;
            assert_eq!(cond.acquire().await.notify(1), 1);
            until::<Rt>("a second is woken", || logged(&order).len() == 2).await;
            assert_eq!(logged(&order), ["1", "2"]);
            assert_eq!(cond.acquire().await.notify(2), 2);
            until::<Rt>("two more are woken", || logged(&order).len() == 4).await;
            let mut two = logged(&order).split_off(2);
            two.sort();
            assert_eq!(two, ["3", "4"]);
            assert_eq!(cond.acquire().await.notify_all(), 1);
            for task in tasks {
                within::<Rt, _>("a waiter", task).await.expect("the waiter finished");
            }
            assert_eq!(logged(&order)[4], "5");
            assert_eq!(cond.acquire().await.notify_all(), 0);
        });
    }

    /// `wait_for` returns only once its predicate holds, checked after each notification
    /// (`ConditionTests.test_wait_for`).
    #[test]
    fn condition_wait_for_predicate() {
        run::<Rt, _>(async {
            let cond = Arc::new(Condition::new());
            let presult = Arc::new(AtomicIsize::new(0));
            let calls = Arc::new(AtomicIsize::new(0));
            let task = {
                let (cond, presult, calls) =
                    (Arc::clone(&cond), Arc::clone(&presult), Arc::clone(&calls));
                Rt::spawn(async move {
                    let guard = cond.acquire().await;
                    let _guard = guard
                        .wait_for(|| {
                            calls.fetch_add(1, Ordering::SeqCst);
                            presult.load(Ordering::SeqCst) != 0
                        })
                        .await;
                })
            };
            until::<Rt>("the task waits", || cond.waiting() == 1).await;
            assert_eq!(cond.acquire().await.notify(1), 1);
            until::<Rt>("the predicate is checked again", || calls.load(Ordering::SeqCst) == 2).await;
            until::<Rt>("the task waits again", || cond.waiting() == 1).await;
            presult.store(1, Ordering::SeqCst);
            assert_eq!(cond.acquire().await.notify(1), 1);
            within::<Rt, _>("the waiter", task).await.expect("the waiter finished");
            assert_eq!(calls.load(Ordering::SeqCst), 3);
        });
    }

    /// A waiter cancelled after it was notified passes the notification on, so the item is still
    /// consumed (`ConditionTests.test_cancelled_wakeup`; here the notifier releases the lock where
    /// CPython waits on it with a timeout).
    #[test]
    fn condition_cancelled_wakeup_is_not_lost() {
        run::<Rt, _>(async {
            let cond = Condition::new();
            let state = AtomicIsize::new(0);
            let consumer = || async {
                let mut guard = cond.acquire().await;
                loop {
                    guard = guard.wait_for(|| state.load(Ordering::SeqCst) != 0).await;
                    if state.load(Ordering::SeqCst) < 0 {
                        return;
                    }
                    state.fetch_sub(1, Ordering::SeqCst);
                }
            };
            let mut c0 = Box::pin(consumer());
            let mut c1 = pin!(consumer());
            assert!(poll_once(&mut c0).await.is_none());
            assert!(poll_once(&mut c1).await.is_none());
            assert_eq!(cond.waiting(), 2);
            {
                let guard = cond.acquire().await;
                state.fetch_add(1, Ordering::SeqCst);
                assert_eq!(guard.notify(1), 1);
                // Cancelled while it waits to run.
                drop(c0);
            }
            assert!(poll_once(&mut c1).await.is_none());
            assert_eq!(state.load(Ordering::SeqCst), 0, "the other consumer took the item");
            state.store(-1, Ordering::SeqCst);
            cond.acquire().await.notify_all();
            assert!(poll_once(&mut c1).await.is_some());
        });
    }

    /// Each party gets its index, 0 to parties - 1, round after round
    /// (`BarrierTests.test_filling_tasks_check_return_value`).
    #[test]
    fn barrier_returns_each_party_index() {
        run::<Rt, _>(async {
            let barrier = Arc::new(Barrier::new(3));
            let tasks: Vec<_> = (0..3)
                .map(|_| {
                    let barrier = Arc::clone(&barrier);
                    Rt::spawn(async move {
                        let first = barrier.wait().await?;
                        let second = barrier.wait().await?;
                        Ok::<_, BrokenBarrierError>((first, second))
                    })
                })
                .collect();
            let mut firsts = Vec::new();
            let mut seconds = Vec::new();
            for task in tasks {
                let (first, second) = within::<Rt, _>("a party", task)
                    .await
                    .expect("the party finished")
                    .expect("the barrier is whole");
                firsts.push(first);
                seconds.push(second);
            }
            firsts.sort_unstable();
            seconds.sort_unstable();
            assert_eq!(firsts, [0, 1, 2]);
            assert_eq!(seconds, [0, 1, 2]);
            assert_eq!(barrier.n_waiting(), 0);
            assert!(!barrier.broken());
        });
    }

    /// A party cancelled before the barrier filled leaves it, and a newcomer takes its place
    /// (`BarrierTests.test_filling_tasks_cancel_one`).
    #[test]
    fn barrier_filling_tasks_cancel_one() {
        run::<Rt, _>(async {
            let barrier = Arc::new(Barrier::new(3));
            let spawn_party = || {
                let barrier = Arc::clone(&barrier);
                Rt::spawn(async move { barrier.wait().await })
            };
            let t1 = spawn_party();
            until::<Rt>("one waits", || barrier.n_waiting() == 1).await;
            let t2 = spawn_party();
            until::<Rt>("two wait", || barrier.n_waiting() == 2).await;
            assert_eq!(t1.cancel().await, Err(JoinError::Cancelled));
            assert_eq!(barrier.n_waiting(), 1);
            let t3 = spawn_party();
            until::<Rt>("two wait again", || barrier.n_waiting() == 2).await;
            let t4 = spawn_party();
            for party in [t2, t3, t4] {
                let index = within::<Rt, _>("a party", party).await.expect("the party finished");
                assert!(index.is_ok());
            }
            assert_eq!(barrier.n_waiting(), 0);
            assert!(!barrier.broken());
        });
    }

    /// `abort` breaks the waiters and every later wait (`BarrierTests.test_abort_barrier`,
    /// `test_abort_barrier_when_tasks_half_draining_half_blocking`'s waiters).
    #[test]
    fn barrier_abort_breaks_waiters() {
        run::<Rt, _>(async {
            let barrier = Arc::new(Barrier::new(3));
            let parties: Vec<_> = (1..=2)
                .map(|n| {
                    let barrier = Arc::clone(&barrier);
                    let party = Rt::spawn(async move { barrier.wait().await });
                    (n, party)
                })
                .collect();
            until::<Rt>("two wait", || barrier.n_waiting() == 2).await;
            barrier.abort();
            for (_, party) in parties {
                let outcome = within::<Rt, _>("a party", party).await.expect("the party finished");
                assert_eq!(outcome, Err(BrokenBarrierError));
            }
            assert!(barrier.broken());
            assert_eq!(barrier.wait().await, Err(BrokenBarrierError));
        });
    }

    /// `reset` breaks the current waiters and leaves the barrier ready for a full round
    /// (`BarrierTests.test_reset_barrier_while_tasks_waiting`).
    #[test]
    fn barrier_reset_while_tasks_waiting() {
        run::<Rt, _>(async {
            let barrier = Arc::new(Barrier::new(3));
            let spawn_party = || {
                let barrier = Arc::clone(&barrier);
                Rt::spawn(async move { barrier.wait().await })
            };
            let waiting = [spawn_party(), spawn_party()];
            until::<Rt>("two wait", || barrier.n_waiting() == 2).await;
            barrier.reset();
            for party in waiting {
                let outcome = within::<Rt, _>("a party", party).await.expect("the party finished");
                assert_eq!(outcome, Err(BrokenBarrierError));
            }
            assert!(!barrier.broken());
            let round = [spawn_party(), spawn_party(), spawn_party()];
            let mut indices = Vec::new();
            for party in round {
                let index = within::<Rt, _>("a party", party).await.expect("the party finished");
                indices.push(index.expect("the reset barrier is whole"));
            }
            indices.sort_unstable();
            assert_eq!(indices, [0, 1, 2]);
        });
    }
}
