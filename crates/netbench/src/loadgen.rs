//! The load generator (`rosetta loadgen`): closed-loop connections, each sending a request, waiting
//! for the whole answer, verifying every byte, sending the next; driven by a few event-loop threads
//! (`--engine epoll`, the default) or by a thread per connection (`--engine threads`, the
//! cross-check).
//!
//! The connections are opened one after another, each finishing one exchange before the next is
//! opened: the server has accepted every connection before the load starts, and the listen backlog
//! (128 on most servers) never overflows into the kernel's SYN retries of 1, 3 and 7 s. Then all
//! connections start together; for the warm-up nothing is recorded, then every request's latency
//! goes into an HdrHistogram (1 µs to 60 s, three significant digits) until the window ends or the
//! count is reached. A connection that fails (an I/O error, a byte that differs, a bad HTTP answer,
//! no progress for the I/O timeout) counts one error and stops; the others go on.
//!
//! The epoll engine runs `--threads` threads (one by default), the connections split over them
//! round-robin; each thread is one level-triggered epoll loop (rustix) over non-blocking sockets,
//! with a small state machine per connection: writing the request, then reading the answer. One
//! thread drives a thousand connections for the cost of the system calls alone, where a thread per
//! connection pays a context switch per request. Both engines share the connects, the requests, the
//! verification (the echo's sequence stamp and every byte; HTTP's status, `Content-Length`, body
//! length and nothing after it), the window and the report.
//!
//! The report carries the generator's own CPU time over the recorded window (user and system, all
//! threads: `CLOCK_PROCESS_CPUTIME_ID`, read when the window starts and once every connection has
//! stopped), so a table shows how busy the generator was beside the server it loaded.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Barrier, OnceLock};
use std::time::{Duration, Instant};

use clap::{Args, ValueEnum};
use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};

use crate::error::NetError;

/// What each request is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A message of this many bytes, echoed back whole.
    Echo {
        /// Bytes per message.
        size: usize,
    },
    /// `GET / HTTP/1.1` with `Host`, a response with `Content-Length` of this many bytes.
    Http {
        /// The body's expected length.
        body: usize,
    },
}

/// How the generator drives its connections (`--engine`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Engine {
    /// A few threads, each one epoll loop over non-blocking sockets (`--threads`).
    #[default]
    Epoll,
    /// A thread per connection doing blocking writes and reads: the cross-check.
    Threads,
}

impl Engine {
    /// The engine as `--engine` names it.
    pub fn id(self) -> &'static str {
        match self {
            Engine::Epoll => "epoll",
            Engine::Threads => "threads",
        }
    }
}

/// One run of the generator.
#[derive(Debug, Clone)]
pub struct Load {
    /// The server.
    pub addr: SocketAddr,
    /// What each request is.
    pub mode: Mode,
    /// Connections, each one request in flight.
    pub connections: usize,
    /// How long the load runs before anything is recorded.
    pub warmup: Duration,
    /// How long it is recorded.
    pub duration: Duration,
    /// Stop after this many recorded requests in all, if sooner.
    pub max_requests: Option<u64>,
    /// How long a connection may make no progress (no byte written or read) before it counts as
    /// failed.
    pub io_timeout: Duration,
    /// The engine.
    pub engine: Engine,
    /// The epoll engine's event-loop threads (at most one per connection); the threads engine
    /// ignores it.
    pub threads: usize,
}

/// What one run of the generator found. Latencies in microseconds.
///
/// The fields added after the first version have serde defaults, so reports written before them
/// still load.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Connections that took part.
    pub connections: usize,
    /// Requests recorded (after the warm-up), each answered and verified.
    pub requests: u64,
    /// Payload bytes verified in recorded requests (sent and received once each).
    pub bytes: u64,
    /// Connections that failed.
    pub errors: u64,
    /// The first failure's message.
    pub first_error: Option<String>,
    /// The recorded window, in seconds.
    pub seconds: f64,
    /// Requests per second over the window.
    pub requests_per_s: f64,
    /// Mean latency.
    pub mean_us: f64,
    /// Median latency.
    pub p50_us: f64,
    /// 99th percentile.
    pub p99_us: f64,
    /// 99.9th percentile.
    pub p999_us: f64,
    /// The slowest request.
    pub max_us: f64,
    /// The engine that ran; none in reports from before there were two.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engine: Option<Engine>,
    /// The threads that drove the connections: the epoll engine's event loops, or one per
    /// connection.
    #[serde(default)]
    pub threads: usize,
    /// Every exchange answered and verified, the connects' first ones and the warm-up's included:
    /// what the server did while the generator ran.
    #[serde(default)]
    pub exchanges: u64,
    /// The generator's own CPU time (user and system, every thread) over the recorded window, in
    /// seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_s: Option<f64>,
    /// The server's CPU time (user and system) over the whole generator process, in seconds, as
    /// [`crate::measure`] reads it from `/proc/<pid>/stat` in clock ticks; the generator itself
    /// leaves it empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_cpu_s: Option<f64>,
    /// The recorded latencies' distribution: `[quantile, µs]` at each of [`QUANTILES`] (0 is the
    /// fastest request, 1 the slowest); empty in reports from before it was kept.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub distribution_us: Vec<[f64; 2]>,
}

