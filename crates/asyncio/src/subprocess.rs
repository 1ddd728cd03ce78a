//! `asyncio.create_subprocess_exec` and `asyncio.subprocess.Process`: child processes with piped
//! standard streams, on the runtime's own process support.
//!
//! ```python
//! proc = await asyncio.create_subprocess_exec(
//!     "python3", "-c", "print('hi')", stdout=asyncio.subprocess.PIPE)
//! out, err = await proc.communicate()
//! assert proc.returncode == 0
//! ```
//!
//! Here [`create_subprocess_exec`] takes the program, its arguments and a [`Pipes`] (each stream
//! [`Redirect::Pipe`], `Inherit` or `Null`: asyncio's `PIPE`, `None`, `DEVNULL`) and gives a
//! [`Process`] whose `stdin` is a [`StreamWriter`] and whose `stdout` and `stderr` are
//! [`StreamReader`]s, the same types the TCP streams use. [`Process::communicate`] writes its input,
//! closes stdin, and reads both outputs **at once**, so a child that fills both pipes' buffers never
//! deadlocks against a parent that reads one stream to its end first (`test_pause_reading`-sized output
//! on both streams).
//!
//! `returncode` is asyncio's: the exit code, or minus the signal number that killed the child (`-9`
//! after [`kill`](Process::kill) on Unix). [`terminate`](Process::terminate) sends `SIGTERM` (on
//! non-Unix systems it kills, as asyncio's does on Windows). `kill` and `terminate` on a child known to
//! have exited give [`SubprocessError::ProcessLookup`], as asyncio raises `ProcessLookupError`.
//!
//! The runtime supplies the processes through the [`ProcessRuntime`] trait (`rosetta_rt::Process`).
//!
//! # Examples
//!
//! ```
//! use rosetta_asyncio::subprocess::{Pipes, ProcessRuntime, Redirect, create_subprocess_exec};
//!
//! async fn hello<R: ProcessRuntime>() -> (Vec<u8>, i32) {
//!     let pipes = Pipes { stdout: Redirect::Pipe, ..Pipes::default() };
//!     let mut proc = create_subprocess_exec::<R>("sh", ["-c", "echo hi"], pipes)
//!         .expect("sh runs");
//!     let (out, _) = proc.communicate(None).await.expect("the child runs");
//!     (out.unwrap_or_default(), proc.wait().await.expect("the child exits"))
//! }
//! # use rosetta_runtimes::rosetta_smol::Smol as Rt;
//! # use rosetta_asyncio::Runtime;
//! # let rt = Rt::create(&Default::default()).unwrap();
//! assert_eq!(rt.block_on(hello::<Rt>()), (b"hi\n".to_vec(), 0));
//! # rt.close();
//! ```
//!
//! # Per-runtime notes
//!
//! - tokio: `tokio::process`, reaped by tokio's SIGCHLD driver on the loop's reactor.
//! - smol and async-std: `async-process` (async-std's own `process` module is that crate, behind
//!   its `unstable` feature), reaped by its process-wide reaper.

use std::ffi::OsStr;
use std::fmt;
use std::io;
use std::pin::Pin;
use std::process::{Command, ExitStatus};
use std::task::{Context, Poll, ready};

use futures_lite::{AsyncWrite, future};

pub use rosetta_rt::Process as ProcessRuntime;
pub use rosetta_rt::{Pipes, Redirect};

use crate::streams::{StreamError, StreamReader, StreamWriter};

/// Why a subprocess call failed.
#[derive(Debug, thiserror::Error)]
pub enum SubprocessError {
    /// The program could not be started (asyncio's `FileNotFoundError`, `PermissionError`...).
    #[error("cannot start {program:?}: {source}")]
    Spawn {
        /// The program asked for.
        program: String,
        /// The OS's reason.
        #[source]
        source: io::Error,
    },
    /// `kill`, `terminate` or a signal sent to a child that has exited (`ProcessLookupError`).
    #[error("the process has already exited with return code {returncode}")]
    ProcessLookup {
        /// Its return code.
        returncode: i32,
    },
    /// Waiting for the child or signalling it failed (asyncio's `OSError`).
    #[error("process: {0}")]
    Io(#[source] io::Error),
    /// Reading or writing a pipe failed.
    #[error(transparent)]
    Stream(#[from] StreamError),
}

/// A running or finished child (`asyncio.subprocess.Process`).
pub struct Process<R: ProcessRuntime> {
    child: R::Child,
    pid: Option<u32>,
    returncode: Option<i32>,
    /// The child's standard input, if piped (`proc.stdin`).
    pub stdin: Option<StreamWriter<StdinPipe<R::Stdin>>>,
    /// The child's standard output, if piped (`proc.stdout`).
    pub stdout: Option<StreamReader<R::Stdout>>,
    /// The child's standard error, if piped (`proc.stderr`).
    pub stderr: Option<StreamReader<R::Stderr>>,
}

impl<R: ProcessRuntime> fmt::Debug for Process<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Process")
            .field("pid", &self.pid)
            .field("returncode", &self.returncode)
            .finish_non_exhaustive()
    }
}

