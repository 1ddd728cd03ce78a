#!/usr/bin/env python3
"""rand.py from Real Python, quoted in seed 001: three makerandom() coroutines, each retrying until
its random number beats its threshold, gathered.

Seed: 001_a0c883f2e143c0ae.txt.
Run: python3 makerandom.py [--seed N] [--time-scale F]   (env: ROSETTA_TIME_SCALE, ROSETTA_TRANSCRIPT=1)
"""

# Differs from the seed:
# - print → say (print() → say("")), so that transcript mode can stamp each line with its time.
# - asyncio.sleep(idx + 1) → asyncio.sleep(scaled(idx + 1)), so that it runs at any time scale.
# - random.seed(444) → random.seed(ns.seed), from a --seed flag whose default is 444.

import asyncio
import random

from _rosetta import say, scaled

# ANSI colors
c = (
    '\033[0m',   # End of color
    '\033[36m',  # Cyan
    '\033[91m',  # Red
    '\033[35m',  # Magenta
)

async def randint(a: int, b: int) -> int:
    return random.randint(a, b)

async def makerandom(idx: int, threshold: int = 6) -> int:
    say(c[idx + 1] + f'Initiated makerandom({idx}).')
    i = await randint(0, 10)
    while i <= threshold:
        say(c[idx + 1] + f'makerandom({idx}) == {i} too low; retrying.')
        await asyncio.sleep(scaled(idx + 1))
        i = await randint(0, 10)
    say(c[idx + 1] + f'---> Finished: makerandom({idx}) == {i}' + c[0])
    return i

async def main():
    res = await asyncio.gather(*(makerandom(i, 10 - i - 1) for i in range(3)))
    return res

if __name__ == "__main__":
    import argparse
    parser = argparse.ArgumentParser()
    parser.add_argument('--seed', type=int, default=444)
    ns = parser.parse_args()
    random.seed(ns.seed)
    r1, r2, r3 = asyncio.run(main())
    say("")
    say(f'r1: {r1}, r2: {r2}, r3: {r3}')
