//! The queue against a plain model: random sequences of calls on `Queue`, `LifoQueue` and
//! `PriorityQueue`, each checked against a `VecDeque`, an unfinished counter and a shutdown flag.
//!
//! Runtime-free: the waiting calls are polled once with a no-op context and then kept or dropped, which
//! also checks that a dropped `get` takes nothing and a dropped `put` adds nothing. The case count is
//! proptest's default; set `PROPTEST_CASES` for a longer run.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;

use futures_lite::future::{block_on, poll_once};
use proptest::collection::vec;
use proptest::prelude::*;
use rosetta_asyncio::{
    BaseQueue, Discipline, Fifo, Lifo, LifoQueue, Priority, PriorityQueue, Queue, QueueError,
    QueueShutDown,
};

/// One call on the queue.
#[derive(Debug, Clone)]
enum Op {
    PutNowait(u8),
    GetNowait,
    /// `put`, polled once, then dropped if it did not complete.
    Put(u8),
    /// `get`, polled once, then dropped if it did not complete.
    Get,
    TaskDone,
    /// Starts a `join` and keeps it, if none is kept already.
    StartJoin,
    /// Polls the kept `join` once.
    PollJoin,
    Shutdown {
        immediate: bool,
    },
}

fn op() -> impl Strategy<Value = Op> {
    // Small values, so that the priority queue sees many equal items; shutdown is rare, so that most
    // sequences spend a while on an open queue first.
    prop_oneof![
        24 => (0u8..8).prop_map(Op::PutNowait),
        20 => Just(Op::GetNowait),
        12 => (0u8..8).prop_map(Op::Put),
        12 => Just(Op::Get),
        16 => Just(Op::TaskDone),
        4 => Just(Op::StartJoin),
        8 => Just(Op::PollJoin),
        1 => any::<bool>().prop_map(|immediate| Op::Shutdown { immediate }),
    ]
}

/// The storage orders, as the model implements them.
#[derive(Debug, Clone, Copy)]
enum Order {
    Fifo,
    Lifo,
    Priority,
}

/// What the queue should be.
struct Model {
    order: Order,
    maxsize: usize,
    items: VecDeque<u8>,
    unfinished: usize,
    shutdown: bool,
    /// Whether the kept `join` may return: the unfinished count was zero at some point since it
    /// started.
    join_released: bool,
}

impl Model {
    fn full(&self) -> bool {
        self.maxsize != 0 && self.items.len() >= self.maxsize
    }

    fn pop(&mut self) -> Option<u8> {
        match self.order {
            Order::Fifo => self.items.pop_front(),
            Order::Lifo => self.items.pop_back(),
            Order::Priority => {
                let smallest = self
                    .items
                    .iter()
                    .enumerate()
                    .min_by_key(|&(_, item)| *item)?
                    .0;
                self.items.remove(smallest)
            }
        }
    }

    /// A put that the queue accepts; `None` when the model says it must refuse.
    fn put(&mut self, item: u8) -> Option<()> {
        if self.shutdown || self.full() {
            return None;
        }
        self.items.push_back(item);
        self.unfinished += 1;
        Some(())
    }

    fn task_done(&mut self) -> bool {
        if self.unfinished == 0 {
            return false;
        }
        self.unfinished -= 1;
        if self.unfinished == 0 {
            self.join_released = true;
        }
        true
    }

    fn shutdown(&mut self, immediate: bool) {
        self.shutdown = true;
        if immediate {
            let dropped = self.items.len();
            self.items.clear();
            self.unfinished = self.unfinished.saturating_sub(dropped);
            if self.unfinished == 0 {
                self.join_released = true;
            }
        }
    }
}

