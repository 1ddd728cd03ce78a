#!/usr/bin/env python3
"""asyncq311.py: asyncq.py (seed 000's producers and consumers) written the Python 3.11 way: the tasks
live in TaskGroups, the whole run is under asyncio.timeout, and a Semaphore bounds how many consumers
work at once.

Run: python3 asyncq311.py [-p NPROD] [-c NCON] [-w WORKERS] [--deadline S] [--seed N] [--time-scale F]
     (defaults: -p 5 -c 10 -w 3 --deadline 600 --seed 444; env: ROSETTA_TIME_SCALE, ROSETTA_TRANSCRIPT=1)
"""

# Differs from asyncq.py:
# - The producers run in a TaskGroup inside the consumers' TaskGroup: leaving the inner group means every
#   item is on the queue. Then one None per consumer tells each to return, so the outer group ends once
#   every item is handled: no q.join(), no cancelling by hand.
# - A consumer takes an item first and then works on it (the random sleep) holding the Semaphore, so
#   that at most -w items are handled at once; "got element" is said before the permit goes.
# - The run is under asyncio.timeout(--deadline); if it fires, the groups are cancelled and the program
#   says so instead of "Program completed".

import asyncio
import os
import random
import time

from _rosetta import elapsed, say, scaled

async def makeitem(size: int = 5) -> str:
    return os.urandom(size).hex()

async def randsleep(caller=None) -> None:
    i = random.randint(0, 10)
    if caller:
        say(f'{caller} sleeping for {i} seconds')
    await asyncio.sleep(scaled(i))

async def produce(name: int, q: asyncio.Queue) -> None:
    n = random.randint(0, 10)
    for _ in range(n):
        say(f'bef {name}')
        i = await makeitem()
        say(f'after {name}')
        t = time.perf_counter()
        await q.put((i, t))
        say(f'Producer {name} added <{i}> to queue.')

async def consume(name: int, q: asyncio.Queue, sem: asyncio.Semaphore) -> None:
    while True:
        item = await q.get()
        if item is None:
            return
        i, t = item
        async with sem:
            await randsleep(caller=f'Consumer {name}')
            now = time.perf_counter()
            say(
                f'Consumer {name} got element <{i}>'
                f' in {elapsed(t, now):0.5f} seconds'
            )

async def main(nprod: int, ncon: int, workers: int, deadline: float) -> bool:
    q = asyncio.Queue()
    sem = asyncio.Semaphore(workers)
    try:
        async with asyncio.timeout(scaled(deadline)):
            async with asyncio.TaskGroup() as consumers:
                for n in range(ncon):
                    consumers.create_task(consume(n, q, sem))
                async with asyncio.TaskGroup() as producers:
                    for n in range(nprod):
                        producers.create_task(produce(n, q))
                for _ in range(ncon):
                    await q.put(None)
    except TimeoutError:
        return False
    return True

if __name__ == '__main__':
    import argparse
    parser = argparse.ArgumentParser()
    parser.add_argument('-p', '--nprod', type=int, default=5)
    parser.add_argument('-c', '--ncon', type=int, default=10)
    parser.add_argument('-w', '--workers', type=int, default=3)
    parser.add_argument('--deadline', type=float, default=600)
    parser.add_argument('--seed', type=int, default=444)
    ns = parser.parse_args()
    random.seed(ns.seed)
    start = time.perf_counter()
    completed = asyncio.run(main(ns.nprod, ns.ncon, ns.workers, ns.deadline))
    took = elapsed(start)
    if completed:
        say(f'Program completed in {took:0.5f} seconds.')
    else:
        say(f'Program timed out after {took:0.5f} seconds.')
