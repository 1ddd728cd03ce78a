//! async-std's subprocesses behind the [`Process`] trait: `async-process`, the crate that
//! async-std's own `process` module re-exports behind its `unstable` feature, used directly so that
//! the adapter needs no unstable async-std API. Its pipes speak `futures-io` natively.
//!
//! Per-runtime notes:
//! - Children are reaped by `async-process`'s process-wide reaper on the `async-io` reactor that
//!   async-std runs on (the same one smol uses).
//! - `id` stays `Some` after the child was reaped (`async-process` keeps it).

use std::io;
use std::process::{Command, ExitStatus};

use async_process::{Child, ChildStderr, ChildStdin, ChildStdout};
use rosetta_rt::{Pipes, Process, Spawned};

use crate::AsyncStd;

impl Process for AsyncStd {
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
