//! The I/O conformance suite: every promise of the `Io` trait (TCP and files), checked on every runtime.
//!
//! Each rule names the CPython test it mirrors, mostly from `Lib/test/test_asyncio/test_sock_lowlevel.py`
//! (the loop's raw socket calls, the level of this trait); the streams built on it are checked by
//! `crates/asyncio/tests/streams.rs`.
//!
//! Sockets are on 127.0.0.1, port 0; every loop is bounded; each test runs under a watchdog, so that a
//! hang fails instead of waiting forever. Files live in a directory of the system's temp dir named
//! after the process, the runtime and the test, removed at the end.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use futures_lite::future::poll_once;
use futures_lite::{AsyncReadExt, AsyncWriteExt};
use rosetta_runtimes::rosetta_rt::Io;
use rosetta_runtimes::testing::{run, run_with, within};
use rosetta_runtimes::{Config, Flavor, Runtime, conformance};

/// Runs `future` on a fresh loop of `R`, failing the test if it takes more than a minute.
fn io_run<R: Runtime, F: Future>(what: &str, future: F) -> F::Output {
    within(Duration::from_secs(60), what, || run::<R, F>(future))
}

/// 127.0.0.1, port 0: the only address these tests bind.
fn loopback() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

/// A listener on a free port, and its address.
async fn listen<R: Io>() -> (R::TcpListener, SocketAddr) {
    let listener = R::bind(loopback()).await.expect("bind 127.0.0.1:0");
    let addr = R::local_addr(&listener).expect("the listener's address");
    (listener, addr)
}

/// A connected pair: (client, server side).
async fn pair<R: Io>() -> (R::TcpStream, R::TcpStream) {
    let (listener, addr) = listen::<R>().await;
    let client = R::spawn(async move { R::connect(addr).await });
    let (server, _) = R::accept(&listener).await.expect("accept");
    let client = client.await.expect("no panic").expect("connect");
    (client, server)
}

/// `len` bytes that differ from one position to the next, so a lost or moved byte shows.
fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

/// A fresh, empty directory for one test on one runtime.
fn scratch_dir(runtime: &str, test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "rosetta-io-{}-{runtime}-{test}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("the temp dir is writable");
    dir
}

