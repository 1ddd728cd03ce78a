//! `asyncio.StreamReader`: a buffer in front of any `futures-io` reader, with asyncio's read methods.

use std::fmt;
use std::future::poll_fn;
use std::pin::Pin;

use rosetta_rt::AsyncRead;

use super::errors::{IncompleteReadError, LimitOverrunError, StreamError};

/// asyncio's default buffer limit, `asyncio.streams._DEFAULT_LIMIT`: 64 KiB.
pub const DEFAULT_LIMIT: usize = 64 * 1024;

/// How much room the buffer makes for one read from the socket.
const READ_CHUNK: usize = 64 * 1024;

/// asyncio's `StreamReader`, over any `futures-io` reader (a TCP read half, a file, a test pipe).
///
/// Bytes read from the inner reader wait in a buffer until a method returns them. Every method is
/// **cancel-safe**: a call dropped at its `.await` (a cancelled task, a lost race in `wait_for`) leaves
/// every byte it had read in the buffer for the next call, as asyncio's reader keeps its buffer when a
/// `readexactly` is cancelled. Nothing is lost underneath either: the inner reader's `poll_read` takes
/// no bytes when it returns `Pending` (the `Io` trait's promise).
///
/// The buffer limit bounds what [`readuntil`](Self::readuntil) and [`readline`](Self::readline) will
/// search before giving up; unlike asyncio's reader, which the transport feeds until it pauses at twice
/// the limit, this one only reads from the socket when a method asks, so its buffer holds at most the
/// limit plus one read.
///
/// # Examples
///
/// ```
/// use rosetta_asyncio::streams::StreamReader;
/// # futures_lite::future::block_on(async {
/// let mut reader = StreamReader::new(&b"line1\nline2\nrest"[..]);
/// assert_eq!(reader.readline().await.unwrap(), b"line1\n");
/// assert_eq!(reader.readexactly(3).await.unwrap(), b"lin");
/// assert_eq!(reader.read_to_eof().await.unwrap(), b"e2\nrest");
/// assert!(reader.at_eof());
/// # });
/// ```
pub struct StreamReader<S> {
    inner: S,
    /// Storage; the unread bytes are `storage[start..end]`.
    storage: Vec<u8>,
    start: usize,
    end: usize,
    eof: bool,
    limit: usize,
}

impl<S> fmt::Debug for StreamReader<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamReader")
            .field("buffered", &(self.end - self.start))
            .field("eof", &self.eof)
            .field("limit", &self.limit)
            .finish_non_exhaustive()
    }
}

impl<S: AsyncRead + Unpin> StreamReader<S> {
    /// A reader with asyncio's default limit of 64 KiB ([`DEFAULT_LIMIT`]).
    pub fn new(inner: S) -> Self {
        StreamReader {
            inner,
            storage: Vec::new(),
            start: 0,
            end: 0,
            eof: false,
            limit: DEFAULT_LIMIT,
        }
    }

    /// A reader with the given limit (`StreamReader(limit=...)`).
    ///
    /// # Errors
    ///
    /// [`StreamError::InvalidLimit`] for a limit of zero, as asyncio raises `ValueError`.
    pub fn with_limit(inner: S, limit: usize) -> Result<Self, StreamError> {
        if limit == 0 {
            return Err(StreamError::InvalidLimit);
        }
        let mut reader = Self::new(inner);
        reader.limit = limit;
        Ok(reader)
    }

    /// The buffer limit.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// The bytes read from the inner reader and not yet returned (asyncio's `reader._buffer`).
    pub fn buffer(&self) -> &[u8] {
        &self.storage[self.start..self.end]
    }

    /// Whether the buffer is empty and the inner reader has reached end of file (`at_eof()`).
    pub fn at_eof(&self) -> bool {
        self.eof && self.start == self.end
    }

    /// The inner reader.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// Reads up to `n` bytes (`await reader.read(n)`): what is buffered, or else what one read brings.
    ///
    /// Returns an empty vector for `n == 0` and at end of file. For asyncio's `read(-1)`, use
    /// [`read_to_eof`](Self::read_to_eof).
    ///
    /// # Errors
    ///
    /// The inner reader's error, sorted by [`StreamError::from`].
    pub async fn read(&mut self, n: usize) -> Result<Vec<u8>, StreamError> {
        if n == 0 {
            return Ok(Vec::new());
        }
        if self.start == self.end && !self.eof {
            self.fill().await?;
        }
        Ok(self.take(n.min(self.end - self.start)))
    }

    /// Reads everything until end of file (`await reader.read()` / `read(-1)`).
    ///
    /// # Errors
    ///
    /// The inner reader's error; the bytes read so far stay in the buffer.
    pub async fn read_to_eof(&mut self) -> Result<Vec<u8>, StreamError> {
        while !self.eof {
            self.fill().await?;
        }
        Ok(self.take(self.end - self.start))
    }

