//! Helpers for conformance tests, the companions of [`conformance!`](crate::conformance): run a future on
//! a fresh loop, see when a future is dropped, fail a test that hangs, keep expected panics quiet.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use rosetta_rt::{Config, Handle, Runtime};

/// Creates a loop of `R`, runs `future` on it, closes it.
///
/// # Panics
///
/// If the loop cannot be created.
pub fn run<R: Runtime, F: Future>(future: F) -> F::Output {
    run_with::<R, F>(&Config::default(), future)
}

/// [`run`] with a config.
///
/// # Panics
///
/// If the loop cannot be created.
pub fn run_with<R: Runtime, F: Future>(config: &Config, future: F) -> F::Output {
    let rt = R::create(config).expect("the runtime is created");
    let output = rt.block_on(future);
    rt.close();
    output
}

/// Sets its flag when dropped: shows that a task's future has been dropped.
#[derive(Debug)]
pub struct SetOnDrop(pub Arc<AtomicBool>);

impl Drop for SetOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// Waits on `R`'s clock, 30 s at most, until `flag` is set; says whether it was.
pub async fn eventually<R: Runtime>(flag: &AtomicBool) -> bool {
    for _ in 0..30_000 {
        if flag.load(Ordering::SeqCst) {
            return true;
        }
        R::sleep(Duration::from_millis(1)).await;
    }
    false
}

/// Spawns a task that counts up every millisecond, forever: evidence that the loop keeps running tasks.
///
/// Cancel the handle when done.
pub fn spawn_ticker<R: Runtime>() -> (Arc<AtomicUsize>, Handle<R, ()>) {
    let ticks = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&ticks);
    let ticker = R::spawn(async move {
        loop {
            counter.fetch_add(1, Ordering::SeqCst);
            R::sleep(Duration::from_millis(1)).await;
        }
    });
    (ticks, ticker)
}

/// Blocks the calling thread until `ticks` has grown by `more` (60 s at most); returns how much it grew.
///
/// Called from a blocking closure beside a [`spawn_ticker`] task, it shows whether the loop kept running
/// tasks while the closure blocked.
pub fn block_until_ticks(ticks: &AtomicUsize, more: usize) -> usize {
    let start = ticks.load(Ordering::SeqCst);
    let give_up = Instant::now() + Duration::from_secs(60);
    while ticks.load(Ordering::SeqCst) < start + more && Instant::now() < give_up {
        thread::sleep(Duration::from_millis(1));
    }
    ticks.load(Ordering::SeqCst) - start
}

/// Runs `f`, and ends the whole test process with a message if it has not returned after `limit`.
///
/// A hang is a failure that a test harness would otherwise wait on forever.
pub fn within<T>(limit: Duration, what: &str, f: impl FnOnce() -> T) -> T {
    let (done, finished) = mpsc::channel::<()>();
    let what = what.to_owned();
    let watchdog = thread::spawn(move || {
        if finished.recv_timeout(limit) == Err(mpsc::RecvTimeoutError::Timeout) {
            eprintln!("{what} did not return within {limit:?}: it hangs");
            std::process::exit(101);
        }
    });
    let output = f();
    let _ = done.send(());
    let _ = watchdog.join();
    output
}

/// The marker that test panics carry, so that the panic hook keeps them out of the test output.
pub const EXPECTED: &str = "[expected panic]";

/// Installs, once, a panic hook that stays quiet for panics whose message has [`EXPECTED`].
pub fn quiet_expected_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let message = rosetta_rt::panic_message(info.payload());
            if !message.contains(EXPECTED) {
                default(info);
            }
        }));
    });
}
