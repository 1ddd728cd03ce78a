#!/usr/bin/env python3
"""blocking_async.py from seed 004 ("常見錯誤：在 async function 中使用 blocking code"): two
coroutines that call the blocking time.sleep(3), gathered: they run one after the other (6 s), since
a blocking call keeps the event loop from running anything else.

Seed: 004_1a1897a3fe75a763.txt (it shows the output only; the program is written to print it).
Run: python3 blocking.py [--time-scale F]   (env: ROSETTA_TIME_SCALE, ROSETTA_TRANSCRIPT=1)
"""

# Differs from the seed:
# - The seed shows only the output ("Start", "End", "Start", "End", "Time taken: 6.0069... seconds"):
#   the program is written here; "Time taken" prints the raw float, as the seed's output does.
# - print → say; time.sleep(3) → time.sleep(scaled(3)); the time taken is in logical seconds.

import asyncio
import time

from _rosetta import elapsed, say, scaled


async def task():
    say("Start")
    time.sleep(scaled(3))  # Blocks the whole event loop: nothing else runs for 3 seconds.
    say("End")


async def main():
    start = time.perf_counter()
    await asyncio.gather(task(), task())
    say(f"Time taken: {elapsed(start)} seconds")


if __name__ == "__main__":
    asyncio.run(main())
