#!/usr/bin/env python3
"""Seed 000's second example (main_of_main): gather(main(), main2()), where main() gathers count(1..3).

Seed: 000_d6cd8f6d8229285c.txt ("코드 예시2"; the program prints its own __file__, it has no name).
count(i) prints i, sleeps i seconds and prints i again; main2() sleeps 2 seconds between its lines.
Run: python3 nested.py [--time-scale F]   (env: ROSETTA_TIME_SCALE, ROSETTA_TRANSCRIPT=1)
"""

# Differs from the seed:
# - print → say (with str(i) for the integers), so that transcript mode can stamp each line.
# - Every asyncio.sleep(x) → asyncio.sleep(scaled(x)), so that the program runs at any time scale.
# - The measured time is in logical seconds (elapsed(s)); the seed's local `elapsed` is renamed
#   `took`, since `elapsed` is now the helper.
# - __file__ → its base name, so that the output does not depend on the directory it is run from.
# - The seed's numbered comments (its reading of the execution order, in Korean) are left out;
#   README.md shows the real order.

import asyncio
import os

from _rosetta import elapsed, say, scaled


async def count(i):
    say(str(i))
    await asyncio.sleep(scaled(i))
    say(str(i))


async def main():
    await asyncio.gather(count(1), count(2), count(3))


async def main2():
    say('main2 start')
    await asyncio.sleep(scaled(2))
    say('main2 end')


async def main_of_main():
    await asyncio.gather(main(), main2())


if __name__ == "__main__":
    import time
    s = time.perf_counter()
    asyncio.run(main_of_main())
    took = elapsed(s)
    say(f"{os.path.basename(__file__)} executed in {took:0.2f} seconds.")
