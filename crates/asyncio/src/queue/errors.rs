//! The queue's errors: asyncio's `QueueFull`, `QueueEmpty`, `QueueShutDown` and the `ValueError` of
//! too many `task_done` calls, and the two enums that the non-waiting calls return.

use std::fmt;

/// `put_nowait` on a full queue: asyncio's `QueueFull`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, thiserror::Error)]
#[error("queue is full")]
pub struct QueueFull;

/// `get_nowait` on an empty queue: asyncio's `QueueEmpty`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, thiserror::Error)]
#[error("queue is empty")]
pub struct QueueEmpty;

/// A put on a shut-down queue, or a get on a shut-down queue with no item left: asyncio's
/// `QueueShutDown`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, thiserror::Error)]
#[error("queue is shut down")]
pub struct QueueShutDown;

/// More `task_done` calls than items put: asyncio's `ValueError('task_done() called too many times')`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, thiserror::Error)]
#[error("task_done() called too many times")]
pub struct TaskDoneError;

/// Why [`put_nowait`](super::BaseQueue::put_nowait) refused an item: [`QueueFull`] or
/// [`QueueShutDown`], with the item given back.
#[derive(Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub enum QueueError<T> {
    /// The queue is full ([`QueueFull`]); here is the item.
    #[error("{}", QueueFull)]
    Full(T),
    /// The queue is shut down ([`QueueShutDown`]); here is the item.
    #[error("{}", QueueShutDown)]
    ShutDown(T),
}

impl<T> QueueError<T> {
    /// The item that was not put.
    pub fn into_inner(self) -> T {
        match self {
            QueueError::Full(item) | QueueError::ShutDown(item) => item,
        }
    }

    /// Whether the queue was full.
    pub fn is_full(&self) -> bool {
        matches!(self, QueueError::Full(_))
    }

    /// Whether the queue was shut down.
    pub fn is_shutdown(&self) -> bool {
        matches!(self, QueueError::ShutDown(_))
    }
}

// Written by hand so that the error is `Debug`, hence an `Error`, whatever the item type, as
// `std::sync::mpsc::TrySendError` is.
impl<T> fmt::Debug for QueueError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QueueError::Full(_) => f.write_str("Full(..)"),
            QueueError::ShutDown(_) => f.write_str("ShutDown(..)"),
        }
    }
}

/// Why [`get_nowait`](super::BaseQueue::get_nowait) returned no item: [`QueueEmpty`] or
/// [`QueueShutDown`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub enum GetError {
    /// The queue is empty and open ([`QueueEmpty`]).
    #[error("{}", QueueEmpty)]
    Empty,
    /// The queue is empty and shut down ([`QueueShutDown`]).
    #[error("{}", QueueShutDown)]
    ShutDown,
}

impl GetError {
    /// Whether the queue was empty and open.
    pub fn is_empty(&self) -> bool {
        matches!(self, GetError::Empty)
    }

    /// Whether the queue was shut down.
    pub fn is_shutdown(&self) -> bool {
        matches!(self, GetError::ShutDown)
    }
}

impl From<QueueEmpty> for GetError {
    fn from(_: QueueEmpty) -> Self {
        GetError::Empty
    }
}

impl From<QueueShutDown> for GetError {
    fn from(_: QueueShutDown) -> Self {
        GetError::ShutDown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_pythons() {
        assert_eq!(QueueFull.to_string(), "queue is full");
        assert_eq!(QueueEmpty.to_string(), "queue is empty");
        assert_eq!(QueueShutDown.to_string(), "queue is shut down");
        assert_eq!(
            TaskDoneError.to_string(),
            "task_done() called too many times"
        );
        assert_eq!(QueueError::Full(1).to_string(), QueueFull.to_string());
        assert_eq!(
            QueueError::ShutDown(1).to_string(),
            QueueShutDown.to_string()
        );
        assert_eq!(GetError::Empty.to_string(), QueueEmpty.to_string());
        assert_eq!(GetError::ShutDown.to_string(), QueueShutDown.to_string());
    }

    #[test]
    fn a_refused_put_gives_the_item_back_and_says_why() {
        let full = QueueError::Full(String::from("job"));
        assert!(full.is_full() && !full.is_shutdown());
        assert_eq!(full.into_inner(), "job");
        let shut = QueueError::ShutDown(7);
        assert!(shut.is_shutdown() && !shut.is_full());
        assert_eq!(shut.into_inner(), 7);
        // `Debug` whatever the item, so that the error is an `Error` for any item type.
        struct Opaque;
        assert_eq!(format!("{:?}", QueueError::Full(Opaque)), "Full(..)");
    }

    #[test]
    fn a_get_error_comes_from_either_python_error() {
        assert!(GetError::from(QueueEmpty).is_empty());
        assert!(GetError::from(QueueShutDown).is_shutdown());
        assert!(!GetError::Empty.is_shutdown() && !GetError::ShutDown.is_empty());
    }
}
