//! Loop create and close, timed separately, on every runtime (asyncio's `new_event_loop` / `close`).
//!
//! Run: `cargo bench --bench loop_create_close`.

use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use rosetta_runtimes::{Config, Runtime, RuntimeVisitor};

/// Times `iters` creates (or closes) of runtime `R`, excluding the other step.
struct CreateClose {
    iters: u64,
    config: Config,
    time_close: bool,
}

impl RuntimeVisitor for CreateClose {
    type Output = Duration;

    fn visit<R: Runtime>(self) -> Duration {
        let mut total = Duration::ZERO;
        for _ in 0..self.iters {
            let start = Instant::now();
            let rt = R::create(&self.config).expect("runtime creates");
            let created = start.elapsed();
            let start = Instant::now();
            rt.close();
            total += if self.time_close {
                start.elapsed()
            } else {
                created
            };
        }
        total
    }
}

fn bench(c: &mut Criterion) {
    for (step, time_close) in [("create", false), ("close", true)] {
        let mut group = c.benchmark_group(format!("loop_{step}"));
        group
            .measurement_time(Duration::from_secs(2))
            .sample_size(20);
        for info in rosetta_runtimes::RUNTIMES {
            let workers: &[Option<usize>] = if info.flavor.configurable_workers() {
                &[Some(1), Some(2)]
            } else {
                &[None]
            };
            for &worker_threads in workers {
                let param = worker_threads.map_or("-".to_owned(), |n| format!("{n}w"));
                group.bench_with_input(
                    BenchmarkId::new(info.id, param),
                    &worker_threads,
                    |b, &worker_threads| {
                        b.iter_custom(|iters| {
                            let config = Config { worker_threads };
                            rosetta_runtimes::visit(
                                info.id,
                                CreateClose {
                                    iters,
                                    config,
                                    time_close,
                                },
                            )
                            .expect("registry id")
                        });
                    },
                );
            }
        }
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
