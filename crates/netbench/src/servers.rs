//! The one table of servers: every server the network comparison measures, one entry each, and the
//! instances a measurement runs (a server on a runtime, on a Python loop, or on nothing).
//!
//! Adding a server is one entry in [`SERVERS`]: a Rust one names the function `rosetta netserve`
//! calls; a Python one names its script under `python/`. The HTTP servers are the same kind of entry,
//! over `rosetta_workloads::servers`.

use std::path::{Path, PathBuf};
use std::process::Command;

use rosetta_runtimes::Config;
use rosetta_workloads::echo::{EchoServer, Ready, serve_echo};
use serde::{Deserialize, Serialize};

/// A network workload: what the servers serve and the generator asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NetWorkload {
    /// A message sent, the same bytes back.
    Echo,
    /// `GET /` over HTTP/1.1 keep-alive, a 1 KiB body back.
    Http,
}

impl NetWorkload {
    /// Every network workload.
    pub const ALL: [NetWorkload; 2] = [NetWorkload::Echo, NetWorkload::Http];

    /// Its id on the command line and in results.
    pub fn id(self) -> &'static str {
        match self {
            NetWorkload::Echo => "echo",
            NetWorkload::Http => "http",
        }
    }

    /// The workload with this id, or a message listing the valid ones.
    ///
    /// # Errors
    ///
    /// The message, for an unknown id.
    pub fn find(id: &str) -> Result<NetWorkload, String> {
        NetWorkload::ALL
            .into_iter()
            .find(|workload| workload.id() == id)
            .ok_or_else(|| format!("unknown workload `{id}`, valid are echo, http"))
    }

    /// A heading for tables and charts.
    pub fn title(self) -> &'static str {
        match self {
            NetWorkload::Echo => "echo (a message, the same bytes back, the next message)",
            NetWorkload::Http => "HTTP/1.1 keep-alive GET (a 1 KiB body)",
        }
    }
}

/// The size of the body every HTTP server returns for `GET /`.
pub const HTTP_BODY: usize = 1024;

/// A Rust server: binds on the runtime named (or on none), calls `ready`, serves until the process
/// ends. Any error type converts into its error with `?` or `.map_err(Into::into)`; a runtime this
/// machine cannot run says `unavailable: ...` in its message (`RuntimeError::Unavailable`).
pub type RustServe = fn(Option<&str>, &Config, Ready<'_>) -> Result<(), ServeError>;

/// Why a Rust server stopped: any error of the crate that wrote it.
pub type ServeError = Box<dyn std::error::Error + Send + Sync>;

/// How a server is started.
#[derive(Debug, Clone, Copy)]
pub enum Launch {
    /// `rosetta netserve`, which calls `serve`.
    Rust {
        /// The server.
        serve: RustServe,
        /// Whether it runs on each runtime of the registry (`--runtime R`), or on none (a floor).
        per_runtime: bool,
        /// Whether the runtime with this id has it (a runtime without a native server has none).
        has: fn(&str) -> bool,
    },
    /// A script under `python/`, run on the venv's interpreter with `--loop L` for each loop.
    Python {
        /// The script, relative to the repository root.
        script: &'static str,
        /// Its arguments before `--loop`.
        args: &'static [&'static str],
    },
}

/// One server of the comparison.
#[derive(Debug, Clone, Copy)]
pub struct ServerEntry {
    /// The workload it serves.
    pub workload: NetWorkload,
    /// Its id (`streams`, `native`, `floor`, `protocol`...), unique within its workload and launch.
    pub id: &'static str,
    /// What it is, in a few words.
    pub summary: &'static str,
    /// How it is started.
    pub launch: Launch,
}

fn everywhere(_: &str) -> bool {
    true
}

/// The Python echo servers' script.
const ECHO_PY: &str = "python/netbench/echo_server.py";

/// The aiohttp server's script.
const HTTP_PY: &str = "python/netbench/http_server.py";

