//! The workloads written directly against tokio, as a tokio user would: `Builder`, `tokio::spawn`,
//! `tokio::time`, `tokio::task::spawn_blocking`, and `tokio::sync::mpsc` beside the other channels.

use std::time::{Duration, Instant};

use rosetta_asyncio::Queue;
use rosetta_runtimes::Config;
use tokio::runtime::{Builder, Runtime};

use super::channel::{self, Channel, with_channel};
use super::entry::Native;
use super::entry::task_failed;
use crate::check;
use crate::echo::{ACCEPT_RETRY, ECHO_BUFFER, Ready};
use crate::error::Error;
use crate::job::{NativeTask, Runner};
use crate::net::LOOPBACK;
use crate::queue::{consume, produce};
use crate::workload::{ChannelKind, QueueShape, STALL_PERIOD, STALL_TICKS, Stat};

/// The current-thread runtime, as `tokio` in the registry.
pub(super) const CURRENT_THREAD: Native = Native {
    id: "tokio",
    prepare: |task| prepare(false, task),
    create_close: Some(|config, iters| create_close(false, config, iters)),
    first_start: None,
    channels: &[
        ChannelKind::Mpsc,
        ChannelKind::AsyncChannel,
        ChannelKind::Flume,
    ],
};

/// The multi-thread runtime, as `tokio-mt` in the registry.
pub(super) const MULTI_THREAD: Native = Native {
    id: "tokio-mt",
    prepare: |task| prepare(true, task),
    create_close: Some(|config, iters| create_close(true, config, iters)),
    first_start: None,
    channels: &[
        ChannelKind::Mpsc,
        ChannelKind::AsyncChannel,
        ChannelKind::Flume,
    ],
};

/// Prepares `task` on a tokio runtime: `current_thread`, or `multi_thread` when `multi_thread`.
fn prepare(multi_thread: bool, task: NativeTask) -> Result<Runner, Error> {
    let rt = build(multi_thread, &Config::default())?;
    Ok(Box::new(move |iters| {
        rt.block_on(async { tokio::spawn(drive(task, iters)).await })
            .map_err(task_failed)?
    }))
}

/// The runtime a tokio user builds: the timer enabled, as the adapter does.
fn build(multi_thread: bool, config: &Config) -> std::io::Result<Runtime> {
    let mut builder = if multi_thread {
        let mut builder = Builder::new_multi_thread();
        builder.worker_threads(config.workers_or_default());
        builder
    } else {
        Builder::new_current_thread()
    };
    builder.enable_time().build()
}

/// Builds and drops `iters` runtimes: the total time of the builds, and of the drops, each alone.
fn create_close(
    multi_thread: bool,
    config: &Config,
    iters: u64,
) -> Result<(Duration, Duration), Error> {
    let (mut create, mut close) = (Duration::ZERO, Duration::ZERO);
    for _ in 0..iters {
        let start = Instant::now();
        let rt = build(multi_thread, config)?;
        create += start.elapsed();
        let start = Instant::now();
        drop(rt);
        close += start.elapsed();
    }
    Ok((create, close))
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
        let handles: Vec<_> = (0..tasks).map(|i| tokio::spawn(async move { i })).collect();
        let mut values = Vec::with_capacity(tasks);
        for handle in handles {
            values.push(handle.await.map_err(task_failed)?);
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
            .map(|_| tokio::spawn(consume(q.clone())))
            .collect();
        let producers: Vec<_> = (0..shape.producers)
            .map(|index| tokio::spawn(produce(q.clone(), shape.share(index))))
            .collect();
        for producer in producers {
            producer.await.map_err(task_failed)??;
        }
        q.join().await;
        q.shutdown(false);
        let (mut count, mut sum) = (0, 0);
        for consumer in consumers {
            let (n, s) = consumer.await.map_err(task_failed)??;
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
            .map(|rx| tokio::spawn(channel::consume::<C>(rx)))
            .collect();
        let producers: Vec<_> = (0..shape.producers)
            .map(|index| tokio::spawn(channel::produce::<C>(tx.clone(), shape.share(index))))
            .collect();
        drop(tx);
        for producer in producers {
            if !producer.await.map_err(task_failed)? {
                return Err(Error::Wrong("a send found every receiver gone".into()));
            }
        }
        let (mut count, mut sum) = (0, 0);
        for consumer in consumers {
            let (n, s) = consumer.await.map_err(task_failed)?;
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
        let sleeps: Vec<_> = (0..3)
            .map(|_| tokio::spawn(tokio::time::sleep(delay)))
            .collect();
        for sleep in sleeps {
            sleep.await.map_err(task_failed)?;
        }
        total += check::lateness(Instant::now(), deadline, "three sleeps")?;
    }
    Ok(total)
}

async fn call_later(delay: Duration, iters: u64) -> Result<Duration, Error> {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let deadline = Instant::now() + delay;
        tokio::time::sleep(delay).await;
        total += check::lateness(Instant::now(), deadline, "a timer")?;
    }
    Ok(total)
}

async fn stall(stat: Stat, iters: u64) -> Result<Duration, Error> {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let ticker = tokio::spawn(async {
            let start = Instant::now();
            let mut lateness = Vec::with_capacity(STALL_TICKS as usize);
            for tick in 1..=STALL_TICKS {
                let deadline = start + STALL_PERIOD * tick;
                tokio::time::sleep_until(deadline.into()).await;
                lateness.push(check::lateness(Instant::now(), deadline, "a tick")?);
            }
            Ok::<_, Error>(lateness)
        });
        let blocker = tokio::spawn(async {
            for _ in 0..STALL_TICKS {
                std::thread::sleep(STALL_PERIOD);
                tokio::task::yield_now().await;
            }
        });
        let mut lateness = ticker.await.map_err(task_failed)??;
        blocker.await.map_err(task_failed)?;
        check::ticks(&lateness, STALL_TICKS)?;
        total += stat.of(&mut lateness);
    }
    Ok(total)
}

async fn run_in_executor(iters: u64) -> Result<Duration, Error> {
    let start = Instant::now();
    let mut sum = 0;
    for _ in 0..iters {
        sum += tokio::task::spawn_blocking(|| 1_u64)
            .await
            .map_err(task_failed)?;
    }
    let elapsed = start.elapsed();
    check::round_trips(sum, iters)?;
    Ok(elapsed)
}

/// The echo server on tokio as its docs write one: `tokio::net`, a task per connection, `read` and
/// `write_all` from `tokio::io`; `multi_thread` for `tokio-mt` (the accept loop a task too, so it
/// runs on a worker).
pub(super) fn echo(multi_thread: bool, config: &Config, ready: Ready<'_>) -> Result<(), Error> {
    let mut builder = if multi_thread {
        let mut builder = Builder::new_multi_thread();
        builder.worker_threads(config.workers_or_default());
        builder
    } else {
        Builder::new_current_thread()
    };
    let rt = builder.enable_io().enable_time().build()?;
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind(LOOPBACK).await?;
        ready(listener.local_addr()?);
        tokio::spawn(echo_accept(listener))
            .await
            .map_err(task_failed)
    })
}

async fn echo_accept(listener: tokio::net::TcpListener) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                let _ = stream.set_nodelay(true);
                tokio::spawn(echo_connection(stream));
            }
            Err(_) => tokio::time::sleep(ACCEPT_RETRY).await,
        }
    }
}

async fn echo_connection(mut stream: tokio::net::TcpStream) -> std::io::Result<()> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let mut buf = vec![0; ECHO_BUFFER];
    loop {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return stream.shutdown().await;
        }
        stream.write_all(&buf[..n]).await?;
    }
}
