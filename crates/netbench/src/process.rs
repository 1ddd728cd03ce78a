//! A server started under the process contract: its ready line read, its address, its memory, and
//! its stop (stdin closed, exit 0 awaited, killed if it does not come).

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::error::NetError;

/// A running server process.
#[derive(Debug)]
pub struct ServerProcess {
    child: Child,
    stdin: Option<ChildStdin>,
    addr: SocketAddr,
    command: String,
    stderr: mpsc::Receiver<String>,
}

/// Parses the contract's ready line, `listening 127.0.0.1:PORT`.
///
/// ```
/// use rosetta_netbench::process::ready_line;
///
/// assert_eq!(ready_line("listening 127.0.0.1:8080\n").unwrap().port(), 8080);
/// assert!(ready_line("listening on 8080").is_err());
/// assert!(ready_line("listening 10.0.0.1:80").is_err());
/// ```
///
/// # Errors
///
/// A message quoting the line and saying what was expected.
pub fn ready_line(line: &str) -> Result<SocketAddr, String> {
    line.trim_end()
        .strip_prefix("listening ")
        .and_then(|addr| addr.parse::<SocketAddr>().ok())
        .filter(|addr| addr.ip().is_loopback())
        .ok_or_else(|| format!("its first line was {line:?}, not `listening 127.0.0.1:PORT`"))
}

fn shown(command: &Command) -> String {
    let mut line = command.get_program().to_string_lossy().into_owned();
    for arg in command.get_args() {
        line.push(' ');
        line.push_str(&arg.to_string_lossy());
    }
    line
}

impl ServerProcess {
    /// Starts `command` and waits up to `within` for its ready line.
    ///
    /// # Errors
    ///
    /// [`NetError::Start`] when it cannot be spawned, exits, or writes no good ready line in time,
    /// with what it wrote on stderr.
    pub fn start(mut command: Command, within: Duration) -> Result<ServerProcess, NetError> {
        let line = shown(&command);
        let failed = |why: String, stderr: String| NetError::Start {
            command: line.clone(),
            why,
            stderr: if stderr.trim().is_empty() {
                String::new()
            } else {
                format!(": {}", stderr.trim())
            },
        };
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|error| failed(format!("cannot run it: {error}"), String::new()))?;
        let stdin = child.stdin.take();
        let (stdout, stderr) = (child.stdout.take(), child.stderr.take());
        let (line_sent, line_got) = mpsc::channel();
        if let Some(stdout) = stdout {
            std::thread::spawn(move || {
                let mut first = String::new();
                let mut reader = BufReader::new(stdout);
                let _ = line_sent.send(reader.read_line(&mut first).map(|_| first));
                // Whatever else it writes is read and dropped, so it never blocks on a full pipe.
                let _ = std::io::copy(&mut reader, &mut std::io::sink());
            });
        }
        let (err_sent, err_got) = mpsc::channel();
        if let Some(mut stderr) = stderr {
            std::thread::spawn(move || {
                let mut text = String::new();
                let _ = stderr.read_to_string(&mut text);
                let _ = err_sent.send(text);
            });
        }
        let mut server = ServerProcess {
            child,
            stdin,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            command: line.clone(),
            stderr: err_got,
        };
        let outcome = match line_got.recv_timeout(within) {
            Ok(Ok(first)) if first.is_empty() => Err("it exited without a ready line".to_owned()),
            Ok(Ok(first)) => ready_line(&first),
            Ok(Err(error)) => Err(format!("its stdout could not be read: {error}")),
            Err(_) => Err(format!("no ready line within {} s", within.as_secs_f64())),
        };
        match outcome {
            Ok(addr) => {
                server.addr = addr;
                Ok(server)
            }
            Err(why) => {
                let _ = server.child.kill();
                let _ = server.child.wait();
                let stderr = server
                    .stderr
                    .recv_timeout(Duration::from_secs(2))
                    .unwrap_or_default();
                Err(failed(why, stderr))
            }
        }
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Its peak resident set so far, in KiB (`VmHWM`), where the OS says.
    pub fn peak_rss_kib(&self) -> Option<u64> {
        crate::os::status_kib(self.pid(), "VmHWM")
    }

    /// Its resident set now, in KiB (`VmRSS`).
    pub fn rss_kib(&self) -> Option<u64> {
        crate::os::status_kib(self.pid(), "VmRSS")
    }

    /// Whether it is still running.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Closes its stdin and waits up to `within` for it to exit 0, and returns what it wrote on
    /// stderr; kills it otherwise.
    ///
    /// # Errors
    ///
    /// [`NetError::Stop`] when it does not exit in time (it is killed) or exits otherwise than 0.
    pub fn stop(mut self, within: Duration) -> Result<String, NetError> {
        self.stdin.take();
        let deadline = Instant::now() + within;
        loop {
            match self.child.try_wait()? {
                Some(status) if status.success() => {
                    return Ok(self
                        .stderr
                        .recv_timeout(Duration::from_secs(2))
                        .unwrap_or_default());
                }
                Some(status) => {
                    let stderr = self
                        .stderr
                        .recv_timeout(Duration::from_secs(1))
                        .unwrap_or_default();
                    return Err(NetError::Stop {
                        command: self.command.clone(),
                        why: format!("it exited with {status}: {}", stderr.trim()),
                    });
                }
                None if Instant::now() >= deadline => {
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    return Err(NetError::Stop {
                        command: self.command.clone(),
                        why: format!(
                            "still running {} s after its stdin closed; killed",
                            within.as_secs_f64()
                        ),
                    });
                }
                None => std::thread::sleep(Duration::from_millis(5)),
            }
        }
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
