//! What every network server shares, whatever it serves and whoever wrote it: its kind (over the trait
//! or native), the signal that stops it, the address it binds, and why it could not run.

use std::fmt;
use std::future::Future;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};

/// Where every server listens: 127.0.0.1, a free port.
pub const LOOPBACK: SocketAddr = SocketAddr::new(std::net::IpAddr::V4(Ipv4Addr::LOCALHOST), 0);

/// Which server of a runtime: written over the trait, or on the runtime's own API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ServerKind {
    /// The server written once over the `Runtime` and `Io` traits (`"trait"`).
    Trait,
    /// The server written on the runtime's own API (`"native"`).
    Native,
}

impl ServerKind {
    /// Every kind, in the order tables print them.
    pub const ALL: [ServerKind; 2] = [ServerKind::Trait, ServerKind::Native];

    /// The kind's id, as command lines and tables spell it.
    pub fn id(self) -> &'static str {
        match self {
            ServerKind::Trait => "trait",
            ServerKind::Native => "native",
        }
    }

    /// The kind whose id is `id`.
    ///
    /// # Errors
    ///
    /// [`ServerError::UnknownKind`], naming the valid ids.
    ///
    /// ```
    /// use rosetta_workloads::net::ServerKind;
    /// assert_eq!(ServerKind::parse("native").unwrap(), ServerKind::Native);
    /// assert!(ServerKind::parse("hyper").unwrap_err().to_string().contains("trait, native"));
    /// ```
    pub fn parse(id: &str) -> Result<ServerKind, ServerError> {
        ServerKind::ALL
            .into_iter()
            .find(|kind| kind.id() == id)
            .ok_or_else(|| ServerError::UnknownKind(id.to_owned()))
    }
}

impl fmt::Display for ServerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// Why a server could not run.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The runtime id names no runtime of the registry.
    #[error(transparent)]
    UnknownRuntime(#[from] rosetta_runtimes::UnknownRuntime),
    /// The kind is neither `trait` nor `native`.
    #[error("unknown server kind {0:?}; valid kinds are: trait, native")]
    UnknownKind(String),
    /// The runtime has no server of this kind written on its own API.
    #[error("the runtime {runtime} has no native {what} server; it has: trait")]
    NoNative {
        /// The runtime's id.
        runtime: String,
        /// What is served (`http`).
        what: &'static str,
    },
    /// The runtime could not be created (compio where io_uring is refused).
    #[error("cannot create the runtime {runtime}: {why}")]
    Runtime {
        /// The runtime's id.
        runtime: &'static str,
        /// Why.
        why: String,
    },
    /// Binding 127.0.0.1 port 0 failed.
    #[error("cannot listen on 127.0.0.1: {0}")]
    Bind(io::Error),
    /// Saying where the server listens failed (its stdout closed).
    #[error("cannot report where the server listens: {0}")]
    Ready(io::Error),
}

/// What a server calls once it listens, with its address; an error stops it before it serves.
pub type Ready<'a> = &'a mut dyn FnMut(SocketAddr) -> io::Result<()>;

/// Makes a stop signal: the server waits on [`Stop`], and stops once the [`Stopper`] is stopped or
/// dropped.
///
/// ```
/// let (stopper, stop) = rosetta_workloads::net::stop_signal();
/// let waiting = stop.wait();
/// stopper.stop();
/// futures_lite::future::block_on(waiting); // ready: the stopper is gone
/// ```
pub fn stop_signal() -> (Stopper, Stop) {
    let (sender, receiver) = async_channel::bounded(1);
    (Stopper { _sender: sender }, Stop(receiver))
}

/// The half of a stop signal that stops: dropping it does too.
#[derive(Debug)]
pub struct Stopper {
    /// Held only to be dropped: the receivers' `recv` fails then.
    _sender: async_channel::Sender<()>,
}

impl Stopper {
    /// Stops every server waiting on this signal's [`Stop`].
    pub fn stop(self) {
        drop(self);
    }
}

/// The half of a stop signal a server waits on; runtime-neutral, so any runtime's server can await it.
#[derive(Debug, Clone)]
pub struct Stop(async_channel::Receiver<()>);

impl Stop {
    /// Completes once the [`Stopper`] is stopped or dropped.
    pub fn wait(&self) -> impl Future<Output = ()> + Send + 'static {
        let receiver = self.0.clone();
        async move {
            // Nothing is ever sent: `recv` fails when the sender is gone, and that is the signal.
            let _ = receiver.recv().await;
        }
    }
}