/// The quantiles a [`Report`]'s distribution gives: enough to draw the latency curve and its tail.
pub const QUANTILES: [f64; 11] = [
    0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 0.9999, 1.0,
];

impl Report {
    /// The share of one core the generator kept busy over the window (`0.41` for 41 %).
    pub fn busy(&self) -> Option<f64> {
        self.cpu_s
            .filter(|_| self.seconds > 0.0)
            .map(|cpu| cpu / self.seconds)
    }

    /// The server's CPU time per exchange in microseconds: its CPU over the generator process
    /// divided by every exchange in it (so the warm-up's share of both cancels).
    pub fn server_cpu_us_per_request(&self) -> Option<f64> {
        let exchanges = if self.exchanges > 0 {
            self.exchanges
        } else {
            self.requests
        };
        self.server_cpu_s
            .filter(|_| exchanges > 0)
            .map(|cpu| cpu * 1e6 / exchanges as f64)
    }
}

/// The largest message `--size` takes: 16 MiB.
pub const MAX_SIZE: usize = 16 << 20;
/// The most connections `--connections` takes.
pub const MAX_CONNECTIONS: usize = 10_000;
/// The longest window or warm-up, in milliseconds: ten minutes.
pub const MAX_MS: u64 = 600_000;
/// The most event-loop threads `--threads` takes.
pub const MAX_THREADS: usize = 64;

/// The protocol of `rosetta loadgen --mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ModeArg {
    /// Echo messages of `--size` bytes.
    Echo,
    /// HTTP/1.1 keep-alive GET, a body of `--size` bytes expected.
    Http,
}

/// The arguments of `rosetta loadgen`.
#[derive(Debug, Clone, Args)]
pub struct LoadgenArgs {
    /// The server, 127.0.0.1:PORT.
    #[arg(long, value_name = "ADDR", value_parser = parse_addr)]
    pub addr: SocketAddr,
    /// What each request is.
    #[arg(long, value_enum, default_value = "echo")]
    pub mode: ModeArg,
    /// Bytes per echo message, or the HTTP body's expected length, from 1 to 16777216.
    #[arg(long, default_value = "1024", value_parser = |t: &str| parse_in(t, 1, MAX_SIZE as u64), allow_hyphen_values = true)]
    pub size: u64,
    /// Connections, from 1 to 10000.
    #[arg(long, default_value = "10", value_parser = |t: &str| parse_in(t, 1, MAX_CONNECTIONS as u64), allow_hyphen_values = true)]
    pub connections: u64,
    /// Warm-up in milliseconds, from 0 to 600000.
    #[arg(long, default_value = "200", value_parser = |t: &str| parse_in(t, 0, MAX_MS), allow_hyphen_values = true)]
    pub warmup_ms: u64,
    /// The recorded window in milliseconds, from 1 to 600000.
    #[arg(long, default_value = "1000", value_parser = |t: &str| parse_in(t, 1, MAX_MS), allow_hyphen_values = true)]
    pub duration_ms: u64,
    /// Stop after this many recorded requests, from 1 to 10^12, if sooner than the window.
    #[arg(long, value_parser = |t: &str| parse_in(t, 1, 1_000_000_000_000), allow_hyphen_values = true)]
    pub requests: Option<u64>,
    /// How the connections are driven: a few epoll loops, or a thread per connection.
    #[arg(long, value_enum, default_value = "epoll")]
    pub engine: Engine,
    /// The epoll engine's event-loop threads, from 1 to 64 (default 1); the connections are split
    /// over them round-robin.
    #[arg(long, value_parser = |t: &str| parse_in(t, 1, MAX_THREADS as u64), allow_hyphen_values = true)]
    pub threads: Option<u64>,
    /// Pin the generator to these CPUs, e.g. 1 or 0,1.
    #[arg(long, value_name = "CPUS", value_parser = |t: &str| crate::os::parse_cpus(t).map(Cpus))]
    pub cpus: Option<Cpus>,
}

/// A list of CPUs, as `--cpus` takes it (one value, `0,1`, not one value per CPU).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cpus(pub Vec<usize>);

