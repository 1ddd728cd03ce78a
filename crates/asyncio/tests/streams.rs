//! Conformance of the streams API (`open_connection`, `start_server`, `StreamReader`, `StreamWriter`):
//! each rule held to CPython's `Lib/test/test_asyncio/test_streams.py` and `test_server.py`, and checked
//! on every runtime over real TCP.
//!
//! Where a CPython test feeds a `StreamReader` by hand (`feed_data`), the peer here writes the same bytes
//! over a socket **one byte at a time**, so every read crosses chunk boundaries; where it inspects
//! `stream._buffer` afterwards, the next read here must return exactly those bytes (none lost, none
//! doubled). Every socket is on 127.0.0.1, port 0; every loop is bounded; each test runs under a
//! watchdog.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use futures_lite::{AsyncReadExt, AsyncWriteExt};
use rosetta_asyncio::Runtime;
use rosetta_asyncio::streams::{
    IncompleteReadError, LimitOverrunError, Reader, Server, StreamError, StreamReader,
    StreamWriter, Writer, open_connection, open_connection_with_limit, start_server,
};
use rosetta_runtimes::conformance;
use rosetta_runtimes::rosetta_rt::{AsyncRead, Handle, Io};
use rosetta_runtimes::testing::{EXPECTED, quiet_expected_panics, run, within};

/// asyncio's test data, `StreamTests.DATA`.
const DATA: &[u8] = b"line1\nline2\nline3\n";

/// Runs `future` on a fresh loop of `R`, failing the test if it takes more than two minutes.
fn io_run<R: Runtime, F: Future>(what: &str, future: F) -> F::Output {
    within(Duration::from_secs(120), what, || run::<R, F>(future))
}

/// 127.0.0.1, port 0.
fn loopback() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

/// `len` bytes that differ from one position to the next, so a lost or moved byte shows.
fn pattern(len: usize, seed: u64) -> Vec<u8> {
    (0..len as u64)
        .map(|i| (i.wrapping_mul(2_654_435_761).wrapping_add(seed) >> 7) as u8)
        .collect()
}

/// A reader (with `limit`) whose peer writes `chunks` one byte at a time, yielding between bytes, then
/// shuts down its write half if `eof`; the peer keeps the connection open until the test closes its
/// side. Returns the reader, the writer of the same connection, and the peer's task.
async fn fed<R: Io>(
    limit: usize,
    data: Vec<u8>,
    eof: bool,
) -> (Reader<R>, Writer<R>, Handle<R, std::io::Result<()>>) {
    let listener = R::bind(loopback()).await.expect("bind");
    let addr = R::local_addr(&listener).unwrap();
    let peer = R::spawn(async move {
        let (mut stream, _) = R::accept(&listener).await?;
        for byte in data {
            stream.write_all(&[byte]).await?;
            stream.flush().await?;
            R::yield_now().await;
        }
        if eof {
            stream.close().await?;
        }
        // Hold the connection until the client is done with it.
        let mut rest = Vec::new();
        stream.read_to_end(&mut rest).await?;
        Ok(())
    });
    let (reader, writer) = open_connection_with_limit::<R>(addr, limit)
        .await
        .expect("connect");
    (reader, writer, peer)
}

/// Ends the connection of a [`fed`] reader and checks that its peer saw no error.
async fn finish<R: Io>(writer: Writer<R>, peer: Handle<R, std::io::Result<()>>) {
    let mut writer = writer;
    writer.wait_closed().await.expect("close the client side");
    peer.await.expect("the peer task").expect("the peer's I/O");
}

/// An echo server: each connection gets back what it sends, until it shuts down its write half.
async fn echo_server<R: Io>() -> Server {
    start_server::<R, _, _>(
        |mut reader, mut writer| async move {
            loop {
                let chunk = reader.read(64 * 1024).await?;
                if chunk.is_empty() {
                    return writer.wait_closed().await;
                }
                writer.write(&chunk)?;
                writer.drain().await?;
            }
        },
        loopback(),
    )
    .await
    .expect("start the echo server")
}

/// A read half that counts the bytes it hands out, so a test can act once the reader has them.
struct Counting<S> {
    inner: S,
    delivered: Arc<AtomicUsize>,
}

impl<S: AsyncRead + Unpin> AsyncRead for Counting<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<std::io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(n)) = polled {
            self.delivered.fetch_add(n, Ordering::SeqCst);
        }
        polled
    }
}

/// Raises this process's open-file limit to its hard limit: a thousand connections need two thousand
/// descriptors here, over the 1 024 many systems start with.
fn raise_fd_limit() {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let mut limit = getrlimit(Resource::Nofile);
    if let (Some(current), Some(maximum)) = (limit.current, limit.maximum)
        && current < maximum
    {
        limit.current = Some(maximum);
        // Should it fail, the test shows it: connections would fail with "too many open files".
        let _ = setrlimit(Resource::Nofile, limit);
    }
}

/// How many connections the thousand-connection test lets wait in the listener's backlog.
const BACKLOG_MARGIN: usize = 64;

