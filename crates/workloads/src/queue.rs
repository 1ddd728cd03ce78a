//! `queue`: items through the toolkit `Queue`, P producers × C consumers. The producer and consumer
//! bodies every version shares (the toolkit's, and each runtime's native one, which runs the same
//! queue on its own spawn), the toolkit's version with and without `task_done`/`join`, and the floor,
//! a `VecDeque` push/pop loop. The raw channels beside it are in `native::channel`.

use std::collections::VecDeque;
use std::hint::black_box;
use std::time::{Duration, Instant};

use rosetta_asyncio::Queue;
use rosetta_runtimes::Runtime;

use crate::check;
use crate::error::Error;
use crate::workload::QueueShape;

/// A queue producer: puts its share of the items.
pub(crate) async fn produce(q: Queue<u64>, items: std::ops::Range<u64>) -> Result<(), Error> {
    for item in items {
        q.put(item)
            .await
            .map_err(|_| Error::Wrong("a put found the queue shut down".into()))?;
    }
    Ok(())
}

/// A queue consumer: gets and marks done until the queue is shut down; returns the count and the sum.
pub(crate) async fn consume(q: Queue<u64>) -> Result<(u64, u64), Error> {
    let (mut count, mut sum) = (0, 0);
    while let Ok(item) = q.get().await {
        count += 1;
        sum += item;
        q.task_done()
            .map_err(|error| Error::Wrong(error.to_string()))?;
    }
    Ok((count, sum))
}

/// Sends `shape.items` through a toolkit [`Queue`], `iters` times: consumers `get` and `task_done`
/// until the queue is shut down; the driver awaits the producers, `join`s the queue, shuts it down and
/// awaits the consumers. The time from the first spawn to the last consumer's exit.
pub(crate) async fn toolkit<R: Runtime>(shape: QueueShape, iters: u64) -> Result<Duration, Error> {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let q = Queue::<u64>::new(shape.maxsize());
        let start = Instant::now();
        let consumers: Vec<_> = (0..shape.consumers)
            .map(|_| R::spawn(consume(q.clone())))
            .collect();
        let producers: Vec<_> = (0..shape.producers)
            .map(|index| R::spawn(produce(q.clone(), shape.share(index))))
            .collect();
        for producer in producers {
            producer.await??;
        }
        q.join().await;
        q.shutdown(false);
        let (mut count, mut sum) = (0, 0);
        for consumer in consumers {
            let (n, s) = consumer.await??;
            count += n;
            sum += s;
        }
        total += start.elapsed();
        check::delivered(&shape, count, sum)?;
    }
    Ok(total)
}

/// Sends `shape.items` through a toolkit [`Queue`] with `put` and `get` only, `iters` times: each
/// consumer gets its share of the items and stops; no `task_done`, no `join`.
pub(crate) async fn put_get<R: Runtime>(shape: QueueShape, iters: u64) -> Result<Duration, Error> {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let q = Queue::<u64>::new(shape.maxsize());
        let start = Instant::now();
        let consumers: Vec<_> = (0..shape.consumers)
            .map(|index| {
                let (q, take) = (q.clone(), shape.take(index));
                R::spawn(async move {
                    let mut sum = 0;
                    for _ in 0..take {
                        sum += q
                            .get()
                            .await
                            .map_err(|_| Error::Wrong("a get found the queue shut down".into()))?;
                    }
                    Ok::<_, Error>((take, sum))
                })
            })
            .collect();
        let producers: Vec<_> = (0..shape.producers)
            .map(|index| R::spawn(produce(q.clone(), shape.share(index))))
            .collect();
        for producer in producers {
            producer.await??;
        }
        let (mut count, mut sum) = (0, 0);
        for consumer in consumers {
            let (n, s) = consumer.await??;
            count += n;
            sum += s;
        }
        total += start.elapsed();
        check::delivered(&shape, count, sum)?;
    }
    Ok(total)
}

/// The floor: one thread pushing the items into a `VecDeque` and popping them, in batches of the bound.
pub(crate) fn vecdeque(shape: &QueueShape, iters: u64) -> Result<Duration, Error> {
    let batch = shape.bound.unwrap_or(usize::MAX);
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let start = Instant::now();
        let mut queue = VecDeque::new();
        let (mut next, mut count, mut sum) = (0, 0, 0);
        while next < shape.items {
            while next < shape.items && queue.len() < batch {
                queue.push_back(black_box(next));
                next += 1;
            }
            while let Some(item) = queue.pop_front() {
                count += 1;
                sum += black_box(item);
            }
        }
        total += start.elapsed();
        check::delivered(shape, count, sum)?;
    }
    Ok(total)
}
