#!/usr/bin/env python3
"""countasync.py from Real Python, quoted in seeds 000, 001 and 004: three count() coroutines gathered.

Seeds: 000_d6cd8f6d8229285c.txt, 001_a0c883f2e143c0ae.txt, 004_1a1897a3fe75a763.txt.
Run: python3 countasync.py [--time-scale F]   (env: ROSETTA_TIME_SCALE, ROSETTA_TRANSCRIPT=1)
"""

# Differs from the seed:
# - print → say, so that transcript mode can stamp each line with its logical time.
# - asyncio.sleep(1) → asyncio.sleep(scaled(1)), so that the program runs at any time scale.
# - The measured time is in logical seconds (elapsed(s)); the seed's local `elapsed` is renamed
#   `took`, since `elapsed` is now the helper.
# - __file__ → its base name, so that the output does not depend on the directory it is run from.
# - Seed 000's copy declares `count(i)` but calls `count()`, a TypeError; this is seed 001's copy,
#   Real Python's original, which takes no argument.

import asyncio
import os

from _rosetta import elapsed, say, scaled


async def count():
    say('One')
    await asyncio.sleep(scaled(1))
    say('Two')


async def main():
    await asyncio.gather(count(), count(), count())


if __name__ == '__main__':
    import time
    s = time.perf_counter()
    asyncio.run(main())
    took = elapsed(s)
    say(f'{os.path.basename(__file__)} executed in {took:0.2f} seconds.')
