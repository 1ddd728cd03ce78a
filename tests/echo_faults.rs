//! The echo servers under load and faults, on every runtime: a thousand connections opened and
//! closed, a client that stops reading (backpressure: the server's memory stays bounded), clients
//! that reset mid-message, and one that connects and never sends. Through it all a well-behaved
//! client is served, every byte checked, and the server exits cleanly with nothing on stderr.
//!
//! Each server runs as `rosetta netserve` in a process of its own, so that its memory is its own; a
//! multi-thread or thread-per-core runtime on three workers, so that the connections are spread.

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use rosetta_netbench::process::ServerProcess;
use rosetta_runtimes::Runtime;

/// The servers over the trait and the runtime's own (where it has one).
const SERVERS: [&str; 3] = ["streams", "raw", "native"];

/// The workers of a runtime that takes a count: more than one whatever the machine's CPUs, so that
/// connections spread over workers (on the thread-per-core natives, over their `SO_REUSEPORT`
/// listeners, as the kernel picks).
const WORKERS: &str = "3";

/// Starts each server of [`SERVERS`] that `runtime` has, on [`WORKERS`] workers where it takes a
/// count; `None` for a runtime this machine cannot run (io_uring refused).
fn servers(runtime: &str) -> Option<Vec<(&'static str, ServerProcess)>> {
    let configurable = rosetta_runtimes::lookup(runtime)
        .expect("a runtime of the registry")
        .flavor
        .configurable_workers();
    let mut started = Vec::new();
    for server in SERVERS {
        if server == "native" && !rosetta_workloads::echo::has_native_echo(runtime) {
            continue;
        }
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_rosetta"));
        command.args([
            "netserve",
            "--workload",
            "echo",
            "--server",
            server,
            "--runtime",
            runtime,
        ]);
        if configurable {
            command.args(["--workers", WORKERS]);
        }
        match ServerProcess::start(command, Duration::from_secs(60)) {
            Ok(process) => started.push((server, process)),
            Err(error) if error.to_string().contains("unavailable") => return None,
            Err(error) => panic!("{server} on {runtime}: {error}"),
        }
    }
    Some(started)
}

fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect(addr).expect("connects");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    stream
        .set_write_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    stream
}

/// A well-behaved client's exchange: `size` bytes out, the same back, every byte checked.
fn exchange(stream: &mut TcpStream, size: usize, seed: u8) {
    let message: Vec<u8> = (0..size)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect();
    stream.write_all(&message).expect("writes");
    let mut back = vec![0; size];
    stream.read_exact(&mut back).expect("the echo comes back");
    assert!(back == message, "the echo differs");
}

/// Checks that `server` still serves a new client, then stops it: exit 0, no panic on stderr.
fn still_serving_then_stop(name: &str, mut server: ServerProcess) {
    assert!(server.is_running(), "{name} died");
    let mut client = connect(server.addr());
    exchange(&mut client, 100 * 1024, 7);
    drop(client);
    let stderr = server
        .stop(Duration::from_secs(30))
        .unwrap_or_else(|error| panic!("{name}: {error}"));
    assert!(!stderr.contains("panicked"), "{name}: {stderr}");
}

rosetta_runtimes::conformance! {
    #[test]
    fn a_thousand_connections_opened_and_closed_leave_the_server_serving() {
        let Some(servers) = servers(Rt::INFO.id) else { return };
        for (name, server) in servers {
            let mut steady = connect(server.addr());
            for round in 0..1000u32 {
                // Each connection finishes one exchange before the next opens: the accept queue
                // (backlog 128) never overflows into the kernel's SYN retries.
                let mut brief = connect(server.addr());
                exchange(&mut brief, 1 + (round as usize % 64), round as u8);
                drop(brief);
                if round % 100 == 0 {
                    exchange(&mut steady, 1024, round as u8);
                }
            }
            exchange(&mut steady, 10 * 1024, 1);
            drop(steady);
            still_serving_then_stop(name, server);
        }
    }

    #[test]
    fn a_client_that_stops_reading_is_held_back_and_the_servers_memory_stays_bounded() {
        let Some(servers) = servers(Rt::INFO.id) else { return };
        for (name, server) in servers {
            let mut good = connect(server.addr());
            exchange(&mut good, 1024, 1);
            let before = server.rss_kib().expect("VmRSS");
            let mut greedy = connect(server.addr());
            greedy.set_write_timeout(Some(Duration::from_secs(2))).expect("timeout");
            // It writes up to 256 MiB and reads nothing: a server that kept reading would buffer
            // all of it. Once the socket buffers are full, its writes stop.
            let chunk = vec![0x5a; 64 * 1024];
            let mut sent = 0usize;
            while sent < 256 << 20 {
                match greedy.write(&chunk) {
                    Ok(n) => sent += n,
                    Err(error) if matches!(error.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => break,
                    Err(error) => panic!("{name}: the stalled client's write failed: {error}"),
                }
            }
            assert!(sent < 256 << 20, "{name}: 256 MiB went in without the client reading");
            exchange(&mut good, 10 * 1024, 2);
            let after = server.rss_kib().expect("VmRSS");
            // Generous: the socket buffers are the kernel's; the server's own share is one read
            // buffer and what it holds to write. 64 MiB is far below what was sent unread.
            assert!(
                after.saturating_sub(before) < 64 * 1024,
                "{name}: RSS grew from {before} KiB to {after} KiB with {sent} bytes sent unread"
            );
            drop(greedy);
            exchange(&mut good, 1024, 3);
            drop(good);
            still_serving_then_stop(name, server);
        }
    }

    #[test]
    fn clients_that_reset_mid_message_cost_only_their_own_connection() {
        let Some(servers) = servers(Rt::INFO.id) else { return };
        for (name, server) in servers {
            let mut good = connect(server.addr());
            for round in 0..50u8 {
                let mut rude = connect(server.addr());
                rude.write_all(&vec![round; 100 * 1024]).expect("writes");
                // Closed with the echo unread: the kernel answers with a reset, mid-message.
                drop(rude);
                exchange(&mut good, 1024, round);
            }
            drop(good);
            still_serving_then_stop(name, server);
        }
    }

    #[test]
    fn a_client_that_connects_and_never_sends_holds_up_no_one() {
        let Some(servers) = servers(Rt::INFO.id) else { return };
        for (name, server) in servers {
            let silent: Vec<TcpStream> = (0..10).map(|_| connect(server.addr())).collect();
            let mut good = connect(server.addr());
            for round in 0..20u8 {
                exchange(&mut good, 4096, round);
            }
            drop(good);
            drop(silent);
            still_serving_then_stop(name, server);
        }
    }
}
