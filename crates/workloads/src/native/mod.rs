//! The native baselines: every workload written again directly against each runtime's own API, with no
//! trait in between, so that the benches can show what the abstraction costs.
//!
//! This module and the floors are the only code above the adapters that names runtime crates. The
//! runtime is chosen by matching the id; a test checks that every id of the registry has its native
//! version.

mod async_std;
mod channel;
mod smol;
mod tokio;

use crate::{Error, Runner, Target, Workload};

/// Prepares the native version of `workload` on the runtime `id`.
pub(crate) fn prepare(id: &'static str, workload: Workload) -> Result<Runner, Error> {
    // Validate the id against the registry first, so that an unknown id reads the same as anywhere else.
    rosetta_runtimes::lookup(id)?;
    let unsupported = |why| Error::Unsupported {
        target: Target::Native(id).to_string(),
        workload: workload.group().name(),
        why,
    };
    if let Workload::SpawnAwait { .. } | Workload::QueuePutGet { .. } = workload {
        return Err(unsupported(
            "a decomposition of a toolkit workload; its native twins are `gather` and `queue`",
        ));
    }
    if let Workload::Channel { kind, shape } = workload
        && !kind.multi_consumer()
        && shape.consumers > 1
    {
        return Err(unsupported("the channel has a single consumer"));
    }
    match id {
        "tokio" => tokio::prepare(false, workload),
        "tokio-mt" => tokio::prepare(true, workload),
        "smol" => smol::prepare(false, workload),
        "smol-mt" => smol::prepare(true, workload),
        "async-std" => match workload {
            Workload::LoopCreate { .. } | Workload::LoopClose { .. } => {
                Err(unsupported("global runtime: no per-loop cost"))
            }
            Workload::FirstStart => crate::fresh::runner(Target::Native(id)),
            workload => async_std::prepare(workload),
        },
        _ => Err(unsupported("no native version is written for this runtime")),
    }
}

/// A global runtime's one-time start, written natively, in this process.
pub(crate) fn first_start(id: &str) -> Result<std::time::Duration, Error> {
    match id {
        "async-std" => async_std::first_start(),
        _ => Err(Error::Fresh(format!("{id} has no one-time start"))),
    }
}

/// A join error of any runtime, as a workload error.
fn task_failed(error: impl std::fmt::Display) -> Error {
    Error::Task(error.to_string())
}
