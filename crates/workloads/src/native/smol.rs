//! The workloads written directly against smol, as smol's docs show: an `Executor` shared through an
//! `Arc` and passed to whoever spawns, `smol::block_on`, `Timer`, `smol::unblock`, and for the
//! multi-thread flavor N threads each running the same executor.

use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use rosetta_asyncio::Queue;
use rosetta_runtimes::Config;
use smol::{Executor, Timer};

use super::channel::{self, Channel, with_channel};
use super::entry::Native;
use crate::check;
use crate::echo::{ACCEPT_RETRY, ECHO_BUFFER, Ready};
use crate::error::Error;
use crate::job::{NativeTask, Runner};
use crate::net::LOOPBACK;
use crate::queue::{consume, produce};
use crate::workload::{ChannelKind, QueueShape, STALL_PERIOD, STALL_TICKS, Stat};

/// A smol executor shared by the tasks that spawn on it.
type Ex = Arc<Executor<'static>>;

/// An executor run by the calling thread, as `smol` in the registry.
pub(super) const CURRENT_THREAD: Native = Native {
    id: "smol",
    prepare: |task| prepare(false, task),
    create_close: Some(|config, iters| create_close(false, config, iters)),
    first_start: None,
    channels: &[ChannelKind::AsyncChannel, ChannelKind::Flume],
};

/// An executor run by N threads, as `smol-mt` in the registry.
pub(super) const MULTI_THREAD: Native = Native {
    id: "smol-mt",
    prepare: |task| prepare(true, task),
    create_close: Some(|config, iters| create_close(true, config, iters)),
    first_start: None,
    channels: &[ChannelKind::AsyncChannel, ChannelKind::Flume],
};

/// Prepares `task` on a smol executor run by the calling thread, or by N threads when `multi_thread`.
fn prepare(multi_thread: bool, task: NativeTask) -> Result<Runner, Error> {
    if multi_thread {
        let pool = Pool::start(Config::default().workers_or_default())?;
        Ok(Box::new(move |iters| {
            let ex = Arc::clone(&pool.ex);
            smol::block_on(pool.ex.spawn(drive(ex, task, iters)))
        }))
    } else {
        let ex: Ex = Arc::new(Executor::new());
        Ok(Box::new(move |iters| {
            let task = ex.spawn(drive(Arc::clone(&ex), task, iters));
            smol::block_on(ex.run(task))
        }))
    }
}

/// An executor run by `n` threads, stopped and joined when dropped.
pub(super) struct Pool {
    pub(super) ex: Ex,
    stop: Option<smol::channel::Sender<()>>,
    workers: Vec<thread::JoinHandle<()>>,
}

impl Pool {
    pub(super) fn start(n: usize) -> std::io::Result<Pool> {
        let (stop, stopped) = smol::channel::bounded::<()>(1);
        let mut pool = Pool {
            ex: Arc::new(Executor::new()),
            stop: Some(stop),
            workers: Vec::with_capacity(n),
        };
        for _ in 0..n {
            let (ex, stopped) = (Arc::clone(&pool.ex), stopped.clone());
            // `recv` fails once the sender is dropped: that is the stop signal.
            pool.workers.push(thread::Builder::new().spawn(move || {
                let _ = smol::block_on(ex.run(stopped.recv()));
            })?);
        }
        Ok(pool)
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        self.stop.take();
        for worker in self.workers.drain(..) {
            // A worker only panics if the executor does; there is nothing left to stop then.
            let _ = worker.join();
        }
    }
}

/// Creates and drops `iters` executors (with their threads when `multi_thread`): the total time of the
/// creates, and of the drops, each alone.
fn create_close(
    multi_thread: bool,
    config: &Config,
    iters: u64,
) -> Result<(Duration, Duration), Error> {
    let (mut create, mut close) = (Duration::ZERO, Duration::ZERO);
    for _ in 0..iters {
        if multi_thread {
            let start = Instant::now();
            let pool = Pool::start(config.workers_or_default())?;
            create += start.elapsed();
            let start = Instant::now();
            drop(pool);
            close += start.elapsed();
        } else {
            let start = Instant::now();
            let ex: Ex = Arc::new(Executor::new());
            create += start.elapsed();
            let start = Instant::now();
            drop(ex);
            close += start.elapsed();
        }
    }
    Ok((create, close))
}

async fn drive(ex: Ex, task: NativeTask, iters: u64) -> Result<Duration, Error> {
    match task {
        NativeTask::Gather { tasks } => gather(ex, tasks, iters).await,
        NativeTask::Queue { shape } => queue(ex, shape, iters).await,
        NativeTask::Channel { kind, shape } => {
            with_channel!(kind, shape.bound.is_some(), channel(ex, shape, iters))
        }
        NativeTask::Sleep { delay } => sleep(ex, delay, iters).await,
        NativeTask::CallLater { delay } => call_later(delay, iters).await,
        NativeTask::Stall { stat } => stall(ex, stat, iters).await,
        NativeTask::RunInExecutor => run_in_executor(iters).await,
    }
}

