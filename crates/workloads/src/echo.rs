//! The echo servers of the network workloads: the toolkit's streams and raw reads and writes over the
//! trait, each runtime's native API (in `native/`), and the blocking floor, all behind one call.
//!
//! Every server binds 127.0.0.1 port 0, tells its caller the address it got, and then echoes every
//! byte each peer sends until that peer closes, one task (or thread) per connection, `TCP_NODELAY` on
//! as asyncio sets it on every transport. A server serves until its process ends: the process
//! contract (`rosetta netserve`) ends it when its stdin closes, so no server needs a stop of its own.
//!
//! | server | what it is |
//! |---|---|
//! | `streams` | `start_server` with a handler that `read`s up to 64 KiB, `write`s it and `drain`s ([`rosetta_asyncio::streams`]) |
//! | `raw` | `Io::bind`/`accept`, and `AsyncRead::read`/`AsyncWrite::write_all` on the runtime's stream, through the trait |
//! | `native` | the same loop written against the runtime's own API (tokio::net, async-net, async-std::net, compio-net, monoio::net; on the thread-per-core flavors, a compio or monoio runtime per worker, each with a listener of its own on the one port, `SO_REUSEPORT`) |
//! | `floor` | blocking `std::net`, a thread per connection: what the syscalls alone cost |
//! | `epoll` | one thread, level-triggered epoll over non-blocking sockets (rustix): the least an event loop does |

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::Duration;

use futures_lite::{AsyncReadExt, AsyncWriteExt};
use rosetta_asyncio::streams::{Reader, StreamError, Writer, start_server};
use rosetta_runtimes::{Config, Io, IoVisitor, Runtime};

use crate::error::Error;
use crate::native;
use crate::net::LOOPBACK;

/// How many bytes a server reads at once: enough for the largest message (100 KiB) in two reads.
pub const ECHO_BUFFER: usize = 64 * 1024;

/// How long an accept loop waits after a failed accept (a descriptor limit reached, a connection
/// reset before it was taken) before it tries again: the failure is the peer's, the server goes on.
pub(crate) const ACCEPT_RETRY: Duration = Duration::from_millis(1);

/// What a server calls once it is bound, with the address it got.
pub type Ready<'a> = &'a mut dyn FnMut(SocketAddr);

/// An echo server: how it is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EchoServer {
    /// The toolkit's streams over the trait.
    Streams,
    /// Raw reads and writes on the `Io` trait's stream.
    Raw,
    /// The runtime's own API.
    Native,
    /// Blocking `std::net`, a thread per connection; on no runtime.
    Floor,
    /// One thread, one epoll instance, non-blocking sockets (rustix): a minimal event loop, on no
    /// runtime.
    Epoll,
}

impl EchoServer {
    /// Every echo server, in the order tables show them.
    pub const ALL: [EchoServer; 5] = [
        EchoServer::Streams,
        EchoServer::Raw,
        EchoServer::Native,
        EchoServer::Floor,
        EchoServer::Epoll,
    ];

    /// Its id on the command line and in results.
    pub fn id(self) -> &'static str {
        match self {
            EchoServer::Streams => "streams",
            EchoServer::Raw => "raw",
            EchoServer::Native => "native",
            EchoServer::Floor => "floor",
            EchoServer::Epoll => "epoll",
        }
    }

    /// Whether it runs on a runtime of the registry (all but the floors).
    pub fn on_runtime(self) -> bool {
        !matches!(self, EchoServer::Floor | EchoServer::Epoll)
    }
}

/// Whether the runtime `id` has a native echo server (a runtime without one shows "-").
pub fn has_native_echo(id: &str) -> bool {
    native::echo_server(id).is_some()
}