/// Runs `ops` on a queue of `maxsize` with storage `D` and on the model, comparing after every call.
fn check<D: Discipline<u8>>(order: Order, maxsize: usize, ops: &[Op]) -> Result<(), TestCaseError> {
    let q = BaseQueue::<u8, D>::new(maxsize);
    let mut model = Model {
        order,
        maxsize,
        items: VecDeque::new(),
        unfinished: 0,
        shutdown: false,
        join_released: false,
    };
    let mut join: Option<Pin<Box<dyn Future<Output = ()> + '_>>> = None;

    for (step, op) in ops.iter().enumerate() {
        match *op {
            Op::PutNowait(item) => {
                let expected = if model.shutdown {
                    Err(QueueError::ShutDown(item))
                } else if model.full() {
                    Err(QueueError::Full(item))
                } else {
                    model.put(item).ok_or(QueueError::Full(item))
                };
                prop_assert_eq!(q.put_nowait(item), expected, "step {}: {:?}", step, op);
            }
            Op::GetNowait => {
                let got = q.get_nowait();
                match model.pop() {
                    Some(item) => prop_assert_eq!(got, Ok(item), "step {}: {:?}", step, op),
                    None => {
                        let error = got.err();
                        let empty = error.is_some_and(|error| error.is_empty());
                        let shut = error.is_some_and(|error| error.is_shutdown());
                        prop_assert_eq!(
                            (empty, shut),
                            (!model.shutdown, model.shutdown),
                            "step {}",
                            step
                        );
                    }
                }
            }
            Op::Put(item) => {
                let polled = block_on(poll_once(q.put(item)));
                let expected = if model.shutdown {
                    Some(Err(QueueShutDown))
                } else {
                    model.put(item).map(Ok)
                };
                prop_assert_eq!(polled, expected, "step {}: {:?}", step, op);
            }
            Op::Get => {
                let polled = block_on(poll_once(q.get()));
                let expected = match model.pop() {
                    Some(item) => Some(Ok(item)),
                    None if model.shutdown => Some(Err(QueueShutDown)),
                    None => None,
                };
                prop_assert_eq!(polled, expected, "step {}: {:?}", step, op);
            }
            Op::TaskDone => {
                prop_assert_eq!(
                    q.task_done().is_ok(),
                    model.task_done(),
                    "step {}: {:?}",
                    step,
                    op
                );
            }
            Op::StartJoin => {
                if join.is_none() {
                    let mut started = Box::pin(q.join());
                    let ready = block_on(poll_once(started.as_mut())).is_some();
                    prop_assert_eq!(ready, model.unfinished == 0, "step {}: {:?}", step, op);
                    if !ready {
                        join = Some(started);
                        model.join_released = false;
                    }
                }
            }
            Op::PollJoin => {
                if let Some(pending) = join.as_mut() {
                    let ready = block_on(poll_once(pending.as_mut())).is_some();
                    prop_assert_eq!(ready, model.join_released, "step {}: {:?}", step, op);
                    if ready {
                        join = None;
                    }
                }
            }
            Op::Shutdown { immediate } => {
                q.shutdown(immediate);
                model.shutdown(immediate);
            }
        }

        prop_assert_eq!(
            q.qsize(),
            model.items.len(),
            "qsize after step {}: {:?}",
            step,
            op
        );
        prop_assert_eq!(
            q.empty(),
            model.items.is_empty(),
            "empty after step {}: {:?}",
            step,
            op
        );
        prop_assert_eq!(q.full(), model.full(), "full after step {}: {:?}", step, op);
        prop_assert_eq!(
            q.is_shutdown(),
            model.shutdown,
            "is_shutdown after step {}",
            step
        );
        prop_assert_eq!(q.maxsize(), maxsize);
        // Every get and put polled above has completed or been dropped: none may stay counted.
        prop_assert_eq!(
            q.waiting_getters(),
            0,
            "a dropped get stayed counted at step {}",
            step
        );
        prop_assert_eq!(
            q.waiting_putters(),
            0,
            "a dropped put stayed counted at step {}",
            step
        );
    }

    // What is left comes out in the model's order.
    let mut rest = Vec::new();
    while let Ok(item) = q.get_nowait() {
        rest.push(item);
    }
    let expected: Vec<u8> = std::iter::from_fn(|| model.pop()).collect();
    prop_assert_eq!(rest, expected);
    Ok(())
}

proptest! {
    #[test]
    fn fifo_queue_agrees_with_the_model(maxsize in 0usize..5, ops in vec(op(), 0..150)) {
        check::<Fifo<u8>>(Order::Fifo, maxsize, &ops)?;
    }

    #[test]
    fn lifo_queue_agrees_with_the_model(maxsize in 0usize..5, ops in vec(op(), 0..150)) {
        check::<Lifo<u8>>(Order::Lifo, maxsize, &ops)?;
    }

    #[test]
    fn priority_queue_agrees_with_the_model(maxsize in 0usize..5, ops in vec(op(), 0..150)) {
        check::<Priority<u8>>(Order::Priority, maxsize, &ops)?;
    }
}

#[test]
fn queues_are_send_sync_clone_and_their_futures_are_send() {
    fn send_sync_clone<T: Send + Sync + Clone>(_: &T) {}
    fn send<T: Send>(_: &T) {}

    let q = Queue::<String>::new(1);
    send_sync_clone(&q);
    send(&q.put(String::new()));
    send(&q.get());
    send(&q.join());
    send_sync_clone(&LifoQueue::<String>::unbounded());
    send_sync_clone(&PriorityQueue::<String>::default());
}

#[test]
fn clones_share_one_queue() {
    let q = Queue::new(0);
    let other = q.clone();
    q.put_nowait(1).expect("the queue is unbounded");
    assert_eq!(other.qsize(), 1);
    assert_eq!(other.get_nowait(), Ok(1));
    other.shutdown(false);
    assert!(q.is_shutdown());
}
