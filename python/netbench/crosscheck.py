#!/usr/bin/env python3
"""Cross-checks the project's load generator against wrk at one HTTP point.

One server is started (by default hyper on tokio's native API); then, in rounds, wrk and
`rosetta loadgen` (each of its engines) load it in turn for the same window at the same number of
keep-alive connections, in an order that rotates each round. Both send `GET / HTTP/1.1` with `Host`
and read the 1 KiB answer; wrk on one thread with its epoll loop. The table gives each tool's
requests/s (median of the rounds, and every round's) and its p50 and p99 latency (wrk's `--latency`
percentiles, the generator's HdrHistogram). If the generator's figures match wrk's, the generator is
not what limits the server at that point.

wrk is Debian's package (`apt-get install wrk`); the project's binary must be built
(`cargo build --release`).

    python3 python/netbench/crosscheck.py --server http:native:tokio --connections 10 --pin split
"""

import argparse
import re
import shutil
import subprocess

import netrun

ENGINES = ("epoll", "threads")


def wrk(addr, connections, seconds, cpus):
    """One wrk run: requests/s, p50 and p99 in µs."""
    command = netrun.pinned(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", f"http://{addr}/"], cpus
    )
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, check=False)
    if done.returncode != 0:
        raise netrun.Refused(f"wrk failed: {done.stderr.strip() or done.stdout.strip()}")
    out = done.stdout
    if re.search(r"Non-2xx|Socket errors", out):
        raise netrun.Refused(f"wrk saw errors:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def percentile(name):
        value, unit = re.search(rf"^\s+{name}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()
        return float(value) * {"us": 1, "ms": 1e3, "s": 1e6}[unit]

    return rps, percentile("50"), percentile("99")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", default="http:native:tokio", help="WORKLOAD:SERVER[:RUNNER]")
    parser.add_argument("--connections", type=int, default=10, help="from 1 to 1000")
    parser.add_argument("--seconds", type=int, default=2, help="each run's window, from 1 to 60")
    parser.add_argument("--rounds", type=int, default=3, help="from 1 to 20")
    parser.add_argument("--pin", choices=sorted(netrun.PINS), default="none")
    args = parser.parse_args()
    try:
        netrun.check_ranges((
            ("--connections", args.connections, 1, 1000),
            ("--seconds", args.seconds, 1, 60),
            ("--rounds", args.rounds, 1, 20),
        ))
        if not args.server.startswith("http:"):
            raise netrun.Refused(f"`{args.server}` is not an HTTP server: wrk speaks HTTP only")
        if shutil.which("wrk") is None:
            raise netrun.Refused("wrk is not on PATH: install Debian's package (apt-get install wrk)")
        server_cpus, generator_cpus = netrun.PINS[args.pin]
        tools = ["wrk", *(f"loadgen --engine {engine}" for engine in ENGINES)]
        found = {tool: [] for tool in tools}
        with netrun.Server(args.server, server_cpus) as server:
            for round_ in range(args.rounds):
                for tool in tools[round_ % len(tools):] + tools[: round_ % len(tools)]:
                    if tool == "wrk":
                        found[tool].append(wrk(server.addr, args.connections, args.seconds, generator_cpus))
                        continue
                    report = netrun.loadgen(
                        server.addr, "http", 1024, args.connections, generator_cpus,
                        extra=tool.split()[1:], warmup_ms=200, duration_ms=args.seconds * 1000,
                    )
                    found[tool].append((report["requests_per_s"], report["p50_us"], report["p99_us"]))
    except netrun.Refused as why:
        netrun.fail("crosscheck.py", why)
    print(f"{args.server} at {args.connections} connections, {args.rounds} rounds of {args.seconds} s, "
          f"pinned: {args.pin}; {netrun.machine()}\n")
    print("| generator | requests/s (median) | each round | p50 | p99 |")
    print("|---|---|---|---|---|")
    for tool, runs in found.items():
        each = ", ".join(f"{rps / 1000:.1f}k" for rps, _, _ in runs)
        rps = netrun.median([r for r, _, _ in runs])
        p50 = netrun.median([p for _, p, _ in runs])
        p99 = netrun.median([p for _, _, p in runs])
        print(f"| {tool} | {rps / 1000:.1f}k/s | {each} | {p50:.0f} µs | {p99:.0f} µs |")


if __name__ == "__main__":
    main()
