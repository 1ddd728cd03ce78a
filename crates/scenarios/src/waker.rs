//! Answers the question seed 000 leaves open: "how does the event loop know that `asyncio.sleep` is
//! over?" Mirrors `waker.py`, which shows asyncio's answer (a future, a timer thread,
//! `call_soon_threadsafe`), with Rust's: a hand-written [`Future`], a timer thread, and a [`Waker`].
//!
//! 1. The task polls the future: it is not ready, so it starts a timer thread, stores the task's
//!    `Waker`, and returns `Pending`. The runtime parks the task: nothing polls it any more.
//! 2. The timer thread sleeps, then calls `waker.wake()`: that puts the task back in the runtime's run
//!    queue (and wakes the runtime's thread if it was asleep).
//! 3. The runtime polls the task again; the future sees the timer has fired and returns `Ready`.
//!
//! A runtime's own `sleep` does the same with one timer thread (tokio's driver, async-io's reactor) for
//! every sleep, rather than one thread per sleep.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::Instant;

use rosetta_asyncio::Runtime;

use crate::{Ctx, ScenarioError, ScenarioInfo};

/// This scenario.
pub const INFO: ScenarioInfo = ScenarioInfo {
    id: "waker",
    mirrors: "the question of seed 000: how does the loop know sleep is over?",
    summary: "a hand-written future, a timer thread and a Waker, step by step",
    test_scale: 0.02,
    seeded: false,
    args: crate::no_args,
    test_args: &[],
    expect: crate::same_everywhere,
    verify: crate::no_checks,
};

/// What the timer thread and the future share.
#[derive(Debug, Default)]
struct Shared {
    fired: bool,
    waker: Option<Waker>,
}

/// A future that completes `seconds` after it is first polled, woken by a timer thread.
struct Sleep {
    ctx: Ctx,
    seconds: f64,
    shared: Arc<Mutex<Shared>>,
    started: bool,
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut shared = self.shared.lock().unwrap_or_else(PoisonError::into_inner);
        if shared.fired {
            drop(shared);
            self.ctx.say("4. poll: ready, the task resumes");
            return Poll::Ready(());
        }
        // Keep the latest waker: the task may have moved to another thread since the last poll.
        shared.waker = Some(cx.waker().clone());
        drop(shared);
        if !self.started {
            self.started = true;
            // Said before the timer starts, so that a tiny delay cannot put line 3 before line 2.
            self.ctx.say("2. poll: not ready, the task is suspended");
            let (ctx, seconds, shared) = (self.ctx.clone(), self.seconds, Arc::clone(&self.shared));
            thread::spawn(move || {
                ctx.block(seconds);
                ctx.say(format!("3. timer thread: {seconds:?} s elapsed, waking the task"));
                let mut shared = shared.lock().unwrap_or_else(PoisonError::into_inner);
                shared.fired = true;
                if let Some(waker) = shared.waker.take() {
                    waker.wake();
                }
            });
        }
        Poll::Pending
    }
}

async fn main(ctx: &Ctx) {
    let start = Instant::now();
    ctx.say("1. main: awaiting Sleep(1.0)");
    Sleep {
        ctx: ctx.clone(),
        seconds: 1.0,
        shared: Arc::default(),
        started: false,
    }
    .await;
    ctx.say(format!("5. main: resumed after {:.2} seconds", ctx.out.since(start)));
}

/// Runs the program.
///
/// # Errors
///
/// If the loop cannot be created.
pub fn run<R: Runtime>(ctx: &Ctx) -> Result<(), ScenarioError> {
    ctx.asyncio_run::<R, _>(main(ctx))
}
