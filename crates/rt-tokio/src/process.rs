//! tokio's subprocesses behind the [`Process`] trait: `tokio::process`, its pipes turned into
//! `futures-io` readers and writers.
//!
//! Per-runtime notes:
//! - Children are reaped by tokio's SIGCHLD handler on the loop's reactor: spawn inside the running
//!   loop. A child dropped unwaited is reaped in the background, as tokio's docs promise.
//! - `id` is `None` once tokio has reaped the child.

use std::io;
use std::pin::Pin;
use std::process::{Command, ExitStatus};
use std::task::{Context, Poll, ready};

use rosetta_rt::{Pipes, Process, Spawned};
use tokio::io::ReadBuf;
use tokio::process::{Child, ChildStderr, ChildStdin, ChildStdout};

use crate::{TokioCurrentThread, TokioMultiThread};

/// A tokio child pipe as a `futures-io` reader or writer.
#[derive(Debug)]
pub struct TokioPipe<T>(T);

impl<T: tokio::io::AsyncRead + Unpin> futures_io::AsyncRead for TokioPipe<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let mut buf = ReadBuf::new(buf);
        ready!(Pin::new(&mut self.get_mut().0).poll_read(cx, &mut buf))?;
        Poll::Ready(Ok(buf.filled().len()))
    }
}

impl<T: tokio::io::AsyncWrite + Unpin> futures_io::AsyncWrite for TokioPipe<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().0).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().0).poll_flush(cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().0).poll_shutdown(cx)
    }
}

/// The [`Process`] impl both tokio flavors share: the process driver is the loop's reactor.
macro_rules! tokio_process {
    ($ty:ty) => {
        impl Process for $ty {
            type Child = Child;
            type Stdin = TokioPipe<ChildStdin>;
            type Stdout = TokioPipe<ChildStdout>;
            type Stderr = TokioPipe<ChildStderr>;

            fn spawn_process(command: Command, pipes: Pipes) -> io::Result<Spawned<Self>> {
                let mut command = tokio::process::Command::from(command);
                command
                    .stdin(pipes.stdin.to_stdio())
                    .stdout(pipes.stdout.to_stdio())
                    .stderr(pipes.stderr.to_stdio());
                let mut child = command.spawn()?;
                Ok(Spawned {
                    stdin: child.stdin.take().map(TokioPipe),
                    stdout: child.stdout.take().map(TokioPipe),
                    stderr: child.stderr.take().map(TokioPipe),
                    child,
                })
            }

            fn id(child: &Child) -> Option<u32> {
                child.id()
            }

            async fn wait(child: &mut Child) -> io::Result<ExitStatus> {
                child.wait().await
            }

            fn try_wait(child: &mut Child) -> io::Result<Option<ExitStatus>> {
                child.try_wait()
            }

            fn start_kill(child: &mut Child) -> io::Result<()> {
                match child.start_kill() {
                    // tokio refuses to kill a child it has already reaped; that child is dead.
                    Err(error) if error.kind() == io::ErrorKind::InvalidInput => Ok(()),
                    other => other,
                }
            }
        }
    };
}

tokio_process!(TokioCurrentThread);
tokio_process!(TokioMultiThread);