conformance! {
    /// CPython's `test_sock_lowlevel.py::test_sock_accept`: bind 127.0.0.1:0, connect, accept; the
    /// addresses each side reports agree.
    #[test]
    fn bind_to_port_zero_picks_a_port_and_accept_reports_the_peer() {
        io_run::<Rt, _>("bind/accept", async {
            let (listener, addr) = listen::<Rt>().await;
            assert_eq!(addr.ip(), loopback().ip());
            assert_ne!(addr.port(), 0, "port 0 asks the OS for a free port");
            let client = Rt::spawn(async move { Rt::connect(addr).await });
            let (server, peer) = Rt::accept(&listener).await.expect("accept");
            let client = client.await.unwrap().expect("connect");
            assert_eq!(Rt::peer_addr(&client).unwrap(), addr);
            assert_eq!(Rt::peer_addr(&server).unwrap(), peer);
            assert_eq!(peer.ip(), loopback().ip());
            assert_ne!(peer.port(), addr.port());
            Rt::set_nodelay(&client, true).expect("TCP_NODELAY on");
            Rt::set_nodelay(&server, false).expect("TCP_NODELAY off");
        });
    }

    /// `test_sock_client_fail`: a port bound, then closed, refuses (`ConnectionRefusedError`).
    #[test]
    fn connect_to_a_closed_port_is_refused() {
        io_run::<Rt, _>("refused", async {
            let (listener, addr) = listen::<Rt>().await;
            drop(listener);
            let Err(error) = Rt::connect(addr).await else {
                panic!("nothing listens any more, yet the connect succeeded");
            };
            assert_eq!(error.kind(), io::ErrorKind::ConnectionRefused, "{error}");
        });
    }

    /// `test_huge_content`: more than the socket buffers hold, sent whole and read to end of file.
    #[test]
    fn bytes_written_on_one_side_are_read_on_the_other_in_order() {
        io_run::<Rt, _>("write/read", async {
            let (mut client, mut server) = pair::<Rt>().await;
            let sent = pattern(100_000, 1);
            let expected = sent.clone();
            let writer = Rt::spawn(async move {
                client.write_all(&sent).await?;
                client.flush().await?;
                client.close().await?;
                io::Result::Ok(client)
            });
            let mut received = Vec::new();
            server.read_to_end(&mut received).await.expect("read to EOF");
            let _client = writer.await.unwrap().expect("write");
            assert!(received == expected, "{} bytes came back differently", received.len());
        });
    }

    /// `socket.shutdown(SHUT_WR)`, which asyncio's `write_eof` calls: the peer reads end of file and
    /// answers (no CPython test checks the socket itself; the streams suite checks `write_eof`).
    #[test]
    fn close_shuts_down_the_write_half_only_and_the_peer_can_still_answer() {
        io_run::<Rt, _>("half-close", async {
            let (mut client, mut server) = pair::<Rt>().await;
            client.write_all(b"ping").await.unwrap();
            client.close().await.expect("shut down the write half");
            let mut request = Vec::new();
            server.read_to_end(&mut request).await.expect("the server reads EOF");
            assert_eq!(request, b"ping");
            server.write_all(b"pong").await.expect("the server writes after the client's EOF");
            server.close().await.unwrap();
            let mut answer = Vec::new();
            client.read_to_end(&mut answer).await.expect("the client still reads");
            assert_eq!(answer, b"pong");
        });
    }

    /// `test_huge_content`'s setup with the reader and the writer as two tasks on two halves; asyncio
    /// has one transport per socket, and no split.
    #[test]
    fn split_halves_read_and_write_from_two_tasks_at_once() {
        // 4 MiB each way, more than the socket buffers hold: one half can only finish if the other
        // runs at the same time.
        const LEN: usize = 4 << 20;
        io_run::<Rt, _>("split", async {
            let (client, server) = pair::<Rt>().await;
            let (mut server_read, mut server_write) = Rt::split(server);
            let echo = Rt::spawn(async move {
                let mut chunk = vec![0; 64 * 1024];
                loop {
                    let n = server_read.read(&mut chunk).await?;
                    if n == 0 {
                        return server_write.close().await;
                    }
                    server_write.write_all(&chunk[..n]).await?;
                }
            });
            let (mut read, mut write) = Rt::split(client);
            let sent = pattern(LEN, 7);
            let expected = sent.clone();
            let writer = Rt::spawn(async move {
                write.write_all(&sent).await?;
                write.close().await
            });
            let reader = Rt::spawn(async move {
                let mut received = Vec::with_capacity(LEN);
                read.read_to_end(&mut received).await.map(|_| received)
            });
            writer.await.unwrap().expect("the writer task");
            let received = reader.await.unwrap().expect("the reader task");
            echo.await.unwrap().expect("the echo task");
            assert_eq!(received.len(), LEN);
            assert!(received == expected, "the echoed bytes differ");
        });
    }

    /// No asyncio counterpart (one transport per socket): the halves' own promise, that the socket
    /// closes only when both are dropped.
    #[test]
    fn dropping_one_half_closes_nothing() {
        io_run::<Rt, _>("drop a half", async {
            let (client, mut server) = pair::<Rt>().await;
            let (mut read, write) = Rt::split(client);
            drop(write);
            server.write_all(b"still open").await.unwrap();
            let mut buf = [0; 10];
            read.read_exact(&mut buf).await.expect("the read half still reads");
            assert_eq!(&buf, b"still open");
            // Had dropping the write half sent end of file, it would be waiting in the server's socket
            // by now, ahead of the round trip just made.
            let mut probe = [0; 1];
            assert!(
                poll_once(server.read(&mut probe)).await.is_none(),
                "the server saw end of file although the client's read half is alive"
            );
            drop(read);
            assert_eq!(server.read(&mut probe).await.unwrap(), 0, "both halves gone: EOF");
        });
    }

    /// `test_sock_client_racing` (`_basetest_sock_recv_racing`): a `sock_recv` cancelled before data
    /// came, then the data arrives and the next read gets all of it.
    #[test]
    fn a_dropped_pending_read_loses_no_bytes() {
        io_run::<Rt, _>("dropped read", async {
            let (mut client, mut server) = pair::<Rt>().await;
            let mut buf = [0; 5];
            // A read polled once, with nothing to read yet, then dropped: a cancelled task's read.
            assert!(poll_once(client.read(&mut buf)).await.is_none());
            server.write_all(b"hello").await.unwrap();
            client.read_exact(&mut buf).await.expect("the next read gets every byte");
            assert_eq!(&buf, b"hello");
        });
    }

    /// `test_cancel_sock_accept`: a cancelled `sock_accept` leaves the listener usable, and the
    /// connection that comes afterwards is accepted.
    #[test]
    fn a_pending_accept_dropped_loses_no_connection() {
        io_run::<Rt, _>("dropped accept", async {
            let (listener, addr) = listen::<Rt>().await;
            assert!(poll_once(Rt::accept(&listener)).await.is_none());
            let mut client = Rt::connect(addr).await.expect("connect");
            client.write_all(b"x").await.unwrap();
            let (mut server, _) = Rt::accept(&listener).await.expect("the connection waited");
            let mut buf = [0; 1];
            server.read_exact(&mut buf).await.unwrap();
            assert_eq!(&buf, b"x");
        });
    }

    /// The peer of `test_drain_raises` (it closes its socket): an error on this side, never a panic.
    #[test]
    fn a_peer_that_resets_gives_an_error_not_a_panic() {
        io_run::<Rt, _>("reset", async {
            let (mut client, mut server) = pair::<Rt>().await;
            client.write_all(b"ab").await.unwrap();
            // Closing a socket with unread bytes in it makes the kernel answer with a reset.
            let mut first = [0; 1];
            server.read_exact(&mut first).await.unwrap();
            drop(server);
            let mut buf = [0; 16];
            let mut outcome = client.read(&mut buf).await;
            // Should the reset not have arrived before the read (it has, on loopback), writing
            // provokes it; bounded.
            for _ in 0..100 {
                if outcome.is_err() {
                    break;
                }
                outcome = client.write_all(b"more").await.map(|()| 0);
                Rt::sleep(Duration::from_millis(10)).await;
            }
            let error = outcome.expect_err("a reset peer is an error");
            assert!(
                matches!(
                    error.kind(),
                    io::ErrorKind::ConnectionReset | io::ErrorKind::BrokenPipe
                ),
                "{error:?}"
            );
        });
    }

    /// Python's `open(path, "wb")`, `"ab"` and `"rb"` (aiofiles passes the modes through).
    #[test]
    fn files_create_truncates_append_appends_open_reads() {
        let dir = scratch_dir(Rt::INFO.id, "modes");
        let path = dir.join("file.txt");
        io_run::<Rt, _>("files", async {
            let mut file = Rt::create_file(&path).await.expect("create");
            file.write_all(b"first version, long\n").await.unwrap();
            file.flush().await.unwrap();
            drop(file);
            let mut file = Rt::create_file(&path).await.expect("create again");
            file.write_all(b"one\n").await.unwrap();
            file.flush().await.unwrap();
            drop(file);
            assert_eq!(Rt::read_file(&path).await.unwrap(), b"one\n", "create truncates");
            let mut file = Rt::append_file(&path).await.expect("append");
            file.write_all(b"two\n").await.unwrap();
            file.flush().await.unwrap();
            drop(file);
            let mut contents = String::new();
            let mut file = Rt::open_file(&path).await.expect("open");
            file.read_to_string(&mut contents).await.unwrap();
            assert_eq!(contents, "one\ntwo\n", "append appends");
            let fresh = path.with_file_name("fresh.txt");
            let mut file = Rt::append_file(&fresh).await.expect("append creates");
            file.write_all(b"new\n").await.unwrap();
            file.flush().await.unwrap();
            drop(file);
            assert_eq!(Rt::read_file(&fresh).await.unwrap(), b"new\n");
        });
        std::fs::remove_dir_all(dir).unwrap();
    }

    /// `open(missing)` raises `FileNotFoundError`.
    #[test]
    fn a_missing_file_is_not_found() {
        let dir = scratch_dir(Rt::INFO.id, "missing");
        let path = dir.join("no-such-file");
        io_run::<Rt, _>("missing file", async {
            let error = Rt::read_file(&path).await.expect_err("no such file");
            assert_eq!(error.kind(), io::ErrorKind::NotFound, "{error}");
            let Err(error) = Rt::open_file(&path).await else {
                panic!("there is no such file, yet it opened");
            };
            assert_eq!(error.kind(), io::ErrorKind::NotFound, "{error}");
        });
        std::fs::remove_dir_all(dir).unwrap();
    }

    /// The walkthrough's `areq.py`: many tasks appending lines to one file through aiofiles'
    /// `open(path, "a")`.
    #[test]
    fn a_hundred_concurrent_appenders_lose_no_line_and_break_none() {
        const TASKS: usize = 100;
        const LINES: usize = 20;
        let dir = scratch_dir(Rt::INFO.id, "appenders");
        let path = dir.join("lines.txt");
        let contents = io_run::<Rt, _>("appenders", async {
            let tasks: Vec<_> = (0..TASKS)
                .map(|task| {
                    let path = path.clone();
                    Rt::spawn(async move {
                        let mut file = Rt::append_file(&path).await?;
                        for line in 0..LINES {
                            // One write per line: O_APPEND makes each land whole at the end.
                            let text = format!("task {task:03} line {line:02} {}\n", "x".repeat(40));
                            file.write_all(text.as_bytes()).await?;
                            file.flush().await?;
                        }
                        io::Result::Ok(())
                    })
                })
                .collect();
            for task in tasks {
                task.await.unwrap().expect("append");
            }
            Rt::read_file(&path).await.expect("read back")
        });
        let contents = String::from_utf8(contents).expect("only whole lines of ASCII");
        let mut lines: Vec<&str> = contents.lines().collect();
        assert_eq!(lines.len(), TASKS * LINES);
        lines.sort_unstable();
        let mut expected: Vec<String> = (0..TASKS)
            .flat_map(|task| {
                (0..LINES).map(move |line| format!("task {task:03} line {line:02} {}", "x".repeat(40)))
            })
            .collect();
        expected.sort_unstable();
        assert_eq!(lines, expected);
        std::fs::remove_dir_all(dir).unwrap();
    }

    /// A stream accepted by one task and used by another: on a thread-per-core runtime with two
    /// workers the two tasks are placed on different workers, so every read and write of the stream
    /// goes to a ring other than the one that accepted it. Every byte arrives both ways, and the
    /// half-close still reaches the peer.
    #[test]
    fn a_stream_accepted_by_one_task_is_read_and_written_by_a_task_on_another_thread() {
        let (accepted_on, used_on, echoed) = within(Duration::from_secs(60), "stream moved", || {
            run_with::<Rt, _>(&Config::with_workers(2), async {
                let (listener, addr) = listen::<Rt>().await;
                let (handover, handed) = async_channel::bounded(1);
                // Spawned one after the other: on a thread-per-core runtime, worker 0, then worker 1.
                let acceptor = Rt::spawn(async move {
                    let (stream, _) = Rt::accept(&listener).await.expect("accept");
                    handover.send(stream).await.expect("the user waits");
                    std::thread::current().id()
                });
                let user = Rt::spawn(async move {
                    let mut stream = handed.recv().await.expect("the acceptor hands the stream over");
                    let mut received = Vec::new();
                    stream.read_to_end(&mut received).await?;
                    stream.write_all(&received).await?;
                    stream.close().await?;
                    io::Result::Ok(std::thread::current().id())
                });
                let sent = pattern(50_000, 7);
                let mut client = Rt::connect(addr).await.expect("connect");
                client.write_all(&sent).await.expect("write");
                client.close().await.expect("half-close");
                let mut echoed = Vec::new();
                client.read_to_end(&mut echoed).await.expect("read the echo to EOF");
                let accepted_on = acceptor.await.expect("no panic");
                let used_on = user.await.expect("no panic").expect("echo");
                (accepted_on, used_on, echoed == sent)
            })
        });
        assert!(echoed, "the echo differs from what was sent");
        if Rt::INFO.flavor == Flavor::ThreadPerCore {
            assert_ne!(accepted_on, used_on, "both tasks were placed on one worker");
        }
    }
}
