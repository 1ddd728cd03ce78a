//! asyncio's subprocesses on every runtime: one test per rule, each named after the rule and citing
//! the CPython test of `Lib/test/test_asyncio/test_subprocess.py` it mirrors, stamped once per runtime
//! by `conformance!`.
//!
//! The children are `python3 -c ...` and `sh -c ...` programs, as CPython's tests run
//! `sys.executable -c ...`; each test gives up after a generous limit, and a child that should block
//! sleeps a bounded time.

use std::future::Future;
use std::time::Duration;

use futures_lite::future;
use rosetta_asyncio::subprocess::{Pipes, Process, ProcessRuntime, Redirect};
use rosetta_asyncio::{SubprocessError, create_subprocess_exec};
use rosetta_runtimes::conformance;
use rosetta_runtimes::testing::run;

/// How long a test waits for a child that should be quick, before it calls it a hang.
const LIMIT: Duration = Duration::from_secs(60);

/// CPython's `PROGRAM_CAT`: copies stdin to stdout.
const CAT: &str = "import sys; sys.stdout.buffer.write(sys.stdin.buffer.read())";

/// CPython's `PROGRAM_BLOCKED`, bounded: sleeps until killed, a minute at most.
const BLOCKED: &str = "import time; time.sleep(60)";

/// Runs `future`, failing the test if it has not finished within [`LIMIT`].
async fn within<R: ProcessRuntime, F: Future>(what: &str, future: F) -> F::Output {
    future::or(future, async {
        R::sleep(LIMIT).await;
        panic!("{what} did not finish within {LIMIT:?}: it hangs")
    })
    .await
}

/// Pipes for the streams asked for; the others are inherited.
fn pipes(stdin: bool, stdout: bool, stderr: bool) -> Pipes {
    let redirect = |piped| {
        if piped {
            Redirect::Pipe
        } else {
            Redirect::Inherit
        }
    };
    Pipes {
        stdin: redirect(stdin),
        stdout: redirect(stdout),
        stderr: redirect(stderr),
    }
}

/// Starts `python3 -c code`.
fn python<R: ProcessRuntime>(code: &str, pipes: Pipes) -> Process<R> {
    create_subprocess_exec::<R>("python3", ["-c", code], pipes).expect("python3 starts")
}

