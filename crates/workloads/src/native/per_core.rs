//! The frame of a native thread-per-core server, as such a program is written: N worker threads,
//! each running a runtime of its own with a listener of its own, every listener bound to the same
//! 127.0.0.1 port with `SO_REUSEPORT`, so that the kernel spreads the connections over the workers
//! and each connection is served by the worker that accepted it, on that worker alone.
//!
//! The listeners are bound here, before any worker starts: the first on port 0, the others on the
//! port it got, `SO_REUSEPORT` set on each before its bind (socket2). A worker takes its listener
//! into its runtime, says it listens, and serves; the server says where it listens once every
//! worker does, and serves until the process ends (the server process contract ends it when its
//! stdin closes).

use std::convert::Infallible;
use std::net::{SocketAddr, TcpListener};
use std::sync::mpsc;

use rosetta_runtimes::Config;
use socket2::{Domain, Protocol, Socket, Type};

use crate::error::Error;
use crate::net::LOOPBACK;

/// The listen backlog of every listener, as `std` and the runtimes' own `bind` set it.
const BACKLOG: i32 = 128;

/// One worker of a thread-per-core server, on its own thread: takes its listener into a runtime
/// of its own, calls `listening` once it accepts, and serves until the process ends. It returns
/// only when it failed.
pub(super) type Worker = fn(TcpListener, &mut dyn FnMut()) -> Result<Infallible, Error>;

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

/// Runs `worker` on as many threads as `config` asks (one per CPU by default, as the
/// thread-per-core flavor starts), each thread `name-i` with a listener of its own on one port;
/// calls `ready` once every worker listens, then serves until the process ends.
///
/// # Errors
///
/// [`Error::Runtime`] for a worker count of zero or a runtime that cannot start on a worker (io_uring
/// refused), [`Error::Io`] when a bind or a thread fails, and the error of a worker that stops.
pub(super) fn serve(
    config: &Config,
    name: &str,
    worker: Worker,
    ready: &mut dyn FnMut(SocketAddr),
) -> Result<(), Error> {
    let n = config.checked_workers()?;
    let listeners = listeners(n)?;
    let addr = listeners[0].local_addr()?;
    // Each worker says once that it listens (`Ok`), and once more if it stops (`Err`).
    let (told, heard) = mpsc::channel::<Result<(), Error>>();
    for (index, listener) in listeners.into_iter().enumerate() {
        let told = told.clone();
        std::thread::Builder::new()
            .name(format!("{name}-{index}"))
            .spawn(move || {
                let listening = told.clone();
                let stopped = match worker(listener, &mut || {
                    let _ = listening.send(Ok(()));
                }) {
                    Err(error) => error,
                    Ok(never) => match never {},
                };
                let _ = told.send(Err(stopped));
            })?;
    }
    drop(told);
    let gone = || {
        Error::Task(format!(
            "a worker of the {name} server ended without a word"
        ))
    };
    for _ in 0..n {
        heard.recv().map_err(|_| gone())??;
    }
    ready(addr);
    // Serving: nothing more comes unless a worker stops.
    loop {
        heard.recv().map_err(|_| gone())??;
    }
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