/// Binds `server` on 127.0.0.1 port 0 (on the runtime `runtime` built with `config`, for all but the
/// floor), calls `ready` with its address, and echoes until the process ends.
///
/// # Errors
///
/// [`Error::UnknownRuntime`] for a runtime id that names nothing, [`Error::Unsupported`] for a
/// runtime without the server asked for (or a floor asked for on a runtime), [`Error::Runtime`]
/// when the runtime cannot start, [`Error::Io`] when the bind fails.
pub fn serve_echo(
    server: EchoServer,
    runtime: Option<&str>,
    config: &Config,
    ready: Ready<'_>,
) -> Result<(), Error> {
    let unsupported = |target: String, why| Error::Unsupported {
        target,
        workload: "echo",
        why,
    };
    match (server, runtime) {
        (EchoServer::Floor, None) => floor(ready),
        (EchoServer::Epoll, None) => epoll_floor(ready),
        (EchoServer::Floor | EchoServer::Epoll, Some(id)) => Err(unsupported(
            format!("the floor on {id}"),
            "the floor runs on no runtime",
        )),
        (_, None) => Err(unsupported(
            format!("the {} echo server", server.id()),
            "it runs on a runtime: name one",
        )),
        (EchoServer::Native, Some(id)) => {
            rosetta_runtimes::lookup(id)?;
            let serve = native::echo_server(id).ok_or_else(|| {
                unsupported(
                    format!("native {id}"),
                    "no native echo server is written for it",
                )
            })?;
            serve(config, ready)
        }
        (server, Some(id)) => rosetta_runtimes::visit_io(
            id,
            Serve {
                server,
                config: *config,
                ready,
            },
        )?,
    }
}

/// A server over the trait, to run on the runtime an id names.
struct Serve<'a> {
    server: EchoServer,
    config: Config,
    ready: Ready<'a>,
}

impl IoVisitor for Serve<'_> {
    type Output = Result<(), Error>;

    fn visit<R: Runtime + Io>(self) -> Result<(), Error> {
        let rt = R::create(&self.config)?;
        let ready = self.ready;
        let outcome = rt.block_on(async {
            if self.server == EchoServer::Streams {
                streams::<R>(ready).await
            } else {
                raw::<R>(ready).await
            }
        });
        rt.close();
        outcome
    }
}

fn stream_failed(error: StreamError) -> Error {
    Error::Task(format!("the streams server failed: {error}"))
}

/// The toolkit's streams: `start_server`, and a handler that reads, writes and drains.
async fn streams<R: Io>(ready: Ready<'_>) -> Result<(), Error> {
    let server = start_server::<R, _, _>(echo_streams::<R>, LOOPBACK)
        .await
        .map_err(stream_failed)?;
    ready(server.local_addr());
    server.serve_forever().await.map_err(stream_failed)
}

/// One connection of the streams server: what is read is written back, until end of file.
async fn echo_streams<R: Io>(mut reader: Reader<R>, mut writer: Writer<R>) {
    // A peer that resets mid-message ends its own connection, nothing else.
    let _ = async {
        loop {
            let data = reader.read(ECHO_BUFFER).await?;
            if data.is_empty() {
                break;
            }
            writer.write(&data)?;
            writer.drain().await?;
        }
        writer.close();
        writer.wait_closed().await
    }
    .await;
}

/// Raw reads and writes through the trait: `bind`, `accept`, a task per connection.
async fn raw<R: Io>(ready: Ready<'_>) -> Result<(), Error> {
    let listener = R::bind(LOOPBACK).await?;
    ready(R::local_addr(&listener)?);
    R::spawn(accept_raw::<R>(listener)).await?;
    Ok(())
}

async fn accept_raw<R: Io>(listener: R::TcpListener) {
    loop {
        match R::accept(&listener).await {
            Ok((stream, _)) => {
                let _ = R::set_nodelay(&stream, true);
                // Dropping the handle detaches the connection's task.
                drop(R::spawn(echo_raw::<R>(stream)));
            }
            Err(_) => R::sleep(ACCEPT_RETRY).await,
        }
    }
}

async fn echo_raw<R: Io>(mut stream: R::TcpStream) -> std::io::Result<()> {
    let mut buf = vec![0; ECHO_BUFFER];
    loop {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return stream.close().await;
        }
        stream.write_all(&buf[..n]).await?;
    }
}

/// The floor: blocking `std::net`, a thread per connection.
fn floor(ready: Ready<'_>) -> Result<(), Error> {
    let listener = TcpListener::bind(LOOPBACK)?;
    ready(listener.local_addr()?);
    loop {
        match listener.accept() {
            Ok((stream, _)) => {
                let _ = stream.set_nodelay(true);
                // A small stack: a thousand connections are a thousand threads, and the buffer is on
                // the heap. A thread that cannot start costs that connection only.
                let _ = std::thread::Builder::new()
                    .name("echo-floor".to_owned())
                    .stack_size(128 * 1024)
                    .spawn(move || echo_blocking(stream));
            }
            Err(_) => std::thread::sleep(ACCEPT_RETRY),
        }
    }
}

