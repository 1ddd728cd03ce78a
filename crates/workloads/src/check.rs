//! Checks that a workload did its job, run after the timed region: a benchmark that loses items or
//! wakes early measures a bug.

use std::time::{Duration, Instant};

use crate::error::Error;
use crate::workload::QueueShape;

/// A gather's values are `0..tasks`, in order.
pub(crate) fn gathered(values: &[usize], tasks: usize) -> Result<(), Error> {
    if values.len() == tasks && values.iter().enumerate().all(|(i, v)| i == *v) {
        Ok(())
    } else {
        Err(Error::Wrong(format!(
            "a gather of {tasks} tasks returned {} values, or out of order",
            values.len()
        )))
    }
}

/// Every item of `shape` was delivered exactly once: the count and the sum of `0..items` match.
pub(crate) fn delivered(shape: &QueueShape, count: u64, sum: u64) -> Result<(), Error> {
    let items = shape.items;
    let expected = items * items.saturating_sub(1) / 2;
    if count == items && sum == expected {
        Ok(())
    } else {
        Err(Error::Wrong(format!(
            "{shape}: {count} items delivered (sum {sum}); expected {items} (sum {expected})"
        )))
    }
}

/// How late `at` is after `deadline`, failing if it is early.
pub(crate) fn lateness(at: Instant, deadline: Instant, what: &str) -> Result<Duration, Error> {
    at.checked_duration_since(deadline)
        .ok_or_else(|| Error::Wrong(format!("{what} completed before its deadline")))
}

/// `count` round trips came back, each with the value 1.
pub(crate) fn round_trips(sum: u64, count: u64) -> Result<(), Error> {
    if sum == count {
        Ok(())
    } else {
        Err(Error::Wrong(format!(
            "{count} round trips returned a sum of {sum}"
        )))
    }
}

/// The ticker waited for every tick.
pub(crate) fn ticks(lateness: &[Duration], ticks: u32) -> Result<(), Error> {
    if lateness.len() == ticks as usize {
        Ok(())
    } else {
        Err(Error::Wrong(format!(
            "the ticker saw {} of {ticks} ticks",
            lateness.len()
        )))
    }
}