conformance! {
    /// Bytes written to the child's stdin come back on its stdout, read as a `StreamReader`
    /// (`test_stdin_stdout`).
    #[test]
    fn stdin_stdout() {
        run::<Rt, _>(async {
            let mut proc = python::<Rt>(CAT, pipes(true, true, false));
            let mut stdin = proc.stdin.take().expect("stdin is piped");
            stdin.write(b"some data").expect("the pipe is open");
            stdin.drain().await.expect("the child reads");
            stdin.close();
            stdin.wait_closed().await.expect("stdin closes");
            let stdout = proc.stdout.as_mut().expect("stdout is piped");
            let out = within::<Rt, _>("reading stdout", stdout.read_to_eof()).await;
            assert_eq!(out.expect("stdout reads"), b"some data");
            assert_eq!(within::<Rt, _>("wait", proc.wait()).await.expect("the child exits"), 0);
        });
    }

    /// `communicate` sends its input, closes stdin and returns the output (`test_communicate`).
    #[test]
    fn communicate() {
        run::<Rt, _>(async {
            let mut proc = python::<Rt>(CAT, pipes(true, true, false));
            let (out, err) = within::<Rt, _>("communicate", proc.communicate(Some(b"some data")))
                .await
                .expect("the child runs");
            assert_eq!(out.as_deref(), Some(&b"some data"[..]));
            assert_eq!(err, None, "stderr was not piped");
            assert_eq!(proc.returncode().expect("the OS answers"), Some(0));
        });
    }

    /// `communicate` reads both outputs while it writes the input: a child that reads a megabyte,
    /// then writes a megabyte to stderr before a megabyte to stdout, fills every pipe buffer and still
    /// finishes (the deadlock `communicate` exists to avoid; `test_pause_reading`'s sizes on both
    /// streams).
    #[test]
    fn communicate_does_not_deadlock_on_full_pipes() {
        run::<Rt, _>(async {
            const MIB: usize = 1 << 20;
            let code = format!(
                "import sys; data = sys.stdin.buffer.read(); \
                 sys.stderr.buffer.write(b'e' * {MIB}); sys.stderr.flush(); \
                 sys.stdout.buffer.write(data)"
            );
            let input: Vec<u8> = (0..MIB).map(|i| (i % 251) as u8).collect();
            let mut proc = python::<Rt>(&code, pipes(true, true, true));
            let (out, err) = within::<Rt, _>("communicate", proc.communicate(Some(&input)))
                .await
                .expect("the child runs");
            assert!(out == Some(input), "stdout is the input, byte for byte");
            let err = err.expect("stderr is piped");
            assert_eq!(err.len(), MIB);
            assert!(err.iter().all(|&b| b == b'e'));
            assert_eq!(proc.wait().await.expect("the child exited"), 0);
        });
    }

    /// `returncode` is `None` while the child runs and its exit code after `wait`
    /// (`test_proc_exited`, whose child exits with 7).
    #[test]
    fn wait_gives_the_returncode() {
        run::<Rt, _>(async {
            let mut proc = python::<Rt>(
                "import sys, time; sys.stdin.read(); sys.exit(7)",
                pipes(true, false, false),
            );
            assert!(proc.pid().is_some());
            assert_eq!(proc.returncode().expect("the OS answers"), None, "it waits for stdin");
            drop(proc.stdin.take());
            assert_eq!(within::<Rt, _>("wait", proc.wait()).await.expect("it exits"), 7);
            assert_eq!(proc.returncode().expect("the OS answers"), Some(7));
            assert_eq!(proc.wait().await.expect("waiting again"), 7);
        });
    }

    /// `kill` ends a blocked child with SIGKILL: return code -9 (`test_kill`).
    #[test]
    fn kill() {
        run::<Rt, _>(async {
            let mut proc = python::<Rt>(BLOCKED, Pipes::default());
            proc.kill().expect("the child is running");
            let code = within::<Rt, _>("wait", proc.wait()).await.expect("it exits");
            assert_eq!(code, if cfg!(unix) { -9 } else { 1 });
        });
    }

    /// `terminate` ends a blocked child with SIGTERM: return code -15 (`test_terminate`).
    #[test]
    fn terminate() {
        run::<Rt, _>(async {
            let mut proc = python::<Rt>(BLOCKED, Pipes::default());
            proc.terminate().expect("the child is running");
            let code = within::<Rt, _>("wait", proc.wait()).await.expect("it exits");
            assert_eq!(code, if cfg!(unix) { -15 } else { 1 });
        });
    }

    /// `kill` on a child that has exited is asyncio's `ProcessLookupError`
    /// (`base_subprocess._check_proc`, which `test_kill` and `test_terminate` rely on).
    #[test]
    fn kill_after_exit_is_a_process_lookup_error() {
        run::<Rt, _>(async {
            let mut proc = create_subprocess_exec::<Rt>("sh", ["-c", "exit 3"], Pipes::default())
                .expect("sh starts");
            assert_eq!(within::<Rt, _>("wait", proc.wait()).await.expect("it exits"), 3);
            assert!(matches!(proc.kill(), Err(SubprocessError::ProcessLookup { returncode: 3 })));
            assert!(matches!(
                proc.terminate(),
                Err(SubprocessError::ProcessLookup { returncode: 3 })
            ));
        });
    }

    /// What the child wrote stays readable after it exited (`test_read_stdout_after_process_exit`),
    /// and stderr is a `StreamReader` too, line by line.
    #[test]
    fn read_stdout_and_stderr_after_process_exit() {
        run::<Rt, _>(async {
            let mut proc = create_subprocess_exec::<Rt>(
                "sh",
                ["-c", "echo out; echo one >&2; echo two >&2"],
                pipes(false, true, true),
            )
            .expect("sh starts");
            assert_eq!(within::<Rt, _>("wait", proc.wait()).await.expect("it exits"), 0);
            let stderr = proc.stderr.as_mut().expect("stderr is piped");
            assert_eq!(stderr.readline().await.expect("a line"), b"one\n");
            assert_eq!(stderr.readline().await.expect("a line"), b"two\n");
            assert_eq!(stderr.readline().await.expect("eof"), b"");
            let stdout = proc.stdout.as_mut().expect("stdout is piped");
            assert_eq!(stdout.read_to_eof().await.expect("stdout reads"), b"out\n");
        });
    }

    /// A program that cannot be started is an error naming it, not a panic (`test_popen_error`).
    #[test]
    fn popen_error() {
        run::<Rt, _>(async {
            let missing = "/nonexistent/rosetta-no-such-program";
            let error = create_subprocess_exec::<Rt>(missing, ["x"], Pipes::default())
                .expect_err("the program does not exist");
            assert!(matches!(&error, SubprocessError::Spawn { program, .. } if program == missing));
            assert!(error.to_string().contains(missing));
        });
    }
}
