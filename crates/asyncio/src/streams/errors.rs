//! The streams' errors: asyncio's `IncompleteReadError`, `LimitOverrunError` and the `ConnectionError`
//! family, as one typed enum.

use std::fmt;
use std::io;

/// What a stream operation can fail with; each variant says which asyncio exception it stands for.
///
/// Nothing a peer does makes the streams panic: a peer that refuses, resets, stops early or sends too
/// long a line comes back as one of these.
#[derive(Debug, thiserror::Error)]
pub enum StreamError {
    /// Nothing listens at the address (asyncio's `ConnectionRefusedError`).
    #[error("connection refused: {0}")]
    ConnectionRefused(#[source] io::Error),
    /// The peer reset the connection, or it is gone (asyncio's `ConnectionResetError`,
    /// `BrokenPipeError` and `ConnectionAbortedError`; also a write or drain after `close`).
    #[error("connection reset: {0}")]
    ConnectionReset(#[source] io::Error),
    /// End of file came before the bytes asked for (asyncio's `IncompleteReadError`).
    #[error(transparent)]
    IncompleteRead(#[from] IncompleteReadError),
    /// The separator was not found within the reader's limit (asyncio's `LimitOverrunError`).
    #[error(transparent)]
    LimitOverrun(#[from] LimitOverrunError),
    /// `readuntil` was given an empty separator (asyncio's `ValueError`).
    #[error("separator should be at least one byte long")]
    EmptySeparator,
    /// A reader limit of zero (asyncio's `ValueError: Limit cannot be <= 0`).
    #[error("the reader's limit must be at least one byte")]
    InvalidLimit,
    /// `write` after `write_eof` (asyncio's `RuntimeError: Cannot call write() after write_eof()`).
    #[error("cannot write after write_eof")]
    WriteAfterEof,
    /// `serve_forever` on a server that is already closed (asyncio's `RuntimeError: ... is closed`).
    #[error("the server is closed")]
    ServerClosed,
    /// Any other I/O error (asyncio's `OSError`).
    #[error(transparent)]
    Io(io::Error),
}

impl From<io::Error> for StreamError {
    /// Sorts an I/O error into asyncio's exception classes.
    fn from(error: io::Error) -> Self {
        match error.kind() {
            io::ErrorKind::ConnectionRefused => StreamError::ConnectionRefused(error),
            io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe => StreamError::ConnectionReset(error),
            _ => StreamError::Io(error),
        }
    }
}

impl StreamError {
    /// The "connection lost" error of a writer used after `close` (asyncio's `ConnectionResetError`).
    pub(crate) fn connection_lost() -> Self {
        StreamError::ConnectionReset(io::Error::new(
            io::ErrorKind::ConnectionReset,
            "connection lost: the writer is closed",
        ))
    }
}

/// End of file before the expected bytes: asyncio's `IncompleteReadError(partial, expected)`.
///
/// The bytes read before end of file are in [`partial`](Self::partial); they are taken off the reader,
/// as asyncio does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncompleteReadError {
    /// What was read before end of file.
    pub partial: Vec<u8>,
    /// How many bytes were asked for; `None` for `readuntil`, which asked for a separator.
    pub expected: Option<usize>,
}

impl fmt::Display for IncompleteReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // asyncio's wording, so that messages read the same.
        match self.expected {
            Some(expected) => write!(
                f,
                "{} bytes read on a total of {expected} expected bytes",
                self.partial.len()
            ),
            None => write!(
                f,
                "{} bytes read on a total of undefined expected bytes",
                self.partial.len()
            ),
        }
    }
}

impl std::error::Error for IncompleteReadError {}

/// The reader's limit was reached while looking for a separator: asyncio's `LimitOverrunError`.
///
/// `readuntil` leaves the data in the reader, so the next call sees it again; `readline` drops it,
/// as asyncio's does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitOverrunError {
    /// Whether the separator was found (beyond the limit) or not found at all.
    pub found: bool,
    /// How many bytes are to be consumed (asyncio's `consumed`): up to the separator, or all that was
    /// searched.
    pub consumed: usize,
}

impl fmt::Display for LimitOverrunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.found {
            f.write_str("Separator is found, but chunk is longer than limit")
        } else {
            f.write_str("Separator is not found, and chunk exceed the limit")
        }
    }
}

impl std::error::Error for LimitOverrunError {}
