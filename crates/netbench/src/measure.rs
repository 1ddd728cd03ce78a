//! A point (message size × connections) measured on a list of server instances: every server
//! started once for the point (all at once) and primed, then rounds in which the generator, a process of its own, loads each
//! server in turn, in the order [`rotation`] gives, so that whatever the machine does meanwhile falls
//! on every server alike; last, each server's peak RSS is read and its stdin closed. Around each
//! run the server's CPU time is read (`/proc/<pid>/stat`), so each report says what the run cost
//! the server as well as what it cost the generator.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rosetta_workloads::interleave::rotation;

use crate::error::NetError;
use crate::loadgen::{Engine, Load, Mode, Report};
use crate::process::ServerProcess;
use crate::servers::{HTTP_BODY, Instance, NetWorkload};

/// One point of a workload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Point {
    /// The workload.
    pub workload: NetWorkload,
    /// Bytes per echo message (the HTTP body is [`HTTP_BODY`]).
    pub size: usize,
    /// Connections.
    pub connections: usize,
}

impl Point {
    /// What each request is.
    pub fn mode(&self) -> Mode {
        match self.workload {
            NetWorkload::Echo => Mode::Echo { size: self.size },
            NetWorkload::Http => Mode::Http { body: HTTP_BODY },
        }
    }

    /// The point as tables name it: `1 KiB × 10`.
    ///
    /// ```
    /// use rosetta_netbench::{NetWorkload, measure::Point};
    ///
    /// let point = Point { workload: NetWorkload::Echo, size: 100 * 1024, connections: 1000 };
    /// assert_eq!(point.label(), "100 KiB × 1000");
    /// ```
    pub fn label(&self) -> String {
        format!("{} × {}", size_label(self.size), self.connections)
    }
}

/// A message size as tables write it: `1 KiB`, `100 KiB`, `512 B`.
pub fn size_label(size: usize) -> String {
    if size >= 1024 && size.is_multiple_of(1024) {
        format!("{} KiB", size / 1024)
    } else {
        format!("{size} B")
    }
}

/// How the two sides share the CPUs, when they are pinned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pinning {
    /// The server's CPUs.
    pub server: Vec<usize>,
    /// The generator's CPUs.
    pub generator: Vec<usize>,
}

/// How a point is measured.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The `rosetta` binary: `netserve` and `loadgen` are its subcommands.
    pub exe: PathBuf,
    /// The venv's interpreter for the Python servers, or why there is none.
    pub python: Result<PathBuf, String>,
    /// The repository root (the Python scripts are under it).
    pub root: PathBuf,
    /// Each run's warm-up.
    pub warmup: Duration,
    /// Each run's recorded window.
    pub duration: Duration,
    /// Runs per server.
    pub rounds: usize,
    /// CPU pinning, or none (both sides share every CPU).
    pub pin: Option<Pinning>,
    /// Whether each server first answers one connection that then closes ([`prime`]), before the
    /// recorded rounds.
    pub prime: bool,
}

/// What one server instance gave at a point.
#[derive(Debug, Clone, PartialEq)]
pub struct Runs {
    /// Each run's report, in round order.
    pub reports: Vec<Report>,
    /// The server's peak RSS over the point, in KiB.
    pub peak_rss_kib: Option<u64>,
    /// A failure after some runs (the server died, did not stop, a run failed), if any.
    pub problem: Option<String>,
}

/// How long a server may take to say it is ready (a Python interpreter starting on a busy machine).
pub const READY_WITHIN: Duration = Duration::from_secs(30);

/// How long a server may take to exit once its stdin is closed.
pub const STOP_WITHIN: Duration = Duration::from_secs(10);

/// Measures `point` on every instance; one entry per instance, in order: its runs, or why it has
/// none.
pub fn measure(
    instances: &[Instance],
    point: &Point,
    settings: &Settings,
) -> Vec<Result<Runs, String>> {
    // Every server starts at once: a Python interpreter takes a few hundred milliseconds to say it
    // listens, and nothing is measured yet.
    let mut servers: Vec<Result<ServerProcess, String>> = each_at_once(
        instances,
        |instance| start(instance, settings).map_err(|error| error.to_string()),
        || Err("its start panicked".to_owned()),
    );
    let mut runs: Vec<Runs> = instances
        .iter()
        .map(|_| Runs {
            reports: Vec::with_capacity(settings.rounds),
            peak_rss_kib: None,
            problem: None,
        })
        .collect();
    if settings.prime {
        // Every server at once: the exchange is not measured, and it costs each one a generator
        // process.
        let addrs: Vec<Option<std::net::SocketAddr>> = servers
            .iter()
            .map(|server| server.as_ref().ok().map(ServerProcess::addr))
            .collect();
        let primed = each_at_once(
            &addrs,
            |addr| {
                prime(settings, (*addr)?, point)
                    .err()
                    .map(|error| format!("its priming exchange failed: {error}"))
            },
            || Some("its priming thread panicked".to_owned()),
        );
        for (problem, runs) in primed.into_iter().zip(&mut runs) {
            runs.problem = runs.problem.take().or(problem);
        }
    }
    for round in 0..settings.rounds {
        for index in rotation(instances.len(), round) {
            let (Ok(server), None) = (&servers[index], &runs[index].problem) else {
                continue;
            };
            let load = Load {
                addr: server.addr(),
                mode: point.mode(),
                connections: point.connections,
                warmup: settings.warmup,
                duration: settings.duration,
                max_requests: None,
                io_timeout: Duration::from_secs(10),
                engine: Engine::Epoll,
                threads: 1,
            };
            // The server's CPU time over the generator's whole process, read from the OS in clock
            // ticks (10 ms at the usual 100 Hz): a short window's figure is coarse.
            let cpu_before = crate::os::process_cpu(server.pid());
            match generate(settings, &load) {
                Ok(mut report) => {
                    let cpu_after = crate::os::process_cpu(server.pid());
                    report.server_cpu_s = cpu_before
                        .zip(cpu_after)
                        .map(|(before, after)| after.saturating_sub(before).as_secs_f64());
                    runs[index].reports.push(report);
                }
                Err(error) => runs[index].problem = Some(error.to_string()),
            }
        }
    }
    instances
        .iter()
        .enumerate()
        .map(|(index, _)| {
            let server = std::mem::replace(&mut servers[index], Err(String::new()))?;
            let mut found = runs[index].clone();
            found.peak_rss_kib = server.peak_rss_kib();
            if let Err(error) = server.stop(STOP_WITHIN) {
                found.problem.get_or_insert(error.to_string());
            }
            Ok(found)
        })
        .collect()
}