/// Serializes the tests that open a thousand sockets, so that five runtimes do not do it at once.
static MANY_SOCKETS: Mutex<()> = Mutex::new(());

conformance! {
    // ---- StreamReader ---------------------------------------------------------------------------

    /// `test_readline`: the line arrives in pieces; what follows it stays for the next read.
    #[test]
    fn readline_across_chunks_returns_the_line_and_keeps_the_rest_test_readline() {
        io_run::<Rt, _>("readline", async {
            let (mut reader, writer, peer) =
                fed::<Rt>(64 * 1024, b"chunk1 chunk2 chunk3 \n chunk4".to_vec(), true).await;
            assert_eq!(reader.readline().await.unwrap(), b"chunk1 chunk2 chunk3 \n");
            assert_eq!(reader.read_to_eof().await.unwrap(), b" chunk4");
            finish::<Rt>(writer, peer).await;
        });
    }

    /// `test_readline_eof`, `test_readline_empty_eof`, `test_at_eof`: at end of file `readline`
    /// returns what is left, then empty lines.
    #[test]
    fn readline_at_eof_returns_the_partial_line_then_nothing_test_readline_eof() {
        io_run::<Rt, _>("readline at eof", async {
            let (mut reader, writer, peer) =
                fed::<Rt>(64 * 1024, b"some data\nsome data".to_vec(), true).await;
            assert!(!reader.at_eof());
            assert_eq!(reader.readline().await.unwrap(), b"some data\n");
            assert!(!reader.at_eof());
            assert_eq!(reader.readline().await.unwrap(), b"some data");
            assert!(reader.at_eof());
            assert_eq!(reader.readline().await.unwrap(), b"");
            finish::<Rt>(writer, peer).await;
        });
    }

    /// `test_readline_limit`: a line longer than the limit fails and is dropped, up to its newline;
    /// a line of exactly the limit before its newline passes.
    #[test]
    fn readline_past_the_limit_fails_and_drops_that_line_test_readline_limit() {
        io_run::<Rt, _>("readline limit", async {
            let data = b"1234567\nchunk1chunk2\nchunk3\n".to_vec();
            let (mut reader, writer, peer) = fed::<Rt>(7, data, true).await;
            assert_eq!(reader.readline().await.unwrap(), b"1234567\n", "the limit is not strict");
            let error = reader.readline().await.expect_err("13 bytes before the newline");
            assert!(matches!(error, StreamError::LimitOverrun(_)), "{error:?}");
            // The bytes of the long line that were not dropped with it come as lines of their own,
            // then `chunk3`: nothing after the long line is lost.
            let mut rest = Vec::new();
            for _ in 0..10 {
                match reader.readline().await {
                    Ok(line) if line.is_empty() => break,
                    Ok(line) => rest.extend(line),
                    Err(StreamError::LimitOverrun(_)) => {}
                    Err(error) => panic!("{error}"),
                }
            }
            assert!(rest.ends_with(b"chunk3\n"), "{:?}", String::from_utf8_lossy(&rest));
            finish::<Rt>(writer, peer).await;
        });
    }

    /// `test_readexactly`: exactly `n` bytes, from many chunks; the rest stays.
    #[test]
    fn readexactly_gathers_chunks_and_keeps_the_rest_test_readexactly() {
        io_run::<Rt, _>("readexactly", async {
            let (mut reader, writer, peer) = fed::<Rt>(64 * 1024, DATA.repeat(3), true).await;
            assert_eq!(reader.readexactly(0).await.unwrap(), b"", "test_readexactly_zero_or_less");
            assert_eq!(reader.readexactly(2 * DATA.len()).await.unwrap(), DATA.repeat(2));
            assert_eq!(reader.read_to_eof().await.unwrap(), DATA);
            finish::<Rt>(writer, peer).await;
        });
    }

    /// `test_readexactly_limit`: the limit does not bound `readexactly`.
    #[test]
    fn readexactly_is_not_bounded_by_the_limit_test_readexactly_limit() {
        io_run::<Rt, _>("readexactly limit", async {
            let (mut reader, writer, peer) = fed::<Rt>(3, b"chunk".to_vec(), true).await;
            assert_eq!(reader.readexactly(5).await.unwrap(), b"chunk");
            finish::<Rt>(writer, peer).await;
        });
    }

    /// `test_readexactly_eof`: end of file first gives `IncompleteReadError` with the partial bytes.
    #[test]
    fn readexactly_at_eof_is_incomplete_and_carries_the_partial_bytes_test_readexactly_eof() {
        io_run::<Rt, _>("readexactly eof", async {
            let (mut reader, writer, peer) = fed::<Rt>(64 * 1024, DATA.to_vec(), true).await;
            let error = reader.readexactly(2 * DATA.len()).await.expect_err("EOF after 18 bytes");
            let StreamError::IncompleteRead(incomplete) = error else {
                panic!("{error:?}");
            };
            assert_eq!(
                incomplete,
                IncompleteReadError { partial: DATA.to_vec(), expected: Some(36) }
            );
            assert_eq!(incomplete.to_string(), "18 bytes read on a total of 36 expected bytes");
            assert!(reader.at_eof(), "the partial bytes were taken off the buffer");
            finish::<Rt>(writer, peer).await;
        });
    }

    /// `test_readuntil_multi_chunks` and `test_readuntil_multi_chunks_1`: a separator split across
    /// chunks is found; what follows stays.
    #[test]
    fn readuntil_finds_a_separator_split_across_chunks_test_readuntil_multi_chunks_1() {
        io_run::<Rt, _>("readuntil chunks", async {
            let data = b"lineAAAQWEaaXYaaaXXXaaalineAAAxxx".to_vec();
            let (mut reader, writer, peer) = fed::<Rt>(64 * 1024, data, true).await;
            assert_eq!(reader.readuntil(b"AAA").await.unwrap(), b"lineAAA");
            assert_eq!(reader.readuntil(b"aaa").await.unwrap(), b"QWEaaXYaaa");
            assert_eq!(reader.readuntil(b"aaa").await.unwrap(), b"XXXaaa");
            assert_eq!(reader.readuntil(b"AAA").await.unwrap(), b"lineAAA");
            assert_eq!(reader.read_to_eof().await.unwrap(), b"xxx");
            finish::<Rt>(writer, peer).await;
        });
    }

    /// `test_readuntil_eof`: end of file before the separator is incomplete, with everything read.
    #[test]
    fn readuntil_at_eof_is_incomplete_with_undefined_expected_bytes_test_readuntil_eof() {
        io_run::<Rt, _>("readuntil eof", async {
            let (mut reader, writer, peer) = fed::<Rt>(64 * 1024, b"some dataAA".to_vec(), true).await;
            let error = reader.readuntil(b"AAA").await.expect_err("no separator before EOF");
            let StreamError::IncompleteRead(incomplete) = error else {
                panic!("{error:?}");
            };
            assert_eq!(incomplete.partial, b"some dataAA");
            assert_eq!(incomplete.expected, None);
            assert!(incomplete.to_string().contains("undefined expected bytes"));
            assert!(reader.at_eof());
            finish::<Rt>(writer, peer).await;
        });
    }

    /// `test_readuntil_separator`: an empty separator is refused.
    #[test]
    fn readuntil_refuses_an_empty_separator_test_readuntil_separator() {
        io_run::<Rt, _>("empty separator", async {
            let (mut reader, writer, peer) = fed::<Rt>(64 * 1024, b"x".to_vec(), true).await;
            assert!(matches!(reader.readuntil(b"").await, Err(StreamError::EmptySeparator)));
            assert_eq!(reader.read_to_eof().await.unwrap(), b"x");
            finish::<Rt>(writer, peer).await;
        });
    }

    /// `test_readuntil_limit_found_sep`: past the limit, `readuntil` fails with `LimitOverrunError`
    /// and **keeps the data** for the next call, whether the separator is not there at all (over TCP,
    /// a byte at a time) or found beyond the limit (all the bytes in the buffer at once, as
    /// `feed_data` puts them).
    #[test]
    fn readuntil_past_the_limit_overruns_and_keeps_the_data_test_readuntil_limit_found_sep() {
        io_run::<Rt, _>("readuntil limit", async {
            let (mut reader, writer, peer) = fed::<Rt>(3, b"some dataAA".to_vec(), true).await;
            let error = reader.readuntil(b"AAA").await.expect_err("no separator within the limit");
            let StreamError::LimitOverrun(LimitOverrunError { found, consumed }) = error else {
                panic!("{error:?}");
            };
            assert!(!found && consumed > 3, "found {found}, consumed {consumed}");
            assert!(reader.buffer().len() > 3, "the data is kept");
            assert!(b"some dataAA".starts_with(reader.buffer()), "the data is kept as it came");
            // Another try overruns again, on the same data.
            assert!(matches!(reader.readuntil(b"AAA").await, Err(StreamError::LimitOverrun(_))));
            assert_eq!(reader.read_to_eof().await.unwrap(), b"some dataAA");
            finish::<Rt>(writer, peer).await;

            let mut reader = StreamReader::with_limit(&b"some dataAAA"[..], 3).unwrap();
            let error = reader.readuntil(b"AAA").await.expect_err("the separator is past the limit");
            let StreamError::LimitOverrun(overrun) = error else {
                panic!("{error:?}");
            };
            assert_eq!(overrun, LimitOverrunError { found: true, consumed: 9 });
            assert_eq!(overrun.to_string(), "Separator is found, but chunk is longer than limit");
            assert_eq!(reader.buffer(), b"some dataAAA", "the data is kept");
        });
    }

    /// `test_read_until_eof`, `test_read_zero`, `test_read_eof`: `read(-1)` returns everything up to end
    /// of file; `read(0)` nothing; `read(n)` at end of file an empty result.
    #[test]
    fn read_to_eof_returns_everything_sent_test_read_until_eof() {
        io_run::<Rt, _>("read to eof", async {
            let (mut reader, writer, peer) = fed::<Rt>(64 * 1024, b"chunk1\nchunk2".to_vec(), true).await;
            assert_eq!(reader.read(0).await.unwrap(), b"");
            let first = reader.read(3).await.unwrap();
            assert!(!first.is_empty() && first.len() <= 3 && b"chunk1\nchunk2".starts_with(&first));
            let mut all = first;
            all.extend(reader.read_to_eof().await.unwrap());
            assert_eq!(all, b"chunk1\nchunk2");
            assert_eq!(reader.read(1024).await.unwrap(), b"", "test_read_eof");
            assert!(reader.at_eof());
            finish::<Rt>(writer, peer).await;
        });
    }

    /// `test_invalid_limit`: a zero limit is refused.
    #[test]
    fn a_zero_limit_is_refused_test_invalid_limit() {
        assert!(matches!(StreamReader::with_limit(&b""[..], 0), Err(StreamError::InvalidLimit)));
        io_run::<Rt, _>("zero limit", async {
            let server = echo_server::<Rt>().await;
            let outcome = open_connection_with_limit::<Rt>(server.local_addr(), 0).await;
            assert!(matches!(outcome, Err(StreamError::InvalidLimit)));
        });
    }

    /// asyncio's reader keeps its buffer when a `readexactly` is cancelled (`test_exception_cancel`
    /// cancels a pending `readline` and checks the reader is still sound): the next read gets every
    /// byte. Underneath, the runtime's stream took no byte it did not hand over (see the `Io` suite).
    #[test]
    fn a_cancelled_readexactly_loses_no_bytes() {
        io_run::<Rt, _>("cancelled readexactly", async {
            let listener = Rt::bind(loopback()).await.unwrap();
            let addr = Rt::local_addr(&listener).unwrap();
            let (go_on, resume) = async_channel::bounded::<()>(1);
            let peer = Rt::spawn(async move {
                let (mut stream, _) = Rt::accept(&listener).await?;
                stream.write_all(b"hello").await?;
                let _ = resume.recv().await;
                stream.write_all(b" world").await?;
                stream.close().await
            });
            let stream = Rt::connect(addr).await.unwrap();
            let (read, _write) = Rt::split(stream);
            let delivered = Arc::new(AtomicUsize::new(0));
            let mut reader =
                StreamReader::new(Counting { inner: read, delivered: Arc::clone(&delivered) });
            // The read is cancelled the moment its first five bytes are in: mid-flight, holding them.
            let cancel = async {
                for _ in 0..1_000_000 {
                    if delivered.load(Ordering::SeqCst) >= 5 {
                        return None;
                    }
                    Rt::yield_now().await;
                }
                panic!("the first five bytes never came");
            };
            let outcome = futures_lite::future::or(
                async { Some(reader.readexactly(11).await) },
                cancel,
            )
            .await;
            assert!(outcome.is_none(), "the read was cancelled, not finished: {outcome:?}");
            assert_eq!(reader.buffer(), b"hello", "the cancelled read's bytes wait in the buffer");
            go_on.send(()).await.unwrap();
            assert_eq!(reader.readexactly(11).await.unwrap(), b"hello world");
            peer.await.unwrap().unwrap();
        });
    }

    // ---- open_connection, start_server -------------------------------------------------------------

    /// `test_start_server`: a line sent through `open_connection` comes back through a `start_server`
    /// handler; both ends know their peer.
    #[test]
    fn a_line_comes_back_from_a_start_server_handler_test_start_server() {
        io_run::<Rt, _>("start_server", async {
            let peers = Arc::new(Mutex::new(Vec::new()));
            let seen = Arc::clone(&peers);
            let server = start_server::<Rt, _, _>(
                move |mut reader, mut writer| {
                    seen.lock().unwrap().push(writer.peer_addr());
                    async move {
                        let data = reader.readline().await?;
                        writer.write(&data)?;
                        writer.drain().await?;
                        writer.close();
                        writer.wait_closed().await
                    }
                },
                loopback(),
            )
            .await
            .unwrap();
            let addr = server.local_addr();
            assert_ne!(addr.port(), 0);
            let (mut reader, mut writer) = open_connection::<Rt>(addr).await.unwrap();
            assert_eq!(writer.peer_addr(), Some(addr));
            writer.write(b"hello world!\n").unwrap();
            assert_eq!(reader.readline().await.unwrap(), b"hello world!\n");
            assert!(!writer.is_closing(), "test_wait_closed_on_close");
            writer.close();
            assert!(writer.is_closing());
            writer.wait_closed().await.unwrap();
            server.close();
            server.wait_closed().await;
            let peers = peers.lock().unwrap();
            assert_eq!(peers.len(), 1);
            let peer = peers[0].expect("a socket's writer knows its peer");
            assert_eq!(peer.ip(), addr.ip());
        });
    }

    /// One mebibyte through an echo server comes back byte for byte (`test_start_server`'s echo,
    /// with more than the socket buffers hold in flight).
    #[test]
    fn a_mebibyte_through_an_echo_server_comes_back_byte_exact() {
        const LEN: usize = 1 << 20;
        io_run::<Rt, _>("1 MiB echo", async {
            let server = echo_server::<Rt>().await;
            let (mut reader, mut writer) = open_connection::<Rt>(server.local_addr()).await.unwrap();
            let sent = pattern(LEN, 3);
            let expected = sent.clone();
            let sender = Rt::spawn(async move {
                for chunk in sent.chunks(10_000) {
                    writer.write(chunk)?;
                    writer.drain().await?;
                }
                writer.write_eof()?;
                writer.drain().await
            });
            let received = reader.read_to_eof().await.unwrap();
            sender.await.unwrap().unwrap();
            assert_eq!(received.len(), LEN);
            assert!(received == expected, "the echoed bytes differ");
            server.close();
            server.wait_closed().await;
        });
    }

    /// A thousand concurrent connections to one server each get their own bytes back.
    ///
    /// All thousand are open at once before any sends. The connects are paced so that no more than
    /// [`BACKLOG_MARGIN`] wait in the listener's backlog: every runtime's listener listens with std's
    /// backlog of 128 (mio's too), and a full backlog drops handshakes that TCP then retries after 1 s,
    /// 3 s, 7 s... (a measure of the kernel, not of the runtime; unpaced, this test took a minute).
    #[test]
    fn a_thousand_concurrent_connections_each_get_their_own_bytes_back() {
        const CONNECTIONS: usize = 1_000;
        let _one_at_a_time = MANY_SOCKETS.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        raise_fd_limit();
        io_run::<Rt, _>("1 000 connections", async {
            let accepted = Arc::new(AtomicUsize::new(0));
            let counted = Arc::clone(&accepted);
            let server = start_server::<Rt, _, _>(
                move |mut reader, mut writer| {
                    counted.fetch_add(1, Ordering::SeqCst);
                    async move {
                        let line = reader.readline().await?;
                        writer.write(&line)?;
                        writer.drain().await?;
                        let rest = reader.read_to_eof().await?;
                        writer.write(&rest)?;
                        writer.wait_closed().await
                    }
                },
                loopback(),
            )
            .await
            .unwrap();
            let addr = server.local_addr();
            let connected = Arc::new(AtomicUsize::new(0));
            // Dropped by the last client to connect: the others wait for that before they send.
            let (all_open, wait_all_open) = async_channel::bounded::<()>(1);
            let all_open = Arc::new(Mutex::new(Some(all_open)));
            let clients: Vec<_> = (0..CONNECTIONS)
                .map(|i| {
                    let accepted = Arc::clone(&accepted);
                    let connected = Arc::clone(&connected);
                    let all_open = Arc::clone(&all_open);
                    let wait_all_open = wait_all_open.clone();
                    Rt::spawn(async move {
                        for _ in 0..60_000 {
                            if accepted.load(Ordering::SeqCst) + BACKLOG_MARGIN >= i {
                                break;
                            }
                            Rt::sleep(Duration::from_millis(1)).await;
                        }
                        let (mut reader, mut writer) = open_connection::<Rt>(addr).await?;
                        if connected.fetch_add(1, Ordering::SeqCst) + 1 == CONNECTIONS {
                            all_open.lock().unwrap().take();
                        }
                        // Fails once the last sender is gone: that is every connection open.
                        let _ = wait_all_open.recv().await;
                        let mut message = format!("client {i:04} ").into_bytes();
                        message.extend(pattern(2_000, i as u64).iter().map(|b| b'a' + b % 26));
                        message.push(b'\n');
                        writer.write(&message)?;
                        writer.drain().await?;
                        let echoed = reader.readline().await?;
                        writer.wait_closed().await?;
                        let rest = reader.read_to_eof().await?;
                        Ok::<_, StreamError>(echoed == message && rest.is_empty())
                    })
                })
                .collect();
            drop(wait_all_open);
            let mut own = 0;
            for client in clients {
                if client.await.expect("no client panics").expect("no client fails") {
                    own += 1;
                }
            }
            assert_eq!(own, CONNECTIONS, "every client got exactly its own line back");
            assert_eq!(accepted.load(Ordering::SeqCst), CONNECTIONS);
            server.close();
            server.wait_closed().await;
        });
    }

    /// Connecting to a closed port is a typed "refused" (asyncio's `ConnectionRefusedError`).
    #[test]
    fn connecting_to_a_closed_port_is_refused_test_open_connection_error() {
        io_run::<Rt, _>("refused", async {
            let listener = Rt::bind(loopback()).await.unwrap();
            let addr = Rt::local_addr(&listener).unwrap();
            drop(listener);
            let outcome = open_connection::<Rt>(addr).await;
            assert!(matches!(outcome, Err(StreamError::ConnectionRefused(_))), "{outcome:?}");
        });
    }

    /// `test_drain_raises`: a writer whose peer closed gets `ConnectionResetError` (or
    /// `BrokenPipeError`) from `drain`, instead of looping for ever.
    #[test]
    fn drain_to_a_peer_that_closed_raises_connection_reset_test_drain_raises() {
        io_run::<Rt, _>("drain raises", async {
            let listener = Rt::bind(loopback()).await.unwrap();
            let addr = Rt::local_addr(&listener).unwrap();
            let peer = Rt::spawn(async move {
                let (stream, _) = Rt::accept(&listener).await?;
                drop(stream);
                std::io::Result::Ok(())
            });
            let (_reader, mut writer) = open_connection::<Rt>(addr).await.unwrap();
            peer.await.unwrap().unwrap();
            let mut outcome = Ok(());
            for _ in 0..100_000 {
                writer.write(b"foo\n").unwrap();
                outcome = writer.drain().await;
                if outcome.is_err() {
                    break;
                }
                Rt::yield_now().await;
            }
            assert!(matches!(outcome, Err(StreamError::ConnectionReset(_))), "{outcome:?}");
        });
    }

    /// A client that resets its connection makes that handler's read fail with a typed error; the
    /// server keeps serving the other clients.
    #[test]
    fn a_resetting_peer_fails_its_handler_only_and_the_server_keeps_serving() {
        io_run::<Rt, _>("reset", async {
            let (report, reports) = async_channel::unbounded();
            let server = start_server::<Rt, _, _>(
                move |mut reader, mut writer| {
                    let report = report.clone();
                    async move {
                        writer.write(b"welcome\n")?;
                        writer.drain().await?;
                        let outcome = reader.readexactly(100).await;
                        match outcome {
                            Ok(data) => {
                                writer.write(&data)?;
                                writer.wait_closed().await?;
                                report.send(Ok(())).await.ok();
                            }
                            Err(error) => {
                                report.send(Err(error)).await.ok();
                            }
                        }
                        Ok::<_, StreamError>(())
                    }
                },
                loopback(),
            )
            .await
            .unwrap();
            let addr = server.local_addr();

            // The resetting client: it closes with unread bytes in its socket, so the kernel resets.
            let mut rude = Rt::connect(addr).await.unwrap();
            rude.write_all(b"ten bytes.").await.unwrap();
            let mut first = [0; 1];
            rude.read_exact(&mut first).await.unwrap();
            drop(rude);
            let outcome = reports.recv().await.unwrap();
            assert!(matches!(outcome, Err(StreamError::ConnectionReset(_))), "{outcome:?}");

            // A well-behaved client after it is served in full.
            let (mut reader, mut writer) = open_connection::<Rt>(addr).await.unwrap();
            assert_eq!(reader.readline().await.unwrap(), b"welcome\n");
            let message = pattern(100, 9);
            writer.write(&message).unwrap();
            writer.drain().await.unwrap();
            assert_eq!(reader.read_to_eof().await.unwrap(), message);
            assert!(reports.recv().await.unwrap().is_ok());
            server.close();
            server.wait_closed().await;
        });
    }

    /// `test_wait_closed_basic`: `wait_closed` blocks while the server is open, and after `close`
    /// while a handler runs; it returns once the handler has finished.
    #[test]
    fn wait_closed_returns_only_after_close_and_every_handler_test_wait_closed_basic() {
        io_run::<Rt, _>("wait_closed", async {
            let finished = Arc::new(AtomicUsize::new(0));
            let done = Arc::clone(&finished);
            let (started, has_started) = async_channel::bounded::<()>(1);
            let server = start_server::<Rt, _, _>(
                move |mut reader, mut writer| {
                    let done = Arc::clone(&done);
                    let started = started.clone();
                    async move {
                        started.send(()).await.ok();
                        let _ = reader.read_to_eof().await;
                        let _ = writer.wait_closed().await;
                        done.fetch_add(1, Ordering::SeqCst);
                    }
                },
                loopback(),
            )
            .await
            .unwrap();
            let server = Arc::new(server);
            let waiter = |server: &Arc<Server>| {
                let server = Arc::clone(server);
                Rt::spawn(async move { server.wait_closed().await })
            };
            // Not closed, nothing active: blocks.
            let mut task1 = waiter(&server);
            Rt::yield_now().await;
            assert!(!task1.is_finished());
            // Not closed, one handler: blocks.
            let (_reader, mut writer) = open_connection::<Rt>(server.local_addr()).await.unwrap();
            has_started.recv().await.unwrap();
            let mut task2 = waiter(&server);
            Rt::yield_now().await;
            assert!(!task1.is_finished() && !task2.is_finished());
            // Closed, one handler: blocks.
            server.close();
            assert!(!server.is_serving());
            let mut task3 = waiter(&server);
            for _ in 0..10 {
                Rt::yield_now().await;
            }
            assert!(!task1.is_finished() && !task2.is_finished() && !task3.is_finished());
            assert_eq!(finished.load(Ordering::SeqCst), 0);
            // The client closes: the handler returns, and every waiter with it.
            writer.wait_closed().await.unwrap();
            task1.await.unwrap();
            task2.await.unwrap();
            task3.await.unwrap();
            assert_eq!(finished.load(Ordering::SeqCst), 1, "wait_closed returned after the handler");
            server.wait_closed().await;
        });
    }

    /// `test_start_server_1` and asyncio's `Server.close`: after `close` no new connection is served,
    /// connections already open keep running, and once `wait_closed` returns the port refuses.
    /// `serve_forever` returns on close, and fails on a closed server.
    #[test]
    fn close_stops_new_connections_and_open_ones_run_on_test_start_server_1() {
        io_run::<Rt, _>("close", async {
            let served = Arc::new(AtomicUsize::new(0));
            let count = Arc::clone(&served);
            let server = Arc::new(
                start_server::<Rt, _, _>(
                    move |mut reader, mut writer| {
                        count.fetch_add(1, Ordering::SeqCst);
                        async move {
                            while let Ok(line) = reader.readline().await {
                                if line.is_empty() {
                                    break;
                                }
                                writer.write(&line)?;
                                writer.drain().await?;
                            }
                            writer.wait_closed().await
                        }
                    },
                    loopback(),
                )
                .await
                .unwrap(),
            );
            let addr = server.local_addr();
            // serve_forever is under way (polled once, pending) before the close: a task that
            // first runs after it fails, as asyncio's does, and on a flavor whose tasks run on other
            // threads the spawned task may not have run yet when this one closes.
            let (started, under_way) = async_channel::bounded::<()>(1);
            let forever = {
                let server = Arc::clone(&server);
                Rt::spawn(async move {
                    let mut serving = std::pin::pin!(server.serve_forever());
                    if let Some(early) = futures_lite::future::poll_once(serving.as_mut()).await {
                        return early;
                    }
                    let _ = started.send(()).await;
                    serving.await
                })
            };
            let _ = under_way.recv().await;
            let (mut reader, mut writer) = open_connection::<Rt>(addr).await.unwrap();
            writer.write(b"before\n").unwrap();
            assert_eq!(reader.readline().await.unwrap(), b"before\n");

            server.close();
            assert!(forever.await.unwrap().is_ok(), "serve_forever returns once closed");
            // A connection attempted after close is never served: refused, or accepted by the kernel
            // before the listening socket is gone and then closed unserved.
            if let Ok((mut late_reader, mut late_writer)) = open_connection::<Rt>(addr).await {
                late_writer.write(b"late\n").unwrap();
                let _ = late_writer.drain().await;
                assert!(
                    matches!(late_reader.readline().await.as_deref(), Ok(b"") | Err(_)),
                    "a connection made after close was answered"
                );
            }
            // The connection from before the close still works.
            writer.write(b"after\n").unwrap();
            assert_eq!(reader.readline().await.unwrap(), b"after\n");
            writer.wait_closed().await.unwrap();
            server.wait_closed().await;
            assert_eq!(served.load(Ordering::SeqCst), 1);
            let outcome = open_connection::<Rt>(addr).await;
            assert!(matches!(outcome, Err(StreamError::ConnectionRefused(_))), "{outcome:?}");
            assert!(matches!(server.serve_forever().await, Err(StreamError::ServerClosed)));
        });
    }

    /// An exception escaping a handler (asyncio logs it and closes that connection) is a panic here: it
    /// costs only its own connection, the server keeps serving, and `wait_closed` does not wait for it.
    #[test]
    fn a_panicking_handler_costs_only_its_connection() {
        quiet_expected_panics();
        io_run::<Rt, _>("panicking handler", async {
            let server = start_server::<Rt, _, _>(
                |mut reader, mut writer| async move {
                    let line = reader.readline().await?;
                    if line == b"panic\n" {
                        panic!("handler {EXPECTED}");
                    }
                    writer.write(&line)?;
                    writer.wait_closed().await
                },
                loopback(),
            )
            .await
            .unwrap();
            let (mut reader, mut writer) = open_connection::<Rt>(server.local_addr()).await.unwrap();
            writer.write(b"panic\n").unwrap();
            assert!(
                matches!(reader.read_to_eof().await.as_deref(), Ok(b"") | Err(_)),
                "the panicking handler's connection is closed"
            );
            let (mut reader, mut writer) = open_connection::<Rt>(server.local_addr()).await.unwrap();
            writer.write(b"fine\n").unwrap();
            assert_eq!(reader.read_to_eof().await.unwrap(), b"fine\n");
            server.close();
            server.wait_closed().await;
        });
    }

    // ---- StreamWriter ------------------------------------------------------------------------------

    /// Half-close (`StreamWriter.write_eof`): the peer reads end of file and can still answer.
    #[test]
    fn after_write_eof_the_peer_reads_eof_and_can_still_answer() {
        io_run::<Rt, _>("write_eof", async {
            let server = start_server::<Rt, _, _>(
                |mut reader, mut writer| async move {
                    let request = reader.read_to_eof().await?;
                    writer.write(b"got ")?;
                    writer.write(&request)?;
                    writer.wait_closed().await
                },
                loopback(),
            )
            .await
            .unwrap();
            let (mut reader, mut writer) = open_connection::<Rt>(server.local_addr()).await.unwrap();
            assert!(writer.can_write_eof());
            writer.write(b"ping").unwrap();
            writer.write_eof().unwrap();
            writer.drain().await.unwrap();
            assert!(matches!(writer.write(b"more"), Err(StreamError::WriteAfterEof)));
            assert_eq!(reader.read_to_eof().await.unwrap(), b"got ping");
            server.close();
            server.wait_closed().await;
        });
    }

    /// `test_async_writer_api_exception_after_close`: write then drain after `close` raises
    /// `ConnectionResetError`.
    #[test]
    fn drain_after_close_raises_connection_reset_test_async_writer_api_exception_after_close() {
        io_run::<Rt, _>("drain after close", async {
            let server = echo_server::<Rt>().await;
            let (mut reader, mut writer) = open_connection::<Rt>(server.local_addr()).await.unwrap();
            writer.writelines([&b"GET / "[..], b"HTTP/1.0\r\n"]).unwrap();
            writer.drain().await.unwrap();
            assert_eq!(reader.readline().await.unwrap(), b"GET / HTTP/1.0\r\n");
            writer.close();
            writer.write(b"data").unwrap();
            assert!(matches!(writer.drain().await, Err(StreamError::ConnectionReset(_))));
            assert_eq!(reader.read_to_eof().await.unwrap(), b"", "the data after close was dropped");
        });
    }

    /// `drain` blocks a writer whose peer does not read (the setup of `test_abort_clients`, which fills
    /// the kernel's buffers), and the writer's own buffer stays bounded meanwhile; once the peer reads,
    /// every byte arrives.
    #[test]
    fn drain_blocks_a_writer_whose_peer_does_not_read_and_memory_stays_bounded() {
        const CHUNK: usize = 64 * 1024;
        // Far more than loopback's socket buffers can hold, so the writer must block.
        const TOTAL: usize = 64 << 20;
        io_run::<Rt, _>("drain blocks", async {
            let listener = Rt::bind(loopback()).await.unwrap();
            let addr = Rt::local_addr(&listener).unwrap();
            let (_reader, mut writer) = open_connection::<Rt>(addr).await.unwrap();
            let (mut peer, _) = Rt::accept(&listener).await.unwrap();
            let drained = Arc::new(AtomicUsize::new(0));
            let largest_buffer = Arc::new(AtomicUsize::new(0));
            let mut writing = {
                let drained = Arc::clone(&drained);
                let largest_buffer = Arc::clone(&largest_buffer);
                Rt::spawn(async move {
                    let chunk = pattern(CHUNK, 5);
                    for _ in 0..TOTAL / CHUNK {
                        writer.write(&chunk)?;
                        largest_buffer.fetch_max(writer.write_buffer_size(), Ordering::SeqCst);
                        writer.drain().await?;
                        drained.fetch_add(CHUNK, Ordering::SeqCst);
                    }
                    writer.write_eof()?;
                    writer.drain().await
                })
            };
            // Wait until the writer stops making progress: bounded, and asserting no speed.
            let mut last = usize::MAX;
            for _ in 0..200 {
                Rt::sleep(Duration::from_millis(50)).await;
                let now = drained.load(Ordering::SeqCst);
                if now == last {
                    break;
                }
                last = now;
            }
            assert!(!writing.is_finished(), "drain did not block with a peer that does not read");
            let stalled_at = drained.load(Ordering::SeqCst);
            assert!(stalled_at < TOTAL, "all {TOTAL} bytes were drained into a peer that reads nothing");
            assert!(
                largest_buffer.load(Ordering::SeqCst) <= CHUNK,
                "the writer buffered {} bytes",
                largest_buffer.load(Ordering::SeqCst)
            );
            // Now the peer reads: everything arrives, byte-exact, and the writer finishes.
            let expected = pattern(CHUNK, 5);
            let mut received = 0;
            let mut chunk = vec![0; CHUNK];
            while received < TOTAL {
                peer.read_exact(&mut chunk).await.unwrap();
                assert!(chunk == expected, "chunk at {received} differs");
                received += CHUNK;
            }
            writing.await.unwrap().unwrap();
            assert_eq!(peer.read(&mut chunk).await.unwrap(), 0, "end of file after the last chunk");
        });
    }

    /// A writer over any `futures-io` writer, not only sockets: a buffer in memory.
    #[test]
    fn a_writer_over_memory_writes_everything_it_is_given() {
        io_run::<Rt, _>("writer over memory", async {
            let mut writer = StreamWriter::new(Vec::new(), None);
            writer.write(b"hello ").unwrap();
            writer.writelines([&b"wor"[..], b"ld"]).unwrap();
            writer.drain().await.unwrap();
            assert_eq!(writer.get_ref(), b"hello world");
            assert_eq!(writer.write_buffer_size(), 0);
            assert_eq!(writer.peer_addr(), None);
        });
    }
}
