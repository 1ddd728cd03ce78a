//! `loop.call_soon`, `call_later`, `call_at`, `run_forever` and `stop`: callbacks on a loop-level queue.
//!
//! ```python
//! def tick(i):
//!     print(i, "s (callback)")
//!     loop.call_later(1.0, tick, i + 1)
//!
//! loop.call_soon(tick, 0)
//! loop.run_forever()          # until some callback or coroutine calls loop.stop()
//! ```
//!
//! Rust runtimes have tasks and timers but no callback queue; [`EventLoop`] is that queue, written once
//! over the runtime. [`EventLoop::run_forever`] is a future: it runs on the runtime like any task, so
//! coroutines spawned beside it keep running, as they do in asyncio. Each turn of it does what CPython's
//! `_run_once` does: wait until the earliest deadline (or until a new callback arrives), move every due
//! timer to the ready queue, run the callbacks that were ready when the turn started, then return if
//! [`stop`](EventLoop::stop) was called.
//!
//! Promises (each a conformance test):
//! - a callback never runs before its deadline, and an earlier deadline runs first;
//! - `call_soon` callbacks run in the order they were scheduled (FIFO);
//! - callbacks with the same deadline run in the order they were scheduled. CPython leaves this
//!   undefined (its heap compares only deadlines); here it is promised;
//! - a [`TimerHandle`] cancels its callback if it has not run yet;
//! - `stop` ends `run_forever` after the current turn, as in asyncio; a later `run_forever` resumes with
//!   the callbacks still scheduled;
//! - a callback that panics does not stop the loop: the panic goes to the loop's exception handler
//!   ([`set_exception_handler`](EventLoop::set_exception_handler); by default
//!   [`default_exception_handler`](EventLoop::default_exception_handler) prints asyncio's
//!   `Exception in callback ...` to stderr), the rest of the turn's callbacks run, and `run_forever`
//!   goes on until `stop` (`test_default_exc_handler_callback`, `test_set_exc_handler_custom`). The
//!   process's panic hook still reports the panic first, as it does for any caught panic.
//!
//! # Examples
//!
//! ```
//! use std::sync::{Arc, Mutex};
//! use std::time::Duration;
//! use rosetta_asyncio::{EventLoop, Runtime};
//!
//! async fn demo<R: Runtime>() -> Vec<&'static str> {
//!     let log = Arc::new(Mutex::new(Vec::new()));
//!     let lp = EventLoop::<R>::new();
//!     let l = Arc::clone(&log);
//!     lp.call_later(Duration::from_millis(20), move |lp| {
//!         l.lock().unwrap().push("later");
//!         lp.stop();
//!     });
//!     let l = Arc::clone(&log);
//!     lp.call_soon(move |_| l.lock().unwrap().push("soon"));
//!     lp.run_forever().await;
//!     let log = log.lock().unwrap().clone();
//!     log
//! }
//! # use rosetta_runtimes::rosetta_tokio::TokioMultiThread as Rt;
//! # let rt = Rt::create(&Default::default()).unwrap();
//! assert_eq!(rt.block_on(demo::<Rt>()), ["soon", "later"]);
//! # rt.close();
//! ```
//!
//! # Per-runtime notes
//!
//! - Deadlines are the runtime's timers: on `tokio`/`tokio-mt` a `call_later(d)` runs up to ~1 ms late
//!   (the 1 ms wheel); on smol and async-std it is as precise as the OS allows.
//! - Callbacks run on the thread that polls `run_forever`: the `block_on` thread if it is awaited there,
//!   a worker if it is spawned on a multi-thread runtime. They must not block, as in asyncio.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::fmt;
use std::marker::PhantomData;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use event_listener::Event;
use futures_lite::future;
use rosetta_rt::Runtime;

/// A callback: it gets the loop, so that it can schedule more callbacks or stop the loop.
type Callback<R> = Box<dyn FnOnce(&EventLoop<R>) + Send>;

/// What the loop tells its exception handler about a callback that panicked (asyncio's context dict).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExceptionContext {
    /// `Exception in callback <name>`, the name being the callback's type, as asyncio names the handle.
    pub message: String,
    /// The panic's message (asyncio's `exception`).
    pub exception: String,
}

/// A loop's exception handler (what `loop.set_exception_handler` takes): called with the loop and the
/// context of each failure.
pub type ExceptionHandler<R> = Arc<dyn Fn(&EventLoop<R>, &ExceptionContext) + Send + Sync>;

/// A callback queue run by a future on runtime `R` (asyncio's event loop, for callbacks).
///
/// Cheap to clone: clones share the queue.
pub struct EventLoop<R: Runtime> {
    inner: Arc<Inner<R>>,
}

