//! The echo server written directly against compio, as its examples write one: `compio-net`'s
//! listener on the thread's io_uring runtime, a task per connection, and compio-io's owned-buffer
//! `AsyncRead::read` and `AsyncWriteExt::write_all`, the buffer handed to the kernel and back on every
//! operation. compio has no other native workload here yet.

use compio_buf::BufResult;
use compio_io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use rosetta_runtimes::Config;
use rosetta_runtimes::rosetta_rt::RuntimeError;

use crate::echo::{ACCEPT_RETRY, ECHO_BUFFER, Ready};
use crate::error::Error;
use crate::net::LOOPBACK;

/// The echo server on compio's runtime of the calling thread (thread-per-core: the config's
/// workers do not apply). A kernel that refuses io_uring makes it unavailable, as the adapter says.
pub(super) fn echo(_config: &Config, ready: Ready<'_>) -> Result<(), Error> {
    // The adapter's switch for testing a machine without io_uring holds here too.
    if std::env::var_os("ROSETTA_FORCE_NO_IO_URING").is_some() {
        return Err(RuntimeError::Unavailable(
            "io_uring refused: ROSETTA_FORCE_NO_IO_URING is set".to_owned(),
        )
        .into());
    }
    let rt = compio_runtime::Runtime::new()
        .map_err(|error| RuntimeError::Unavailable(format!("io_uring refused: {error}")))?;
    rt.block_on(async {
        let listener = compio_net::TcpListener::bind(LOOPBACK).await?;
        ready(listener.local_addr()?);
        loop {
            match listener.accept().await {
                Ok((stream, _)) => {
                    let _ = stream.set_nodelay(true);
                    compio_runtime::spawn(echo_connection(stream)).detach();
                }
                Err(_) => compio_runtime::time::sleep(ACCEPT_RETRY).await,
            }
        }
    })
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
