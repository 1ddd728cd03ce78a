//! The asyncio queue on every runtime: one test per rule, each named after the CPython test of
//! `Lib/test/test_asyncio/test_queues.py` that it mirrors, and stamped once per runtime by `conformance!`.
//!
//! Timing is asserted only as order. A test that needs a call to be blocked first waits for the queue's
//! waiter count to say so; a test that a broken queue would hang gives up after a generous limit and
//! fails.

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_lite::future::{self, poll_once};
use rosetta_asyncio::{
    BaseQueue, Discipline, LifoQueue, PriorityQueue, Queue, QueueEmpty, QueueError, QueueFull,
    QueueShutDown, TaskDoneError, TimeoutError, wait_for,
};
use rosetta_runtimes::rosetta_rt::Handle;
use rosetta_runtimes::{Config, JoinError, Runtime, conformance};

/// How long a test waits for something that a working queue does at once, before it calls it a hang.
const LIMIT: Duration = Duration::from_secs(120);

/// Creates a loop of `R`, runs `future` on it, closes it.
fn run<R: Runtime, F: Future>(future: F) -> F::Output {
    let rt = R::create(&Config::default()).expect("the runtime is created");
    let output = rt.block_on(future);
    rt.close();
    output
}

/// Lets the loop run until `condition` holds, failing the test if it does not within [`LIMIT`].
async fn until<R: Runtime>(what: &str, condition: impl Fn() -> bool) {
    let give_up = Instant::now() + LIMIT;
    let mut polls = 0_u32;
    while !condition() {
        assert!(Instant::now() < give_up, "gave up waiting until {what}");
        // Yielding lets the loop's other tasks run. After a while a short sleep takes over, so that on a
        // multi-thread runtime this loop leaves the machine's cores to the workers it waits for.
        polls += 1;
        if polls < 1_000 {
            R::yield_now().await;
        } else {
            R::sleep(Duration::from_millis(1)).await;
        }
    }
}

/// Runs `future`, failing the test if it has not finished within [`LIMIT`]: a broken queue would hang.
async fn within<R: Runtime, F: Future>(what: &str, future: F) -> F::Output {
    future::or(future, async {
        R::sleep(LIMIT).await;
        panic!("{what} did not finish within {LIMIT:?}: it hangs")
    })
    .await
}

/// Puts 1, 3, 2, then gets three items, all here (CPython's `test_order`).
async fn put_then_get<D: Discipline<i32> + 'static>(q: BaseQueue<i32, D>) -> Vec<i32> {
    for item in [1, 3, 2] {
        q.put(item).await.expect("the queue is open");
    }
    let mut items = Vec::new();
    for _ in 0..3 {
        items.push(q.get().await.expect("the queue is open"));
    }
    items
}

/// Spawns a task that waits on `q.get()`.
fn spawn_get<R: Runtime, T: Send + 'static>(q: &Queue<T>) -> Handle<R, Result<T, QueueShutDown>> {
    let q = q.clone();
    R::spawn(async move { q.get().await })
}

/// Spawns a task that waits on `q.put(item)`.
fn spawn_put<R: Runtime, T: Send + 'static>(
    q: &Queue<T>,
    item: T,
) -> Handle<R, Result<(), QueueShutDown>> {
    let q = q.clone();
    R::spawn(async move { q.put(item).await })
}

/// How many items the stress test moves: `ROSETTA_STRESS_ITEMS`, or 100 000.
fn stress_items() -> usize {
    match std::env::var("ROSETTA_STRESS_ITEMS") {
        Ok(value) => value
            .trim()
            .parse()
            .expect("ROSETTA_STRESS_ITEMS is a number of items"),
        Err(_) => 100_000,
    }
}

/// A seeded xorshift64 generator: enough randomness for picking tasks to cancel, with no dependency.
struct XorShift(u64);

impl XorShift {
    /// A number in `0..bound`.
    fn below(&mut self, bound: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % bound as u64) as usize
    }
}

const PRODUCERS: usize = 16;
const CONSUMERS: usize = 16;
const STRESS_MAXSIZE: usize = 64;

/// The stress test's consumers or producers, by index; `None` only while one is being replaced.
type Tasks<R> = Vec<Option<Handle<R, ()>>>;

/// What the stress test's tasks share.
struct Board {
    q: Queue<usize>,
    items: usize,
    /// The next item each producer puts: producer `p` puts `p`, `p + PRODUCERS`, ...
    next: Vec<AtomicUsize>,
    /// How many times each item has been taken.
    taken: Vec<AtomicU8>,
    taken_total: AtomicUsize,
}

/// Puts producer `p`'s items. A replacement for a cancelled producer resumes where it stopped.
async fn produce(board: Arc<Board>, p: usize) {
    loop {
        let item = board.next[p].load(Ordering::SeqCst);
        if item >= board.items || board.q.put(item).await.is_err() {
            return;
        }
        // Recorded in the poll in which the put completed: a cancellation cannot fall in between, so
        // the replacement neither repeats nor skips an item.
        board.next[p].store(item + PRODUCERS, Ordering::SeqCst);
    }
}

/// Takes items until the queue is shut down.
async fn consume<R: Runtime>(board: Arc<Board>) {
    while let Ok(item) = board.q.get().await {
        // Recorded, and done, in the poll in which the get completed: a cancellation cannot fall in
        // between, so an item taken and not recorded would be a lost item.
        board.taken[item].fetch_add(1, Ordering::SeqCst);
        board.taken_total.fetch_add(1, Ordering::SeqCst);
        board.q.task_done().expect("one task_done per item taken");
        // Yielding after each item lets the others run between any two of its gets, even on one thread,
        // which is where the controller's cancellations land.
        R::yield_now().await;
    }
}

