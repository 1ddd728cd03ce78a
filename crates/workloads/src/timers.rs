//! `timer_sleep` / `timer_call_later`: how late a gather of three `sleep(d)` and a `call_later(d)`
//! callback complete. The toolkit's versions over the trait and the floor, `std::thread::sleep`; each
//! runtime's own timer is in its `native` module.

use std::sync::{Arc, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

use rosetta_asyncio::{EventLoop, gather as gather_all};
use rosetta_runtimes::Runtime;

use crate::check;
use crate::error::Error;

/// How late a gather of three `sleep(delay)` completes, summed over `iters` runs.
pub(crate) async fn sleep<R: Runtime>(delay: Duration, iters: u64) -> Result<Duration, Error> {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let deadline = Instant::now() + delay;
        gather_all::<R, _>((0..3).map(|_| R::sleep(delay)))
            .await
            .map_err(|error| Error::Task(error.to_string()))?;
        total += check::lateness(Instant::now(), deadline, "a gather of sleeps")?;
    }
    Ok(total)
}

/// How late a `call_later(delay)` callback runs, summed over `iters` runs.
pub(crate) async fn call_later<R: Runtime>(delay: Duration, iters: u64) -> Result<Duration, Error> {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let lp = EventLoop::<R>::new();
        let fired = Arc::new(OnceLock::new());
        let deadline = Instant::now() + delay;
        let at = Arc::clone(&fired);
        lp.call_later(delay, move |lp| {
            let _ = at.set(Instant::now());
            lp.stop();
        });
        lp.run_forever().await;
        let at = fired
            .get()
            .copied()
            .ok_or_else(|| Error::Wrong("the loop stopped before the callback ran".into()))?;
        total += check::lateness(at, deadline, "a call_later callback")?;
    }
    Ok(total)
}

/// The floor: `std::thread::sleep(delay)`'s lateness, summed over `iters` runs.
pub(crate) fn thread_sleep(delay: Duration, iters: u64) -> Result<Duration, Error> {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let deadline = Instant::now() + delay;
        thread::sleep(delay);
        total += check::lateness(Instant::now(), deadline, "thread::sleep")?;
    }
    Ok(total)
}
