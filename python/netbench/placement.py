#!/usr/bin/env python3
"""Measures how the placement of the server and the generator on the CPUs moves the figures.

Each server named is loaded at one point under each placement in turn, in rounds that rotate their
order: `same` (both processes on CPU 0), `split` (server on CPU 0, generator on CPU 1) and `none`
(the kernel places both). The table gives requests/s (median of the rounds, and the spread from the
lowest to the highest round), p50 and p99 latency. At one connection a round trip is two wake-ups;
when the two sides are on different CPUs each wake-up has to reach a CPU that may be idle, and on a
virtual machine that is an inter-processor interrupt through the hypervisor.

    python3 python/netbench/placement.py echo:epoll echo:raw:tokio --connections 1
"""

import argparse

import netrun

PLACEMENTS = ("same", "split", "none")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("servers", nargs="+", help="WORKLOAD:SERVER[:RUNNER] each")
    parser.add_argument("--size", type=int, default=1024, help="echo message bytes, 1 to 1048576")
    parser.add_argument("--connections", type=int, default=1, help="from 1 to 1000")
    parser.add_argument("--ms", type=int, default=1000, help="each run's window, 100 to 60000")
    parser.add_argument("--rounds", type=int, default=3, help="from 1 to 20")
    parser.add_argument("--loadgen-arg", action="append", default=[], help="passed to loadgen")
    args = parser.parse_args()
    rows = []
    try:
        netrun.check_ranges((
            ("--size", args.size, 1, 1 << 20),
            ("--connections", args.connections, 1, 1000),
            ("--ms", args.ms, 100, 60_000),
            ("--rounds", args.rounds, 1, 20),
        ))
        for spec in args.servers:
            workload = spec.split(":", 1)[0]
            size = args.size if workload == "echo" else 1024
            found = {placement: [] for placement in PLACEMENTS}
            for round_ in range(args.rounds):
                shift = round_ % len(PLACEMENTS)
                for placement in PLACEMENTS[shift:] + PLACEMENTS[:shift]:
                    server_cpus, generator_cpus = netrun.PINS[placement]
                    with netrun.Server(spec, server_cpus) as server:
                        found[placement].append(netrun.loadgen(
                            server.addr, workload, size, args.connections, generator_cpus,
                            extra=args.loadgen_arg, warmup_ms=200, duration_ms=args.ms,
                        ))
            rows.append((spec, found))
    except netrun.Refused as why:
        netrun.fail("placement.py", why)
    print(f"{args.size} B × {args.connections} connection(s), {args.rounds} rounds of {args.ms} ms; "
          f"{netrun.machine()}\n")
    print("| server | placement | requests/s (median) | lowest–highest | p50 | p99 |")
    print("|---|---|---|---|---|---|")
    for spec, found in rows:
        for placement, reports in found.items():
            rps = [report["requests_per_s"] for report in reports]
            print(
                f"| {spec} | {placement} | {netrun.median(rps) / 1000:.1f}k/s "
                f"| {min(rps) / 1000:.1f}k–{max(rps) / 1000:.1f}k "
                f"| {netrun.median([r['p50_us'] for r in reports]):.0f} µs "
                f"| {netrun.median([r['p99_us'] for r in reports]):.0f} µs |"
            )


if __name__ == "__main__":
    main()
