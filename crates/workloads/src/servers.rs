//! The network servers, chosen by (runtime id, kind): the HTTP server over the trait on every runtime
//! of the registry, and on each runtime's own API where one is written; and the server process
//! contract they are all run under.
//!
//! # The server process contract
//!
//! A server is a command line. It binds 127.0.0.1 port 0, writes exactly one line
//! `listening 127.0.0.1:PORT` to stdout and flushes, serves until its stdin reaches end of file, then
//! exits 0; bad arguments or a failed bind: a message on stderr naming what was wrong and what is
//! valid, exit 2. [`serve_until_stdin_eof`] is that contract around any server of [`http_servers`].
//!
//! # Examples
//!
//! ```
//! use std::io::{Read, Write};
//! use rosetta_workloads::net::stop_signal;
//! use rosetta_workloads::servers::http_server;
//!
//! let server = http_server("smol", "native").unwrap();
//! let (stopper, stop) = stop_signal();
//! let (addr_tx, addr_rx) = std::sync::mpsc::channel();
//! let serving = std::thread::spawn(move || {
//!     let config = Default::default(); // the runtime's default worker count
//!     server.serve(&config, Default::default(), &mut |addr| Ok(addr_tx.send(addr).unwrap()), stop)
//! });
//! let mut client = std::net::TcpStream::connect(addr_rx.recv().unwrap()).unwrap();
//! client.write_all(b"GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n").unwrap();
//! let mut answer = Vec::new();
//! client.read_to_end(&mut answer).unwrap();
//! assert!(answer.ends_with(&rosetta_http::server::BODY));
//! stopper.stop();
//! serving.join().unwrap().unwrap();
//! ```

use std::fmt;
use std::io::{BufRead, Write};
use std::net::SocketAddr;

use rosetta_runtimes::{Config, Io, IoVisitor, Runtime};

/// What every server sets on its connections (the header read timeout), for [`HttpServer::serve`].
pub use rosetta_http::Settings;

use crate::native::http::{self as native, NativeHttp};
use crate::net::{LOOPBACK, Ready, ServerError, ServerKind, Stop, stop_signal};

/// One HTTP server: a runtime of the registry, and which of its servers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HttpServer {
    /// The runtime's id.
    pub runtime: &'static str,
    /// Over the trait, or on the runtime's own API.
    pub kind: ServerKind,
}

impl fmt::Display for HttpServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.runtime, self.kind)
    }
}

/// Every HTTP server there is: for each runtime of the registry, in its order, the one over the trait,
/// then the native one where it is written.
pub fn http_servers() -> Vec<HttpServer> {
    rosetta_runtimes::RUNTIMES
        .iter()
        .flat_map(|info| {
            let native = native::of(info.id).map(|_| HttpServer {
                runtime: info.id,
                kind: ServerKind::Native,
            });
            std::iter::once(HttpServer {
                runtime: info.id,
                kind: ServerKind::Trait,
            })
            .chain(native)
        })
        .collect()
}

/// The HTTP server of the runtime `runtime` of kind `kind` (`"trait"` or `"native"`).
///
/// # Errors
///
/// [`ServerError::UnknownRuntime`] or [`ServerError::UnknownKind`], each naming the valid values;
/// [`ServerError::NoNative`] for a runtime without a native server.
pub fn http_server(runtime: &str, kind: &str) -> Result<HttpServer, ServerError> {
    let info = rosetta_runtimes::lookup(runtime)?;
    let kind = ServerKind::parse(kind)?;
    if kind == ServerKind::Native && native::of(info.id).is_none() {
        return Err(ServerError::NoNative {
            runtime: info.id.to_owned(),
            what: "http",
        });
    }
    Ok(HttpServer {
        runtime: info.id,
        kind,
    })
}

