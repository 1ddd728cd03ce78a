//! The HTTP servers under load and faults, on every runtime, the server over the trait and the native
//! one: a thousand keep-alive connections opened and closed, clients that pipeline requests and stop
//! reading (the server's memory stays bounded), clients that send garbage or reset mid-request, and a
//! client that connects and never sends. Through all of it the server keeps answering well-behaved
//! clients, every answer is checked byte for byte, and nothing panics.
//!
//! The clients are blocking `std::net` sockets on threads of their own, as a load generator's are:
//! what is tested is the server alone. Every socket has a read and write timeout, so a server that
//! stops answering fails a test instead of hanging it. The tests of this file run one at a time (they
//! count the process's sockets, memory and panics).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use rosetta_http::Settings;
use rosetta_http::server::{BODY, BODY_LEN, CONTENT_TYPE};
use rosetta_runtimes::Runtime;
use rosetta_workloads::net::{ServerError, ServerKind, Stopper, stop_signal};
use rosetta_workloads::servers::http_server;

/// How long a client waits on one read or write before the test calls the server stuck.
const PATIENCE: Duration = Duration::from_secs(30);

/// One test at a time: each counts sockets, memory and panics of the whole process.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// Panics anywhere in the process since it started (the servers' tasks included).
static PANICS: AtomicUsize = AtomicUsize::new(0);

/// A server running on a thread of its own, stopped and joined when dropped.
struct Running {
    addr: SocketAddr,
    stopper: Option<Stopper>,
    thread: Option<thread::JoinHandle<Result<(), ServerError>>>,
    panics_before: usize,
}

impl Running {
    /// Stops the server and checks that it ended well and nothing panicked meanwhile.
    fn finish(mut self) {
        self.stopper.take();
        let served = self
            .thread
            .take()
            .expect("joined once")
            .join()
            .expect("the server's thread does not panic");
        served.expect("the server ends without an error");
        assert_eq!(
            PANICS.load(Ordering::SeqCst),
            self.panics_before,
            "something panicked while the server ran"
        );
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stopper.take();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Starts the `kind` server of `runtime` with `settings`; `None` (said on stderr) if the runtime has
/// no server of that kind.
fn start(runtime: &str, kind: ServerKind, settings: Settings) -> Option<Running> {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            PANICS.fetch_add(1, Ordering::SeqCst);
            previous(info);
        }));
    });
    let server = match http_server(runtime, kind.id()) {
        Ok(server) => server,
        Err(ServerError::NoNative { .. }) => {
            eprintln!("SKIPPED: {runtime} has no native HTTP server");
            return None;
        }
        Err(error) => panic!("{error}"),
    };
    let (stopper, stop) = stop_signal();
    let (addr_tx, addr_rx) = std::sync::mpsc::channel();
    let panics_before = PANICS.load(Ordering::SeqCst);
    let thread = thread::spawn(move || {
        server.serve(
            &Default::default(),
            settings,
            &mut |addr| {
                addr_tx.send(addr).map_err(std::io::Error::other)?;
                Ok(())
            },
            stop,
        )
    });
    let addr = addr_rx
        .recv_timeout(PATIENCE)
        .expect("the server says where it listens");
    Some(Running {
        addr,
        stopper: Some(stopper),
        thread: Some(thread),
        panics_before,
    })
}

/// A client connection with the test's timeouts.
fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect(addr).expect("the server accepts");
    stream.set_read_timeout(Some(PATIENCE)).expect("a timeout");
    stream.set_write_timeout(Some(PATIENCE)).expect("a timeout");
    stream.set_nodelay(true).expect("nodelay");
    stream
}

/// The request every well-behaved client sends.
const GET: &[u8] = b"GET / HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n";

/// Reads one answer from `stream` and checks it whole: the status line, the type, the length, and
/// the 1 KiB body byte for byte.
fn read_answer(stream: &mut TcpStream) {
    let mut head = Vec::new();
    let mut byte = [0];
    while !head.ends_with(b"\r\n\r\n") {
        assert!(head.len() < 4096, "an answer's head over 4 KiB");
        let n = stream.read(&mut byte).expect("the answer's head");
        assert_eq!(n, 1, "the server closed before answering");
        head.push(byte[0]);
    }
    let head = String::from_utf8(head)
        .expect("an ASCII head")
        .to_ascii_lowercase();
    assert!(head.starts_with("http/1.1 200 ok\r\n"), "{head}");
    assert!(
        head.contains(&format!("\r\ncontent-type: {CONTENT_TYPE}\r\n")),
        "{head}"
    );
    assert!(
        head.contains(&format!("\r\ncontent-length: {BODY_LEN}\r\n")),
        "{head}"
    );
    let mut body = vec![0; BODY_LEN];
    stream.read_exact(&mut body).expect("the body");
    assert!(body == BODY, "the body differs from the fixed one");
}

