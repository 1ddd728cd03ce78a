//! The physical floors: what each workload costs with no runtime at all, the number no runtime can beat.

use std::collections::VecDeque;
use std::hint::black_box;
use std::os::fd::OwnedFd;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use rustix::event::{EventfdFlags, epoll, eventfd};

use crate::{Error, QueueShape, Runner, STALL_PERIOD, STALL_TICKS, Stat, Target, Workload, check};

/// A physical floor, and the workload it is the floor of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Floor {
    /// `gather`: `futures::future::join_all` of the same no-op futures, polled in place, without
    /// spawning: no scheduler at all.
    JoinAll,
    /// `queue` (1×1): one thread pushing the items into a `VecDeque` and popping them, in batches of
    /// the bound.
    VecDeque,
    /// `loop_create` / `loop_close`: a bare `async_executor::Executor::new()`, and its drop.
    ExecutorNew,
    /// `loop_create` / `loop_close`: `epoll_create1` + `eventfd` + registering one with the other, and
    /// closing both: what any loop with an I/O reactor must at least do.
    EpollEventfd,
    /// `timer_*`: `std::thread::sleep(d)`'s lateness (Linux's default timer slack is 50 µs).
    ThreadSleep,
    /// `blocking_stall`: the same ticker on a thread of its own, which nothing can block.
    ThreadTicker,
    /// `run_in_executor`: a request to another thread and its answer, both threads spinning: two
    /// cache-line transfers, the least any hand-off to a pool costs (a pool whose threads sleep also
    /// pays for waking them).
    ThreadHandoff,
}

impl Floor {
    /// The name used in bench ids (after `floor.`).
    pub fn name(self) -> &'static str {
        match self {
            Floor::JoinAll => "join_all",
            Floor::VecDeque => "vecdeque",
            Floor::ExecutorNew => "executor-new",
            Floor::EpollEventfd => "epoll-eventfd",
            Floor::ThreadSleep => "thread-sleep",
            Floor::ThreadTicker => "thread-ticker",
            Floor::ThreadHandoff => "thread-handoff",
        }
    }
}

/// Prepares the floor `floor` of `workload`.
pub(crate) fn prepare(floor: Floor, workload: Workload) -> Result<Runner, Error> {
    let runner: Runner = match (floor, workload) {
        (Floor::JoinAll, Workload::Gather { tasks }) => {
            Box::new(move |iters| join_all(tasks, iters))
        }
        (Floor::VecDeque, Workload::Queue { shape })
            if shape.producers == 1 && shape.consumers == 1 =>
        {
            Box::new(move |iters| vecdeque(&shape, iters))
        }
        (Floor::ExecutorNew | Floor::EpollEventfd, Workload::LoopCreate { .. }) => {
            Box::new(move |iters| create_close(floor, iters).map(|(create, _)| create))
        }
        (Floor::ExecutorNew | Floor::EpollEventfd, Workload::LoopClose { .. }) => {
            Box::new(move |iters| create_close(floor, iters).map(|(_, close)| close))
        }
        (Floor::ThreadSleep, Workload::Sleep { delay } | Workload::CallLater { delay }) => {
            Box::new(move |iters| thread_sleep(delay, iters))
        }
        (Floor::ThreadTicker, Workload::Stall { stat }) => {
            Box::new(move |iters| thread_ticker(stat, iters))
        }
        (Floor::ThreadHandoff, Workload::RunInExecutor) => {
            let mut handoff = Handoff::start()?;
            Box::new(move |iters| handoff.round_trips(iters))
        }
        _ => {
            return Err(Error::Unsupported {
                target: Target::Floor(floor).to_string(),
                workload: workload.group().name(),
                why: "it is the floor of another workload",
            });
        }
    };
    Ok(runner)
}

fn join_all(tasks: usize, iters: u64) -> Result<Duration, Error> {
    futures_lite::future::block_on(async {
        let mut total = Duration::ZERO;
        for _ in 0..iters {
            let start = Instant::now();
            let values =
                futures_util::future::join_all((0..tasks).map(|i| async move { black_box(i) }))
                    .await;
            total += start.elapsed();
            check::gathered(&values, tasks)?;
        }
        Ok(total)
    })
}

