#!/usr/bin/env python3
"""Seed 002's run_in_executor example: two coroutines each hand a blocking time.sleep(5) to the
default thread pool with loop.run_in_executor(None, ...), so the two sleeps overlap (5 s, not 10).

Seed: 002_a55ca8b825062246.txt (the "coroutine이 아닌 함수 asynchronous하게 이용하기" section).
Run: python3 executor.py [--time-scale F]   (env: ROSETTA_TIME_SCALE, ROSETTA_TRANSCRIPT=1)
"""

# Differs from the seed:
# - print → say, so that transcript mode can stamp each line with its logical time.
# - run_in_executor(None, time.sleep, 5) → ...(None, time.sleep, scaled(5)), for the time scale.
# - The top-level asyncio.get_event_loop() (deprecated without a running loop since 3.12) →
#   asyncio.new_event_loop() + set_event_loop(), the same loop for run_until_complete; closed at
#   the end. Inside the coroutines, get_event_loop() returns the running loop, as in the seed.
# The two "재개" (resumed) lines race: both pool threads wake 5 s after they start, and the thread
# started first usually wakes first; the seed's own run printed coroutine 2's line first.

import asyncio
import time

from _rosetta import say, scaled


async def coroutine_1():
    say('코루틴 1 시작')
    say('코루틴 1 중단')

    loop = asyncio.get_event_loop()
    await loop.run_in_executor(None, time.sleep, scaled(5))

    say('코루틴 1 재개')


async def coroutine_2():
    say('코루틴 2 시작')
    say('코루틴 2 중단')

    loop = asyncio.get_event_loop()
    await loop.run_in_executor(None, time.sleep, scaled(5))

    say('코루틴 2 재개')

if __name__ == "__main__":
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)

    # 두 개의 코루틴이 이벤트 루프에서 돌 수 있게 스케쥴링

    loop.run_until_complete(asyncio.gather(coroutine_1(), coroutine_2()))
    loop.close()