/// One GET on `stream`, its answer checked.
fn get(stream: &mut TcpStream) {
    stream.write_all(GET).expect("the request is sent");
    read_answer(stream);
}

/// A fresh well-behaved client: a few GETs on one keep-alive connection, each answer checked.
fn well_behaved(addr: SocketAddr) {
    let mut stream = connect(addr);
    for _ in 0..3 {
        get(&mut stream);
    }
}

/// Raises this process's open-file limit to its hard limit: a thousand connections need two thousand
/// descriptors here (both ends are in this process), over the 1 024 many systems start with.
fn raise_fd_limit() {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let mut limit = getrlimit(Resource::Nofile);
    if let (Some(current), Some(maximum)) = (limit.current, limit.maximum)
        && current < maximum
    {
        limit.current = Some(maximum);
        // Should it fail, the test shows it: connects would fail with "too many open files".
        let _ = setrlimit(Resource::Nofile, limit);
    }
}

/// This process's resident memory, in bytes (`/proc/self/statm`).
fn rss() -> usize {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("/proc/self/statm");
    let pages: usize = statm
        .split_whitespace()
        .nth(1)
        .and_then(|field| field.parse().ok())
        .expect("statm's second field is the resident pages");
    pages * rustix::param::page_size()
}

/// Closes `stream` with a reset (`SO_LINGER` 0) instead of an orderly shutdown.
fn reset(stream: TcpStream) {
    rustix::net::sockopt::set_socket_linger(&stream, Some(Duration::ZERO)).expect("SO_LINGER");
    drop(stream);
}

/// Reads `stream` until the server closes it: `Ok` at end of file or a reset, `Err` if it stays open
/// past the read timeout. What the server sent before closing is returned.
fn until_closed(stream: &mut TcpStream) -> std::io::Result<Vec<u8>> {
    let mut got = Vec::new();
    match stream.read_to_end(&mut got) {
        Ok(_) => Ok(got),
        Err(error) if error.kind() == std::io::ErrorKind::ConnectionReset => Ok(got),
        Err(error) => Err(error),
    }
}

