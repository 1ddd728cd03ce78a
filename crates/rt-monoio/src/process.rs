//! monoio's subprocesses behind the [`Process`] trait, through `async-process`: the documented
//! fallback. monoio has no process API; `async-process` runs on any
//! executor, and its pipes speak `futures-io` natively.
//!
//! Per-runtime notes:
//! - The pipes are driven by the `async-io` reactor, on its own thread, not by monoio's io_uring ring:
//!   a monoio program that spawns children runs a second, epoll-based reactor for them.
//! - Children are reaped by `async-process`'s process-wide reaper.
//! - `id` stays `Some` after the child was reaped (`async-process` keeps it).

use std::io;
use std::process::{Command, ExitStatus};

use async_process::{Child, ChildStderr, ChildStdin, ChildStdout};
use rosetta_rt::{Pipes, Process, Spawned};

use crate::Monoio;

impl Process for Monoio {
    type Child = Child;
    type Stdin = ChildStdin;
    type Stdout = ChildStdout;
    type Stderr = ChildStderr;

    fn spawn_process(command: Command, pipes: Pipes) -> io::Result<Spawned<Self>> {
        let mut command = async_process::Command::from(command);
        command
            .stdin(pipes.stdin.to_stdio())
            .stdout(pipes.stdout.to_stdio())
            .stderr(pipes.stderr.to_stdio());
        let mut child = command.spawn()?;
        Ok(Spawned {
            stdin: child.stdin.take(),
            stdout: child.stdout.take(),
            stderr: child.stderr.take(),
            child,
        })
    }

    fn id(child: &Child) -> Option<u32> {
        Some(child.id())
    }

    async fn wait(child: &mut Child) -> io::Result<ExitStatus> {
        child.status().await
    }

    fn try_wait(child: &mut Child) -> io::Result<Option<ExitStatus>> {
        child.try_status()
    }

    fn start_kill(child: &mut Child) -> io::Result<()> {
        child.kill()
    }
}