fn parse_addr(text: &str) -> Result<SocketAddr, String> {
    text.parse::<SocketAddr>()
        .ok()
        .filter(|addr| addr.ip().is_loopback())
        .ok_or_else(|| {
            format!("`{text}` is not a loopback address with a port, e.g. 127.0.0.1:8080")
        })
}

fn parse_in(text: &str, min: u64, max: u64) -> Result<u64, String> {
    match text.trim().parse::<u64>() {
        Ok(value) if (min..=max).contains(&value) => Ok(value),
        _ => Err(format!("`{text}` is not an integer from {min} to {max}")),
    }
}

impl LoadgenArgs {
    /// The run these arguments describe.
    ///
    /// # Errors
    ///
    /// A message naming why, when `--threads` is given with `--engine threads` (a thread per
    /// connection has no event-loop threads to count).
    pub fn load(&self) -> Result<Load, String> {
        if self.engine == Engine::Threads && self.threads.is_some() {
            return Err(
                "--threads sets the epoll engine's event-loop threads; --engine threads \
                 runs one thread per connection and takes no --threads"
                    .to_owned(),
            );
        }
        let size = usize::try_from(self.size).unwrap_or(MAX_SIZE);
        Ok(Load {
            addr: self.addr,
            mode: match self.mode {
                ModeArg::Echo => Mode::Echo { size },
                ModeArg::Http => Mode::Http { body: size },
            },
            connections: usize::try_from(self.connections).unwrap_or(MAX_CONNECTIONS),
            warmup: Duration::from_millis(self.warmup_ms),
            duration: Duration::from_millis(self.duration_ms),
            max_requests: self.requests,
            io_timeout: Duration::from_secs(10),
            engine: self.engine,
            threads: self
                .threads
                .map_or(1, |t| usize::try_from(t).unwrap_or(MAX_THREADS)),
        })
    }
}

/// `rosetta loadgen`: runs the load, prints its [`Report`] as JSON on stdout.
pub fn main(args: &LoadgenArgs) -> ExitCode {
    let load = match args.load() {
        Ok(load) => load,
        Err(why) => {
            eprintln!("rosetta loadgen: {why}");
            return ExitCode::from(2);
        }
    };
    if let Some(Cpus(cpus)) = &args.cpus
        && let Err(error) = crate::os::pin(cpus)
    {
        eprintln!("rosetta loadgen: --cpus: cannot pin to {cpus:?}: {error}");
        return ExitCode::from(2);
    }
    crate::os::raise_nofile(crate::serve::NOFILE);
    match run(&load)
        .map_err(|e| e.to_string())
        .and_then(|report| serde_json::to_string(&report).map_err(|e| e.to_string()))
    {
        Ok(json) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Err(why) => {
            eprintln!("rosetta loadgen: {why}");
            ExitCode::FAILURE
        }
    }
}

/// The bytes one read may take: an HTTP answer's head and body arrive in chunks of up to this.
const CHUNK: usize = 64 * 1024;

/// One connection: its stream, what it sends, and what has come back of the answer so far. Both
/// engines drive it through the same steps: [`Connection::prepare`], write [`Connection::request`],
/// read at most [`Connection::room`] bytes at a time into [`Connection::take`] until
/// [`Connection::answered`] says the answer is whole and right.
struct Connection {
    stream: TcpStream,
    request: Vec<u8>,
    back: Vec<u8>,
    mode: Mode,
    seq: u64,
}

/// Where an HTTP answer stands.
enum Answer {
    /// Not whole yet; whether its head is.
    Partial {
        /// The head has been read (so the body is under way).
        head: bool,
    },
    /// Whole and right: its body's length.
    Whole(u64),
}