/// Serves `GET /` with the HTTP server of `kind` (`trait` or `native`) on the runtime `rt` built with
/// `config` (its worker count, as the echo servers take it), until the process ends: the stop signal
/// is never given.
fn serve_http(
    kind: &str,
    rt: Option<&str>,
    config: &Config,
    ready: Ready<'_>,
) -> Result<(), ServeError> {
    let rt = rt.ok_or("an HTTP server runs on a runtime: give --runtime")?;
    let server = rosetta_workloads::servers::http_server(rt, kind)?;
    let (_never, stop) = rosetta_workloads::net::stop_signal();
    server.serve(
        config,
        rosetta_workloads::servers::Settings::DEFAULT,
        &mut |addr| {
            ready(addr);
            Ok(())
        },
        stop,
    )?;
    Ok(())
}

/// Whether the runtime `id` has a native HTTP server.
fn has_native_http(id: &str) -> bool {
    rosetta_workloads::servers::http_server(id, "native").is_ok()
}

/// Every server, in the order tables show them: the Rust ones, the floors, then Python's.
pub const SERVERS: &[ServerEntry] = &[
    ServerEntry {
        workload: NetWorkload::Echo,
        id: "streams",
        summary: "the toolkit's streams over the trait (read, write, drain)",
        launch: Launch::Rust {
            serve: |rt, config, ready| Ok(serve_echo(EchoServer::Streams, rt, config, ready)?),
            per_runtime: true,
            has: everywhere,
        },
    },
    ServerEntry {
        workload: NetWorkload::Echo,
        id: "raw",
        summary: "raw reads and writes on the Io trait's stream",
        launch: Launch::Rust {
            serve: |rt, config, ready| Ok(serve_echo(EchoServer::Raw, rt, config, ready)?),
            per_runtime: true,
            has: everywhere,
        },
    },
    ServerEntry {
        workload: NetWorkload::Echo,
        id: "native",
        summary: "the runtime's own API",
        launch: Launch::Rust {
            serve: |rt, config, ready| Ok(serve_echo(EchoServer::Native, rt, config, ready)?),
            per_runtime: true,
            has: rosetta_workloads::echo::has_native_echo,
        },
    },
    ServerEntry {
        workload: NetWorkload::Echo,
        id: "floor",
        summary: "blocking std::net, a thread per connection",
        launch: Launch::Rust {
            serve: |rt, config, ready| Ok(serve_echo(EchoServer::Floor, rt, config, ready)?),
            per_runtime: false,
            has: everywhere,
        },
    },
    ServerEntry {
        workload: NetWorkload::Echo,
        id: "epoll",
        summary: "one thread, epoll over non-blocking sockets (rustix)",
        launch: Launch::Rust {
            serve: |rt, config, ready| Ok(serve_echo(EchoServer::Epoll, rt, config, ready)?),
            per_runtime: false,
            has: everywhere,
        },
    },
    ServerEntry {
        workload: NetWorkload::Echo,
        id: "streams",
        summary: "asyncio.start_server (read, write, drain)",
        launch: Launch::Python {
            script: ECHO_PY,
            args: &["--style", "streams"],
        },
    },
    ServerEntry {
        workload: NetWorkload::Echo,
        id: "protocol",
        summary: "an asyncio.Protocol writing back in data_received",
        launch: Launch::Python {
            script: ECHO_PY,
            args: &["--style", "protocol"],
        },
    },
    ServerEntry {
        workload: NetWorkload::Echo,
        id: "sock",
        summary: "loop.sock_recv and loop.sock_sendall on a raw socket",
        launch: Launch::Python {
            script: ECHO_PY,
            args: &["--style", "sock"],
        },
    },
    ServerEntry {
        workload: NetWorkload::Http,
        id: "trait",
        summary: "hyper's HTTP/1.1 server over the trait (rosetta-http)",
        launch: Launch::Rust {
            serve: |rt, config, ready| serve_http("trait", rt, config, ready),
            per_runtime: true,
            has: everywhere,
        },
    },
    ServerEntry {
        workload: NetWorkload::Http,
        id: "native",
        summary: "hyper on the runtime's own API (hyper-util, smol-hyper, cyper-core)",
        launch: Launch::Rust {
            serve: |rt, config, ready| serve_http("native", rt, config, ready),
            per_runtime: true,
            has: has_native_http,
        },
    },
    ServerEntry {
        workload: NetWorkload::Http,
        id: "aiohttp",
        summary: "aiohttp's web server (AppRunner, TCPSite)",
        launch: Launch::Python {
            script: HTTP_PY,
            args: &[],
        },
    },
];

