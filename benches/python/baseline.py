#!/usr/bin/env python3
"""The Python anchors: workloads 1-4 of the Rust benches, on CPython's asyncio and on uvloop.

Measures, with the same sizes as `cargo bench` (crates/workloads):

  gather            asyncio.gather of N no-op coroutines (each becomes a task), N = 1 ... 100 000
  queue             100 000 items through asyncio.Queue (put, get, task_done, join), P x C in
                    {1x1, 4x4, 16x16}, maxsize 1024 and unbounded; every producer and consumer a task
  loop_create/close new_event_loop() and loop.close(), timed separately
  timer_sleep       how late gather(sleep(d), sleep(d), sleep(d)) completes, d = 1 ms and 10 ms
  timer_call_later  how late a loop.call_later(d, ...) callback runs

on asyncio's default loop and on uvloop when it can be imported (it is skipped otherwise), and writes
JSON next to criterion's output (target/criterion/python-baseline.json), where `rosetta overhead`
reads it after `cargo bench`. Each number is the median over runs
of the time of one iteration (or of its lateness), in nanoseconds, timed inside the running loop.

    python3 benches/python/baseline.py [--out PATH] [--quick]

`rosetta compare` runs it with its own sizes and budget (--gather-sizes, --pairs, --queue-items,
--bounded-only, --budget-scale) and reads the same JSON; each record also has the fastest and slowest
sample (min_ns, max_ns).
"""

import argparse
import asyncio
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

GATHER_SIZES = [1, 10, 100, 1_000, 10_000, 100_000]
QUEUE_ITEMS = 100_000
QUEUE_BOUND = 1_024
QUEUE_PAIRS = [1, 4, 16]
TIMER_DELAYS_MS = [1, 10]

now = time.perf_counter_ns


def default_out():
    """Criterion's directory, as criterion decides it: CRITERION_HOME, CARGO_TARGET_DIR, target/."""
    if os.environ.get("CRITERION_HOME"):
        directory = Path(os.environ["CRITERION_HOME"])
    elif os.environ.get("CARGO_TARGET_DIR"):
        directory = Path(os.environ["CARGO_TARGET_DIR"]) / "criterion"
    else:
        directory = Path(__file__).resolve().parents[2] / "target" / "criterion"
    return directory / "python-baseline.json"


def repeat(run, budget_s, min_runs=3, max_runs=10_000):
    """Calls `run()` (which returns nanoseconds) until the budget is spent; the samples."""
    samples = []
    deadline = time.monotonic() + budget_s
    while len(samples) < min_runs or (time.monotonic() < deadline and len(samples) < max_runs):
        samples.append(run())
    return samples


async def noop(i):
    return i


async def gather_once(n):
    start = now()
    values = await asyncio.gather(*(noop(i) for i in range(n)))
    elapsed = now() - start
    assert values == list(range(n)), "gather lost or reordered a value"
    return elapsed


async def consumer(q, totals):
    while True:
        item = await q.get()
        totals[0] += 1
        totals[1] += item
        q.task_done()


async def producer(q, items):
    for item in items:
        await q.put(item)