/// How long the stress test may go without any item being taken before it calls the queue stuck.
const STALL: Duration = Duration::from_secs(20);

/// Cancels a random consumer or producer and starts its replacement, over and over, until every item
/// has been taken or none has been for [`STALL`]; returns the live tasks and how many it cancelled.
async fn control<R: Runtime>(
    board: Arc<Board>,
    mut consumers: Tasks<R>,
    mut producers: Tasks<R>,
) -> (Tasks<R>, Tasks<R>, usize) {
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15 ^ board.items as u64);
    let mut cancelled = 0;
    let mut progress = (0, Instant::now());
    loop {
        let taken = board.taken_total.load(Ordering::SeqCst);
        if taken == board.items {
            break;
        }
        if taken != progress.0 {
            progress = (taken, Instant::now());
        } else if progress.1.elapsed() > STALL {
            break;
        }
        for _ in 0..rng.below(3) {
            R::yield_now().await;
        }
        // Three consumers for every producer: consumers are the ones the rule is about.
        let pick = rng.below(CONSUMERS + CONSUMERS / 3);
        let (tasks, index) = if pick < CONSUMERS {
            (&mut consumers, pick)
        } else {
            (&mut producers, rng.below(PRODUCERS))
        };
        if let Some(task) = tasks[index].take() {
            if let Err(JoinError::Panicked(message)) = task.cancel().await {
                panic!("a stress task panicked: {message}");
            }
            cancelled += 1;
        }
        // The old task's future is gone (cancel resolved): only now may its replacement start.
        tasks[index] = Some(if pick < CONSUMERS {
            R::spawn(consume::<R>(Arc::clone(&board)))
        } else {
            R::spawn(produce(Arc::clone(&board), index))
        });
    }
    (consumers, producers, cancelled)
}

/// Runs the stress test on `R`'s running loop; returns how many tasks the controller cancelled.
async fn stress<R: Runtime>(items: usize) -> usize {
    let board = Arc::new(Board {
        q: Queue::new(STRESS_MAXSIZE),
        items,
        next: (0..PRODUCERS).map(AtomicUsize::new).collect(),
        taken: (0..items).map(|_| AtomicU8::new(0)).collect(),
        taken_total: AtomicUsize::new(0),
    });
    let consumers = (0..CONSUMERS)
        .map(|_| Some(R::spawn(consume::<R>(Arc::clone(&board)))))
        .collect();
    let producers = (0..PRODUCERS)
        .map(|p| Some(R::spawn(produce(Arc::clone(&board), p))))
        .collect();
    let controller = R::spawn(control::<R>(Arc::clone(&board), consumers, producers));
    let (consumers, producers, cancelled) =
        controller.await.expect("the controller does not panic");

    let taken = board.taken_total.load(Ordering::SeqCst);
    assert_eq!(
        taken, items,
        "only {taken} of {items} items were taken within {LIMIT:?}"
    );
    within::<R, _>("join after every item was taken", board.q.join()).await;
    board.q.shutdown(false);
    for task in consumers.into_iter().chain(producers).flatten() {
        within::<R, _>("a stress task after shutdown", task)
            .await
            .expect("no stress task panics");
    }

    let wrong: Vec<(usize, u8)> = board
        .taken
        .iter()
        .map(|count| count.load(Ordering::SeqCst))
        .enumerate()
        .filter(|&(_, count)| count != 1)
        .take(10)
        .collect();
    assert!(
        wrong.is_empty(),
        "items not taken exactly once, as (item, times taken): {wrong:?}"
    );
    assert_eq!(board.q.qsize(), 0);
    assert_eq!(
        board.q.task_done(),
        Err(TaskDoneError),
        "every task_done was counted"
    );
    assert_eq!(
        (board.q.waiting_getters(), board.q.waiting_putters()),
        (0, 0),
        "a waiter was left behind"
    );
    cancelled
}

