//! `asyncio.sleep(delay, result)`: a sleep that gives a value back.
//!
//! ```python
//! value = await asyncio.sleep(0.1, result="done")
//! ```
//!
//! [`sleep`] waits `delay` on the runtime's timer, never less (`test_sleep`), then returns `result`.
//! A zero delay is one turn of the loop ([`Runtime::yield_now`]), as `asyncio.sleep(0)` yields once
//! (`test_sleep_zero`). Plain waiting is [`Runtime::sleep`].
//!
//! # Examples
//!
//! ```
//! use std::time::Duration;
//! use rosetta_asyncio::{Runtime, sleep};
//!
//! async fn demo<R: Runtime>() -> &'static str {
//!     sleep::<R, _>(Duration::from_millis(5), "done").await
//! }
//! # use rosetta_runtimes::rosetta_smol::Smol as Rt;
//! # let rt = Rt::create(&Default::default()).unwrap();
//! assert_eq!(rt.block_on(demo::<Rt>()), "done");
//! # rt.close();
//! ```
//!
//! # Per-runtime notes
//!
//! - As [`Runtime::sleep`]: tokio rounds up to its 1 ms wheel; smol and async-std are as precise as the
//!   OS allows.

use std::time::Duration;

use rosetta_rt::Runtime;

/// Waits `delay` and returns `result` (`asyncio.sleep(delay, result)`).
pub async fn sleep<R: Runtime, T>(delay: Duration, result: T) -> T {
    if delay.is_zero() {
        R::yield_now().await;
    } else {
        R::sleep(delay).await;
    }
    result
}
