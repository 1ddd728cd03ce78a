//! The echo servers written directly against compio, as its examples write one: `compio-net`'s
//! listener on the thread's io_uring runtime, a task per connection, and compio-io's owned-buffer
//! `AsyncRead::read` and `AsyncWriteExt::write_all`, the buffer handed to the kernel and back on every
//! operation; and the same, thread-per-core, on N workers (`compio-tpc`). compio has no other native
//! workload here yet.

use std::convert::Infallible;

use compio_buf::BufResult;
use compio_io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use rosetta_runtimes::Config;
use rosetta_runtimes::rosetta_rt::RuntimeError;

use super::per_core;
use crate::echo::{ACCEPT_RETRY, ECHO_BUFFER, Ready};
use crate::error::Error;
use crate::net::LOOPBACK;

/// The echo server on compio's runtime of the calling thread (one thread: the config's workers do
/// not apply). A kernel that refuses io_uring makes it unavailable, as the adapter says.
pub(super) fn echo(_config: &Config, ready: Ready<'_>) -> Result<(), Error> {
    runtime()?.block_on(async {
        let listener = compio_net::TcpListener::bind(LOOPBACK).await?;
        ready(listener.local_addr()?);
        accept(listener).await?;
        Ok(())
    })
}

/// The echo server thread-per-core, as `compio-tpc` runs: a compio runtime on each of the config's
/// workers (one per CPU by default), each accepting on a listener of its own on the one port
/// (`SO_REUSEPORT`) and serving what it accepts.
pub(super) fn echo_per_core(config: &Config, ready: Ready<'_>) -> Result<(), Error> {
    per_core::serve_echo(
        config,
        "compio-tpc",
        |listener, listening| {
            runtime()?.block_on(async {
                let listener = compio_net::TcpListener::from_std(listener)?;
                listening();
                accept(listener).await
            })
        },
        ready,
    )
}

/// A compio runtime on the calling thread; unavailable when io_uring is refused (or forced off, the
/// adapter's switch for testing a machine without it). The native HTTP servers' too.
pub(super) fn runtime() -> Result<compio_runtime::Runtime, RuntimeError> {
    if let Some(refused) = RuntimeError::io_uring_forced_off() {
        return Err(refused);
    }
    compio_runtime::Runtime::new().map_err(RuntimeError::from_io_uring_setup)
}

/// The accept loop: a task per connection, until the process ends.
async fn accept(listener: compio_net::TcpListener) -> Result<Infallible, Error> {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                let _ = stream.set_nodelay(true);
                compio_runtime::spawn(echo_connection(stream)).detach();
            }
            Err(_) => compio_runtime::time::sleep(ACCEPT_RETRY).await,
        }
    }
}

async fn echo_connection(mut stream: compio_net::TcpStream) -> std::io::Result<()> {
    let mut buf = Vec::with_capacity(ECHO_BUFFER);
    loop {
        // A read fills the buffer's spare capacity: empty it first.
        buf.clear();
        let BufResult(read, back) = stream.read(buf).await;
        buf = back;
        if read? == 0 {
            return stream.shutdown().await;
        }
        let BufResult(written, back) = stream.write_all(buf).await;
        buf = back;
        written?;
    }
}
