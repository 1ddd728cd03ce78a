//! The server process contract, as `rosetta netserve` keeps it, and `rosetta loadgen` against the
//! floor: one ready line, every byte echoed, exit 0 at stdin's end, exit 2 naming what is valid.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn rosetta() -> Command {
    Command::new(env!("CARGO_BIN_EXE_rosetta"))
}

/// Starts `rosetta netserve ARGS`, reads its ready line; the child and its address.
fn netserve(args: &[&str]) -> (std::process::Child, SocketAddr) {
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
        .unwrap_or_else(|| panic!("not a ready line: {line:?}"));
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
    ] {
        let output = rosetta().arg("netserve").args(args).output().expect("runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
        assert!(output.stdout.is_empty(), "{args:?}: no ready line");
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
