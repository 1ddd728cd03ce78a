#!/usr/bin/env python3
"""Seed 000's asynchronous generator mygen(u), which prints u, yields 2 ** i and sleeps 0.1 s, read
by two async comprehensions: g (all ten values of mygen(10)) and f (the values of mygen(20) that
pass `not (j // 3 % 5)`); both lists are printed at the end.

Seed: 000_d6cd8f6d8229285c.txt ("Other Features: async for and async generators + comprehensions").
Run: python3 agen.py [--time-scale F]   (env: ROSETTA_TIME_SCALE, ROSETTA_TRANSCRIPT=1)
"""

# Differs from the seed:
# - print(x) → say(str(x)), the same text, so that transcript mode can stamp each line.
# - asyncio.sleep(0.1) → asyncio.sleep(scaled(0.1)), so that it runs at any time scale.
# mygen prints u (not i) on purpose in the seed: ten lines "10", then twenty lines "20".

import asyncio

from _rosetta import say, scaled

# asynchronous generator
async def mygen(u: int = 10):
    i = 0
    while i < u:
        say(str(u))
        yield 2 ** i
        i += 1
        await asyncio.sleep(scaled(0.1))

async def main():
    g = [i async for i in mygen(10)] # 동기적으로 실행됨
    f = [j async for j in mygen(20) if not (j // 3 % 5)]
    return g, f

g, f = asyncio.run(main())
say(str(g))
say(str(f))
