//! The echo server written directly against monoio, as its examples write one: monoio's listener on
//! the thread's io_uring runtime, a task per connection, and its owned-buffer `AsyncReadRent::read`
//! and `AsyncWriteRentExt::write_all`, the buffer handed to the kernel and back on every operation.
//! monoio has no other native workload here yet.

use monoio::io::{AsyncReadRent, AsyncWriteRent, AsyncWriteRentExt};
use rosetta_runtimes::Config;
use rosetta_runtimes::rosetta_rt::RuntimeError;

use crate::echo::{ACCEPT_RETRY, ECHO_BUFFER, Ready};
use crate::error::Error;
use crate::net::LOOPBACK;

/// The echo server on monoio's runtime of the calling thread (thread-per-core: the config's workers
/// do not apply). A kernel that refuses io_uring makes it unavailable, as the adapter says.
pub(super) fn echo(_config: &Config, ready: Ready<'_>) -> Result<(), Error> {
    // The adapter's switch for testing a machine without io_uring holds here too.
    if let Some(refused) = RuntimeError::io_uring_forced_off() {
        return Err(refused.into());
    }
    let mut rt = monoio::RuntimeBuilder::<monoio::IoUringDriver>::new()
        .enable_timer()
        .build()
        .map_err(RuntimeError::from_io_uring_setup)?;
    rt.block_on(async {
        let listener = monoio::net::TcpListener::bind(LOOPBACK)?;
        ready(listener.local_addr()?);
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
    })
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
