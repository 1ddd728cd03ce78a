#!/usr/bin/env python3
"""chaind_async.py from Real Python (chained.py there), quoted in seed 001: chains of two coroutines,
part1() then part2() on part1's result, one chain per number, all chains gathered.

Seed: 001_a0c883f2e143c0ae.txt.
Run: python3 chained.py [N ...] [--seed N] [--time-scale F]   (default numbers: 1 2 3)
     (env: ROSETTA_TIME_SCALE, ROSETTA_TRANSCRIPT=1)
"""

# Differs from the seed:
# - print → say, so that transcript mode can stamp each line with its logical time.
# - asyncio.sleep(i) → asyncio.sleep(scaled(i)), so that the program runs at any time scale.
# - Measured times are in logical seconds: time.perf_counter() - start → elapsed(start).
# - The numbers are read by argparse (positional, default 1 2 3) instead of sys.argv, to make room
#   for a --seed flag (default 444, the seed's random.seed(444)).
# The typos "prat1" and "Returing" are the seed's, and so what CPython prints.

import asyncio
import random
import time

from _rosetta import elapsed, say, scaled


async def randint(a: int, b: int) -> int:
    return random.randint(a, b)


async def part1(n: int) -> str:
    i = await randint(0, 10)
    say(f'prat1 ({n}) sleeping for {i} seconds.')
    await asyncio.sleep(scaled(i))
    result = f'result{n}-1'
    say(f'Returning part1({n}) == {result}.')
    return result


async def part2(n: int, arg: str) -> str:
    i = await randint(0, 10)
    say(f' part2{n, arg} sleeping for {i} seconds.')
    await asyncio.sleep(scaled(i))
    result = f'result{n}-2 derived from {arg}'
    say(f'Returing part2{n, arg} == {result}.')
    return result


async def chain(n: int) -> None:
    start = time.perf_counter()
    p1 = await part1(n)
    p2 = await part2(n, p1)
    end = elapsed(start)
    say(f'Chained result{n} => {p2} (took {end:0.2f} seconds).')


async def main(*args):
    await asyncio.gather(*(chain(n) for n in args))


if __name__ == '__main__':
    import argparse
    parser = argparse.ArgumentParser()
    parser.add_argument('args', metavar='N', type=int, nargs='*', default=[1, 2, 3])
    parser.add_argument('--seed', type=int, default=444)
    ns = parser.parse_args()
    random.seed(ns.seed)
    args = ns.args
    start = time.perf_counter()
    asyncio.run(main(*args))
    end = elapsed(start)
    say(f'Program finished in {end:0.2f} seconds.')
