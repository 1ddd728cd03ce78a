#!/usr/bin/env python3
"""How does the event loop know that asyncio.sleep is over? The question seed 000 leaves open
("asyncio.sleep가 끝나고 나서 event loop는 어떻게 끝났다는 것을 알고 실행 흐름을 넘겨줄 수 있는가?"),
answered with asyncio's own mechanism, made visible by a hand-written awaitable.

Sleep(seconds).__await__ creates a future of the running loop and starts a timer thread, then yields
the future: the task is suspended, and the loop runs other work or waits. When the delay is over,
the timer thread calls loop.call_soon_threadsafe(fut.set_result, None), which wakes the loop (it
writes to the loop's self-pipe); the loop completes the future, whose done-callback schedules the
task again, and the coroutine resumes after its `yield`. (asyncio.sleep itself uses the loop's
timer heap, loop.call_later, rather than a thread; the handshake, future then wake-up, is the same.)
In Rust the same story is a hand-written Future: poll returns Pending after handing a Waker to a
timer thread, which calls waker.wake() when the time is up, and the next poll returns Ready.

Seed: 000_d6cd8f6d8229285c.txt (the question in "의문"; the program is written here).
Run: python3 waker.py [--time-scale F]   (env: ROSETTA_TIME_SCALE, ROSETTA_TRANSCRIPT=1)
"""

# Differs from the seed:
# - The seed asks the question; the program is written here. Its lines are numbered by step so
#   that the Rust version, a hand-written Future woken through a Waker, can print the same story.

import asyncio
import threading
import time

from _rosetta import elapsed, say, scaled


class Sleep:
    """An awaitable that completes after `seconds`, woken by a timer thread."""

    def __init__(self, seconds: float):
        self.seconds = seconds

    def __await__(self):
        loop = asyncio.get_running_loop()
        fut = loop.create_future()
        timer = threading.Timer(scaled(self.seconds), self._wake, args=(loop, fut))
        # Said before the timer starts, so that a tiny delay cannot put line 3 before line 2.
        say("2. poll: not ready, the task is suspended")
        timer.start()
        yield from fut  # Hands the future to the task, which waits for it to be done.
        say("4. poll: ready, the task resumes")

    def _wake(self, loop, fut) -> None:
        # Runs on the timer thread, not on the event loop's: only call_soon_threadsafe may touch it.
        say(f"3. timer thread: {self.seconds} s elapsed, waking the task")
        loop.call_soon_threadsafe(fut.set_result, None)


async def main():
    start = time.perf_counter()
    say("1. main: awaiting Sleep(1.0)")
    await Sleep(1.0)
    say(f"5. main: resumed after {elapsed(start):0.2f} seconds")


if __name__ == "__main__":
    asyncio.run(main())