conformance! {
    #[test]
    fn fifo_lifo_and_priority_orders_test_order() {
        run::<Rt, _>(async {
            assert_eq!(put_then_get(Queue::unbounded()).await, [1, 3, 2]);
            assert_eq!(put_then_get(LifoQueue::unbounded()).await, [2, 3, 1]);
            assert_eq!(put_then_get(PriorityQueue::unbounded()).await, [1, 2, 3]);

            // `(priority, data)` entries, as Python's documentation suggests.
            let q = PriorityQueue::new(0);
            for entry in [(2, "write"), (1, "read"), (3, "close"), (1, "open")] {
                q.put(entry).await.expect("the queue is open");
            }
            let mut entries = Vec::new();
            while let Ok(entry) = q.get_nowait() {
                entries.push(entry);
            }
            assert_eq!(entries, [(1, "open"), (1, "read"), (2, "write"), (3, "close")]);
        });
    }

    #[test]
    fn maxsize_zero_is_unbounded_test_full() {
        run::<Rt, _>(async {
            let q = Queue::new(0);
            assert_eq!(q.maxsize(), 0);
            for item in 0..10_000 {
                let put = within::<Rt, _>("a put on an unbounded queue", q.put(item)).await;
                put.expect("the queue is open");
                assert!(!q.full(), "an unbounded queue is never full");
            }
            assert_eq!(q.qsize(), 10_000);
            assert_eq!(Queue::<u8>::default().maxsize(), 0);

            let q = Queue::new(1);
            assert!(!q.full());
            q.put_nowait(1).expect("there is room");
            assert!(q.full());
            assert_eq!(q.maxsize(), 1);
        });
    }

    #[test]
    fn empty_follows_the_items_test_empty() {
        run::<Rt, _>(async {
            let q = Queue::unbounded();
            assert!(q.empty());
            q.put(1).await.expect("the queue is open");
            assert!(!q.empty());
            assert_eq!(q.qsize(), 1);
            assert_eq!(q.get().await, Ok(1));
            assert!(q.empty());
            assert_eq!(q.qsize(), 0);
        });
    }

    #[test]
    fn put_waits_while_full_test_maxsize() {
        run::<Rt, _>(async {
            let q = Queue::new(2);
            assert_eq!(q.maxsize(), 2);
            let have_been_put = Arc::new(Mutex::new(Vec::new()));
            let putter = Rt::spawn({
                let q = q.clone();
                let have_been_put = Arc::clone(&have_been_put);
                async move {
                    for item in 0..3 {
                        q.put(item).await.expect("the queue is open");
                        have_been_put.lock().unwrap().push(item);
                    }
                }
            });
            until::<Rt>("the putter blocks on its third item", || q.waiting_putters() == 1).await;
            assert_eq!(*have_been_put.lock().unwrap(), [0, 1], "the put of a third item did not wait");
            assert!(q.full());

            assert_eq!(q.get().await, Ok(0));
            within::<Rt, _>("the put that a get made room for", putter).await.expect("no panic");
            assert_eq!(*have_been_put.lock().unwrap(), [0, 1, 2]);
            assert_eq!(q.get_nowait(), Ok(1));
            assert_eq!(q.get_nowait(), Ok(2));
            assert_eq!(q.waiting_putters(), 0);
        });
    }

    #[test]
    fn get_waits_while_empty_test_blocking_get_wait() {
        run::<Rt, _>(async {
            let q = Queue::unbounded();
            let mut getter = spawn_get::<Rt, _>(&q);
            until::<Rt>("the getter blocks", || q.waiting_getters() == 1).await;
            assert!(!getter.is_finished(), "a get on an empty queue returned");
            q.put_nowait(42).expect("the queue is unbounded");
            assert_eq!(within::<Rt, _>("the woken get", getter).await, Ok(Ok(42)));
            assert_eq!(q.waiting_getters(), 0);
            assert!(q.empty());
        });
    }

    #[test]
    fn nowait_errors_queue_full_and_queue_empty() {
        run::<Rt, _>(async {
            let q = Queue::new(1);
            let error = q.get_nowait().expect_err("the queue is empty");
            assert!(error.is_empty() && !error.is_shutdown());
            assert_eq!(error.to_string(), "queue is empty");

            q.put_nowait("a").expect("there is room");
            let error = q.put_nowait("b").expect_err("the queue is full");
            assert_eq!(error, QueueError::Full("b"));
            assert!(error.is_full() && !error.is_shutdown());
            assert_eq!(error.to_string(), "queue is full");
            assert_eq!(error.into_inner(), "b", "the refused item comes back");
            assert_eq!(q.qsize(), 1);
            assert_eq!(q.get_nowait(), Ok("a"));

            assert_eq!(QueueFull.to_string(), "queue is full");
            assert_eq!(QueueEmpty.to_string(), "queue is empty");
            assert_eq!(QueueShutDown.to_string(), "queue is shut down");
        });
    }

    #[test]
    fn get_with_waiting_putters_test_get_with_waiting_putters() {
        // CPython: maxsize 1; tasks put 'a' then 'b' ('b' waits); two gets give 'a', then 'b'. Tasks
        // start in creation order on CPython's one thread; here the second starts once the first has put.
        run::<Rt, _>(async {
            let q = Queue::new(1);
            let a = spawn_put::<Rt, _>(&q, 'a');
            until::<Rt>("'a' is put", || q.qsize() == 1).await;
            let b = spawn_put::<Rt, _>(&q, 'b');
            until::<Rt>("the put of 'b' waits", || q.waiting_putters() == 1).await;
            assert_eq!(within::<Rt, _>("a get", q.get()).await, Ok('a'));
            assert_eq!(within::<Rt, _>("a get", q.get()).await, Ok('b'));
            assert_eq!((a.await, b.await), (Ok(Ok(())), Ok(Ok(()))));
        });
    }

    #[test]
    fn blocked_putters_are_served_in_fifo_order() {
        run::<Rt, _>(async {
            let q = Queue::new(1);
            q.put_nowait(0).expect("there is room");
            let mut putters = Vec::new();
            for item in 1..=8 {
                putters.push(spawn_put::<Rt, _>(&q, item));
                // Each putter blocks before the next starts, so the order they wait in is known.
                until::<Rt>("the putter blocks", || q.waiting_putters() == item).await;
            }
            let mut got = Vec::new();
            for _ in 0..=8 {
                got.push(within::<Rt, _>("a get", q.get()).await.expect("the queue is open"));
            }
            assert_eq!(got, (0..=8).collect::<Vec<_>>());
            for putter in putters {
                assert_eq!(putter.await, Ok(Ok(())));
            }
        });
    }

    #[test]
    fn cancelled_get_consumes_nothing_test_get_cancelled_race() {
        run::<Rt, _>(async {
            let q = Queue::unbounded();
            let first = spawn_get::<Rt, _>(&q);
            let second = spawn_get::<Rt, _>(&q);
            until::<Rt>("both getters block", || q.waiting_getters() == 2).await;
            assert_eq!(first.cancel().await, Err(JoinError::Cancelled));
            assert_eq!(q.waiting_getters(), 1);
            q.put_nowait('a').expect("the queue is unbounded");
            assert_eq!(within::<Rt, _>("the other get", second).await, Ok(Ok('a')));

            // A get woken by an item and dropped before it runs again takes nothing.
            let mut get = Box::pin(q.get());
            assert_eq!(poll_once(get.as_mut()).await, None);
            q.put_nowait('b').expect("the queue is unbounded");
            drop(get);
            assert_eq!(q.get_nowait(), Ok('b'));
            assert_eq!(q.waiting_getters(), 0);
        });
    }

    #[test]
    fn cancelled_put_adds_nothing_test_put_cancel_drop() {
        run::<Rt, _>(async {
            let q = Queue::new(1);
            q.put_nowait(1).expect("there is room");
            let put_done = Arc::new(AtomicBool::new(false));
            let writer = Rt::spawn({
                let q = q.clone();
                let put_done = Arc::clone(&put_done);
                async move {
                    q.put(2).await.expect("the queue is open");
                    // Recorded in the poll in which the put completed.
                    put_done.store(true, Ordering::SeqCst);
                }
            });
            until::<Rt>("the writer blocks", || q.waiting_putters() == 1).await;
            assert_eq!(q.get_nowait(), Ok(1), "the get wakes the writer");
            // On a multi-thread runtime the woken writer may finish before the cancellation lands; on the
            // async-task runtimes a writer whose last poll was running then even reports `Cancelled`. So
            // the writer's own record, not the cancel outcome, says whether its put happened.
            if let Err(JoinError::Panicked(message)) = writer.cancel().await {
                panic!("the writer panicked: {message}");
            }
            if put_done.load(Ordering::SeqCst) {
                assert_eq!(q.qsize(), 1);
            } else {
                assert_eq!(q.qsize(), 0, "a cancelled put added its item");
                // Try again, as Python's test does.
                let writer = spawn_put::<Rt, _>(&q, 2);
                assert_eq!(within::<Rt, _>("the second writer", writer).await, Ok(Ok(())));
            }
            assert_eq!(q.get_nowait(), Ok(2));
            assert_eq!(q.qsize(), 0);

            // A put woken by a free slot and dropped before it runs again adds nothing.
            q.put_nowait(3).expect("there is room");
            let mut put = Box::pin(q.put(4));
            assert_eq!(poll_once(put.as_mut()).await, None);
            assert_eq!(q.waiting_putters(), 1);
            assert_eq!(q.get_nowait(), Ok(3));
            drop(put);
            assert_eq!(q.qsize(), 0);
            assert_eq!(q.waiting_putters(), 0);
        });
    }

    #[test]
    fn a_cancelled_reader_passes_its_item_on_test_get_cancel_drop_many_pending_readers() {
        // CPython: three reader tasks wait; 1 and 2 are put; reader1 is cancelled before it runs; the
        // other two get {1, 2}. On a multi-thread runtime reader1 may have taken its item before the
        // cancel lands (a race CPython's one thread cannot have; async-task then even reports
        // `Cancelled`), so each reader records what it took, and a third item lets the last one go.
        run::<Rt, _>(async {
            let q = Queue::unbounded();
            let took = Arc::new(Mutex::new(Vec::new()));
            let reader = |n: u8| {
                let (q, took) = (q.clone(), Arc::clone(&took));
                Rt::spawn(async move {
                    let item = q.get().await.expect("the queue is open");
                    took.lock().unwrap().push((n, item));
                })
            };
            let (reader1, reader2, reader3) = (reader(1), reader(2), reader(3));
            until::<Rt>("the three readers wait", || q.waiting_getters() == 3).await;
            q.put_nowait(1).expect("the queue is unbounded");
            q.put_nowait(2).expect("the queue is unbounded");
            if let Err(JoinError::Panicked(message)) = reader1.cancel().await {
                panic!("reader1 panicked: {message}");
            }
            let reader1_took = took.lock().unwrap().iter().any(|&(n, _)| n == 1);
            if reader1_took {
                q.put_nowait(3).expect("the queue is unbounded");
            }
            within::<Rt, _>("reader3", reader3).await.expect("no panic");
            within::<Rt, _>("reader2", reader2).await.expect("no panic");
            let mut items: Vec<i32> = took.lock().unwrap().iter().map(|&(_, item)| item).collect();
            items.sort_unstable();
            assert_eq!(items, if reader1_took { vec![1, 2, 3] } else { vec![1, 2] });
            assert!(q.empty());
        });
    }

    #[test]
    fn a_woken_getter_dropped_before_it_runs_wakes_the_next() {
        run::<Rt, _>(async {
            let q = Queue::unbounded();
            // The first in line is a future polled here, so that it can be dropped right after its
            // wake-up.
            let mut first = Box::pin(q.get());
            assert_eq!(poll_once(first.as_mut()).await, None);
            let second = spawn_get::<Rt, _>(&q);
            until::<Rt>("both getters block", || q.waiting_getters() == 2).await;
            q.put_nowait(1).expect("the queue is unbounded");
            drop(first);
            assert_eq!(within::<Rt, _>("the next getter", second).await, Ok(Ok(1)));
            assert_eq!(q.waiting_getters(), 0);
        });
    }

    #[test]
    fn a_woken_putter_dropped_before_it_runs_wakes_the_next() {
        run::<Rt, _>(async {
            let q = Queue::new(1);
            q.put_nowait(0).expect("there is room");
            let mut first = Box::pin(q.put(1));
            assert_eq!(poll_once(first.as_mut()).await, None);
            let second = spawn_put::<Rt, _>(&q, 2);
            until::<Rt>("both putters block", || q.waiting_putters() == 2).await;
            assert_eq!(q.get_nowait(), Ok(0));
            drop(first);
            assert_eq!(within::<Rt, _>("the next putter", second).await, Ok(Ok(())));
            assert_eq!(q.get_nowait(), Ok(2), "the dropped put added nothing");
            assert_eq!(q.waiting_putters(), 0);
        });
    }

    #[test]
    fn every_item_wakes_a_parked_getter_round_after_round() {
        // Each round parks two futures first in line, then four tasks, puts four items (so the wake-ups
        // reach the two futures and two tasks), and drops the futures: their wake-ups must reach the
        // other two tasks. A wake-up lost or miscounted in one round strands the getters of a later one.
        run::<Rt, _>(async {
            let q = Queue::unbounded();
            for round in 0..50 {
                let mut first: Vec<_> = (0..2).map(|_| Box::pin(q.get())).collect();
                for get in &mut first {
                    assert_eq!(poll_once(get.as_mut()).await, None);
                }
                let tasks: Vec<_> = (0..4).map(|_| spawn_get::<Rt, usize>(&q)).collect();
                until::<Rt>("every getter blocks", || q.waiting_getters() == 6).await;
                for item in 0..4 {
                    q.put_nowait(round * 4 + item).expect("the queue is unbounded");
                }
                drop(first);
                let mut got = Vec::new();
                for task in tasks {
                    let outcome = within::<Rt, _>("a woken getter", task).await;
                    got.push(outcome.expect("no panic").expect("the queue is open"));
                }
                got.sort_unstable();
                assert_eq!(got, (round * 4..round * 4 + 4).collect::<Vec<_>>());
                assert_eq!((q.waiting_getters(), q.qsize()), (0, 0));
            }
        });
    }

    #[test]
    fn every_free_slot_wakes_a_parked_putter_round_after_round() {
        // The putters' side of the test above, on a full queue of four.
        run::<Rt, _>(async {
            let q = Queue::new(4);
            for item in 0..4 {
                q.put_nowait(item).expect("there is room");
            }
            for round in 1..=50 {
                let mut first: Vec<_> = (0..2).map(|_| Box::pin(q.put(usize::MAX))).collect();
                for put in &mut first {
                    assert_eq!(poll_once(put.as_mut()).await, None);
                }
                let tasks: Vec<_> =
                    (0..4).map(|item| spawn_put::<Rt, _>(&q, round * 4 + item)).collect();
                until::<Rt>("every putter blocks", || q.waiting_putters() == 6).await;
                let mut got: Vec<_> =
                    (0..4).map(|_| q.get_nowait().expect("the queue is full")).collect();
                drop(first);
                for task in tasks {
                    assert_eq!(within::<Rt, _>("a woken putter", task).await, Ok(Ok(())));
                }
                assert_eq!((q.waiting_putters(), q.qsize()), (0, 4));
                got.sort_unstable();
                let expected: Vec<_> = ((round - 1) * 4..round * 4).collect();
                assert_eq!(got, expected, "a dropped put added its item");
            }
        });
    }

    #[test]
    fn a_timed_out_get_leaves_no_waiter_behind_test_cancelled_getters_not_being_held_in_self_getters() {
        // CPython: `wait_for(queue.get(), 0.1)` on an empty queue of maxsize 5 times out, and no getter
        // is left waiting.
        run::<Rt, _>(async {
            let queue = Queue::<u32>::new(5);
            let timeout = Duration::from_millis(100);
            assert_eq!(wait_for::<Rt, _>(queue.get(), Some(timeout)).await, Err(TimeoutError { timeout }));
            assert_eq!(queue.waiting_getters(), 0);
        });
    }

    #[test]
    fn cancelled_getters_leave_no_waiter_behind() {
        // The rule of CPython's test_cancelled_getters_not_being_held_in_self_getters, for ten getter
        // tasks cancelled one by one.
        run::<Rt, _>(async {
            let q = Queue::unbounded();
            let getters: Vec<_> = (0..10).map(|_| spawn_get::<Rt, u32>(&q)).collect();
            until::<Rt>("every getter blocks", || q.waiting_getters() == 10).await;
            for getter in getters {
                assert_eq!(getter.cancel().await, Err(JoinError::Cancelled));
            }
            assert_eq!(q.waiting_getters(), 0);
            q.put_nowait(7).expect("the queue is unbounded");
            assert_eq!(q.get_nowait(), Ok(7), "a cancelled getter took the item");
        });
    }

    #[test]
    fn cancelled_putters_leave_no_waiter_behind() {
        // CPython's test_cancelled_puts_not_being_held_in_self_putters, for ten putter tasks rather
        // than one.
        run::<Rt, _>(async {
            let q = Queue::new(1);
            q.put_nowait(0).expect("there is room");
            let putters: Vec<_> = (1..=10).map(|item| spawn_put::<Rt, _>(&q, item)).collect();
            until::<Rt>("every putter blocks", || q.waiting_putters() == 10).await;
            for putter in putters {
                assert_eq!(putter.cancel().await, Err(JoinError::Cancelled));
            }
            assert_eq!(q.waiting_putters(), 0);
            assert_eq!(q.get_nowait(), Ok(0));
            assert!(q.empty(), "a cancelled putter added its item");
        });
    }

    #[test]
    fn task_done_underflow_is_an_error() {
        // CPython's test_task_done_underflow.
        run::<Rt, _>(async {
            let q = Queue::unbounded();
            assert_eq!(q.task_done(), Err(TaskDoneError));
            assert_eq!(TaskDoneError.to_string(), "task_done() called too many times");
            q.put_nowait(1).expect("the queue is unbounded");
            assert_eq!(q.get().await, Ok(1));
            assert_eq!(q.task_done(), Ok(()));
            assert_eq!(q.task_done(), Err(TaskDoneError));
        });
    }

    #[test]
    fn join_waits_for_every_task_done_test_task_done() {
        run::<Rt, _>(async {
            let q = Queue::unbounded();
            for item in 0..100 {
                q.put_nowait(item).expect("the queue is unbounded");
            }
            assert_eq!(poll_once(q.join()).await, None, "join returned with 100 items unfinished");
            let accumulator = Arc::new(AtomicUsize::new(0));
            let workers: Vec<_> = (0..2)
                .map(|_| {
                    let q = q.clone();
                    let accumulator = Arc::clone(&accumulator);
                    Rt::spawn(async move {
                        while let Ok(item) = q.get().await {
                            // Work between get and task_done: a join that returned once the queue was
                            // empty, rather than once every item was done, would see a partial sum.
                            Rt::yield_now().await;
                            accumulator.fetch_add(item, Ordering::SeqCst);
                            q.task_done().expect("one task_done per item");
                        }
                    })
                })
                .collect();
            within::<Rt, _>("join", q.join()).await;
            assert_eq!(accumulator.load(Ordering::SeqCst), (0..100).sum::<usize>());
            q.shutdown(false);
            for worker in workers {
                within::<Rt, _>("a worker after shutdown", worker).await.expect("no panic");
            }
        });
    }

    #[test]
    fn join_on_empty_queue_returns_at_once_and_again() {
        // CPython's test_join_empty_queue.
        run::<Rt, _>(async {
            let q = Queue::unbounded();
            assert_eq!(poll_once(q.join()).await, Some(()));
            assert_eq!(poll_once(q.join()).await, Some(()));
            q.put_nowait(1).expect("the queue is unbounded");
            assert_eq!(poll_once(q.join()).await, None);
            assert_eq!(q.get_nowait(), Ok(1));
            assert_eq!(poll_once(q.join()).await, None, "the item was gotten but is not done");
            q.task_done().expect("one item is unfinished");
            assert_eq!(poll_once(q.join()).await, Some(()));
            assert_eq!(poll_once(q.join()).await, Some(()));
        });
    }

    #[test]
    fn join_returns_once_the_count_was_zero_even_if_items_came_since() {
        // asyncio's join waits on an Event: set() wakes every waiter, and a later clear() takes nothing
        // back.
        run::<Rt, _>(async {
            let q = Queue::unbounded();
            q.put_nowait(1).expect("the queue is unbounded");
            let mut joins: Vec<_> = (0..3).map(|_| Box::pin(q.join())).collect();
            for join in &mut joins {
                assert_eq!(poll_once(join.as_mut()).await, None);
            }
            assert_eq!(q.get_nowait(), Ok(1));
            q.task_done().expect("one item is unfinished");
            q.put_nowait(2).expect("the queue is unbounded");
            for join in &mut joins {
                assert_eq!(poll_once(join.as_mut()).await, Some(()));
            }
            // A join that starts now waits for the new item.
            assert_eq!(poll_once(q.join()).await, None);
        });
    }

    #[test]
    fn shutdown_empty_wakes_getters_and_putters() {
        // CPython's test_shutdown_empty, for both kinds of shutdown, plus putters blocked on a full
        // queue.
        for immediate in [false, true] {
            run::<Rt, _>(async move {
                let q = Queue::unbounded();
                let getters: Vec<_> = (0..3).map(|_| spawn_get::<Rt, &str>(&q)).collect();
                until::<Rt>("every getter blocks", || q.waiting_getters() == 3).await;
                q.shutdown(immediate);
                assert!(q.is_shutdown());
                assert_eq!(q.qsize(), 0);
                within::<Rt, _>("join on a shut-down empty queue", q.join()).await;
                for getter in getters {
                    assert_eq!(within::<Rt, _>("a woken getter", getter).await, Ok(Err(QueueShutDown)));
                }
                assert_eq!(q.waiting_getters(), 0);
                assert_eq!(q.put("data").await, Err(QueueShutDown));
                assert_eq!(q.put_nowait("data"), Err(QueueError::ShutDown("data")));
                assert_eq!(q.get().await, Err(QueueShutDown));
                assert!(q.get_nowait().is_err_and(|error| error.is_shutdown()));

                let full = Queue::new(1);
                full.put_nowait("kept").expect("there is room");
                let putters: Vec<_> = (0..3).map(|_| spawn_put::<Rt, _>(&full, "refused")).collect();
                until::<Rt>("every putter blocks", || full.waiting_putters() == 3).await;
                full.shutdown(immediate);
                for putter in putters {
                    assert_eq!(within::<Rt, _>("a woken putter", putter).await, Ok(Err(QueueShutDown)));
                }
                assert_eq!(full.waiting_putters(), 0);
                let left: Vec<_> = std::iter::from_fn(|| full.get_nowait().ok()).collect();
                assert_eq!(left, if immediate { vec![] } else { vec!["kept"] });
            });
        }
    }

    #[test]
    fn shutdown_nonempty_keeps_items_gettable() {
        // CPython's test_shutdown_nonempty.
        run::<Rt, _>(async {
            let q = Queue::new(1);
            q.put_nowait("data").expect("there is room");
            let mut join = Rt::spawn({
                let q = q.clone();
                async move { q.join().await }
            });
            let put = spawn_put::<Rt, _>(&q, "data2");
            until::<Rt>("the putter blocks", || q.waiting_putters() == 1).await;
            q.shutdown(false);
            assert_eq!(q.qsize(), 1);
            assert_eq!(within::<Rt, _>("the woken putter", put).await, Ok(Err(QueueShutDown)));
            assert_eq!(q.get().await, Ok("data"));
            assert!(!join.is_finished(), "join returned with an item unfinished");

            assert_eq!(q.put("data").await, Err(QueueShutDown));
            assert_eq!(q.put_nowait("data"), Err(QueueError::ShutDown("data")));
            assert_eq!(q.get().await, Err(QueueShutDown));
            assert!(q.get_nowait().is_err_and(|error| error.is_shutdown()));

            q.task_done().expect("one item is unfinished");
            within::<Rt, _>("join", join).await.expect("no panic");
            assert_eq!(q.task_done(), Err(TaskDoneError));
        });
    }

    #[test]
    fn shutdown_immediate_drains_and_lets_join_return() {
        // CPython's test_shutdown_immediate.
        run::<Rt, _>(async {
            let q = Queue::unbounded();
            let item = Arc::new("data");
            q.put_nowait(Arc::clone(&item)).expect("the queue is unbounded");
            let join = Rt::spawn({
                let q = q.clone();
                async move { q.join().await }
            });
            q.shutdown(true);
            assert_eq!(q.qsize(), 0);
            assert_eq!(Arc::strong_count(&item), 1, "the drained item was not dropped");
            within::<Rt, _>("join", join).await.expect("no panic");

            assert_eq!(q.put(Arc::clone(&item)).await, Err(QueueShutDown));
            assert!(q.put_nowait(Arc::clone(&item)).is_err_and(|error| error.is_shutdown()));
            assert_eq!(q.get().await, Err(QueueShutDown));
            assert!(q.get_nowait().is_err_and(|error| error.is_shutdown()));
            let outcome = q.task_done();
            assert_eq!(outcome, Err(TaskDoneError), "the drained item still counted as unfinished");
        });
    }

    #[test]
    fn shutdown_immediate_with_unfinished_keeps_join_waiting_for_them() {
        // CPython's test_shutdown_immediate_with_unfinished.
        run::<Rt, _>(async {
            let q = Queue::unbounded();
            q.put_nowait("data").expect("the queue is unbounded");
            q.put_nowait("data").expect("the queue is unbounded");
            let mut join = Rt::spawn({
                let q = q.clone();
                async move { q.join().await }
            });
            assert_eq!(q.get().await, Ok("data"));
            q.shutdown(true);
            assert_eq!(q.qsize(), 0);
            for _ in 0..10 {
                Rt::yield_now().await;
            }
            assert!(!join.is_finished(), "join returned with the gotten item unfinished");
            assert_eq!(q.get().await, Err(QueueShutDown));
            assert_eq!(q.task_done(), Ok(()));
            assert_eq!(q.task_done(), Err(TaskDoneError));
            within::<Rt, _>("join", join).await.expect("no panic");
        });
    }

    #[test]
    fn concurrent_task_done_calls_finish_exactly_the_unfinished_items() {
        // More task_done calls than items, from tasks that run in parallel on the multi-thread
        // flavors: exactly one call per item succeeds, however they interleave.
        run::<Rt, _>(async {
            const ITEMS: usize = 1_000;
            let q = Queue::unbounded();
            for item in 0..ITEMS {
                q.put_nowait(item).expect("the queue is unbounded");
            }
            let callers: Vec<_> = (0..4)
                .map(|_| {
                    let q = q.clone();
                    Rt::spawn(async move {
                        let mut finished = 0;
                        for call in 0..ITEMS / 2 {
                            finished += usize::from(q.task_done().is_ok());
                            if call % 16 == 0 {
                                Rt::yield_now().await;
                            }
                        }
                        finished
                    })
                })
                .collect();
            let mut finished = 0;
            for caller in callers {
                finished += within::<Rt, _>("a task_done caller", caller)
                    .await
                    .expect("no caller panics");
            }
            assert_eq!(finished, ITEMS);
            assert_eq!(q.task_done(), Err(TaskDoneError));
            assert_eq!(poll_once(q.join()).await, Some(()));
        });
    }

    #[test]
    fn join_waits_for_every_item_put_before_it_while_workers_finish_tasks_in_parallel() {
        // Joins start, wait, are cancelled and return while workers get and finish items, in parallel
        // on the multi-thread flavors, and while more items are put: a join never returns before every
        // item put before it started is done, and always returns once the count comes down to zero.
        run::<Rt, _>(async {
            let q = Queue::new(8);
            let put = Arc::new(AtomicUsize::new(0));
            let done = Arc::new(AtomicUsize::new(0));
            let workers: Vec<_> = (0..3)
                .map(|_| {
                    let (q, done) = (q.clone(), Arc::clone(&done));
                    Rt::spawn(async move {
                        while q.get().await.is_ok() {
                            // Counted before task_done, so that a join that has seen the item done
                            // sees the count too.
                            done.fetch_add(1, Ordering::SeqCst);
                            q.task_done().expect("one task_done per item");
                        }
                    })
                })
                .collect();
            let mut joiners = Vec::new();
            let mut to_cancel = None;
            for round in 0..2_000_usize {
                for _ in 0..round % 7 {
                    q.put(()).await.expect("the queue is open");
                    put.fetch_add(1, Ordering::SeqCst);
                }
                let joiner = Rt::spawn({
                    let (q, put, done) = (q.clone(), Arc::clone(&put), Arc::clone(&done));
                    async move {
                        let before = put.load(Ordering::SeqCst);
                        q.join().await;
                        let finished = done.load(Ordering::SeqCst);
                        assert!(
                            finished >= before,
                            "join returned with {finished} of the {before} items put before it done"
                        );
                    }
                });
                if round % 5 == 0 {
                    // Cancelled a round later, most likely while it waits.
                    if let Some(joiner) = to_cancel.replace(joiner) {
                        let joiner: Handle<Rt, ()> = joiner;
                        if let Err(JoinError::Panicked(message)) = joiner.cancel().await {
                            panic!("a joiner panicked: {message}");
                        }
                    }
                } else {
                    joiners.push(joiner);
                }
                if round % 100 == 99 {
                    // No more puts until every join so far has returned: the workers bring the count
                    // down to zero.
                    for joiner in joiners.drain(..) {
                        within::<Rt, _>("join", joiner).await.expect("no joiner panics");
                    }
                }
            }
            q.shutdown(false);
            for worker in workers {
                within::<Rt, _>("a worker after shutdown", worker)
                    .await
                    .expect("no worker panics");
            }
        });
    }

    /// 16 producers and 16 consumers move `ROSETTA_STRESS_ITEMS` items (default 100 000) through a queue
    /// of 64, while a controller keeps cancelling a random consumer (or, one time in four, a producer)
    /// and starting its replacement. Every item is taken exactly once, `join` returns, and no waiter is
    /// left behind.
    #[test]
    fn stress_16_producers_16_consumers_randomly_cancelled_every_item_taken_exactly_once() {
        let items = stress_items();
        let start = Instant::now();
        let cancelled = run::<Rt, _>(stress::<Rt>(items));
        eprintln!(
            "{}: {items} items, {cancelled} tasks cancelled, in {:?}",
            Rt::INFO.id,
            start.elapsed()
        );
        assert!(cancelled > 0, "the controller never cancelled a task");
    }
}

