//! `loop_create` / `loop_close`: a loop's create and close, each timed alone, and a global runtime's
//! one-time start. The toolkit's versions over the trait and the two floors (a bare executor; epoll
//! and an eventfd); each runtime's native builder is in its `native` module.

use std::hint::black_box;
use std::os::fd::OwnedFd;
use std::time::{Duration, Instant};

use rosetta_runtimes::{Config, Runtime};
use rustix::event::{EventfdFlags, epoll, eventfd};

use crate::check;
use crate::error::Error;
use crate::job::LoopFloor;

/// Creates and closes `iters` loops: the total time of the creates, and of the closes, each alone.
pub(crate) fn toolkit<R: Runtime>(
    config: &Config,
    iters: u64,
) -> Result<(Duration, Duration), Error> {
    let (mut create, mut close) = (Duration::ZERO, Duration::ZERO);
    for _ in 0..iters {
        let start = Instant::now();
        let rt = R::create(config)?;
        create += start.elapsed();
        let start = Instant::now();
        rt.close();
        close += start.elapsed();
    }
    Ok((create, close))
}

/// A global runtime's one-time start, in this process: the first loop and its first spawn, awaited.
pub(crate) fn first_start<R: Runtime>() -> Result<Duration, Error> {
    let start = Instant::now();
    let rt = R::create(&Config::default())?;
    let value = rt.block_on(async { R::spawn(async { 1_u8 }).await });
    let elapsed = start.elapsed();
    rt.close();
    check::round_trips(u64::from(value?), 1)?;
    Ok(elapsed)
}

/// Creates and drops `iters` of `floor`'s bare loops: the total time of the creates, and of the drops.
pub(crate) fn floor(floor: LoopFloor, iters: u64) -> Result<(Duration, Duration), Error> {
    let (mut create, mut close) = (Duration::ZERO, Duration::ZERO);
    for _ in 0..iters {
        match floor {
            LoopFloor::ExecutorNew => {
                let start = Instant::now();
                let executor = black_box(async_executor::Executor::new());
                create += start.elapsed();
                let start = Instant::now();
                drop(black_box(executor));
                close += start.elapsed();
            }
            LoopFloor::EpollEventfd => {
                let start = Instant::now();
                let (poller, wakeup) = reactor()?;
                create += start.elapsed();
                let start = Instant::now();
                drop(wakeup);
                drop(poller);
                close += start.elapsed();
            }
        }
    }
    Ok((create, close))
}

/// An epoll instance with an eventfd registered in it: the least a loop with an I/O reactor creates,
/// the eventfd being how another thread wakes it.
fn reactor() -> std::io::Result<(OwnedFd, OwnedFd)> {
    let poller = epoll::create(epoll::CreateFlags::CLOEXEC)?;
    let wakeup = eventfd(0, EventfdFlags::CLOEXEC | EventfdFlags::NONBLOCK)?;
    epoll::add(
        &poller,
        &wakeup,
        epoll::EventData::new_u64(0),
        epoll::EventFlags::IN,
    )?;
    Ok((poller, wakeup))
}
