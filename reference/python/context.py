#!/usr/bin/env python3
"""Asynchronous context managers (`async with`, __aenter__/__aexit__): seed 003's AsyncAdd, whose
__aenter__ sleeps and returns a + b (prints 3), then seed 004's async_context.py, which prints one
line before, inside and after the `async with` block and one in each of __aenter__ and __aexit__.

Seeds: 003_8f4add752e81d93a.txt (AsyncAdd) and 004_1a1897a3fe75a763.txt (async_context.py: the seed
shows only its output; the program below is written to print exactly that output).
Run: python3 context.py [--time-scale F]   (env: ROSETTA_TIME_SCALE, ROSETTA_TRANSCRIPT=1)
"""

# Differs from the seeds:
# - print → say, so that transcript mode can stamp each line with its logical time.
# - asyncio.sleep(1.0) → asyncio.sleep(scaled(1.0)), so that it runs at any time scale.
# - Seed 003's top-level get_event_loop() (deprecated without a running loop since 3.12) →
#   asyncio.new_event_loop(), the same run_until_complete and close.
# - Seed 004 shows async_context.py's output only: AsyncResource and async_context_main are
#   written here, with a 0.5 s asyncio.sleep in __aenter__ and __aexit__ (set-up and clean-up take
#   time, so the block really waits for them).

import asyncio

from _rosetta import say, scaled


# Seed 003: AsyncAdd.

class AsyncAdd:
    def __init__(self, a, b):
        self.a = a
        self.b = b

    async def __aenter__(self):
        await asyncio.sleep(scaled(1.0))
        return self.a + self.b # __aenter__에서 값을 반환하면 as에 지정한 변수에 들어감

    async def __aexit__(self, exc_type, exc_value, traceback):
        pass

async def main():
    async with AsyncAdd(1, 2) as result: # async with에 클래스의 인스턴스 지정
        say(str(result)) # 3


# Seed 004: async_context.py.

class AsyncResource:
    def __init__(self, name):
        self.name = name

    async def __aenter__(self):
        say(f"__aenter__: Setting up {self.name}")
        await asyncio.sleep(scaled(0.5))
        return self

    async def __aexit__(self, exc_type, exc_value, traceback):
        say(f"__aexit__: Cleaning up {self.name}")
        await asyncio.sleep(scaled(0.5))


async def async_context_main():
    say("This should be printed before the __aenter__")
    async with AsyncResource("resource1") as resource:
        say(f"Using {resource.name} => This should be printed after __aenter__ and before __aexit__")
    say("This should be printed after the __aexit__")


if __name__ == "__main__":
    loop = asyncio.new_event_loop()
    loop.run_until_complete(main())
    loop.close()

    asyncio.run(async_context_main())
