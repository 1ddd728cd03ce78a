//! The server process contract, as `rosetta netserve` keeps it, and `rosetta loadgen` against the
//! floor: one ready line, every byte echoed, exit 0 at stdin's end, exit 2 naming what is valid.
//! The HTTP servers take `--workers` as the echo servers do.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn rosetta() -> Command {
    Command::new(env!("CARGO_BIN_EXE_rosetta"))
}

/// Starts `rosetta netserve ARGS`, reads its first line; the child, and its address when that line
/// is the ready line.
fn start(args: &[&str]) -> (std::process::Child, Result<SocketAddr, String>) {
    let mut child = rosetta()
        .arg("netserve")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runs");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("a line");
    let addr = line
        .strip_prefix("listening 127.0.0.1:")
        .and_then(|port| port.trim_end().parse::<u16>().ok())
        .map(|port| SocketAddr::from(([127, 0, 0, 1], port)))
        .ok_or(line);
    (child, addr)
}

/// Starts `rosetta netserve ARGS`, reads its ready line; the child and its address.
fn netserve(args: &[&str]) -> (std::process::Child, SocketAddr) {
    let (child, addr) = start(args);
    let addr = addr.unwrap_or_else(|line| panic!("not a ready line: {line:?}"));
    (child, addr)
}

fn exits_within(child: &mut std::process::Child, limit: Duration) -> std::process::ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("waits") {
            return status;
        }
        assert!(start.elapsed() < limit, "still running after {limit:?}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn netserve_prints_one_ready_line_echoes_and_exits_0_when_stdin_closes() {
    for args in [
        &["--workload", "echo", "--server", "floor"][..],
        &[
            "--workload",
            "echo",
            "--server",
            "streams",
            "--runtime",
            "smol",
        ][..],
        &[
            "--workload",
            "echo",
            "--server",
            "native",
            "--runtime",
            "tokio-mt",
            "--workers",
            "2",
        ][..],
    ] {
        let (mut child, addr) = netserve(args);
        let mut stream = TcpStream::connect(addr).expect("connects");
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .expect("timeout");
        let message: Vec<u8> = (0..10_000u32).map(|i| (i % 253) as u8).collect();
        stream.write_all(&message).expect("writes");
        let mut back = vec![0; message.len()];
        stream.read_exact(&mut back).expect("echoed");
        assert_eq!(back, message, "{args:?}");
        drop(stream);
        drop(child.stdin.take());
        let status = exits_within(&mut child, Duration::from_secs(30));
        assert!(status.success(), "{args:?}: {status}");
    }
}

