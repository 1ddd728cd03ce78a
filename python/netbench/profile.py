#!/usr/bin/env python3
"""Counts what each request costs a server: CPU time, context switches and system calls.

For each server named, a process is started; the generator then sends a fixed number of requests
(no warm-up, so every request the server answers is counted) twice: once with `perf stat` attached
to the server (task-clock, context switches, CPU migrations; software events, which a VM without
hardware counters still has), once with `strace -f -c` attached (the number of each system call:
strace slows the server, the counts stay exact). Every figure is divided by the requests the server
answered: the generator's recorded requests plus the first exchange of each connection. The same
counts of the generator itself (`--side generator`) show what the load costs on its side.

perf and strace are Debian's packages (`apt-get install linux-perf strace`); the project's binary
must be built (`cargo build --release`).

    python3 python/netbench/profile.py echo:epoll echo:raw:tokio echo:native:tokio \\
        echo:streams:tokio echo:protocol:uvloop --connections 10 --requests 20000
"""

import argparse
import json
import re
import shutil
import signal
import subprocess
import tempfile
import time

import netrun

PERF_EVENTS = "task-clock,context-switches,cpu-migrations"


def attached(tool_command, pid, run):
    """Runs `run()` with `tool_command` attached to `pid`, stops the tool with SIGINT, returns what it
    wrote to its output file and `run()`'s value."""
    with tempfile.NamedTemporaryFile("r", suffix=".txt") as out:
        tool = subprocess.Popen(
            [*tool_command(out.name), "-p", str(pid)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        # Both tools take a moment to attach to every thread: nothing is sent before.
        time.sleep(0.5)
        try:
            value = run()
        finally:
            tool.send_signal(signal.SIGINT)
            tool.wait(timeout=30)
        return open(out.name, encoding="utf-8").read(), value


def perf_counts(text):
    """`perf stat -x,` output: event name to value (task-clock in ms)."""
    counts = {}
    for line in text.splitlines():
        fields = line.split(",")
        if len(fields) > 3 and fields[0] not in ("", "<not counted>", "<not supported>"):
            counts[fields[2]] = float(fields[0])
    return counts


def strace_counts(text):
    """`strace -c` summary: system call to calls (errors included)."""
    counts = {}
    for line in text.splitlines():
        match = re.match(r"^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:(\d+)\s+)?(\w+)\s*$", line)
        if match and match.group(3) != "total":
            counts[match.group(3)] = int(match.group(1))
    return counts


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("servers", nargs="+", help="WORKLOAD:SERVER[:RUNNER] each")
    parser.add_argument("--size", type=int, default=1024, help="echo message bytes, 1 to 1048576")
    parser.add_argument("--connections", type=int, default=10, help="from 1 to 1000")
    parser.add_argument("--requests", type=int, default=20000, help="from 100 to 10000000")
    parser.add_argument("--pin", choices=sorted(netrun.PINS), default="split")
    parser.add_argument("--side", choices=("server", "generator"), default="server")
    parser.add_argument("--loadgen-arg", action="append", default=[], help="passed to loadgen")
    args = parser.parse_args()
    rows = []
    try:
        netrun.check_ranges((
            ("--size", args.size, 1, 1 << 20),
            ("--connections", args.connections, 1, 1000),
            ("--requests", args.requests, 100, 10_000_000),
        ))
        for tool in ("perf", "strace"):
            if shutil.which(tool) is None:
                raise netrun.Refused(f"{tool} is not on PATH: install Debian's package")
        server_cpus, generator_cpus = netrun.PINS[args.pin]
        for spec in args.servers:
            workload = spec.split(":", 1)[0]
            with netrun.Server(spec, server_cpus) as server:

                def load(extra=()):
                    return netrun.loadgen(
                        server.addr, workload, args.size if workload == "echo" else 1024,
                        args.connections, generator_cpus, extra=[*args.loadgen_arg, *extra],
                        warmup_ms=0, duration_ms=600_000, requests=args.requests,
                    )

                if args.side == "server":
                    perf, report = attached(
                        lambda out: ["perf", "stat", "-x,", "-e", PERF_EVENTS, "-o", out],
                        server.pid, load)
                    calls, _ = attached(
                        lambda out: ["strace", "-f", "-c", "-o", out], server.pid, load)
                else:
                    perf, report, calls = profile_generator(server.addr, workload, args, generator_cpus)
            answered = report["requests"] + args.connections
            rows.append((spec, perf_counts(perf), strace_counts(calls), answered, report))
    except netrun.Refused as why:
        netrun.fail("profile.py", why)
    print(f"{args.side} side; {args.size if args.servers[0].startswith('echo') else 1024} B × "
          f"{args.connections} connections, {args.requests} requests, pinned: {args.pin}; "
          f"{netrun.machine()}\n")
    print("| server | CPU µs/request | context switches/request | migrations/request "
          "| system calls/request | the most frequent, per request |")
    print("|---|---|---|---|---|---|")
    for spec, perf, calls, answered, _ in rows:
        total = sum(calls.values())
        top = sorted(calls.items(), key=lambda item: -item[1])[:4]
        print(
            f"| {spec} | {perf.get('task-clock', 0) * 1000 / answered:.1f} "
            f"| {perf.get('context-switches', 0) / answered:.2f} "
            f"| {perf.get('cpu-migrations', 0) / answered:.3f} "
            f"| {total / answered:.2f} "
            f"| {', '.join(f'{name} {count / answered:.2f}' for name, count in top)} |"
        )


def profile_generator(addr, workload, args, cpus):
    """The generator's own counts: it runs under perf, then under strace, as a command of its own."""
    base = [
        str(netrun.rosetta()), "loadgen", "--addr", addr, "--mode", workload,
        "--size", str(args.size if workload == "echo" else 1024),
        "--connections", str(args.connections), "--warmup-ms", "0",
        "--duration-ms", "600000", "--requests", str(args.requests), *args.loadgen_arg,
    ]
    if cpus is not None:
        base += ["--cpus", cpus]
    with tempfile.NamedTemporaryFile("r", suffix=".txt") as perf_out, tempfile.NamedTemporaryFile(
        "r", suffix=".txt"
    ) as strace_out:
        done = subprocess.run(
            ["perf", "stat", "-x,", "-e", PERF_EVENTS, "-o", perf_out.name, *base],
            capture_output=True, text=True, timeout=600, check=False,
        )
        if done.returncode != 0:
            raise netrun.Refused(f"the generator failed under perf: {done.stderr.strip()}")
        subprocess.run(
            ["strace", "-f", "-c", "-o", strace_out.name, *base],
            capture_output=True, text=True, timeout=600, check=False,
        )
        return perf_out.read(), json.loads(done.stdout), strace_out.read()


if __name__ == "__main__":
    main()
