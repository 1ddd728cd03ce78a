//! The workloads do their job on every runtime, natively and at the floor: every item delivered, every
//! value gathered, no timer early. These tests check behaviour only; speed is the benches' business.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use rosetta_runtimes::{Config, Flavor, RUNTIMES};
use rosetta_workloads::compare::{alone, paired};
use rosetta_workloads::interleave::{Timed, interleaved, rotation};
use rosetta_workloads::{
    Case, ChannelKind, Error, Floor, Group, QueueShape, Stat, Target, Workload, channels_for, plan,
    supports,
};

/// Prepares `case` and runs it `iters` times; a workload that misbehaves fails here.
fn runs(case: Case, iters: u64) -> Duration {
    let mut bench = case
        .bench()
        .unwrap_or_else(|error| panic!("{case}: cannot prepare: {error}"));
    bench
        .run(iters)
        .unwrap_or_else(|error| panic!("{case}: {error}"))
}

/// The toolkit and the native case of `workload` on every runtime, as far as the table admits them.
fn everywhere(workload: Workload) -> Vec<Case> {
    RUNTIMES
        .iter()
        .flat_map(|info| {
            [
                Case::new(Target::Toolkit(info.id), workload),
                Case::new(Target::Native(info.id), workload),
            ]
        })
        .filter(|case| case.supported().is_ok())
        .collect()
}

/// Runs `case` if the table admits it; else checks that preparing it is refused, as the table says.
fn runs_as_the_table_says(case: Case, iters: u64) {
    match case.supported() {
        Ok(()) => {
            runs(case, iters);
        }
        Err(refused) => match case.bench() {
            Err(Error::Unsupported { .. }) => {}
            other => panic!("{case}: the table refuses it ({refused}), preparing gave {other:?}"),
        },
    }
}

/// A small queue shape, quick in a debug build, with uneven shares and a bound that fills.
fn small_shape(producers: usize, consumers: usize, bounded: bool) -> QueueShape {
    QueueShape {
        producers,
        consumers,
        bound: bounded.then_some(4),
        items: 1_001,
    }
}

#[test]
fn gather_returns_every_value_in_order_on_every_target() {
    for tasks in [0, 1, 100] {
        let workload = Workload::Gather { tasks };
        for case in everywhere(workload) {
            runs(case, 2);
        }
        runs(Case::new(Target::Floor(Floor::JoinAll), workload), 2);
        for info in RUNTIMES {
            let spawn_await = Workload::SpawnAwait { tasks };
            runs(Case::new(Target::Toolkit(info.id), spawn_await), 2);
            assert!(matches!(
                Case::new(Target::Native(info.id), spawn_await).bench(),
                Err(Error::Unsupported { .. })
            ));
        }
    }
}

#[test]
fn queue_delivers_every_item_once_on_every_target() {
    for (producers, consumers) in [(1, 1), (3, 2), (2, 5)] {
        for bounded in [true, false] {
            let shape = small_shape(producers, consumers, bounded);
            for case in everywhere(Workload::Queue { shape }) {
                runs(case, 2);
            }
            for info in RUNTIMES {
                let put_get = Workload::QueuePutGet { shape };
                runs(Case::new(Target::Toolkit(info.id), put_get), 2);
            }
        }
    }
    for bounded in [true, false] {
        let shape = small_shape(1, 1, bounded);
        runs(
            Case::new(Target::Floor(Floor::VecDeque), Workload::Queue { shape }),
            2,
        );
    }
}

#[test]
fn raw_channels_deliver_every_item_once_on_every_runtime() {
    for info in RUNTIMES {
        for (producers, consumers) in [(1, 1), (3, 2)] {
            for bounded in [true, false] {
                let shape = small_shape(producers, consumers, bounded);
                for kind in ChannelKind::ALL {
                    let case =
                        Case::new(Target::Native(info.id), Workload::Channel { kind, shape });
                    // A single-consumer channel is refused beside several consumers.
                    assert_eq!(
                        case.supported().is_ok(),
                        (kind.multi_consumer() || consumers == 1) && !native_missing(info.id),
                        "{case}"
                    );
                    runs_as_the_table_says(case, 2);
                }
            }
        }
    }
}

