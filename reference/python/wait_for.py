#!/usr/bin/env python3
"""async_wait_for.py from seed 004 ("asyncio.wait_for(coro, timeout) 設定 timeout"): a slow coroutine
(5 s) under a 1 s timeout is cancelled and wait_for raises TimeoutError; then a fast one (0.2 s)
under the same timeout returns its result in time.

Seed: 004_1a1897a3fe75a763.txt (it names the program and links the docs; the program is written
here so that each step prints a line, including the slow coroutine's cancellation).
Run: python3 wait_for.py [--time-scale F]   (env: ROSETTA_TIME_SCALE, ROSETTA_TRANSCRIPT=1)
"""

# Differs from the seed:
# - The seed gives no code: the program is written here. Durations go through scaled(), printed
#   times are logical, and every line goes through say.
# - slow_operation catches CancelledError, prints and re-raises it, so that the output shows the
#   cancellation that wait_for performs before it raises TimeoutError.

import asyncio
import time

from _rosetta import elapsed, say, scaled

TIMEOUT = 1.0


async def slow_operation():
    say("slow_operation: started, needs 5.0 seconds")
    try:
        await asyncio.sleep(scaled(5.0))
    except asyncio.CancelledError:
        say("slow_operation: cancelled")
        raise
    say("slow_operation: finished")
    return "slow result"


async def fast_operation():
    say("fast_operation: started, needs 0.2 seconds")
    await asyncio.sleep(scaled(0.2))
    say("fast_operation: finished")
    return "fast result"


async def main():
    start = time.perf_counter()
    try:
        result = await asyncio.wait_for(slow_operation(), timeout=scaled(TIMEOUT))
        say(f"slow_operation returned {result!r}")
    except TimeoutError:
        say(f"slow_operation timed out after {TIMEOUT} seconds")

    result = await asyncio.wait_for(fast_operation(), timeout=scaled(TIMEOUT))
    say(f"fast_operation returned {result!r}")
    say(f"Finished in {elapsed(start):0.2f} seconds.")


if __name__ == "__main__":
    asyncio.run(main())
