//! The workloads written directly against async-std (discontinued in 2025), as its docs show:
//! `task::block_on`, `task::spawn`, `task::sleep`, `task::spawn_blocking`, on its one global runtime.

use std::time::{Duration, Instant};

use async_std::task;
use rosetta_asyncio::Queue;
use rosetta_runtimes::Config;

use super::channel::{self, Channel, with_channel};
use super::entry::Native;
use crate::check;
use crate::echo::{ACCEPT_RETRY, ECHO_BUFFER, Ready};
use crate::error::Error;
use crate::job::{NativeTask, Runner};
use crate::net::LOOPBACK;
use crate::queue::{consume, produce};
use crate::workload::{ChannelKind, QueueShape, STALL_PERIOD, STALL_TICKS, Stat};

/// The global runtime, as `async-std` in the registry: no loop to create, a one-time start instead.
pub(super) const GLOBAL: Native = Native {
    id: "async-std",
    prepare,
    create_close: None,
    first_start: Some(first_start),
    channels: &[ChannelKind::AsyncChannel, ChannelKind::Flume],
};

/// Prepares `task` on async-std's global runtime; there is nothing to create.
fn prepare(job: NativeTask) -> Result<Runner, Error> {
    Ok(Box::new(move |iters| {
        task::block_on(task::spawn(drive(job, iters)))
    }))
}

/// The global runtime's one-time start, in this process: the first spawn, awaited.
fn first_start() -> Result<Duration, Error> {
    let start = Instant::now();
    let value = task::block_on(task::spawn(async { 1_u8 }));
    let elapsed = start.elapsed();
    check::round_trips(u64::from(value), 1)?;
    Ok(elapsed)
}

async fn drive(task: NativeTask, iters: u64) -> Result<Duration, Error> {
    match task {
        NativeTask::Gather { tasks } => gather(tasks, iters).await,
        NativeTask::Queue { shape } => queue(shape, iters).await,
        NativeTask::Channel { kind, shape } => {
            with_channel!(kind, shape.bound.is_some(), channel(shape, iters))
        }
        NativeTask::Sleep { delay } => sleep(delay, iters).await,
        NativeTask::CallLater { delay } => call_later(delay, iters).await,
        NativeTask::Stall { stat } => stall(stat, iters).await,
        NativeTask::RunInExecutor => run_in_executor(iters).await,
    }
}

async fn gather(tasks: usize, iters: u64) -> Result<Duration, Error> {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let start = Instant::now();
        let handles: Vec<_> = (0..tasks).map(|i| task::spawn(async move { i })).collect();
        let mut values = Vec::with_capacity(tasks);
        for handle in handles {
            values.push(handle.await);
        }
        total += start.elapsed();
        check::gathered(&values, tasks)?;
    }
    Ok(total)
}

async fn queue(shape: QueueShape, iters: u64) -> Result<Duration, Error> {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let q = Queue::<u64>::new(shape.maxsize());
        let start = Instant::now();
        let consumers: Vec<_> = (0..shape.consumers)
            .map(|_| task::spawn(consume(q.clone())))
            .collect();
        let producers: Vec<_> = (0..shape.producers)
            .map(|index| task::spawn(produce(q.clone(), shape.share(index))))
            .collect();
        for producer in producers {
            producer.await?;
        }
        q.join().await;
        q.shutdown(false);
        let (mut count, mut sum) = (0, 0);
        for consumer in consumers {
            let (n, s) = consumer.await?;
            count += n;
            sum += s;
        }
        total += start.elapsed();
        check::delivered(&shape, count, sum)?;
    }
    Ok(total)
}

async fn channel<C: Channel>(shape: QueueShape, iters: u64) -> Result<Duration, Error> {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let (tx, rx) = C::open(shape.bound);
        let start = Instant::now();
        let consumers: Vec<_> = C::receivers(rx, shape.consumers)
            .into_iter()
            .map(|rx| task::spawn(channel::consume::<C>(rx)))
            .collect();
        let producers: Vec<_> = (0..shape.producers)
            .map(|index| task::spawn(channel::produce::<C>(tx.clone(), shape.share(index))))
            .collect();
        drop(tx);
        for producer in producers {
            if !producer.await {
                return Err(Error::Wrong("a send found every receiver gone".into()));
            }
        }
        let (mut count, mut sum) = (0, 0);
        for consumer in consumers {
            let (n, s) = consumer.await;
            count += n;
            sum += s;
        }
        total += start.elapsed();
        check::delivered(&shape, count, sum)?;
    }
    Ok(total)
}

async fn sleep(delay: Duration, iters: u64) -> Result<Duration, Error> {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let deadline = Instant::now() + delay;
        let sleeps: Vec<_> = (0..3).map(|_| task::spawn(task::sleep(delay))).collect();
        for sleep in sleeps {
            sleep.await;
        }
        total += check::lateness(Instant::now(), deadline, "three sleeps")?;
    }
    Ok(total)
}

async fn call_later(delay: Duration, iters: u64) -> Result<Duration, Error> {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let deadline = Instant::now() + delay;
        task::sleep(delay).await;
        total += check::lateness(Instant::now(), deadline, "a timer")?;
    }
    Ok(total)
}

async fn stall(stat: Stat, iters: u64) -> Result<Duration, Error> {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let ticker = task::spawn(async {
            let start = Instant::now();
            let mut lateness = Vec::with_capacity(STALL_TICKS as usize);
            for tick in 1..=STALL_TICKS {
                let deadline = start + STALL_PERIOD * tick;
                // async-std has no `sleep_until`; a user sleeps for what is left.
                task::sleep(deadline.saturating_duration_since(Instant::now())).await;
                lateness.push(check::lateness(Instant::now(), deadline, "a tick")?);
            }
            Ok::<_, Error>(lateness)
        });
        let blocker = task::spawn(async {
            for _ in 0..STALL_TICKS {
                std::thread::sleep(STALL_PERIOD);
                task::yield_now().await;
            }
        });
        let mut lateness = ticker.await?;
        blocker.await;
        check::ticks(&lateness, STALL_TICKS)?;
        total += stat.of(&mut lateness);
    }
    Ok(total)
}

async fn run_in_executor(iters: u64) -> Result<Duration, Error> {
    let start = Instant::now();
    let mut sum = 0;
    for _ in 0..iters {
        sum += task::spawn_blocking(|| 1_u64).await;
    }
    let elapsed = start.elapsed();
    check::round_trips(sum, iters)?;
    Ok(elapsed)
}

/// The echo server on async-std as its docs write one: `async_std::net`, `task::spawn` per
/// connection, `read` and `write_all` from `async_std::io`, on the global runtime (the config is
/// not its to choose).
pub(super) fn echo(_config: &Config, ready: Ready<'_>) -> Result<(), Error> {
    task::block_on(async {
        let listener = async_std::net::TcpListener::bind(LOOPBACK).await?;
        ready(listener.local_addr()?);
        task::spawn(echo_accept(listener)).await;
        Ok(())
    })
}

async fn echo_accept(listener: async_std::net::TcpListener) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                let _ = stream.set_nodelay(true);
                drop(task::spawn(echo_connection(stream)));
            }
            Err(_) => task::sleep(ACCEPT_RETRY).await,
        }
    }
}

async fn echo_connection(mut stream: async_std::net::TcpStream) -> std::io::Result<()> {
    use async_std::io::{ReadExt, WriteExt};

    let mut buf = vec![0; ECHO_BUFFER];
    loop {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return stream.shutdown(std::net::Shutdown::Write);
        }
        stream.write_all(&buf[..n]).await?;
    }
}