#[test]
fn channels_offered_are_the_ones_users_of_each_runtime_pick() {
    let one = QueueShape::new(1, 1, true);
    let many = QueueShape::new(4, 4, true);
    for info in RUNTIMES {
        let picked = channels_for(info, &one);
        if native_missing(info.id) {
            assert!(
                picked.is_empty(),
                "{}: channels without a native baseline",
                info.id
            );
            continue;
        }
        assert_eq!(
            picked.contains(&ChannelKind::Mpsc),
            info.runtime_crate == "tokio",
            "{}",
            info.id
        );
        assert!(!channels_for(info, &many).contains(&ChannelKind::Mpsc));
        assert!(
            picked.contains(&ChannelKind::AsyncChannel) && picked.contains(&ChannelKind::Flume)
        );
    }
}

#[test]
fn loops_create_and_close_on_every_runtime_and_floor() {
    for info in RUNTIMES {
        let configs = if info.flavor.configurable_workers() {
            vec![Config::with_workers(1), Config::with_workers(2)]
        } else {
            vec![Config::default()]
        };
        for config in configs {
            for workload in [
                Workload::LoopCreate { config },
                Workload::LoopClose { config },
            ] {
                runs(Case::new(Target::Toolkit(info.id), workload), 2);
                let native = Case::new(Target::Native(info.id), workload);
                if info.flavor == Flavor::Global {
                    let error = native
                        .bench()
                        .expect_err("a global runtime has no loop to create");
                    assert!(
                        error
                            .to_string()
                            .contains("global runtime: no per-loop cost")
                    );
                }
                runs_as_the_table_says(native, 2);
            }
        }
    }
    for floor in [Floor::ExecutorNew, Floor::EpollEventfd] {
        for workload in [
            Workload::LoopCreate {
                config: Config::default(),
            },
            Workload::LoopClose {
                config: Config::default(),
            },
        ] {
            runs(Case::new(Target::Floor(floor), workload), 3);
        }
    }
}

#[test]
fn timers_never_fire_early_on_every_target() {
    let delay = Duration::from_millis(1);
    for workload in [Workload::Sleep { delay }, Workload::CallLater { delay }] {
        for case in everywhere(workload) {
            runs(case, 2);
        }
        runs(Case::new(Target::Floor(Floor::ThreadSleep), workload), 2);
    }
}

#[test]
fn stall_ticker_sees_every_tick_on_every_target() {
    for stat in [Stat::Median, Stat::Worst] {
        let workload = Workload::Stall { stat };
        for case in everywhere(workload) {
            runs(case, 1);
        }
        runs(Case::new(Target::Floor(Floor::ThreadTicker), workload), 1);
    }
}

#[test]
fn run_in_executor_round_trips_on_every_target() {
    for case in everywhere(Workload::RunInExecutor) {
        runs(case, 5);
    }
    runs(
        Case::new(Target::Floor(Floor::ThreadHandoff), Workload::RunInExecutor),
        5,
    );
}

/// Whether the runtime `id` has no native baseline at all (the table then refuses every native case).
fn native_missing(id: &'static str) -> bool {
    supports(Target::Native(id), &Workload::Gather { tasks: 1 }).is_err()
}

#[test]
fn the_table_decides_what_prepares_and_what_is_planned() {
    let shape = small_shape(1, 2, true);
    let workloads = [
        Workload::Gather { tasks: 3 },
        Workload::SpawnAwait { tasks: 3 },
        Workload::Queue { shape },
        Workload::QueuePutGet { shape },
        Workload::Channel {
            kind: ChannelKind::Mpsc,
            shape,
        },
        Workload::LoopCreate {
            config: Config::default(),
        },
        Workload::LoopClose {
            config: Config::default(),
        },
        Workload::FirstStart,
        Workload::Sleep {
            delay: Duration::from_millis(1),
        },
        Workload::Stall { stat: Stat::Median },
        Workload::RunInExecutor,
    ];
    let floors = [
        Floor::JoinAll,
        Floor::VecDeque,
        Floor::ExecutorNew,
        Floor::EpollEventfd,
        Floor::ThreadSleep,
        Floor::ThreadTicker,
        Floor::ThreadHandoff,
    ];
    let mut targets: Vec<Target> = floors.map(Target::Floor).to_vec();
    for info in RUNTIMES {
        targets.extend([Target::Toolkit(info.id), Target::Native(info.id)]);
    }
    let mut admitted = 0;
    for target in targets {
        for workload in workloads {
            let case = Case::new(target, workload);
            match (supports(target, &workload), case.bench()) {
                (Ok(()), Ok(_)) => admitted += 1,
                (Err(Error::Unsupported { .. }), Err(Error::Unsupported { .. })) => {}
                (table, prepared) => {
                    panic!("{case}: the table says {table:?}, preparing {prepared:?}")
                }
            }
        }
    }
    assert!(
        admitted > RUNTIMES.len() * 2,
        "the table admits next to nothing"
    );
    // The plan holds nothing the table refuses, and for every runtime it has a native gather exactly
    // when the table admits one.
    for group in Group::ALL {
        for case in plan(group) {
            assert!(case.supported().is_ok(), "{case} is planned but refused");
        }
    }
    let gathers = plan(Group::Gather);
    for info in RUNTIMES {
        let native = Target::Native(info.id);
        assert_eq!(
            gathers.iter().any(|case| case.target == native),
            supports(native, &Workload::Gather { tasks: 1 }).is_ok(),
            "{}",
            info.id
        );
    }
}

