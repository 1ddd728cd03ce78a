//! `http_server`: one of the HTTP servers the network workloads measure, run as a process under the
//! server process contract, to try a server by hand or drive it with any load generator.
//!
//! It binds 127.0.0.1 port 0, prints `listening 127.0.0.1:PORT`, answers `GET` of any path with a fixed
//! 1 KiB `text/plain` body over HTTP/1.1 keep-alive, and exits 0 once its stdin reaches end of file
//! (Ctrl-D); a bad argument or a failed bind exits 2 naming what was wrong.
//!
//! Run: `cargo run --example http_server -- --runtime smol --server native` (`--server trait`, the
//! default, is the server written once over the trait; `native` is hyper on the runtime's own API).

use std::process::ExitCode;

use clap::Parser;

/// The HTTP server of one runtime: over the trait, or on the runtime's own API.
#[derive(Debug, Parser)]
#[command(about)]
struct Args {
    /// The runtime, by id.
    #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(rosetta_runtimes::ids()))]
    runtime: String,
    /// Which server: `trait` (written once over the trait) or `native` (on the runtime's own API).
    #[arg(long, default_value = "trait", value_parser = ["trait", "native"])]
    server: String,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let served = rosetta_workloads::servers::http_server(&args.runtime, &args.server)
        .and_then(rosetta_workloads::servers::serve_until_stdin_eof);
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("http_server: {error}");
            ExitCode::from(2)
        }
    }
}