/// `task_done` on worker threads racing `join` on other threads, round after round, with no runtime
/// at all: every `join` returns (a missed wake-up would leave one asleep until [`LIMIT`]) and none
/// returns before every item's `task_done` has been called.
#[test]
fn join_on_threads_returns_once_task_done_on_other_threads_finished_every_item() {
    const ROUNDS: usize = 200;
    const WORKERS: usize = 3;
    const PER_WORKER: usize = 4;
    const ITEMS: usize = WORKERS * PER_WORKER;
    for round in 0..ROUNDS {
        let q = Queue::unbounded();
        for item in 0..ITEMS {
            q.put_nowait(item).expect("the queue is unbounded");
        }
        // Counted before each `task_done`, so a `join` that has returned must see every one.
        let started = Arc::new(AtomicUsize::new(0));
        let joiners = 1 + round % 2;
        let barrier = Arc::new(std::sync::Barrier::new(WORKERS + joiners));
        let (done, finished) = std::sync::mpsc::channel::<Result<(), String>>();
        for _ in 0..WORKERS {
            let (q, started, barrier, done) =
                (q.clone(), started.clone(), barrier.clone(), done.clone());
            std::thread::spawn(move || {
                barrier.wait();
                let outcome = (0..PER_WORKER).try_for_each(|_| {
                    q.get_nowait().map_err(|error| error.to_string())?;
                    started.fetch_add(1, Ordering::SeqCst);
                    q.task_done().map_err(|error| error.to_string())
                });
                let _ = done.send(outcome);
            });
        }
        for _ in 0..joiners {
            let (q, started, barrier, done) =
                (q.clone(), started.clone(), barrier.clone(), done.clone());
            std::thread::spawn(move || {
                barrier.wait();
                future::block_on(q.join());
                let seen = started.load(Ordering::SeqCst);
                let outcome = if seen == ITEMS {
                    Ok(())
                } else {
                    Err(format!(
                        "join returned after {seen} of {ITEMS} task_done calls"
                    ))
                };
                let _ = done.send(outcome);
            });
        }
        // The threads are not joined, so that a missed wake-up fails the test rather than hanging it.
        let deadline = Instant::now() + LIMIT;
        for _ in 0..WORKERS + joiners {
            let left = deadline.saturating_duration_since(Instant::now());
            let outcome = finished.recv_timeout(left).unwrap_or_else(|_| {
                panic!("round {round}: a thread was still waiting after {LIMIT:?}")
            });
            if let Err(error) = outcome {
                panic!("round {round}: {error}");
            }
        }
        assert_eq!(q.task_done(), Err(TaskDoneError), "round {round}");
    }
}
