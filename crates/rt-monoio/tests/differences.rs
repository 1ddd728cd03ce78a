//! What the monoio adapter does differently from the conformance rules, as docs/runtimes.md says, and
//! what it does beyond them.

use std::time::{Duration, Instant};

use rosetta_monoio::Monoio;
use rosetta_rt::{Config, Runtime};

/// docs/runtimes.md: "`spawn` from a `spawn_blocking` closure panics": the closure's thread has no
/// monoio loop. The panic is the adapter's, and says so.
#[test]
fn spawn_from_a_spawn_blocking_closure_panics_naming_the_missing_loop() {
    let rt = Monoio::create(&Config::default()).expect("io_uring is permitted here");
    let outcome = rt.block_on(async {
        Monoio::spawn_blocking(|| {
            std::panic::catch_unwind(|| drop(Monoio::spawn(async {})))
                .map_err(|payload| rosetta_rt::panic_message(payload.as_ref()))
        })
        .await
    });
    rt.close();
    let message = outcome
        .expect("the closure itself returns")
        .expect_err("spawn found no loop on the pool's thread");
    assert!(
        message.contains("no running monoio loop on this thread"),
        "{message}"
    );
}

/// A sleep made before the loop runs starts at its first poll, with the deadline taken when it was
/// made.
#[test]
fn a_sleep_made_outside_the_loop_runs_inside_it_and_never_ends_early() {
    let rt = Monoio::create(&Config::default()).expect("io_uring is permitted here");
    let start = Instant::now();
    let sleep = Monoio::sleep(Duration::from_millis(20));
    rt.block_on(sleep);
    assert!(start.elapsed() >= Duration::from_millis(20));
    rt.close();
}