impl Connection {
    fn open(load: &Load, index: usize) -> Result<Connection, String> {
        // Connects are paced by the exchange each one finishes; a refused one (the backlog full on a
        // slow server) is tried again for a bounded while.
        let mut tries = 0;
        let stream = loop {
            match TcpStream::connect_timeout(&load.addr, load.io_timeout) {
                Ok(stream) => break stream,
                Err(_) if tries < 50 => {
                    tries += 1;
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(error) => return Err(format!("connection {index} cannot connect: {error}")),
            }
        };
        let setup = |error: std::io::Error| format!("connection {index}: {error}");
        stream.set_nodelay(true).map_err(setup)?;
        stream
            .set_read_timeout(Some(load.io_timeout))
            .map_err(setup)?;
        stream
            .set_write_timeout(Some(load.io_timeout))
            .map_err(setup)?;
        let request = match load.mode {
            Mode::Echo { size } => pattern(size, index as u64),
            Mode::Http { .. } => {
                format!("GET / HTTP/1.1\r\nHost: {}\r\n\r\n", load.addr).into_bytes()
            }
        };
        Ok(Connection {
            stream,
            back: Vec::with_capacity(request.len().max(4096)),
            request,
            mode: load.mode,
            seq: 0,
        })
    }

    /// Makes the request of message `seq` ready and forgets the last answer.
    fn prepare(&mut self, seq: u64) {
        self.seq = seq;
        self.back.clear();
        if let Mode::Echo { size } = self.mode {
            // The sequence number in the first bytes: an answer to an earlier message differs.
            let stamp = seq.to_le_bytes();
            let n = stamp.len().min(size);
            self.request[..n].copy_from_slice(&stamp[..n]);
        }
    }

    /// How many bytes the next read may take: the rest of the echo (a byte more would belong to
    /// the next one), or a chunk of the HTTP answer (a byte more than the answer is an error).
    fn room(&self) -> usize {
        match self.mode {
            Mode::Echo { size } => size - self.back.len(),
            Mode::Http { .. } => CHUNK,
        }
    }

    /// Keeps bytes that were read.
    fn take(&mut self, bytes: &[u8]) {
        self.back.extend_from_slice(bytes);
    }

    /// The payload bytes of the answer if it is whole and right, none while it is not whole.
    fn answered(&self) -> Result<Option<u64>, String> {
        match self.mode {
            Mode::Echo { size } => {
                if self.back.len() < size {
                    return Ok(None);
                }
                match self
                    .back
                    .iter()
                    .zip(&self.request)
                    .position(|(a, b)| a != b)
                {
                    Some(at) => Err(format!(
                        "byte {at} of message {} came back different",
                        self.seq
                    )),
                    None => Ok(Some(size as u64)),
                }
            }
            Mode::Http { body } => match http_answer(&self.back, body)? {
                Answer::Partial { .. } => Ok(None),
                Answer::Whole(length) => Ok(Some(length)),
            },
        }
    }

    /// What a read failure is called, its cause after the colon.
    fn read_failed(&self, why: &dyn std::fmt::Display) -> String {
        match self.mode {
            Mode::Echo { .. } => format!("read of the echo: {why}"),
            Mode::Http { .. } => format!("read of the response: {why}"),
        }
    }

    /// What the server's close before a whole answer is called.
    fn closed(&self) -> String {
        match self.mode {
            Mode::Echo { .. } => self.read_failed(&"the server closed the connection"),
            Mode::Http { body } => match http_answer(&self.back, body) {
                Ok(Answer::Partial { head: true }) => {
                    "the server closed the connection mid-body".to_owned()
                }
                _ => "the server closed the connection before a response".to_owned(),
            },
        }
    }

    /// One request and its verified answer, blocking: the payload bytes it carried.
    fn exchange(&mut self, seq: u64, chunk: &mut [u8]) -> Result<u64, String> {
        self.prepare(seq);
        self.stream
            .write_all(&self.request)
            .map_err(|e| format!("write: {e}"))?;
        loop {
            let room = self.room().min(chunk.len());
            let n = self
                .stream
                .read(&mut chunk[..room])
                .map_err(|e| self.read_failed(&e))?;
            if n == 0 {
                return Err(self.closed());
            }
            self.take(&chunk[..n]);
            if let Some(bytes) = self.answered()? {
                return Ok(bytes);
            }
        }
    }
}

/// `size` bytes of a pattern that differs between connections.
fn pattern(size: usize, seed: u64) -> Vec<u8> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..size)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

/// Where the HTTP/1.1 answer read so far into `buf` stands: the head up to its blank line, then
/// `Content-Length` bytes; the status must be 200, the body `body` bytes long, and nothing may
/// follow the answer (the generator asked for one).
fn http_answer(buf: &[u8], body: usize) -> Result<Answer, String> {
    let Some(head_end) = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|at| at + 4)
    else {
        if buf.len() > 64 * 1024 {
            return Err("a response head longer than 64 KiB".to_owned());
        }
        return Ok(Answer::Partial { head: false });
    };
    let head = String::from_utf8_lossy(&buf[..head_end]);
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap_or_default();
    if !status.starts_with("HTTP/1.1 200") {
        return Err(format!("status line {status:?}, not HTTP/1.1 200"));
    }
    let length = lines
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.trim().parse::<usize>().ok())
        .ok_or_else(|| "a response without Content-Length".to_owned())?;
    if length != body {
        return Err(format!("a body of {length} bytes, not {body}"));
    }
    match buf.len().cmp(&(head_end + length)) {
        std::cmp::Ordering::Less => Ok(Answer::Partial { head: true }),
        std::cmp::Ordering::Equal => Ok(Answer::Whole(length as u64)),
        std::cmp::Ordering::Greater => Err("bytes after the response, unasked for".to_owned()),
    }
}

