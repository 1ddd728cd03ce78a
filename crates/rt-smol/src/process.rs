//! smol's subprocesses behind the [`Process`] trait: `async-process`, through smol's re-export; its
//! pipes speak `futures-io` natively.
//!
//! Per-runtime notes:
//! - Children are reaped by `async-process`'s process-wide reaper (a SIGCHLD handler on the
//!   `async-io` reactor), shared by both smol flavors and by async-std.
//! - `id` stays `Some` after the child was reaped (`async-process` keeps it).

use std::io;
use std::process::{Command, ExitStatus};

use rosetta_rt::{Pipes, Process, Spawned};
use smol::process::{Child, ChildStderr, ChildStdin, ChildStdout};

use crate::{Smol, SmolMultiThread};

/// The [`Process`] impl both smol flavors share: the reaper is process-wide.
macro_rules! smol_process {
    ($ty:ty) => {
        impl Process for $ty {
            type Child = Child;
            type Stdin = ChildStdin;
            type Stdout = ChildStdout;
            type Stderr = ChildStderr;

            fn spawn_process(command: Command, pipes: Pipes) -> io::Result<Spawned<Self>> {
                let mut command = smol::process::Command::from(command);
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
    };
}

smol_process!(Smol);
smol_process!(SmolMultiThread);