fn vecdeque(shape: &QueueShape, iters: u64) -> Result<Duration, Error> {
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

fn create_close(floor: Floor, iters: u64) -> Result<(Duration, Duration), Error> {
    let (mut create, mut close) = (Duration::ZERO, Duration::ZERO);
    for _ in 0..iters {
        if floor == Floor::ExecutorNew {
            let start = Instant::now();
            let executor = black_box(async_executor::Executor::new());
            create += start.elapsed();
            let start = Instant::now();
            drop(black_box(executor));
            close += start.elapsed();
        } else {
            let start = Instant::now();
            let (poller, wakeup) = reactor()?;
            create += start.elapsed();
            let start = Instant::now();
            drop(wakeup);
            drop(poller);
            close += start.elapsed();
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

fn thread_sleep(delay: Duration, iters: u64) -> Result<Duration, Error> {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let deadline = Instant::now() + delay;
        thread::sleep(delay);
        total += check::lateness(Instant::now(), deadline, "thread::sleep")?;
    }
    Ok(total)
}

fn thread_ticker(stat: Stat, iters: u64) -> Result<Duration, Error> {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let start = Instant::now();
        let mut lateness = Vec::with_capacity(STALL_TICKS as usize);
        for tick in 1..=STALL_TICKS {
            let deadline = start + STALL_PERIOD * tick;
            thread::sleep(deadline.saturating_duration_since(Instant::now()));
            lateness.push(check::lateness(Instant::now(), deadline, "a tick")?);
        }
        check::ticks(&lateness, STALL_TICKS)?;
        total += stat.of(&mut lateness);
    }
    Ok(total)
}

/// A thread that answers requests published in an atomic, both sides spinning: a round trip to
/// another thread at its physical least, two cache-line transfers, with no sleeping thread to wake.
///
/// The thread spins only while requests keep coming; after [`IDLE_SPINS`] empty polls it sleeps
/// [`IDLE_NAP`] between polls, so that it does not burn a core between runs.
struct Handoff {
    shared: Arc<HandoffState>,
    thread: Option<thread::JoinHandle<()>>,
}

/// What the two sides of a [`Handoff`] share.
#[derive(Default)]
struct HandoffState {
    /// The number of the last request.
    request: AtomicU64,
    /// The number of the last request answered.
    answered: AtomicU64,
    stop: AtomicBool,
}

/// Empty polls before the hand-off thread naps.
const IDLE_SPINS: u32 = 1 << 20;

/// How long the idle hand-off thread naps between polls.
const IDLE_NAP: Duration = Duration::from_micros(100);

impl Handoff {
    fn start() -> Result<Handoff, Error> {
        let shared = Arc::new(HandoffState::default());
        let state = Arc::clone(&shared);
        let thread = thread::Builder::new()
            .name("floor-handoff".into())
            .spawn(move || {
                let mut idle = 0_u32;
                while !state.stop.load(Ordering::Acquire) {
                    let request = state.request.load(Ordering::Acquire);
                    if request != state.answered.load(Ordering::Relaxed) {
                        state.answered.store(request, Ordering::Release);
                        idle = 0;
                    } else if idle < IDLE_SPINS {
                        idle += 1;
                        std::hint::spin_loop();
                    } else {
                        thread::sleep(IDLE_NAP);
                    }
                }
            })?;
        Ok(Handoff {
            shared,
            thread: Some(thread),
        })
    }

    fn round_trips(&mut self, iters: u64) -> Result<Duration, Error> {
        let state = &*self.shared;
        let first = state.request.load(Ordering::Relaxed);
        let start = Instant::now();
        for request in first + 1..=first + iters {
            state.request.store(request, Ordering::Release);
            while state.answered.load(Ordering::Acquire) != request {
                std::hint::spin_loop();
            }
        }
        let elapsed = start.elapsed();
        let answered = state.answered.load(Ordering::Acquire) - first;
        check::round_trips(answered, iters)?;
        Ok(elapsed)
    }
}

impl Drop for Handoff {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Release);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