#[test]
fn unknown_runtimes_and_mismatched_floors_are_refused() {
    let gather = Workload::Gather { tasks: 1 };
    assert!(matches!(
        Case::new(Target::Toolkit("trio"), gather).bench(),
        Err(Error::UnknownRuntime(_))
    ));
    assert!(matches!(
        Case::new(Target::Native("trio"), gather).bench(),
        Err(Error::UnknownRuntime(_))
    ));
    assert!(matches!(
        Case::new(Target::Floor(Floor::VecDeque), gather).bench(),
        Err(Error::Unsupported { .. })
    ));
    let channel = Workload::Channel {
        kind: ChannelKind::Flume,
        shape: small_shape(1, 1, true),
    };
    assert!(matches!(
        Case::new(Target::Toolkit("tokio"), channel).bench(),
        Err(Error::Unsupported { .. })
    ));
    assert!(matches!(
        Case::new(Target::Toolkit("tokio"), Workload::FirstStart).bench(),
        Err(Error::Unsupported { .. })
    ));
}

#[test]
fn every_planned_case_prepares_and_has_a_unique_id() {
    let mut seen = std::collections::HashSet::new();
    for group in Group::ALL {
        let cases = plan(group);
        assert!(!cases.is_empty(), "{group}");
        for case in cases {
            assert_eq!(case.group(), group);
            assert!(seen.insert(case.to_string()), "{case} is planned twice");
            if let Err(error) = case.bench() {
                panic!("{case}: {error}");
            }
        }
    }
    for info in RUNTIMES {
        for group in [Group::Gather, Group::Queue, Group::TimerSleep] {
            let mut targets = vec![Target::Toolkit(info.id)];
            if !native_missing(info.id) {
                targets.push(Target::Native(info.id));
            }
            for target in targets {
                assert!(
                    plan(group).iter().any(|case| case.target == target),
                    "{group} misses {target}"
                );
            }
        }
    }
}

#[test]
fn case_ids_name_the_runtime_the_side_and_the_size() {
    let shape = QueueShape::new(1, 1, true);
    let ids = [
        (
            Case::new(
                Target::Toolkit("tokio-mt"),
                Workload::Gather { tasks: 10_000 },
            ),
            "gather/tokio-mt/10000",
        ),
        (
            Case::new(
                Target::Toolkit("smol"),
                Workload::SpawnAwait { tasks: 10_000 },
            ),
            "gather/smol.trait-spawn/10000",
        ),
        (
            Case::new(
                Target::Toolkit("async-std"),
                Workload::QueuePutGet { shape },
            ),
            "queue/async-std.put-get/1x1-bounded",
        ),
        (
            Case::new(Target::Native("smol"), Workload::Queue { shape }),
            "queue/smol.native/1x1-bounded",
        ),
        (
            Case::new(
                Target::Native("tokio"),
                Workload::Channel {
                    kind: ChannelKind::Mpsc,
                    shape: QueueShape::new(16, 16, false),
                },
            ),
            "queue/tokio.mpsc/16x16-unbounded",
        ),
        (
            Case::new(
                Target::Toolkit("smol-mt"),
                Workload::LoopCreate {
                    config: Config::with_workers(2),
                },
            ),
            "loop_create/smol-mt/2w",
        ),
        (
            Case::new(Target::Toolkit("async-std"), Workload::FirstStart),
            "loop_create/async-std/first-start",
        ),
        (
            Case::new(
                Target::Floor(Floor::ThreadSleep),
                Workload::CallLater {
                    delay: Duration::from_millis(10),
                },
            ),
            "timer_call_later/floor.thread-sleep/10ms",
        ),
        (
            Case::new(
                Target::Toolkit("smol"),
                Workload::Stall { stat: Stat::Worst },
            ),
            "blocking_stall/smol/worst",
        ),
    ];
    for (case, id) in ids {
        assert_eq!(case.to_string(), id);
    }
}

