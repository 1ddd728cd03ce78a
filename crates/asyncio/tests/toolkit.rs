//! Conformance of the toolkit: gather, create_task, wait_for, call_soon/call_later, run_in_executor, async
//! generators and `async with`, each rule held to CPython's semantics and checked on every runtime.

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rosetta_asyncio::{
    AsyncContextManager, EventLoop, Exit, GatherError, JoinError, Runtime, StreamExt, TimeoutError,
    WithError, agen, async_with, create_task, gather, gather_return_exceptions, run_in_executor,
    try_gather, wait_for, wait_for_task,
};
use rosetta_runtimes::conformance;
use rosetta_runtimes::testing::{
    EXPECTED, SetOnDrop, block_until_ticks, eventually, quiet_expected_panics, run, spawn_ticker,
};

/// Children of different types, gathered together (Python's gather takes any awaitables).
type BoxedChild = std::pin::Pin<Box<dyn Future<Output = Result<u8, &'static str>> + Send>>;

/// A log that tasks append to, to check the order things happened in.
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<String>>>);

impl Log {
    fn push(&self, line: impl Into<String>) {
        self.0.lock().unwrap().push(line.into());
    }

    fn lines(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

/// A context manager that logs its steps, and can be told to fail on the way in.
struct Resource {
    log: Log,
    fail_enter: bool,
}

impl AsyncContextManager for Resource {
    type Value = &'static str;
    type Error = String;

    async fn aenter(&mut self) -> Result<&'static str, String> {
        self.log.push("aenter");
        if self.fail_enter {
            Err("no resource".into())
        } else {
            Ok("resource1")
        }
    }

    async fn aexit(&mut self, exit: Exit<'_>) -> Result<(), String> {
        self.log.push(format!("aexit {exit:?}"));
        Ok(())
    }
}

conformance! {
    // ---- gather -------------------------------------------------------------------------------------

    #[test]
    fn gather_returns_results_in_argument_order_test_success() {
        let values = run::<Rt, _>(async {
            // The first child finishes last.
            let children = (0..5u64).map(|i| async move {
                Rt::sleep(Duration::from_millis(5 * (5 - i))).await;
                i
            });
            gather::<Rt, _>(children).await
        });
        assert_eq!(values, Ok(vec![0, 1, 2, 3, 4]));
    }

    #[test]
    fn gather_of_nothing_is_an_empty_vector() {
        let values = run::<Rt, _>(gather::<Rt, _>(Vec::<std::future::Ready<u8>>::new()));
        assert_eq!(values, Ok(Vec::new()));
        let values = run::<Rt, _>(gather_return_exceptions::<Rt, _>(Vec::<std::future::Ready<u8>>::new()));
        assert!(values.is_empty());
    }

    #[test]
    fn gather_first_error_completes_at_once_and_the_other_children_keep_running_test_one_exception() {
        let (outcome, survivor_finished) = run::<Rt, _>(async {
            let finished = Arc::new(AtomicBool::new(false));
            let (open, gate) = async_channel::bounded::<()>(1);
            let waiting = {
                let finished = Arc::clone(&finished);
                async move {
                    let _ = gate.recv().await;
                    finished.store(true, Ordering::SeqCst);
                    Ok(0)
                }
            };
            let failing = async { Err::<u8, _>("boom") };
            let children: Vec<BoxedChild> = vec![Box::pin(waiting), Box::pin(failing)];
            let outcome = try_gather::<Rt, _, _, _>(children).await;
            // The gather is done while the first child still waits: now let it finish.
            assert!(!finished.load(Ordering::SeqCst));
            drop(open);
            (outcome, eventually::<Rt>(&finished).await)
        });
        assert_eq!(outcome, Err(GatherError::Failed { index: 1, error: "boom" }));
        assert!(survivor_finished, "the other child was cancelled");
    }

    #[test]
    fn gather_reports_a_childs_panic_as_the_first_error() {
        quiet_expected_panics();
        let outcome = run::<Rt, _>(async {
            let children = (0..3).map(|i| async move {
                if i == 2 {
                    panic!("child {i} {EXPECTED}");
                }
                Rt::sleep(Duration::from_millis(10)).await;
                i
            });
            gather::<Rt, _>(children).await
        });
        let expected = JoinError::Panicked(format!("child 2 {EXPECTED}"));
        assert_eq!(outcome, Err(GatherError::Task { index: 2, error: expected }));
    }

    #[test]
    fn gathers_running_at_once_each_hear_only_their_own_childrens_failures() {
        let outcomes = run::<Rt, _>(async {
            // Each gather's first child waits for a gate that opens only after both gathers are done,
            // so each can complete only through the failure of a child further on, at its own index.
            let (open, gate) = async_channel::bounded::<()>(1);
            let gathers: Vec<_> = (0..2usize)
                .map(|g| {
                    // A filter: the gather cannot know how many children come before it has them all.
                    let children = (0..6usize).filter(|i| i % 2 == 0).map(|i| {
                        let gate = gate.clone();
                        async move {
                            if i == 0 {
                                let _ = gate.recv().await;
                            }
                            if i == 2 * (g + 1) {
                                return Err(format!("gather {g} child {i}"));
                            }
                            Ok(i)
                        }
                    });
                    try_gather::<Rt, _, _, _>(children)
                })
                .collect();
            let mut outcomes = Vec::new();
            for gather in gathers {
                outcomes.push(gather.await);
            }
            drop(open);
            outcomes
        });
        assert_eq!(
            outcomes,
            [
                Err(GatherError::Failed { index: 1, error: "gather 0 child 2".to_owned() }),
                Err(GatherError::Failed { index: 2, error: "gather 1 child 4".to_owned() }),
            ]
        );
    }

    #[test]
    fn gather_return_exceptions_gives_every_outcome_once_all_are_done_test_return_exceptions() {
        quiet_expected_panics();
        let (outcomes, elapsed) = run::<Rt, _>(async {
            let start = Instant::now();
            let children = (0..3u64).map(|i| async move {
                if i == 0 {
                    panic!("first {EXPECTED}");
                }
                Rt::sleep(Duration::from_millis(30 * i)).await;
                i
            });
            (gather_return_exceptions::<Rt, _>(children).await, start.elapsed())
        });
        assert_eq!(
            outcomes,
            vec![Err(JoinError::Panicked(format!("first {EXPECTED}"))), Ok(1), Ok(2)]
        );
        assert!(elapsed >= Duration::from_millis(60), "completed before the slowest child: {elapsed:?}");
    }

    #[test]
    fn cancelling_the_gather_cancels_every_child_test_cancellation_broadcast() {
        let all_dropped = run::<Rt, _>(async {
            let flags: Vec<_> = (0..3).map(|_| Arc::new(AtomicBool::new(false))).collect();
            let (started, has_started) = async_channel::unbounded();
            let children: Vec<_> = flags
                .iter()
                .map(|flag| {
                    let guard = SetOnDrop(Arc::clone(flag));
                    let started = started.clone();
                    async move {
                        let _guard = guard;
                        started.send(()).await.expect("the test waits");
                        std::future::pending::<()>().await
                    }
                })
                .collect();
            let outer = Rt::spawn(gather::<Rt, _>(children));
            for _ in 0..3 {
                has_started.recv().await.expect("every child starts");
            }
            assert_eq!(outer.cancel().await.err(), Some(JoinError::Cancelled));
            let mut all = true;
            for flag in &flags {
                all &= eventually::<Rt>(flag).await;
            }
            all
        });
        assert!(all_dropped, "a child of the cancelled gather kept running");
    }

    // ---- create_task / Task -------------------------------------------------------------------------

    #[test]
    fn a_task_gives_its_result_its_error_or_its_panic_when_awaited() {
        quiet_expected_panics();
        run::<Rt, _>(async {
            assert_eq!(create_task::<Rt, _>(async { "hello" }).await, Ok("hello"));
            let failed = create_task::<Rt, _>(async { Err::<(), _>("raised") }).await;
            assert_eq!(failed, Ok(Err("raised")));
            let panicked = create_task::<Rt, _>(async { panic!("raised {EXPECTED}") }).await;
            assert_eq!(panicked, Err::<(), _>(JoinError::Panicked(format!("raised {EXPECTED}"))));
        });
    }

    #[test]
    fn cancel_then_await_reports_cancelled_and_a_finished_task_keeps_its_result_test_cancel() {
        run::<Rt, _>(async {
            let task = create_task::<Rt, _>(async {
                Rt::sleep(Duration::from_secs(3600)).await;
                1
            });
            assert_eq!(task.cancel().await, Err(JoinError::Cancelled));

            let mut task = create_task::<Rt, _>(async { 2 });
            while !task.is_finished() {
                Rt::sleep(Duration::from_millis(1)).await;
            }
            assert_eq!(task.cancel().await, Ok(2));
        });
    }

    // ---- wait_for -----------------------------------------------------------------------------------

    #[test]
    fn wait_for_returns_a_result_that_arrives_before_the_deadline() {
        let outcome = run::<Rt, _>(wait_for::<Rt, _>(
            async {
                Rt::sleep(Duration::from_millis(5)).await;
                "in time"
            },
            Some(Duration::from_secs(30)),
        ));
        assert_eq!(outcome, Ok("in time"));
    }

    #[test]
    fn wait_for_times_out_after_dropping_the_future_test_wait_for() {
        let timeout = Duration::from_millis(20);
        let dropped = Arc::new(AtomicBool::new(false));
        let guard = SetOnDrop(Arc::clone(&dropped));
        let (outcome, elapsed, dropped_by_then) = run::<Rt, _>(async {
            let start = Instant::now();
            let slow = async move {
                let _guard = guard;
                Rt::sleep(Duration::from_secs(3600)).await;
            };
            let outcome = wait_for::<Rt, _>(slow, Some(timeout)).await;
            (outcome, start.elapsed(), dropped.load(Ordering::SeqCst))
        });
        assert_eq!(outcome, Err(TimeoutError { timeout }));
        assert!(elapsed >= timeout, "timed out early: {elapsed:?}");
        assert!(dropped_by_then, "the future was still alive when wait_for returned");
    }

    #[test]
    fn wait_for_task_returns_the_timeout_only_after_the_task_is_gone_test_wait_for_waits_for_task_cancellation() {
        let timeout = Duration::from_millis(20);
        let (outcome, dropped_by_then) = run::<Rt, _>(async {
            let dropped = Arc::new(AtomicBool::new(false));
            let guard = SetOnDrop(Arc::clone(&dropped));
            let task = Rt::spawn(async move {
                let _guard = guard;
                Rt::sleep(Duration::from_secs(3600)).await;
            });
            let outcome = wait_for_task::<Rt, _>(task, Some(timeout)).await;
            (outcome, dropped.load(Ordering::SeqCst))
        });
        assert_eq!(outcome, Err(TimeoutError { timeout }));
        assert!(dropped_by_then, "the task was still alive when wait_for_task returned");

        let outcome = run::<Rt, _>(async {
            let task = Rt::spawn(async { 3 });
            wait_for_task::<Rt, _>(task, Some(Duration::from_secs(30))).await
        });
        assert_eq!(outcome, Ok(Ok(3)));
    }

    #[test]
    fn wait_for_with_a_zero_timeout_never_starts_the_future_test_wait_for_timeout_less_then_0_or_0() {
        let started = Arc::new(AtomicBool::new(false));
        let outcome = run::<Rt, _>({
            let started = Arc::clone(&started);
            wait_for::<Rt, _>(
                async move {
                    started.store(true, Ordering::SeqCst);
                    "ready at once"
                },
                Some(Duration::ZERO),
            )
        });
        assert_eq!(outcome, Err(TimeoutError { timeout: Duration::ZERO }));
        assert!(!started.load(Ordering::SeqCst), "the coroutine was started");

        // A task given a zero timeout is cancelled before it runs, or keeps its result if it has finished.
        let outcome = run::<Rt, _>(async {
            let task = Rt::spawn(std::future::pending::<()>());
            wait_for_task::<Rt, _>(task, Some(Duration::ZERO)).await
        });
        assert_eq!(outcome, Err(TimeoutError { timeout: Duration::ZERO }));
    }

    #[test]
    fn wait_for_without_a_timeout_waits_until_done() {
        let outcome = run::<Rt, _>(wait_for::<Rt, _>(
            async {
                Rt::sleep(Duration::from_millis(30)).await;
                7
            },
            None,
        ));
        assert_eq!(outcome, Ok(7));
    }

    // ---- call_soon / call_later / call_at -----------------------------------------------------------

    #[test]
    fn call_later_never_runs_early_and_earlier_deadlines_run_first() {
        let (log, late_enough) = run::<Rt, _>(async {
            let log = Log::default();
            let lp = EventLoop::<Rt>::new();
            let start = lp.time();
            let ok = Arc::new(AtomicUsize::new(0));
            for ms in [30u64, 10, 20] {
                let (log, ok) = (log.clone(), Arc::clone(&ok));
                lp.call_later(Duration::from_millis(ms), move |lp| {
                    if lp.time() >= start + Duration::from_millis(ms) {
                        ok.fetch_add(1, Ordering::SeqCst);
                    }
                    log.push(format!("{ms} ms"));
                    if ms == 30 {
                        lp.stop();
                    }
                });
            }
            lp.run_forever().await;
            (log.lines(), ok.load(Ordering::SeqCst))
        });
        assert_eq!(log, ["10 ms", "20 ms", "30 ms"]);
        assert_eq!(late_enough, 3, "a callback ran before its deadline");
    }

    #[test]
    fn call_soon_runs_in_fifo_order_and_so_do_equal_deadlines() {
        let log = run::<Rt, _>(async {
            let log = Log::default();
            let lp = EventLoop::<Rt>::new();
            let when = lp.time() + Duration::from_millis(5);
            for i in 0..50 {
                let log = log.clone();
                lp.call_at(when, move |_| log.push(format!("at {i}")));
            }
            for i in 0..50 {
                let log = log.clone();
                lp.call_soon(move |_| log.push(format!("soon {i}")));
            }
            lp.call_at(when + Duration::from_millis(1), |lp| lp.stop());
            lp.run_forever().await;
            log.lines()
        });
        let expected: Vec<String> =
            (0..50).map(|i| format!("soon {i}")).chain((0..50).map(|i| format!("at {i}"))).collect();
        assert_eq!(log, expected);
    }

    #[test]
    fn a_cancelled_callback_never_runs() {
        let log = run::<Rt, _>(async {
            let log = Log::default();
            let lp = EventLoop::<Rt>::new();
            let l = log.clone();
            let later = lp.call_later(Duration::from_millis(5), move |_| l.push("later"));
            let l = log.clone();
            let soon = lp.call_soon(move |_| l.push("soon"));
            later.cancel();
            soon.cancel();
            assert!(later.cancelled() && soon.cancelled());
            lp.call_later(Duration::from_millis(20), |lp| lp.stop());
            lp.run_forever().await;
            log.lines()
        });
        assert!(log.is_empty(), "{log:?}");
    }

    #[test]
    fn callbacks_and_coroutines_interleave_until_stop() {
        // The seed program: a callback that re-arms itself every tick, beside a coroutine that stops the
        // loop after three of its own ticks.
        let log = run::<Rt, _>(async {
            let log = Log::default();
            let lp = EventLoop::<Rt>::new();
            fn tick<R: Runtime>(lp: &EventLoop<R>, i: u32, log: Log) {
                log.push(format!("{i} callback"));
                lp.call_later(Duration::from_millis(20), move |lp| tick(lp, i + 1, log));
            }
            let l = log.clone();
            lp.call_soon(move |lp| tick(lp, 0, l));
            let coroutine = Rt::spawn({
                let (lp, log) = (lp.clone(), log.clone());
                async move {
                    for i in 0..3 {
                        log.push(format!("{i} coroutine"));
                        Rt::sleep(Duration::from_millis(20)).await;
                    }
                    lp.stop();
                }
            });
            lp.run_forever().await;
            coroutine.await.expect("no panic");
            log.lines()
        });
        let coroutine_ticks = log.iter().filter(|line| line.ends_with("coroutine")).count();
        let callback_ticks = log.iter().filter(|line| line.ends_with("callback")).count();
        assert_eq!(coroutine_ticks, 3, "{log:?}");
        assert!(callback_ticks >= 2, "the callback did not keep ticking: {log:?}");
    }

    // ---- run_in_executor ----------------------------------------------------------------------------

    #[test]
    fn run_in_executor_returns_the_value_while_other_tasks_keep_running() {
        let (value, ticks_meanwhile) = run::<Rt, _>(async {
            let (ticks, ticker) = spawn_ticker::<Rt>();
            let value = run_in_executor::<Rt, _, _>(move || ("slept", block_until_ticks(&ticks, 3)))
                .await
                .expect("no panic");
            let _ = ticker.cancel().await;
            value
        });
        assert_eq!(value, "slept");
        assert!(ticks_meanwhile >= 3, "no task ran while the executor blocked");
    }

    // ---- async generators ---------------------------------------------------------------------------

    #[test]
    fn an_async_generator_runs_lazily_yielding_before_it_awaits() {
        let log = run::<Rt, _>(async {
            let log = Log::default();
            let l = log.clone();
            let stream = agen! {
                for i in 0..3 {
                    l.push(format!("yield {i}"));
                    yield i;
                    l.push(format!("resume after {i}"));
                    Rt::sleep(Duration::from_millis(1)).await;
                }
            };
            let mut stream = std::pin::pin!(stream);
            log.push("created");
            while let Some(i) = stream.next().await {
                log.push(format!("got {i}"));
            }
            log.lines()
        });
        assert_eq!(
            log,
            [
                "created", "yield 0", "got 0", "resume after 0", "yield 1", "got 1", "resume after 1", "yield 2",
                "got 2", "resume after 2",
            ]
        );
    }

    #[test]
    fn async_comprehensions_give_what_python_gives() {
        fn mygen<R: Runtime>(u: u32) -> impl rosetta_asyncio::Stream<Item = u64> {
            agen! {
                let mut i = 0;
                while i < u {
                    yield 2u64.pow(i);
                    i += 1;
                    R::sleep(Duration::from_millis(1)).await;
                }
            }
        }
        let (g, f) = run::<Rt, _>(async {
            let g: Vec<u64> = mygen::<Rt>(10).collect().await;
            let f: Vec<u64> = mygen::<Rt>(20).filter(|j| j / 3 % 5 == 0).collect().await;
            (g, f)
        });
        // python3 -c "print([2**i for i in range(10)]); print([j for j in (2**i for i in range(20)) if not (j // 3 % 5)])"
        assert_eq!(g, [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]);
        assert_eq!(f, [1, 2, 16, 32, 256, 512, 4096, 8192, 65536, 131072]);
    }

    // ---- async with ---------------------------------------------------------------------------------

    #[test]
    fn async_with_tears_down_after_the_body_completes_fails_or_panics() {
        quiet_expected_panics();
        let log = Log::default();
        let completed = run::<Rt, _>(async_with(Resource { log: log.clone(), fail_enter: false }, |value| async move {
            Rt::sleep(Duration::from_millis(1)).await;
            Ok::<_, String>(format!("used {value}"))
        }));
        assert_eq!(completed, Ok("used resource1".to_owned()));
        let failed = run::<Rt, _>(async_with(Resource { log: log.clone(), fail_enter: false }, |_| async {
            Err::<(), _>("body failed".to_owned())
        }));
        assert_eq!(failed, Err(WithError::Body("body failed".to_owned())));
        let resource = Resource { log: log.clone(), fail_enter: false };
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            run::<Rt, _>(async_with(resource, |_| async {
                Rt::sleep(Duration::from_millis(1)).await;
                if log_is_reachable() {
                    panic!("body panicked {EXPECTED}");
                }
                Ok::<(), String>(())
            }))
        }));
        assert!(panicked.is_err(), "the panic was swallowed");
        assert_eq!(
            log.lines(),
            [
                "aenter".to_owned(),
                "aexit Completed".to_owned(),
                "aenter".to_owned(),
                "aexit Failed(\"body failed\")".to_owned(),
                "aenter".to_owned(),
                format!("aexit Panicked(\"body panicked {EXPECTED}\")"),
            ]
        );
    }

    #[test]
    fn a_failed_aenter_runs_neither_the_body_nor_aexit() {
        let log = Log::default();
        let body_ran = Arc::new(AtomicBool::new(false));
        let ran = Arc::clone(&body_ran);
        let outcome = run::<Rt, _>(async_with(Resource { log: log.clone(), fail_enter: true }, |_| async move {
            ran.store(true, Ordering::SeqCst);
            Ok::<(), String>(())
        }));
        assert_eq!(outcome, Err(WithError::Enter("no resource".to_owned())));
        assert!(!body_ran.load(Ordering::SeqCst));
        assert_eq!(log.lines(), ["aenter"]);
    }
}

/// Always true; keeps the compiler from seeing the panic in a test body as unconditional.
fn log_is_reachable() -> bool {
    std::hint::black_box(true)
}
