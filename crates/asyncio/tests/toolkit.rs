//! Conformance of the toolkit: gather, create_task, shield, wait_for, call_soon/call_later and the
//! exception handler, run_in_executor, async generators and `async with`, each rule held to CPython's semantics and checked on every runtime.

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rosetta_asyncio::{
    AsyncContextManager, EventLoop, ExceptionContext, Exit, GatherError, JoinError, Runtime,
    StreamExt, TimeoutError, WithError, agen, async_with, create_task, gather,
    gather_return_exceptions, run_in_executor, shield, try_gather, wait_for, wait_for_task,
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
        // CPython: a, b, c; b gets 1, then a gets 2: the gather is not done; c gets 3: [2, 1, 3].
        let (done_before_c, values) = run::<Rt, _>(async {
            let gates: Vec<_> = (0..3).map(|_| async_channel::bounded::<u8>(1)).collect();
            let finished = Arc::new(AtomicUsize::new(0));
            let children = gates.iter().map(|(_, gate)| {
                let (gate, finished) = (gate.clone(), Arc::clone(&finished));
                async move {
                    let value = gate.recv().await.expect("the test sends the result");
                    finished.fetch_add(1, Ordering::SeqCst);
                    value
                }
            });
            let mut fut = create_task::<Rt, _>(gather::<Rt, _>(children));
            gates[1].0.send(1).await.expect("b waits");
            gates[0].0.send(2).await.expect("a waits");
            let mut waited = 0;
            while finished.load(Ordering::SeqCst) < 2 && waited < 30_000 {
                waited += 1;
                Rt::sleep(Duration::from_millis(1)).await;
            }
            let done_before_c = fut.is_finished();
            gates[2].0.send(3).await.expect("c waits");
            (done_before_c, fut.await.expect("no panic"))
        });
        assert!(!done_before_c, "the gather was done before its last child");
        assert_eq!(values, Ok(vec![2, 1, 3]));
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
        // CPython: a..e; a gets 1, b raises: the gather is done with b's exception. Then c gets 3 and
        // e raises too, which does nothing to the gather (d, cancelled there, just waits here).
        let (outcome, later_finished) = run::<Rt, _>(async {
            let (open, gate) = async_channel::bounded::<()>(1);
            let later = Arc::new(AtomicUsize::new(0));
            let after_gate = |result: Result<u8, &'static str>| -> BoxedChild {
                let (gate, later) = (gate.clone(), Arc::clone(&later));
                Box::pin(async move {
                    let _ = gate.recv().await;
                    later.fetch_add(1, Ordering::SeqCst);
                    result
                })
            };
            let children: Vec<BoxedChild> = vec![
                Box::pin(async { Ok(1) }),
                Box::pin(async { Err("zero division") }),
                after_gate(Ok(3)),
                Box::pin(std::future::pending()),
                after_gate(Err("runtime error")),
            ];
            let outcome = try_gather::<Rt, _, _, _>(children).await;
            // The gather is done while c and e still wait: now let them finish.
            assert_eq!(later.load(Ordering::SeqCst), 0);
            drop(open);
            let mut waited = 0;
            while later.load(Ordering::SeqCst) < 2 && waited < 30_000 {
                waited += 1;
                Rt::sleep(Duration::from_millis(1)).await;
            }
            (outcome, later.load(Ordering::SeqCst))
        });
        assert_eq!(outcome, Err(GatherError::Failed { index: 1, error: "zero division" }));
        assert_eq!(later_finished, 2, "the other children were cancelled");
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
    fn an_empty_gather_does_not_hide_the_failures_of_the_next_one() {
        // An empty gather made just before another, and dropped while that one runs, must not take the
        // other's registration with it: its child's failure would go unheard.
        let outcome = run::<Rt, _>(async {
            let empty = gather::<Rt, _>(Vec::<std::future::Ready<u8>>::new());
            let children: Vec<BoxedChild> = vec![Box::pin(async { Ok(1) }), Box::pin(async { Err("boom") })];
            let failing = try_gather::<Rt, _, _, _>(children);
            drop(empty);
            failing.await
        });
        assert_eq!(outcome, Err(GatherError::Failed { index: 1, error: "boom" }));
    }

    #[test]
    fn gather_return_exceptions_gives_every_outcome_once_all_are_done_test_return_exceptions() {
        // CPython: a..d; b gets 1, c raises, a gets 3: not done; d raises: [3, 1, exc, exc2].
        quiet_expected_panics();
        let (done_before_d, outcomes) = run::<Rt, _>(async {
            let gates: Vec<_> = (0..4).map(|_| async_channel::bounded::<()>(1)).collect();
            let finished = Arc::new(AtomicUsize::new(0));
            let children: Vec<_> = gates.iter().enumerate().map(|(i, (_, gate))| {
                let (gate, finished) = (gate.clone(), Arc::clone(&finished));
                async move {
                    let _ = gate.recv().await;
                    finished.fetch_add(1, Ordering::SeqCst);
                    match i {
                        0 => 3,
                        1 => 1,
                        2 => panic!("zero division {EXPECTED}"),
                        _ => panic!("runtime error {EXPECTED}"),
                    }
                }
            }).collect();
            let mut fut = create_task::<Rt, _>(gather_return_exceptions::<Rt, _>(children));
            for i in [1, 2, 0] {
                gates[i].0.send(()).await.expect("the child waits");
            }
            let mut waited = 0;
            while finished.load(Ordering::SeqCst) < 3 && waited < 30_000 {
                waited += 1;
                Rt::sleep(Duration::from_millis(1)).await;
            }
            let done_before_d = fut.is_finished();
            gates[3].0.send(()).await.expect("d waits");
            (done_before_d, fut.await.expect("no panic"))
        });
        assert!(!done_before_d, "the gather was done before its last child");
        assert_eq!(
            outcomes,
            vec![
                Ok(3),
                Ok(1),
                Err(JoinError::Panicked(format!("zero division {EXPECTED}"))),
                Err(JoinError::Panicked(format!("runtime error {EXPECTED}"))),
            ]
        );
    }

    #[test]
    fn cancelling_the_task_awaiting_a_gather_cancels_the_tasks_gathered_test_cancellation_broadcast() {
        // CPython: child1 and child2 are tasks awaiting a waiter; outer() gathers them; after one turn
        // outer is cancelled, and so are the gatherer, both children and what they await.
        let (outer, children_stopped, proof) = run::<Rt, _>(async {
            let proof = Arc::new(AtomicUsize::new(0));
            let (release, waiter) = async_channel::bounded::<()>(1);
            let stopped: Vec<_> = (0..2).map(|_| Arc::new(AtomicBool::new(false))).collect();
            let inner = |stopped: &Arc<AtomicBool>| {
                let (waiter, proof, guard) = (waiter.clone(), Arc::clone(&proof), SetOnDrop(Arc::clone(stopped)));
                async move {
                    let _guard = guard;
                    let _ = waiter.recv().await;
                    proof.fetch_add(1, Ordering::SeqCst);
                }
            };
            let child1 = create_task::<Rt, _>(inner(&stopped[0]));
            let child2 = create_task::<Rt, _>(inner(&stopped[1]));
            let (gathering, has_gathered) = async_channel::bounded(1);
            let f = create_task::<Rt, _>({
                let proof = Arc::clone(&proof);
                async move {
                    let gatherer = gather::<Rt, _>(vec![child1, child2]);
                    gathering.send(()).await.expect("the test waits");
                    let _ = gatherer.await;
                    proof.fetch_add(100, Ordering::SeqCst);
                }
            });
            // `run_briefly`: outer has made its gatherer.
            has_gathered.recv().await.expect("outer starts");
            let outer = f.cancel().await;
            let mut all = true;
            for flag in &stopped {
                all &= eventually::<Rt>(flag).await;
            }
            // Were a child still waiting, this would let it count.
            drop(release);
            Rt::sleep(Duration::from_millis(20)).await;
            (outer, all, proof.load(Ordering::SeqCst))
        });
        assert_eq!(outer, Err(JoinError::Cancelled));
        assert!(children_stopped, "a task given to the cancelled gather kept running");
        assert_eq!(proof, 0);
    }

    #[test]
    fn a_gathers_own_children_are_cancelled_with_it() {
        // The same for coroutines the gather made into tasks itself.
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

    #[test]
    fn a_gather_dropped_before_its_children_ran_still_cancels_the_tasks_it_was_given() {
        // asyncio's gather attaches to its tasks when it is made: cancelled in the same turn, before any
        // child ran, it still cancels them. Both kinds of gather, made and dropped without a suspension.
        let stopped = run::<Rt, _>(async {
            let flags: Vec<_> = (0..2).map(|_| Arc::new(AtomicBool::new(false))).collect();
            let task = |flag: &Arc<AtomicBool>| {
                let guard = SetOnDrop(Arc::clone(flag));
                create_task::<Rt, _>(async move {
                    let _guard = guard;
                    Rt::sleep(Duration::from_secs(3600)).await;
                })
            };
            drop(gather::<Rt, _>(vec![task(&flags[0])]));
            drop(gather_return_exceptions::<Rt, _>(vec![task(&flags[1])]));
            (eventually::<Rt>(&flags[0]).await, eventually::<Rt>(&flags[1]).await)
        });
        assert_eq!(stopped, (true, true), "a task given to a dropped gather kept running");
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
    fn cancel_then_await_reports_cancelled_test_cancel() {
        // CPython: the task sleeps 10 s; `loop.call_soon(t.cancel)`, i.e. once it has had its first
        // step; awaiting it raises CancelledError.
        let outcome = run::<Rt, _>(async {
            let t = create_task::<Rt, _>(async {
                Rt::sleep(Duration::from_secs(10)).await;
                12
            });
            Rt::yield_now().await;
            t.cancel().await
        });
        assert_eq!(outcome, Err(JoinError::Cancelled));
    }

    #[test]
    fn cancelling_a_finished_task_keeps_its_result() {
        let outcome = run::<Rt, _>(async {
            let mut task = create_task::<Rt, _>(async { 2 });
            while !task.is_finished() {
                Rt::sleep(Duration::from_millis(1)).await;
            }
            task.cancel().await
        });
        assert_eq!(outcome, Ok(2));
    }

    #[test]
    fn a_task_cancelled_while_it_awaits_a_task_cancels_that_task_test_cancel_awaited_task() {
        // CPython: coro() makes a nested task, lets it start, cancels itself, then awaits the nested
        // task, "which should be immediately cancelled".
        let (task, nested_stopped, resumed) = run::<Rt, _>(async {
            let stopped = Arc::new(AtomicBool::new(false));
            let resumed = Arc::new(AtomicBool::new(false));
            let (give, own) = async_channel::bounded::<rosetta_asyncio::Task<Rt, ()>>(1);
            let (back, returned) = async_channel::bounded(1);
            let task = create_task::<Rt, _>({
                let (guard, resumed) = (SetOnDrop(Arc::clone(&stopped)), Arc::clone(&resumed));
                async move {
                    let nested = create_task::<Rt, _>(async move {
                        let _guard = guard;
                        std::future::pending::<()>().await
                    });
                    Rt::yield_now().await;
                    // `task.cancel()`, from inside the task, then hand the handle back to be awaited.
                    let mut me = own.recv().await.expect("the test sends the handle");
                    me.abort();
                    back.try_send(me).expect("room for the handle");
                    let _ = nested.await;
                    resumed.store(true, Ordering::SeqCst);
                }
            });
            give.send(task).await.expect("the task waits for its handle");
            let task = returned.recv().await.expect("the task hands its handle back").await;
            (task, eventually::<Rt>(&stopped).await, resumed.load(Ordering::SeqCst))
        });
        assert_eq!(task, Err(JoinError::Cancelled));
        assert!(nested_stopped, "the nested task was not cancelled with the task awaiting it");
        assert!(!resumed);
    }

    // ---- shield -------------------------------------------------------------------------------------

    #[test]
    fn cancelling_the_task_awaiting_a_shield_leaves_the_inner_work_running_test_shield_effect() {
        // CPython: outer() awaits shield(inner()); outer is cancelled after one turn; inner, released
        // later, still counts 1, and outer never counts its 100.
        let (outer, proof) = run::<Rt, _>(async {
            let proof = Arc::new(AtomicUsize::new(0));
            let (release, waiter) = async_channel::bounded::<()>(1);
            let (shielding, is_shielding) = async_channel::bounded(1);
            let f = create_task::<Rt, _>({
                let proof = Arc::clone(&proof);
                async move {
                    let inner = {
                        let proof = Arc::clone(&proof);
                        async move {
                            let _ = waiter.recv().await;
                            proof.fetch_add(1, Ordering::SeqCst);
                        }
                    };
                    let shielded = shield::<Rt, _>(inner);
                    shielding.send(()).await.expect("the test waits");
                    let _ = shielded.await;
                    proof.fetch_add(100, Ordering::SeqCst);
                }
            });
            is_shielding.recv().await.expect("outer starts");
            let outer = f.cancel().await;
            release.send(()).await.expect("the inner work still waits");
            let mut waited = 0;
            while proof.load(Ordering::SeqCst) == 0 && waited < 30_000 {
                waited += 1;
                Rt::sleep(Duration::from_millis(1)).await;
            }
            Rt::sleep(Duration::from_millis(10)).await;
            (outer, proof.load(Ordering::SeqCst))
        });
        assert_eq!(outer, Err(JoinError::Cancelled));
        assert_eq!(proof, 1);
    }

    #[test]
    fn a_shield_gives_the_inner_result_test_shield_result() {
        quiet_expected_panics();
        let (value, panicked) = run::<Rt, _>(async {
            let value = shield::<Rt, _>(async { 42 }).await;
            let panicked = shield::<Rt, _>(async {
                if log_is_reachable() {
                    panic!("inner {EXPECTED}");
                }
            })
            .await;
            (value, panicked)
        });
        assert_eq!(value, Ok(42));
        assert_eq!(panicked, Err(JoinError::Panicked(format!("inner {EXPECTED}"))));
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
    fn wait_for_times_out_after_dropping_the_future() {
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
    fn wait_for_on_a_task_cancels_it_at_the_timeout_test_wait_for() {
        // CPython: `fut = create_task(foo())`, `wait_for(fut, 0.1)` times out, and the task is cancelled.
        let timeout = Duration::from_millis(100);
        let (outcome, elapsed, stopped, finished) = run::<Rt, _>(async {
            let stopped = Arc::new(AtomicBool::new(false));
            let finished = Arc::new(AtomicBool::new(false));
            let fut = create_task::<Rt, _>({
                let (guard, finished) = (SetOnDrop(Arc::clone(&stopped)), Arc::clone(&finished));
                async move {
                    let _foo_running = guard;
                    Rt::sleep(Duration::from_secs(3600)).await;
                    finished.store(true, Ordering::SeqCst);
                    "done"
                }
            });
            let start = Instant::now();
            let outcome = wait_for::<Rt, _>(fut, Some(timeout)).await;
            let elapsed = start.elapsed();
            (outcome, elapsed, eventually::<Rt>(&stopped).await, finished.load(Ordering::SeqCst))
        });
        assert_eq!(outcome, Err(TimeoutError { timeout }));
        assert!(elapsed >= timeout, "timed out early: {elapsed:?}");
        assert!(stopped, "the task given to wait_for kept running after its timeout");
        assert!(!finished);
    }

    #[test]
    fn wait_for_task_returns_the_timeout_only_after_the_task_is_gone_test_wait_for_waits_for_task_cancellation() {
        let timeout = Duration::from_millis(20);
        let (outcome, dropped_by_then) = run::<Rt, _>(async {
            let dropped = Arc::new(AtomicBool::new(false));
            let guard = SetOnDrop(Arc::clone(&dropped));
            let inner_task = create_task::<Rt, _>(async move {
                let _task_done = guard;
                Rt::sleep(Duration::from_secs(10)).await;
            });
            let outcome = wait_for_task::<Rt, _>(inner_task, Some(timeout)).await;
            (outcome, dropped.load(Ordering::SeqCst))
        });
        assert_eq!(outcome, Err(TimeoutError { timeout }));
        assert!(dropped_by_then, "the task was still alive when wait_for_task returned");

        let outcome = run::<Rt, _>(async {
            let task = create_task::<Rt, _>(async { 3 });
            wait_for_task::<Rt, _>(task, Some(Duration::from_secs(30))).await
        });
        assert_eq!(outcome, Ok(Ok(3)));
    }

    #[test]
    fn wait_for_with_a_zero_timeout_never_starts_a_coroutine_test_wait_for_timeout_less_then_0_or_0_coroutine_do_not_started() {
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
    }

    #[test]
    fn wait_for_with_a_zero_timeout_cancels_a_running_task_test_wait_for_timeout_less_then_0_or_0() {
        // CPython: the task has started (it set `started`) and sleeps; wait_for(fut, 0) times out and
        // the task is cancelled, its `finally` run, by the time wait_for returns.
        let (outcome, stopped_by_then) = run::<Rt, _>(async {
            let stopped = Arc::new(AtomicBool::new(false));
            let (started, has_started) = async_channel::bounded(1);
            let fut = create_task::<Rt, _>({
                let guard = SetOnDrop(Arc::clone(&stopped));
                async move {
                    let _foo_running = guard;
                    started.send(()).await.expect("the test waits");
                    Rt::sleep(Duration::from_secs(10)).await;
                    "done"
                }
            });
            has_started.recv().await.expect("the task starts");
            let outcome = wait_for_task::<Rt, _>(fut, Some(Duration::ZERO)).await;
            (outcome, stopped.load(Ordering::SeqCst))
        });
        assert_eq!(outcome, Err(TimeoutError { timeout: Duration::ZERO }));
        assert!(stopped_by_then, "the task was still running when wait_for returned");
    }

    #[test]
    fn wait_for_with_a_zero_timeout_cancels_a_task_it_was_given() {
        // `wait_for` cannot poll what it was given without starting a coroutine; a task's handle is
        // dropped unpolled, and cancels its task all the same.
        let (outcome, stopped) = run::<Rt, _>(async {
            let stopped = Arc::new(AtomicBool::new(false));
            let guard = SetOnDrop(Arc::clone(&stopped));
            let fut = create_task::<Rt, _>(async move {
                let _guard = guard;
                Rt::sleep(Duration::from_secs(3600)).await;
            });
            let outcome = wait_for::<Rt, _>(fut, Some(Duration::ZERO)).await;
            (outcome, eventually::<Rt>(&stopped).await)
        });
        assert_eq!(outcome, Err(TimeoutError { timeout: Duration::ZERO }));
        assert!(stopped, "the task given to wait_for with a zero timeout kept running");
    }

    #[test]
    fn wait_for_with_a_zero_timeout_returns_a_done_tasks_result_test_wait_for_timeout_less_then_0_or_0_future_done() {
        let outcome = run::<Rt, _>(async {
            let mut fut = create_task::<Rt, _>(async { "done" });
            let mut waited = 0;
            while !fut.is_finished() {
                assert!(waited < 60_000, "the task never finished");
                waited += 1;
                Rt::sleep(Duration::from_millis(1)).await;
            }
            wait_for_task::<Rt, _>(fut, Some(Duration::ZERO)).await
        });
        assert_eq!(outcome, Ok(Ok("done")));
    }

    #[test]
    fn wait_for_with_a_deadline_already_past_times_out_at_the_first_suspension() {
        // CPython 3.12 and 3.13 (3.11 returned "value" for `once`):
        // python3 -c 'import asyncio
        // async def once(): await asyncio.sleep(0); return "value"
        // async def none(): return "value"
        // async def main():
        //   for c in (none, once):
        //     try: print(await asyncio.wait_for(c(), 1e-9))
        //     except TimeoutError: print("timeout")
        // asyncio.run(main())'   # prints: value, timeout
        let tiny = Duration::from_nanos(1);
        let (none, once) = run::<Rt, _>(async move {
            let none = wait_for::<Rt, _>(async { "value" }, Some(tiny)).await;
            let once = wait_for::<Rt, _>(
                async {
                    Rt::yield_now().await;
                    "value"
                },
                Some(tiny),
            )
            .await;
            (none, once)
        });
        assert_eq!(none, Ok("value"));
        assert_eq!(once, Err(TimeoutError { timeout: tiny }));
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

    #[test]
    fn a_panicking_callback_goes_to_the_handler_and_the_loop_runs_on_test_set_exc_handler_custom() {
        quiet_expected_panics();
        let (log, contexts) = run::<Rt, _>(async {
            let log = Log::default();
            let contexts = Arc::new(Mutex::new(Vec::new()));
            let lp = EventLoop::<Rt>::new();
            assert!(lp.exception_handler().is_none());
            let seen = Arc::clone(&contexts);
            lp.set_exception_handler(Some(Arc::new(move |_: &EventLoop<Rt>, context: &ExceptionContext| {
                seen.lock().unwrap().push(context.clone());
            })));
            assert!(lp.exception_handler().is_some());
            fn zero_error<R: Runtime>(_: &EventLoop<R>) {
                if log_is_reachable() {
                    panic!("division by zero {EXPECTED}");
                }
            }
            lp.call_soon(zero_error::<Rt>);
            let l = log.clone();
            lp.call_soon(move |_| l.push("B, same turn"));
            let l = log.clone();
            lp.call_later(Duration::from_millis(10), move |lp| {
                l.push("later turn");
                lp.stop();
            });
            lp.run_forever().await;
            // Back to the default handler; the loop still runs after a failure there too.
            lp.set_exception_handler(None);
            assert!(lp.exception_handler().is_none());
            lp.call_soon(zero_error::<Rt>);
            let l = log.clone();
            lp.call_soon(move |lp| {
                l.push("after default");
                lp.stop();
            });
            lp.run_forever().await;
            let contexts = contexts.lock().unwrap().clone();
            (log.lines(), contexts)
        });
        assert_eq!(log, ["B, same turn", "later turn", "after default"]);
        assert_eq!(contexts.len(), 1, "{contexts:?}");
        assert!(contexts[0].message.starts_with("Exception in callback "), "{:?}", contexts[0].message);
        assert!(contexts[0].message.contains("zero_error"), "{:?}", contexts[0].message);
        assert_eq!(contexts[0].exception, format!("division by zero {EXPECTED}"));
    }

    #[test]
    fn a_failing_callback_does_not_stop_the_loop_test_default_exc_handler_callback() {
        // CPython: `zero_error(fut)` sets fut's result, then raises; fut's done callback stops the loop.
        // Once with call_soon, once with call_later; each time run_forever goes on to the stop.
        quiet_expected_panics();
        let stops = run::<Rt, _>(async {
            let lp = EventLoop::<Rt>::new();
            let stops = Arc::new(AtomicUsize::new(0));
            let zero_error = |stops: Arc<AtomicUsize>| {
                move |lp: &EventLoop<Rt>| {
                    // `fut.set_result(True)`: schedules the done callback, which stops the loop.
                    lp.call_soon(move |lp| {
                        stops.fetch_add(1, Ordering::SeqCst);
                        lp.stop();
                    });
                    if log_is_reachable() {
                        panic!("division by zero {EXPECTED}");
                    }
                }
            };
            lp.call_soon(zero_error(Arc::clone(&stops)));
            lp.run_forever().await;
            lp.call_later(Duration::from_millis(10), zero_error(Arc::clone(&stops)));
            lp.run_forever().await;
            stops.load(Ordering::SeqCst)
        });
        assert_eq!(stops, 2);
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

    #[test]
    fn cancelling_run_in_executor_gives_cancelled_at_once_and_drops_the_value_test_run_in_executor_cancel() {
        // CPython: the closure sleeps; `f2.cancel()` at once; the loop closes; the thread's result is
        // never delivered. Here the closure cannot end before the cancel has returned.
        let value_dropped = Arc::new(AtomicBool::new(false));
        let ended = Arc::new(AtomicBool::new(false));
        let outcome = run::<Rt, _>({
            let (value_dropped, ended) = (Arc::clone(&value_dropped), Arc::clone(&ended));
            async move {
                let (open, gate) = std::sync::mpsc::channel::<()>();
                let (started, has_started) = async_channel::bounded(1);
                let f2 = run_in_executor::<Rt, _, _>(move || {
                    started.send_blocking(()).expect("the test waits");
                    let _ = gate.recv_timeout(Duration::from_secs(60));
                    ended.store(true, Ordering::SeqCst);
                    SetOnDrop(value_dropped)
                });
                has_started.recv().await.expect("the closure starts");
                let outcome = f2.cancel().await.map(|_| ());
                // Opened only now (tokio's close would wait for the closure).
                drop(open);
                outcome
            }
        });
        assert_eq!(outcome, Err(JoinError::Cancelled));
        let give_up = Instant::now() + Duration::from_secs(60);
        while !value_dropped.load(Ordering::SeqCst) && Instant::now() < give_up {
            std::thread::sleep(Duration::from_millis(1));
        }
        assert!(ended.load(Ordering::SeqCst), "the closure was stopped");
        assert!(value_dropped.load(Ordering::SeqCst), "the closure's value was kept");
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
    fn an_aexit_failure_replaces_the_bodys_error_or_panic_test_with_10() {
        // CPython: `__aexit__` raises ZeroDivisionError while the body raised RuntimeError: the
        // ZeroDivisionError propagates (the RuntimeError only as its `__context__`).
        quiet_expected_panics();
        let failed = run::<Rt, _>(async_with(FailingExit, |_| async { Err::<(), _>("runtime error".to_owned()) }));
        assert_eq!(failed, Err(WithError::Exit("zero division".to_owned())));
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            run::<Rt, _>(async_with(FailingExit, |_| async {
                if log_is_reachable() {
                    panic!("runtime error {EXPECTED}");
                }
                Ok::<(), String>(())
            }))
        }));
        assert_eq!(panicked.ok(), Some(Err(WithError::Exit("zero division".to_owned()))));
        let completed = run::<Rt, _>(async_with(FailingExit, |_| async { Ok::<_, String>(1) }));
        assert_eq!(completed, Err(WithError::Exit("zero division".to_owned())));
    }

    #[test]
    fn async_with_cancelled_body_drops_the_manager_without_aexit() {
        // A documented difference: CPython awaits `__aexit__` with CancelledError; a dropped future can
        // await nothing, so the manager is dropped instead, and its `Drop` is where such teardown goes.
        let log = Log::default();
        let dropped = Arc::new(AtomicBool::new(false));
        let outcome = run::<Rt, _>({
            let (log, dropped) = (log.clone(), Arc::clone(&dropped));
            async move {
                let (inside, is_inside) = async_channel::bounded(1);
                let task = create_task::<Rt, _>(async move {
                    let manager = Guarded { resource: Resource { log, fail_enter: false }, _dropped: SetOnDrop(dropped) };
                    async_with(manager, |_| async move {
                        inside.send(()).await.expect("the test waits");
                        Rt::sleep(Duration::from_secs(3600)).await;
                        Ok::<(), String>(())
                    })
                    .await
                });
                is_inside.recv().await.expect("the body starts");
                task.cancel().await
            }
        });
        assert_eq!(outcome, Err(JoinError::Cancelled));
        assert_eq!(log.lines(), ["aenter"], "aexit ran, or aenter did not");
        assert!(dropped.load(Ordering::SeqCst), "the manager was not dropped");
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

/// A context manager whose `__aexit__` always raises (CPython's `test_with_10`).
struct FailingExit;

impl AsyncContextManager for FailingExit {
    type Value = ();
    type Error = String;

    async fn aenter(&mut self) -> Result<(), String> {
        Ok(())
    }

    async fn aexit(&mut self, _exit: Exit<'_>) -> Result<(), String> {
        Err("zero division".into())
    }
}

/// A [`Resource`] that also shows when it is dropped.
struct Guarded {
    resource: Resource,
    _dropped: SetOnDrop,
}

impl AsyncContextManager for Guarded {
    type Value = &'static str;
    type Error = String;

    async fn aenter(&mut self) -> Result<&'static str, String> {
        self.resource.aenter().await
    }

    async fn aexit(&mut self, exit: Exit<'_>) -> Result<(), String> {
        self.resource.aexit(exit).await
    }
}

/// Always true; keeps the compiler from seeing the panic in a test body as unconditional.
fn log_is_reachable() -> bool {
    std::hint::black_box(true)
}