fn echo_blocking(mut stream: TcpStream) -> std::io::Result<()> {
    let mut buf = vec![0; ECHO_BUFFER];
    loop {
        let n = stream.read(&mut buf)?;
        if n == 0 {
            return stream.shutdown(std::net::Shutdown::Write);
        }
        stream.write_all(&buf[..n])?;
    }
}

/// One connection of the epoll floor: its stream, what it has read but not yet written back, and
/// the events epoll is asked for (changed only when they must, so a request costs no `epoll_ctl`).
struct Peer {
    stream: TcpStream,
    pending: Vec<u8>,
    written: usize,
    out: bool,
}

/// The epoll floor: one thread, level-triggered epoll over non-blocking sockets. A connection with
/// bytes still to write waits for `OUT` and is not read meanwhile (its backpressure); otherwise it
/// waits for `IN`, and what it reads is written back at once, the rest kept for `OUT`. The interest
/// changes only when a write is left over or finishes: a request costs a read, a write and its share
/// of `epoll_wait`, as in an event loop.
fn epoll_floor(ready: Ready<'_>) -> Result<(), Error> {
    use rustix::event::epoll::{self, CreateFlags, EventData, EventFlags};

    const LISTENER: u64 = u64::MAX;
    let listener = TcpListener::bind(LOOPBACK)?;
    listener.set_nonblocking(true)?;
    ready(listener.local_addr()?);
    let poller = epoll::create(CreateFlags::CLOEXEC).map_err(std::io::Error::from)?;
    epoll::add(
        &poller,
        &listener,
        EventData::new_u64(LISTENER),
        EventFlags::IN,
    )
    .map_err(std::io::Error::from)?;
    let mut peers: std::collections::HashMap<u64, Peer> = std::collections::HashMap::new();
    let mut next = 0u64;
    let mut buf = vec![0u8; ECHO_BUFFER];
    let mut events = Vec::with_capacity(256);
    loop {
        events.clear();
        match epoll::wait(&poller, rustix::buffer::spare_capacity(&mut events), None) {
            Ok(_) => {}
            Err(rustix::io::Errno::INTR) => continue,
            Err(error) => return Err(std::io::Error::from(error).into()),
        }
        for event in &events {
            let token = event.data.u64();
            if token == LISTENER {
                while let Ok((stream, _)) = listener.accept() {
                    let _ = stream.set_nodelay(true);
                    if stream.set_nonblocking(true).is_ok()
                        && epoll::add(&poller, &stream, EventData::new_u64(next), EventFlags::IN)
                            .is_ok()
                    {
                        peers.insert(
                            next,
                            Peer {
                                stream,
                                pending: Vec::new(),
                                written: 0,
                                out: false,
                            },
                        );
                        next += 1;
                    }
                }
                continue;
            }
            let Some(peer) = peers.get_mut(&token) else {
                continue;
            };
            let keep = serve_peer(peer, &mut buf);
            let out = peer.written < peer.pending.len();
            let interest = if out { EventFlags::OUT } else { EventFlags::IN };
            let kept = keep
                && (out == peer.out
                    || epoll::modify(&poller, &peer.stream, EventData::new_u64(token), interest)
                        .is_ok());
            peer.out = out;
            if !kept && let Some(peer) = peers.remove(&token) {
                let _ = epoll::delete(&poller, &peer.stream);
            }
        }
    }
}

