#!/usr/bin/env python3
"""The simultaneous chess exhibition of seed 001 (Real Python's "Async IO Explained"): a master plays
24 opponents, 30 moves each per game; the master takes 5 s per move, each opponent 55 s. The master
moves first; a game ends with the opponent's 30th reply.

Synchronously (one board at a time) a game lasts (5 + 55) * 30 s = 30 min, and 24 games 12 hours.
Asynchronously the master moves at each board in turn and walks on while that opponent thinks: a
round of the 24 boards takes 24 * 5 s = 120 s, longer than an opponent's 55 s, so the master never
waits, and the 24 games end after 30 rounds, about 1 hour (the last reply comes at 3,655 s).

Seed: 001_a0c883f2e143c0ae.txt (the story and its arithmetic; the seed has no program for it).
Run: python3 chess.py [--mode sync|async|both] [--boards 24] [--moves 30] [--master 5]
                      [--opponent 55] [--time-scale F]   (env: ROSETTA_TIME_SCALE, ROSETTA_TRANSCRIPT=1)
At the default scale the exhibitions take 12 and 1 real hours; ROSETTA_TIME_SCALE=0.00005 runs both
in about 2.4 seconds.
"""

# Differs from the seed:
# - The seed tells the story and does the arithmetic; the program is written here, and prints when
#   each game ends and how long each exhibition took, in logical hours.
# - The asynchronous exhibition uses only create_task, gather, sleep and Queue, so that it can be
#   written the same way over the Rust runtimes.

import argparse
import asyncio
import time

from _rosetta import elapsed, say, scaled

HOUR = 3600.0


def time_until(start: float, when: float) -> float:
    """Real seconds from now until `when` logical seconds after `start` (a perf_counter reading).

    Both exhibitions sleep until each step's scheduled end rather than for the step's duration: a
    timer fires up to a millisecond late (epoll's timeout is in whole milliseconds), and over the
    master's 720 consecutive moves those delays would add up to hours at the tiny time scales the
    tests use. At the default scale both ways play the same game.
    """
    return max(0.0, scaled(when) - (time.perf_counter() - start))


def sync_exhibition(boards: int, moves: int, master: float, opponent: float) -> None:
    say(f"Synchronous exhibition: the master plays {boards} boards one after the other")
    start = time.perf_counter()
    game = moves * (master + opponent)
    for board in range(1, boards + 1):
        # One sleep per game rather than one per move: at the tiny time scales the tests use, each
        # of 1,440 sleeps of a few microseconds would overshoot by more than it lasts. Nothing else
        # runs meanwhile, so the game is the same either way.
        time.sleep(time_until(start, board * game))
        say(f"Board {board}: game over after {moves} moves, at {elapsed(start) / HOUR:.2f} hours")
    say(f"Synchronous exhibition: {boards} games in {elapsed(start) / HOUR:.1f} hours")


async def opponent_reply(opponent: float, moved_at: float, replies: asyncio.Queue,
                         start: float) -> None:
    """An opponent thinks about the master's move, made at `moved_at`, and replies through the
    board's queue with the logical time of the reply."""
    await asyncio.sleep(time_until(start, moved_at + opponent))
    await replies.put(elapsed(start))


async def async_exhibition(boards: int, moves: int, master: float, opponent: float) -> None:
    say(f"Asynchronous exhibition: the master moves at each of {boards} boards in turn")
    start = time.perf_counter()
    replies = [asyncio.Queue() for _ in range(boards)]
    thinking = []
    # The master's schedule: the logical time at which the current move ends, and at which the
    # master last moved at each board.
    clock = 0.0
    moved_at = [0.0] * boards
    for move in range(1, moves + 1):
        for board in range(boards):
            if move > 1:
                # The master cannot move before the opponent has replied to the previous move.
                await replies[board].get()
                clock = max(clock, moved_at[board] + opponent)
            clock += master
            await asyncio.sleep(time_until(start, clock))
            moved_at[board] = clock
            thinking.append(asyncio.create_task(
                opponent_reply(opponent, clock, replies[board], start)))
    # Each game ends with its opponent's last reply. The master collects them board by board and
    # reports the time each reply was made: printing from the one master task, rather than from
    # the opponents' tasks, keeps the lines in board order even where replies a fraction of a
    # millisecond apart wake together (tiny time scales, multi-threaded runtimes).
    for board in range(boards):
        ended_at = await replies[board].get()
        say(f"Board {board + 1}: game over after {moves} moves, at {ended_at / HOUR:.2f} hours")
    await asyncio.gather(*thinking)
    say(f"Asynchronous exhibition: {boards} games in {elapsed(start) / HOUR:.1f} hours")


def at_least(minimum, kind):
    def parse(text: str):
        value = kind(text)
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {value}")
        return value
    return parse


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", choices=["sync", "async", "both"], default="both")
    parser.add_argument("--boards", type=at_least(1, int), default=24)
    parser.add_argument("--moves", type=at_least(1, int), default=30)
    parser.add_argument("--master", type=at_least(0, float), default=5.0,
                        help="the master's seconds per move")
    parser.add_argument("--opponent", type=at_least(0, float), default=55.0,
                        help="each opponent's seconds per move")
    ns = parser.parse_args()
    args = (ns.boards, ns.moves, ns.master, ns.opponent)
    if ns.mode in ("sync", "both"):
        sync_exhibition(*args)
    if ns.mode in ("async", "both"):
        asyncio.run(async_exhibition(*args))