/// The servers of `workload`, in table order.
pub fn of(workload: NetWorkload) -> impl Iterator<Item = &'static ServerEntry> {
    SERVERS
        .iter()
        .filter(move |server| server.workload == workload)
}

/// The Rust server `id` of `workload`, or a message listing the valid ones.
///
/// # Errors
///
/// The message, for an id that names no Rust server of the workload.
pub fn rust(workload: NetWorkload, id: &str) -> Result<&'static ServerEntry, String> {
    let valid: Vec<&'static ServerEntry> = of(workload)
        .filter(|server| matches!(server.launch, Launch::Rust { .. }))
        .collect();
    valid
        .iter()
        .copied()
        .find(|server| server.id == id)
        .ok_or_else(|| {
            let ids: Vec<&str> = valid.iter().map(|server| server.id).collect();
            if ids.is_empty() {
                format!("no {} server is written yet", workload.id())
            } else {
                format!(
                    "unknown {} server `{id}`, valid are {}",
                    workload.id(),
                    ids.join(", ")
                )
            }
        })
}

/// The Python event loops a Python server runs on; its runner is `python-<loop>`.
pub const PYTHON_LOOPS: [&str; 3] = ["asyncio", "uvloop", "rloop"];

/// Where a server instance runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum On {
    /// A runtime of the registry, by id.
    Runtime(&'static str),
    /// No runtime: a floor.
    Floor,
    /// A Python loop, one of [`PYTHON_LOOPS`].
    Python(&'static str),
}

/// One server on one runtime (or loop, or none): what a measurement starts as a process.
#[derive(Debug, Clone, Copy)]
pub struct Instance {
    /// The server.
    pub server: &'static ServerEntry,
    /// Where it runs.
    pub on: On,
    /// Worker threads for a multi-thread runtime (`--workers`), or the runtime's default.
    pub workers: Option<usize>,
}

impl Instance {
    /// Who ran it, as results name it: the runtime id, `floor`, or `python-<loop>`.
    pub fn runner(&self) -> String {
        match self.on {
            On::Runtime(id) => id.to_owned(),
            On::Floor => "floor".to_owned(),
            On::Python(name) => format!("python-{name}"),
        }
    }

    /// The command that starts it under the contract: `exe netserve ...` for a Rust server, the
    /// script on `python` for a Python one.
    ///
    /// # Errors
    ///
    /// [`NetError::NoPython`](crate::NetError::NoPython) for a Python server without `python`.
    pub fn command(
        &self,
        exe: &Path,
        python: Result<&Path, &str>,
        root: &Path,
    ) -> Result<Command, crate::NetError> {
        match (self.server.launch, self.on) {
            (Launch::Python { script, args }, On::Python(name)) => {
                let script = root.join(script);
                let python = python.map_err(|why| crate::NetError::NoPython {
                    script: script.clone(),
                    why: why.to_owned(),
                })?;
                let mut command = Command::new(python);
                command.arg(script).args(args).args(["--loop", name]);
                Ok(command)
            }
            (_, on) => {
                let mut command = Command::new(exe);
                command.args([
                    "netserve",
                    "--workload",
                    self.server.workload.id(),
                    "--server",
                    self.server.id,
                ]);
                if let On::Runtime(id) = on {
                    command.args(["--runtime", id]);
                }
                if let Some(workers) = self.workers {
                    command.args(["--workers", &workers.to_string()]);
                }
                Ok(command)
            }
        }
    }
}

/// Every instance of `workload`: each Rust server on each runtime of `runtimes` that has it, the
/// floors, and with `python` each Python server on each loop, in table order.
pub fn instances(workload: NetWorkload, runtimes: &[&'static str], python: bool) -> Vec<Instance> {
    let mut out = Vec::new();
    let servers: Vec<&'static ServerEntry> = of(workload).collect();
    for runtime in runtimes {
        for server in &servers {
            if let Launch::Rust {
                per_runtime: true,
                has,
                ..
            } = server.launch
                && has(runtime)
            {
                out.push(Instance {
                    server,
                    on: On::Runtime(runtime),
                    workers: None,
                });
            }
        }
    }
    for server in &servers {
        if let Launch::Rust {
            per_runtime: false, ..
        } = server.launch
        {
            out.push(Instance {
                server,
                on: On::Floor,
                workers: None,
            });
        }
    }
    if python {
        for name in PYTHON_LOOPS {
            for server in &servers {
                if let Launch::Python { .. } = server.launch {
                    out.push(Instance {
                        server,
                        on: On::Python(name),
                        workers: None,
                    });
                }
            }
        }
    }
    out
}

/// The repository root's `python/` script path of a Python server, for messages.
pub fn script_path(root: &Path, server: &ServerEntry) -> Option<PathBuf> {
    match server.launch {
        Launch::Python { script, .. } => Some(root.join(script)),
        Launch::Rust { .. } => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_within_a_workload_and_launch() {
        for (index, server) in SERVERS.iter().enumerate() {
            let python = matches!(server.launch, Launch::Python { .. });
            assert!(
                SERVERS[..index].iter().all(|seen| {
                    seen.workload != server.workload
                        || seen.id != server.id
                        || matches!(seen.launch, Launch::Python { .. }) != python
                }),
                "{} {} twice",
                server.workload.id(),
                server.id
            );
        }
    }

    #[test]
    fn every_runtime_gets_each_rust_server_and_the_floor_and_python_come_after() {
        let ids: Vec<&'static str> = rosetta_runtimes::RUNTIMES.iter().map(|rt| rt.id).collect();
        let all = instances(NetWorkload::Echo, &ids, true);
        let runners: Vec<String> = all.iter().map(Instance::runner).collect();
        for id in &ids {
            assert!(
                all.iter()
                    .any(|i| i.on == On::Runtime(id) && i.server.id == "streams"),
                "{id}"
            );
        }
        let floor = runners.iter().position(|r| r == "floor").expect("a floor");
        let python = runners
            .iter()
            .position(|r| r.starts_with("python-"))
            .expect("python");
        assert!(floor < python);
        assert_eq!(
            all.iter().filter(|i| matches!(i.on, On::Python(_))).count(),
            9
        );
        assert!(
            instances(NetWorkload::Echo, &ids, false)
                .iter()
                .all(|i| !matches!(i.on, On::Python(_)))
        );
    }

    #[test]
    fn unknown_names_list_the_valid_ones() {
        assert_eq!(
            rust(NetWorkload::Echo, "stream").expect_err("no such server"),
            "unknown echo server `stream`, valid are streams, raw, native, floor, epoll"
        );
        assert!(
            NetWorkload::find("ekko")
                .expect_err("no such workload")
                .contains("valid are echo, http")
        );
    }

    fn args_of(command: &Command) -> Vec<String> {
        command
            .get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn a_rust_instance_runs_netserve_and_a_python_one_its_script() {
        let ids = ["smol-mt"];
        let all = instances(NetWorkload::Echo, &ids, true);
        let mut raw = all[1];
        raw.workers = Some(3);
        let command = raw
            .command(
                Path::new("/bin/rosetta"),
                Err("no venv"),
                Path::new("/repo"),
            )
            .expect("rust needs no python");
        let args = args_of(&command);
        assert_eq!(
            args,
            [
                "netserve",
                "--workload",
                "echo",
                "--server",
                "raw",
                "--runtime",
                "smol-mt",
                "--workers",
                "3"
            ]
        );
        let python = all
            .iter()
            .find(|i| i.on == On::Python("uvloop"))
            .expect("uvloop");
        assert!(matches!(
            python.command(
                Path::new("/bin/rosetta"),
                Err("no venv"),
                Path::new("/repo")
            ),
            Err(crate::NetError::NoPython { .. })
        ));
        let command = python
            .command(
                Path::new("/bin/rosetta"),
                Ok(Path::new("/venv/python")),
                Path::new("/repo"),
            )
            .expect("a python");
        let args = args_of(&command);
        assert_eq!(
            args,
            [
                "/repo/python/netbench/echo_server.py",
                "--style",
                "streams",
                "--loop",
                "uvloop"
            ]
        );
    }
}
