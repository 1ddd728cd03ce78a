//! The network comparison, measured as vmbench and rloop measure it: servers in processes of their
//! own, a load generator in another, points run in rotated rounds across the servers.
//!
//! - [`servers`]: the one table of servers ([`SERVERS`]), one entry per server, each a command line
//!   under the **server process contract**: bind 127.0.0.1 port 0, write one line
//!   `listening 127.0.0.1:PORT` to stdout, serve until stdin reaches end of file, exit 0; bad
//!   arguments or a failed bind, a message on stderr and exit 2. Rust servers are
//!   `rosetta netserve --workload W --server S [--runtime R] [--workers N]` ([`serve`]); Python ones
//!   are scripts under `python/netbench/` run on the venv's interpreter with `--loop L`.
//! - [`process`]: a server started under the contract, its address, its peak RSS (`VmHWM`), its stop.
//! - [`loadgen`]: the load generator (`rosetta loadgen`), closed loop: each connection sends a
//!   request, waits for the whole answer, verifies every byte, sends the next; driven by a few epoll
//!   loops (the default) or a thread per connection (the cross-check); warm-up, then a bounded
//!   window; requests/s, the latency distribution (HdrHistogram) and the generator's CPU time.
//! - [`measure`]: a point (message size × connections) on a list of server instances, in rotated
//!   rounds, each round a fresh generator process against servers started once per point; the
//!   server's CPU time read around each run.
//! - [`os`]: the descriptor limit, CPU pinning and a process's CPU time, through rustix or `/proc`.
//!
//! # Examples
//!
//! ```
//! use rosetta_netbench::{NetWorkload, servers};
//!
//! let echo: Vec<&str> = servers::of(NetWorkload::Echo).map(|server| server.id).collect();
//! assert!(echo.contains(&"streams") && echo.contains(&"floor") && echo.contains(&"protocol"));
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]

mod error;
pub mod loadgen;
pub mod measure;
pub mod os;
pub mod process;
pub mod serve;
pub mod servers;

pub use error::NetError;
pub use loadgen::{Load, LoadgenArgs, Mode, Report};
pub use serve::NetserveArgs;
pub use servers::{Instance, Launch, NetWorkload, On, SERVERS, ServerEntry};