#[test]
fn queue_shares_cover_every_item_once() {
    let shape = QueueShape {
        producers: 16,
        consumers: 16,
        bound: None,
        items: 100_003,
    };
    let mut next = 0;
    for index in 0..shape.producers {
        let share = shape.share(index);
        assert_eq!(share.start, next);
        next = share.end;
    }
    assert_eq!(next, shape.items);
    let taken: u64 = (0..shape.consumers).map(|index| shape.take(index)).sum();
    assert_eq!(taken, shape.items);
}

#[test]
fn stats_pick_the_median_and_the_worst() {
    let ms = Duration::from_millis;
    let mut lateness = vec![ms(5), ms(1), ms(3), ms(2), ms(4)];
    assert_eq!(Stat::Median.of(&mut lateness), ms(3));
    assert_eq!(Stat::Worst.of(&mut lateness), ms(5));
    assert_eq!(Stat::Worst.of(&mut []), Duration::ZERO);
}

/// A stand-in for a bench that logs each run under its name and takes as long as it is told.
struct Probe {
    name: &'static str,
    log: Rc<RefCell<Vec<&'static str>>>,
    per_iteration: Duration,
}

impl Timed for Probe {
    fn run(&mut self, iters: u64) -> Result<Duration, Error> {
        self.log.borrow_mut().push(self.name);
        Ok(self.per_iteration * u32::try_from(iters).unwrap())
    }
}

#[test]
fn paired_comparison_runs_both_cases_in_alternation() {
    let log = Rc::new(RefCell::new(Vec::new()));
    let probe = |name, micros| Probe {
        name,
        log: Rc::clone(&log),
        per_iteration: Duration::from_micros(micros),
    };
    let result = paired(probe("a", 3), probe("b", 2), 5, 4).unwrap();
    // One warm-up run of each, then five rounds, the order flipping every round.
    assert_eq!(
        *log.borrow(),
        ["a", "b", "a", "b", "b", "a", "a", "b", "b", "a", "a", "b"]
    );
    assert_eq!(result.a.runs, 5);
    assert_eq!(result.a.median, Duration::from_micros(3), "per iteration");
    assert_eq!(result.b.median, Duration::from_micros(2));
    assert!((result.ratio() - 1.5).abs() < 1e-9);
    log.borrow_mut().clear();
    alone(probe("c", 1), 3, 2).unwrap();
    assert_eq!(*log.borrow(), ["c"; 4]);
    // The real cases pair as the probes do.
    let gather = Workload::Gather { tasks: 10 };
    let toolkit = Case::new(Target::Toolkit("smol"), gather);
    let native = Case::new(Target::Native("smol"), gather);
    let measured = paired(toolkit.bench().unwrap(), native.bench().unwrap(), 3, 2).unwrap();
    assert!(measured.a.min <= measured.a.median && measured.a.median <= measured.a.max);
    assert!(measured.b.median > Duration::ZERO);
}

#[test]
fn interleaved_rounds_rotate_the_start_and_drop_a_failing_bench() {
    struct Failing;
    impl Timed for Failing {
        fn run(&mut self, _iters: u64) -> Result<Duration, Error> {
            Err(Error::Wrong("lost an item".into()))
        }
    }
    assert_eq!(rotation(3, 0).collect::<Vec<_>>(), [0, 1, 2]);
    assert_eq!(rotation(3, 4).collect::<Vec<_>>(), [1, 2, 0]);
    let log = Rc::new(RefCell::new(Vec::new()));
    let probe = |name| Probe {
        name,
        log: Rc::clone(&log),
        per_iteration: Duration::from_nanos(10),
    };
    let mut benches = [(probe("x"), 1), (probe("y"), 1), (probe("z"), 1)];
    let times = interleaved(&mut benches, 3);
    assert_eq!(*log.borrow(), ["x", "y", "z", "y", "z", "x", "z", "x", "y"]);
    assert!(times.iter().all(|runs| runs.as_ref().unwrap().len() == 3));
    let mut failing = [(Failing, 1)];
    assert!(matches!(
        interleaved(&mut failing, 2)[0],
        Err(Error::Wrong(_))
    ));
}
