//! smol's I/O behind the [`Io`] trait: `async-net` sockets and `async-fs` files, through smol's
//! re-exports, passed through as they are (they speak `futures-io` natively).
//!
//! Per-runtime notes:
//! - The reactor is `async-io`'s: one process-wide epoll driven by the "async-io" thread, started on
//!   first use, and by any thread blocked in `block_on` (which takes the reactor's turn when it is
//!   free). Both smol flavors share it; an I/O wake-up crosses to the executor's thread.
//! - `split` clones the stream (async-net streams are an `Arc` around one socket): no lock, and the
//!   socket closes when the last clone is dropped. `poll_close` shuts down the write half.
//! - Files are `async-fs`: each file is an `Unblock` around `std::fs::File`, whose reads and writes run
//!   on the `blocking` crate's process-wide thread pool and reach the task through a pipe. A write
//!   returns once its bytes are in that pipe; `poll_flush` waits until the blocking thread has written
//!   them to the file.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::path::Path;

use rosetta_rt::Io;
use smol::fs::{File, OpenOptions};
use smol::net::{TcpListener, TcpStream};

use crate::{Smol, SmolMultiThread};

/// The [`Io`] impl both smol flavors share: the reactor is process-wide, only the executor differs.
macro_rules! smol_io {
    ($ty:ty) => {
        impl Io for $ty {
            type TcpListener = TcpListener;
            type TcpStream = TcpStream;
            type ReadHalf = TcpStream;
            type WriteHalf = TcpStream;
            type File = File;

            fn bind(addr: SocketAddr) -> impl Future<Output = io::Result<TcpListener>> + Send {
                TcpListener::bind(addr)
            }

            fn local_addr(listener: &TcpListener) -> io::Result<SocketAddr> {
                listener.local_addr()
            }

            fn accept(
                listener: &TcpListener,
            ) -> impl Future<Output = io::Result<(TcpStream, SocketAddr)>> + Send {
                listener.accept()
            }

            fn connect(addr: SocketAddr) -> impl Future<Output = io::Result<TcpStream>> + Send {
                TcpStream::connect(addr)
            }

            fn peer_addr(stream: &TcpStream) -> io::Result<SocketAddr> {
                stream.peer_addr()
            }

            fn set_nodelay(stream: &TcpStream, nodelay: bool) -> io::Result<()> {
                stream.set_nodelay(nodelay)
            }

            fn split(stream: TcpStream) -> (TcpStream, TcpStream) {
                (stream.clone(), stream)
            }

            fn open_file(path: &Path) -> impl Future<Output = io::Result<File>> + Send {
                File::open(path)
            }

            fn create_file(path: &Path) -> impl Future<Output = io::Result<File>> + Send {
                File::create(path)
            }

            fn append_file(path: &Path) -> impl Future<Output = io::Result<File>> + Send {
                OpenOptions::new().append(true).create(true).open(path)
            }

            fn read_file(path: &Path) -> impl Future<Output = io::Result<Vec<u8>>> + Send {
                smol::fs::read(path)
            }
        }
    };
}

smol_io!(Smol);
smol_io!(SmolMultiThread);
