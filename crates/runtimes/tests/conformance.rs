//! The conformance suite: every rule of the `Runtime` trait, checked on every runtime of the registry.
//!
//! Each test is written once and stamped by `conformance!` into one module per runtime id, so every rule
//! shows up as five results. Timing is asserted only as order or as "never earlier than", with generous
//! upper bounds, so that a loaded machine cannot make a test fail.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::thread;
use std::time::{Duration, Instant};

use rosetta_runtimes::testing::{
    EXPECTED, SetOnDrop, block_until_ticks, eventually, quiet_expected_panics, run, run_with,
    spawn_ticker, within,
};
use rosetta_runtimes::{Config, Flavor, JoinError, Runtime, conformance};

/// Awaits `handle` for at most `limit`: `Some(outcome)` if it finished, `None` if the time ran out first
/// (the handle has then been polled and is being awaited).
async fn future_or_sleep<R: Runtime, H: Future + Unpin>(
    handle: &mut H,
    limit: Duration,
) -> Option<H::Output> {
    let handle = async { Some(handle.await) };
    let timer = async {
        R::sleep(limit).await;
        None
    };
    futures_lite::future::or(handle, timer).await
}

/// Counts how many times the wrapped future is polled.
struct CountPolls<F> {
    inner: Pin<Box<F>>,
    polls: usize,
}

impl<F: Future> Future for CountPolls<F> {
    type Output = usize;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<usize> {
        self.polls += 1;
        match self.inner.as_mut().poll(cx) {
            Poll::Ready(_) => Poll::Ready(self.polls),
            Poll::Pending => Poll::Pending,
        }
    }
}