/// The rules, written once, stamped for each kind of server inside each runtime's module.
macro_rules! rules {
    () => {
        /// A thousand keep-alive connections, opened one after another, are all open at once; each is
        /// answered on opening and again before it is closed, and then once more a thousand.
        ///
        /// Each connection is answered before the next opens, so no more than one waits in the
        /// listener's backlog (every runtime listens with a backlog of 128; a full one drops
        /// handshakes that TCP retries after 1 s, 3 s, 7 s).
        #[test]
        fn a_thousand_keep_alive_connections_opened_and_closed_are_each_answered() {
            const CONNECTIONS: usize = 1_000;
            let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            raise_fd_limit();
            let Some(server) = start(ID, KIND, Settings::DEFAULT) else {
                return;
            };
            for _round in 0..2 {
                let mut open: Vec<TcpStream> = Vec::with_capacity(CONNECTIONS);
                for _ in 0..CONNECTIONS {
                    let mut stream = connect(server.addr);
                    get(&mut stream);
                    open.push(stream);
                }
                for mut stream in open {
                    get(&mut stream);
                }
            }
            well_behaved(server.addr);
            server.finish();
        }

        /// Clients that send a flood of pipelined requests and never read: the server stops reading
        /// them once its writes back are stuck (their writes stall), its memory stays bounded, and a
        /// well-behaved client is answered meanwhile.
        #[test]
        fn clients_that_pipeline_and_stop_reading_leave_memory_bounded_and_others_served() {
            const CLIENTS: usize = 4;
            // Far more than the kernel's buffers on both sides hold (a few MiB): the answers to all of
            // it, 1 KiB each, would be over 700 MiB.
            const FLOOD: usize = 24 * 1024 * 1024;
            const GROWTH_BOUND: usize = 96 * 1024 * 1024;
            let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            let Some(server) = start(ID, KIND, Settings::DEFAULT) else {
                return;
            };
            let flood = std::sync::Arc::new(GET.repeat(FLOOD / GET.len()));
            well_behaved(server.addr);
            let before = rss();
            let flooders: Vec<_> = (0..CLIENTS)
                .map(|_| {
                    let flood = std::sync::Arc::clone(&flood);
                    let mut stream = connect(server.addr);
                    stream
                        .set_write_timeout(Some(Duration::from_secs(1)))
                        .expect("a timeout");
                    thread::spawn(move || {
                        let mut sent = 0;
                        while sent < flood.len() {
                            match stream.write(&flood[sent..]) {
                                Ok(0) | Err(_) => break,
                                Ok(n) => sent += n,
                            }
                        }
                        (stream, sent)
                    })
                })
                .collect();
            let flooders: Vec<(TcpStream, usize)> = flooders
                .into_iter()
                .map(|flooder| flooder.join().expect("no flooder panics"))
                .collect();
            let grown = rss().saturating_sub(before);
            for (_, sent) in &flooders {
                assert!(
                    *sent < flood.len(),
                    "the server read all {} bytes of pipelined requests while nobody read its answers",
                    flood.len()
                );
            }
            well_behaved(server.addr);
            assert!(
                grown < GROWTH_BOUND,
                "memory grew by {grown} bytes while {CLIENTS} clients did not read"
            );
            drop(flooders);
            well_behaved(server.addr);
            server.finish();
        }

        /// Clients that send garbage, or reset the connection in the middle of a request (or after
        /// one, before the answer): each costs only its own connection, and the server answers the
        /// well-behaved clients between them.
        #[test]
        fn garbage_and_resets_mid_request_cost_only_their_own_connection() {
            let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            let Some(server) = start(ID, KIND, Settings::DEFAULT) else {
                return;
            };
            let garbage: [&[u8]; 5] = [
                b"\x00\xff\xfe garbage \x01\x02\r\n\r\n",
                b"GET / HTTP/9.9\r\n\r\n",
                b"GET / HTTP/1.1\r\nhost: x\r\ncontent-length: nope\r\n\r\n",
                b"NOT A REQUEST AT ALL\r\n\r\n",
                // A head past hyper's limit (about 400 KiB): refused, not buffered.
                &[b'x'; 512 * 1024],
            ];
            for junk in garbage {
                let mut stream = connect(server.addr);
                // The server may close before taking it all: a failed write is its answer too.
                let _ = stream.write_all(junk);
                let answer = until_closed(&mut stream).expect("the server closes a garbage connection");
                let answer = String::from_utf8_lossy(&answer);
                assert!(
                    answer.is_empty() || answer.starts_with("HTTP/1.1 4"),
                    "garbage got {answer:?}"
                );
                well_behaved(server.addr);
            }
            for cut in [1, 7, GET.len() - 2] {
                let mut stream = connect(server.addr);
                stream.write_all(&GET[..cut]).expect("part of a request");
                thread::sleep(Duration::from_millis(10));
                reset(stream);
                well_behaved(server.addr);
            }
            // A whole request, then a reset before the answer is read.
            for _ in 0..10 {
                let mut stream = connect(server.addr);
                stream.write_all(GET).expect("a request");
                reset(stream);
            }
            // And one mid-body: a POST whose body stops half-way.
            let mut stream = connect(server.addr);
            stream
                .write_all(b"POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 1000\r\n\r\nhalf")
                .expect("part of a body");
            reset(stream);
            well_behaved(server.addr);
            server.finish();
        }

        /// A client that connects and never sends stalls nobody: others are answered meanwhile, and
        /// the server closes the silent connection once its header read timeout is over, never before.
        #[test]
        fn a_client_that_never_sends_stalls_nobody_and_is_closed_after_the_header_timeout() {
            let timeout = Duration::from_secs(1);
            let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            let Some(server) = start(ID, KIND, Settings { header_read_timeout: timeout }) else {
                return;
            };
            let opened = Instant::now();
            let mut silent = connect(server.addr);
            well_behaved(server.addr);
            let sent = until_closed(&mut silent).expect("the silent connection is closed in time");
            let waited = opened.elapsed();
            // hyper may answer 408 before it closes.
            let sent = String::from_utf8_lossy(&sent);
            assert!(sent.is_empty() || sent.starts_with("HTTP/1.1 408"), "{sent:?}");
            assert!(waited >= timeout, "closed after {waited:?}, before the {timeout:?} timeout");
            well_behaved(server.addr);
            server.finish();
        }
    };
}

rosetta_runtimes::conformance! {
    /// The runtime of this module's tests.
    const ID: &str = <Rt as Runtime>::INFO.id;

    /// The server over the trait.
    mod trait_server {
        use super::*;
        const KIND: ServerKind = ServerKind::Trait;
        rules!();
    }

    /// The server on the runtime's own API.
    mod native_server {
        use super::*;
        const KIND: ServerKind = ServerKind::Native;
        rules!();
    }
}
