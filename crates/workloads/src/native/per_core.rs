//! The frame of a native thread-per-core server, as such a program is written: N worker threads,
//! each running a runtime of its own with a listener of its own, every listener bound to the same
//! 127.0.0.1 port with `SO_REUSEPORT`, so that the kernel spreads the connections over the workers
//! and each connection is served by the worker that accepted it, on that worker alone.
//!
//! The listeners are bound here, before any worker starts: the first on port 0, the others on the
//! port it got, `SO_REUSEPORT` set on each before its bind (socket2). A worker takes its listener
//! into its runtime, says it listens, and serves; the server says where it listens once every
//! worker does, and serves until every worker stops: an echo server's never do (the server process
//! contract ends the process when its stdin closes), an HTTP server's stop on their stop signal.

use std::convert::Infallible;
use std::net::{SocketAddr, TcpListener};
use std::sync::mpsc;

use rosetta_runtimes::Config;
use socket2::{Domain, Protocol, Socket, Type};

use crate::error::Error;
use crate::net::LOOPBACK;

/// The listen backlog of every listener, as `std` and the runtimes' own `bind` set it.
const BACKLOG: i32 = 128;

/// Binds `n` listeners to one 127.0.0.1 port, `SO_REUSEPORT` set before each bind: the first on
/// port 0, the others on the port it got.
///
/// # Errors
///
/// The OS's, when a socket cannot be made, set or bound.
pub(super) fn listeners(n: usize) -> std::io::Result<Vec<TcpListener>> {
    let mut addr = LOOPBACK;
    let mut bound = Vec::with_capacity(n);
    for _ in 0..n {
        let socket = Socket::new(Domain::IPV4, Type::STREAM, Some(Protocol::TCP))?;
        socket.set_reuse_port(true)?;
        socket.bind(&addr.into())?;
        socket.listen(BACKLOG)?;
        let listener = TcpListener::from(socket);
        addr = listener.local_addr()?;
        bound.push(listener);
    }
    Ok(bound)
}

/// What a worker's thread tells the server: it listens, or it has stopped (with its outcome, or
/// `None` when it ended without one: it panicked).
enum Word<E> {
    Listening,
    Stopped(Option<Result<(), E>>),
}

/// Sends `Stopped(None)` if its thread ends before it says how its worker stopped.
struct Farewell<E>(Option<mpsc::Sender<Word<E>>>);

impl<E> Drop for Farewell<E> {
    fn drop(&mut self) {
        if let Some(told) = self.0.take() {
            let _ = told.send(Word::Stopped(None));
        }
    }
}

/// Runs `worker` on a thread of its own (`name-i`) for each listener, calls `ready` once every
/// worker listens, and returns once every worker has stopped: with the first error, or `Ok`.
///
/// A worker takes its listener into a runtime of its own, calls the function it is given once it
/// accepts, and serves (until the process ends, or until a stop signal it holds).
///
/// # Errors
///
/// A worker's error, `ready`'s, or `lost`'s for a thread that cannot start or ends without a
/// word.
pub(super) fn run<E, W>(
    name: &str,
    listeners: Vec<TcpListener>,
    worker: W,
    ready: &mut dyn FnMut() -> Result<(), E>,
    lost: fn(String) -> E,
) -> Result<(), E>
where
    E: Send + 'static,
    W: FnOnce(TcpListener, &mut dyn FnMut()) -> Result<(), E> + Clone + Send + 'static,
{
    let n = listeners.len();
    let (told, heard) = mpsc::channel::<Word<E>>();
    for (index, listener) in listeners.into_iter().enumerate() {
        let (told, worker) = (told.clone(), worker.clone());
        std::thread::Builder::new()
            .name(format!("{name}-{index}"))
            .spawn(move || {
                let mut farewell = Farewell(Some(told.clone()));
                let outcome = worker(listener, &mut || {
                    let _ = told.send(Word::Listening);
                });
                if let Some(told) = farewell.0.take() {
                    let _ = told.send(Word::Stopped(Some(outcome)));
                }
            })
            .map_err(|error| lost(format!("cannot start a worker of {name}: {error}")))?;
    }
    drop(told);
    let (mut listening, mut stopped) = (0, 0);
    let mut first = None;
    while stopped < n {
        let word = heard
            .recv()
            .map_err(|_| lost(format!("the workers of {name} ended without a word")))?;
        match word {
            Word::Listening => {
                listening += 1;
                if listening == n {
                    ready()?;
                }
            }
            Word::Stopped(outcome) => {
                stopped += 1;
                let failed = match outcome {
                    Some(Ok(())) => None,
                    Some(Err(error)) => Some(error),
                    None => Some(lost(format!("a worker of {name} ended without a word"))),
                };
                // Before every worker listens, one that fails is the server's failure.
                if let Some(error) = failed {
                    if listening < n {
                        return Err(error);
                    }
                    first.get_or_insert(error);
                }
            }
        }
    }
    first.map_or(Ok(()), Err)
}

/// Runs an echo `worker` on as many threads as `config` asks (one per CPU by default, as the
/// thread-per-core flavor starts), each thread `name-i` with a listener of its own on one port;
/// calls `ready` once every worker listens, then serves until the process ends.
///
/// # Errors
///
/// [`Error::Runtime`] for a worker count of zero or a runtime that cannot start on a worker (io_uring
/// refused), [`Error::Io`] when a bind fails, and the error of a worker that stops.
pub(super) fn serve_echo(
    config: &Config,
    name: &str,
    worker: fn(TcpListener, &mut dyn FnMut()) -> Result<Infallible, Error>,
    ready: &mut dyn FnMut(SocketAddr),
) -> Result<(), Error> {
    let listeners = listeners(config.checked_workers()?)?;
    let addr = listeners[0].local_addr()?;
    run(
        name,
        listeners,
        move |listener, listening| match worker(listener, listening)? {},
        &mut || {
            ready(addr);
            Ok(())
        },
        Error::Task,
    )
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::net::TcpStream;

    use super::*;

    #[test]
    fn the_listeners_share_one_port_and_each_accepts() {
        let listeners = listeners(3).expect("binds");
        let port = listeners[0].local_addr().expect("addr").port();
        assert_ne!(port, 0);
        for listener in &listeners {
            assert_eq!(
                listener.local_addr().expect("addr"),
                (LOOPBACK.ip(), port).into()
            );
        }
        // Every connection lands on one of them: accept from all at once, without blocking.
        for listener in &listeners {
            listener.set_nonblocking(true).expect("non-blocking");
        }
        let clients: Vec<TcpStream> = (0..12u8)
            .map(|i| {
                let mut client =
                    TcpStream::connect(listeners[0].local_addr().expect("addr")).expect("connects");
                client.write_all(&[i]).expect("writes");
                client
            })
            .collect();
        let mut seen = Vec::new();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while seen.len() < clients.len() {
            assert!(std::time::Instant::now() < deadline, "accepted {seen:?}");
            for listener in &listeners {
                if let Ok((mut stream, _)) = listener.accept() {
                    stream.set_nonblocking(false).expect("blocking");
                    let mut byte = [0];
                    stream.read_exact(&mut byte).expect("reads");
                    seen.push(byte[0]);
                }
            }
            std::thread::yield_now();
        }
        seen.sort_unstable();
        assert_eq!(seen, (0..12).collect::<Vec<u8>>());
    }
}