conformance! {
    #[test]
    fn module_name_is_the_runtime_id() {
        let module = module_path!().rsplit("::").next().unwrap();
        assert_eq!(module, Rt::INFO.id.replace('-', "_"));
    }

    #[test]
    fn spawn_then_await_returns_the_value() {
        let outcome = run::<Rt, _>(async { Rt::spawn(async { 40 + 2 }).await });
        assert_eq!(outcome, Ok(42));
    }

    #[test]
    fn spawned_tasks_return_their_values_in_spawn_order_whatever_order_they_finish_in() {
        const N: usize = 1_000;
        let (values, finished) = run::<Rt, _>(async {
            // Even tasks wait at a gate that the last task opens, so they finish after every odd task.
            let (open, gate) = async_channel::bounded::<()>(1);
            let mut open = Some(open);
            let finished = Arc::new(Mutex::new(Vec::with_capacity(N)));
            let handles: Vec<_> = (0..N)
                .map(|i| {
                    let gate = gate.clone();
                    let finished = Arc::clone(&finished);
                    let opener = if i == N - 1 { open.take() } else { None };
                    Rt::spawn(async move {
                        if i % 2 == 0 {
                            // Fails once every sender is gone: that is the gate opening.
                            let _ = gate.recv().await;
                        }
                        finished.lock().unwrap().push(i);
                        // The last task opens the gate only once it has recorded its own finish.
                        drop(opener);
                        i
                    })
                })
                .collect();
            let mut values = Vec::with_capacity(N);
            for handle in handles {
                values.push(handle.await.expect("no task panics"));
            }
            let finished = finished.lock().unwrap().clone();
            (values, finished)
        });
        assert_eq!(values, (0..N).collect::<Vec<_>>());
        let position = |i| finished.iter().position(|&done| done == i).unwrap();
        assert!(position(0) > position(N - 1), "task 0 finished after task {}", N - 1);
    }

    #[test]
    fn a_dropped_handle_detaches_and_its_task_runs_to_completion() {
        let received = run::<Rt, _>(async {
            let (tx, rx) = async_channel::bounded(1);
            drop(Rt::spawn(async move {
                Rt::sleep(Duration::from_millis(20)).await;
                tx.send("done").await.expect("the receiver waits");
            }));
            rx.recv().await
        });
        assert_eq!(received, Ok("done"));
    }

    #[test]
    fn cancel_before_completion_gives_cancelled_once_the_future_is_dropped() {
        run::<Rt, _>(async {
            // A task that has started and waits forever.
            let dropped = Arc::new(AtomicBool::new(false));
            let (started, has_started) = async_channel::bounded(1);
            let guard = SetOnDrop(Arc::clone(&dropped));
            let task = Rt::spawn(async move {
                let _guard = guard;
                started.send(()).await.expect("the test waits");
                std::future::pending::<u32>().await
            });
            has_started.recv().await.expect("the task starts");
            assert_eq!(task.cancel().await, Err(JoinError::Cancelled));
            assert!(dropped.load(Ordering::SeqCst), "the future is dropped when cancel resolves");

            // A task cancelled before it ever ran.
            let task = Rt::spawn(async { 1 });
            assert!(matches!(task.cancel().await, Err(JoinError::Cancelled) | Ok(1)));
        });
    }

    #[test]
    fn abort_then_drop_cancels_the_task() {
        // What a gather does with its children when it is itself cancelled: request, then let go.
        let dropped = Arc::new(AtomicBool::new(false));
        let guard = SetOnDrop(Arc::clone(&dropped));
        let stopped = run::<Rt, _>(async move {
            let (started, has_started) = async_channel::bounded(1);
            let mut task = Rt::spawn(async move {
                let _guard = guard;
                started.send(()).await.expect("the test waits");
                std::future::pending::<()>().await
            });
            has_started.recv().await.expect("the task starts");
            task.abort();
            drop(task);
            for _ in 0..30_000 {
                if dropped.load(Ordering::SeqCst) {
                    return true;
                }
                Rt::sleep(Duration::from_millis(1)).await;
            }
            false
        });
        assert!(stopped, "the task's future was never dropped: the abort was lost with the handle");
    }

    #[test]
    fn a_handle_dropped_while_awaited_cancels_its_task() {
        // asyncio's `Task.cancel()` cancels the future the task waits on; here the awaiting task's
        // future is dropped, and with it the handle it was awaiting.
        let (outer, inner_dropped, inner_finished) = run::<Rt, _>(async {
            let dropped = Arc::new(AtomicBool::new(false));
            let finished = Arc::new(AtomicBool::new(false));
            let (started, has_started) = async_channel::bounded(1);
            let inner = Rt::spawn({
                let guard = SetOnDrop(Arc::clone(&dropped));
                let finished = Arc::clone(&finished);
                async move {
                    let _guard = guard;
                    Rt::sleep(Duration::from_secs(3600)).await;
                    finished.store(true, Ordering::SeqCst);
                }
            });
            let outer = Rt::spawn(async move {
                let (mut inner, started) = (inner, started);
                // Awaited once before the test is told, so the handle is being awaited whenever the
                // cancel lands.
                assert!(future_or_sleep::<Rt, _>(&mut inner, Duration::from_millis(1)).await.is_none());
                started.send(()).await.expect("the test waits");
                let _ = inner.await;
            });
            has_started.recv().await.expect("the outer task starts");
            let outer = outer.cancel().await;
            (outer, eventually::<Rt>(&dropped).await, finished.load(Ordering::SeqCst))
        });
        assert_eq!(outer, Err(JoinError::Cancelled));
        assert!(inner_dropped, "the awaited task was not cancelled with the task awaiting it");
        assert!(!inner_finished);
    }

    #[test]
    fn a_handle_not_being_awaited_detaches_when_its_owner_is_cancelled() {
        // Held, polled once by `is_finished`, but not awaited when the owner is cancelled: it detaches.
        let received = run::<Rt, _>(async {
            let (tx, rx) = async_channel::bounded(1);
            let (held, is_held) = async_channel::bounded(1);
            let owner = Rt::spawn(async move {
                let mut inner = Rt::spawn(async move {
                    Rt::sleep(Duration::from_millis(20)).await;
                    tx.send("done").await.expect("the receiver waits");
                });
                assert!(!inner.is_finished());
                held.send(()).await.expect("the test waits");
                std::future::pending::<()>().await;
                drop(inner);
            });
            is_held.recv().await.expect("the owner starts");
            assert_eq!(owner.cancel().await, Err(JoinError::Cancelled));
            rx.recv().await
        });
        assert_eq!(received, Ok("done"));
    }

    #[test]
    fn a_detached_handle_never_cancels_even_while_awaited() {
        let received = run::<Rt, _>(async {
            let (tx, rx) = async_channel::bounded(1);
            let mut inner = Rt::spawn(async move {
                Rt::sleep(Duration::from_millis(20)).await;
                tx.send("done").await.expect("the receiver waits");
            });
            assert!(future_or_sleep::<Rt, _>(&mut inner, Duration::from_millis(1)).await.is_none());
            inner.detach();
            rx.recv().await
        });
        assert_eq!(received, Ok("done"));
    }

    #[test]
    fn a_handle_is_at_most_one_word_more_than_the_runtimes_own() {
        // A gather holds one handle per child: tracking "being awaited" must keep them small.
        let size = std::mem::size_of::<rosetta_runtimes::rosetta_rt::Handle<Rt, u64>>();
        let raw = std::mem::size_of::<<Rt as Runtime>::Task<u64>>();
        assert!(size <= raw + std::mem::size_of::<usize>(), "a handle is {size} bytes, its raw task {raw}");
    }

    #[test]
    fn cancelling_a_running_blocking_closure_gives_cancelled_at_once_and_the_closure_runs_on() {
        // asyncio's `run_in_executor` future: `cancel()` and `CancelledError` at once; the thread runs on
        // and its result is dropped. The closure here cannot end before the cancel has returned.
        let (outcome, closure_ended, value_dropped) = run::<Rt, _>(async {
            let (open, gate) = std::sync::mpsc::channel::<()>();
            let (started, has_started) = async_channel::bounded(1);
            let ended = Arc::new(AtomicBool::new(false));
            let dropped = Arc::new(AtomicBool::new(false));
            let closure = Rt::spawn_blocking({
                let (ended, value) = (Arc::clone(&ended), SetOnDrop(Arc::clone(&dropped)));
                move || {
                    started.send_blocking(()).expect("the test waits");
                    let _ = gate.recv_timeout(Duration::from_secs(60));
                    ended.store(true, Ordering::SeqCst);
                    value
                }
            });
            has_started.recv().await.expect("the closure starts");
            let outcome = closure.cancel().await.map(|_| ());
            drop(open);
            (outcome, eventually::<Rt>(&ended).await, eventually::<Rt>(&dropped).await)
        });
        assert_eq!(outcome, Err(JoinError::Cancelled));
        assert!(closure_ended, "the closure was stopped");
        assert!(value_dropped, "the closure's value was kept");

        // A closure that has finished keeps its result.
        let outcome = run::<Rt, _>(async {
            let mut closure = Rt::spawn_blocking(|| 5);
            let mut waited = 0;
            while !closure.is_finished() {
                assert!(waited < 60_000, "the closure never finished");
                waited += 1;
                Rt::sleep(Duration::from_millis(1)).await;
            }
            closure.cancel().await
        });
        assert_eq!(outcome, Ok(5));
    }

    #[test]
    fn closing_a_loop_with_a_running_blocking_closure_waits_for_it_on_tokio_only() {
        // tokio's blocking pool belongs to the runtime and is joined at close; smol's and async-std's is
        // the process-wide `blocking` pool, which close does not wait for: the closure ends there later.
        let rt = Rt::create(&Config::default()).expect("the runtime is created");
        let ended = Arc::new(AtomicBool::new(false));
        let (open, gate) = std::sync::mpsc::channel::<()>();
        let own_pool = Rt::INFO.runtime_crate == "tokio";
        rt.block_on({
            let ended = Arc::clone(&ended);
            async move {
                let (started, has_started) = async_channel::bounded(1);
                Rt::spawn_blocking(move || {
                    started.send_blocking(()).expect("the test waits");
                    // On tokio the gate never opens: close must wait for the closure's own timeout.
                    let _ = gate.recv_timeout(Duration::from_millis(if own_pool { 50 } else { 60_000 }));
                    ended.store(true, Ordering::SeqCst);
                })
                .detach();
                has_started.recv().await.expect("the closure starts");
            }
        });
        within(Duration::from_secs(60), "close with a running blocking closure", || rt.close());
        assert_eq!(ended.load(Ordering::SeqCst), own_pool, "close did not do what the docs say");
        drop(open);
        let give_up = Instant::now() + Duration::from_secs(60);
        while !ended.load(Ordering::SeqCst) && Instant::now() < give_up {
            thread::sleep(Duration::from_millis(1));
        }
        assert!(ended.load(Ordering::SeqCst), "the closure never ended");
    }

    #[test]
    fn cancel_after_completion_gives_the_value() {
        // Through the handle: once it has seen the task finish, cancelling keeps the result.
        run::<Rt, _>(async {
            let mut task = Rt::spawn(async { 7 });
            let mut waited = 0;
            while !task.is_finished() {
                assert!(waited < 60_000, "the task never finished");
                waited += 1;
                Rt::sleep(Duration::from_millis(1)).await;
            }
            assert_eq!(task.cancel().await, Ok(7));
        });
        // Through the runtime's own cancellation: on one worker, the task's poll has returned by the time
        // a task on the same worker sees its last message. A global runtime has no one-worker loop.
        if Rt::INFO.flavor != Flavor::Global {
            let outcome = run_with::<Rt, _>(&Config::with_workers(1), async {
                Rt::spawn(async {
                    let (tx, rx) = async_channel::bounded(1);
                    let task = Rt::spawn(async move {
                        tx.try_send(()).expect("room for one message");
                        8
                    });
                    rx.recv().await.expect("the task sends");
                    Rt::yield_now().await;
                    task.cancel().await
                })
                .await
                .expect("no panic")
            });
            assert_eq!(outcome, Ok(8));
        }
    }

    #[test]
    fn a_panicking_task_gives_panicked_with_its_message_and_the_loop_keeps_running() {
        quiet_expected_panics();
        run::<Rt, _>(async {
            let outcome = Rt::spawn(async {
                if Rt::INFO.id.is_empty() {
                    return 0;
                }
                panic!("boom {} {EXPECTED}", 42)
            })
            .await;
            assert_eq!(outcome, Err(JoinError::Panicked(format!("boom 42 {EXPECTED}"))));

            // A detached task that panics takes nothing down with it either.
            drop(Rt::spawn(async { panic!("detached {EXPECTED}") }));
            Rt::sleep(Duration::from_millis(10)).await;
            assert_eq!(Rt::spawn(async { 5 }).await, Ok(5));

            // Nor does a panicking blocking closure.
            let outcome = Rt::spawn_blocking(|| -> u8 { panic!("blocking {EXPECTED}") }).await;
            assert_eq!(outcome, Err(JoinError::Panicked(format!("blocking {EXPECTED}"))));
            assert_eq!(Rt::spawn(async { 6 }).await, Ok(6));
        });
    }

    #[test]
    fn spawn_blocking_runs_on_another_thread_while_tasks_keep_making_progress() {
        run::<Rt, _>(async {
            let (ticks, ticker) = spawn_ticker::<Rt>();
            let caller = thread::current().id();
            // The closure blocks until the ticker has ticked three more times; only a loop that keeps
            // running other tasks while the closure blocks gets there.
            let (thread, progressed) = Rt::spawn_blocking(move || (thread::current().id(), block_until_ticks(&ticks, 3) >= 3))
                .await
                .expect("the closure does not panic");
            assert_ne!(thread, caller, "the closure ran on the caller's thread");
            assert!(progressed, "no task ran while the closure blocked");
            assert_eq!(ticker.cancel().await, Err(JoinError::Cancelled));
        });
    }

    #[test]
    fn sleep_never_returns_before_its_duration() {
        run::<Rt, _>(async {
            for ms in [0, 1, 2, 5, 10, 25] {
                let duration = Duration::from_millis(ms);
                let start = Instant::now();
                Rt::sleep(duration).await;
                assert!(start.elapsed() >= duration, "sleep({duration:?}) returned after {:?}", start.elapsed());

                let deadline = Instant::now() + duration;
                Rt::sleep_until(deadline).await;
                assert!(Instant::now() >= deadline, "sleep_until returned early");
            }
        });
    }

    #[test]
    fn three_concurrent_sleeps_overlap() {
        let d = Duration::from_millis(300);
        let elapsed = run::<Rt, _>(async move {
            let start = Instant::now();
            let sleeps: Vec<_> = (0..3).map(|_| Rt::spawn(Rt::sleep(d))).collect();
            for sleep in sleeps {
                sleep.await.expect("sleep does not panic");
            }
            start.elapsed()
        });
        assert!(elapsed >= d, "three sleeps of {d:?} took only {elapsed:?}");
        assert!(elapsed < 3 * d, "three concurrent sleeps of {d:?} took {elapsed:?}: they ran one after another");
    }

    #[test]
    fn yield_now_lets_a_ready_task_run_before_the_caller_resumes() {
        // On one worker, as asyncio runs everything on one thread. A global runtime cannot be limited to
        // one worker: there the other task may be stolen by a second worker and run alongside, so only
        // "yield_now suspends once, and both run" holds (documented in the adapter).
        let (log, polls) = run_with::<Rt, _>(&Config::with_workers(1), async {
            Rt::spawn(async {
                let log = Arc::new(Mutex::new(Vec::new()));
                let other = Rt::spawn({
                    let log = Arc::clone(&log);
                    async move { log.lock().unwrap().push("other task ran") }
                });
                let polls = CountPolls { inner: Box::pin(Rt::yield_now()), polls: 0 }.await;
                log.lock().unwrap().push("caller resumed");
                other.await.expect("no panic");
                let log = log.lock().unwrap().clone();
                (log, polls)
            })
            .await
            .expect("no panic")
        });
        assert!(polls >= 2, "yield_now returned without suspending");
        if Rt::INFO.flavor == Flavor::Global {
            assert_eq!(log.len(), 2);
        } else {
            assert_eq!(log, ["other task ran", "caller resumed"]);
        }
    }

    #[test]
    #[allow(clippy::async_yields_async, reason = "the handle outlives the loop on purpose")]
    fn closing_a_loop_with_pending_tasks_returns_and_drops_them() {
        let rt = Rt::create(&Config::default()).expect("the runtime is created");
        let dropped = Arc::new(AtomicBool::new(false));
        let guard = SetOnDrop(Arc::clone(&dropped));
        let pending = rt.block_on(async move {
            let (started, has_started) = async_channel::bounded(1);
            let task = Rt::spawn(async move {
                let _guard = guard;
                started.send(()).await.expect("the test waits");
                std::future::pending::<()>().await
            });
            has_started.recv().await.expect("the task starts");
            task
        });
        within(Duration::from_secs(60), "close with a pending task", || rt.close());
        if Rt::INFO.flavor.close_drops_tasks() {
            assert!(dropped.load(Ordering::SeqCst), "close left the pending task alive");
            drop(pending);
        } else {
            // The global runtime outlives any loop value: the task is still there, until cancelled.
            assert!(!dropped.load(Ordering::SeqCst));
            let rt = Rt::create(&Config::default()).expect("the runtime is created");
            assert_eq!(rt.block_on(pending.cancel()), Err(JoinError::Cancelled));
            assert!(dropped.load(Ordering::SeqCst));
        }
    }

    #[test]
    fn zero_worker_threads_is_refused_by_multi_thread_flavors() {
        let outcome = Rt::create(&Config::with_workers(0));
        match Rt::INFO.flavor {
            Flavor::MultiThread | Flavor::ThreadPerCore => match outcome {
                Ok(rt) => {
                    rt.close();
                    panic!("zero workers was accepted");
                }
                Err(error) => assert!(error.to_string().contains("at least 1"), "{error}"),
            },
            Flavor::CurrentThread | Flavor::Global => outcome.expect("the config is ignored").close(),
        }
    }

    #[test]
    fn spawn_inside_a_blocking_closure_starts_a_task_on_the_loop() {
        // tokio, smol and the thread-per-core flavor let a blocking closure spawn (its thread carries
        // the loop's context); a current-thread io_uring runtime cannot: its spawn needs the thread's own
        // runtime, and the closure's thread has none, so compio and monoio panic, each naming the missing
        // runtime or loop (docs/runtimes.md).
        let gap = Rt::INFO.flavor == Flavor::CurrentThread && Rt::INFO.driver.starts_with("io_uring");
        if gap {
            quiet_expected_panics();
        }
        let outcome = run::<Rt, _>(async {
            let spawned = Rt::spawn_blocking(|| {
                let task = Rt::spawn(async {
                    Rt::sleep(Duration::from_millis(1)).await;
                    thread::current().id()
                });
                let nested = Rt::spawn_blocking(|| 8);
                (thread::current().id(), task, nested)
            })
            .await;
            match spawned {
                Ok((closure, task, nested)) => {
                    let task = task.await.expect("the task does not panic");
                    assert_ne!(task, closure, "the task ran on the closure's thread");
                    Ok(nested.await.expect("the nested closure does not panic"))
                }
                Err(error) => Err(error),
            }
        });
        if gap {
            assert!(
                matches!(&outcome, Err(JoinError::Panicked(message))
                    if message.contains("runtime") || message.contains("loop")),
                "{outcome:?}"
            );
        } else {
            assert_eq!(outcome, Ok(8));
        }
    }
}
