//! Why a workload could not be prepared or run: the crate's one error type.

/// Why a workload could not be prepared or run.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The runtime id names no runtime of the registry.
    #[error(transparent)]
    UnknownRuntime(#[from] rosetta_runtimes::UnknownRuntime),
    /// The runtime could not be created.
    #[error("cannot create the runtime: {0}")]
    Runtime(#[from] rosetta_runtimes::rosetta_rt::RuntimeError),
    /// This target does not run this workload (a single-consumer channel with several consumers, a
    /// global runtime's per-loop cost, a floor of another workload).
    #[error("{target} does not run `{workload}`: {why}")]
    Unsupported {
        /// The target, as [`Target`](crate::Target)'s `Display` prints it.
        target: String,
        /// The workload's group.
        workload: &'static str,
        /// Why not.
        why: &'static str,
    },
    /// A task of the workload panicked or was cancelled.
    #[error("a task of the workload failed: {0}")]
    Task(String),
    /// The workload ran but did the wrong thing (an item lost, a timer early): a bug, not a slow run.
    #[error("wrong result: {0}")]
    Wrong(String),
    /// The OS refused something (a thread, a file descriptor, a child process).
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// A measurement in a fresh process failed.
    #[error("fresh-process measurement: {0}")]
    Fresh(String),
    /// Criterion's output could not be read.
    #[error("cannot read {path}: {why}")]
    Report {
        /// The file.
        path: String,
        /// What went wrong.
        why: String,
    },
}

impl From<rosetta_runtimes::JoinError> for Error {
    fn from(error: rosetta_runtimes::JoinError) -> Self {
        Error::Task(error.to_string())
    }
}
