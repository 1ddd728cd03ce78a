//! The transcript sink: every line a scenario prints, with the logical time it was printed at.
//!
//! A scenario never calls `println!`: it calls [`Transcript::say`], which records the line and the logical
//! time (real elapsed time ÷ the time scale), and echoes it if asked. The parity test compares these
//! records with what the CPython original prints; the CLI echoes them as the Python program would.

use std::fmt;
use std::io::Write;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How many real seconds one logical second of the original program lasts (1.0: as the Python programs
/// run; the tests use 0.01 to 0.02).
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct TimeScale(f64);

/// A time scale outside [`TimeScale::MIN`]..=[`TimeScale::MAX`].
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error(
    "invalid time scale {0}: it must be a number of real seconds per logical second from {min} to {max} (1.0 runs as the originals do)",
    min = TimeScale::MIN.0,
    max = TimeScale::MAX.0
)]
pub struct InvalidTimeScale(pub f64);

impl TimeScale {
    /// Real time: one logical second is one second.
    pub const REAL: TimeScale = TimeScale(1.0);

    /// The fastest scale: a logical second lasts 10 µs (the chess exhibition's 12 hours in under half a
    /// second). Faster, a program's sleeps are shorter than its own steps, and the durations it prints
    /// (real time divided by the scale) are no longer its story.
    pub const MIN: TimeScale = TimeScale(0.000_01);

    /// The slowest scale: a logical second lasts 100 s.
    pub const MAX: TimeScale = TimeScale(100.0);

    /// A checked scale.
    ///
    /// # Errors
    ///
    /// [`InvalidTimeScale`] unless `scale` is a number from [`TimeScale::MIN`] to [`TimeScale::MAX`].
    ///
    /// ```
    /// use rosetta_scenarios::TimeScale;
    /// assert!(TimeScale::new(0.001).is_ok());
    /// for bad in [0.0, -1.0, 1e-12, 1e9, f64::NAN, f64::INFINITY] {
    ///     assert!(TimeScale::new(bad).is_err());
    /// }
    /// ```
    pub fn new(scale: f64) -> Result<Self, InvalidTimeScale> {
        if (TimeScale::MIN.0..=TimeScale::MAX.0).contains(&scale) {
            Ok(TimeScale(scale))
        } else {
            Err(InvalidTimeScale(scale))
        }
    }

    /// The factor.
    pub fn get(self) -> f64 {
        self.0
    }

    /// The real duration of `logical_seconds` of the original program.
    ///
    /// Saturates: a negative or NaN time is zero, and one too long for a [`Duration`] is the longest.
    pub fn real(self, logical_seconds: f64) -> Duration {
        Duration::try_from_secs_f64((logical_seconds * self.0).max(0.0)).unwrap_or(Duration::MAX)
    }

    /// The logical seconds a real duration stands for.
    pub fn logical(self, real: Duration) -> f64 {
        real.as_secs_f64() / self.0
    }
}

impl fmt::Display for TimeScale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Where a transcript echoes its lines as they are said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Echo {
    /// Only record.
    Quiet,
    /// Print each line to stdout, as the Python program does.
    Lines,
    /// Print `{t:.6f}\t{line}`, as the Python originals do with `ROSETTA_TRANSCRIPT=1`.
    Timed,
}

/// One line of a transcript.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// Logical seconds since the transcript started.
    pub t: f64,
    /// The line, without its newline.
    pub text: String,
}

/// The lines a scenario says, with their logical times. Cheap to clone: clones share the record, so tasks
/// on any thread can say lines.
#[derive(Debug, Clone)]
pub struct Transcript {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    start: Instant,
    scale: TimeScale,
    echo: Echo,
    lines: Mutex<Vec<Line>>,
}

impl Transcript {
    /// A transcript whose clock starts now.
    pub fn new(scale: TimeScale, echo: Echo) -> Self {
        Transcript {
            inner: Arc::new(Inner {
                start: Instant::now(),
                scale,
                echo,
                lines: Mutex::new(Vec::new()),
            }),
        }
    }

    /// Where it echoes its lines.
    pub fn echo(&self) -> Echo {
        self.inner.echo
    }

    /// The time scale.
    pub fn scale(&self) -> TimeScale {
        self.inner.scale
    }

    /// Logical seconds since the transcript started.
    pub fn now(&self) -> f64 {
        self.inner.scale.logical(self.inner.start.elapsed())
    }

    /// Logical seconds since `start` (a measured figure the program prints).
    pub fn since(&self, start: Instant) -> f64 {
        self.inner.scale.logical(start.elapsed())
    }

    /// The real duration of `logical_seconds`.
    pub fn real(&self, logical_seconds: f64) -> Duration {
        self.inner.scale.real(logical_seconds)
    }

    /// Records `text` as a line printed now, and echoes it.
    pub fn say(&self, text: impl Into<String>) {
        let line = Line {
            t: self.now(),
            text: text.into(),
        };
        // The record and the echo happen under one lock, so that lines said from several threads are
        // echoed in the order they are recorded.
        let mut lines = self
            .inner
            .lines
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let mut stdout = std::io::stdout().lock();
        // A closed stdout (`| head`) must not fail the scenario: the record is what counts.
        let _ = match self.inner.echo {
            Echo::Quiet => Ok(()),
            Echo::Lines => writeln!(stdout, "{}", line.text),
            Echo::Timed => writeln!(stdout, "{:.6}\t{}", line.t, line.text),
        };
        lines.push(line);
    }

    /// Every line said so far, in the order they were said.
    pub fn lines(&self) -> Vec<Line> {
        self.inner
            .lines
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The texts of every line said so far.
    pub fn texts(&self) -> Vec<String> {
        self.lines().into_iter().map(|line| line.text).collect()
    }
}
