//! The load generator against small servers written here, on both engines: every byte counted and
//! verified, a corrupted echo, a closed connection, a silent server and a bad HTTP answer each an
//! error of their connection, the others served on.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::Duration;

use rosetta_netbench::loadgen::{Engine, Load, Mode, run};

/// A std server on 127.0.0.1 port 0, a thread per connection running `handle`; it lives as long as
/// the test process.
fn serve(handle: fn(TcpStream, usize)) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("binds");
    let addr = listener.local_addr().expect("addr");
    std::thread::spawn(move || {
        for (index, stream) in listener.incoming().enumerate() {
            let Ok(stream) = stream else { continue };
            std::thread::spawn(move || handle(stream, index));
        }
    });
    addr
}

fn echo(mut stream: TcpStream, _: usize) {
    let mut buf = [0u8; 65536];
    while let Ok(n) = stream.read(&mut buf) {
        if n == 0 || stream.write_all(&buf[..n]).is_err() {
            break;
        }
    }
}

/// Echoes, but from its third connection on flips a bit of the 1125th byte it has echoed.
fn corrupting_echo(mut stream: TcpStream, index: usize) {
    let mut buf = [0u8; 65536];
    let mut seen = 0usize;
    while let Ok(n) = stream.read(&mut buf) {
        if n == 0 {
            break;
        }
        if index >= 2 && seen <= 1124 && seen + n > 1124 {
            buf[1124 - seen] ^= 1;
        }
        seen += n;
        if stream.write_all(&buf[..n]).is_err() {
            break;
        }
    }
}

/// The engines, each with the event-loop threads it is tried with.
const ENGINES: [(Engine, usize); 3] =
    [(Engine::Epoll, 1), (Engine::Epoll, 2), (Engine::Threads, 1)];

fn load(addr: SocketAddr, mode: Mode, connections: usize, requests: u64) -> Load {
    on(addr, mode, connections, requests, (Engine::Epoll, 1))
}

fn on(
    addr: SocketAddr,
    mode: Mode,
    connections: usize,
    requests: u64,
    (engine, threads): (Engine, usize),
) -> Load {
    Load {
        addr,
        mode,
        connections,
        warmup: Duration::ZERO,
        duration: Duration::from_secs(120),
        max_requests: Some(requests),
        io_timeout: Duration::from_secs(30),
        engine,
        threads,
    }
}

#[test]
fn every_echoed_byte_is_counted_and_the_count_is_exact() {
    let addr = serve(echo);
    for engine in ENGINES {
        for (size, connections) in [(1, 1), (1024, 4), (100 * 1024, 3)] {
            let mode = Mode::Echo { size };
            let report = run(&on(addr, mode, connections, 300, engine)).expect("runs");
            assert_eq!(report.errors, 0, "{engine:?}: {report:?}");
            assert_eq!(report.engine, Some(engine.0));
            assert_eq!(report.requests, 300);
            assert_eq!(report.bytes, 300 * size as u64);
            assert_eq!(report.connections, connections);
            assert!(report.p50_us <= report.p99_us && report.p99_us <= report.p999_us);
            assert!(report.p999_us <= report.max_us && report.mean_us > 0.0);
            assert!(report.requests_per_s > 0.0 && report.seconds > 0.0);
            // Every exchange: the connects' first ones, the 300 and none lost.
            assert!(report.exchanges >= 300 + connections as u64, "{report:?}");
            assert!(report.cpu_s.is_some_and(|cpu| cpu >= 0.0), "{report:?}");
            // The distribution: every quantile, in order, from the fastest request to the slowest.
            let quantiles: Vec<f64> = report.distribution_us.iter().map(|[q, _]| *q).collect();
            assert_eq!(quantiles, rosetta_netbench::loadgen::QUANTILES);
            let values: Vec<f64> = report.distribution_us.iter().map(|[_, us]| *us).collect();
            assert!(values.windows(2).all(|w| w[0] <= w[1]), "{values:?}");
            assert_eq!(values.last().copied(), Some(report.max_us));
            assert!(values[0] >= 1.0 && values[0] <= report.p50_us, "{values:?}");
        }
    }
}

