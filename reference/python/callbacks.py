#!/usr/bin/env python3
"""Seed 003's callbacks + coroutines program: a plain callback that re-arms itself every second with
loop.call_later, coroutine 'A' registered with ensure_future, and a callback that registers
coroutine '8' the same way; coroutine 'A' stops the loop after its 10 ticks.

Seed: 003_8f4add752e81d93a.txt (the program after "ensure_future()나 loop.create_task()를 사용하여
등록할 수 있다"; it has no file name).
Run: python3 callbacks.py [--time-scale F]   (env: ROSETTA_TIME_SCALE, ROSETTA_TRANSCRIPT=1)
"""

# Differs from the seed:
# - print(i, '...') → say(f'{i} ...'), the same text (print joins its arguments with a space).
# - asyncio.sleep(1) and call_later(1.0, ...) → scaled(1) and scaled(1.0), for the time scale.
# - @asyncio.coroutine + yield from (removed in Python 3.11) → async def + await.
# - print_every_second_corouine('8') (a typo: NameError in the callback) → print_every_second_coroutine.
# - `loop = asyncio.get_event_loop` (no parentheses: the function, not a loop) and the deprecated
#   top-level get_event_loop() → asyncio.new_event_loop() + set_event_loop(), so that the
#   top-level ensure_future() finds the loop, as get_event_loop() did.
# As in the seed, the loop stops while coroutines 'A' and '8' are suspended in their next round
# (each has printed "0 s" again): loop.close() leaves them pending, and CPython reports
# "Task was destroyed but it is pending!" on stderr when it collects them at exit.

import asyncio

from _rosetta import say, scaled


async def print_every_second_coroutine(type):
    "Print seconds"
    while True:
        for i in range(10):
            say(f'{i} s (coroutine {type})')
            await asyncio.sleep(scaled(1))
        loop = asyncio.get_event_loop()
        loop.stop()

def print_every_seconds_callback(i):
    say(f'{i} s (callback)')
    loop = asyncio.get_event_loop()
    loop.call_later(scaled(1.0), print_every_seconds_callback, i+1)

def print_every_seconds_callback_to_coroutine():
    asyncio.ensure_future(print_every_second_coroutine('8'))

if __name__ == '__main__':
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    loop.call_soon(print_every_seconds_callback, 0)
    loop.call_soon(print_every_seconds_callback_to_coroutine)
    asyncio.ensure_future(print_every_second_coroutine('A'))

    loop.run_forever()
    loop.close()
