//! The thread-per-core flavor's own promises, on every runtime of that flavor in the registry
//! (`compio-tpc`, `monoio-tpc`): tasks placed on the workers in turn, never moving, never on the `block_on` thread,
//! running between two `block_on` calls, dropped at close on their own worker's thread, and refused
//! after close.
//!
//! The rules every runtime keeps are the conformance suite's; these only a thread-per-core runtime
//! promises (`Flavor::ThreadPerCore`'s docs).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::thread::{self, ThreadId};
use std::time::Duration;

use rosetta_runtimes::testing::within;
use rosetta_runtimes::{Config, Flavor, Runtime, RuntimeVisitor};

/// Records the thread it is dropped on.
struct DropThread(Arc<Mutex<Option<ThreadId>>>);

impl Drop for DropThread {
    fn drop(&mut self) {
        *self.0.lock().unwrap() = Some(thread::current().id());
    }
}

/// The flavor's rules, on one runtime.
struct Rules;

impl RuntimeVisitor for Rules {
    type Output = ();

    fn visit<R: Runtime>(self) {
        placed_in_turn_and_never_moved::<R>();
        a_task_runs_on_between_two_block_on_calls::<R>();
        close_drops_each_task_on_its_own_worker::<R>();
        spawning_after_close_panics_and_runs_nothing::<R>();
    }
}

/// Four tasks on two workers: the first and third share a thread, the second and fourth share the
/// other, none is the caller's, and each stays where it was placed across sleeps and yields.
fn placed_in_turn_and_never_moved<R: Runtime>() {
    let rt = R::create(&Config::with_workers(2)).expect("the runtime is created");
    let caller = thread::current().id();
    let places = within(Duration::from_secs(60), "placement", || {
        rt.block_on(async {
            let tasks: Vec<_> = (0..4)
                .map(|_| {
                    R::spawn(async {
                        let placed = thread::current().id();
                        for round in 0..20 {
                            if round % 2 == 0 {
                                R::yield_now().await;
                            } else {
                                R::sleep(Duration::from_millis(1)).await;
                            }
                            assert_eq!(thread::current().id(), placed, "the task moved");
                        }
                        placed
                    })
                })
                .collect();
            let mut places = Vec::new();
            for task in tasks {
                places.push(task.await.expect("no panic"));
            }
            places
        })
    });
    rt.close();
    assert!(
        !places.contains(&caller),
        "a task ran on the block_on thread"
    );
    assert_eq!(places[0], places[2], "{places:?}");
    assert_eq!(places[1], places[3], "{places:?}");
    assert_ne!(places[0], places[1], "{places:?}");
}

/// A task placed on a worker is not driven by `block_on`: it runs while no `block_on` runs.
fn a_task_runs_on_between_two_block_on_calls<R: Runtime>() {
    let rt = R::create(&Config::with_workers(1)).expect("the runtime is created");
    let (tx, rx) = std::sync::mpsc::channel();
    rt.block_on(async move {
        R::spawn(async move {
            R::sleep(Duration::from_millis(5)).await;
            tx.send(()).expect("the test waits");
        })
        .detach();
    });
    // No block_on is running now.
    let ran = rx.recv_timeout(Duration::from_secs(60));
    rt.close();
    assert_eq!(ran, Ok(()), "the task did not run between block_on calls");
}

/// Closing drops a pending task on the thread of the worker it was placed on.
fn close_drops_each_task_on_its_own_worker<R: Runtime>() {
    let rt = R::create(&Config::with_workers(2)).expect("the runtime is created");
    let slots: Vec<Arc<Mutex<Option<ThreadId>>>> =
        (0..4).map(|_| Arc::new(Mutex::new(None))).collect();
    let places = rt.block_on(async {
        let (started, has_started) = async_channel::unbounded();
        for slot in &slots {
            let (guard, started) = (DropThread(Arc::clone(slot)), started.clone());
            R::spawn(async move {
                let _guard = guard;
                started
                    .send(thread::current().id())
                    .await
                    .expect("the test waits");
                std::future::pending::<()>().await
            })
            .detach();
        }
        let mut places = Vec::new();
        for _ in 0..slots.len() {
            places.push(has_started.recv().await.expect("every task starts"));
        }
        places
    });
    within(Duration::from_secs(60), "close", || rt.close());
    let mut dropped_on: Vec<ThreadId> = slots
        .iter()
        .map(|slot| slot.lock().unwrap().expect("close dropped the task"))
        .collect();
    let mut places = places;
    // The tasks may have started in any order; the threads they were dropped on are theirs.
    places.sort_by_key(|id| format!("{id:?}"));
    dropped_on.sort_by_key(|id| format!("{id:?}"));
    assert_eq!(places, dropped_on);
    assert!(!dropped_on.contains(&thread::current().id()));
}

/// A blocking closure still running after close cannot spawn any more: `spawn` panics, as asyncio's
/// `create_task` on a closed loop raises "Event loop is closed", and nothing runs.
fn spawning_after_close_panics_and_runs_nothing<R: Runtime>() {
    let rt = R::create(&Config::with_workers(1)).expect("the runtime is created");
    let (open, gate) = mpsc::channel::<()>();
    let (give, handed) = mpsc::channel();
    let polled = Arc::new(AtomicBool::new(false));
    rt.block_on({
        let polled = Arc::clone(&polled);
        async move {
            let (started, has_started) = async_channel::bounded(1);
            R::spawn_blocking(move || {
                started.send_blocking(()).expect("the test waits");
                // Returns once `open` is dropped, after close.
                let _ = gate.recv_timeout(Duration::from_secs(60));
                let spawned = std::panic::catch_unwind(|| {
                    R::spawn(async move { polled.store(true, Ordering::SeqCst) }).detach();
                });
                let _ = give.send(spawned.map_err(|payload| {
                    rosetta_runtimes::rosetta_rt::panic_message(payload.as_ref())
                }));
            })
            .detach();
            has_started.recv().await.expect("the closure starts");
        }
    });
    within(Duration::from_secs(60), "close", || rt.close());
    drop(open);
    let spawned = handed
        .recv_timeout(Duration::from_secs(60))
        .expect("the closure tries to spawn after close");
    assert!(
        spawned
            .as_ref()
            .is_err_and(|message| message.contains("closed")),
        "{spawned:?}"
    );
    assert!(
        !polled.load(Ordering::SeqCst),
        "a task spawned after close ran"
    );
}

#[test]
fn thread_per_core_tasks_are_placed_in_turn_never_move_and_are_dropped_on_their_worker() {
    let ids: Vec<&str> = rosetta_runtimes::RUNTIMES
        .iter()
        .filter(|info| info.flavor == Flavor::ThreadPerCore)
        .map(|info| info.id)
        .collect();
    assert!(ids.contains(&"compio-tpc"), "{ids:?}");
    for id in ids {
        rosetta_runtimes::visit(id, Rules).expect("a registry id");
    }
}