/// The recorded window, as every driving thread sees it: when recording starts, when no request
/// starts any more, and the count of recorded requests claimed so far.
#[derive(Clone)]
struct Window {
    measured: Instant,
    end: Instant,
    max: Option<u64>,
    recorded: Arc<AtomicU64>,
}

impl Window {
    /// Whether a request starting `now` is to be sent, and if so whether it counts: none when the
    /// window is over or the count is reached (the request's slot is claimed here).
    fn claim(&self, now: Instant) -> Option<bool> {
        if now >= self.end {
            return None;
        }
        let counts = now >= self.measured;
        if counts
            && self
                .max
                .is_some_and(|max| self.recorded.fetch_add(1, Ordering::Relaxed) >= max)
        {
            return None;
        }
        Some(counts)
    }

    /// Frees the slot a failed request claimed, for the connections still going.
    fn release(&self, counts: bool) {
        if counts && self.max.is_some() {
            self.recorded.fetch_sub(1, Ordering::Relaxed);
        }
    }
}

/// What one driving thread found.
struct Tally {
    histogram: Histogram<u64>,
    bytes: u64,
    exchanges: u64,
    last: Option<Instant>,
    errors: u64,
    first_error: Option<String>,
}

impl Tally {
    fn new() -> Result<Tally, NetError> {
        Ok(Tally {
            histogram: Histogram::new_with_bounds(1, 60_000_000, 3)
                .map_err(|e| NetError::Load(e.to_string()))?,
            bytes: 0,
            exchanges: 0,
            last: None,
            errors: 0,
            first_error: None,
        })
    }

    /// An exchange sent at `sent`, verified at `done`, of `bytes` payload bytes.
    fn answered(&mut self, sent: Instant, done: Instant, bytes: u64, counts: bool) {
        self.exchanges += 1;
        if counts {
            let us = (done - sent).as_micros().max(1);
            let _ = self.histogram.record(u64::try_from(us).unwrap_or(u64::MAX));
            self.bytes += bytes;
            self.last = Some(done);
        }
    }

    /// A connection failed.
    fn failed(&mut self, why: String) {
        self.errors += 1;
        self.first_error.get_or_insert(why);
    }

    fn add(&mut self, other: Tally) {
        let _ = self.histogram.add(&other.histogram);
        self.bytes += other.bytes;
        self.exchanges += other.exchanges;
        self.last = self.last.max(other.last);
        self.errors += other.errors;
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
    }
}

/// The start every driving thread waits for, then the window they share.
struct Start {
    barrier: Barrier,
    began: OnceLock<Instant>,
    load: Load,
    recorded: Arc<AtomicU64>,
}

impl Start {
    /// Waits for every thread, and returns the window of the load that starts now.
    fn wait(&self) -> Window {
        self.barrier.wait();
        let began = *self.began.get_or_init(Instant::now);
        Window {
            measured: began + self.load.warmup,
            end: began + self.load.warmup + self.load.duration,
            max: self.load.max_requests,
            recorded: Arc::clone(&self.recorded),
        }
    }
}

