//! The echo servers written directly against monoio, as its examples write one: monoio's listener on
//! the thread's io_uring runtime, a task per connection, and its owned-buffer `AsyncReadRent::read`
//! and `AsyncWriteRentExt::write_all`, the buffer handed to the kernel and back on every operation;
//! and the same, thread-per-core, on N workers (`monoio-tpc`). monoio has no other native workload
//! here yet.

use std::convert::Infallible;

use monoio::io::{AsyncReadRent, AsyncWriteRent, AsyncWriteRentExt};
use rosetta_runtimes::Config;
use rosetta_runtimes::rosetta_rt::RuntimeError;

use super::per_core;
use crate::echo::{ACCEPT_RETRY, ECHO_BUFFER, Ready};
use crate::error::Error;
use crate::net::LOOPBACK;

/// monoio's runtime on io_uring, with its timer.
type Monoio = monoio::Runtime<monoio::time::TimeDriver<monoio::IoUringDriver>>;

/// The echo server on monoio's runtime of the calling thread (one thread: the config's workers do
/// not apply). A kernel that refuses io_uring makes it unavailable, as the adapter says.
pub(super) fn echo(_config: &Config, ready: Ready<'_>) -> Result<(), Error> {
    runtime()?.block_on(async {
        let listener = monoio::net::TcpListener::bind(LOOPBACK)?;
        ready(listener.local_addr()?);
        accept(listener).await?;
        Ok(())
    })
}

/// The echo server thread-per-core, as `monoio-tpc` runs: a monoio runtime on each of the config's
/// workers (one per CPU by default), each accepting on a listener of its own on the one port
/// (`SO_REUSEPORT`) and serving what it accepts.
pub(super) fn echo_per_core(config: &Config, ready: Ready<'_>) -> Result<(), Error> {
    per_core::serve_echo(
        config,
        "monoio-tpc",
        |listener, listening| {
            runtime()?.block_on(async {
                let listener = monoio::net::TcpListener::from_std(listener)?;
                listening();
                accept(listener).await
            })
        },
        ready,
    )
}

/// A monoio runtime on the calling thread; unavailable when io_uring is refused (or forced off, the
/// adapter's switch for testing a machine without it).
fn runtime() -> Result<Monoio, Error> {
    if let Some(refused) = RuntimeError::io_uring_forced_off() {
        return Err(refused.into());
    }
    Ok(monoio::RuntimeBuilder::<monoio::IoUringDriver>::new()
        .enable_timer()
        .build()
        .map_err(RuntimeError::from_io_uring_setup)?)
}

/// The accept loop: a task per connection, until the process ends.
async fn accept(listener: monoio::net::TcpListener) -> Result<Infallible, Error> {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                let _ = stream.set_nodelay(true);
                // Detached: monoio's handle only waits, and dropping it lets the task run.
                drop(monoio::spawn(echo_connection(stream)));
            }
            Err(_) => monoio::time::sleep(ACCEPT_RETRY).await,
        }
    }
}

async fn echo_connection(mut stream: monoio::net::TcpStream) -> std::io::Result<()> {
    let mut buf = Vec::with_capacity(ECHO_BUFFER);
    loop {
        // A read fills the buffer's spare capacity: empty it first.
        buf.clear();
        let (read, back) = stream.read(buf).await;
        buf = back;
        if read? == 0 {
            return stream.shutdown().await;
        }
        let (written, back) = stream.write_all(buf).await;
        buf = back;
        written?;
    }
}
