//! Measurements that need a process of their own: a global runtime's one-time start
//! ([`Workload::FirstStart`]), which happens once per process.
//!
//! The measuring process starts its own executable again with [`ENV`] set; the child takes the
//! measurement, prints it on one line and exits, and the parent reads it. So a binary that runs a
//! `FirstStart` bench must call [`serve_child`] first thing in `main`, before parsing its arguments.
//!
//! ```no_run
//! // First thing in `main`:
//! if rosetta_workloads::fresh::serve_child() {
//!     return;
//! }
//! // ... the binary's own work, which may run `FirstStart` benches.
//! ```

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::error::Error;
use crate::job::Runner;
use crate::support::{self, Job};
use crate::workload::{Target, Workload};
use crate::{native, toolkit};

/// The environment variable that asks a child for a measurement: `toolkit:ID` or `native:ID`.
pub const ENV: &str = "ROSETTA_WORKLOADS_FRESH";

/// What the child prints before the measured nanoseconds.
const ANSWER: &str = "rosetta-workloads-fresh-ns=";

/// Takes the measurement if this process was started for one, prints it, and returns `true`; returns
/// `false` at once otherwise.
pub fn serve_child() -> bool {
    let Ok(request) = std::env::var(ENV) else {
        return false;
    };
    match measure_here(&request) {
        Ok(elapsed) => println!("{ANSWER}{}", elapsed.as_nanos()),
        Err(error) => eprintln!("{request}: {error}"),
    }
    true
}

fn measure_here(request: &str) -> Result<Duration, Error> {
    let target = match request.split_once(':') {
        Some(("toolkit", id)) => Target::Toolkit(registered(id)?),
        Some(("native", id)) => Target::Native(registered(id)?),
        _ => return Err(Error::Fresh(format!("unknown request `{request}`"))),
    };
    // The table decides here too: a request for a start the table does not admit is refused.
    match support::job(target, Workload::FirstStart)? {
        Job::FirstStart(Target::Toolkit(id)) => toolkit::first_start(id),
        Job::FirstStart(Target::Native(id)) => match native::of(id).and_then(|n| n.first_start) {
            Some(first_start) => first_start(),
            None => Err(Error::Fresh(format!("{id} has no native one-time start"))),
        },
        _ => Err(Error::Fresh(format!("{target} has no one-time start"))),
    }
}

/// The registry's own copy of the id, which lives as long as the program.
fn registered(id: &str) -> Result<&'static str, Error> {
    Ok(rosetta_runtimes::lookup(id)?.id)
}

/// A runner that measures `target`'s one-time start in a fresh process per iteration.
pub(crate) fn runner(target: Target) -> Result<Runner, Error> {
    if std::env::var_os(ENV).is_some() {
        // A child that did not serve the request would otherwise start children of its own.
        return Err(Error::Fresh(format!(
            "{ENV} is set: this process is itself a fresh-process child, and its binary does not call \
             rosetta_workloads::fresh::serve_child"
        )));
    }
    let request = match target {
        Target::Toolkit(id) => format!("toolkit:{id}"),
        Target::Native(id) => format!("native:{id}"),
        Target::Floor(floor) => {
            return Err(Error::Fresh(format!(
                "the floor {} has no one-time start",
                floor.name()
            )));
        }
    };
    let exe = std::env::current_exe()?;
    Ok(Box::new(move |iters| {
        let mut total = Duration::ZERO;
        for _ in 0..iters {
            total += measure(&exe, &request)?;
        }
        Ok(total)
    }))
}

/// Runs `exe` with the request and reads its answer.
fn measure(exe: &Path, request: &str) -> Result<Duration, Error> {
    let output = Command::new(exe)
        .env(ENV, request)
        .stdin(Stdio::null())
        .output()?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    stdout
        .lines()
        .find_map(|line| line.strip_prefix(ANSWER))
        .and_then(|nanos| nanos.trim().parse().ok())
        .map(Duration::from_nanos)
        .ok_or_else(|| {
            Error::Fresh(format!(
                "{} gave no measurement for `{request}` (does its main call \
                 rosetta_workloads::fresh::serve_child first?); it said: {}",
                exe.display(),
                String::from_utf8_lossy(&output.stderr).trim()
            ))
        })
}
