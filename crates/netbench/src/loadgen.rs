//! The load generator (`rosetta loadgen`): closed-loop connections on threads of their own, each
//! sending a request, waiting for the whole answer, verifying every byte, sending the next.
//!
//! The connections are opened one after another, each finishing one exchange before the next is
//! opened: the server has accepted every connection before the load starts, and the listen backlog
//! (128 on most servers) never overflows into the kernel's SYN retries of 1, 3 and 7 s. Then all
//! threads start together; for the warm-up nothing is recorded, then every request's latency goes
//! into an HdrHistogram (1 µs to 60 s, three significant digits) until the window ends or the count
//! is reached. A connection that fails (an I/O error, a byte that differs, a bad HTTP answer) counts
//! one error and stops; the others go on. A thread per connection is the simplest generator that
//! never lets one slow connection hold up another; at 1 000 connections its cost is a context switch
//! per request, which the floor server's figures bound (methodology).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Barrier};
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
    /// How long one read or write may wait before the connection counts as failed.
    pub io_timeout: Duration,
}

/// What one run of the generator found. Latencies in microseconds.
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
}

/// The largest message `--size` takes: 16 MiB.
pub const MAX_SIZE: usize = 16 << 20;
/// The most connections `--connections` takes.
pub const MAX_CONNECTIONS: usize = 10_000;
/// The longest window or warm-up, in milliseconds: ten minutes.
pub const MAX_MS: u64 = 600_000;

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
    pub fn load(&self) -> Load {
        let size = usize::try_from(self.size).unwrap_or(MAX_SIZE);
        Load {
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
        }
    }
}

