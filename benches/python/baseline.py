#!/usr/bin/env python3
"""The Python anchors: workloads 1-4 of the Rust benches, on CPython's asyncio, uvloop and rloop.

Measures, with the same sizes as `cargo bench` (crates/workloads):

  gather            asyncio.gather of N no-op coroutines (each becomes a task), N = 1 ... 100 000
  queue             100 000 items through asyncio.Queue (put, get, task_done, join), P x C in
                    {1x1, 4x4, 16x16}, maxsize 1024 and unbounded; every producer and consumer a task
  loop_create/close new_event_loop() and loop.close(), timed separately
  timer_sleep       how late gather(sleep(d), sleep(d), sleep(d)) completes, d = 1 ms and 10 ms
  timer_call_later  how late a loop.call_later(d, ...) callback runs

on asyncio's default loop, on uvloop and on rloop (an asyncio loop written in Rust), each chosen with
asyncio.Runner(loop_factory=...); uvloop and rloop come from the project's venv (target/python-venv,
python/requirements.txt) and are skipped, with why, when they cannot be imported. A point a loop
cannot run is listed under "unsupported" with the exception it raised, and the others go on. It writes
JSON next to criterion's output (target/criterion/python-baseline.json), where `rosetta overhead`
reads it after `cargo bench`. Each number is the median over runs
of the time of one iteration (or of its lateness), in nanoseconds, timed inside the running loop.

    target/python-venv/bin/python benches/python/baseline.py [--out PATH] [--quick] [--loops L,L]

`rosetta compare` runs it with its own sizes and budget (--gather-sizes, --pairs, --queue-items,
--bounded-only, --budget-scale) and reads the same JSON; each record also has the fastest and slowest
sample (min_ns, max_ns).
"""

import argparse
import asyncio
import importlib
import importlib.metadata
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
# The loops measured: CPython's own, and the two that replace it (from the project's venv).
LOOPS = ("asyncio", "uvloop", "rloop")

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
    """Every workload on loops made by `new_loop`: the result records, and the points the loop could
    not run (a young loop may lack something a workload needs), each with why."""
    scale = plan.budget_scale
    results = []
    unsupported = []

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

    def point(group, parameter, measure, elements=None):
        # CPython's own loop is the yardstick: anything it cannot do is a bug here, and stops the run.
        # Another loop's failure is that loop's: said in its cell, and the other points go on.
        try:
            samples = measure()
        except Exception as error:  # noqa: BLE001 - whatever the loop raised is what the cell says
            if name == "asyncio":
                raise
            unsupported.append(
                {"loop": name, "group": group, "parameter": parameter, "why": describe(error)}
            )
            return
        record(group, parameter, samples, elements)

    # The loop is chosen as asyncio itself recommends: a Runner with a loop factory, never a policy.
    with asyncio.Runner(loop_factory=new_loop) as runner:
        for n in plan.gather_sizes:
            point(
                "gather",
                str(n),
                lambda: repeat(lambda: runner.run(gather_once(n)), 0.5 * scale),
                n,
            )
        for pairs in plan.pairs:
            for bounded in (True,) if plan.bounded_only else (True, False):
                shape = f"{pairs}x{pairs}-{'bounded' if bounded else 'unbounded'}"
                point(
                    "queue",
                    shape,
                    lambda: repeat(
                        lambda: runner.run(queue_once(pairs, bounded, plan.queue_items)),
                        1.0 * scale,
                        min_runs=2,
                    ),
                    plan.queue_items,
                )
        for delay_ms in plan.timer_delays_ms:
            delay = delay_ms / 1000
            point(
                "timer_sleep",
                f"{delay_ms}ms",
                lambda: repeat(lambda: runner.run(sleep_lateness(delay)), 0.5 * scale),
            )
            point(
                "timer_call_later",
                f"{delay_ms}ms",
                lambda: repeat(lambda: runner.run(call_later_lateness(delay)), 0.5 * scale),
            )

    def create_close():
        creates, closes = [], []
        deadline = time.monotonic() + 0.5 * scale
        while len(creates) < 10 or time.monotonic() < deadline:
            start = now()
            fresh = new_loop()
            creates.append(now() - start)
            start = now()
            fresh.close()
            closes.append(now() - start)
        return creates, closes

    # The factory's own cost: what a Runner pays for its loop, and what closing it costs.
    try:
        creates, closes = create_close()
    except Exception as error:  # noqa: BLE001 - as in point()
        if name == "asyncio":
            raise
        for group in ("loop_create", "loop_close"):
            unsupported.append(
                {"loop": name, "group": group, "parameter": "current-thread", "why": describe(error)}
            )
    else:
        # asyncio's loop runs on the calling thread: it stands beside the current-thread runtimes.
        record("loop_create", "current-thread", creates)
        record("loop_close", "current-thread", closes)
    return results, unsupported


def describe(error):
    """An exception as one line: its type and message."""
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0]}" if text else type(error).__name__


def loop_factories(names):
    """The loop factory of each loop asked for that can be imported, and why each other one is not
    there. asyncio's is the standard library's; uvloop and rloop come from the project's venv."""
    factories, skipped = [], {}
    for name in names:
        if name == "asyncio":
            factories.append((name, asyncio.new_event_loop))
            continue
        try:
            module = importlib.import_module(name)
        except ImportError as error:
            skipped[name] = f"not importable: {error}"
            continue
        factories.append((name, module.new_event_loop))
    return factories, skipped


def loop_names(text):
    names = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [name for name in names if name not in LOOPS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"{text!r}: each loop must be one of {', '.join(LOOPS)}"
        )
    return names


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
    parser.add_argument(
        "--loops", type=loop_names, default=list(LOOPS), help="L,L,... of asyncio, uvloop, rloop"
    )
    args = parser.parse_args()
    if args.budget_scale is None:
        args.budget_scale = 0.25 if args.quick else 1.0

    loops, skipped = loop_factories(args.loops)
    for name in LOOPS:
        if name not in args.loops:
            skipped[name] = "not asked for (--loops)"

    results, unsupported = [], []
    for name, new_loop in loops:
        print(f"python-baseline: {name} ...", file=sys.stderr, flush=True)
        measured, lacking = measure_loop(name, new_loop, args)
        results.extend(measured)
        unsupported.extend(lacking)

    versions = {"python": platform.python_version()}
    for name, _ in loops:
        if name != "asyncio":
            versions[name] = importlib.metadata.version(name)
    report = {
        "generated_by": "benches/python/baseline.py",
        "implementation": platform.python_implementation(),
        "versions": versions,
        "machine": {"cpus": os.cpu_count(), "kernel": platform.release()},
        "loops": [name for name, _ in loops],
        "skipped": skipped,
        "unsupported": unsupported,
        "unit": "nanoseconds per iteration (median); lateness past the deadline for timer_*",
        "results": results,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"python-baseline: wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
