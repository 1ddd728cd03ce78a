//! Conformance of the rest of asyncio's vocabulary: TaskGroup, timeout and timeout_at, wait,
//! as_completed, Future, to_thread, sleep with a result, and shield with gathers, each rule named after
//! the CPython test it mirrors (`test_taskgroups.py`, `test_timeouts.py`, `test_tasks.py`,
//! `test_futures.py`, `test_threads.py`) and checked on every runtime.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rosetta_asyncio::future::{FutureError, InvalidStateError};
use rosetta_asyncio::{
    ExceptionGroup, Failure, JoinError, ReturnWhen, Runtime, StreamExt, TaskGroup, TaskGroupClosed,
    TimeoutError, TimeoutExpired, as_completed, create_task, gather, shield, sleep, task_group,
    timeout, timeout_at, to_thread, try_wait, wait,
};
use rosetta_runtimes::conformance;
use rosetta_runtimes::testing::{
    EXPECTED, SetOnDrop, block_until_ticks, eventually, quiet_expected_panics, run, spawn_ticker,
};

/// `asyncio.Future`, under a name that does not hide `std::future::Future`.
type PyFuture<T, E> = rosetta_asyncio::future::Future<T, E>;

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

/// Counts up when dropped: shows how many futures of a kind were dropped (cancelled).
struct CountOnDrop(Arc<AtomicUsize>);

