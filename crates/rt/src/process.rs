//! The subprocess trait: child processes with piped standard streams, as each runtime's own process
//! support drives them.
//!
//! [`Process`] is a trait of its own beside [`Io`](crate::Io), so that a runtime without subprocess
//! support still implements [`Runtime`](crate::Runtime) and `Io`. Its pipes speak `futures-io`, as
//! `Io`'s streams do, so the toolkit's `StreamReader` and `StreamWriter` wrap them unchanged.

use std::future::Future;
use std::io;
use std::process::{Command, ExitStatus};

pub use futures_io::{AsyncRead, AsyncWrite};

/// Where one of a child's standard streams goes (asyncio's `PIPE`, `None`, `DEVNULL`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Redirect {
    /// A pipe to this process (`asyncio.subprocess.PIPE`).
    Pipe,
    /// The parent's own stream (`None`, asyncio's default).
    #[default]
    Inherit,
    /// The null device (`asyncio.subprocess.DEVNULL`).
    Null,
}

impl Redirect {
    /// This redirect as a `std::process::Stdio`.
    pub fn to_stdio(self) -> std::process::Stdio {
        match self {
            Self::Pipe => std::process::Stdio::piped(),
            Self::Inherit => std::process::Stdio::inherit(),
            Self::Null => std::process::Stdio::null(),
        }
    }
}

/// The three standard streams of a child to be spawned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pipes {
    /// The child's standard input.
    pub stdin: Redirect,
    /// The child's standard output.
    pub stdout: Redirect,
    /// The child's standard error.
    pub stderr: Redirect,
}

/// A child just spawned: its handle, and the pipes asked for.
#[derive(Debug)]
pub struct Spawned<R: Process> {
    /// The child, to wait for and kill.
    pub child: R::Child,
    /// The write end of its standard input, if piped.
    pub stdin: Option<R::Stdin>,
    /// The read end of its standard output, if piped.
    pub stdout: Option<R::Stdout>,
    /// The read end of its standard error, if piped.
    pub stderr: Option<R::Stderr>,
}

/// Child processes on this runtime (asyncio's `loop.subprocess_exec`).
///
/// # Semantic promises
///
/// - [`spawn_process`](Process::spawn_process) starts the command (its program, arguments,
///   environment and directory as set on it) with the standard streams `pipes` says, and returns at once;
///   call it inside the running loop.
/// - [`wait`](Process::wait) waits without blocking the loop, and can be called again after the child
///   exited (it gives the same status). The child is reaped by the runtime even if never waited for.
/// - [`start_kill`](Process::start_kill) sends the kill signal (`SIGKILL` on Unix) and returns; a child
///   that already exited is no error.
/// - Dropping a child neither kills nor waits for it (asyncio's `Process` does not either).
pub trait Process: crate::Runtime {
    /// The runtime's child handle.
    type Child: Send + 'static;

    /// A child's standard input pipe.
    type Stdin: AsyncWrite + Unpin + Send + 'static;

    /// A child's standard output pipe.
    type Stdout: AsyncRead + Unpin + Send + 'static;

    /// A child's standard error pipe.
    type Stderr: AsyncRead + Unpin + Send + 'static;

    /// Starts `command` with the standard streams `pipes` says. Required.
    ///
    /// # Errors
    ///
    /// The OS's, if the program cannot be started (not found, not executable).
    fn spawn_process(command: Command, pipes: Pipes) -> io::Result<Spawned<Self>>;

    /// The child's OS process id, while it has not been reaped. Required.
    fn id(child: &Self::Child) -> Option<u32>;

    /// Waits for the child to exit. Required.
    ///
    /// # Errors
    ///
    /// The OS's, if waiting fails.
    fn wait(child: &mut Self::Child) -> impl Future<Output = io::Result<ExitStatus>> + Send + '_;

    /// The child's exit status if it has exited, without waiting. Required.
    ///
    /// # Errors
    ///
    /// The OS's, if asking fails.
    fn try_wait(child: &mut Self::Child) -> io::Result<Option<ExitStatus>>;

    /// Sends the kill signal and returns without waiting. Required.
    ///
    /// # Errors
    ///
    /// The OS's, if the signal cannot be sent to a child that is still running.
    fn start_kill(child: &mut Self::Child) -> io::Result<()>;
}

/// Implements [`Process`] for each runtime type given, with `async-process`, named by its path in the
/// calling crate and a closing `::` (`async_process::`, or a re-export such as `smol::process::`), as
/// the prefix of the items the impl uses.
///
/// `async-process` runs on any executor (its reaper and its pipes live on the `async-io` reactor), so
/// every adapter whose runtime has no process API of its own, or whose API is that crate, writes the
/// same glue: this macro is that glue, written once. It expands in the adapter, against the adapter's
/// own dependency, so this crate depends on no process crate. What the implementation does:
/// `spawn_process` converts the std `Command`, sets the three streams and takes the pipes; `id` stays
/// `Some` after the child was reaped (`async-process` keeps it); `wait` is `status()`, `try_wait`
/// `try_status()`, `start_kill` `kill()`.
///
/// ```text
/// rosetta_rt::process_with_async_process!(MyRuntime => async_process::);
/// rosetta_rt::process_with_async_process!(Smol, SmolMultiThread => smol::process::);
/// ```
#[macro_export]
macro_rules! process_with_async_process {
    ($($runtime:ty),+ => $($krate:ident ::)+) => {
        // A block of its own, so that the crate's path can be named once, by an alias.
        const _: () = {
            use $($krate)::+ as async_process;
            $($crate::process_with_async_process!(@impl async_process, $runtime);)+
        };
    };
    (@impl $krate:ident, $runtime:ty) => {
        impl $crate::Process for $runtime {
            type Child = $krate::Child;
            type Stdin = $krate::ChildStdin;
            type Stdout = $krate::ChildStdout;
            type Stderr = $krate::ChildStderr;

            fn spawn_process(
                command: ::std::process::Command,
                pipes: $crate::Pipes,
            ) -> ::std::io::Result<$crate::Spawned<Self>> {
                let mut command = $krate::Command::from(command);
                command
                    .stdin(pipes.stdin.to_stdio())
                    .stdout(pipes.stdout.to_stdio())
                    .stderr(pipes.stderr.to_stdio());
                let mut child = command.spawn()?;
                ::std::result::Result::Ok($crate::Spawned {
                    stdin: child.stdin.take(),
                    stdout: child.stdout.take(),
                    stderr: child.stderr.take(),
                    child,
                })
            }

            fn id(child: &Self::Child) -> ::std::option::Option<u32> {
                ::std::option::Option::Some(child.id())
            }

            async fn wait(
                child: &mut Self::Child,
            ) -> ::std::io::Result<::std::process::ExitStatus> {
                child.status().await
            }

            fn try_wait(
                child: &mut Self::Child,
            ) -> ::std::io::Result<::std::option::Option<::std::process::ExitStatus>> {
                child.try_status()
            }

            fn start_kill(child: &mut Self::Child) -> ::std::io::Result<()> {
                child.kill()
            }
        }
    };
}
