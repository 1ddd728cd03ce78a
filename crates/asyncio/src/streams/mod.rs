//! asyncio's streams API (`open_connection`, `start_server`, `StreamReader`, `StreamWriter`), written
//! once over the [`Io`] trait.
//!
//! ```python
//! async def handle_echo(reader, writer):
//!     data = await reader.read(100)
//!     writer.write(data)
//!     await writer.drain()
//!     writer.close()
//!     await writer.wait_closed()
//!
//! server = await asyncio.start_server(handle_echo, '127.0.0.1', 8888)
//! reader, writer = await asyncio.open_connection('127.0.0.1', 8888)
//! ```
//!
//! | asyncio | here |
//! |---|---|
//! | `open_connection(host, port, limit=)` | [`open_connection`], [`open_connection_with_limit`] |
//! | `start_server(cb, host, port, limit=)` | [`start_server`], [`start_server_with_limit`] → [`Server`] |
//! | `Server.sockets[0].getsockname()`, `is_serving`, `serve_forever`, `close`, `wait_closed` | [`Server`] |
//! | `StreamReader.read(n)`, `read()`/`read(-1)`, `readline`, `readexactly`, `readuntil`, `at_eof` | [`StreamReader`] |
//! | `StreamWriter.write`, `writelines`, `drain`, `write_eof`, `close`, `wait_closed`, `is_closing`, `get_extra_info('peername')` | [`StreamWriter`] |
//! | `IncompleteReadError`, `LimitOverrunError`, `ConnectionRefusedError`, `ConnectionResetError` | [`StreamError`], [`IncompleteReadError`], [`LimitOverrunError`] |
//!
//! The reader and writer are generic over any `futures-io` reader and writer; over a TCP connection
//! they hold the two halves of the runtime's own [`split`](Io::split) ([`Reader`] and [`Writer`] name
//! those types), so a reader task and a writer task can run at once, on any thread. Addresses are
//! [`SocketAddr`]s: name resolution is the caller's (asyncio resolves `host` in its executor).
//!
//! The mechanisms, one module each: [`reader`] (the buffer and asyncio's read methods, cancel-safe),
//! [`writer`] (eager writes, the buffer, `drain`), [`server`] (the accept loop and the close protocol),
//! [`errors`].
//!
//! # Per-runtime notes
//!
//! Every runtime here is readiness-based: a read that has not completed has taken nothing from the
//! socket, so a cancelled `readexactly` loses no bytes (they are in the reader's buffer or still in
//! the kernel). tokio's halves come from `into_split`; smol's and async-std's are clones of one
//! `Arc`'d socket. See the `Io` trait's docs for how a completion-based runtime keeps the same rule.

use std::net::SocketAddr;

use rosetta_rt::Io;

pub mod errors;
pub mod reader;
pub mod server;
pub mod writer;

pub use errors::{IncompleteReadError, LimitOverrunError, StreamError};
pub use reader::{DEFAULT_LIMIT, StreamReader};
pub use server::{Server, start_server, start_server_with_limit};
pub use writer::StreamWriter;

/// The reader a TCP connection of runtime `R` gives.
pub type Reader<R> = StreamReader<<R as Io>::ReadHalf>;

/// The writer a TCP connection of runtime `R` gives.
pub type Writer<R> = StreamWriter<<R as Io>::WriteHalf>;

/// Connects to `addr` (`reader, writer = await asyncio.open_connection(host, port)`).
///
/// Sets `TCP_NODELAY`, as asyncio does on every TCP transport.
///
/// # Errors
///
/// [`StreamError::ConnectionRefused`] when nothing listens at `addr`; any other connect error.
pub async fn open_connection<R: Io>(
    addr: SocketAddr,
) -> Result<(Reader<R>, Writer<R>), StreamError> {
    open_connection_with_limit::<R>(addr, DEFAULT_LIMIT).await
}

/// [`open_connection`] with the reader's buffer limit (`open_connection(..., limit=limit)`).
///
/// # Errors
///
/// [`StreamError::InvalidLimit`] for a zero limit; as [`open_connection`] otherwise.
pub async fn open_connection_with_limit<R: Io>(
    addr: SocketAddr,
    limit: usize,
) -> Result<(Reader<R>, Writer<R>), StreamError> {
    if limit == 0 {
        return Err(StreamError::InvalidLimit);
    }
    let stream = R::connect(addr).await?;
    connected::<R>(stream, Some(addr), limit)
}

/// A connected stream as asyncio hands it out: `TCP_NODELAY` on, split, wrapped.
fn connected<R: Io>(
    stream: R::TcpStream,
    peer: Option<SocketAddr>,
    limit: usize,
) -> Result<(Reader<R>, Writer<R>), StreamError> {
    R::set_nodelay(&stream, true)?;
    let (read, write) = R::split(stream);
    Ok((
        StreamReader::with_limit(read, limit)?,
        StreamWriter::new(write, peer),
    ))
}
