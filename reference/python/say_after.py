#!/usr/bin/env python3
"""Seed 002's create_task example (say_after from the Python docs' "Coroutines and Tasks"): two tasks
created at once, then awaited one after the other; the whole takes 2 seconds, not 3.

Seed: 002_a55ca8b825062246.txt (the "Task" section; say_after is the docs' own helper).
Run: python3 say_after.py [--time-scale F]   (env: ROSETTA_TIME_SCALE, ROSETTA_TRANSCRIPT=1)
"""

# Differs from the seed:
# - print → say, so that transcript mode can stamp each line with its logical time.
# - asyncio.sleep(delay) → asyncio.sleep(scaled(delay)), so that it runs at any time scale.
# - The seed shows only main(); say_after() and asyncio.run(main()) are the Python docs' own lines.
# The "started at"/"finished at" lines show the wall clock (time.strftime('%X')), not logical time.

import asyncio
import time

from _rosetta import say, scaled


async def say_after(delay, what):
    await asyncio.sleep(scaled(delay))
    say(what)


async def main():
    task1 = asyncio.create_task(say_after(1, 'hello'))
    task2 = asyncio.create_task(say_after(2, 'world'))

    say(f"started at {time.strftime('%X')}")

    # Wait until both tasks are completed (should take around 2 seconds.)
    await task1
    await task2

    say(f"finished at {time.strftime('%X')}")


asyncio.run(main())