impl Drop for CountOnDrop {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// Waits on `R`'s clock, 30 s at most, until `count` reaches `target`; says whether it did.
async fn eventually_count<R: Runtime>(count: &AtomicUsize, target: usize) -> bool {
    for _ in 0..30_000 {
        if count.load(Ordering::SeqCst) >= target {
            return true;
        }
        R::sleep(Duration::from_millis(1)).await;
    }
    false
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// The error of every failure in a group, children's and body's alike.
fn errors<E: Clone>(group: &ExceptionGroup<E>) -> Vec<E> {
    group
        .failures
        .iter()
        .filter_map(|failure| match failure {
            Failure::Body(error) | Failure::Failed { error, .. } => Some(error.clone()),
            Failure::Panicked { .. } => None,
        })
        .collect()
}

conformance! {
    // ---- TaskGroup ----------------------------------------------------------------------------------

    #[test]
    fn task_group_children_run_concurrently_and_leaving_waits_for_all_test_taskgroup_01() {
        // CPython: foo1 sleeps 0.1 s and returns 42, foo2 sleeps 0.2 s and returns 11; after the block
        // both results are there.
        let log = Log::default();
        let (outcome, elapsed) = run::<Rt, _>({
            let log = log.clone();
            async move {
                let start = Instant::now();
                let outcome = task_group::<Rt, u32, &str, _, _, _>(|g| async move {
                    for (delay, value) in [(100, 42), (200, 11)] {
                        let log = log.clone();
                        g.create_task(async move {
                            log.push(format!("start {value}"));
                            Rt::sleep(ms(delay)).await;
                            log.push(format!("end {value}"));
                            Ok(value)
                        })
                        .expect("the group is open");
                    }
                    Ok(())
                })
                .await;
                (outcome, start.elapsed())
            }
        });
        assert_eq!(outcome, Ok(((), vec![42, 11])));
        let lines = log.lines();
        assert_eq!(lines.len(), 4, "{lines:?}");
        assert!(lines[..2].iter().all(|line| line.starts_with("start")), "not concurrent: {lines:?}");
        assert!(elapsed >= ms(200), "left the group after {elapsed:?}, before foo2 finished");
    }

    #[test]
    fn task_group_waits_for_a_child_started_late_test_taskgroup_02() {
        // CPython: foo1 started, the body sleeps 0.15 s, then starts foo2 (0.2 s): leaving waits for it.
        let (outcome, elapsed) = run::<Rt, _>(async {
            let start = Instant::now();
            let outcome = task_group::<Rt, u32, &str, _, _, _>(|g| async move {
                g.create_task(sleep::<Rt, _>(ms(100), Ok(42))).expect("open");
                Rt::sleep(ms(150)).await;
                g.create_task(sleep::<Rt, _>(ms(200), Ok(11))).expect("open");
                Ok("body")
            })
            .await;
            (outcome, start.elapsed())
        });
        assert_eq!(outcome, Ok(("body", vec![42, 11])));
        assert!(elapsed >= ms(350), "left the group after {elapsed:?}, before foo2 finished");
    }

    #[test]
    fn task_group_first_failure_cancels_the_others_and_the_body_test_cancel_children_on_child_error() {
        // CPython: three foo1 fail after 0.1 s, foo2 sleeps 5 s, the body sleeps 10 s: foo2 and the body
        // are cancelled, and the group raises only ZeroDivisionErrors.
        let num = Arc::new(AtomicUsize::new(0));
        let t2_cancel = Arc::new(AtomicBool::new(false));
        let runner_cancel = Arc::new(AtomicBool::new(false));
        let outcome = run::<Rt, _>({
            let (num, t2_cancel, runner_cancel) =
                (Arc::clone(&num), Arc::clone(&t2_cancel), Arc::clone(&runner_cancel));
            async move {
                let runner = create_task::<Rt, _>(async move {
                    let num2 = Arc::clone(&num);
                    let outcome = task_group::<Rt, (), &str, _, _, _>(|g| async move {
                        for _ in 0..3 {
                            g.create_task(async {
                                Rt::sleep(ms(100)).await;
                                Err("zero division")
                            })
                            .expect("open");
                        }
                        g.create_task(async move {
                            let _cancelled = SetOnDrop(t2_cancel);
                            Rt::sleep(Duration::from_secs(5)).await;
                            num2.fetch_add(1, Ordering::SeqCst);
                            Ok(())
                        })
                        .expect("open");
                        let _cancelled = SetOnDrop(runner_cancel);
                        Rt::sleep(Duration::from_secs(10)).await;
                        Ok(())
                    })
                    .await;
                    if outcome.is_ok() {
                        num.fetch_add(10, Ordering::SeqCst);
                    }
                    outcome
                });
                runner.await.expect("the runner does not panic")
            }
        });
        let group = outcome.expect_err("the group fails");
        let errors = errors(&group);
        assert!((1..=3).contains(&errors.len()), "{group:?}");
        assert!(errors.iter().all(|error| *error == "zero division"), "{group:?}");
        assert_eq!(num.load(Ordering::SeqCst), 0);
        assert!(t2_cancel.load(Ordering::SeqCst), "foo2 was not cancelled");
        assert!(runner_cancel.load(Ordering::SeqCst), "the body was not cancelled");
    }

    #[test]
    fn task_group_raises_every_failure_together_a_panic_and_the_bodys_error_test_taskgroup_04() {
        // CPython's ExceptionGroup carries each failure; here a child's panic is one, with its index.
        quiet_expected_panics();
        let outcome = run::<Rt, _>(task_group::<Rt, (), &str, _, _, _>(|g| async move {
            g.create_task(async {
                Rt::sleep(ms(10)).await;
                panic!("{EXPECTED} division by zero")
            })
            .expect("open");
            Rt::sleep(Duration::from_secs(10)).await;
            Ok(())
        }));
        let group = outcome.expect_err("the group fails");
        assert!(
            matches!(&group.failures[..], [Failure::Panicked { index: 0, message }] if message.contains("division by zero")),
            "{group:?}"
        );
        // A body that fails joins the group's failures, and cancels the children.
        let finished = Arc::new(AtomicBool::new(false));
        let outcome = run::<Rt, _>({
            let finished = Arc::clone(&finished);
            task_group::<Rt, (), &str, _, _, _>(|g| async move {
                g.create_task(async move {
                    Rt::sleep(Duration::from_secs(10)).await;
                    finished.store(true, Ordering::SeqCst);
                    Ok(())
                })
                .expect("open");
                Rt::sleep(ms(10)).await;
                Err::<(), _>("body failed")
            })
        });
        assert_eq!(outcome, Err(ExceptionGroup { failures: vec![Failure::Body("body failed")] }));
        assert!(!finished.load(Ordering::SeqCst), "the body's failure did not cancel the child");
    }

    #[test]
    fn cancelling_the_task_that_owns_a_group_cancels_its_children_test_taskgroup_07() {
        // CPython: five children sleep 5 s, the body 10 s; the runner is cancelled after 0.1 s: all
        // five children and the body see the cancellation (NUM == 15).
        let children = Arc::new(AtomicUsize::new(0));
        let finished = Arc::new(AtomicUsize::new(0));
        let body = Arc::new(AtomicBool::new(false));
        let (done_before, outcome, all_cancelled) = run::<Rt, _>({
            let (children, body) = (Arc::clone(&children), Arc::clone(&body));
            let finished = Arc::clone(&finished);
            async move {
                let counted = Arc::clone(&children);
                let mut runner = create_task::<Rt, _>(task_group::<Rt, (), (), _, _, _>(
                    move |g| async move {
                        for _ in 0..5 {
                            let cancelled = CountOnDrop(Arc::clone(&counted));
                            let finished = Arc::clone(&finished);
                            g.create_task(async move {
                                let _cancelled = cancelled;
                                Rt::sleep(Duration::from_secs(5)).await;
                                finished.fetch_add(1, Ordering::SeqCst);
                                Ok(())
                            })
                            .expect("open");
                        }
                        let _cancelled = SetOnDrop(body);
                        Rt::sleep(Duration::from_secs(10)).await;
                        Ok(())
                    },
                ));
                Rt::sleep(ms(100)).await;
                let done_before = runner.is_finished();
                let outcome = runner.cancel().await;
                (done_before, outcome, eventually_count::<Rt>(&children, 5).await)
            }
        });
        assert!(!done_before);
        assert_eq!(outcome.map(|_| ()), Err(JoinError::Cancelled));
        assert!(all_cancelled, "only {} of 5 children were cancelled", children.load(Ordering::SeqCst));
        assert_eq!(finished.load(Ordering::SeqCst), 0, "a child ran to its end");
        assert!(body.load(Ordering::SeqCst));
    }

    #[test]
    fn a_group_starts_no_task_once_shutting_down_test_taskgroup_no_create_task_after_failure() {
        // CPython: coro1 fails after 1 ms; coro2, cancelled, tries create_task in its `except
        // CancelledError` and gets RuntimeError. Here a cancelled future's `except` is its drop.
        struct TryOnCancel(TaskGroup<Rt, (), &'static str>, Arc<Mutex<Option<Result<usize, TaskGroupClosed>>>>);
        impl Drop for TryOnCancel {
            fn drop(&mut self) {
                let attempt = self.0.create_task(async { Err("never runs") });
                *self.1.lock().unwrap() = Some(attempt);
            }
        }
        let attempt = Arc::new(Mutex::new(None));
        let outcome = run::<Rt, _>({
            let attempt = Arc::clone(&attempt);
            task_group::<Rt, (), &str, _, _, _>(|g| async move {
                g.create_task(async {
                    Rt::sleep(ms(1)).await;
                    Err("zero division")
                })
                .expect("open");
                let on_cancel = TryOnCancel(g.clone(), attempt);
                g.create_task(async move {
                    let _on_cancel = on_cancel;
                    Rt::sleep(Duration::from_secs(1)).await;
                    Ok(())
                })
                .expect("open");
                Ok(())
            })
        });
        assert_eq!(errors(&outcome.expect_err("the group fails")), ["zero division"]);
        assert_eq!(*attempt.lock().unwrap(), Some(Err(TaskGroupClosed)));
    }

    #[test]
    fn a_finished_group_starts_no_task_test_taskgroup_finished() {
        let (outcome, after) = run::<Rt, _>(async {
            let mut kept = None;
            let outcome = task_group::<Rt, (), (), _, _, _>(|g| {
                kept = Some(g);
                async { Ok(()) }
            })
            .await;
            let after = kept.expect("the body ran").create_task(async { Ok(()) });
            (outcome, after)
        });
        assert_eq!(outcome, Ok(((), vec![])));
        assert_eq!(after, Err(TaskGroupClosed));
    }

    // ---- timeout / timeout_at -----------------------------------------------------------------------

    #[test]
    fn timeout_expiry_cancels_the_block_and_reports_a_timeout_test_timeout_basic() {
        let dropped = Arc::new(AtomicBool::new(false));
        let (outcome, expired, elapsed) = run::<Rt, _>({
            let dropped = Arc::clone(&dropped);
            async move {
                let start = Instant::now();
                let cm = timeout::<Rt>(Some(ms(10)));
                let outcome = cm
                    .run(async move {
                        let _cancelled = SetOnDrop(dropped);
                        Rt::sleep(Duration::from_secs(10)).await;
                    })
                    .await;
                (outcome, cm.expired(), start.elapsed())
            }
        });
        assert!(outcome.is_err());
        assert!(expired);
        assert!(dropped.load(Ordering::SeqCst), "the block was not cancelled");
        assert!(elapsed >= ms(10), "timed out after {elapsed:?}, before its deadline");
    }

    #[test]
    fn timeout_at_reports_its_deadline_test_timeout_at_basic() {
        let (outcome, expired, deadline, when) = run::<Rt, _>(async {
            let deadline = Instant::now() + ms(10);
            let cm = timeout_at::<Rt>(Some(deadline));
            let outcome = cm.run(Rt::sleep(Duration::from_secs(10))).await;
            (outcome, cm.expired(), deadline, cm.when())
        });
        assert_eq!(outcome, Err(TimeoutExpired { when: deadline }));
        assert!(expired);
        assert_eq!(when, Some(deadline));
    }

    #[test]
    fn a_zero_timeout_expires_at_the_first_suspension_test_timeout_zero_sleep_zero() {
        // CPython: timeout(0) around sleep(0) raises; a block that never suspends gives its value.
        let (outcome, expired, never_suspends) = run::<Rt, _>(async {
            let cm = timeout::<Rt>(Some(Duration::ZERO));
            let outcome = cm.run(sleep::<Rt, _>(Duration::ZERO, 1)).await;
            let never_suspends = timeout::<Rt>(Some(Duration::ZERO)).run(async { 2 }).await;
            (outcome, cm.expired(), never_suspends)
        });
        assert!(outcome.is_err());
        assert!(expired);
        assert_eq!(never_suspends, Ok(2));
    }

    #[test]
    fn a_disabled_timeout_never_fires_test_timeout_disabled() {
        let (outcome, expired, when) = run::<Rt, _>(async {
            let cm = timeout::<Rt>(None);
            let outcome = cm.run(sleep::<Rt, _>(ms(10), 1)).await;
            (outcome, cm.expired(), cm.when())
        });
        assert_eq!(outcome, Ok(1));
        assert!(!expired);
        assert_eq!(when, None);
    }

    #[test]
    fn an_outer_cancel_stays_a_cancel_test_foreign_cancel_doesnt_timeout_if_not_expired() {
        // CPython: the task running `async with timeout(10)` is cancelled: CancelledError, not expired.
        let (outcome, expired) = run::<Rt, _>(async {
            let cm = timeout::<Rt>(Some(Duration::from_secs(10)));
            let (entered, is_entered) = async_channel::bounded(1);
            let task = create_task::<Rt, _>({
                let cm = cm.clone();
                async move {
                    cm.run(async {
                        entered.send(()).await.expect("the test waits");
                        Rt::sleep(Duration::from_secs(10)).await;
                    })
                    .await
                }
            });
            is_entered.recv().await.expect("the task enters the block");
            (task.cancel().await, cm.expired())
        });
        assert_eq!(outcome, Err(JoinError::Cancelled));
        assert!(!expired);
    }

    #[test]
    fn reschedule_moves_the_deadline_and_none_disables_it_test_reschedule() {
        // CPython: timeout_at(deadline1) handed out through a future; when() follows reschedule(deadline2)
        // and reschedule(None); the task is then cancelled: CancelledError, not expired.
        let (whens, outcome, expired, deadlines) = run::<Rt, _>(async {
            let fut = PyFuture::<rosetta_asyncio::Timeout<Rt>, ()>::new();
            let deadline1 = Instant::now() + Duration::from_secs(10);
            let deadline2 = deadline1 + Duration::from_secs(20);
            let task = create_task::<Rt, _>({
                let fut = fut.clone();
                async move {
                    let cm = timeout_at::<Rt>(Some(deadline1));
                    fut.set_result(cm.clone()).expect("set once");
                    cm.run(Rt::sleep(Duration::from_secs(50))).await
                }
            });
            let cm = fut.await.expect("the task sets it");
            let mut whens = vec![cm.when()];
            cm.reschedule(Some(deadline2));
            whens.push(cm.when());
            cm.reschedule(None);
            whens.push(cm.when());
            (whens, task.cancel().await, cm.expired(), (deadline1, deadline2))
        });
        assert_eq!(whens, [Some(deadlines.0), Some(deadlines.1), None]);
        assert_eq!(outcome, Err(JoinError::Cancelled));
        assert!(!expired);
    }

    #[test]
    fn rescheduling_a_timeout_arms_it_anew_test_reschedule() {
        // The other half of reschedule: a deadline set from outside the block, on a disabled timeout
        // and on one due in a minute, fires then, and no earlier.
        for initial in [None, Some(Duration::from_secs(60))] {
            let (outcome, expired, elapsed) = run::<Rt, _>(async {
                let cm = timeout::<Rt>(initial);
                let start = Instant::now();
                let _arm = create_task::<Rt, _>({
                    let cm = cm.clone();
                    async move {
                        Rt::sleep(ms(10)).await;
                        cm.reschedule(Some(Instant::now() + ms(20)));
                    }
                });
                let outcome = cm.run(Rt::sleep(Duration::from_secs(120))).await;
                (outcome, cm.expired(), start.elapsed())
            });
            assert!(outcome.is_err(), "{initial:?}");
            assert!(expired, "{initial:?}");
            assert!(elapsed >= ms(30), "expired after {elapsed:?}, before its new deadline");
            // Generous: the old deadline was a minute away.
            assert!(elapsed < Duration::from_secs(30), "the new deadline did not replace {initial:?}");
        }
    }

    #[test]
    fn nested_timeouts_the_inner_that_fires_is_reported_test_nested_timeouts_loop_busy() {
        // CPython: outer 0.1 s, inner 0.01 s; the loop is busy 0.1 s inside the inner block: the inner
        // raises TimeoutError (caught in the outer block), then the outer interrupts the next sleep.
        let (outer, outer_expired, inner_expired) = run::<Rt, _>(async {
            let outer_cm = timeout::<Rt>(Some(ms(100)));
            let inner_cm = timeout::<Rt>(Some(ms(10)));
            let outer = outer_cm
                .run(async {
                    let inner = inner_cm
                        .run(async {
                            std::thread::sleep(ms(100));
                            Rt::sleep(Duration::from_secs(1)).await;
                        })
                        .await;
                    assert!(inner.is_err(), "the inner timeout did not report");
                    Rt::sleep(Duration::from_secs(10)).await;
                })
                .await;
            (outer, outer_cm.expired(), inner_cm.expired())
        });
        assert!(outer.is_err(), "the outer timeout did not interrupt the sleep");
        assert!(outer_expired);
        assert!(inner_expired, "the inner timeout did not fire");
    }

    #[test]
    fn nested_timeouts_an_outer_that_fires_first_is_reported_test_nested_timeouts_concurrent() {
        // CPython: outer 0.002 s, inner 0.1 s; 0.01 s of work, then a sleep: the outer fires, the
        // inner does not.
        let (outcome, outer_expired, inner_expired) = run::<Rt, _>(async {
            let outer_cm = timeout::<Rt>(Some(ms(2)));
            let inner_cm = timeout::<Rt>(Some(ms(100)));
            let outcome = outer_cm
                .run(inner_cm.run(async {
                    std::thread::sleep(ms(10));
                    Rt::sleep(Duration::from_secs(1)).await;
                }))
                .await;
            (outcome, outer_cm.expired(), inner_cm.expired())
        });
        assert!(outcome.is_err());
        assert!(outer_expired);
        assert!(!inner_expired);
    }

    #[test]
    fn nested_timeouts_with_one_deadline_report_the_inner_where_cpython_reports_the_outer_test_nested_timeouts() {
        // CPython: two nested `timeout_at` with the same deadline around a long sleep: both timers
        // cancel the task and the outer one reports. Here the inner block is polled first and its
        // timeout reports; the outer passes the inner's error through as its block's value (the
        // documented difference).
        let (outer, inner_expired) = run::<Rt, _>(async {
            let deadline = Instant::now() + ms(20);
            let outer_cm = timeout_at::<Rt>(Some(deadline));
            let inner_cm = timeout_at::<Rt>(Some(deadline));
            let outer = outer_cm
                .run(inner_cm.run(Rt::sleep(Duration::from_secs(10))))
                .await;
            (outer, inner_cm.expired())
        });
        assert!(inner_expired, "the inner timeout did not fire");
        assert!(
            matches!(outer, Ok(Err(_))),
            "the outer timeout reported instead of passing the inner's error through"
        );
    }

    // ---- wait ---------------------------------------------------------------------------------------
    #[test]
    fn wait_on_no_tasks_returns_at_once_where_cpython_raises_value_error_test_wait_errors() {
        // CPython raises `ValueError: Set of Tasks/Futures is empty.`; here an empty set returns at once
        // with both sides empty (the documented difference).
        let waited = run::<Rt, _>(async {
            let none: Vec<rosetta_asyncio::Task<Rt, char>> = Vec::new();
            wait::<Rt, _>(none, Some(Duration::from_secs(30)), ReturnWhen::AllCompleted).await
        });
        assert!(waited.done.is_empty());
        assert!(waited.pending.is_empty());
    }


    #[test]
    fn wait_first_completed_returns_once_one_is_done_and_cancels_nothing_test_wait_first_completed() {
        // CPython: a sleeps 10 s, b 0.1 s: done {b}, pending {a}, a not done.
        let (done, pending, a_finished) = run::<Rt, _>(async {
            let a = create_task::<Rt, _>(sleep::<Rt, _>(Duration::from_secs(10), 'a'));
            let b = create_task::<Rt, _>(sleep::<Rt, _>(ms(100), 'b'));
            let mut waited = wait::<Rt, _>([a, b], None, ReturnWhen::FirstCompleted).await;
            let a_finished = waited.pending[0].1.is_finished();
            let mut done = Vec::new();
            for (index, task) in waited.done {
                done.push((index, task.await));
            }
            let pending: Vec<usize> = waited.pending.iter().map(|(index, _)| *index).collect();
            for (_, task) in &mut waited.pending {
                task.abort();
            }
            (done, pending, a_finished)
        });
        assert_eq!(done, [(1, Ok('b'))]);
        assert_eq!(pending, [0]);
        assert!(!a_finished);
    }

    #[test]
    fn wait_first_exception_returns_at_the_first_failure_test_wait_first_exception_in_wait() {
        // CPython: a sleeps 10 s, b sleeps 0.01 s and raises: FIRST_EXCEPTION gives done {b}.
        let (done, pending) = run::<Rt, _>(async {
            let a = create_task::<Rt, _>(sleep::<Rt, _>(Duration::from_secs(10), Ok::<_, &str>('a')));
            let b = create_task::<Rt, _>(sleep::<Rt, _>(ms(10), Err::<char, _>("zero division")));
            let waited = try_wait::<Rt, _, _>([a, b], None, ReturnWhen::FirstException).await;
            let mut done = Vec::new();
            for (index, task) in waited.done {
                done.push((index, task.await));
            }
            let pending: Vec<usize> = waited.pending.iter().map(|(index, _)| *index).collect();
            for (_, task) in waited.pending {
                let _ = task.cancel().await;
            }
            (done, pending)
        });
        assert_eq!(done, [(1, Ok(Err("zero division")))]);
        assert_eq!(pending, [0]);
    }

    #[test]
    fn wait_first_exception_counts_a_panic_and_waits_for_all_without_one_test_wait_first_exception() {
        // CPython: a sleeps 10 s, b raises at once. Here the exception is a panic, under `wait`.
        quiet_expected_panics();
        let (done, pending, all) = run::<Rt, _>(async {
            let a = create_task::<Rt, _>(sleep::<Rt, _>(Duration::from_secs(10), 1));
            let b = create_task::<Rt, _>(async { panic!("{EXPECTED} zero division") });
            let waited = wait::<Rt, _>([a, b], None, ReturnWhen::FirstException).await;
            let done: Vec<usize> = waited.done.iter().map(|(index, _)| *index).collect();
            let pending: Vec<usize> = waited.pending.iter().map(|(index, _)| *index).collect();
            let mut outcome = None;
            for (_, task) in waited.done {
                outcome = Some(task.await);
            }
            assert!(matches!(outcome, Some(Err(JoinError::Panicked(m))) if m.contains("zero division")));
            for (_, task) in waited.pending {
                let _ = task.cancel().await;
            }
            // No exception at all: FIRST_EXCEPTION waits for every task.
            let c = create_task::<Rt, _>(sleep::<Rt, _>(ms(10), 3));
            let d = create_task::<Rt, _>(sleep::<Rt, _>(ms(30), 4));
            let all = wait::<Rt, _>([c, d], None, ReturnWhen::FirstException).await;
            (done, pending, (all.done.len(), all.pending.len()))
        });
        assert_eq!(done, [1]);
        assert_eq!(pending, [0]);
        assert_eq!(all, (2, 0));
    }

    #[test]
    fn wait_all_completed_returns_once_every_task_is_done_test_wait_with_exception() {
        // CPython: a sleeps 0.1 s, b sleeps 0.15 s and raises: ALL_COMPLETED gives done {a, b}.
        let (done, pending) = run::<Rt, _>(async {
            let a = create_task::<Rt, _>(sleep::<Rt, _>(ms(100), Ok::<_, &str>('a')));
            let b = create_task::<Rt, _>(sleep::<Rt, _>(ms(150), Err::<char, _>("zero division")));
            let waited = try_wait::<Rt, _, _>([a, b], None, ReturnWhen::AllCompleted).await;
            let mut done = Vec::new();
            for (index, task) in waited.done {
                done.push((index, task.await));
            }
            (done, waited.pending.len())
        });
        assert_eq!(done, [(0, Ok(Ok('a'))), (1, Ok(Err("zero division")))]);
        assert_eq!(pending, 0);
    }

    #[test]
    fn wait_with_a_timeout_returns_done_and_pending_and_cancels_nothing_test_wait_with_timeout() {
        // CPython: a sleeps 0.1 s, b 0.15 s, timeout 0.11 s: done {a}, pending {b}, and b runs on.
        // Here b waits on a gate opened after the wait, so that no timing is needed to tell them apart.
        let (done, pending, b_outcome, elapsed) = run::<Rt, _>(async {
            let (open, gate) = async_channel::bounded::<()>(1);
            let a = create_task::<Rt, _>(sleep::<Rt, _>(ms(10), 'a'));
            let b = create_task::<Rt, _>(async move {
                let _ = gate.recv().await;
                'b'
            });
            let start = Instant::now();
            let waited = wait::<Rt, _>([a, b], Some(ms(110)), ReturnWhen::AllCompleted).await;
            let elapsed = start.elapsed();
            let done: Vec<usize> = waited.done.iter().map(|(index, _)| *index).collect();
            let pending: Vec<usize> = waited.pending.iter().map(|(index, _)| *index).collect();
            open.send(()).await.expect("b waits");
            let mut b_outcome = None;
            for (_, task) in waited.pending {
                b_outcome = Some(task.await);
            }
            (done, pending, b_outcome, elapsed)
        });
        assert_eq!(done, [0]);
        assert_eq!(pending, [1]);
        assert_eq!(b_outcome, Some(Ok('b')), "the timeout cancelled b");
        assert!(elapsed >= ms(110), "returned after {elapsed:?}, before its timeout");
    }

    // ---- as_completed -------------------------------------------------------------------------------

    #[test]
    fn as_completed_gives_outcomes_in_completion_order_test_as_completed() {
        // CPython: sleep(0.1, 'a'), sleep(0.05, 'b'), sleep(0.15, 'c'): 'b', 'a', 'c'.
        let values = run::<Rt, _>(async {
            let sleeps = [(100, 'a'), (50, 'b'), (150, 'c')].map(|(delay, value)| sleep::<Rt, _>(ms(delay), value));
            let mut stream = as_completed::<Rt, _>(sleeps, None);
            let mut values = Vec::new();
            while let Some(outcome) = stream.next().await {
                values.push(outcome.expect("no timeout").expect("no panic"));
            }
            values
        });
        assert_eq!(values, ['b', 'a', 'c']);
    }

    #[test]
    fn as_completed_times_out_what_is_left_test_as_completed_with_timeout() {
        // CPython: a = sleep(0.1, 'a'), b = sleep(0.15, 'b'), timeout 0.12 s: 'a', then TimeoutError.
        // Here b waits on a gate opened after the timeout, and must still finish: nothing is cancelled.
        let (items, elapsed, b_finished) = run::<Rt, _>(async {
            let (open, gate) = async_channel::bounded::<()>(1);
            let b_finished = Arc::new(AtomicBool::new(false));
            let b = {
                let b_finished = Arc::clone(&b_finished);
                async move {
                    let _ = gate.recv().await;
                    b_finished.store(true, Ordering::SeqCst);
                    'b'
                }
            };
            let a = async { sleep::<Rt, _>(ms(10), 'a').await };
            let start = Instant::now();
            let mut stream = as_completed::<Rt, _>(
                [Box::pin(a) as std::pin::Pin<Box<dyn std::future::Future<Output = char> + Send>>, Box::pin(b)],
                Some(ms(120)),
            );
            let mut items = Vec::new();
            while let Some(item) = stream.next().await {
                items.push(item);
            }
            let elapsed = start.elapsed();
            drop(stream);
            open.send(()).await.expect("b waits");
            (items, elapsed, eventually::<Rt>(&b_finished).await)
        });
        assert_eq!(items, [Ok(Ok('a')), Err(TimeoutError { timeout: ms(120) })]);
        assert!(elapsed >= ms(120), "timed out after {elapsed:?}");
        assert!(b_finished, "the timeout cancelled b");
    }

    #[test]
    fn as_completed_with_an_unused_timeout_gives_everything_test_as_completed_with_unused_timeout() {
        let (items, panicked) = run::<Rt, _>(async {
            quiet_expected_panics();
            let stream = as_completed::<Rt, _>([sleep::<Rt, _>(ms(10), 'a')], Some(Duration::from_secs(10)));
            let items: Vec<_> = stream.collect().await;
            let panicked: Vec<_> = as_completed::<Rt, _>([async { panic!("{EXPECTED} boom") }], None)
                .collect::<Vec<Result<Result<(), JoinError>, TimeoutError>>>()
                .await;
            (items, panicked)
        });
        assert_eq!(items, [Ok(Ok('a'))]);
        assert!(matches!(&panicked[..], [Ok(Err(JoinError::Panicked(m)))] if m.contains("boom")));
    }

    // ---- Future -------------------------------------------------------------------------------------

    #[test]
    fn future_result_is_set_once_test_result() {
        let f = PyFuture::<u32, &str>::new();
        assert_eq!(f.result(), Err(FutureError::InvalidState(InvalidStateError("not done yet"))));
        f.set_result(42).expect("pending");
        assert!(f.done());
        assert!(!f.cancelled());
        assert_eq!(f.result(), Ok(42));
        assert_eq!(f.set_result(1), Err(InvalidStateError("already done")));
        assert_eq!(f.set_exception("late"), Err(InvalidStateError("already done")));
        assert!(!f.cancel());
        assert_eq!(run::<Rt, _>(f.clone()), Ok(42));
    }

    #[test]
    fn future_exception_is_raised_by_result_and_await_test_exception() {
        let f = PyFuture::<u32, &str>::new();
        f.set_exception("runtime error").expect("pending");
        assert!(f.done());
        assert_eq!(f.result(), Err(FutureError::Exception("runtime error")));
        assert_eq!(f.set_result(1), Err(InvalidStateError("already done")));
        assert_eq!(run::<Rt, _>(f.clone()), Err(FutureError::Exception("runtime error")));
    }

    #[test]
    fn future_cancel_settles_it_once_test_cancel() {
        let f = PyFuture::<u32, &str>::new();
        assert!(f.cancel());
        assert!(f.cancelled());
        assert!(f.done());
        assert_eq!(f.result(), Err(FutureError::Cancelled));
        assert_eq!(f.set_result(1), Err(InvalidStateError("already done")));
        assert!(!f.cancel());
        assert_eq!(run::<Rt, _>(f.clone()), Err(FutureError::Cancelled));
    }

    #[test]
    fn future_awaiters_wake_when_it_is_set_from_another_task() {
        let values = run::<Rt, _>(async {
            let f = PyFuture::<u32, ()>::new();
            let waiters: Vec<_> = (0..3).map(|_| create_task::<Rt, _>(f.clone())).collect();
            Rt::sleep(ms(10)).await;
            let setter = f.clone();
            create_task::<Rt, _>(async move { setter.set_result(7) }).await.expect("no panic").expect("pending");
            let mut values = Vec::new();
            for waiter in waiters {
                values.push(waiter.await.expect("no panic"));
            }
            values
        });
        assert_eq!(values, [Ok(7), Ok(7), Ok(7)]);
    }

    #[test]
    fn future_done_callbacks_run_in_order_and_can_be_removed_test_callbacks_remove_first_callback() {
        // CPython: cb(42), cb(17), cb(100) added, the first removed; set_result: [17, 100].
        let bag = Log::default();
        let f = PyFuture::<u32, ()>::new();
        let first = f.add_done_callback({ let bag = bag.clone(); move |_| bag.push("42") });
        f.add_done_callback({ let bag = bag.clone(); move |_| bag.push("17") });
        f.add_done_callback({ let bag = bag.clone(); move |f| bag.push(format!("100 {:?}", f.result())) });
        assert!(f.remove_done_callback(first));
        assert!(!f.remove_done_callback(first));
        assert!(bag.lines().is_empty());
        f.set_result(5).expect("pending");
        assert_eq!(bag.lines(), ["17", "100 Ok(5)"]);
        // One added to a done future runs at once.
        f.add_done_callback({ let bag = bag.clone(); move |_| bag.push("late") });
        assert_eq!(bag.lines(), ["17", "100 Ok(5)", "late"]);
    }

    #[test]
    fn future_done_callbacks_run_on_exception_and_cancel_test_callbacks_invoked_on_set_exception() {
        for settle in [0, 1] {
            let bag = Log::default();
            let f = PyFuture::<u32, &str>::new();
            f.add_done_callback({ let bag = bag.clone(); move |f| bag.push(format!("{:?}", f.result())) });
            if settle == 0 { f.set_exception("value error").expect("pending"); } else { assert!(f.cancel()); }
            let expected = if settle == 0 { "Err(Exception(\"value error\"))" } else { "Err(Cancelled)" };
            assert_eq!(bag.lines(), [expected]);
        }
    }

    // ---- to_thread, sleep ---------------------------------------------------------------------------

    #[test]
    fn to_thread_runs_beside_the_loop_test_to_thread() {
        // CPython (test_threads.py): to_thread(func) gives func's result, from another thread.
        let (same_thread, value, ticks) = run::<Rt, _>(async {
            let (ticks, mut ticker) = spawn_ticker::<Rt>();
            let caller = std::thread::current().id();
            let (thread, value, grew) = to_thread::<Rt, _, _>(move || {
                let grew = block_until_ticks(&ticks, 3);
                (std::thread::current().id(), 42, grew)
            })
            .await
            .expect("no panic");
            ticker.abort();
            (thread == caller, value, grew)
        });
        assert!(!same_thread);
        assert_eq!(value, 42);
        assert!(ticks >= 3, "the loop did not run while the closure blocked");
    }

    #[test]
    fn to_thread_cancelled_gives_cancelled_at_once_test_to_thread_once() {
        let (outcome, waited) = run::<Rt, _>(async {
            let task = to_thread::<Rt, _, _>(|| std::thread::sleep(ms(300)));
            Rt::sleep(ms(20)).await;
            let start = Instant::now();
            let outcome = task.cancel().await;
            (outcome, start.elapsed())
        });
        assert_eq!(outcome, Err(JoinError::Cancelled));
        assert!(waited < ms(250), "the cancel waited {waited:?} for the closure");
    }

    #[test]
    fn sleep_gives_its_result_never_early_test_sleep() {
        let (value, elapsed) = run::<Rt, _>(async {
            let start = Instant::now();
            (sleep::<Rt, _>(ms(20), "yeah").await, start.elapsed())
        });
        assert_eq!(value, "yeah");
        assert!(elapsed >= ms(20));
    }

    // ---- shield with gathers ------------------------------------------------------------------------

    #[test]
    fn a_shielded_gather_survives_the_cancel_of_its_awaiter_test_shield_gather() {
        // CPython: parent = gather(child1, child2); outer = shield(parent); outer cancelled; then the
        // children are set, and parent's result is [1, 2].
        let (outer, parent) = run::<Rt, _>(async {
            let (child1, child2) = (PyFuture::<u8, ()>::new(), PyFuture::<u8, ()>::new());
            let (result, parent_result) = async_channel::bounded(1);
            let parent = {
                let children = vec![child1.clone(), child2.clone()];
                async move {
                    let _ = result.send(gather::<Rt, _>(children).await).await;
                }
            };
            let outer = create_task::<Rt, _>(shield::<Rt, _>(parent));
            Rt::sleep(ms(10)).await;
            let outer = outer.cancel().await;
            child1.set_result(1).expect("pending");
            child2.set_result(2).expect("pending");
            (outer, parent_result.recv().await.expect("the gather finishes"))
        });
        assert_eq!(outer.map(|_| ()), Err(JoinError::Cancelled));
        assert_eq!(parent, Ok(vec![Ok(1), Ok(2)]));
    }

    #[test]
    fn a_gather_of_shields_cancelled_leaves_the_inner_work_running_test_gather_shield() {
        // CPython: parent = gather(shield(child1), shield(child2)); parent cancelled; the children are
        // not cancelled, and get their results.
        let (parent, finished) = run::<Rt, _>(async {
            let (child1, child2) = (PyFuture::<u8, ()>::new(), PyFuture::<u8, ()>::new());
            let finished = Arc::new(AtomicUsize::new(0));
            let inner = |child: PyFuture<u8, ()>| {
                let finished = Arc::clone(&finished);
                shield::<Rt, _>(async move {
                    let value = child.await;
                    finished.fetch_add(1, Ordering::SeqCst);
                    value
                })
            };
            let parent = create_task::<Rt, _>(gather::<Rt, _>(vec![inner(child1.clone()), inner(child2.clone())]));
            Rt::sleep(ms(10)).await;
            let parent = parent.cancel().await;
            child1.set_result(1).expect("not cancelled");
            child2.set_result(2).expect("not cancelled");
            (parent.map(|_| ()), eventually_count::<Rt>(&finished, 2).await)
        });
        assert_eq!(parent, Err(JoinError::Cancelled));
        assert!(finished, "a shielded child was cancelled with the gather");
    }
}
