"""Shared helpers for the reference programs: the time scale, the logical clock and the output.

Every program in this folder imports this module first. At import time it reads the time scale from
the environment variable ROSETTA_TIME_SCALE (a float, default 1.0: real seconds, as the originals
run) and from a ``--time-scale F`` (or ``--time-scale=F``) flag, which wins; the flag is removed from
``sys.argv`` so that the program's own argument handling never sees it.

- ``scaled(seconds)``: a duration the program sleeps or waits, in real seconds.
- ``elapsed(start[, end])``: a ``time.perf_counter()`` interval, in logical seconds.
- ``say(line)``: prints one line and flushes. With ROSETTA_TRANSCRIPT=1 the line is prefixed by the
  logical time since this module was imported, as ``f"{t:.6f}\\t{line}"``.
"""

import os
import sys
import threading
import time

_START = time.perf_counter()

# The output is compared byte for byte with the Rust programs' output, which is always UTF-8,
# whatever the locale of the machine that runs the comparison.
sys.stdout.reconfigure(encoding="utf-8")


def _fail(message: str) -> None:
    sys.stderr.write(f"{os.path.basename(sys.argv[0])}: error: {message}\n")
    sys.exit(2)


def _parse_scale(text: str, origin: str) -> float:
    try:
        scale = float(text)
    except ValueError:
        _fail(f"{origin}: not a number: {text!r}")
    # Also rejects NaN and infinity, which would make every sleep meaningless.
    if not 0.0 < scale < float("inf"):
        _fail(f"{origin}: must be a positive number, got {text!r}")
    return scale


def _take_time_scale(argv: list) -> float:
    """Removes every ``--time-scale F`` from argv, in place, and returns the scale (the last flag wins)."""
    scale = _parse_scale(os.environ.get("ROSETTA_TIME_SCALE", "1.0"), "ROSETTA_TIME_SCALE")
    i = 1
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            break
        if arg == "--time-scale":
            if i + 1 == len(argv):
                _fail("--time-scale: expected one argument")
            scale = _parse_scale(argv[i + 1], "--time-scale")
            del argv[i : i + 2]
        elif arg.startswith("--time-scale="):
            scale = _parse_scale(arg.partition("=")[2], "--time-scale")
            del argv[i]
        else:
            i += 1
    return scale


SCALE = _take_time_scale(sys.argv)
TRANSCRIPT = os.environ.get("ROSETTA_TRANSCRIPT") == "1"

# A timer thread may print while the event loop thread does (waker.py): one line at a time.
_LOCK = threading.Lock()


def scaled(seconds: float) -> float:
    """A duration of the original program, in the real seconds to sleep or wait at this scale."""
    return seconds * SCALE


def elapsed(start: float, end: float | None = None) -> float:
    """Logical seconds between two ``time.perf_counter()`` readings (``end`` defaults to now)."""
    if end is None:
        end = time.perf_counter()
    return (end - start) / SCALE


def now() -> float:
    """Logical seconds since the program started (since this module was imported)."""
    return elapsed(_START)


def say(line: str = "") -> None:
    """Prints one line, with its logical time in transcript mode, and flushes."""
    with _LOCK:
        if TRANSCRIPT:
            sys.stdout.write(f"{now():.6f}\t{line}\n")
        else:
            sys.stdout.write(f"{line}\n")
        sys.stdout.flush()