/// `rosetta loadgen`: runs the load, prints its [`Report`] as JSON on stdout.
pub fn main(args: &LoadgenArgs) -> ExitCode {
    if let Some(Cpus(cpus)) = &args.cpus
        && let Err(error) = crate::os::pin(cpus)
    {
        eprintln!("rosetta loadgen: --cpus: cannot pin to {cpus:?}: {error}");
        return ExitCode::from(2);
    }
    crate::os::raise_nofile(crate::serve::NOFILE);
    match run(&args.load())
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

/// One connection's state: its stream and what it sends.
struct Connection {
    stream: TcpStream,
    request: Vec<u8>,
    back: Vec<u8>,
    mode: Mode,
}

impl Connection {
    fn open(load: &Load, index: usize) -> Result<Connection, String> {
        // Connects are paced by the exchange each one finishes; a refused one (the backlog full on a
        // slow server) is tried again for a bounded while.
        let mut tries = 0;
        let stream = loop {
            match TcpStream::connect_timeout(&load.addr, load.io_timeout) {
                Ok(stream) => break stream,
                Err(error) if tries < 50 => {
                    tries += 1;
                    let _ = error;
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
        })
    }

    /// One request and its verified answer: the payload bytes it carried.
    fn exchange(&mut self, seq: u64) -> Result<u64, String> {
        match self.mode {
            Mode::Echo { size } => {
                // The sequence number in the first bytes: an answer to an earlier message differs.
                let stamp = seq.to_le_bytes();
                let n = stamp.len().min(size);
                self.request[..n].copy_from_slice(&stamp[..n]);
                self.stream
                    .write_all(&self.request)
                    .map_err(|e| format!("write: {e}"))?;
                self.back.resize(size, 0);
                self.stream
                    .read_exact(&mut self.back)
                    .map_err(|e| format!("read of the echo: {e}"))?;
                if let Some(at) = self
                    .back
                    .iter()
                    .zip(&self.request)
                    .position(|(a, b)| a != b)
                {
                    return Err(format!("byte {at} of message {seq} came back different"));
                }
                Ok(size as u64)
            }
            Mode::Http { body } => {
                self.stream
                    .write_all(&self.request)
                    .map_err(|e| format!("write: {e}"))?;
                read_response(&mut self.stream, &mut self.back, body)
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

/// Reads one HTTP/1.1 response: the head up to its blank line, then `Content-Length` bytes; checks
/// the status is 200 and the body `body` bytes long.
fn read_response(stream: &mut TcpStream, buf: &mut Vec<u8>, body: usize) -> Result<u64, String> {
    buf.clear();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        if buf.len() > 64 * 1024 {
            return Err("a response head longer than 64 KiB".to_owned());
        }
        let n = stream
            .read(&mut chunk)
            .map_err(|e| format!("read of the response: {e}"))?;
        if n == 0 {
            return Err("the server closed the connection before a response".to_owned());
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
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
    while buf.len() < head_end + length {
        let n = stream
            .read(&mut chunk)
            .map_err(|e| format!("read of the body: {e}"))?;
        if n == 0 {
            return Err("the server closed the connection mid-body".to_owned());
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    if buf.len() > head_end + length {
        return Err("bytes after the response, unasked for".to_owned());
    }
    Ok(length as u64)
}

/// What one connection's thread found.
struct Tally {
    histogram: Histogram<u64>,
    bytes: u64,
    last: Option<Instant>,
    error: Option<String>,
}

fn histogram() -> Result<Histogram<u64>, NetError> {
    Histogram::new_with_bounds(1, 60_000_000, 3).map_err(|e| NetError::Load(e.to_string()))
}

/// Runs `load` and reports what it measured.
///
/// # Errors
///
/// [`NetError::Load`] when a connection cannot be opened and finish its first exchange, or a
/// thread cannot start.
pub fn run(load: &Load) -> Result<Report, NetError> {
    let mut connections = Vec::with_capacity(load.connections);
    for index in 0..load.connections {
        let mut connection = Connection::open(load, index).map_err(NetError::Load)?;
        connection
            .exchange(0)
            .map_err(|why| NetError::Load(format!("connection {index}: first exchange: {why}")))?;
        connections.push(connection);
    }
    let start = Arc::new(Barrier::new(load.connections + 1));
    let recorded = Arc::new(AtomicU64::new(0));
    let (warmup, duration, max) = (load.warmup, load.duration, load.max_requests);
    let mut threads = Vec::with_capacity(load.connections);
    let begin = Arc::new(std::sync::OnceLock::<Instant>::new());
    for mut connection in connections {
        let (start, recorded, begin) = (
            Arc::clone(&start),
            Arc::clone(&recorded),
            Arc::clone(&begin),
        );
        let mut tally = Tally {
            histogram: histogram()?,
            bytes: 0,
            last: None,
            error: None,
        };
        let thread = std::thread::Builder::new()
            .name("loadgen".to_owned())
            .stack_size(256 * 1024)
            .spawn(move || {
                start.wait();
                let began = *begin.get_or_init(Instant::now);
                let (measured, end) = (began + warmup, began + warmup + duration);
                let mut seq = 1;
                loop {
                    let sent = Instant::now();
                    if sent >= end {
                        break;
                    }
                    let counts = sent >= measured;
                    if counts
                        && max.is_some_and(|max| recorded.fetch_add(1, Ordering::Relaxed) >= max)
                    {
                        break;
                    }
                    match connection.exchange(seq) {
                        Ok(bytes) => {
                            let done = Instant::now();
                            if counts {
                                let us = (done - sent).as_micros().max(1);
                                let _ = tally
                                    .histogram
                                    .record(u64::try_from(us).unwrap_or(u64::MAX));
                                tally.bytes += bytes;
                                tally.last = Some(done);
                            }
                        }
                        Err(why) => {
                            // The slot it claimed is free again for the connections still going.
                            if counts && max.is_some() {
                                recorded.fetch_sub(1, Ordering::Relaxed);
                            }
                            tally.error = Some(why);
                            break;
                        }
                    }
                    seq += 1;
                }
                tally
            })
            .map_err(|e| NetError::Load(format!("cannot start a connection's thread: {e}")))?;
        threads.push(thread);
    }
    start.wait();
    let mut total = histogram()?;
    let (mut bytes, mut errors, mut first_error, mut last) = (0, 0, None, None::<Instant>);
    for thread in threads {
        let tally = thread
            .join()
            .map_err(|_| NetError::Load("a connection's thread panicked".to_owned()))?;
        let _ = total.add(&tally.histogram);
        bytes += tally.bytes;
        if let Some(error) = tally.error {
            errors += 1;
            first_error.get_or_insert(error);
        }
        last = last.max(tally.last);
    }
    let measured_from = begin.get().map(|began| *began + warmup);
    let seconds = match (measured_from, last) {
        (Some(from), Some(last)) if last > from => (last - from).as_secs_f64(),
        _ => 0.0,
    };
    let requests = total.len();
    let us = |q: f64| total.value_at_quantile(q) as f64;
    Ok(Report {
        connections: load.connections,
        requests,
        bytes,
        errors,
        first_error,
        seconds,
        requests_per_s: if seconds > 0.0 {
            requests as f64 / seconds
        } else {
            0.0
        },
        mean_us: if requests > 0 { total.mean() } else { 0.0 },
        p50_us: us(0.5),
        p99_us: us(0.99),
        p999_us: us(0.999),
        max_us: total.max() as f64,
    })
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
}
