//! `rosetta netserve`: a Rust server of the table under the server process contract.
//!
//! It binds 127.0.0.1 port 0, writes exactly one line `listening 127.0.0.1:PORT` to stdout and
//! flushes, serves until its stdin reaches end of file, then exits 0. Bad arguments or a failed bind:
//! a message on stderr naming what was wrong and what is valid, exit 2. Its descriptor limit is raised
//! first (a thousand connections), and [`PIN_VAR`](crate::os::PIN_VAR) pins it to CPUs.

use std::io::{Read, Write};
use std::process::ExitCode;

use clap::Args;
use rosetta_runtimes::Config;

use crate::servers::{self, Launch, NetWorkload, RustServe};

/// The most worker threads `--workers` takes.
pub const MAX_WORKERS: usize = 64;

/// The descriptors a server asks for: a thousand connections and some to spare.
pub const NOFILE: u64 = 8192;

/// The arguments of `rosetta netserve`.
#[derive(Debug, Clone, Args)]
pub struct NetserveArgs {
    /// The workload: echo or http.
    #[arg(long, value_name = "WORKLOAD")]
    pub workload: String,
    /// The server of that workload (`rosetta_netbench::SERVERS`), e.g. streams, raw, native, floor.
    #[arg(long, value_name = "ID")]
    pub server: String,
    /// The runtime it runs on, by id; none for a floor.
    #[arg(long, value_name = "ID")]
    pub runtime: Option<String>,
    /// Worker threads of a multi-thread or thread-per-core runtime, from 1 to 64 [default: one per
    /// CPU]; a current-thread or global runtime takes no count (only 1 is accepted there).
    #[arg(long, value_name = "N", value_parser = parse_workers, allow_hyphen_values = true)]
    pub workers: Option<usize>,
}

fn parse_workers(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(n) if (1..=MAX_WORKERS).contains(&n) => Ok(n),
        _ => Err(format!(
            "`{text}` is not a number of worker threads from 1 to {MAX_WORKERS}"
        )),
    }
}

/// The runtimes whose worker count `--workers` sets: the multi-thread and thread-per-core ones.
fn counted() -> Vec<&'static str> {
    rosetta_runtimes::RUNTIMES
        .iter()
        .filter(|info| info.flavor.configurable_workers())
        .map(|info| info.id)
        .collect()
}

/// What a checked command line serves.
#[derive(Debug, Clone, Copy)]
pub struct Checked {
    /// The server's function.
    pub serve: RustServe,
    /// The runtime, for a server that runs on one.
    pub runtime: Option<&'static str>,
    /// The runtime's config.
    pub config: Config,
}

impl NetserveArgs {
    /// Checks every argument against the table and the registry.
    ///
    /// # Errors
    ///
    /// A message naming what was wrong and what is valid.
    pub fn check(&self) -> Result<Checked, String> {
        let workload =
            NetWorkload::find(&self.workload).map_err(|why| format!("--workload: {why}"))?;
        let server =
            servers::rust(workload, &self.server).map_err(|why| format!("--server: {why}"))?;
        let Launch::Rust {
            serve,
            per_runtime,
            has,
        } = server.launch
        else {
            return Err(format!("--server: {} is not a Rust server", server.id));
        };
        let runtime = match (&self.runtime, per_runtime) {
            (None, true) => {
                return Err(format!(
                    "--runtime: the {} server runs on a runtime, give one of {}",
                    server.id,
                    rosetta_runtimes::REGISTRY.ids().join(", ")
                ));
            }
            (Some(id), false) => {
                return Err(format!(
                    "--runtime {id}: the {} server runs on no runtime, leave --runtime out",
                    server.id
                ));
            }
            (None, false) => None,
            (Some(id), true) => {
                let info =
                    rosetta_runtimes::lookup(id).map_err(|error| format!("--runtime: {error}"))?;
                if !has(info.id) {
                    return Err(format!(
                        "--runtime {id}: no {} {} server is written for it",
                        server.id,
                        workload.id()
                    ));
                }
                if let Some(n) = self.workers
                    && n != 1
                    && !info.flavor.configurable_workers()
                {
                    return Err(format!(
                        "--workers {n}: {} is a {} runtime, which takes no worker count; give \
                         --workers to one of {}, or leave it out",
                        info.id,
                        info.flavor,
                        counted().join(", ")
                    ));
                }
                Some(info.id)
            }
        };
        Ok(Checked {
            serve,
            runtime,
            config: Config {
                worker_threads: self.workers,
            },
        })
    }
}

/// `rosetta netserve`: checks, binds, says where, serves until stdin closes.
pub fn main(args: &NetserveArgs) -> ExitCode {
    let checked = match args.check() {
        Ok(checked) => checked,
        Err(why) => {
            eprintln!("rosetta netserve: {why}");
            return ExitCode::from(2);
        }
    };
    if let Err(why) = crate::os::pin_from_env() {
        eprintln!("rosetta netserve: {why}");
        return ExitCode::from(2);
    }
    crate::os::raise_nofile(NOFILE);
    // The contract's stop: whatever the server is doing, stdin's end of file ends the process.
    let watcher = std::thread::Builder::new()
        .name("netserve-stdin".to_owned())
        .spawn(|| {
            let mut sink = [0u8; 256];
            let mut stdin = std::io::stdin().lock();
            while matches!(stdin.read(&mut sink), Ok(n) if n > 0) {}
            std::process::exit(0);
        });
    if let Err(error) = watcher {
        eprintln!("rosetta netserve: cannot watch stdin: {error}");
        return ExitCode::FAILURE;
    }
    let mut bound = false;
    let mut ready = |addr: std::net::SocketAddr| {
        bound = true;
        let mut out = std::io::stdout().lock();
        // A parent that went away is the stop too.
        if writeln!(out, "listening {addr}")
            .and_then(|()| out.flush())
            .is_err()
        {
            std::process::exit(0);
        }
    };
    let outcome = (checked.serve)(checked.runtime, &checked.config, &mut ready);
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("rosetta netserve: {error}");
            if bound {
                ExitCode::FAILURE
            } else {
                ExitCode::from(2)
            }
        }
    }
}
