#!/usr/bin/env python3
"""The HTTP server of the network workloads on aiohttp, run on asyncio's own loop, uvloop or rloop.

It follows the server process contract of the Rust servers (rosetta_workloads::servers): it binds
127.0.0.1 port 0, writes exactly one line `listening 127.0.0.1:PORT` to stdout and flushes, serves
until its stdin reaches end of file, then exits 0; a bad argument, a loop that cannot be imported or a
failed bind: a message on stderr naming what was wrong and what is valid, exit 2.

Every request, whatever its path, is answered over HTTP/1.1 keep-alive with status 200,
`Content-Type: text/plain`, `Content-Length: 1024` and the same fixed 1 KiB body as the Rust servers:
`a` to `z` over and over, a newline ending each 64 bytes.

The server is aiohttp's `web.Application` behind the low-level `AppRunner` and `TCPSite`, and the loop
is chosen as asyncio recommends, `asyncio.Runner(loop_factory=...)`, never an event loop policy.
aiohttp, uvloop and rloop come from the project's venv (target/python-venv, made from
python/requirements.txt by the first `cargo run --release` or test that needs it).

    target/python-venv/bin/python python/netbench/http_server.py --loop uvloop
"""

import argparse
import asyncio
import importlib
import sys

LOOPS = ("asyncio", "uvloop", "rloop")

BODY_LEN = 1024
BODY = bytes(ord("\n") if i % 64 == 63 else ord("a") + i % 26 for i in range(BODY_LEN))


class Refused(Exception):
    """What the contract answers with exit 2: the message says what was wrong and what is valid."""


def loop_factory(name):
    """The factory of the loop `name`: asyncio's own, or the package's `new_event_loop`."""
    if name == "asyncio":
        return asyncio.new_event_loop
    try:
        module = importlib.import_module(name)
    except ImportError as error:
        raise Refused(
            f"the loop {name} cannot be imported ({error}); it is installed in the project's venv, "
            f"target/python-venv (run this script with target/python-venv/bin/python)"
        ) from error
    return module.new_event_loop


def drain(stream):
    """Reads `stream` until its end of file (on a thread: no loop needs to support pipes)."""
    while stream.read(64 * 1024):
        pass


async def serve():
    from aiohttp import web

    async def hello(_request):
        return web.Response(body=BODY, content_type="text/plain")

    app = web.Application()
    app.router.add_route("GET", "/{tail:.*}", hello)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        try:
            await site.start()
        except OSError as error:
            raise Refused(f"cannot listen on 127.0.0.1: {error}") from error
        host, port = runner.addresses[0][:2]
        sys.stdout.write(f"listening {host}:{port}\n")
        sys.stdout.flush()
        await asyncio.get_running_loop().run_in_executor(None, drain, sys.stdin.buffer)
    finally:
        await runner.cleanup()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loop", choices=LOOPS, default="asyncio", help="the event loop to serve on")
    args = parser.parse_args(argv)
    try:
        factory = loop_factory(args.loop)
        with asyncio.Runner(loop_factory=factory) as runner:
            runner.run(serve())
    except Refused as refused:
        print(f"http_server.py: {refused}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
