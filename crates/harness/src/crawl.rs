//! The crawler's side of parity: the fixture site served on a thread of its own, and CPython's
//! `areq.py` (aiohttp, aiofiles: the project's venv) crawling it.
//!
//! The reference of the `areq` scenario is not a transcript the program prints: it is what CPython's
//! crawl of the fixture wrote to its output file and its log, as the summary the port says at the end
//! of its own crawl ([`rosetta_scenarios::areq::summary`]).

use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use rosetta_runtimes::{Io, IoVisitor, Runtime};
use rosetta_scenarios::areq;
use rosetta_scenarios::http::fixture::Fixture;
use rosetta_scenarios::{Line, TimeScale};

use crate::interpreter::PythonError;

/// The id of the scenario whose reference is a crawl of the fixture.
pub const SCENARIO: &str = "areq";

/// A fixture site served on a thread of its own until stopped or its lifetime ends.
#[derive(Debug)]
pub struct Served {
    /// Where it listens.
    pub addr: std::net::SocketAddr,
    /// The URL list of a crawl of it.
    pub urls: Vec<String>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Served {
    /// Stops the site and waits for its thread.
    pub fn stop(mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
    }
}

/// Serves the fixture on the runtime `runtime` (an id of the registry), on a thread of its own, for at
/// most `lifetime`.
///
/// # Errors
///
/// The bind's error, or an unknown runtime id.
pub fn serve(runtime: &str, scale: TimeScale, lifetime: Duration) -> std::io::Result<Served> {
    struct Serve {
        scale: TimeScale,
        lifetime: Duration,
        stop: Arc<AtomicBool>,
        ready: mpsc::Sender<std::io::Result<(std::net::SocketAddr, Vec<String>)>>,
    }
    impl IoVisitor for Serve {
        type Output = ();
        fn visit<R: Runtime + Io>(self) {
            let rt = match R::create(&Default::default()) {
                Ok(rt) => rt,
                Err(error) => {
                    let _ = self
                        .ready
                        .send(Err(std::io::Error::other(error.to_string())));
                    return;
                }
            };
            rt.block_on(async {
                let fixture = match Fixture::<R>::start(self.scale, self.lifetime).await {
                    Ok(fixture) => fixture,
                    Err(error) => {
                        let _ = self.ready.send(Err(error));
                        return;
                    }
                };
                let _ = self.ready.send(Ok((fixture.addr(), fixture.urls())));
                let deadline = Instant::now() + self.lifetime;
                // Polled: the stop comes from another thread, that shares no waker with this loop.
                while !self.stop.load(Ordering::Acquire) && Instant::now() < deadline {
                    R::sleep(Duration::from_millis(20)).await;
                }
                fixture.stop().await;
            });
            rt.close();
        }
    }
    let stop = Arc::new(AtomicBool::new(false));
    let (ready, started) = mpsc::channel();
    let visitor = Serve {
        scale,
        lifetime,
        stop: Arc::clone(&stop),
        ready,
    };
    let id = runtime.to_owned();
    let thread = std::thread::Builder::new()
        .name("fixture".to_owned())
        .spawn(move || {
            let _ = rosetta_runtimes::visit_io(&id, visitor);
        })?;
    let (addr, urls) = started.recv().map_err(|_| {
        std::io::Error::other(format!("no runtime {runtime} to serve the fixture"))
    })??;
    Ok(Served {
        addr,
        urls,
        stop,
        thread: Some(thread),
    })
}

/// CPython's crawl of the fixture, as the summary the port says: `areq.py` run by the venv's python3.
///
/// # Errors
///
/// [`PythonError::NoPackages`] without the venv's aiohttp and aiofiles; a failed run otherwise.
pub fn reference(scale: TimeScale) -> Result<Vec<Line>, PythonError> {
    let python = crate::venv::ensure()
        .map(|venv| venv.python().to_path_buf())
        .map_err(|error| PythonError::NoPackages(error.to_string()))?;
    let program = crate::interpreter::repo_root().join("reference/python/areq.py");
    if !program.is_file() {
        return Err(PythonError::NoReference(program));
    }
    let name = format!("{} reference/python/areq.py", python.display());
    let io_failed = |error: std::io::Error| PythonError::Spawn {
        program: name.clone(),
        error,
    };
    let served = serve(
        rosetta_runtimes::RUNTIMES[0].id,
        scale,
        Duration::from_secs(300),
    )
    .map_err(io_failed)?;
    let dir = areq::scratch_dir("areq-cpython").map_err(io_failed)?;
    let (urls, out) = (dir.join("urls.txt"), dir.join("foundurls.txt"));
    let url_file: String = served.urls.iter().map(|url| format!("{url}\n")).collect();
    std::fs::write(&urls, url_file).map_err(io_failed)?;
    let output = Command::new(&python)
        .arg(&program)
        .arg("--urls")
        .arg(&urls)
        .arg("--out")
        .arg(&out)
        .env("ROSETTA_TIME_SCALE", scale.to_string())
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .map_err(io_failed)?;
    let masks = areq::fixture_masks(served.addr, &served.urls);
    served.stop();
    let log = String::from_utf8_lossy(&output.stderr).into_owned();
    if !output.status.success() {
        return Err(PythonError::Failed {
            program: name,
            status: output.status,
            stderr: log,
        });
    }
    let written = std::fs::read_to_string(&out).map_err(io_failed)?;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(areq::summary(&written, &log, &masks)
        .into_iter()
        .map(|text| Line { t: 0.0, text })
        .collect())
}
