"""What the network measurement scripts share: the servers they start, the generator they run.

A server is named `WORKLOAD:SERVER[:RUNNER]`, as `rosetta netserve` and the Python servers take it:
`echo:raw:tokio`, `echo:epoll`, `http:native:tokio-mt`, `echo:streams:uvloop`, `http:aiohttp:rloop`.
A runner that is a Python loop (asyncio, uvloop, rloop) runs the Python server on the project's venv
(target/python-venv, made by the first `cargo run --release`); any other runs `rosetta netserve`.
Servers and the generator may be pinned: `none` (the kernel places both), `split` (server on CPU 0,
generator on CPU 1) or `same` (both on CPU 0). The binary is target/release/rosetta, or `ROSETTA_BIN`.
"""

import json
import os
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
ROSETTA = pathlib.Path(os.environ.get("ROSETTA_BIN", ROOT / "target" / "release" / "rosetta"))
VENV_PYTHON = ROOT / "target" / "python-venv" / "bin" / "python"
PYTHON_LOOPS = ("asyncio", "uvloop", "rloop")
PINS = {"none": (None, None), "split": ("0", "1"), "same": ("0", "0")}
READY_WITHIN_S = 30


class Refused(Exception):
    """A bad argument or a missing tool: the message says what was wrong and what is valid."""


def rosetta():
    """The release binary, which must be built first."""
    if not ROSETTA.is_file():
        raise Refused(f"{ROSETTA} is missing: build it first with `cargo build --release`")
    return ROSETTA


def server_command(spec):
    """The command line of the server named `spec`."""
    parts = spec.split(":")
    if len(parts) not in (2, 3) or parts[0] not in ("echo", "http"):
        raise Refused(
            f"`{spec}` is not a server: WORKLOAD:SERVER[:RUNNER], WORKLOAD echo or http, "
            "e.g. echo:raw:tokio, echo:epoll, http:aiohttp:uvloop"
        )
    workload, server = parts[0], parts[1]
    runner = parts[2] if len(parts) == 3 else None
    if runner in PYTHON_LOOPS:
        if not VENV_PYTHON.is_file():
            raise Refused(f"{VENV_PYTHON} is missing: `cargo run --release` makes the venv")
        if workload == "echo":
            script = ROOT / "python" / "netbench" / "echo_server.py"
            return [str(VENV_PYTHON), str(script), "--style", server, "--loop", runner]
        script = ROOT / "python" / "netbench" / "http_server.py"
        return [str(VENV_PYTHON), str(script), "--loop", runner]
    command = [str(rosetta()), "netserve", "--workload", workload, "--server", server]
    if runner is not None:
        command += ["--runtime", runner]
    return command


def pinned(command, cpus):
    """`command` under `taskset` when `cpus` is set."""
    return command if cpus is None else ["taskset", "-c", cpus, *command]


class Server:
    """A server process under the contract: started, its address read, stopped by closing stdin."""

    def __init__(self, spec, cpus=None):
        self.spec = spec
        self.process = subprocess.Popen(
            pinned(server_command(spec), cpus),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        line = self.process.stdout.readline().strip()
        if not line.startswith("listening "):
            self.process.kill()
            raise Refused(f"{spec} did not start: {line!r} {self.process.stderr.read().strip()}")
        self.addr = line.removeprefix("listening ")
        self.pid = self.process.pid

    def stop(self):
        """Closes stdin and waits for the exit (bounded)."""
        self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def __enter__(self):
        return self

    def __exit__(self, *_):
        self.stop()


def loadgen(addr, workload, size, connections, cpus=None, extra=(), **window):
    """Runs `rosetta loadgen` and returns its JSON report; `window` holds warmup_ms, duration_ms,
    requests."""
    command = [
        str(rosetta()), "loadgen", "--addr", addr, "--mode", workload,
        "--size", str(size), "--connections", str(connections),
    ]
    for key, value in window.items():
        if value is not None:
            command += [f"--{key.replace('_', '-')}", str(value)]
    command += list(extra)
    if cpus is not None:
        command += ["--cpus", cpus]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    if done.returncode != 0:
        raise Refused(f"the generator failed: {done.stderr.strip()}")
    report = json.loads(done.stdout)
    if report["errors"]:
        raise Refused(f"the generator counted errors: {report['first_error']}")
    return report


def check_ranges(ranges):
    """Refuses the first `(name, value, low, high)` whose value is outside low..=high."""
    for name, value, low, high in ranges:
        if not low <= value <= high:
            raise Refused(f"{name} {value} is not from {low} to {high}")


def median(values):
    """The median of a non-empty list."""
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def machine():
    """One line naming the machine and the kernel, for the tables' captions."""
    model = "unknown CPU"
    try:
        for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} CPUs, Linux {os.uname().release}"


def fail(program, why):
    """The scripts' exit on a refused argument: the message on stderr, exit 2."""
    print(f"{program}: {why}", file=sys.stderr)
    sys.exit(2)