#[test]
fn a_corrupted_echo_is_an_error_of_its_connection_and_the_others_go_on() {
    for engine in ENGINES {
        let addr = serve(corrupting_echo);
        // Two connections stay good; the third corrupts its 1125th byte: byte 100 of message 1
        // (message 0 is the connect's exchange), its first of the run, so that it fails whatever
        // the scheduling lets the other two do first.
        let report = run(&on(addr, Mode::Echo { size: 1024 }, 3, 1000, engine)).expect("runs");
        assert_eq!(report.errors, 1, "{engine:?}: {report:?}");
        let why = report.first_error.clone().expect("the error is named");
        assert_eq!(why, "byte 100 of message 1 came back different");
        // The failed request is not counted; the good connections took its slot unless they had
        // already stopped.
        assert!((999..=1000).contains(&report.requests), "{report:?}");
        assert_eq!(report.bytes, report.requests * 1024);
    }
}

/// Echoes, but its second connection closes once it has echoed its first message of 1 KiB (the
/// connect's exchange): the generator finds it closed on its first request of the run, whatever the
/// scheduling, and the close lands mid-run.
fn closing_echo(mut stream: TcpStream, index: usize) {
    let mut buf = [0u8; 1024];
    let mut messages = 0;
    while stream.read_exact(&mut buf).is_ok() && stream.write_all(&buf).is_ok() {
        messages += 1;
        if index == 1 && messages == 1 {
            return;
        }
    }
}

#[test]
fn a_connection_the_server_closes_is_one_error_and_the_others_reach_the_count() {
    for engine in ENGINES {
        let addr = serve(closing_echo);
        let report = run(&on(addr, Mode::Echo { size: 1024 }, 3, 1000, engine)).expect("runs");
        assert_eq!(report.errors, 1, "{engine:?}: {report:?}");
        let why = report.first_error.clone().expect("the error is named");
        // A read that sees the close, or a write or read that sees its reset.
        assert!(
            why.contains("closed") || why.contains("reset") || why.contains("pipe"),
            "{why}"
        );
        assert_eq!(report.requests, 1000, "{engine:?}: {report:?}");
        assert_eq!(report.bytes, 1000 * 1024);
    }
}

/// Echoes the first message of 8 bytes (the connect's exchange), then reads and answers nothing.
fn silent_after_one(mut stream: TcpStream, _: usize) {
    let mut buf = [0u8; 8];
    if stream.read_exact(&mut buf).is_err() || stream.write_all(&buf).is_err() {
        return;
    }
    let mut sink = [0u8; 4096];
    while matches!(stream.read(&mut sink), Ok(n) if n > 0) {}
}

#[test]
fn a_silent_server_fails_every_connection_within_the_io_timeout() {
    for engine in ENGINES {
        let addr = serve(silent_after_one);
        let mut silent = on(addr, Mode::Echo { size: 8 }, 3, 100, engine);
        silent.max_requests = None;
        silent.io_timeout = Duration::from_millis(300);
        let started = std::time::Instant::now();
        let report = run(&silent).expect("runs");
        // The window is 120 s: only the timeout ends this run, and it ends it well before.
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "{engine:?}: {:?}",
            started.elapsed()
        );
        assert_eq!(
            (report.errors, report.requests),
            (3, 0),
            "{engine:?}: {report:?}"
        );
        let why = report.first_error.clone().expect("the error is named");
        if engine.0 == Engine::Epoll {
            assert_eq!(why, "no progress for 0.3 s while waiting for the answer");
        } else {
            assert!(why.starts_with("read of the echo: "), "{why}");
        }
    }
}

#[test]
fn a_count_is_exact_with_two_event_loops_over_ten_connections() {
    let addr = serve(echo);
    for requests in [1, 7, 1000] {
        let report = run(&on(
            addr,
            Mode::Echo { size: 64 },
            10,
            requests,
            (Engine::Epoll, 2),
        ))
        .expect("runs");
        assert_eq!(report.errors, 0, "{report:?}");
        assert_eq!((report.requests, report.bytes), (requests, requests * 64));
        assert_eq!((report.engine, report.threads), (Some(Engine::Epoll), 2));
        assert_eq!(report.connections, 10);
    }
    // More threads than connections: one loop per connection.
    let report = run(&on(
        addr,
        Mode::Echo { size: 64 },
        3,
        50,
        (Engine::Epoll, 8),
    ))
    .expect("runs");
    assert_eq!((report.requests, report.threads), (50, 3));
}