/// The write end of a child's stdin, which `close` really closes.
///
/// A pipe's reader sees end of file only once every write end is closed; the runtimes' `poll_close` on
/// a pipe flushes and leaves the descriptor open until the value is dropped. asyncio's
/// `proc.stdin.close()` closes the pipe, so this wrapper drops the pipe once it is closed.
pub struct StdinPipe<W>(Option<W>);

impl<W> fmt::Debug for StdinPipe<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StdinPipe")
            .field("open", &self.0.is_some())
            .finish()
    }
}

/// A write to a closed stdin: asyncio's `BrokenPipeError`.
fn closed_pipe() -> io::Error {
    io::Error::new(io::ErrorKind::BrokenPipe, "the child's stdin is closed")
}

impl<W: AsyncWrite + Unpin> AsyncWrite for StdinPipe<W> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match &mut self.get_mut().0 {
            Some(pipe) => Pin::new(pipe).poll_write(cx, buf),
            None => Poll::Ready(Err(closed_pipe())),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match &mut self.get_mut().0 {
            Some(pipe) => Pin::new(pipe).poll_flush(cx),
            None => Poll::Ready(Ok(())),
        }
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if let Some(pipe) = &mut this.0 {
            let closed = ready!(Pin::new(pipe).poll_close(cx));
            // Dropping the pipe closes the descriptor: the child reads end of file.
            this.0 = None;
            closed?;
        }
        Poll::Ready(Ok(()))
    }
}

/// asyncio's return code: the exit code, or minus the signal that ended the child.
fn returncode(status: ExitStatus) -> i32 {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return -signal;
        }
    }
    status.code().unwrap_or(-1)
}

/// Starts `program` with `args` (`await asyncio.create_subprocess_exec(program, *args, ...)`).
///
/// Call it inside the running loop. The program is looked up on `PATH` as `execvp` does.
///
/// # Errors
///
/// [`SubprocessError::Spawn`] if the program cannot be started.
pub fn create_subprocess_exec<R: ProcessRuntime>(
    program: impl AsRef<OsStr>,
    args: impl IntoIterator<Item = impl AsRef<OsStr>>,
    pipes: Pipes,
) -> Result<Process<R>, SubprocessError> {
    let mut command = Command::new(program.as_ref());
    command.args(args);
    let spawned = R::spawn_process(command, pipes).map_err(|source| SubprocessError::Spawn {
        program: program.as_ref().to_string_lossy().into_owned(),
        source,
    })?;
    Ok(Process {
        pid: R::id(&spawned.child),
        child: spawned.child,
        returncode: None,
        stdin: spawned
            .stdin
            .map(|pipe| StreamWriter::new(StdinPipe(Some(pipe)), None)),
        stdout: spawned.stdout.map(StreamReader::new),
        stderr: spawned.stderr.map(StreamReader::new),
    })
}

impl<R: ProcessRuntime> Process<R> {
    /// The child's process id (`proc.pid`).
    pub fn pid(&self) -> Option<u32> {
        self.pid
    }

    /// The return code if the child has exited, else `None` (`proc.returncode`).
    ///
    /// # Errors
    ///
    /// [`SubprocessError::Io`] if asking the OS fails.
    pub fn returncode(&mut self) -> Result<Option<i32>, SubprocessError> {
        if self.returncode.is_none() {
            let status = R::try_wait(&mut self.child).map_err(SubprocessError::Io)?;
            self.returncode = status.map(returncode);
        }
        Ok(self.returncode)
    }

