//! Why a network measurement could not be made: the crate's one error type.

use std::path::PathBuf;

/// Why a server, the load generator or a measurement failed.
#[derive(Debug, thiserror::Error)]
pub enum NetError {
    /// A command line named something that does not exist; the message lists what does.
    #[error("{0}")]
    Usage(String),
    /// A server did not start under the contract (no ready line, a bad one, or it exited).
    #[error("the server `{command}` did not start: {why}{stderr}")]
    Start {
        /// The command line.
        command: String,
        /// What went wrong.
        why: String,
        /// What it wrote on stderr, after a colon, or nothing.
        stderr: String,
    },
    /// A server did not exit 0 within its time once its stdin was closed.
    #[error("the server `{command}` did not stop cleanly: {why}")]
    Stop {
        /// The command line.
        command: String,
        /// What went wrong.
        why: String,
    },
    /// The load generator could not connect, or its process failed.
    #[error("the load generator failed: {0}")]
    Load(String),
    /// The Python interpreter of the venv is missing, for a Python server.
    #[error("no Python interpreter for {script} ({why})")]
    NoPython {
        /// The script.
        script: PathBuf,
        /// Why.
        why: String,
    },
    /// The OS refused something (a process, a pipe, a thread, a socket).
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// A server of the workloads failed.
    #[error(transparent)]
    Workload(#[from] rosetta_workloads::Error),
}
