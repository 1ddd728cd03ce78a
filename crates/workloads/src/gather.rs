//! `gather`: N no-op tasks spawned and gathered. The toolkit's version over the trait (and
//! spawn-and-await through the trait alone), and the floor, `join_all` without spawning; each
//! runtime's native version is in its `native` module.

use std::hint::black_box;
use std::time::{Duration, Instant};

use rosetta_asyncio::gather as gather_all;
use rosetta_runtimes::Runtime;

use crate::check;
use crate::error::Error;

/// Gathers `tasks` no-op tasks, `iters` times: the time from the first spawn to the gathered values.
pub(crate) async fn toolkit<R: Runtime>(tasks: usize, iters: u64) -> Result<Duration, Error> {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let start = Instant::now();
        let values = gather_all::<R, _>((0..tasks).map(|i| async move { i }))
            .await
            .map_err(|error| Error::Task(error.to_string()))?;
        total += start.elapsed();
        check::gathered(&values, tasks)?;
    }
    Ok(total)
}

/// Spawns `tasks` no-op tasks with `R::spawn` and awaits each handle in order, `iters` times: what the
/// native gather does, through the trait, without the toolkit gather's per-child bookkeeping.
pub(crate) async fn spawn_await<R: Runtime>(tasks: usize, iters: u64) -> Result<Duration, Error> {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let start = Instant::now();
        let handles: Vec<_> = (0..tasks).map(|i| R::spawn(async move { i })).collect();
        let mut values = Vec::with_capacity(tasks);
        for handle in handles {
            values.push(handle.await?);
        }
        total += start.elapsed();
        check::gathered(&values, tasks)?;
    }
    Ok(total)
}

/// The floor: `join_all` of the same no-op futures, polled in place, no scheduler at all.
pub(crate) fn join_all(tasks: usize, iters: u64) -> Result<Duration, Error> {
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
