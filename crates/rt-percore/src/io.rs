//! The flavor's I/O and subprocesses: the base runtime's, delegated.
//!
//! Each operation runs on the thread that calls it, in that thread's base runtime: a stream accepted
//! by a task on one worker and used by a task on another submits each read and write to the ring of the
//! worker that runs it (compio's streams are `Send`, their fds shared). In `block_on` the calling
//! thread's own base runtime runs them. A `spawn_blocking` closure has no base runtime: do I/O in tasks.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, ExitStatus};

use rosetta_rt::{Io, PerCoreBase, Pipes, Process, Spawned};

use crate::PerCore;

impl<B: PerCoreBase> Io for PerCore<B> {
    type TcpListener = B::TcpListener;
    type TcpStream = B::TcpStream;
    type ReadHalf = B::ReadHalf;
    type WriteHalf = B::WriteHalf;
    type File = B::File;

    fn bind(addr: SocketAddr) -> impl Future<Output = io::Result<B::TcpListener>> + Send {
        B::bind(addr)
    }

    fn local_addr(listener: &B::TcpListener) -> io::Result<SocketAddr> {
        B::local_addr(listener)
    }

    fn accept(
        listener: &B::TcpListener,
    ) -> impl Future<Output = io::Result<(B::TcpStream, SocketAddr)>> + Send {
        B::accept(listener)
    }

    fn connect(addr: SocketAddr) -> impl Future<Output = io::Result<B::TcpStream>> + Send {
        B::connect(addr)
    }

    fn peer_addr(stream: &B::TcpStream) -> io::Result<SocketAddr> {
        B::peer_addr(stream)
    }

    fn set_nodelay(stream: &B::TcpStream, nodelay: bool) -> io::Result<()> {
        B::set_nodelay(stream, nodelay)
    }

    fn split(stream: B::TcpStream) -> (B::ReadHalf, B::WriteHalf) {
        B::split(stream)
    }

    fn open_file(path: &Path) -> impl Future<Output = io::Result<B::File>> + Send {
        B::open_file(path)
    }

    fn create_file(path: &Path) -> impl Future<Output = io::Result<B::File>> + Send {
        B::create_file(path)
    }

    fn append_file(path: &Path) -> impl Future<Output = io::Result<B::File>> + Send {
        B::append_file(path)
    }

    fn read_file(path: &Path) -> impl Future<Output = io::Result<Vec<u8>>> + Send {
        B::read_file(path)
    }
}

impl<B: PerCoreBase> Process for PerCore<B> {
    type Child = B::Child;
    type Stdin = B::Stdin;
    type Stdout = B::Stdout;
    type Stderr = B::Stderr;

    fn spawn_process(command: Command, pipes: Pipes) -> io::Result<Spawned<Self>> {
        let Spawned {
            child,
            stdin,
            stdout,
            stderr,
        } = B::spawn_process(command, pipes)?;
        Ok(Spawned {
            child,
            stdin,
            stdout,
            stderr,
        })
    }

    fn id(child: &B::Child) -> Option<u32> {
        B::id(child)
    }

    fn wait(child: &mut B::Child) -> impl Future<Output = io::Result<ExitStatus>> + Send + '_ {
        B::wait(child)
    }

    fn try_wait(child: &mut B::Child) -> io::Result<Option<ExitStatus>> {
        B::try_wait(child)
    }

    fn start_kill(child: &mut B::Child) -> io::Result<()> {
        B::start_kill(child)
    }
}