/// Answers each GET's head on `stream` with what `answer` makes of it and of its number (from 1).
fn answer_gets(mut stream: TcpStream, answer: impl Fn(&str, usize) -> String) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let mut answers = 0;
    loop {
        while let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..at]).into_owned();
            buf.drain(..at + 4);
            answers += 1;
            if stream.write_all(answer(&head, answers).as_bytes()).is_err() {
                return;
            }
        }
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}

fn http(stream: TcpStream, index: usize) {
    answer_gets(stream, |head, _| {
        assert!(head.starts_with("GET / HTTP/1.1\r\n"), "{head}");
        assert!(
            head.to_ascii_lowercase().contains("\r\nhost: 127.0.0.1:"),
            "{head}"
        );
        // The second connection answers with a body one byte short.
        let body = if index == 1 { 1023 } else { 1024 };
        format!(
            "HTTP/1.1 200 OK\r\ncontent-length: {body}\r\n\r\n{}",
            "x".repeat(body)
        )
    });
}

#[test]
fn http_keep_alive_reads_each_response_by_its_length_and_names_a_wrong_one() {
    for engine in ENGINES {
        let addr = serve(http);
        // The first connection opened is good; the second's first exchange fails the whole run.
        let report = run(&on(addr, Mode::Http { body: 1024 }, 1, 100, engine)).expect("runs");
        assert_eq!(
            (report.requests, report.bytes, report.errors),
            (100, 100 * 1024, 0)
        );
        let error =
            run(&on(addr, Mode::Http { body: 1024 }, 1, 10, engine)).expect_err("a short body");
        assert!(
            error.to_string().contains("1023 bytes, not 1024"),
            "{error}"
        );
    }
}

/// Answers HTTP GETs with 1 KiB bodies; on its first connection the second answer (the first of the
/// run) has bytes after it, in the same write.
fn http_with_more(stream: TcpStream, index: usize) {
    answer_gets(stream, |_, answers| {
        let more = if index == 0 && answers == 2 {
            "HTTP/1.1"
        } else {
            ""
        };
        format!(
            "HTTP/1.1 200 OK\r\ncontent-length: 1024\r\n\r\n{}{more}",
            "x".repeat(1024)
        )
    });
}

#[test]
fn bytes_after_an_http_response_are_an_error_of_its_connection() {
    for engine in ENGINES {
        let addr = serve(http_with_more);
        let report = run(&on(addr, Mode::Http { body: 1024 }, 2, 1000, engine)).expect("runs");
        assert_eq!(report.errors, 1, "{engine:?}: {report:?}");
        let why = report.first_error.clone().expect("the error is named");
        assert_eq!(why, "bytes after the response, unasked for");
        assert_eq!((report.requests, report.bytes), (1000, 1000 * 1024));
    }
}

#[test]
fn a_server_that_is_not_there_is_named() {
    // A socket bound to a port but not listening holds the port for as long as the test runs (no
    // other test's server can take it) and refuses every connect.
    use rustix::net::{AddressFamily, SocketType, bind, getsockname, socket};
    let holder = socket(AddressFamily::INET, SocketType::STREAM, None).expect("a socket");
    bind(&holder, &SocketAddr::from(([127, 0, 0, 1], 0))).expect("binds");
    let bound = getsockname(&holder).expect("its address");
    let addr = SocketAddr::V4(std::net::SocketAddrV4::try_from(bound).expect("IPv4"));
    let mut gone = load(addr, Mode::Echo { size: 8 }, 1, 1);
    assert_eq!(gone.engine, Engine::Epoll);
    gone.io_timeout = Duration::from_secs(2);
    let error = run(&gone).expect_err("nothing listens");
    assert!(error.to_string().contains("cannot connect"), "{error}");
    drop(holder);
}
