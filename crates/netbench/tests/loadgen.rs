//! The load generator against small servers written here: every byte counted and verified, a
//! corrupted echo and a bad HTTP answer each one error, the others served on.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::Duration;

use rosetta_netbench::loadgen::{Load, Mode, run};

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

/// Echoes, but from its third connection on flips a bit of the 100th byte it has echoed.
fn corrupting_echo(mut stream: TcpStream, index: usize) {
    let mut buf = [0u8; 65536];
    let mut seen = 0usize;
    while let Ok(n) = stream.read(&mut buf) {
        if n == 0 {
            break;
        }
        if index >= 2 && seen <= 5000 && seen + n > 5000 {
            buf[5000 - seen] ^= 1;
        }
        seen += n;
        if stream.write_all(&buf[..n]).is_err() {
            break;
        }
    }
}

fn load(addr: SocketAddr, mode: Mode, connections: usize, requests: u64) -> Load {
    Load {
        addr,
        mode,
        connections,
        warmup: Duration::ZERO,
        duration: Duration::from_secs(120),
        max_requests: Some(requests),
        io_timeout: Duration::from_secs(30),
    }
}

#[test]
fn every_echoed_byte_is_counted_and_the_count_is_exact() {
    let addr = serve(echo);
    for (size, connections) in [(1, 1), (1024, 4), (100 * 1024, 3)] {
        let report = run(&load(addr, Mode::Echo { size }, connections, 300)).expect("runs");
        assert_eq!(report.errors, 0, "{report:?}");
        assert_eq!(report.requests, 300);
        assert_eq!(report.bytes, 300 * size as u64);
        assert_eq!(report.connections, connections);
        assert!(report.p50_us <= report.p99_us && report.p99_us <= report.p999_us);
        assert!(report.p999_us <= report.max_us && report.mean_us > 0.0);
        assert!(report.requests_per_s > 0.0 && report.seconds > 0.0);
    }
}

#[test]
fn a_corrupted_echo_is_an_error_of_its_connection_and_the_others_go_on() {
    let addr = serve(corrupting_echo);
    // Two connections stay good; the third corrupts the 5001st byte (message 5 of 1 KiB).
    let report = run(&load(addr, Mode::Echo { size: 1024 }, 3, 200)).expect("runs");
    assert_eq!(report.errors, 1, "{report:?}");
    let why = report.first_error.clone().expect("the error is named");
    assert!(why.contains("came back different"), "{why}");
    // The failed request is not counted; the good connections took its slot unless they had
    // already stopped.
    assert!((199..=200).contains(&report.requests), "{report:?}");
    assert_eq!(report.bytes, report.requests * 1024);
}

fn http(mut stream: TcpStream, index: usize) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        while let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..at]).into_owned();
            buf.drain(..at + 4);
            assert!(head.starts_with("GET / HTTP/1.1\r\n"), "{head}");
            assert!(
                head.to_ascii_lowercase().contains("\r\nhost: 127.0.0.1:"),
                "{head}"
            );
            // The second connection answers with a body one byte short.
            let body = if index == 1 { 1023 } else { 1024 };
            let answer = format!(
                "HTTP/1.1 200 OK\r\ncontent-length: {body}\r\n\r\n{}",
                "x".repeat(body)
            );
            if stream.write_all(answer.as_bytes()).is_err() {
                return;
            }
        }
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}

#[test]
fn http_keep_alive_reads_each_response_by_its_length_and_names_a_wrong_one() {
    let addr = serve(http);
    // The first connection opened is good; the second's first exchange fails the whole run.
    let report = run(&load(addr, Mode::Http { body: 1024 }, 1, 100)).expect("runs");
    assert_eq!(
        (report.requests, report.bytes, report.errors),
        (100, 100 * 1024, 0)
    );
    let error = run(&load(addr, Mode::Http { body: 1024 }, 1, 10)).expect_err("a short body");
    assert!(
        error.to_string().contains("1023 bytes, not 1024"),
        "{error}"
    );
}

#[test]
fn a_server_that_is_not_there_is_named() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("binds");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    let mut gone = load(addr, Mode::Echo { size: 8 }, 1, 1);
    gone.io_timeout = Duration::from_secs(2);
    let error = run(&gone).expect_err("nothing listens");
    assert!(error.to_string().contains("cannot connect"), "{error}");
}
