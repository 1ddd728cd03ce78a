#!/usr/bin/env python3
"""asyncq.py from Real Python, in the version of seed 000 (producers print "bef {name}" and
"after {name}" around makeitem()): producers put items on an asyncio.Queue, consumers take them.

Seed: 000_d6cd8f6d8229285c.txt (seed 004 runs it as `python3 asyncq.py -p 2 -c 5`).
Run: python3 asyncq.py [-p NPROD] [-c NCON] [--seed N] [--time-scale F]
     (defaults: -p 5 -c 10 --seed 444; env: ROSETTA_TIME_SCALE, ROSETTA_TRANSCRIPT=1)
"""

# Differs from the seed:
# - print → say, so that transcript mode can stamp each line with its logical time.
# - asyncio.sleep(i) → asyncio.sleep(scaled(i)), so that the program runs at any time scale.
# - Measured times are in logical seconds: now - t → elapsed(t, now); the final measurement goes
#   through elapsed(start) into `took`, since `elapsed` is now the helper.
# - The seed's two commented-out lines are back (ncon consumers created, cancelled at the end), in
#   place of its single `for n in range(1)` consumer, so that -c means what it says.
# - random.seed(444) → random.seed(ns.seed), from a --seed flag whose default is 444; main() is
#   called as main(ns.nprod, ns.ncon), since ns.__dict__ now holds the seed too.

import asyncio
import itertools as it
import os
import random
import time

from _rosetta import elapsed, say, scaled

async def makeitem(size: int = 5) -> str:
    return os.urandom(size).hex()

async def randsleep(a: int = 1, b: int = 5, caller=None) -> None:
    i = random.randint(0, 10)
    if caller:
        say(f'{caller} sleeping for {i} seconds')
    await asyncio.sleep(scaled(i))

async def produce(name: int, q: asyncio.Queue) -> None:
    n = random.randint(0, 10)
    for _ in it.repeat(None, n):
        say(f'bef {name}')
        i = await makeitem()
        say(f'after {name}')
        t = time.perf_counter()
        await q.put((i, t))
        say(f'Producer {name} added <{i}> to queue.')

async def consume(name: int, q: asyncio.Queue) -> None:
    while True:
        await randsleep(caller=f'Consumer {name}')
        i, t = await q.get()
        now = time.perf_counter()
        say(
            f'Consumer {name} got element <{i}>'
            f' in {elapsed(t, now):0.5f} seconds'
        )
        q.task_done()

async def main(nprod: int, ncon: int):
    q = asyncio.Queue()
    producers = [asyncio.create_task(produce(n, q)) for n in range(nprod)]
    consumers = [asyncio.create_task(consume(n, q)) for n in range(ncon)]
    await asyncio.gather(*producers)
    await q.join() # implicitly awaits consumers, too
    for c in consumers:
        c.cancel()

if __name__ == '__main__':
    import argparse
    parser = argparse.ArgumentParser()
    parser.add_argument('-p', '--nprod', type=int, default=5)
    parser.add_argument('-c', '--ncon', type=int, default=10)
    parser.add_argument('--seed', type=int, default=444)
    ns = parser.parse_args()
    random.seed(ns.seed)
    start = time.perf_counter()
    asyncio.run(main(ns.nprod, ns.ncon))
    took = elapsed(start)
    say(f'Program completed in {took:0.5f} seconds.')
