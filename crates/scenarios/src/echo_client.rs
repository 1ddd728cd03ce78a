//! Mirrors the asyncio docs' "TCP echo client using streams": connects, sends a message, says what it
//! sent and what came back, closes.
//!
//! The docs' client connects to a server on port 8888 started by hand; this one first starts a silent
//! echo server of its own on 127.0.0.1 port 0, so that the program runs alone (the reference program
//! does the same).

use std::net::{Ipv4Addr, SocketAddr};

use rosetta_asyncio::streams::start_server;
use rosetta_asyncio::{Io, Runtime};

use crate::echo::{MESSAGE, READ, handle_echo, tcp_echo_client};
use crate::{Ctx, ScenarioError, ScenarioInfo};

/// This scenario.
pub const INFO: ScenarioInfo = ScenarioInfo {
    id: "echo_client",
    mirrors: "the asyncio docs' TCP echo client using streams",
    summary: "a streams client: sends a message, says what it sent and what came back",
    test_scale: 1.0,
    seeded: false,
    args,
    test_args: &[],
    expect: crate::same_everywhere,
    verify: crate::no_checks,
};

fn args() -> clap::Command {
    clap::Command::new("echo_client.py")
        .about("The asyncio docs' echo client, against a silent echo server of its own.")
        .arg(
            clap::Arg::new("message")
                .long("message")
                .value_name("TEXT")
                .default_value(MESSAGE)
                .value_parser(message)
                .help(format!("What it sends: 1 to {READ} bytes of UTF-8 (the server reads {READ})")),
        )
}

fn message(value: &str) -> Result<String, String> {
    if value.is_empty() || value.len() > READ {
        return Err(format!("{} bytes; 1 to {READ} are valid", value.len()));
    }
    Ok(value.to_owned())
}

async fn main<R: Runtime + Io>(ctx: &Ctx, message: &str) -> Result<(), ScenarioError> {
    let failed = |error: rosetta_asyncio::streams::StreamError| ScenarioError::Failed(error.to_string());
    let server = start_server::<R, _, _>(
        |reader, writer| handle_echo::<R>(None, reader, writer),
        SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
    )
    .await
    .map_err(failed)?;
    let outcome = tcp_echo_client::<R>(Some(ctx), server.local_addr(), message).await;
    server.close();
    server.wait_closed().await;
    outcome.map_err(failed)?;
    Ok(())
}

/// Runs the program.
///
/// # Errors
///
/// Bad arguments, a loop that cannot be created, a socket error.
pub fn run<R: Runtime + Io>(ctx: &Ctx) -> Result<(), ScenarioError> {
    let matches = args()
        .try_get_matches_from(std::iter::once("echo_client.py".to_owned()).chain(ctx.args.iter().cloned()))
        .map_err(|error| ScenarioError::Args(error.to_string()))?;
    let message = matches.get_one::<String>("message").cloned().unwrap_or_else(|| MESSAGE.to_owned());
    ctx.asyncio_run::<R, _>(main::<R>(ctx, &message))?
}
