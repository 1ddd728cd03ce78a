#!/usr/bin/env python3
"""benchmark_event_loop_overhead.py from seed 004 ("Event loop overhead"): creates and closes N event
loops with asyncio.new_event_loop() and loop.close(), timing each step, and prints the average cost
of each in milliseconds.

Seed: 004_1a1897a3fe75a763.txt (it shows the output only; the program is written to print it).
Run: python3 loop_overhead.py [-n N] [--uvloop | --rloop]   (default -n 1000; env: ROSETTA_TRANSCRIPT=1)
The time scale (ROSETTA_TIME_SCALE, --time-scale) is accepted and ignored: the figures are
measured costs, not durations of the program.
"""

# Differs from the seed:
# - The seed shows only the two "Average ..." lines: the program is written here, with a first line
#   naming the number of loops and the event loop class, so that runs can be compared.
# - --uvloop and --rloop use uvloop.new_event_loop() or rloop.new_event_loop() instead: the factory
#   an asyncio.Runner(loop_factory=...) is given to run on that loop. Neither is in the standard
#   library; both are in the project's venv (target/python-venv/bin/python loop_overhead.py --rloop).

import argparse
import asyncio
import importlib
import time

from _rosetta import say


def benchmark(iterations: int, new_event_loop) -> None:
    creation = 0.0
    closing = 0.0
    loop_class = None
    for _ in range(iterations):
        start = time.perf_counter()
        loop = new_event_loop()
        created = time.perf_counter()
        loop.close()
        closed = time.perf_counter()
        creation += created - start
        closing += closed - created
        loop_class = type(loop).__name__
    say(f"Created and closed {iterations} event loops ({loop_class})")
    say(f"Average event loop creation overhead: {creation / iterations * 1000:.4f} ms")
    say(f"Average event loop closing overhead: {closing / iterations * 1000:.4f} ms")


def positive(text: str) -> int:
    n = int(text)
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {n}")
    return n


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", "--iterations", type=positive, default=1000)
    choice = parser.add_mutually_exclusive_group()
    choice.add_argument("--uvloop", action="store_true", help="use uvloop.new_event_loop()")
    choice.add_argument("--rloop", action="store_true", help="use rloop.new_event_loop()")
    ns = parser.parse_args()
    name = "uvloop" if ns.uvloop else "rloop" if ns.rloop else None
    if name is None:
        benchmark(ns.iterations, asyncio.new_event_loop)
    else:
        try:
            module = importlib.import_module(name)
        except ImportError:
            parser.error(
                f"--{name}: {name} is not installed here; run with the project's venv "
                f"(target/python-venv/bin/python, made by `cargo run --release`)"
            )
        benchmark(ns.iterations, module.new_event_loop)