/// `work` on every item, each on a thread of its own, all at once; the results in the items' order,
/// `panicked()` for an item whose thread panicked.
fn each_at_once<T: Sync, U: Send>(
    items: &[T],
    work: impl Fn(&T) -> U + Sync,
    panicked: impl Fn() -> U,
) -> Vec<U> {
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .iter()
            .map(|item| scope.spawn(|| work(item)))
            .collect();
        handles
            .into_iter()
            .map(|handle| handle.join().unwrap_or_else(|_| panicked()))
            .collect()
    })
}

/// Primes the server at `addr`: one connection, one request, then closed, so that every server is
/// measured as one that has served before. A fresh CPython server reads with asyncio's 256 KiB buffer
/// into a block glibc maps and unmaps at every read (`mmap`, `mremap`, `munmap`: about four times the
/// CPU of a request once primed) until a freed block raises glibc's mmap threshold, which the first
/// closed connection does (methodology); a Rust server only warms its allocator.
///
/// # Errors
///
/// [`NetError::Load`] when the exchange fails.
pub fn prime(
    settings: &Settings,
    addr: std::net::SocketAddr,
    point: &Point,
) -> Result<(), NetError> {
    let load = Load {
        addr,
        mode: point.mode(),
        connections: 1,
        warmup: Duration::ZERO,
        duration: Duration::from_secs(10),
        max_requests: Some(1),
        io_timeout: Duration::from_secs(10),
        engine: Engine::Epoll,
        threads: 1,
    };
    let report = generate(settings, &load)?;
    match report.first_error {
        Some(error) => Err(NetError::Load(error)),
        None => Ok(()),
    }
}

/// Starts `instance` under the contract, pinned as `settings` say.
///
/// # Errors
///
/// Why it did not start.
pub fn start(instance: &Instance, settings: &Settings) -> Result<ServerProcess, NetError> {
    let python = settings.python.as_deref().map_err(String::as_str);
    let mut command = instance.command(&settings.exe, python, &settings.root)?;
    if let Some(pin) = &settings.pin {
        command.env(crate::os::PIN_VAR, cpus(&pin.server));
    } else {
        command.env_remove(crate::os::PIN_VAR);
    }
    ServerProcess::start(command, READY_WITHIN)
}

fn cpus(list: &[usize]) -> String {
    list.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// Runs the generator in a process of its own (`exe loadgen`) and reads its report.
///
/// # Errors
///
/// [`NetError::Load`] when it fails, times out (killed), or prints no report.
pub fn generate(settings: &Settings, load: &Load) -> Result<Report, NetError> {
    let (mode, size) = match load.mode {
        Mode::Echo { size } => ("echo", size),
        Mode::Http { body } => ("http", body),
    };
    let mut command = Command::new(&settings.exe);
    command.args([
        "loadgen",
        "--addr",
        &load.addr.to_string(),
        "--mode",
        mode,
        "--size",
        &size.to_string(),
        "--connections",
        &load.connections.to_string(),
        "--warmup-ms",
        &load.warmup.as_millis().to_string(),
        "--duration-ms",
        &load.duration.as_millis().max(1).to_string(),
        "--engine",
        load.engine.id(),
    ]);
    if load.engine == Engine::Epoll {
        command.args(["--threads", &load.threads.to_string()]);
    }
    if let Some(requests) = load.max_requests {
        command.args(["--requests", &requests.to_string()]);
    }
    if let Some(pin) = &settings.pin {
        command.args(["--cpus", &cpus(&pin.generator)]);
    }
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| NetError::Load(format!("cannot run the generator: {e}")))?;
    // The whole run is bounded: the window, the connects, and a generous margin.
    let limit = load.warmup + load.duration + Duration::from_secs(60);
    let started = Instant::now();
    loop {
        if child.try_wait()?.is_some() {
            break;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return Err(NetError::Load(format!(
                "the generator ran over {} s; killed",
                limit.as_secs()
            )));
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let output = child.wait_with_output()?;
    if !output.status.success() {
        return Err(NetError::Load(
            String::from_utf8_lossy(&output.stderr).trim().to_owned(),
        ));
    }
    serde_json::from_slice(&output.stdout)
        .map_err(|e| NetError::Load(format!("its report cannot be read: {e}")))
}