/// Runs `load` and reports what it measured.
///
/// # Errors
///
/// [`NetError::Load`] when a connection cannot be opened and finish its first exchange, or a
/// thread or an epoll instance cannot start.
pub fn run(load: &Load) -> Result<Report, NetError> {
    let mut connections = Vec::with_capacity(load.connections);
    let mut chunk = vec![0u8; CHUNK];
    for index in 0..load.connections {
        let mut connection = Connection::open(load, index).map_err(NetError::Load)?;
        connection
            .exchange(0, &mut chunk)
            .map_err(|why| NetError::Load(format!("connection {index}: first exchange: {why}")))?;
        connections.push(connection);
    }
    // Round-robin: connection i goes to group i mod the threads.
    let threads = match load.engine {
        Engine::Epoll => load.threads.clamp(1, load.connections.max(1)),
        Engine::Threads => load.connections,
    };
    let mut groups: Vec<Vec<Connection>> = (0..threads).map(|_| Vec::new()).collect();
    for (index, connection) in connections.into_iter().enumerate() {
        groups[index % threads].push(connection);
    }
    let start = Arc::new(Start {
        barrier: Barrier::new(threads + 1),
        began: OnceLock::new(),
        load: load.clone(),
        recorded: Arc::new(AtomicU64::new(0)),
    });
    let mut handles = Vec::with_capacity(threads);
    for group in groups {
        let start = Arc::clone(&start);
        let engine = load.engine;
        let io_timeout = load.io_timeout;
        let tally = Tally::new()?;
        let handle = std::thread::Builder::new()
            .name("loadgen".to_owned())
            .stack_size(256 * 1024)
            .spawn(move || match engine {
                Engine::Threads => Ok(blocking(group, tally, &start)),
                Engine::Epoll => event_loop(group, tally, &start, io_timeout),
            });
        match handle {
            Ok(handle) => handles.push(handle),
            // The threads already started wait at the barrier for ever otherwise: the process
            // ends with this error.
            Err(e) => return Err(NetError::Load(format!("cannot start a thread: {e}"))),
        }
    }
    let window = start.wait();
    std::thread::sleep(window.measured.saturating_duration_since(Instant::now()));
    let cpu_from = crate::os::own_cpu();
    let mut total = Tally::new()?;
    total.exchanges = load.connections as u64;
    for handle in handles {
        let tally = handle
            .join()
            .map_err(|_| NetError::Load("a driving thread panicked".to_owned()))??;
        total.add(tally);
    }
    let cpu = crate::os::own_cpu().saturating_sub(cpu_from);
    let seconds = match total.last {
        Some(last) if last > window.measured => (last - window.measured).as_secs_f64(),
        _ => 0.0,
    };
    let requests = total.histogram.len();
    let us = |q: f64| total.histogram.value_at_quantile(q) as f64;
    Ok(Report {
        connections: load.connections,
        requests,
        bytes: total.bytes,
        errors: total.errors,
        first_error: total.first_error.clone(),
        seconds,
        requests_per_s: if seconds > 0.0 {
            requests as f64 / seconds
        } else {
            0.0
        },
        mean_us: if requests > 0 {
            total.histogram.mean()
        } else {
            0.0
        },
        p50_us: us(0.5),
        p99_us: us(0.99),
        p999_us: us(0.999),
        max_us: total.histogram.max() as f64,
        engine: Some(load.engine),
        threads,
        exchanges: total.exchanges,
        cpu_s: Some(cpu.as_secs_f64()),
        server_cpu_s: None,
        distribution_us: if requests > 0 {
            QUANTILES.iter().map(|q| [*q, us(*q)]).collect()
        } else {
            Vec::new()
        },
    })
}

/// The threads engine: this thread's one connection, blocking, request after request.
fn blocking(group: Vec<Connection>, mut tally: Tally, start: &Start) -> Tally {
    let mut chunk = vec![0u8; CHUNK];
    let window = start.wait();
    for mut connection in group {
        let mut seq = 1;
        loop {
            let sent = Instant::now();
            let Some(counts) = window.claim(sent) else {
                break;
            };
            match connection.exchange(seq, &mut chunk) {
                Ok(bytes) => tally.answered(sent, Instant::now(), bytes, counts),
                Err(why) => {
                    window.release(counts);
                    tally.failed(why);
                    break;
                }
            }
            seq += 1;
        }
    }
    tally
}

/// One connection of an epoll loop: where its exchange stands.
struct Flight {
    connection: Connection,
    /// Whether it is still going (not failed, not stopped by the window or the count).
    live: bool,
    /// Bytes of the request written; the request is whole once this is its length, then the
    /// answer is read.
    written: usize,
    /// When the request was started.
    sent: Instant,
    /// Whether it counts (started within the window).
    counts: bool,
    /// When a byte last moved: no progress for the I/O timeout fails the connection.
    moved: Instant,
    /// What epoll waits for on it now.
    interest: rustix::event::epoll::EventFlags,
}

impl Flight {
    fn writing(&self) -> bool {
        self.written < self.connection.request.len()
    }
}

/// What moving a connection on found.
enum Step {
    /// It waits for the socket to be ready for this.
    Wait(rustix::event::epoll::EventFlags),
    /// Its answer is whole and right: the payload bytes.
    Answered(u64),
}

/// How often an epoll loop wakes, at the least, to look for connections that made no progress.
const SWEEP: Duration = Duration::from_millis(50);

/// One epoll engine thread: its connections, the epoll instance they are registered on, and what
/// they found.
struct EventLoop {
    poller: rustix::fd::OwnedFd,
    flights: Vec<Flight>,
    tally: Tally,
    chunk: Vec<u8>,
    io_timeout: Duration,
    live: usize,
}

