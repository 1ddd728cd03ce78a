#!/usr/bin/env python3
"""countsync.py from Real Python, quoted in seed 001: the blocking contrast to countasync.py.

Seed: 001_a0c883f2e143c0ae.txt.
Run: python3 countsync.py [--time-scale F]   (env: ROSETTA_TIME_SCALE, ROSETTA_TRANSCRIPT=1)
"""

# Differs from the seed:
# - print → say, so that transcript mode can stamp each line with its logical time.
# - time.sleep(1) → time.sleep(scaled(1)), so that the program runs at any time scale.
# - The measured time is in logical seconds (elapsed(s)); the seed's local `elapsed` is renamed
#   `took`, since `elapsed` is now the helper.
# - __file__ → its base name, so that the output does not depend on the directory it is run from.

import os
import time

from _rosetta import elapsed, say, scaled


def count():
    say('One')
    time.sleep(scaled(1))
    say('Two')


def main():
    for _ in range(3):
        count()


if __name__ == '__main__':
    s = time.perf_counter()
    main()
    took = elapsed(s)
    say(f'{os.path.basename(__file__)} executed in {took:0.2f} seconds.')