/// Moves one ready connection on: writes what is pending, or reads and writes back. `false` when it
/// is done (the peer closed, or an error).
fn serve_peer(peer: &mut Peer, buf: &mut [u8]) -> bool {
    use std::io::ErrorKind::{Interrupted, WouldBlock};

    if peer.written < peer.pending.len() {
        match peer.stream.write(&peer.pending[peer.written..]) {
            Ok(n) => peer.written += n,
            Err(error) if matches!(error.kind(), WouldBlock | Interrupted) => {}
            Err(_) => return false,
        }
        if peer.written == peer.pending.len() {
            peer.pending.clear();
            peer.written = 0;
        }
        return true;
    }
    let n = match peer.stream.read(buf) {
        Ok(0) => {
            let _ = peer.stream.shutdown(std::net::Shutdown::Write);
            return false;
        }
        Ok(n) => n,
        Err(error) if matches!(error.kind(), WouldBlock | Interrupted) => return true,
        Err(_) => return false,
    };
    let mut written = 0;
    while written < n {
        match peer.stream.write(&buf[written..n]) {
            Ok(m) => written += m,
            Err(error) if error.kind() == WouldBlock => break,
            Err(error) if error.kind() == Interrupted => {}
            Err(_) => return false,
        }
    }
    if written < n {
        peer.pending.extend_from_slice(&buf[written..n]);
    }
    true
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;

    use rosetta_runtimes::rosetta_rt::RuntimeError;

    use super::*;

    /// Starts `server` on a thread of its own (it serves until the test process ends) and returns
    /// its address, or `None` for a runtime this machine cannot run (io_uring refused).
    fn start(server: EchoServer, runtime: Option<&'static str>) -> Option<SocketAddr> {
        let (sent, got) = mpsc::channel();
        std::thread::spawn(move || {
            let mut ready = |addr| {
                let _ = sent.send(Ok(addr));
            };
            if let Err(error) = serve_echo(server, runtime, &Config::default(), &mut ready) {
                let _ = sent.send(Err(error));
            }
        });
        match got.recv_timeout(Duration::from_secs(30)) {
            Ok(Ok(addr)) => Some(addr),
            Ok(Err(Error::Runtime(RuntimeError::Unavailable(_)))) => None,
            Ok(Err(error)) => panic!("{server:?} on {runtime:?} does not start: {error}"),
            Err(_) => panic!("{server:?} on {runtime:?} is not bound within 30 s"),
        }
    }

    fn echoes(addr: SocketAddr) {
        let mut stream = TcpStream::connect(addr).expect("connects");
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .expect("timeout");
        for size in [1, 1024, 100 * 1024] {
            let message: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
            stream.write_all(&message).expect("writes");
            let mut back = vec![0; size];
            stream.read_exact(&mut back).expect("reads it back");
            assert_eq!(back, message);
        }
        stream
            .shutdown(std::net::Shutdown::Write)
            .expect("half-closes");
        let mut rest = Vec::new();
        stream
            .read_to_end(&mut rest)
            .expect("the server closes too");
        assert!(rest.is_empty());
    }

    #[test]
    fn the_floors_echo_every_byte() {
        for floor in [EchoServer::Floor, EchoServer::Epoll] {
            let addr = start(floor, None).expect("a floor needs no runtime");
            // Two clients at once: the epoll floor serves both from its one thread.
            let other = std::thread::spawn(move || echoes(addr));
            echoes(addr);
            other.join().expect("the other client");
        }
    }

    #[test]
    fn every_server_on_every_runtime_echoes_every_byte() {
        for info in rosetta_runtimes::RUNTIMES {
            for server in [EchoServer::Streams, EchoServer::Raw, EchoServer::Native] {
                if server == EchoServer::Native && !has_native_echo(info.id) {
                    continue;
                }
                if let Some(addr) = start(server, Some(info.id)) {
                    echoes(addr);
                }
            }
        }
    }

    #[test]
    fn a_floor_on_a_runtime_and_a_server_without_one_are_refused_with_why() {
        let mut ready = |_| panic!("nothing binds");
        let config = Config::default();
        let error = serve_echo(EchoServer::Floor, Some("tokio"), &config, &mut ready)
            .expect_err("the floor runs on no runtime");
        assert!(error.to_string().contains("runs on no runtime"), "{error}");
        let error = serve_echo(EchoServer::Streams, None, &config, &mut ready)
            .expect_err("streams need a runtime");
        assert!(error.to_string().contains("name one"), "{error}");
        let error = serve_echo(EchoServer::Raw, Some("tokyo"), &config, &mut ready)
            .expect_err("no such runtime");
        assert!(error.to_string().contains("tokio"), "{error}");
    }
}