async def queue_once(pairs, bounded, items):
    q = asyncio.Queue(maxsize=QUEUE_BOUND if bounded else 0)
    totals = [0, 0]
    shares = [range(items * i // pairs, items * (i + 1) // pairs) for i in range(pairs)]
    start = now()
    consumers = [asyncio.create_task(consumer(q, totals)) for _ in range(pairs)]
    producers = [asyncio.create_task(producer(q, share)) for share in shares]
    await asyncio.gather(*producers)
    await q.join()
    # Python 3.13's q.shutdown() would end the consumers; cancelling them works on every version.
    for task in consumers:
        task.cancel()
    await asyncio.gather(*consumers, return_exceptions=True)
    elapsed = now() - start
    expected = items * (items - 1) // 2
    assert totals == [items, expected], f"queue delivered {totals}"
    return elapsed


async def sleep_lateness(delay_s):
    deadline = now() + int(delay_s * 1e9)
    await asyncio.gather(*(asyncio.sleep(delay_s) for _ in range(3)))
    return now() - deadline


async def call_later_lateness(delay_s):
    loop = asyncio.get_running_loop()
    fired = loop.create_future()
    deadline = now() + int(delay_s * 1e9)
    loop.call_later(delay_s, lambda: fired.set_result(now()))
    return await fired - deadline


def measure_loop(name, new_loop, plan):
    """Every workload on loops made by `new_loop`; the result records."""
    scale = plan.budget_scale
    results = []

    def record(group, parameter, samples, elements=None):
        results.append(
            {
                "loop": name,
                "group": group,
                "parameter": parameter,
                "ns": statistics.median(samples),
                "min_ns": min(samples),
                "max_ns": max(samples),
                "runs": len(samples),
                "elements": elements,
            }
        )

    loop = new_loop()
    try:
        for n in plan.gather_sizes:
            samples = repeat(lambda: loop.run_until_complete(gather_once(n)), 0.5 * scale)
            record("gather", str(n), samples, n)
        for pairs in plan.pairs:
            for bounded in (True,) if plan.bounded_only else (True, False):
                shape = f"{pairs}x{pairs}-{'bounded' if bounded else 'unbounded'}"
                samples = repeat(
                    lambda: loop.run_until_complete(queue_once(pairs, bounded, plan.queue_items)),
                    1.0 * scale,
                    min_runs=2,
                )
                record("queue", shape, samples, plan.queue_items)
        for delay_ms in plan.timer_delays_ms:
            delay = delay_ms / 1000
            samples = repeat(lambda: loop.run_until_complete(sleep_lateness(delay)), 0.5 * scale)
            record("timer_sleep", f"{delay_ms}ms", samples)
            samples = repeat(lambda: loop.run_until_complete(call_later_lateness(delay)), 0.5 * scale)
            record("timer_call_later", f"{delay_ms}ms", samples)
    finally:
        loop.close()

    creates, closes = [], []
    deadline = time.monotonic() + 0.5 * scale
    while len(creates) < 10 or time.monotonic() < deadline:
        start = now()
        fresh = new_loop()
        creates.append(now() - start)
        start = now()
        fresh.close()
        closes.append(now() - start)
    # asyncio's loop runs on the calling thread: it stands beside the current-thread runtimes.
    record("loop_create", "current-thread", creates)
    record("loop_close", "current-thread", closes)
    return results


def positive_int(text):
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text} is not a positive integer")
    return value


def positive_float(text):
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text} is not a positive number")
    return value


def sizes(text):
    return [positive_int(part) for part in text.split(",")]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=default_out(), help="where to write the JSON")
    parser.add_argument("--quick", action="store_true", help="a quarter of the time budget")
    parser.add_argument("--budget-scale", type=positive_float, help="the time budget times this")
    parser.add_argument("--gather-sizes", type=sizes, default=GATHER_SIZES, help="N,N,... to gather")
    parser.add_argument("--pairs", type=sizes, default=QUEUE_PAIRS, help="P,P,... queue P x P")
    parser.add_argument("--queue-items", type=positive_int, default=QUEUE_ITEMS, help="items a run")
    parser.add_argument("--timer-delays-ms", type=sizes, default=TIMER_DELAYS_MS, help="D,D,...")
    parser.add_argument("--bounded-only", action="store_true", help="no unbounded queue")
    parser.add_argument("--no-uvloop", action="store_true", help="asyncio's own loop only")
    args = parser.parse_args()
    if args.budget_scale is None:
        args.budget_scale = 0.25 if args.quick else 1.0

    loops = [("asyncio", asyncio.new_event_loop)]
    skipped = {}
    if args.no_uvloop:
        skipped["uvloop"] = "not asked for (--no-uvloop)"
    else:
        try:
            import uvloop

            loops.append(("uvloop", uvloop.new_event_loop))
        except ImportError as error:
            skipped["uvloop"] = f"not importable: {error}"

    results = []
    for name, new_loop in loops:
        print(f"python-baseline: {name} ...", file=sys.stderr, flush=True)
        results.extend(measure_loop(name, new_loop, args))

    versions = {"python": platform.python_version()}
    if len(loops) > 1:
        versions["uvloop"] = sys.modules["uvloop"].__version__
    report = {
        "generated_by": "benches/python/baseline.py",
        "implementation": platform.python_implementation(),
        "versions": versions,
        "machine": {"cpus": os.cpu_count(), "kernel": platform.release()},
        "loops": [name for name, _ in loops],
        "skipped": skipped,
        "unit": "nanoseconds per iteration (median); lateness past the deadline for timer_*",
        "results": results,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"python-baseline: wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