impl EventLoop {
    /// Makes the connections non-blocking and registers each on a new epoll instance, waiting for
    /// `IN` (nothing is in flight yet).
    fn new(group: Vec<Connection>, tally: Tally, io_timeout: Duration) -> std::io::Result<Self> {
        use rustix::event::epoll::{self, CreateFlags, EventData, EventFlags};

        let poller = epoll::create(CreateFlags::CLOEXEC)?;
        let now = Instant::now();
        let mut flights = Vec::with_capacity(group.len());
        for (token, connection) in group.into_iter().enumerate() {
            connection.stream.set_nonblocking(true)?;
            epoll::add(
                &poller,
                &connection.stream,
                EventData::new_u64(token as u64),
                EventFlags::IN,
            )?;
            flights.push(Flight {
                connection,
                live: true,
                written: 0,
                sent: now,
                counts: false,
                moved: now,
                interest: EventFlags::IN,
            });
        }
        Ok(EventLoop {
            poller,
            live: flights.len(),
            flights,
            tally,
            chunk: vec![0u8; CHUNK],
            io_timeout,
        })
    }

    /// Runs every connection until the window ends or the count is reached: each starts its first
    /// request, then each event moves its connection on.
    fn run(mut self, window: &Window) -> Tally {
        use rustix::event::epoll;

        for token in 0..self.flights.len() {
            if self.begin(token, window, 1) {
                self.drive(token, window);
            }
        }
        let mut events = Vec::with_capacity(self.flights.len().clamp(16, 1024));
        let timeout = rustix::event::Timespec {
            tv_sec: 0,
            tv_nsec: i64::from(SWEEP.subsec_nanos()),
        };
        let mut swept = Instant::now();
        while self.live > 0 {
            events.clear();
            match epoll::wait(
                &self.poller,
                rustix::buffer::spare_capacity(&mut events),
                Some(&timeout),
            ) {
                Ok(_) | Err(rustix::io::Errno::INTR) => {}
                Err(error) => {
                    // The loop cannot wait any more: every connection still going fails.
                    for token in 0..self.flights.len() {
                        if self.flights[token].live {
                            self.fail(token, window, format!("epoll_wait: {error}"));
                        }
                    }
                    break;
                }
            }
            for event in &events {
                let token = usize::try_from(event.data.u64()).unwrap_or(usize::MAX);
                if self.flights.get(token).is_some_and(|flight| flight.live) {
                    self.drive(token, window);
                }
            }
            let now = Instant::now();
            if now - swept >= SWEEP {
                swept = now;
                self.sweep(now, window);
            }
        }
        self.tally
    }

    /// Fails every connection that moved no byte for the I/O timeout: a silent server cannot hold
    /// the generator for longer than that.
    fn sweep(&mut self, now: Instant, window: &Window) {
        for token in 0..self.flights.len() {
            let flight = &self.flights[token];
            if flight.live && now - flight.moved >= self.io_timeout {
                let what = if flight.writing() {
                    "writing the request"
                } else {
                    "waiting for the answer"
                };
                let why = format!(
                    "no progress for {} s while {what}",
                    self.io_timeout.as_secs_f64()
                );
                self.fail(token, window, why);
            }
        }
    }

    /// Starts message `seq` on connection `token` if the window and the count allow; stops the
    /// connection otherwise (`false`).
    fn begin(&mut self, token: usize, window: &Window, seq: u64) -> bool {
        let now = Instant::now();
        let Some(counts) = window.claim(now) else {
            self.stop(token);
            return false;
        };
        let flight = &mut self.flights[token];
        flight.connection.prepare(seq);
        flight.written = 0;
        flight.sent = now;
        flight.moved = now;
        flight.counts = counts;
        true
    }

    /// Moves connection `token` on as far as its socket lets it: each answer recorded and the
    /// next request started (most often written whole straight away), until it waits for its
    /// socket, stops or fails.
    fn drive(&mut self, token: usize, window: &Window) {
        use rustix::event::epoll::{self, EventData};

        loop {
            match self.step(token) {
                Ok(Step::Wait(interest)) => {
                    let flight = &mut self.flights[token];
                    if flight.interest == interest {
                        return;
                    }
                    let changed = epoll::modify(
                        &self.poller,
                        &flight.connection.stream,
                        EventData::new_u64(token as u64),
                        interest,
                    );
                    match changed {
                        Ok(()) => flight.interest = interest,
                        Err(error) => self.fail(token, window, format!("epoll_ctl: {error}")),
                    }
                    return;
                }
                Ok(Step::Answered(bytes)) => {
                    let flight = &self.flights[token];
                    let (sent, counts, seq) = (flight.sent, flight.counts, flight.connection.seq);
                    self.tally.answered(sent, Instant::now(), bytes, counts);
                    if !self.begin(token, window, seq + 1) {
                        return;
                    }
                }
                Err(why) => {
                    self.fail(token, window, why);
                    return;
                }
            }
        }
    }

