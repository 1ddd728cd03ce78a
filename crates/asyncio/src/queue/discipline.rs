//! How a queue stores its items, hence the order they come out in: the [`Discipline`] trait and
//! asyncio's three ([`Fifo`], [`Lifo`], [`Priority`]).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::fmt;

/// How a queue stores its items: the order in which they come out.
///
/// Python's queue classes differ only in `_init`, `_put` and `_get`; this trait is those three (plus the
/// length). [`Fifo`], [`Lifo`] and [`Priority`] are asyncio's three; write another for another order.
/// Its methods run while the queue's lock is held, so they should be quick and must not touch the queue.
pub trait Discipline<T>: Send {
    /// Creates the empty storage for a queue of `maxsize` items, 0 meaning unbounded (Python's `_init`).
    fn init(maxsize: usize) -> Self
    where
        Self: Sized;

    /// Stores `item` (Python's `_put`).
    fn push(&mut self, item: T);

    /// Takes the next item out, if there is one (Python's `_get`).
    fn pop(&mut self) -> Option<T>;

    /// How many items are stored.
    fn len(&self) -> usize;

    /// Whether no item is stored.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// First in, first out: the storage of [`Queue`](super::Queue) (a `VecDeque`, like Python's
/// `collections.deque`).
pub struct Fifo<T>(VecDeque<T>);

/// Last in, first out: the storage of [`LifoQueue`](super::LifoQueue) (a `Vec`, like Python's list).
pub struct Lifo<T>(Vec<T>);

/// Smallest first: the storage of [`PriorityQueue`](super::PriorityQueue) (a min-heap, like
/// Python's `heapq`).
pub struct Priority<T>(BinaryHeap<Reverse<T>>);

impl<T: Send> Discipline<T> for Fifo<T> {
    fn init(_maxsize: usize) -> Self {
        Fifo(VecDeque::new())
    }

    fn push(&mut self, item: T) {
        self.0.push_back(item);
    }

    fn pop(&mut self) -> Option<T> {
        self.0.pop_front()
    }

    fn len(&self) -> usize {
        self.0.len()
    }
}

impl<T: Send> Discipline<T> for Lifo<T> {
    fn init(_maxsize: usize) -> Self {
        Lifo(Vec::new())
    }

    fn push(&mut self, item: T) {
        self.0.push(item);
    }

    fn pop(&mut self) -> Option<T> {
        self.0.pop()
    }

    fn len(&self) -> usize {
        self.0.len()
    }
}

impl<T: Ord + Send> Discipline<T> for Priority<T> {
    fn init(_maxsize: usize) -> Self {
        Priority(BinaryHeap::new())
    }

    fn push(&mut self, item: T) {
        self.0.push(Reverse(item));
    }

    fn pop(&mut self) -> Option<T> {
        self.0.pop().map(|Reverse(item)| item)
    }

    fn len(&self) -> usize {
        self.0.len()
    }
}

impl<T: fmt::Debug> fmt::Debug for Fifo<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(&self.0).finish()
    }
}

impl<T: fmt::Debug> fmt::Debug for Lifo<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(&self.0).finish()
    }
}

impl<T: fmt::Debug> fmt::Debug for Priority<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(|Reverse(item)| item))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pushes `items` into a fresh `D`, then pops it empty.
    fn drain<D: Discipline<i32>>(items: &[i32]) -> Vec<i32> {
        let mut storage = D::init(0);
        for item in items {
            storage.push(*item);
        }
        assert_eq!(storage.len(), items.len());
        let drained: Vec<i32> = std::iter::from_fn(|| storage.pop()).collect();
        assert!(storage.is_empty());
        drained
    }

    #[test]
    fn each_discipline_gives_its_order() {
        let items = [3, 1, 4, 1, 5];
        assert_eq!(drain::<Fifo<i32>>(&items), [3, 1, 4, 1, 5]);
        assert_eq!(drain::<Lifo<i32>>(&items), [5, 1, 4, 1, 3]);
        assert_eq!(drain::<Priority<i32>>(&items), [1, 1, 3, 4, 5]);
    }

    #[test]
    fn an_empty_storage_pops_nothing() {
        assert_eq!(Fifo::<i32>::init(2).pop(), None);
        assert_eq!(Lifo::<i32>::init(2).pop(), None);
        assert_eq!(Priority::<i32>::init(2).pop(), None);
    }

    #[test]
    fn debug_lists_the_items() {
        let mut fifo = Fifo::init(0);
        let mut priority = Priority::init(0);
        for item in [2, 1] {
            fifo.push(item);
            priority.push(item);
        }
        assert_eq!(format!("{fifo:?}"), "[2, 1]");
        assert!(["[1, 2]", "[2, 1]"].contains(&format!("{priority:?}").as_str()));
    }
}