#[test]
fn netserve_refuses_bad_arguments_with_exit_2_naming_what_is_valid() {
    for (args, says) in [
        (
            &["--workload", "ekko", "--server", "floor"][..],
            "valid are echo, http",
        ),
        (
            &["--workload", "echo", "--server", "flor"][..],
            "valid are streams, raw, native, floor, epoll",
        ),
        (
            &["--workload", "echo", "--server", "streams"][..],
            "give one of tokio",
        ),
        (
            &[
                "--workload",
                "echo",
                "--server",
                "raw",
                "--runtime",
                "tokyo",
            ][..],
            "tokio",
        ),
        (
            &[
                "--workload",
                "echo",
                "--server",
                "floor",
                "--runtime",
                "smol",
            ][..],
            "runs on no runtime",
        ),
        (
            &[
                "--workload",
                "echo",
                "--server",
                "raw",
                "--runtime",
                "smol",
                "--workers",
                "0",
            ][..],
            "from 1 to 64",
        ),
        (
            &[
                "--workload",
                "echo",
                "--server",
                "native",
                "--runtime",
                "smol",
                "--workers",
                "3",
            ][..],
            "smol is a current-thread runtime, which takes no worker count",
        ),
        (
            &[
                "--workload",
                "http",
                "--server",
                "trait",
                "--runtime",
                "tokio",
                "--workers",
                "2",
            ][..],
            "give --workers to one of tokio-mt, smol-mt, compio-tpc, monoio-tpc",
        ),
        (
            &[
                "--workload",
                "http",
                "--server",
                "native",
                "--runtime",
                "async-std",
                "--workers",
                "2",
            ][..],
            "async-std is a global runtime",
        ),
    ] {
        let output = rosetta().arg("netserve").args(args).output().expect("runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
        assert!(output.stdout.is_empty(), "{args:?}: no ready line");
    }
}

/// Reads one HTTP answer and checks it whole: status 200, a `content-length` of the body's size,
/// and the body byte for byte.
fn read_http_answer(stream: &mut TcpStream, what: &str) {
    let mut head = Vec::new();
    let mut byte = [0];
    while !head.ends_with(b"\r\n\r\n") {
        stream.read_exact(&mut byte).expect("the answer's head");
        head.push(byte[0]);
        assert!(head.len() < 16 * 1024, "{what}: a head without its end");
    }
    let head = String::from_utf8(head).expect("an ASCII head");
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{what}: {head}");
    let body = rosetta_http::server::BODY;
    assert!(
        head.to_ascii_lowercase()
            .contains(&format!("\r\ncontent-length: {}\r\n", body.len())),
        "{what}: {head}"
    );
    let mut got = vec![0; body.len()];
    stream.read_exact(&mut got).expect("the body");
    assert!(got == body, "{what}: the body differs");
}

/// The threads of the process `pid`.
fn threads(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/task"))
        .expect("the server's threads")
        .count()
}

#[test]
fn an_http_server_on_a_runtime_with_workers_serves_every_byte_on_1_and_3_workers() {
    for info in rosetta_runtimes::RUNTIMES
        .iter()
        .filter(|info| info.flavor.configurable_workers())
    {
        for kind in ["trait", "native"] {
            if kind == "native" && rosetta_workloads::servers::http_server(info.id, kind).is_err() {
                continue;
            }
            let mut counted = Vec::new();
            for workers in ["1", "3"] {
                let what = format!("{} {kind} on {workers} worker(s)", info.id);
                let (mut child, addr) = start(&[
                    "--workload",
                    "http",
                    "--server",
                    kind,
                    "--runtime",
                    info.id,
                    "--workers",
                    workers,
                ]);
                let Ok(addr) = addr else {
                    let mut stderr = String::new();
                    let _ = child
                        .stderr
                        .take()
                        .expect("stderr")
                        .read_to_string(&mut stderr);
                    let status = exits_within(&mut child, Duration::from_secs(30));
                    // A machine that refuses io_uring cannot run this runtime at all.
                    assert!(
                        stderr.contains("unavailable: "),
                        "{what}: {status}: {stderr}"
                    );
                    break;
                };
                // Several keep-alive connections at once, so that on three workers they are spread.
                let mut clients: Vec<TcpStream> = (0..6)
                    .map(|_| {
                        let stream = TcpStream::connect(addr).expect("connects");
                        stream
                            .set_read_timeout(Some(Duration::from_secs(30)))
                            .expect("timeout");
                        stream
                    })
                    .collect();
                for round in 0..5 {
                    for client in &mut clients {
                        client
                            .write_all(b"GET / HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n")
                            .expect("asks");
                    }
                    for client in &mut clients {
                        read_http_answer(client, &format!("{what}, round {round}"));
                    }
                }
                // Counted once it has served: whatever a runtime starts lazily has started.
                counted.push(threads(child.id()));
                drop(clients);
                drop(child.stdin.take());
                let status = exits_within(&mut child, Duration::from_secs(30));
                assert!(status.success(), "{what}: {status}");
            }
            // The count is taken: three workers are two threads more than one.
            if let [one, three] = counted[..] {
                assert!(
                    three >= one + 2,
                    "{} {kind}: {one} threads on 1 worker, {three} on 3",
                    info.id
                );
            }
        }
    }
}

#[test]
fn loadgen_against_the_floor_counts_every_byte_and_reports_as_json() {
    let (mut child, addr) = netserve(&["--workload", "echo", "--server", "floor"]);
    let output = rosetta()
        .args([
            "loadgen",
            "--addr",
            &addr.to_string(),
            "--size",
            "1024",
            "--connections",
            "4",
        ])
        .args([
            "--warmup-ms",
            "0",
            "--duration-ms",
            "120000",
            "--requests",
            "400",
        ])
        // One value naming the CPUs, as `compare --pin` passes it.
        .args(["--cpus", "0"])
        .output()
        .expect("runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(report["requests"], 400);
    assert_eq!(report["bytes"], 400 * 1024);
    assert_eq!(report["errors"], 0);
    assert_eq!(
        (report["engine"].as_str(), report["threads"].as_u64()),
        (Some("epoll"), Some(1))
    );
    for key in [
        "requests_per_s",
        "mean_us",
        "p50_us",
        "p99_us",
        "p999_us",
        "max_us",
        "seconds",
    ] {
        assert!(
            report[key].as_f64().is_some_and(|v| v > 0.0),
            "{key}: {report}"
        );
    }
    drop(child.stdin.take());
    assert!(exits_within(&mut child, Duration::from_secs(30)).success());
    let output = rosetta()
        .args(["loadgen", "--addr", "10.0.0.1:80"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("loopback address"));
}

#[test]
fn loadgen_threads_with_the_threads_engine_is_refused_with_why() {
    let output = rosetta()
        .args(["loadgen", "--addr", "127.0.0.1:9", "--engine", "threads"])
        .args(["--threads", "2"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--threads sets the epoll engine's event-loop threads"),
        "{stderr}"
    );
    assert!(output.stdout.is_empty());
    for bad in ["0", "65"] {
        let output = rosetta()
            .args(["loadgen", "--addr", "127.0.0.1:9", "--threads", bad])
            .output()
            .expect("runs");
        assert_eq!(output.status.code(), Some(2), "--threads {bad}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("from 1 to 64"), "{stderr}");
    }
}

/// The settings `rosetta_netbench::measure` runs this binary's generator with.
fn measure_settings() -> rosetta_netbench::measure::Settings {
    rosetta_netbench::measure::Settings {
        exe: env!("CARGO_BIN_EXE_rosetta").into(),
        python: Err("the Rust servers alone".to_owned()),
        root: env!("CARGO_MANIFEST_DIR").into(),
        warmup: Duration::ZERO,
        duration: Duration::from_millis(50),
        rounds: 1,
        pin: None,
        prime: true,
    }
}

#[test]
fn priming_sends_one_request_on_one_connection_that_then_closes_and_names_a_failure() {
    use rosetta_netbench::NetWorkload;
    use rosetta_netbench::measure::{Point, prime};

    let point = Point {
        workload: NetWorkload::Echo,
        size: 1024,
        connections: 10,
    };
    // A server that counts what it is sent: one connection, its connect exchange and the one
    // request, two messages of 1 KiB echoed, then the close.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    let addr = listener.local_addr().expect("its address");
    let counted = std::thread::spawn(move || {
        listener.set_nonblocking(false).expect("blocking");
        let (mut stream, _) = listener.accept().expect("the priming connection");
        let mut buf = [0u8; 4096];
        let mut bytes = 0;
        loop {
            match stream.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    bytes += n;
                    stream.write_all(&buf[..n]).expect("echoed");
                }
            }
        }
        // No second connection follows.
        listener.set_nonblocking(true).expect("non-blocking");
        (bytes, listener.accept().is_err())
    });
    prime(&measure_settings(), addr, &point).expect("primed");
    let (bytes, alone) = counted.join().expect("the server");
    assert_eq!(bytes, 2 * 1024, "the connect exchange and one request");
    assert!(alone, "one connection only");
    // A server that closes at once: the failure is named.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    let addr = listener.local_addr().expect("its address");
    let closer = std::thread::spawn(move || {
        if let Ok((stream, _)) = listener.accept() {
            drop(stream);
        }
    });
    let error = prime(&measure_settings(), addr, &point).expect_err("no echo");
    assert!(error.to_string().contains("connection 0"), "{error}");
    closer.join().expect("the closer");
}