    /// Writes what is left of the request, then reads what has come of the answer, until the
    /// socket would block or the answer is whole.
    fn step(&mut self, token: usize) -> Result<Step, String> {
        use rustix::event::epoll::EventFlags;
        use std::io::ErrorKind::{Interrupted, WouldBlock};

        let flight = &mut self.flights[token];
        loop {
            if flight.writing() {
                let rest = &flight.connection.request[flight.written..];
                match flight.connection.stream.write(rest) {
                    Ok(0) => return Err("write: the server takes no more bytes".to_owned()),
                    Ok(n) => {
                        flight.written += n;
                        flight.moved = Instant::now();
                    }
                    Err(e) if e.kind() == WouldBlock => return Ok(Step::Wait(EventFlags::OUT)),
                    Err(e) if e.kind() == Interrupted => {}
                    Err(e) => return Err(format!("write: {e}")),
                }
                continue;
            }
            let room = flight.connection.room().min(self.chunk.len());
            match flight.connection.stream.read(&mut self.chunk[..room]) {
                Ok(0) => return Err(flight.connection.closed()),
                Ok(n) => {
                    flight.moved = Instant::now();
                    flight.connection.take(&self.chunk[..n]);
                    if let Some(bytes) = flight.connection.answered()? {
                        return Ok(Step::Answered(bytes));
                    }
                }
                Err(e) if e.kind() == WouldBlock => return Ok(Step::Wait(EventFlags::IN)),
                Err(e) if e.kind() == Interrupted => {}
                Err(e) => return Err(flight.connection.read_failed(&e)),
            }
        }
    }

    /// Connection `token` failed: one error, its slot freed, and it stops.
    fn fail(&mut self, token: usize, window: &Window, why: String) {
        window.release(self.flights[token].counts);
        self.tally.failed(why);
        self.stop(token);
    }

    /// Connection `token` stops: off epoll, its socket shut down, the others go on.
    fn stop(&mut self, token: usize) {
        let flight = &mut self.flights[token];
        if flight.live {
            flight.live = false;
            self.live -= 1;
            let _ = rustix::event::epoll::delete(&self.poller, &flight.connection.stream);
            let _ = flight.connection.stream.shutdown(std::net::Shutdown::Both);
        }
    }
}

/// The epoll engine: this thread's connections, on one epoll loop.
fn event_loop(
    group: Vec<Connection>,
    tally: Tally,
    start: &Start,
    io_timeout: Duration,
) -> Result<Tally, NetError> {
    // Set up before the start, so that registering is not in the window; waited for in any case,
    // so that a failure here does not hold the other threads at the barrier.
    let ready = EventLoop::new(group, tally, io_timeout);
    let window = start.wait();
    let event_loop =
        ready.map_err(|e| NetError::Load(format!("cannot set up an epoll loop: {e}")))?;
    Ok(event_loop.run(&window))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_differ_between_connections_and_fill_the_size() {
        assert_eq!(pattern(1024, 1).len(), 1024);
        assert_ne!(pattern(64, 1), pattern(64, 2));
        assert!(pattern(1024, 3).iter().any(|b| *b != pattern(1024, 3)[0]));
    }

    #[test]
    fn an_http_answer_is_partial_then_whole_and_anything_after_it_is_an_error() {
        let whole = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc";
        assert!(matches!(
            http_answer(&whole[..10], 3),
            Ok(Answer::Partial { head: false })
        ));
        assert!(matches!(
            http_answer(&whole[..whole.len() - 1], 3),
            Ok(Answer::Partial { head: true })
        ));
        assert!(matches!(http_answer(whole, 3), Ok(Answer::Whole(3))));
        let mut more = whole.to_vec();
        more.push(b'!');
        let why = http_answer(&more, 3).err().expect("a byte too many");
        assert!(why.contains("bytes after the response"), "{why}");
        let why = http_answer(whole, 4).err().expect("a wrong length");
        assert!(why.contains("3 bytes, not 4"), "{why}");
        let why = http_answer(b"HTTP/1.1 404 Not Found\r\n\r\n", 3)
            .err()
            .expect("not 200");
        assert!(why.contains("not HTTP/1.1 200"), "{why}");
    }

    #[test]
    fn old_reports_load_without_the_engine_and_the_cpu() {
        let old = r#"{"connections":1,"requests":2,"bytes":3,"errors":0,"first_error":null,
            "seconds":1.0,"requests_per_s":2.0,"mean_us":1.0,"p50_us":1.0,"p99_us":1.0,
            "p999_us":1.0,"max_us":1.0}"#;
        let report: Report = serde_json::from_str(old).expect("an old report loads");
        assert_eq!(
            (report.engine, report.threads, report.cpu_s),
            (None, 0, None)
        );
        assert_eq!(report.busy(), None);
        assert_eq!(report.server_cpu_us_per_request(), None);
    }
}
