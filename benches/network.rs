//! The network groups, `echo` and `http`: a server in a process of its own (`rosetta netserve`) on
//! 127.0.0.1, the load generator here, on 1 and 10 connections. `echo`: 1 KiB messages, every
//! runtime's streams server over the trait, its raw one, its native one, the two floors beside them,
//! and the Python servers (streams, protocol, sock) on asyncio, uvloop and rloop. `http`: keep-alive
//! GETs of a 1 KiB body, every runtime's hyper server over the trait and its native one, and aiohttp
//! on the three loops. The Python servers run on the project's venv (made if missing); without it
//! they are left out, with a line saying why. Each iteration is one request answered and verified,
//! so criterion reads in requests per second.
//!
//! Run: `cargo bench --bench network`; one group: `cargo bench --bench network -- http/`; one point:
//! `cargo bench --bench network -- echo/smol/streams-1KiBx10`.

use std::path::Path;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use rosetta_netbench::measure::{self, Point, Settings, size_label};
use rosetta_netbench::{Load, NetWorkload, servers};

/// The points: 1 KiB on one connection (the round trip) and on ten.
const POINTS: [(usize, usize); 2] = [(1024, 1), (1024, 10)];

fn echo(c: &mut Criterion) {
    network(c, NetWorkload::Echo);
}

fn http(c: &mut Criterion) {
    network(c, NetWorkload::Http);
}

/// The group of `workload`: every Rust server of it at each point.
fn network(c: &mut Criterion, workload: NetWorkload) {
    let ids: Vec<&'static str> = rosetta_runtimes::RUNTIMES.iter().map(|rt| rt.id).collect();
    let settings = Settings {
        exe: Path::new(env!("CARGO_BIN_EXE_rosetta")).to_owned(),
        python: rosetta_harness::python::packages_interpreter().map_err(|error| error.to_string()),
        root: Path::new(env!("CARGO_MANIFEST_DIR")).to_owned(),
        warmup: Duration::ZERO,
        duration: Duration::from_secs(300),
        rounds: 1,
        pin: None,
        // Criterion's own warm-up runs requests on the bench's connections first.
        prime: false,
    };
    if let Err(why) = &settings.python {
        eprintln!("{}: the Python servers are left out: {why}", workload.id());
    }
    rosetta_netbench::os::raise_nofile(rosetta_netbench::serve::NOFILE);
    let mut group = c.benchmark_group(workload.id());
    group
        .nresamples(5_000)
        .sample_size(10)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
        .throughput(Throughput::Elements(1));
    for (size, connections) in POINTS {
        let point = Point {
            workload,
            size,
            connections,
        };
        for instance in servers::instances(workload, &ids, settings.python.is_ok()) {
            let server = match measure::start(&instance, &settings) {
                Ok(server) => server,
                // A runtime this machine cannot run (io_uring refused) has no case.
                Err(error) if error.to_string().contains("unavailable: ") => continue,
                Err(error) => panic!("{}/{}: {error}", instance.runner(), instance.server.id),
            };
            let parameter = format!(
                "{}-{}x{connections}",
                instance.server.id,
                size_label(size).replace(' ', "")
            );
            let load = |iters: u64| Load {
                addr: server.addr(),
                mode: point.mode(),
                connections,
                warmup: Duration::ZERO,
                duration: settings.duration,
                max_requests: Some(iters.max(1)),
                io_timeout: Duration::from_secs(30),
                engine: rosetta_netbench::loadgen::Engine::Epoll,
                threads: 1,
            };
            group.bench_function(BenchmarkId::new(instance.runner(), parameter), |b| {
                b.iter_custom(|iters| {
                    let report = rosetta_netbench::loadgen::run(&load(iters))
                        .unwrap_or_else(|error| panic!("{}: {error}", instance.runner()));
                    assert_eq!(report.errors, 0, "{report:?}");
                    Duration::from_secs_f64(report.seconds)
                });
            });
            server
                .stop(measure::STOP_WITHIN)
                .unwrap_or_else(|error| panic!("{error}"));
        }
    }
    group.finish();
}

criterion_group!(benches, echo, http);
criterion_main!(benches);