    /// Reads exactly `n` bytes (`await reader.readexactly(n)`).
    ///
    /// # Errors
    ///
    /// [`StreamError::IncompleteRead`] if end of file comes first, carrying the bytes that were read
    /// (taken off the buffer, as asyncio does); the inner reader's error otherwise.
    pub async fn readexactly(&mut self, n: usize) -> Result<Vec<u8>, StreamError> {
        while self.end - self.start < n {
            if self.eof {
                let partial = self.take(self.end - self.start);
                return Err(IncompleteReadError {
                    partial,
                    expected: Some(n),
                }
                .into());
            }
            self.fill().await?;
        }
        Ok(self.take(n))
    }

    /// Reads up to and including `separator` (`await reader.readuntil(separator)`).
    ///
    /// # Errors
    ///
    /// - [`StreamError::EmptySeparator`] for an empty separator;
    /// - [`StreamError::LimitOverrun`] if the separator is not within the limit: found beyond it, or not
    ///   found in more than the limit's worth of bytes. **The data stays in the buffer**, so the caller
    ///   can read it some other way (asyncio's rule);
    /// - [`StreamError::IncompleteRead`] if end of file comes before the separator, with everything
    ///   that was buffered (taken off, as asyncio does);
    /// - the inner reader's error.
    pub async fn readuntil(&mut self, separator: &[u8]) -> Result<Vec<u8>, StreamError> {
        let found = self.find_separator(separator).await?;
        Ok(self.take(found + separator.len()))
    }

    /// Reads one line, up to and including `\n` (`await reader.readline()`).
    ///
    /// At end of file, returns what is left (maybe an empty vector) rather than failing.
    ///
    /// # Errors
    ///
    /// [`StreamError::LimitOverrun`] for a line longer than the limit. As asyncio's `readline` does, the
    /// over-long line is dropped: up to and including its `\n` if that was read, else the whole buffer.
    pub async fn readline(&mut self) -> Result<Vec<u8>, StreamError> {
        match self.find_separator(b"\n").await {
            Ok(found) => Ok(self.take(found + 1)),
            Err(StreamError::IncompleteRead(incomplete)) => Ok(incomplete.partial),
            Err(StreamError::LimitOverrun(overrun)) => {
                if self.buffer().get(overrun.consumed) == Some(&b'\n') {
                    self.take(overrun.consumed + 1);
                } else {
                    self.take(self.end - self.start);
                }
                Err(overrun.into())
            }
            Err(error) => Err(error),
        }
    }

    /// Where `separator` starts in the buffer, reading until it is there; CPython's `readuntil` loop.
    async fn find_separator(&mut self, separator: &[u8]) -> Result<usize, StreamError> {
        if separator.is_empty() {
            return Err(StreamError::EmptySeparator);
        }
        // Where the search resumes: the bytes before it were searched and cannot start a separator.
        let mut offset = 0;
        loop {
            let buffered = self.end - self.start;
            if buffered - offset >= separator.len() {
                if let Some(at) = find(&self.buffer()[offset..], separator) {
                    let found = offset + at;
                    if found > self.limit {
                        return Err(LimitOverrunError {
                            found: true,
                            consumed: found,
                        }
                        .into());
                    }
                    return Ok(found);
                }
                offset = buffered + 1 - separator.len();
                if offset > self.limit {
                    return Err(LimitOverrunError {
                        found: false,
                        consumed: offset,
                    }
                    .into());
                }
            }
            if self.eof {
                let partial = self.take(buffered);
                return Err(IncompleteReadError {
                    partial,
                    expected: None,
                }
                .into());
            }
            self.fill().await?;
        }
    }

    /// Takes `n` buffered bytes off the front.
    fn take(&mut self, n: usize) -> Vec<u8> {
        let taken = self.storage[self.start..self.start + n].to_vec();
        self.start += n;
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
        taken
    }

    /// Reads once from the inner reader into the buffer; end of file is recorded, not returned.
    ///
    /// Cancel-safe: the bytes are in the buffer the moment `poll_read` returns them.
    async fn fill(&mut self) -> Result<(), StreamError> {
        self.make_room();
        let n =
            poll_fn(|cx| Pin::new(&mut self.inner).poll_read(cx, &mut self.storage[self.end..]))
                .await?;
        if n == 0 {
            self.eof = true;
        }
        self.end += n;
        Ok(())
    }

    /// Makes free space after the buffered bytes: moves them to the front, or grows the storage.
    fn make_room(&mut self) {
        if self.end < self.storage.len() {
            return;
        }
        let buffered = self.end - self.start;
        if self.start > 0 && buffered <= self.storage.len() / 2 {
            self.storage.copy_within(self.start..self.end, 0);
        } else {
            // A zeroed allocation: the OS maps its pages only as reads fill them.
            let mut bigger = vec![0; (self.storage.len() * 2).max(READ_CHUNK)];
            bigger[..buffered].copy_from_slice(&self.storage[self.start..self.end]);
            self.storage = bigger;
        }
        self.start = 0;
        self.end = buffered;
    }
}

/// The position of the first `needle` in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if let [byte] = needle {
        return haystack.iter().position(|b| b == byte);
    }
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}