    /// Waits for the child to exit and returns its return code (`await proc.wait()`).
    ///
    /// Like asyncio's, it does not read the pipes: a child that fills a pipe no one reads blocks, and
    /// `wait` with it. Use [`communicate`](Self::communicate) for that.
    ///
    /// # Errors
    ///
    /// [`SubprocessError::Io`] if waiting fails.
    pub async fn wait(&mut self) -> Result<i32, SubprocessError> {
        if let Some(code) = self.returncode {
            return Ok(code);
        }
        let status = R::wait(&mut self.child)
            .await
            .map_err(SubprocessError::Io)?;
        let code = returncode(status);
        self.returncode = Some(code);
        Ok(code)
    }

    /// Fails with `ProcessLookup` if the child is known to have exited.
    fn check_running(&mut self) -> Result<(), SubprocessError> {
        match self.returncode()? {
            Some(returncode) => Err(SubprocessError::ProcessLookup { returncode }),
            None => Ok(()),
        }
    }

    /// Kills the child (`proc.kill()`: `SIGKILL` on Unix); returns without waiting.
    ///
    /// # Errors
    ///
    /// [`SubprocessError::ProcessLookup`] if it has exited, [`SubprocessError::Io`] if the signal fails.
    pub fn kill(&mut self) -> Result<(), SubprocessError> {
        self.check_running()?;
        R::start_kill(&mut self.child).map_err(SubprocessError::Io)
    }

    /// Asks the child to stop (`proc.terminate()`: `SIGTERM` on Unix); returns without waiting.
    ///
    /// # Errors
    ///
    /// [`SubprocessError::ProcessLookup`] if it has exited, [`SubprocessError::Io`] if the signal fails.
    pub fn terminate(&mut self) -> Result<(), SubprocessError> {
        self.check_running()?;
        #[cfg(unix)]
        {
            // The child is not reaped yet (checked just above), so its pid is still its own.
            let pid = self
                .pid
                .and_then(|pid| i32::try_from(pid).ok())
                .and_then(rustix::process::Pid::from_raw)
                .ok_or_else(|| SubprocessError::Io(io::Error::other("the child has no pid")))?;
            rustix::process::kill_process(pid, rustix::process::Signal::TERM)
                .map_err(|errno| SubprocessError::Io(errno.into()))
        }
        #[cfg(not(unix))]
        {
            R::start_kill(&mut self.child).map_err(SubprocessError::Io)
        }
    }

    /// Sends `input` to stdin and closes it, reads stdout and stderr to their ends, and waits for the
    /// child (`await proc.communicate(input)`); returns what each piped output gave.
    ///
    /// The three run at once, so neither pipe can fill while the other is read. A child that exits
    /// without reading its input is no error (asyncio ignores `BrokenPipeError` and
    /// `ConnectionResetError` here, `test_communicate_ignore_broken_pipe`).
    ///
    /// # Errors
    ///
    /// [`SubprocessError::Stream`] if a pipe fails, [`SubprocessError::Io`] if waiting does.
    pub async fn communicate(
        &mut self,
        input: Option<&[u8]>,
    ) -> Result<(Option<Vec<u8>>, Option<Vec<u8>>), SubprocessError> {
        let stdin = self.stdin.take();
        let feed = async move {
            let Some(mut stdin) = stdin else {
                return Ok(());
            };
            let written = async {
                if let Some(input) = input {
                    stdin.write(input)?;
                    stdin.drain().await?;
                }
                stdin.close();
                stdin.wait_closed().await
            };
            match written.await {
                Err(StreamError::ConnectionReset(_)) | Ok(()) => Ok(()),
                Err(error) => Err(SubprocessError::Stream(error)),
            }
        };
        let stdout = read_all(self.stdout.as_mut());
        let stderr = read_all(self.stderr.as_mut());
        let ((), out, err) = future::try_zip(feed, future::try_zip(stdout, stderr))
            .await
            .map(|((), (out, err))| ((), out, err))?;
        self.wait().await?;
        Ok((out, err))
    }
}

/// Reads `reader` to its end, if there is one.
async fn read_all<S: futures_lite::AsyncRead + Unpin>(
    reader: Option<&mut StreamReader<S>>,
) -> Result<Option<Vec<u8>>, SubprocessError> {
    match reader {
        Some(reader) => Ok(Some(reader.read_to_eof().await?)),
        None => Ok(None),
    }
}
