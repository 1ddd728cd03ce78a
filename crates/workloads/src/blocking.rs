//! `blocking_stall` and `run_in_executor`: a ticker beside a task that blocks its thread, and a
//! round trip to the blocking pool. The toolkit's versions over the trait and the floors (the ticker
//! on a thread of its own; a spinning hand-off to another thread); each runtime's native version is in
//! its `native` module.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use rosetta_asyncio::run_in_executor as in_executor;
use rosetta_runtimes::Runtime;

use crate::check;
use crate::error::Error;
use crate::workload::{STALL_PERIOD, STALL_TICKS, Stat};

/// A ticker that wants to wake every [`STALL_PERIOD`] for [`STALL_TICKS`] ticks, beside a task that
/// blocks its thread for [`STALL_PERIOD`] at a time and yields between blocks: `stat` of the ticker's
/// lateness, summed over `iters` runs.
pub(crate) async fn stall<R: Runtime>(stat: Stat, iters: u64) -> Result<Duration, Error> {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let ticker = R::spawn(async {
            let start = Instant::now();
            let mut lateness = Vec::with_capacity(STALL_TICKS as usize);
            for tick in 1..=STALL_TICKS {
                let deadline = start + STALL_PERIOD * tick;
                R::sleep_until(deadline).await;
                lateness.push(check::lateness(Instant::now(), deadline, "a tick")?);
            }
            Ok::<_, Error>(lateness)
        });
        let blocker = R::spawn(async {
            for _ in 0..STALL_TICKS {
                std::thread::sleep(STALL_PERIOD);
                R::yield_now().await;
            }
        });
        let mut lateness = ticker.await??;
        blocker.await?;
        check::ticks(&lateness, STALL_TICKS)?;
        total += stat.of(&mut lateness);
    }
    Ok(total)
}

/// `iters` `run_in_executor` round trips of a no-op closure, one after the other.
pub(crate) async fn run_in_executor<R: Runtime>(iters: u64) -> Result<Duration, Error> {
    let start = Instant::now();
    let mut sum = 0;
    for _ in 0..iters {
        sum += in_executor::<R, _, _>(|| 1_u64).await?;
    }
    let elapsed = start.elapsed();
    check::round_trips(sum, iters)?;
    Ok(elapsed)
}

/// The floor of the stall: the same ticker on a thread of its own, which nothing can block.
pub(crate) fn thread_ticker(stat: Stat, iters: u64) -> Result<Duration, Error> {
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
pub(crate) struct Handoff {
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
    /// Starts the answering thread.
    pub(crate) fn start() -> Result<Handoff, Error> {
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

    /// `iters` round trips, one after the other: the time they took.
    pub(crate) fn round_trips(&mut self, iters: u64) -> Result<Duration, Error> {
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
