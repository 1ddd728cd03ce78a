//! The servers run as the server process contract says a server runs (`examples/http_server.rs` for
//! every Rust server, `python/netbench/http_server.py` on each Python loop): one
//! `listening 127.0.0.1:PORT` line, `GET` answered with the 1 KiB body over keep-alive, exit 0 at
//! stdin's end of file, and exit 2 naming the valid values for a bad argument.
//!
//! The example is built by this test (`cargo build --example http_server`, a no-op when it is fresh),
//! and found through cargo's own report of what it built.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use rosetta_http::server::{BODY, BODY_LEN};

/// The example's executable, built once for the whole file.
fn example() -> &'static PathBuf {
    static EXAMPLE: OnceLock<PathBuf> = OnceLock::new();
    EXAMPLE.get_or_init(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
        let out = Command::new(cargo)
            .args(["build", "--locked", "--example", "http_server"])
            .args(["--message-format", "json-render-diagnostics"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stderr(Stdio::inherit())
            .output()
            .expect("cargo runs");
        assert!(out.status.success(), "the example does not build");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
            .filter(|message| message["target"]["name"] == "http_server")
            .find_map(|message| message["executable"].as_str().map(PathBuf::from))
            .expect("cargo reports the example's executable")
    })
}

/// Waits for `child` to exit, at most a minute (killed then, and the test fails).
fn wait(child: &mut std::process::Child) -> std::process::ExitStatus {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(status) = child.try_wait().expect("the child can be waited on") {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the server did not exit within a minute");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Reads one answer from `stream` and checks it whole: status 200, `text/plain`, a length of 1 KiB,
/// the fixed body byte for byte. `who` names the server in messages.
fn read_answer(stream: &mut TcpStream, who: &str) {
    let mut head = Vec::new();
    let mut byte = [0];
    while !head.ends_with(b"\r\n\r\n") {
        assert!(head.len() < 4096, "{who}: an answer's head over 4 KiB");
        let n = stream.read(&mut byte).expect("the answer's head");
        assert_eq!(n, 1, "{who}: closed before answering");
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head).to_ascii_lowercase();
    assert!(head.starts_with("http/1.1 200 ok\r\n"), "{who}: {head}");
    assert!(
        head.contains("\r\ncontent-type: text/plain\r\n"),
        "{who}: {head}"
    );
    assert!(
        head.contains(&format!("\r\ncontent-length: {BODY_LEN}\r\n")),
        "{who}: {head}"
    );
    let mut body = vec![0; BODY_LEN];
    stream.read_exact(&mut body).expect("the body");
    assert!(body == BODY, "{who}: the body differs from the fixed one");
}

/// Runs `command` as a server and checks the contract: one ready line naming 127.0.0.1 and a port,
/// `GET`s of any path answered over one keep-alive connection, exit 0 once stdin is closed, nothing
/// more on stdout.
fn follows_the_contract(mut command: Command, who: &str) {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the server starts");
    // The ready line is read on a thread, so that a server that never says it is killed, not waited
    // for.
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let (said, heard) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let read = stdout.read_line(&mut line);
        let _ = said.send((read.map(|_| line), stdout));
    });
    let Ok((line, mut stdout)) = heard.recv_timeout(Duration::from_secs(60)) else {
        let _ = child.kill();
        panic!("{who}: no ready line within a minute");
    };
    let line = line.expect("the ready line");
    let addr = line
        .strip_prefix("listening 127.0.0.1:")
        .and_then(|rest| rest.strip_suffix('\n'))
        .and_then(|port| port.parse::<u16>().ok())
        .map(|port| std::net::SocketAddr::from(([127, 0, 0, 1], port)))
        .unwrap_or_else(|| panic!("{who}: not a ready line: {line:?}"));
    let mut stream = TcpStream::connect(addr).expect("the server accepts");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("a timeout");
    for path in ["/", "/any/path?q=1", "/"] {
        stream
            .write_all(format!("GET {path} HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n").as_bytes())
            .expect("the request");
        read_answer(&mut stream, who);
    }
    drop(stream);
    drop(child.stdin.take());
    let status = wait(&mut child);
    assert_eq!(status.code(), Some(0), "{who}: {status}");
    let mut rest = String::new();
    stdout
        .read_to_string(&mut rest)
        .expect("the rest of stdout");
    assert_eq!(rest, "", "{who}: exactly one line on stdout");
}

/// Runs `command` with a bad argument: exit 2, and stderr says each of `says`.
fn refuses(mut command: Command, says: &[&str]) {
    let out = command
        .stdin(Stdio::null())
        .output()
        .expect("the server starts");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{command:?}: {stderr}");
    for said in says {
        assert!(
            stderr.contains(said),
            "{command:?}: no {said:?} in {stderr}"
        );
    }
}

#[test]
fn every_server_says_where_it_listens_answers_get_and_exits_0_at_stdin_eof() {
    for server in rosetta_workloads::servers::http_servers() {
        let mut command = Command::new(example());
        command.args(["--runtime", server.runtime, "--server", server.kind.id()]);
        follows_the_contract(command, &server.to_string());
    }
}

#[test]
fn bad_arguments_exit_2_naming_the_valid_values() {
    for (args, says) in [
        (
            &["--runtime", "trio"][..],
            &["trio", "tokio", "smol-mt", "compio"][..],
        ),
        (
            &["--runtime", "smol", "--server", "hyper"][..],
            &["hyper", "trait", "native"][..],
        ),
        (&[][..], &["--runtime"][..]),
    ] {
        let mut command = Command::new(example());
        command.args(args);
        refuses(command, says);
    }
}

/// The venv's interpreter, if there is one to test with: without python3, or without the venv's
/// packages (no network), the test is skipped, said on stderr; under CI both must be there.
fn venv_python(test: &str) -> Option<PathBuf> {
    if rosetta_harness::python::interpreter().is_none() {
        assert!(std::env::var_os("CI").is_none(), "CI must have python3");
        eprintln!("SKIPPED {test}: python3 was not found");
        return None;
    }
    match rosetta_harness::python::packages_interpreter() {
        Ok(python) => Some(python),
        Err(error) if std::env::var_os("CI").is_none() => {
            eprintln!("SKIPPED {test}: {error}");
            None
        }
        Err(error) => panic!("CI must be able to make the venv: {error}"),
    }
}

/// `python/netbench/http_server.py`, the aiohttp server.
fn aiohttp_server() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("python/netbench/http_server.py")
}

#[test]
fn the_aiohttp_server_follows_the_contract_on_each_loop() {
    let Some(python) = venv_python("the_aiohttp_server_follows_the_contract_on_each_loop") else {
        return;
    };
    for event_loop in ["asyncio", "uvloop", "rloop"] {
        let mut command = Command::new(&python);
        command.arg(aiohttp_server()).args(["--loop", event_loop]);
        follows_the_contract(command, &format!("aiohttp on {event_loop}"));
    }
    let mut command = Command::new(&python);
    command.arg(aiohttp_server()).args(["--loop", "trio"]);
    refuses(command, &["trio", "asyncio", "uvloop", "rloop"]);
}