impl HttpServer {
    /// Binds 127.0.0.1 port 0, calls `ready` with the address, and serves until `stop`, on a runtime
    /// created here with `config` (and closed before it returns).
    ///
    /// `config`'s worker count is taken as the echo servers take it: by a multi-thread or
    /// thread-per-core runtime, over the trait and natively alike; a current-thread or global runtime
    /// ignores it (`rosetta netserve` refuses a count other than one there).
    ///
    /// # Errors
    ///
    /// [`ServerError`]: the runtime could not be created, the bind failed, or `ready` did.
    pub fn serve(
        &self,
        config: &Config,
        settings: Settings,
        ready: Ready<'_>,
        stop: Stop,
    ) -> Result<(), ServerError> {
        match self.kind {
            ServerKind::Trait => rosetta_runtimes::visit_io(
                self.runtime,
                OverTrait {
                    config: *config,
                    settings,
                    ready,
                    stop,
                },
            )?,
            ServerKind::Native => {
                let server: &NativeHttp =
                    native::of(self.runtime).ok_or_else(|| ServerError::NoNative {
                        runtime: self.runtime.to_owned(),
                        what: "http",
                    })?;
                (server.serve)(config, settings, ready, stop)
            }
        }
    }
}

/// The server over the trait, on the runtime the visit names.
struct OverTrait<'a> {
    config: Config,
    settings: Settings,
    ready: Ready<'a>,
    stop: Stop,
}

impl IoVisitor for OverTrait<'_> {
    type Output = Result<(), ServerError>;

    fn visit<R: Runtime + Io>(self) -> Self::Output {
        let rt = R::create(&self.config).map_err(|error| ServerError::Runtime {
            runtime: R::INFO.id,
            why: error.to_string(),
        })?;
        let OverTrait {
            config: _,
            settings,
            ready,
            stop,
        } = self;
        let served = rt.block_on(async {
            let listener = R::bind(LOOPBACK).await.map_err(ServerError::Bind)?;
            ready(R::local_addr(&listener).map_err(ServerError::Bind)?)
                .map_err(ServerError::Ready)?;
            rosetta_http::serve_over_trait_with::<R>(listener, settings, stop.wait()).await;
            Ok(())
        });
        rt.close();
        served
    }
}

/// Runs `server` under the server process contract, on its runtime's default worker count: serves,
/// writes `listening 127.0.0.1:PORT` to
/// stdout and flushes once it listens, and returns once stdin reaches end of file (or fails).
///
/// # Errors
///
/// [`ServerError`]: the runtime could not be created, the bind failed, or stdout is closed. The caller
/// exits 2 on one, naming it.
pub fn serve_until_stdin_eof(server: HttpServer) -> Result<(), ServerError> {
    let (stopper, stop) = stop_signal();
    // stdin is read on a thread of its own: the server's runtime never blocks on it. The thread ends
    // with the process if stdin never closes while the server fails first.
    std::thread::Builder::new()
        .name("stdin-eof".to_owned())
        .spawn(move || {
            let mut stdin = std::io::stdin().lock();
            loop {
                match stdin.fill_buf() {
                    Ok([]) | Err(_) => break,
                    Ok(bytes) => {
                        let n = bytes.len();
                        stdin.consume(n);
                    }
                }
            }
            stopper.stop();
        })
        .map_err(|error| ServerError::Runtime {
            runtime: server.runtime,
            why: format!("cannot start the thread that reads stdin: {error}"),
        })?;
    server.serve(
        &Config::default(),
        Settings::DEFAULT,
        &mut |addr: SocketAddr| {
            let mut stdout = std::io::stdout().lock();
            writeln!(stdout, "listening {addr}")?;
            stdout.flush()
        },
        stop,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_runtime_has_a_trait_server_and_the_natives_follow_their_table() {
        let servers = http_servers();
        for info in rosetta_runtimes::RUNTIMES {
            assert!(servers.contains(&HttpServer {
                runtime: info.id,
                kind: ServerKind::Trait
            }));
            assert_eq!(
                servers.contains(&HttpServer {
                    runtime: info.id,
                    kind: ServerKind::Native
                }),
                native::of(info.id).is_some(),
                "{}",
                info.id
            );
        }
    }

    #[test]
    fn unknown_ids_are_errors_naming_the_valid_ones() {
        let runtime = http_server("trio", "trait").unwrap_err().to_string();
        assert!(
            runtime.contains("trio") && runtime.contains("smol"),
            "{runtime}"
        );
        let kind = http_server("smol", "hyper").unwrap_err().to_string();
        assert!(
            kind.contains("hyper") && kind.contains("trait, native"),
            "{kind}"
        );
    }
}