async fn gather(ex: Ex, tasks: usize, iters: u64) -> Result<Duration, Error> {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let start = Instant::now();
        let handles: Vec<_> = (0..tasks).map(|i| ex.spawn(async move { i })).collect();
        let mut values = Vec::with_capacity(tasks);
        for handle in handles {
            values.push(handle.await);
        }
        total += start.elapsed();
        check::gathered(&values, tasks)?;
    }
    Ok(total)
}

async fn queue(ex: Ex, shape: QueueShape, iters: u64) -> Result<Duration, Error> {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let q = Queue::<u64>::new(shape.maxsize());
        let start = Instant::now();
        let consumers: Vec<_> = (0..shape.consumers)
            .map(|_| ex.spawn(consume(q.clone())))
            .collect();
        let producers: Vec<_> = (0..shape.producers)
            .map(|index| ex.spawn(produce(q.clone(), shape.share(index))))
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

async fn channel<C: Channel>(ex: Ex, shape: QueueShape, iters: u64) -> Result<Duration, Error> {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let (tx, rx) = C::open(shape.bound);
        let start = Instant::now();
        let consumers: Vec<_> = C::receivers(rx, shape.consumers)
            .into_iter()
            .map(|rx| ex.spawn(channel::consume::<C>(rx)))
            .collect();
        let producers: Vec<_> = (0..shape.producers)
            .map(|index| ex.spawn(channel::produce::<C>(tx.clone(), shape.share(index))))
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

async fn sleep(ex: Ex, delay: Duration, iters: u64) -> Result<Duration, Error> {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let deadline = Instant::now() + delay;
        let sleeps: Vec<_> = (0..3).map(|_| ex.spawn(Timer::after(delay))).collect();
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
        Timer::after(delay).await;
        total += check::lateness(Instant::now(), deadline, "a timer")?;
    }
    Ok(total)
}

async fn stall(ex: Ex, stat: Stat, iters: u64) -> Result<Duration, Error> {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let ticker = ex.spawn(async {
            let start = Instant::now();
            let mut lateness = Vec::with_capacity(STALL_TICKS as usize);
            for tick in 1..=STALL_TICKS {
                let deadline = start + STALL_PERIOD * tick;
                Timer::at(deadline).await;
                lateness.push(check::lateness(Instant::now(), deadline, "a tick")?);
            }
            Ok::<_, Error>(lateness)
        });
        let blocker = ex.spawn(async {
            for _ in 0..STALL_TICKS {
                thread::sleep(STALL_PERIOD);
                smol::future::yield_now().await;
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
        sum += smol::unblock(|| 1_u64).await;
    }
    let elapsed = start.elapsed();
    check::round_trips(sum, iters)?;
    Ok(elapsed)
}

/// The echo server on smol as its examples write one: `smol::net`, a task per connection on the
/// executor, `read` and `write_all` from `smol::io`. For `smol-mt` the executor runs on N threads and
/// the calling thread drives only the accept loop, as `block_on` drives it on tokio-mt.
pub(super) fn echo(multi_thread: bool, config: &Config, ready: Ready<'_>) -> Result<(), Error> {
    let pool = if multi_thread {
        Some(Pool::start(config.workers_or_default())?)
    } else {
        None
    };
    let ex: Ex = pool
        .as_ref()
        .map_or_else(|| Arc::new(Executor::new()), |pool| Arc::clone(&pool.ex));
    let serve = async {
        let listener = smol::net::TcpListener::bind(LOOPBACK).await?;
        ready(listener.local_addr()?);
        echo_accept(Arc::clone(&ex), listener).await;
        Ok(())
    };
    if multi_thread {
        smol::block_on(serve)
    } else {
        smol::block_on(ex.run(serve))
    }
}

async fn echo_accept(ex: Ex, listener: smol::net::TcpListener) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                let _ = stream.set_nodelay(true);
                ex.spawn(echo_connection(stream)).detach();
            }
            Err(_) => {
                Timer::after(ACCEPT_RETRY).await;
            }
        }
    }
}

async fn echo_connection(mut stream: smol::net::TcpStream) -> std::io::Result<()> {
    use smol::io::{AsyncReadExt, AsyncWriteExt};

    let mut buf = vec![0; ECHO_BUFFER];
    loop {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return stream.close().await;
        }
        stream.write_all(&buf[..n]).await?;
    }
}