struct Inner<R: Runtime> {
    state: Mutex<State<R>>,
    /// Notified when a callback is scheduled or `stop` is called, so that a waiting turn wakes early.
    changed: Event,
    _runtime: PhantomData<fn() -> R>,
}

struct State<R: Runtime> {
    ready: VecDeque<Scheduled<R>>,
    timers: BinaryHeap<Reverse<Timer<R>>>,
    /// Orders callbacks with equal deadlines by scheduling order.
    next_seq: u64,
    stopping: bool,
    /// `None`: the default handler.
    exception_handler: Option<ExceptionHandler<R>>,
}

/// A callback waiting to run, with the flag its handle can set.
struct Scheduled<R: Runtime> {
    callback: Callback<R>,
    /// The callback's type name, for the exception handler's message.
    name: &'static str,
    cancelled: Arc<AtomicBool>,
}

struct Timer<R: Runtime> {
    when: Instant,
    seq: u64,
    scheduled: Scheduled<R>,
}

impl<R: Runtime> PartialEq for Timer<R> {
    fn eq(&self, other: &Self) -> bool {
        (self.when, self.seq) == (other.when, other.seq)
    }
}

impl<R: Runtime> Eq for Timer<R> {}

impl<R: Runtime> PartialOrd for Timer<R> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl<R: Runtime> Ord for Timer<R> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.when, self.seq).cmp(&(other.when, other.seq))
    }
}

/// Cancels a scheduled callback (asyncio's `Handle` / `TimerHandle`).
#[derive(Debug, Clone)]
pub struct TimerHandle {
    cancelled: Arc<AtomicBool>,
}

impl TimerHandle {
    /// Cancels the callback if it has not run yet (asyncio's `handle.cancel()`).
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::SeqCst);
    }

    /// Whether [`cancel`](TimerHandle::cancel) was called.
    pub fn cancelled(&self) -> bool {
        self.cancelled.load(Ordering::SeqCst)
    }
}

impl<R: Runtime> Clone for EventLoop<R> {
    fn clone(&self) -> Self {
        EventLoop {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<R: Runtime> Default for EventLoop<R> {
    fn default() -> Self {
        Self::new()
    }
}

impl<R: Runtime> fmt::Debug for EventLoop<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state();
        f.debug_struct("EventLoop")
            .field("runtime", &R::INFO.id)
            .field("ready", &state.ready.len())
            .field("timers", &state.timers.len())
            .field("stopping", &state.stopping)
            .finish()
    }
}

impl<R: Runtime> EventLoop<R> {
    /// An empty callback queue.
    pub fn new() -> Self {
        EventLoop {
            inner: Arc::new(Inner {
                state: Mutex::new(State {
                    ready: VecDeque::new(),
                    timers: BinaryHeap::new(),
                    next_seq: 0,
                    stopping: false,
                    exception_handler: None,
                }),
                changed: Event::new(),
                _runtime: PhantomData,
            }),
        }
    }

    fn state(&self) -> MutexGuard<'_, State<R>> {
        // A callback never runs under the lock, so a poisoned lock only means a panic elsewhere; the
        // queue itself is still consistent.
        self.inner
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The loop's clock (asyncio's `loop.time()`): the monotonic clock deadlines are measured on.
    pub fn time(&self) -> Instant {
        Instant::now()
    }

    /// Schedules `callback` to run on the next turn of the loop (`loop.call_soon`).
    pub fn call_soon(&self, callback: impl FnOnce(&EventLoop<R>) + Send + 'static) -> TimerHandle {
        let (scheduled, handle) = scheduled(callback);
        self.state().ready.push_back(scheduled);
        self.inner.changed.notify(usize::MAX);
        handle
    }

    /// Schedules `callback` to run once `delay` has elapsed (`loop.call_later`).
    pub fn call_later(
        &self,
        delay: Duration,
        callback: impl FnOnce(&EventLoop<R>) + Send + 'static,
    ) -> TimerHandle {
        self.call_at(self.time() + delay, callback)
    }

    /// Schedules `callback` to run at `when` (`loop.call_at`).
    pub fn call_at(
        &self,
        when: Instant,
        callback: impl FnOnce(&EventLoop<R>) + Send + 'static,
    ) -> TimerHandle {
        let (scheduled, handle) = scheduled(callback);
        let mut state = self.state();
        let seq = state.next_seq;
        state.next_seq += 1;
        state.timers.push(Reverse(Timer {
            when,
            seq,
            scheduled,
        }));
        drop(state);
        self.inner.changed.notify(usize::MAX);
        handle
    }

    /// Ends [`run_forever`](EventLoop::run_forever) after its current turn (`loop.stop()`).
    pub fn stop(&self) {
        self.state().stopping = true;
        self.inner.changed.notify(usize::MAX);
    }

