//! Mirrors the asyncio docs' "TCP echo server using streams": a server that reads a message, says
//! where it came from, echoes it and closes the connection.
//!
//! The docs' server serves forever on port 8888; this one binds 127.0.0.1 port 0 and, so that the
//! program ends by itself, is visited by `--clients` silent echo clients, one after the other, then
//! closed (the reference program does the same).

use std::net::{Ipv4Addr, SocketAddr};

use rosetta_asyncio::streams::start_server;
use rosetta_asyncio::{Io, Runtime};

use crate::echo::{MESSAGE, handle_echo, py_addr, tcp_echo_client};
use crate::{Ctx, ScenarioError, ScenarioInfo};

/// This scenario.
pub const INFO: ScenarioInfo = ScenarioInfo {
    id: "echo_server",
    mirrors: "the asyncio docs' TCP echo server using streams",
    summary: "a streams server: reads a message, says where it came from, echoes it, closes",
    test_scale: 1.0,
    seeded: false,
    args,
    test_args: &["--clients", "3"],
    expect: crate::same_everywhere,
    verify: crate::no_checks,
};

/// The most clients a run serves.
pub const MAX_CLIENTS: u64 = 100;

fn args() -> clap::Command {
    clap::Command::new("echo_server.py")
        .about("The asyncio docs' echo server, on 127.0.0.1 port 0, visited by --clients clients in turn.")
        .arg(
            clap::Arg::new("clients")
                .long("clients")
                .value_name("N")
                .default_value("1")
                .value_parser(clap::value_parser!(u64).range(1..=MAX_CLIENTS))
                .help(format!("How many clients visit it, one after the other (1..={MAX_CLIENTS})")),
        )
}

async fn main<R: Runtime + Io>(ctx: &Ctx, clients: u64) -> Result<(), ScenarioError> {
    let failed = |error: rosetta_asyncio::streams::StreamError| ScenarioError::Failed(error.to_string());
    let handler_ctx = ctx.clone();
    let server = start_server::<R, _, _>(
        move |reader, writer| handle_echo::<R>(Some(handler_ctx.clone()), reader, writer),
        SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
    )
    .await
    .map_err(failed)?;
    ctx.say(format!("Serving on {}", py_addr(Some(server.local_addr()))));
    for _ in 0..clients {
        let echoed = tcp_echo_client::<R>(None, server.local_addr(), MESSAGE)
            .await
            .map_err(failed)?;
        if echoed != MESSAGE {
            return Err(ScenarioError::Failed(format!("the echo was {echoed:?}")));
        }
    }
    server.close();
    server.wait_closed().await;
    Ok(())
}

/// Runs the program.
///
/// # Errors
///
/// Bad arguments, a loop that cannot be created, a socket error.
pub fn run<R: Runtime + Io>(ctx: &Ctx) -> Result<(), ScenarioError> {
    let matches = args()
        .try_get_matches_from(std::iter::once("echo_server.py".to_owned()).chain(ctx.args.iter().cloned()))
        .map_err(|error| ScenarioError::Args(error.to_string()))?;
    let clients = matches.get_one::<u64>("clients").copied().unwrap_or(1);
    ctx.asyncio_run::<R, _>(main::<R>(ctx, clients))?
}