    /// Sets the handler that a panicking callback's failure goes to (`loop.set_exception_handler`);
    /// `None` restores the default, [`default_exception_handler`](EventLoop::default_exception_handler).
    pub fn set_exception_handler(&self, handler: Option<ExceptionHandler<R>>) {
        self.state().exception_handler = handler;
    }

    /// The handler set by [`set_exception_handler`](EventLoop::set_exception_handler), if any
    /// (`loop.get_exception_handler`).
    pub fn exception_handler(&self) -> Option<ExceptionHandler<R>> {
        self.state().exception_handler.clone()
    }

    /// Hands `context` to the loop's exception handler (`loop.call_exception_handler`). A handler that
    /// panics itself is reported by the default handler, as asyncio logs "Unhandled error in exception
    /// handler".
    pub fn call_exception_handler(&self, context: &ExceptionContext) {
        let Some(handler) = self.exception_handler() else {
            self.default_exception_handler(context);
            return;
        };
        let handled = std::panic::catch_unwind(AssertUnwindSafe(|| handler(self, context)));
        if let Err(payload) = handled {
            self.default_exception_handler(&ExceptionContext {
                message: "Unhandled error in exception handler".to_owned(),
                exception: rosetta_rt::panic_message(payload.as_ref()),
            });
            self.default_exception_handler(context);
        }
    }

    /// What the loop does with a failure when no handler is set (`loop.default_exception_handler`):
    /// prints the message and the panic's message to stderr, as asyncio logs them.
    pub fn default_exception_handler(&self, context: &ExceptionContext) {
        eprintln!("{}\npanic: {}", context.message, context.exception);
    }

    /// How many callbacks are scheduled and not yet run (cancelled ones included until their turn).
    pub fn pending(&self) -> usize {
        let state = self.state();
        state.ready.len() + state.timers.len()
    }

    /// Runs the callbacks as they come due, until [`stop`](EventLoop::stop) is called
    /// (`loop.run_forever()`).
    pub async fn run_forever(&self) {
        loop {
            self.wait_for_work().await;
            let stop = self.run_once();
            if stop {
                return;
            }
            // Let the runtime's other tasks run between turns, as asyncio's loop does.
            R::yield_now().await;
        }
    }

    /// Waits until a callback is ready, a timer is due, or `stop` was called.
    async fn wait_for_work(&self) {
        loop {
            // Listen before looking, so that a callback scheduled in between is not missed.
            let listener = self.inner.changed.listen();
            let deadline = {
                let state = self.state();
                if state.stopping || !state.ready.is_empty() {
                    return;
                }
                match state.timers.peek() {
                    Some(Reverse(timer)) if timer.when <= Instant::now() => return,
                    Some(Reverse(timer)) => Some(timer.when),
                    None => None,
                }
            };
            match deadline {
                Some(when) => future::or(R::sleep_until(when), listener).await,
                None => listener.await,
            }
        }
    }

    /// One turn: moves the due timers to the ready queue, runs what is ready, and says whether to stop.
    fn run_once(&self) -> bool {
        let batch: Vec<Scheduled<R>> = {
            let mut state = self.state();
            let now = Instant::now();
            while let Some(Reverse(timer)) = state.timers.peek() {
                if timer.when > now {
                    break;
                }
                let Some(Reverse(timer)) = state.timers.pop() else {
                    break;
                };
                state.ready.push_back(timer.scheduled);
            }
            // Only what is ready now runs in this turn; what these callbacks schedule waits for the next.
            state.ready.drain(..).collect()
        };
        for scheduled in batch {
            if scheduled.cancelled.load(Ordering::SeqCst) {
                continue;
            }
            // A panic is the callback's failure, not the loop's: it goes to the handler, and the turn
            // goes on. Nothing of the loop's state is borrowed across the call, so nothing is left broken.
            let callback = scheduled.callback;
            if let Err(payload) = std::panic::catch_unwind(AssertUnwindSafe(|| callback(self))) {
                self.call_exception_handler(&ExceptionContext {
                    message: format!("Exception in callback {}", scheduled.name),
                    exception: rosetta_rt::panic_message(payload.as_ref()),
                });
            }
        }
        let mut state = self.state();
        std::mem::take(&mut state.stopping)
    }
}

fn scheduled<R: Runtime, F: FnOnce(&EventLoop<R>) + Send + 'static>(
    callback: F,
) -> (Scheduled<R>, TimerHandle) {
    let cancelled = Arc::new(AtomicBool::new(false));
    let handle = TimerHandle {
        cancelled: Arc::clone(&cancelled),
    };
    (
        Scheduled {
            callback: Box::new(callback),
            name: std::any::type_name::<F>(),
            cancelled,
        },
        handle,
    )
}
